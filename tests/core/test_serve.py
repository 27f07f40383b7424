"""`thuvien serve`: the production server, as an operator starts it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid):
    """{pid: command line} of the direct children of ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    return found


def _get(url, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.headers, response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("site")
    env = dict(os.environ, THUVIEN_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.pop("THUVIEN_INDEX_MODE", None)
    subprocess.run([sys.executable, "-m", "thuvien.cli", "migrate", "--no-input", "-v0"], env=env, check=True)
    return env


def _serve(env, *extra):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "thuvien.cli", "serve", "--bind", f"127.0.0.1:{port}",
                                "--workers", "1", "--threads", "2", *extra],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def _stop(process):
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_serve_runs_the_site_with_static_files_and_the_worker(site):
    process, base = _serve(site)
    try:
        status, headers, body = _get(base + "/")
        assert status == 200 and 'lang="vi"' in body.decode()
        status, headers, css = _get(base + "/static/thuvien/site.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css") and css
        children = _children(process.pid)
        commands = " | ".join(children.values())
        assert "gunicorn" in commands and "thuvien.cli worker" in commands
    finally:
        code = _stop(process)
    assert code == 0
    # Stopping the site stops both: no worker or server is left behind.
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]


def test_serve_without_the_worker_is_gunicorn_alone(site):
    process, base = _serve(site, "--no-worker")
    try:
        assert _get(base + "/")[0] == 200
        commands = " ".join(_children(process.pid).values())
        assert "worker" not in commands.replace("--workers", "")
        assert "gunicorn" in Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
    finally:
        _stop(process)
