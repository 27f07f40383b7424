"""The next page of a list, rendered while the harvester reads this one.

A harvester parses a page before it asks for the next; that time is spent idle by a
plain server. After answering a page whose list goes on, the provider renders the next
page in a background thread and keeps it in a file named after the resumption token
(``OAI_PREFETCH_DIR``, default ``DATA_DIR/oai-prefetch``) so that any worker process can
answer with it. A page kept is used once, and only if no record has changed since it was
rendered (with a margin for transactions still open then): otherwise the page is
rendered afresh, so a record withdrawn or made restricted meanwhile is never sent from it.
"""

import hashlib
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

log = logging.getLogger(__name__)
MARGIN = 30  # seconds: a write transaction open longer than this is not expected (OAI_PREFETCH_MARGIN)
WAIT = 10.0  # seconds a request waits for a page being rendered
STALE = 3600  # seconds after which pages nobody asked for are removed


def enabled():
    # Inside a transaction (tests, or ATOMIC_REQUESTS) another thread would not see what
    # this one sees: no prefetching there.
    return bool(getattr(settings, "OAI_PREFETCH", True)) and not connection.in_atomic_block


def directory():
    configured = getattr(settings, "OAI_PREFETCH_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "oai-prefetch"


def _path(token):
    return directory() / hashlib.sha256(token.encode()).hexdigest()


def schedule(token, render):
    """Render the page of ``token`` in the background: ``render()`` returns its bytes and
    the token of the page after it (or None when there is nothing to keep)."""
    path = _path(token)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        marker = path.with_suffix(".part")
        marker.touch()
    except OSError:
        log.warning("OAI-PMH: cannot prefetch into %s", path.parent, exc_info=True)
        return
    thread = threading.Thread(target=_work, args=(path, marker, render), daemon=True, name="oai-prefetch")
    thread.start()


def _work(path, marker, render):
    try:
        started = timezone.now()
        rendered = render()
        if rendered is not None:
            body, following = rendered
            temporary = path.with_suffix(".tmp")
            head = b"%d %s\n" % (int(started.timestamp() * 1_000_000), following.encode())
            temporary.write_bytes(head + body)
            os.replace(temporary, path)
        _remove_stale(path.parent)
    except Exception:
        log.exception("OAI-PMH: prefetching a page failed")
    finally:
        marker.unlink(missing_ok=True)
        connections.close_all()


def _remove_stale(folder):
    limit = time.time() - STALE
    for entry in os.scandir(folder):
        try:
            if entry.stat().st_mtime < limit:
                os.unlink(entry.path)
        except OSError:
            pass


def take(token):
    """(the kept page of ``token`` as bytes, the token of the page after it or ""), or
    None: then the caller renders the page."""
    from thuvien.catalog.models import BibRecord

    path = _path(token)
    marker = path.with_suffix(".part")
    deadline = time.monotonic() + WAIT
    while not path.exists() and marker.exists() and time.monotonic() < deadline:
        time.sleep(0.003)
    try:
        data = path.read_bytes()
        path.unlink()
    except OSError:
        return None
    head, _newline, body = data.partition(b"\n")
    stamp, _space, following = head.partition(b" ")
    try:
        rendered = datetime.fromtimestamp(int(stamp) / 1_000_000, tz=UTC)
    except ValueError:
        return None
    margin = timedelta(seconds=float(getattr(settings, "OAI_PREFETCH_MARGIN", MARGIN)))
    if BibRecord.objects.filter(updated_at__gte=rendered - margin).exists():
        return None  # something changed since: render it again
    return body, following.decode()
