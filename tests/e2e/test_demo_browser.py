"""The demo page (``/demo/``) driven in headless Chromium from Debian's packages.

django_app runs in pytest-django's ``live_server`` (a thread of this process, so the
mails of document 002's sign-in codes land in ``mailoutbox``), and Playwright drives
``/usr/bin/chromium`` (``make browser`` installs it; no ``playwright install``).

- the whole flow a user walks through in the page: sign up, sign in with the mailed
  code, enroll TOTP from the QR code, sign out, sign in with code and TOTP, two
  sessions listed, the other revoked, refresh, sign out; the page's JavaScript never
  sees a token cookie (HttpOnly);
- the page's Content-Security-Policy, as the browser enforces it;
- a page of another origin -- the same site on another port, or another site -- can
  neither read the API's answers nor change anything with the user's cookies.

``PYAUTH_DEMO_SCREENSHOT=docs/demo.png`` also saves the signed-in page's screenshot
there (README's picture).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import pyotp
import pytest
import zxingcpp
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import resolve
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from django_app.demo.views import CONTENT_SECURITY_POLICY, ID_PLACEHOLDER, endpoints
from pyauth.lifecycle.models import TokenFamily
from pyauth.mfa import services as mfa_services

CHROMIUM = Path(os.environ.get("PYAUTH_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "Quiet-harbour-lantern-72"
ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
TOKEN_COOKIES = (ACCESS_COOKIE, REFRESH_COOKIE)
CODE_IN_MAIL = re.compile(r"\b(\d{6})\b")
VIEWPORT: Final = {"width": 1000, "height": 560}


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. Missing is a failure, not a skip: ``make browser``."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium)")
    # While Playwright's sync API runs, its event loop lives in this thread (in a
    # greenlet), and Django takes the tests' ORM queries (and the database flush after
    # each test) for calls from async code: allowed for as long as the browser runs.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def demo(live_server: Any, transactional_db: None) -> Iterator[str]:
    """The demo page's URL on a live django_app, rate limits and lockouts reset."""
    cache.clear()
    url = f"{live_server.url}/demo/"
    yield url
    cache.clear()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Fresh browser profiles (cookie jars), closed after the test; append to open one."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


#: Runs in every document before its own scripts (DevTools injects it, so the page's CSP
#: does not apply): reports each CSP violation, and each uncaught error, to the test.
_WATCH_PAGE = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportProblem(`${event.effectiveDirective} ${event.blockedURI}`);
});
window.addEventListener("unhandledrejection", (event) => {
  window.reportProblem(`unhandled rejection: ${event.reason}`);
});
"""


@dataclass
class Tab:
    """A page in a fresh browser profile, and what went wrong in it: CSP violations and
    uncaught errors across its navigations, as text."""

    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)


def new_tab(browser: Browser, contexts: list[BrowserContext]) -> Tab:
    """A page in a fresh profile (its own cookie jar), watched for problems."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    contexts.append(context)
    tab = Tab(context, context.new_page())
    tab.page.expose_function("reportProblem", lambda text: tab.problems.append(str(text)))
    tab.page.add_init_script(_WATCH_PAGE)
    tab.page.on("pageerror", lambda error: tab.problems.append(f"uncaught: {error}"))
    return tab


class OtherOrigin:
    """A second, tiny web server (http.server in a thread) serving ``directory`` at
    ``http://<host>:<port>/``: the attacker's page for the cross-origin checks."""

    def __init__(self, directory: Path, host: str) -> None:
        handler = partial(_QuietHandler, directory=str(directory))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test's output."""


# --- helpers --------------------------------------------------------------------------


