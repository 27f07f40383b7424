"""Resumption tokens: where a list stopped, signed so that they cannot be forged.

A token carries everything needed to go on: the verb, the request's arguments
(metadataPrefix, set, from and the upper bound), the keyset position of the last
record sent (its ``updated_at`` in microseconds and its id: never an offset, so the
thousandth page costs what the first does), the cursor and the complete list size
counted once on the first page. It is signed with ``django.core.signing`` and carries
its issue time, so a changed, truncated or expired token is refused.
"""

from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing

SALT = "thuvien.interop.oai.resumptionToken"
VERSION = 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


class BadToken(Exception):
    """The token was not issued by us, was changed, or has expired."""


def max_age():
    return int(getattr(settings, "OAI_TOKEN_MAX_AGE", 24 * 3600))


def to_micros(moment):
    return (moment - EPOCH) // ONE_MICROSECOND


def from_micros(micros):
    return EPOCH + timedelta(microseconds=micros)


@dataclass
class ListState:
    verb: str  # ListRecords or ListIdentifiers
    prefix: str
    set_spec: str  # "" for no set
    lower: int  # microseconds since the epoch, inclusive (0: none)
    upper: int  # microseconds since the epoch, exclusive: until, or the first request's time
    last_moment: int  # keyset position of the last record sent: updated_at ...
    last_id: int  # ... and id (0: nothing sent yet)
    cursor: int  # records sent before this page
    total: int  # completeListSize, counted on the first page


def encode(state):
    return signing.dumps([VERSION, *astuple(state)], salt=SALT, compress=True)


def decode(token):
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age())
    except (signing.BadSignature, ValueError, TypeError, UnicodeError, OverflowError) as error:
        raise BadToken(str(error)) from error
    except Exception as error:  # zlib/json errors inside a validly signed payload cannot happen; be safe
        raise BadToken(str(error)) from error
    if not isinstance(data, list) or len(data) != 10 or data[0] != VERSION:
        raise BadToken("unknown token format")
    verb, prefix, set_spec, *numbers = data[1:]
    if not all(isinstance(v, str) for v in (verb, prefix, set_spec)) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers
    ):
        raise BadToken("unknown token format")
    return ListState(verb, prefix, set_spec, *numbers)


def expiration_date(now):
    return now + timedelta(seconds=max_age())
