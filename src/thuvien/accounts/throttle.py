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


class LoginForm:
    """The counts of one login form's attempt: by the name typed (an account, a card) and
    by the visitor's address, which may try ``per_address`` times as often (a school's
    pupils share one line)."""

    def __init__(self, scope, request, name, limit=5, per_address=4):
        self.by_name = key(scope, name)
        self.by_address = key(f"{scope}-address", request.META.get("REMOTE_ADDR", ""))
        self.limit, self.address_limit = limit, limit * per_address

    def blocked(self):
        return blocked(self.by_name, self.limit) or blocked(self.by_address, self.address_limit)

    def failed(self):
        failed(self.by_name)
        failed(self.by_address)

    def succeeded(self):
        cleared(self.by_name)