def open_demo(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def last_code(mailoutbox: list[Any], email: str) -> str:
    """The 6-digit code of the last mail sent to ``email``."""
    mails = [m for m in mailoutbox if email in m.to]
    assert mails, f"no mail to {email}"
    found = CODE_IN_MAIL.search(mails[-1].body)
    assert found, mails[-1].body
    return found.group(1)


class Totp:
    """The authenticator app: codes of ``secret``, each time step used once, as the
    server demands (a step at most one away from now, later than the last one used)."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step = -1

    def code(self) -> str:
        now = time.time()
        current = int(now // self.totp.interval)
        step = max(current, self.last_step + 1)
        if step > current + 1:  # both neighbours used: wait for the next step
            time.sleep((current + 1) * self.totp.interval - now + 0.05)
            return self.code()
        self.last_step = step
        return self.totp.at(step * self.totp.interval)

    def wrong_code(self) -> str:
        """A code no step the server would take right now has."""
        now = time.time()
        near = {self.totp.at(now + drift) for drift in (-60, -30, 0, 30, 60)}
        return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in near)


def sign_up(page: Page, email: str) -> None:
    form = page.locator("#signup-form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=full_name]").fill("Ada Demo")
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator("#notice")).to_contain_text(f"Account created for {email}")
    # The sign-in form is ready for the new account.
    expect(page.locator("#login-form [name=email]")).to_have_value(email)


def start_sign_in(
    page: Page, email: str, mailoutbox: list[Any], *, wrong_code_first: bool = False
) -> None:
    """Email and password, then the mailed code (after a wrong one, refused, when
    ``wrong_code_first``): up to the next step."""
    sent = len(mailoutbox)
    form = page.locator("#login-form")
    form.locator("[name=email]").fill(email)
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator("#code-step")).to_be_visible()
    expect(page.locator("#code-hint")).to_contain_text(email)
    assert len(mailoutbox) == sent + 1
    code = last_code(mailoutbox, email)
    if wrong_code_first:
        page.locator("#code-form [name=otp]").fill(f"{(int(code) + 1) % 1_000_000:06d}")
        page.locator("#code-form button[type=submit]").click()
        expect(page.locator("#error")).to_have_text("Invalid or expired code")
        expect(page.locator("#code-step")).to_be_visible()
    page.locator("#code-form [name=otp]").fill(code)
    page.locator("#code-form button[type=submit]").click()


def sign_in(page: Page, email: str, mailoutbox: list[Any], second_factor: str = "") -> None:
    """The whole sign-in in the page; ``second_factor`` when 2FA is on."""
    start_sign_in(page, email, mailoutbox)
    if second_factor:
        expect(page.locator("#mfa-step")).to_be_visible()
        page.locator("#mfa-form [name=mfa_code]").fill(second_factor)
        page.locator("#mfa-form button[type=submit]").click()
    expect(page.locator("#signed-in")).to_be_visible()
    expect(page.locator("#who")).to_have_text(f"Signed in as {email}")


def token_cookies(context: BrowserContext) -> dict[str, dict[str, Any]]:
    return {c["name"]: dict(c) for c in context.cookies() if c["name"] in TOKEN_COOKIES}


def live_families(email: str) -> list[TokenFamily]:
    return list(
        TokenFamily.objects.filter(user__email=email, revoked_at__isnull=True).order_by(
            "created_at"
        )
    )


def session_rows(page: Page) -> Any:
    return page.locator("#sessions-body tr")


def reload_until_signed_out(page: Page) -> None:
    """Reload the sessions list until the page finds its session over. A revoked
    family's access token may pass for REVOCATION_MEMO_SECONDS more (a per-process
    memo); its refresh token is refused at once."""
    for _ in range(40):
        if page.locator("#signed-out").is_visible():
            break
        page.locator("#sessions-reload").click()
        page.wait_for_timeout(250)
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.locator("#notice")).to_have_text("Your session ended. Sign in again.")


def save_screenshot(page: Page, tmp_path: Path) -> None:
    """The signed-in page as a small PNG (palette, 640 px wide): README's picture."""
    shot = tmp_path / "demo-full.png"
    page.screenshot(path=str(shot))
    with Image.open(shot) as image:
        assert image.size == (VIEWPORT["width"], VIEWPORT["height"])
        size = (640, VIEWPORT["height"] * 640 // VIEWPORT["width"])
        small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        small = small.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        target = tmp_path / "demo.png"
        small.save(target, optimize=True)
    assert target.stat().st_size < 100_000
    wanted = os.environ.get("PYAUTH_DEMO_SCREENSHOT")
    if wanted:
        shutil.copyfile(target, wanted)


# --- the flow ---------------------------------------------------------------------------


def test_the_whole_flow_in_the_page(
    demo: str,
    browser: Browser,
    contexts: list[BrowserContext],
    mailoutbox: list[Any],
    tmp_path: Path,
) -> None:
    email = "ada@example.com"
    tab = new_tab(browser, contexts)
    context, page = tab.context, tab.page
    open_demo(page, demo)
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.locator("#who")).to_have_text("You are signed out.")

    # Sign up: the account exists, with the name given.
    sign_up(page, email)
    user = get_user_model().objects.get(email=email)
    assert user.full_name == "Ada Demo"
    assert user.check_password(PASSWORD)

    # Sign in: a wrong mailed code is refused in the page, the right one signs in.
    start_sign_in(page, email, mailoutbox, wrong_code_first=True)
    expect(page.locator("#signed-in")).to_be_visible()
    expect(page.locator("#who")).to_have_text(f"Signed in as {email}")
    cookies = token_cookies(context)
    assert set(cookies) == set(TOKEN_COOKIES)
    assert all(c["httpOnly"] and c["sameSite"] == "Lax" for c in cookies.values())
    assert cookies[REFRESH_COOKIE]["path"] == "/auth-api/"
    assert len(live_families(email)) == 1

    # The page's JavaScript sees no token (HttpOnly), only Django's CSRF cookie at most.
    # The refresh token's device fingerprint cookie is HttpOnly too.
    visible = page.evaluate("document.cookie")
    for name, cookie in cookies.items():
        assert name not in visible
        assert cookie["value"] not in visible
    assert {c["name"] for c in context.cookies() if not c["httpOnly"]} == {"csrftoken"}
    assert {part.split("=")[0] for part in visible.split("; ") if part} == {"csrftoken"}

    # Enroll TOTP: the secret shown, and the same secret in the QR picture.
    expect(page.locator("#mfa-status")).to_have_text("Two-factor authentication is off.")
    page.locator("#mfa-setup-button").click()
    expect(page.locator("#mfa-setup")).to_be_visible()
    secret = page.locator("#mfa-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32,}", secret), secret
    qr = page.locator("#mfa-qr")
    # (Polling the page with a string of JavaScript would be eval, which the CSP forbids.)
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("img => img.naturalWidth") > 0
    picture = tmp_path / "qr.png"
    qr.screenshot(path=str(picture))
    with Image.open(picture) as image:
        decoded = zxingcpp.read_barcodes(image.convert("L"))
    assert len(decoded) == 1
    uri = urlsplit(decoded[0].text)
    assert uri.scheme == "otpauth"
    assert uri.netloc == "totp"
    assert f"secret={secret}" in uri.query
    app = Totp(secret)

    # A wrong code does not turn it on.
    page.locator("#mfa-confirm-form [name=code]").fill(app.wrong_code())
    page.locator("#mfa-confirm-form button[type=submit]").click()
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#mfa-setup")).to_be_visible()

    page.locator("#mfa-confirm-form [name=code]").fill(app.code())
    page.locator("#mfa-confirm-form button[type=submit]").click()
    expect(page.locator("#mfa-recovery")).to_be_visible()
    expect(page.locator("#mfa-recovery-codes li")).to_have_count(10)
    recovery_codes = page.locator("#mfa-recovery-codes li").all_inner_texts()
    expect(page.locator("#mfa-status")).to_contain_text("Two-factor authentication is on.")
    expect(page.locator("#mfa-setup")).to_be_hidden()
    expect(page.locator("#mfa-secret")).to_have_text("")

    # Sign out: the session's family revoked, the cookies gone.
    page.locator("#logout-button").click()
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.locator("#notice")).to_have_text("You signed out.")
    assert token_cookies(context) == {}
    assert live_families(email) == []

    # Sign in again: the mailed code, then a TOTP code.
    sign_in(page, email, mailoutbox, second_factor=app.code())
    expect(page.locator("#mfa-status")).to_contain_text("Two-factor authentication is on.")
    expect(session_rows(page)).to_have_count(1)
    expect(page.locator("#sessions-body tr.current")).to_have_count(1)

    # A second device signs in (with a recovery code as its second factor).
    other_tab = new_tab(browser, contexts)
    other = other_tab.page
    open_demo(other, demo)
    sign_in(other, email, mailoutbox, second_factor=recovery_codes[0])
    assert len(live_families(email)) == 2

    # The first page lists both sessions, its own marked.
    page.locator("#sessions-reload").click()
    expect(session_rows(page)).to_have_count(2)
    expect(page.locator("#sessions-body tr.current")).to_have_count(1)
    expect(page.locator("#sessions-count")).to_have_text("2 active sessions")
    save_screenshot(page, tmp_path)

    # Revoke the other one: gone from the list and from the server; that page is signed out.
    current_id = page.locator("#sessions-body tr.current").get_attribute("data-session-id")
    other_id = page.locator("#sessions-body tr:not(.current)").get_attribute("data-session-id")
    page.locator("#sessions-body tr:not(.current) button.revoke").click()
    expect(page.locator("#notice")).to_have_text("The session was revoked.")
    expect(session_rows(page)).to_have_count(1)
    assert [f.id for f in live_families(email)] == [current_id]
    assert TokenFamily.objects.get(pk=other_id).revoked_at is not None
    reload_until_signed_out(other)

    # Refresh: new cookies, the same session.
    before = token_cookies(context)
    page.locator("#refresh-button").click()
    expect(page.locator("#notice")).to_have_text("Your tokens were refreshed.")
    after = token_cookies(context)
    assert after[ACCESS_COOKIE]["value"] != before[ACCESS_COOKIE]["value"]
    assert after[REFRESH_COOKIE]["value"] != before[REFRESH_COOKIE]["value"]
    assert [f.id for f in live_families(email)] == [current_id]

    # A reload keeps the user signed in (the cookies, not the page, hold the session).
    open_demo(page, demo)
    expect(page.locator("#signed-in")).to_be_visible()
    expect(session_rows(page)).to_have_count(1)

    # Sign out.
    page.locator("#logout-button").click()
    expect(page.locator("#signed-out")).to_be_visible()
    assert live_families(email) == []
    assert token_cookies(context) == {}
    assert tab.problems == []
    assert other_tab.problems == []


