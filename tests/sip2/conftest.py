"""SIP2 fixtures: a kiosk account, the server on an ephemeral port, and a raw client."""

import socket
import threading

import pytest

from thuvien.interop.sip2 import codec

KIOSK_PASSWORD = "kiosk-secret-1"


@pytest.fixture
def fast_hashing(settings):
    # The server thread runs in this process, so it sees the same (fast) hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def kiosk(network, fast_hashing):
    from thuvien.interop.sip2.accounts import add_account

    return add_account(None, "ks-kiosk-1", "NB-KS", KIOSK_PASSWORD, location="Sảnh chính")


@pytest.fixture
def sip2_server(db):
    from django.core.cache import cache

    from thuvien.interop.sip2.server import make_server

    cache.clear()  # failed-login counters of earlier tests

    server = make_server("127.0.0.1", 0, idle_timeout=30)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


class RawClient:
    """A bare SIP2 client: sends text, adds AY/AZ, returns the response text."""

    def __init__(self, port, encoding="utf-8"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.encoding = encoding
        self.sequence = 0
        self.buffer = b""

    def send_raw(self, data: bytes) -> str:
        self.sock.sendall(data)
        return self.read()

    def read(self) -> str:
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r")
        self.last_bytes = line
        return line.decode(self.encoding)

    def send(self, text: str, *, error_detection=True) -> str:
        data = codec.to_bytes(text, self.encoding)  # cp1258: tones as combining marks, as kiosks send them
        if error_detection:
            data += f"AY{self.sequence}AZ".encode()
            data += codec.checksum(data).encode()
            self.sequence = (self.sequence + 1) % 10
        response = self.send_raw(data + b"\r")
        if error_detection:
            assert codec.verify_checksum(self.last_bytes, response), response
        return response

    def login(self, login="ks-kiosk-1", password=KIOSK_PASSWORD):
        return self.send(f"9300CN{login}|CO{password}|CPSảnh|")

    def close(self):
        self.sock.close()


@pytest.fixture
def client_factory(sip2_server):
    clients = []

    def make(**kwargs):
        client = RawClient(sip2_server.port, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def fields():
    """Variable fields of a response as {tag: [values]}, after ``start`` fixed characters."""

    def parse(response, start):
        body = response[start:]
        body = body.split("AY")[0] if "|AY" in body or body.startswith("AY") else body
        result = {}
        for part in body.split("|"):
            if len(part) >= 2:
                result.setdefault(part[:2], []).append(part[2:])
        return result

    return parse


@pytest.fixture
def quiet_index(monkeypatch):
    # SIP2 tests don't search: index updates stay queued instead of being applied.
    monkeypatch.setenv("THUVIEN_INDEX_MODE", "off")


@pytest.fixture
def library(network, fast_hashing, quiet_index, kiosk):
    """Kim Sơn with the demo loan rules, two readers and three copies with SIP2-test barcodes.

    Reader 999999 (password 6789) is the reader of Evergreen's SIPServer tests.
    """
    import types

    from thuvien.catalog import services as catalog
    from thuvien.catalog.generate import marc_record
    from thuvien.circulation import services
    from thuvien.circulation.demo import load_categories_and_rules

    categories = load_categories_and_rules()
    ks = network["NB-KS"]
    readers = {
        "999999": services.register_reader(None, ks, "999999", "Nguyễn Văn Á", categories["adult"], password="6789",
                                           email="nva@example.org", phone="0229 3862 123",
                                           address="Phát Diệm, Kim Sơn, Ninh Bình"),
        "KS0002": services.register_reader(None, ks, "KS0002", "Trần Thị Bình", categories["student"],
                                           password="binh-pass"),
    }
    items = {}
    for barcode, title in (("1565921879", "Perl 5 desktop reference"), ("0440242746", "Snow crash"),
                           ("660", "Truyện Kiều")):
        record = catalog.create_record(marc_record(title=title, authors=["Nguyễn Du"], year=2020))
        items[barcode] = catalog.add_item(None, record, ks, barcode=barcode)
    return types.SimpleNamespace(ks=ks, readers=readers, items=items, kiosk=kiosk)


@pytest.fixture
def real_database(db):
    """Kiosk threads get a database with real locks.

    On PostgreSQL that is the test database itself. SQLite's test database lives in
    memory in "shared cache" mode, whose table locks ignore the busy timeout (a second
    writer fails at once instead of waiting), unlike the file a library runs on. So it
    is copied to a file that every new connection (the server's threads) opens with the
    production options (BEGIN IMMEDIATE, WAL, busy timeout). The test thread keeps its
    in-memory connection: read what the kiosks did with ``in_thread``.
    """
    import tempfile
    from pathlib import Path

    from django.db import connection, connections

    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        yield
        return
    settings_dict = connections.settings["default"]
    name = settings_dict["NAME"]
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "kiosks.sqlite3")
        import sqlite3

        target = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        settings_dict["NAME"] = path
        try:
            yield
        finally:
            settings_dict["NAME"] = name


def in_thread(function, *args):
    """Run ``function`` in a fresh thread (its own database connection) and return its result."""
    from django.db import connections

    result = {}

    def run():
        try:
            result["value"] = function(*args)
        except BaseException as error:  # re-raised in the caller
            result["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in result:
        raise result["error"]
    return result.get("value")
