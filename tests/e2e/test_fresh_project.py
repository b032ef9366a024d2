"""pyauth installed from its wheel into a fresh virtualenv and a project fresh from
``django-admin startproject``, configured by README's "Use pyauth in your project"
section and nothing else, then driven over HTTP: login, an authenticated request,
refresh, logout, and the spent and logged-out tokens refused.

The steps come out of README (:mod:`tests.e2e.readme_steps`), so a wrong or missing step
there fails here. Three are adapted, and only in how they run: ``pip wheel`` builds with
this checkout's .venv and ``--no-build-isolation`` (it reuses the CMake cache in
build/, seconds instead of a from-scratch build); ``createsuperuser`` gets
``--noinput`` and its password from the environment; ``runserver`` listens on a free
port of 127.0.0.1 without the autoreloader. The README's curl commands are sent as
written, with ``<access>``, ``<refresh>`` and the password placeholder ``...`` filled in.

Django and Django REST framework come from PyPI through pip's cache.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.readme_steps import Command, FileEdit, steps

REPO = Path(__file__).resolve().parents[2]
PIP_TIMEOUT = 600  # seconds for one pip or build command, cache or not
SERVER_START_TIMEOUT = 60.0
USER_PASSWORD = "fresh-project " + secrets.token_urlsafe(12)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Project:
    """The fresh virtualenv and the directory the README's commands run in."""

    root: Path
    venv: Path
    cwd: Path
    log: Path
    server: subprocess.Popen[bytes] | None = None
    port: int = 0
    last_stderr: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    responses: list[tuple[str, int, Any]] = field(default_factory=list)

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def env(self) -> dict[str, str]:
        """The environment of a user's shell in the activated virtualenv: nothing of
        this test run's Django settings or Python path."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
        }
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        return env

    def run(self, argv: list[str], **extra_env: str) -> str:
        """Run ``argv`` in ``cwd``; a failure fails the test with its output."""
        env = self.env() | extra_env
        done = subprocess.run(  # noqa: S603 - argv from README, run in a throwaway venv
            argv,
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT,
            check=False,
        )
        self.last_stderr = done.stderr
        if done.returncode != 0:
            pytest.fail(
                f"{' '.join(argv)} exited {done.returncode}\n{done.stdout[-4000:]}\n"
                f"{done.stderr[-4000:]}"
            )
        return done.stdout


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    venv = tmp_path / "venv"
    subprocess.run(  # noqa: S603 - this interpreter's own venv module
        [sys.executable, "-m", "venv", str(venv)], check=True, timeout=120
    )
    proj = Project(root=tmp_path, venv=venv, cwd=tmp_path / "work", log=tmp_path / "server.log")
    proj.cwd.mkdir()
    yield proj
    if proj.server is not None and proj.server.poll() is None:
        proj.server.terminate()
        try:
            proj.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proj.server.kill()
            proj.server.wait(timeout=10)


# --- the README's commands --------------------------------------------------------------


def build_wheel(project: Project, argv: tuple[str, ...]) -> None:
    """``pip wheel <checkout> --no-deps -w <dir>``: this checkout, into ``<dir>``."""
    assert "--no-deps" in argv and "-w" in argv, argv
    out_dir = project.cwd / argv[argv.index("-w") + 1]
    env = project.env() | {"CMAKE_BUILD_PARALLEL_LEVEL": "2"}
    done = subprocess.run(  # noqa: S603 - the checkout's own build
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert len(list(out_dir.glob("pyauth-*.whl"))) == 1


def pip_install(project: Project, args: tuple[str, ...]) -> None:
    expanded: list[str] = []
    for arg in args:
        if "*" in arg:
            matches = glob.glob(str(project.cwd / arg))
            assert len(matches) == 1, f"{arg} matches {matches}"
            expanded.append(matches[0])
        else:
            expanded.append(arg)
    project.run([project.python, "-m", "pip", "install", "-q", "--timeout", "60", *expanded])


def start_server(project: Project, args: tuple[str, ...]) -> None:
    assert args == (), f"runserver {args}: the README serves on the default address"
    project.port = free_port()
    with project.log.open("wb") as log:  # the child keeps its own descriptor
        project.server = subprocess.Popen(  # noqa: S603 - the fresh project's manage.py
            [project.python, "manage.py", "runserver", f"127.0.0.1:{project.port}", "--noreload"],
            cwd=project.cwd,
            env=project.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if project.server.poll() is not None:
            pytest.fail(f"runserver exited:\n{project.log.read_text()[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", project.port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"runserver did not listen:\n{project.log.read_text()[-4000:]}")


def http(
    project: Project,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One request to the running project: (status, JSON body or None)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{project.port}{path}", data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")[:500]


def fill(text: str, project: Project) -> str:
    """The README's placeholders replaced with this run's values."""
    text = text.replace('"password": "..."', f'"password": "{USER_PASSWORD}"')
    for name, value in project.tokens.items():
        text = text.replace(f"<{name}>", value)
    assert "<" not in text and '"..."' not in text, f"unfilled placeholder in {text!r}"
    return text


def curl(project: Project, argv: tuple[str, ...]) -> None:
    """Send what the README's curl command sends; it must answer 200."""
    headers: dict[str, str] = {}
    body: bytes | None = None
    url = ""
    args = list(argv[1:])
    while args:
        arg = args.pop(0)
        if arg == "-s":
            continue
        if arg == "-H":
            name, _, value = fill(args.pop(0), project).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            body = fill(args.pop(0), project).encode("utf-8")
            json.loads(body)  # the README's bodies are JSON
        elif not arg.startswith("-") and not url:
            url = arg
        else:
            pytest.fail(f"curl option the test does not know: {arg}")
    assert url.startswith("localhost:8000/"), url
    path = url.removeprefix("localhost:8000")
    status, data = http(project, "POST" if body is not None else "GET", path, body, headers)
    project.responses.append((path, status, data))
    assert status == 200, (path, status, data)
    if isinstance(data, dict):
        for name in ("access", "refresh"):
            if isinstance(data.get(name), str):
                project.tokens[name] = data[name]


