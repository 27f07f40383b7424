"""Failed logins, counted so that passwords cannot be guessed: the staff and readers' login
forms and the SIP2 kiosks' logins all count here.

A count lives in the cache for ``WINDOW`` seconds after its last failure. The cache is
shared by the processes of one machine (``settings.CACHES``), so the web workers and the
SIP2 server count together.
"""

import hashlib

from django.core.cache import cache

WINDOW = 15 * 60  # seconds; the messages say "15 minutes"


def key(scope, name):
    """The cache key of ``name`` (an account, a card, an address) in ``scope``.
    Hashed: what people type may hold spaces or control characters no cache takes."""
    digest = hashlib.sha256(str(name).strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
    return f"login-failures:{scope}:{digest}"


def blocked(cache_key, limit):
    return (cache.get(cache_key) or 0) >= limit


def failed(cache_key):
    # get + set rather than incr: incr keeps no timeout on every backend.
    cache.set(cache_key, (cache.get(cache_key) or 0) + 1, WINDOW)


def cleared(cache_key):
    cache.delete(cache_key)


def address_of(request):
    return request.META.get("REMOTE_ADDR", "")
