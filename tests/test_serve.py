"""`callroom serve`: the app in a web browser, on this machine only unless asked.

The end-to-end test drives a real headless Chromium (Debian's ``chromium``, which
``.ci/run`` installs) with Playwright's Python package: it starts ``serve`` on a free
loopback port, waits for the session's first screen to reach the page, presses the keys
of one outcome and checks that the call is in the ledger, for the client the page showed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from callroom.cli import main
from callroom.cli.serve import app_command, is_loopback
from callroom.domain.clock import Clock
from callroom.domain.codes import Outcome, Result
from callroom.services.files import open_demo, open_desk

from support import NOW, TODAY

BROWSER = os.environ.get("CALLROOM_BROWSER") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo_ledger(tmp_path):
    path = tmp_path / "demo.jsonl"
    open_demo(path, Clock.at(NOW)).close()
    return path


@pytest.fixture
def server(demo_ledger):
    path = demo_ledger
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "callroom", "serve", "--db", str(path), "--port", str(port),
                             "--as-of", TODAY.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(600):  # a minute at most: CI machines are slow
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(f"serve stopped: {proc.stdout.read().decode(errors='replace')}")
                time.sleep(0.1)
        else:
            raise AssertionError("serve never answered")
        yield url, path, port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.10", "::", "example.com"))


def test_another_address_needs_public(tmp_path):
    out = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "l.jsonl"), "--host", "0.0.0.0"])
    assert out.exit_code == 1
    assert "0.0.0.0 can be reached from other machines" in out.output and "--public" in out.output


def test_the_served_command_opens_the_same_ledger_and_day(tmp_path):
    from callroom.cli.base import Ctx

    c = Ctx()
    c.db, c.as_of, c.read_only = tmp_path / "my ledger.jsonl", TODAY, True
    cmd = app_command(c, 45)
    assert cmd.startswith(f"{sys.executable} -m callroom --db ")
    assert f"'{tmp_path / 'my ledger.jsonl'}'" in cmd and "--as-of 2026-11-23" in cmd and cmd.endswith("--read-only")
    assert "--minutes 45" in cmd and "--if-locked read-only" in cmd


def test_serve_answers_http_on_loopback_only(server):
    url, _path, port = server
    with urllib.request.urlopen(url, timeout=5) as r:
        page = r.read().decode()
    assert r.status == 200 and "callroom" in page and "textual.js" in page
    others = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
    for addr in others:
        if addr.startswith("127."):
            continue
        with pytest.raises(OSError):
            socket.create_connection((addr, port), timeout=2).close()


def test_a_call_logged_in_a_real_browser_is_in_the_ledger(server):
    if BROWSER is None:
        if os.environ.get("CALLROOM_REQUIRE_BROWSER"):
            pytest.fail("no chromium: .ci/run installs Debian's chromium package")
        pytest.skip("no chromium on this machine (apt install chromium)")
    from playwright.sync_api import sync_playwright

    url, path, _port = server
    frames: list[bytes] = []

    def seen(payload) -> None:
        frames.append(payload if isinstance(payload, bytes) else payload.encode())

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("websocket", lambda ws: ws.on("framereceived", seen))
            page.goto(url)

            def shown_after(mark: int, text: bytes, what: str) -> None:
                """Wait (a minute at most: CI machines are slow) until ``text`` is drawn after ``mark``."""
                deadline = time.monotonic() + 60
                while text not in b"".join(frames[mark:]):
                    assert time.monotonic() < deadline, f"{what} never reached the page"
                    page.wait_for_timeout(100)

            shown_after(0, b"Call 1 of ", "the session's first screen")
            page.wait_for_timeout(300)
            before = b"".join(frames)  # what the page had shown before any key
            page.mouse.click(700, 450)  # focus the terminal
            # reached, cash flow, promise (its form opens with the defaults), OK, save: each key
            # once the screen shows the one before it took
            for key, text, what in (("r", b"Reached", "the result"), ("1", b"Cash flow", "the reason"),
                                    ("p", b"Promise to pay", "the promise form"), ("Enter", b"Promise to pay", "the promise"),
                                    ("Enter", b"Saved: ", "the saved call")):
                mark = len(frames)
                page.keyboard.press(key)
                shown_after(mark, text, what)
                page.wait_for_timeout(200)
        finally:
            browser.close()
    desk = None
    for _ in range(50):  # the app process may still hold the ledger for a moment
        try:
            desk = open_desk(path, read_only=True)
            break
        except Exception:
            time.sleep(0.1)
    assert desk is not None
    try:
        calls = [(cf.client.name, c) for cf in desk.client_files() for c in cf.calls if c.at.date() == TODAY]
        assert [(c.result, c.outcome) for _, c in calls] == [(Result.REACHED, Outcome.PROMISE)]
        name, call = calls[0]
        assert name.encode() in before  # the client called is the one the page showed first
        cf = desk.client_file(call.client_id)
        assert cf.promises[-1].call_id == call.id
    finally:
        desk.close()


def test_a_tab_finding_the_ledger_in_use_opens_it_read_only_and_says_so(demo_ledger):
    """The second tab's session cannot take the ledger: a refusal would reach only the
    server's log (the tab stayed blank), so it opens read-only with a notice instead."""
    import click

    from callroom.cli.base import Ctx

    first = open_desk(demo_ledger)  # the first tab's session
    try:
        c = Ctx()
        c.db = demo_ledger
        with pytest.raises(click.ClickException, match="open in another callroom"):
            c.open(say=False)  # a terminal is still refused, with the holder named
        desk = c.open(say=False, if_locked="read-only")
        try:
            assert desk.read_only
            (notice,) = desk.ledger_notices()
            assert "is open in another callroom (pid " in notice and "so it is open here read-only" in notice
        finally:
            desk.close()
    finally:
        first.close()