def test_the_browser_enforces_the_pages_policy(
    demo: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """The CSP is not only sent but holds: an injected inline script, an inline event
    handler, markup written through innerHTML and eval() are all refused, none of them
    ran, and the browser reported each as a violation. Trusted Types stop them first,
    at the DOM sink; script-src (no 'unsafe-inline', no 'unsafe-eval') stands behind."""
    tab = new_tab(browser, contexts)
    page = tab.page
    open_demo(page, demo)
    outcome = page.evaluate(
        """() => {
          const attempts = {
            script: () => {
              const script = document.createElement("script");
              script.textContent = "window.injected = 'inline script'";
              document.head.append(script);
            },
            handler: () => {
              const button = document.createElement("button");
              button.setAttribute("onclick", "window.injected = 'inline handler'");
              document.body.append(button);
              button.click();
            },
            innerHTML: () => {
              document.getElementById("notice").innerHTML =
                "<img src=x onerror=\\"window.injected = 'markup'\\">";
            },
          };
          window.violations = [];
          document.addEventListener("securitypolicyviolation", (event) => {
            window.violations.push(event.effectiveDirective);
          });
          const outcome = {};
          for (const [name, attempt] of Object.entries(attempts)) {
            try {
              attempt();
              outcome[name] = "ran";
            } catch (error) {
              outcome[name] = error.name;
            }
          }
          outcome.injected = window.injected ?? null;
          return outcome;
        }"""
    )
    # eval() from the page's own task: code that page.evaluate() runs directly is
    # exempt from the CSP's eval check (DevTools' allowUnsafeEvalBlockedByCSP).
    page.evaluate(
        """() => setTimeout(() => {
          try {
            window.eval("window.injected = 'eval'");
            window.evalOutcome = "ran";
          } catch (error) {
            window.evalOutcome = error.name;
          }
        })"""
    )
    page.wait_for_function("() => window.evalOutcome !== undefined")
    outcome["eval"] = page.evaluate("() => window.evalOutcome")
    outcome["injected"] = page.evaluate("() => window.injected ?? null")
    assert outcome == {
        "script": "TypeError",
        "handler": "TypeError",
        "innerHTML": "TypeError",
        "eval": "EvalError",
        "injected": None,
    }, outcome
    assert page.locator("#notice").inner_text() == ""
    # The browser reported each refusal as a violation of the page's policy.
    page.wait_for_function("() => window.violations.length >= 4")
    assert page.evaluate("() => window.violations") == ["require-trusted-types-for"] * 4
    # ... and the watch every page of these tests carries saw them too.
    reported = [problem.split()[0] for problem in tab.problems]
    assert reported == ["require-trusted-types-for"] * 4


# --- another origin -------------------------------------------------------------------

#: The attacker's page: a credentialed read of the API, "simple" cross-origin POSTs that
#: need no preflight (what a form can send), and a JSON POST carrying the CSRF cookie's
#: value when this origin can read it (same host, another port: cookies ignore ports).
ATTACKER_JS = """
(async () => {
  const api = new URLSearchParams(location.search).get("api");
  const results = { cookie: document.cookie, simple: {} };
  try {
    const answer = await fetch(api + "/auth-api/sessions/", { credentials: "include" });
    results.read = "read " + answer.status + " " + (await answer.text());
  } catch (error) {
    results.read = "blocked " + error.name;
  }
  for (const path of ["/auth-api/logout/", "/auth-api/sessions/revoke-others/",
                      "/auth-api/2fa/setup/"]) {
    try {
      const answer = await fetch(api + path, {
        method: "POST", mode: "no-cors", credentials: "include",
        headers: { "Content-Type": "text/plain" }, body: "{}",
      });
      results.simple[path] = "sent " + answer.type + " " + answer.status;
    } catch (error) {
      results.simple[path] = "blocked " + error.name;
    }
  }
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  results.csrfSeen = Boolean(csrf);
  try {
    const answer = await fetch(api + "/auth-api/logout/", {
      method: "POST", credentials: "include",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: "{}",
    });
    results.json = "read " + answer.status + " " + (await answer.text());
  } catch (error) {
    results.json = "blocked " + error.name;
  }
  window.results = results;
  document.title = "done";
})();
"""


@pytest.mark.parametrize("relation", ["same-site", "cross-site"])
def test_javascript_of_another_origin_gets_nothing_and_changes_nothing(
    demo: str,
    browser: Browser,
    contexts: list[BrowserContext],
    mailoutbox: list[Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    relation: str,
) -> None:
    """``same-site``: the attacker is on the API's host, another port (another origin,
    the same site: SameSite=Lax still sends the cookies, so CORS and CSRF must hold).
    ``cross-site``: on the other loopback name (the cookies are not even sent)."""
    email = f"{relation}@example.com"
    tab = new_tab(browser, contexts)
    context, page = tab.context, tab.page
    open_demo(page, demo)
    sign_up(page, email)
    sign_in(page, email, mailoutbox)
    family = live_families(email)
    assert len(family) == 1
    user = get_user_model().objects.get(email=email)

    api = urlsplit(demo)
    other_host = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}[api.hostname or ""]
    host = api.hostname if relation == "same-site" else other_host
    (tmp_path / "attacker.html").write_text(
        '<!doctype html><title>attacker</title><script src="attacker.js"></script>',
        encoding="utf-8",
    )
    (tmp_path / "attacker.js").write_text(ATTACKER_JS, encoding="utf-8")
    attacker = OtherOrigin(tmp_path, host or "")
    try:
        evil = context.new_page()  # the victim's browser: same cookie jar
        evil.goto(f"{attacker.origin}/attacker.html?api={api.scheme}://{api.netloc}")
        expect(evil).to_have_title("done")
        results = evil.evaluate("window.results")
    finally:
        attacker.close()

    # No data: CORS refuses the credentialed read (the fetch rejects) and the preflight
    # of the JSON POST; the simple POSTs go out but their answers are opaque.
    assert results["read"] == "blocked TypeError", results
    assert results["json"] == "blocked TypeError", results
    assert set(results["simple"].values()) == {"sent opaque 0"}, results
    assert ACCESS_COOKIE not in results["cookie"]
    assert REFRESH_COOKIE not in results["cookie"]
    # Cookies ignore ports: the same host's page sees the CSRF cookie, which alone is
    # useless without a header, and a header needs the preflight CORS refuses.
    assert results["csrfSeen"] is (relation == "same-site")

    # The server refused each simple POST (CSRF) and did nothing.
    refused = {
        r.getMessage()
        for r in caplog.records
        if r.name == "django.request" and getattr(r, "status_code", None) == 403
    }
    assert {
        "Forbidden: /auth-api/logout/",
        "Forbidden: /auth-api/sessions/revoke-others/",
        "Forbidden: /auth-api/2fa/setup/",
    } <= refused
    assert [f.id for f in live_families(email)] == [family[0].id]
    assert mfa_services.enrollment_status(user).pending is False

    # The victim's own page is still signed in and works.
    page.locator("#sessions-reload").click()
    expect(session_rows(page)).to_have_count(1)
    expect(page.locator("#signed-in")).to_be_visible()
    assert set(token_cookies(context)) == set(TOKEN_COOKIES)
    assert tab.problems == []


# --- the page itself, without a browser --------------------------------------------------


@pytest.mark.django_db
def test_the_page_is_get_only_and_names_real_endpoints(client: Any) -> None:
    """GET answers the page with its policy and the other security headers; unsafe
    methods are 405. Every URL the script is given resolves to a view."""
    response = client.get("/demo/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    html = response.content.decode()
    assert "<script>" not in html  # no inline script: only src= and JSON data blocks
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/demo/").status_code == 405
    for name, url in endpoints().items():
        assert resolve(url.replace(ID_PLACEHOLDER, "1")), name
        assert f'"{name}": "{url}"' in html
