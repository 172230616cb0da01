"""Fixtures for the browser tests: a real `facepipe serve` (real PostgreSQL, real models, the
in-process worker) on a scratch database, and Debian's Chromium driven by Playwright."""
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / ".deps/testdata/photos"
SCREENSHOTS = ROOT / "docs/screenshots"


def free_port(start):
    port = start
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
        port += 1


class Server:
    def __init__(self, base, work, keys):
        self.base, self.work, self.keys = base, work, keys

    def api(self, path, method="GET", key="admin", body=None, content_type="application/json"):
        request = urllib.request.Request(self.base + path, method=method, data=body)
        if key:
            request.add_header("Authorization", f"Bearer {self.keys[key]}")
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def wait_for_idle_queue(self, timeout=240):
        deadline = time.time() + timeout
        while time.time() < deadline:
            _, queue = self.api("/queue")
            if queue["byStatus"]["queued"] + queue["byStatus"]["processing"] == 0:
                return
            time.sleep(0.5)
        raise AssertionError("the queue did not drain")


def serve(**settings):
    """A `facepipe serve` on a scratch database with `settings` added to its environment."""
    database_url = os.environ.get("FACEPIPE_TEST_DATABASE_URL")
    assert database_url, "FACEPIPE_TEST_DATABASE_URL is not set: run the tests with `make test`"
    psql = [str(ROOT / ".deps/postgres/bin/psql"), "-q", "-v", "ON_ERROR_STOP=1", database_url]
    name = f"facepipe_ui_{uuid.uuid4().hex[:8]}"
    subprocess.run(psql + ["-c", f"CREATE DATABASE {name}"], check=True)
    work = Path(tempfile.mkdtemp(prefix="facepipe-ui-"))
    os.chmod(work, 0o755)
    (work / ".deps").symlink_to(ROOT / ".deps")
    port = free_port(25500 if not settings else 25600)
    env = dict(os.environ, DATABASE_URL=database_url.rsplit("/", 1)[0] + "/" + name, HTTP_PORT=str(port), LOG_FORMAT="text",
               LOG_LEVEL="warning", RATE_LIMIT_UPLOADS_PER_MINUTE="0", RATE_LIMIT_FACE_SEARCHES_PER_MINUTE="0", **settings)
    for variable in ("CLAMAV_SOCKET", "CLAMAV_HOST"):
        env.pop(variable, None)
    log = open(work / "serve.log", "w")
    process = subprocess.Popen([str(ROOT / ".build/debug/facepipe"), "serve"], cwd=work, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, (work / "serve.log").read_text()
            time.sleep(0.2)
        keys = {"admin": (work / ".data/admin.key").read_text().strip()}
        srv = Server(base, work, keys)
        for role in ("standard", "gold"):
            status, body = srv.api("/admin/keys", "POST", body=json.dumps({"role": role, "name": f"ui {role}"}).encode())
            assert status == 201, body
            keys[role] = body["key"]
        yield srv
    finally:
        process.terminate()
        process.wait(timeout=60)
        subprocess.run(psql + ["-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def server():
    yield from serve()


@pytest.fixture(scope="session")
def public_server():
    """Seed 002's public mode: anonymous visitors may upload."""
    yield from serve(PUBLIC_UPLOADS="true")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Session:
    """A browser context of one user, recording every request it makes."""

    def __init__(self, browser, server, role, viewport):
        self.server = server
        self.context = browser.new_context(base_url=server.base, viewport=viewport)
        # Waits are bounds against hanging, not measures of speed: a busy machine (make
        # test-stress) may take far longer than Playwright's default 30 s to render a page.
        self.context.set_default_timeout(180_000)
        self.page = self.context.new_page()
        self.requests = []
        self.console_errors = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        if role:
            self.login(role)

    def login(self, role):
        self.page.goto("/ui/login")
        self.page.fill("#credential", self.server.keys[role])
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        assert self.page.url.endswith("/ui/gallery"), self.page.url

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    def close(self):
        self.context.close()


def sessions(browser, server):
    opened = []

    def open_session(role=None, viewport=None):
        session = Session(browser, server, role, viewport or {"width": 1280, "height": 800})
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        # No request may leave for another origin (no CDN, no fonts, no trackers).
        foreign = [url for url in session.requests if not (url.startswith(server.base) or url.startswith("blob:") or url.startswith("data:"))]
        assert not foreign, foreign
        session.close()


@pytest.fixture
def session_for(browser, server):
    yield from sessions(browser, server)


@pytest.fixture
def public_session_for(browser, public_server):
    yield from sessions(browser, public_server)