def apply(project: Project, step: FileEdit | Command) -> None:
    if isinstance(step, FileEdit):
        target = project.cwd / step.path
        if step.mode == "create":
            assert not target.exists(), f"{step.path} exists already"
            target.write_text(step.text, encoding="utf-8")
        else:
            assert target.is_file(), f"{step.path} is not in the project"
            with target.open("a", encoding="utf-8") as file:
                file.write("\n" + step.text)
        return
    argv = step.argv
    match argv:
        case ("pip", "wheel", *_):
            build_wheel(project, argv)
        case ("pip", "install", *rest):
            pip_install(project, tuple(rest))
        case ("django-admin", *rest):
            project.run([str(project.venv / "bin" / "django-admin"), *rest])
        case ("cd", directory):
            project.cwd = project.cwd / directory
            assert project.cwd.is_dir(), directory
        case ("python", "manage.py", "runserver", *rest):
            start_server(project, tuple(rest))
        case ("python", "manage.py", "createsuperuser", *rest):
            project.run(
                [project.python, "manage.py", "createsuperuser", *rest, "--noinput"],
                DJANGO_SUPERUSER_PASSWORD=USER_PASSWORD,
            )
        case ("python", "manage.py", "check"):
            # The README's configuration is clean: not even a warning.
            out = project.run([project.python, "manage.py", "check"])
            assert out.strip() == "System check identified no issues (0 silenced).", out
            assert project.last_stderr == "", project.last_stderr
        case ("python", "manage.py", *rest):
            project.run([project.python, "manage.py", *rest])
        case ("curl", *_):
            curl(project, argv)
        case _:
            pytest.fail(f"a README command the test does not know how to run: {step.line}")


# --- the test ---------------------------------------------------------------------------


def test_readme_section_installs_into_a_fresh_project(project: Project) -> None:
    readme = steps()
    for step in readme:
        apply(project, step)

    # The README's own flow ran: login, the view, refresh, logout.
    paths = [path for path, _, _ in project.responses]
    assert paths == ["/api/token/", "/api/me/", "/api/token/refresh/", "/api/token/blacklist/"]
    login, me, refreshed, _logout = (data for _, _, data in project.responses)
    assert set(login) == {"refresh", "access"}
    assert me == {"id": 1, "username": "ada"}
    assert set(refreshed) == {"refresh", "access"}
    assert refreshed["refresh"] != login["refresh"]

    # A new deployment signs with EdDSA from the key store and publishes the public key.
    header = json.loads(base64.urlsafe_b64decode(login["access"].split(".")[0] + "=="))
    assert header["alg"] == "EdDSA"
    status, jwks = http(project, "GET", "/.well-known/jwks.json")
    assert status == 200
    assert [(k["kty"], k["crv"], k["kid"]) for k in jwks["keys"]] == [
        ("OKP", "Ed25519", header["kid"])
    ]
    assert not any("d" in k for k in jwks["keys"])  # never a private member

    def post(path: str, payload: dict[str, str]) -> tuple[int, Any]:
        return http(
            project,
            "POST",
            path,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )

    def me_with(access: str) -> int:
        return http(project, "GET", "/api/me/", headers={"Authorization": f"Bearer {access}"})[0]

    # Refused: no token, a wrong password, the refresh token spent by the rotation, and
    # every token of the session once it logged out.
    assert http(project, "GET", "/api/me/")[0] == 401
    assert post("/api/token/", {"username": "ada", "password": "wrong"})[0] == 401
    status, body = post("/api/token/refresh/", {"refresh": login["refresh"]})
    assert status == 401 and body["code"] == "token_not_valid"
    assert me_with(refreshed["access"]) == 401
    assert post("/api/token/refresh/", {"refresh": refreshed["refresh"]})[0] == 401
    assert post("/api/token/verify/", {"token": refreshed["access"]})[0] == 401

    # A new login is a new session, unaffected by the old one's logout.
    status, again = post("/api/token/", {"username": "ada", "password": USER_PASSWORD})
    assert status == 200
    assert me_with(again["access"]) == 200
    assert post("/api/token/verify/", {"token": again["access"]}) == (200, {})

    # The hasher of the README stored the password as Argon2id at OWASP's cost.
    stored = project.run(
        [
            project.python,
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            "from django.contrib.auth.models import User; "
            "print(User.objects.get(username='ada').password.rsplit('$', 2)[0])",
        ]
    )
    assert stored.strip() == "argon2$argon2id$v=19$m=19456,t=2,p=1"
    report = project.run([project.python, "manage.py", "pyauth_rehash_report", "-v", "0"])
    assert report.splitlines()[-1].startswith("0 of 1 users will be re-hashed")


def test_every_step_of_the_section_is_one_the_test_applies() -> None:
    """The parser refuses what it cannot apply, so README cannot slip a step past."""
    readme = steps()
    assert {s.path for s in readme if isinstance(s, FileEdit)} == {
        "mysite/settings.py",
        "mysite/views.py",
        "mysite/urls.py",
    }
    text = "### Use pyauth in your project\n\n```python\nINSTALLED_APPS += []\n```\n"
    with pytest.raises(ValueError, match="names no file"):
        steps(text)
    with pytest.raises(ValueError, match="toml block"):
        steps("### Use pyauth in your project\n\n```toml\na = 1\n```\n")
    with pytest.raises(ValueError, match="no steps"):
        steps("### Use pyauth in your project\n\nNothing.\n\n## Next\n")
