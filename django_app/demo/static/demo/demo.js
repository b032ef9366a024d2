/*
 * The demo page's script: document 002's browser flows against /auth-api/.
 *
 * The tokens live in HttpOnly cookies the script never sees; every call is a same-origin
 * fetch() with those cookies and, on unsafe methods, the X-CSRFToken header from
 * get-csrf-token/ (fetched again after each sign-in, when Django rotates it, and after a
 * "CSRF Failed" answer). An answer 401 while signed in gets one token/refresh/ and one
 * retry. Endpoints and words come from the page's json_script blocks; text reaches the
 * page through textContent and DOM nodes only (the page enforces Trusted Types).
 */
(() => {
  "use strict";

  const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
  const USER_KEY = "pyauth-demo-user";  // the signed-in user's id and email, never a token
  const ID = "__id__";

  const readJson = (id) => JSON.parse(document.getElementById(id).textContent);
  const URLS = readJson("demo-endpoints");
  const WORDS = readJson("demo-strings");
  const $ = (id) => document.getElementById(id);

  const state = { user: null, pendingEmail: "", mfaToken: "", csrf: null };

  // --- words and messages ---------------------------------------------------------------

  function say(key, values = {}) {
    return WORDS[key].replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
  }

  function notify(text) {
    $("error").hidden = true;
    $("notice").textContent = text;
    $("notice").hidden = !text;
  }

  function fail(text) {
    $("error").textContent = text;
    $("error").hidden = !text;
  }

  /** The words of a refused answer: DRF's {"detail"}, field errors, or the status. */
  function describe(result) {
    if (result.status === 0) return say("networkError");
    if (result.status === 429 && result.retryAfter) {
      return say("retryAfter", { seconds: result.retryAfter });
    }
    const data = result.data;
    if (data && typeof data.detail === "string") return data.detail;
    if (data && typeof data === "object") {
      const lines = [];
      for (const [field, errors] of Object.entries(data)) {
        const text = Array.isArray(errors) ? errors.join(" ") : String(errors);
        lines.push(field === "non_field_errors" ? text : `${field}: ${text}`);
      }
      if (lines.length) return lines.join("\n");
    }
    return say("unexpected", { status: result.status });
  }

  // --- the API --------------------------------------------------------------------------

  const withId = (template, id) => template.replace(ID, encodeURIComponent(String(id)));

  async function csrfToken() {
    if (!state.csrf) {
      const result = await send("GET", URLS.csrf, undefined, { retry: false });
      if (!result.ok || !result.data || typeof result.data.csrfToken !== "string") {
        throw new Error("no CSRF token");
      }
      state.csrf = result.data.csrfToken;
    }
    return state.csrf;
  }

  /** One request: {ok, status, data, retryAfter}; a network failure is status 0. */
  async function send(method, url, body, { retry = true } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      if (!SAFE_METHODS.has(method)) headers["X-CSRFToken"] = await csrfToken();
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
        redirect: "error",
      });
    } catch {
      return { ok: false, status: 0, data: null, retryAfter: null };
    }
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : null;
    const result = {
      ok: response.ok,
      status: response.status,
      data,
      retryAfter: response.headers.get("Retry-After"),
    };
    if (!retry) return result;
    if (result.status === 403 && data && String(data.detail || "").startsWith("CSRF Failed")) {
      state.csrf = null;  // rotated since we fetched it (a sign-in elsewhere, a new cookie)
      return send(method, url, body, { retry: false });
    }
    if (result.status === 401 && state.user && url !== URLS.refresh) {
      if (await refreshTokens()) return send(method, url, body, { retry: false });
    }
    return result;
  }

  async function refreshTokens() {
    const result = await send("POST", URLS.refresh, undefined, { retry: false });
    return result.ok;
  }

  // --- screens --------------------------------------------------------------------------

  const SCREENS = ["signed-out", "code-step", "mfa-step", "signed-in"];

  function show(screen) {
    for (const id of SCREENS) $(id).hidden = id !== screen;
    const first = $(screen).querySelector("input:not([type=hidden])");
    if (first) first.focus();
  }

  function rememberUser(user) {
    state.user = user;
    if (user) {
      sessionStorage.setItem(USER_KEY, JSON.stringify({ id: user.id, email: user.email }));
      $("who").textContent = say("signedInAs", { email: user.email || user.username });
    } else {
      sessionStorage.removeItem(USER_KEY);
      $("who").textContent = say("signedOut");
    }
  }

  function signedOut(message) {
    rememberUser(null);
    state.pendingEmail = "";
    state.mfaToken = "";
    resetMfaCard();
    $("sessions-body").replaceChildren();
    $("sessions-count").textContent = "";
    show("signed-out");
    if (message) notify(message);
  }

  async function signedIn(user) {
    state.csrf = null;  // Django rotates the CSRF token at every sign-in
    state.pendingEmail = "";
    state.mfaToken = "";
    rememberUser(user);
    for (const id of ["login-form", "code-form", "mfa-form"]) $(id).reset();
    show("signed-in");
    await Promise.all([loadMfa(), loadSessions()]);
  }

  /** A signed-in call refused with 401 even after a refresh: the session is over. */
  function handleSignedInFailure(result) {
    if (result.status === 401) {
      signedOut(say("sessionExpired"));
      return;
    }
    fail(describe(result));
  }

  // --- busy forms -----------------------------------------------------------------------

  /** Run ``work`` with ``control``'s buttons disabled, reporting a thrown error. */
  async function busy(control, work) {
    const buttons = control.tagName === "FORM" ? control.querySelectorAll("button") : [control];
    for (const button of buttons) button.disabled = true;
    try {
      await work();
    } catch (error) {
      fail(say("networkError"));
      console.error(error);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  function onSubmit(id, handler) {
    const form = $(id);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(form, () => handler(new FormData(form), form));
    });
  }

  function onClick(id, handler) {
    const button = $(id);
    button.addEventListener("click", () => busy(button, handler));
  }

  // --- signing up and in ----------------------------------------------------------------

  onSubmit("signup-form", async (data, form) => {
    const body = { email: data.get("email").trim(), password: data.get("password") };
    const fullName = data.get("full_name").trim();
    if (fullName) body.full_name = fullName;
    const result = await send("POST", URLS.users, body);
    if (!result.ok) return fail(describe(result));
    form.reset();
    $("login-form").elements.email.value = result.data.email;
    $("login-form").elements.password.focus();
    notify(say("accountCreated", { email: result.data.email }));
  });

  onSubmit("login-form", async (data) => {
    const email = data.get("email").trim();
    const result = await send("POST", URLS.login, { email, password: data.get("password") });
    if (!result.ok) return fail(describe(result));
    state.pendingEmail = result.data.email || email;
    $("login-form").elements.password.value = "";
    $("code-hint").textContent = say("codeSent", { email: state.pendingEmail });
    notify("");
    show("code-step");
  });

  onSubmit("code-form", async (data) => {
    const otp = data.get("otp").trim();
    const result = await send("POST", URLS.token, { email: state.pendingEmail, otp });
    if (result.status === 403 && result.data && result.data.code === "mfa_required") {
      state.mfaToken = result.data.mfa_token;
      notify("");
      show("mfa-step");
      return;
    }
    if (!result.ok) return fail(describe(result));
    await signedIn(result.data.user);
    notify(say("signedIn"));
  });

  onClick("resend-code", async () => {
    const result = await send("POST", URLS.resendOtp, { email: state.pendingEmail });
    if (!result.ok) return fail(describe(result));
    notify(say("codeResent"));
  });

  onSubmit("mfa-form", async (data) => {
    const body = { mfa_token: state.mfaToken, mfa_code: data.get("mfa_code").trim() };
    const result = await send("POST", URLS.token, body);
    if (!result.ok) return fail(describe(result));
    await signedIn(result.data.user);
    notify(say("signedIn"));
  });

  for (const button of document.querySelectorAll("button.cancel")) {
    button.addEventListener("click", () => signedOut(""));
  }

  // --- tokens ---------------------------------------------------------------------------

  onClick("refresh-button", async () => {
    if (await refreshTokens()) {
      notify(say("refreshed"));
      await loadSessions();
    } else {
      signedOut(say("sessionExpired"));
    }
  });

  onClick("logout-button", async () => {
    const result = await send("POST", URLS.logout);
    if (!result.ok && result.status !== 401) return fail(describe(result));
    state.csrf = null;
    signedOut(say("loggedOut"));
  });

  // --- two-factor authentication --------------------------------------------------------

  function resetMfaCard() {
    $("mfa-setup").hidden = true;
    $("mfa-secret").textContent = "";
    $("mfa-qr").removeAttribute("src");
    $("mfa-recovery").hidden = true;
    $("mfa-recovery-codes").replaceChildren();
    $("mfa-confirm-form").reset();
    $("mfa-disable-form").reset();
  }

  async function loadMfa() {
    const result = await send("GET", URLS.mfaStatus);
    if (!result.ok) return handleSignedInFailure(result);
    const { enabled, recovery_codes_left: left } = result.data;
    const words = [say(enabled ? "mfaEnabled" : "mfaDisabled")];
    if (enabled) words.push(say("mfaRecoveryLeft", { count: left }));
    $("mfa-status").textContent = words.join(" ");
    $("mfa-card").dataset.enabled = String(Boolean(enabled));
    $("mfa-setup-button").hidden = Boolean(enabled) || !$("mfa-setup").hidden;
    $("mfa-disable-form").hidden = !enabled;
  }

  onClick("mfa-setup-button", async () => {
    const result = await send("POST", URLS.mfaSetup);
    if (!result.ok) return handleSignedInFailure(result);
    $("mfa-secret").textContent = result.data.secret;
    // A new URL each time: the QR code is of the pending secret, never cached.
    $("mfa-qr").src = `${URLS.mfaQr}?v=${Date.now()}`;
    $("mfa-setup").hidden = false;
    $("mfa-setup-button").hidden = true;
    $("mfa-recovery").hidden = true;
    $("mfa-confirm-form").elements.code.focus();
    notify(say("mfaPending"));
  });

  onSubmit("mfa-confirm-form", async (data) => {
    const result = await send("POST", URLS.mfaConfirm, { code: data.get("code").trim() });
    if (!result.ok) return handleSignedInFailure(result);
    resetMfaCard();
    const list = $("mfa-recovery-codes");
    for (const code of result.data.recovery_codes) {
      const item = document.createElement("li");
      item.textContent = code;
      list.append(item);
    }
    $("mfa-recovery").hidden = false;
    notify(say("mfaConfirmed"));
    await loadMfa();
  });

  onSubmit("mfa-disable-form", async (data) => {
    const result = await send("POST", URLS.mfaDisable, { code: data.get("code").trim() });
    if (!result.ok) return handleSignedInFailure(result);
    resetMfaCard();
    notify(say("mfaDisabled"));
    await loadMfa();
  });

  // --- sessions -------------------------------------------------------------------------

  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

  function sessionRow(session) {
    const row = document.createElement("tr");
    row.dataset.sessionId = session.id;
    row.classList.toggle("current", Boolean(session.current));
    const device = document.createElement("td");
    device.textContent = session.device || say("unknownDevice");
    device.title = session.user_agent || "";
    const ip = document.createElement("td");
    ip.textContent = session.ip || "";
    const used = document.createElement("td");
    used.textContent = when(session.last_used_at || session.created_at);
    const action = document.createElement("td");
    if (session.current) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = say("thisDevice");
      action.append(badge);
    } else {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "danger small revoke";
      button.textContent = say("revoke");
      button.addEventListener("click", () => busy(button, () => revokeSession(session.id)));
      action.append(button);
    }
    row.append(device, ip, used, action);
    return row;
  }

  async function loadSessions() {
    const result = await send("GET", URLS.sessions);
    if (!result.ok) return handleSignedInFailure(result);
    const count = result.data.count;
    $("sessions-count").textContent = say(count === 1 ? "sessionsOne" : "sessionsMany", { count });
    $("sessions-body").replaceChildren(...result.data.sessions.map(sessionRow));
  }

  async function revokeSession(id) {
    const result = await send("DELETE", withId(URLS.session, id));
    if (!result.ok) {
      handleSignedInFailure(result);
    } else {
      notify(say("revoked"));
    }
    if (state.user) await loadSessions();
  }

  onClick("sessions-reload", loadSessions);

  onClick("revoke-others", async () => {
    const result = await send("POST", URLS.revokeOthers);
    if (!result.ok) return handleSignedInFailure(result);
    notify(say("revokedOthers", { count: result.data.revoked }));
    await loadSessions();
  });

  // --- start ----------------------------------------------------------------------------

  async function start() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(USER_KEY) || "null");
    } catch {
      saved = null;
    }
    if (!saved || saved.id === undefined) return signedOut("");
    state.user = saved;  // lets an expired access token be refreshed once
    const result = await send("GET", withId(URLS.user, saved.id));
    if (!result.ok) return signedOut("");
    await signedIn(result.data);
  }

  document.body.dataset.ready = "false";
  start()
    .catch(() => signedOut(say("networkError")))
    .finally(() => {
      document.body.dataset.ready = "true";
    });
})();
