"""An install configured from the environment, as an operator runs it: ``DATABASE_URL`` and
``THUVIEN_DATA_DIR`` chosen, ``thuvien migrate``, the demo collection, ``thuvien index rebuild``,
then ``thuvien serve`` (gunicorn, static files by whitenoise) answering over real HTTP."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

THUVIEN = [sys.executable, "-c", "from thuvien.cli import main; main()"]


def environment(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THUVIEN_", "DATABASE_URL", "DJANGO_"))}
    env.update({"THUVIEN_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'tv.sqlite3'}",
                "THUVIEN_LOG_LEVEL": "ERROR", **extra})
    (tmp_path / "db").mkdir(exist_ok=True)
    return env


def thuvien(env, *args, timeout=240):
    done = subprocess.run([*THUVIEN, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=env["HOME"])
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_settings_read_the_database_and_the_data_folder_from_the_environment(tmp_path):
    code = ("from django.conf import settings as s; d = s.DATABASES['default'];"
            "print(d['ENGINE'], d['NAME'], d.get('HOST', ''), s.DATA_DIR, s.SEARCH_INDEX_DIR, s.MEDIA_ROOT)")
    env = environment(tmp_path, HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="thuvien.settings",
                      DATABASE_URL="postgres://bibliothecaire@db.example:5433/thuvien_tinh")
    out = subprocess.run([sys.executable, "-c", "import django; django.setup();" + code], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    data = tmp_path / "data"
    assert out == ["django.db.backends.postgresql", "thuvien_tinh", "db.example", str(data), str(data / "index"),
                   str(data / "media")]
    del env["DATABASE_URL"]  # the default: SQLite inside the data folder
    out = subprocess.run([sys.executable, "-c", "import django; django.setup();" + code], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == ["django.db.backends.sqlite3", str(data / "thuvien.sqlite3")]


@pytest.mark.skipif(not Path("/usr/bin/env").exists(), reason="needs a POSIX system")
def test_serve_runs_gunicorn_with_whitenoise_on_a_configured_install(tmp_path):
    env = environment(tmp_path, HOME=str(tmp_path))
    thuvien(env, "migrate", "--no-input", "-v0")
    assert (tmp_path / "db" / "tv.sqlite3").is_file() and not (tmp_path / "data" / "thuvien.sqlite3").exists()
    # The demo network and collection without its accounts (``thuvien demo`` is tested in test_demo.py;
    # its forty password hashes would take most of this test's time).
    thuvien(env, "shell", "-c", "from thuvien.demo import loader; loader.load_collection(loader.load_network()[1], 5)")
    out = thuvien(env, "index", "rebuild")
    assert "50" in out and (tmp_path / "data" / "index").is_dir()
    port = free_port()
    server = subprocess.Popen([*THUVIEN, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
                               "--no-worker"],  # tests/core/test_serve.py checks the worker beside it
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                status, headers, body = fetch(base + "/")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("thuvien serve did not answer")
        assert status == 200 and headers.get("Server", "").startswith("gunicorn")
        assert '<html lang="vi">' in body.decode()
        status, headers, body = fetch(base + "/search/?" + urllib.parse.urlencode({"q": "de men phieu luu ky"}))
        assert status == 200 and "Dế Mèn phiêu lưu ký" in body.decode()
        # Static files come from whitenoise (collected into the data folder), compressed when asked.
        status, headers, body = fetch(base + "/static/thuvien/site.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css") and b".skip-link" in body
        assert "max-age" in headers.get("Cache-Control", "") and (tmp_path / "data" / "static" / "thuvien").is_dir()
        request = urllib.request.Request(base + "/static/thuvien/site.css", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers.get("Content-Encoding") == "gzip"
        assert fetch(base + "/static/thuvien/missing.css")[0] == 404
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
