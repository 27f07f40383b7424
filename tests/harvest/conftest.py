"""A loopback OAI-PMH server replaying the real responses in shared/testdata/oai/.

Each test gives a routing function: the query parameters of a request -> a recorded file
(with the HTTP status it was recorded with) or a failure to act out ("reset": the
connection is dropped without an answer). Every request is logged for the test to check.
"""

import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# The recordings, for parametrising at collection time (the ``testdata`` fixture is per test).
from paths import TESTDATA  # noqa: E402,F401  (tests/paths.py)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        self.server.log.append(params)
        answer = self.server.route(params)
        if answer == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        status, path = answer if isinstance(answer, tuple) else (200, answer)
        body = path.read_bytes() if path is not None else (
            b'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            b"<responseDate>2000-01-01T00:00:00Z</responseDate><request>http://127.0.0.1/oai</request>"
            b'<error code="badArgument">request not recorded</error></OAI-PMH>')
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Replay:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.log = []
        self.server.route = lambda params: (404, None)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oai"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def log(self):
        return self.server.log

    def routes(self, route):
        self.server.route = route

    def verbs(self, name="ListRecords"):
        return [p for p in self.log if p.get("verb") == name]


@pytest.fixture
def replay():
    server = Replay()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(autouse=True)
def _fast_retries(settings, monkeypatch):
    # Index on commit (as the CLI does), not after every record: tests drain when they search.
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "sync")
    settings.HARVEST_RETRIES = 3
    settings.HARVEST_BACKOFF_SECONDS = 0
    settings.HARVEST_TIMEOUT_SECONDS = 5


@pytest.fixture
def oai_data(testdata):
    return testdata / "oai"


@pytest.fixture
def zenodo(oai_data):
    """The Zenodo recording as the replay server bundled with it maps it: query -> (status, file)."""
    table = {}
    for entry in json.loads((oai_data / "zenodo_recorded" / "index.json").read_text()):
        url = urllib.parse.urlsplit(entry["uri"])
        if url.netloc == "zenodo.org":
            key = frozenset(urllib.parse.parse_qsl(url.query))
            table[key] = (entry["status"], oai_data / "zenodo_recorded" / entry["file"])
    return table
