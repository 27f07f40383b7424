"""The SIP2 TCP server: one thread (and one database connection) per kiosk connection."""

from __future__ import annotations

import logging
import re
import socket
import socketserver
import threading

from django.db import connections

from thuvien.interop.sip2 import codec
from thuvien.interop.sip2.protocol import Session

log = logging.getLogger("thuvien.sip2")

MAX_LINE = 64 * 1024
DB_IDLE_SECONDS = 60  # a SIP2 message is a few hundred bytes; anything longer is garbage
_LINE_END = re.compile(rb"[\r\n]")


class Sip2Handler(socketserver.BaseRequestHandler):
    """Reads CR-terminated requests and answers each one, until the kiosk hangs up."""

    def setup(self):
        address = self.client_address
        self.peer = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else ""

    def handle(self):
        server = self.server
        if not server.slots.acquire(blocking=False):
            log.warning("sip2 %s: refused, %d connections already open", self.peer, server.max_connections)
            return
        sock = self.request
        try:  # one small answer per request: send it now, not after the kiosk's delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        # Wake up at least once a minute: a kiosk that is quiet gives its database
        # connection back (so 200 idle kiosks hold none) and is dropped after idle_timeout.
        sock.settimeout(min(server.idle_timeout, DB_IDLE_SECONDS))
        idle = 0.0
        session = Session(peer=self.peer)
        buffer = b""
        discarding = False  # inside an overlong line, already answered with 96
        try:
            while not session.closing:
                try:
                    chunk = sock.recv(4096)
                except TimeoutError:
                    connections.close_all()
                    idle += sock.gettimeout()
                    if idle >= server.idle_timeout:
                        raise
                    continue
                idle = 0.0
                if not chunk:
                    break
                buffer += chunk
                while True:
                    match = _LINE_END.search(buffer)
                    if match is None:
                        break
                    line, buffer = buffer[: match.start()], buffer[match.end():]
                    if discarding:
                        discarding = False
                        continue
                    response = session.handle(line)
                    if response:
                        sock.sendall(response)
                    if session.closing:
                        break
                if len(buffer) > MAX_LINE:
                    buffer = b""
                    discarding = True
                    sock.sendall(codec.encode(codec.RESEND, error_detection=True))
                    session.bad_messages += 1
        except TimeoutError:
            log.info("sip2 %s: idle for %ss, closing", self.peer, server.idle_timeout)
        except OSError as error:
            log.info("sip2 %s: connection lost: %s", self.peer, error)
        finally:
            server.slots.release()
            connections.close_all()  # this thread's own database connection

    def finish(self):
        try:
            self.request.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Sip2Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, *, max_connections=200, idle_timeout=1800):
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, Sip2Handler)

    @property
    def port(self):
        return self.server_address[1]


def make_server(host="127.0.0.1", port=6001, **options) -> Sip2Server:
    return Sip2Server((host, port), **options)
