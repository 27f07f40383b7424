"""SIP2 (3M Standard Interchange Protocol 2.00) messages: framing, fields and checksums.

A message is one line ended by a carriage return: a two-digit command code, fixed-length
fields in a set order, then variable-length fields (a two-letter tag, the value, ``|``).
With error detection, ``AY`` (a sequence digit) and ``AZ`` (four hex digits) end it.

The checksum is the two's complement of the 16-bit sum of the bytes from the first
character up to and including ``AZ``: adding the checksum to that sum gives zero. We
sum the bytes as sent (the 19 vectors from Evergreen's SIPServer match the UTF-8 bytes);
on input we also accept the sum of the characters, which some clients compute (the
``Sip2`` package from PyPI does), since both only guard against line noise.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

CR = "\r"
DELIMITER = "|"
DEFAULT_ENCODING = "utf-8"

# Fixed-length fields of each request, in order: (name, length).
REQUEST_FIXED = {
    "01": [("card_retained", 1), ("transaction_date", 18)],  # block patron
    "09": [("no_block", 1), ("transaction_date", 18), ("return_date", 18)],  # checkin
    "11": [("renewal_policy", 1), ("no_block", 1), ("transaction_date", 18), ("nb_due_date", 18)],  # checkout
    "15": [("hold_mode", 1), ("transaction_date", 18)],  # hold
    "17": [("transaction_date", 18)],  # item information
    "19": [("transaction_date", 18)],  # item status update
    "23": [("language", 3), ("transaction_date", 18)],  # patron status
    "25": [("transaction_date", 18)],  # patron enable
    "29": [("third_party", 1), ("no_block", 1), ("transaction_date", 18), ("nb_due_date", 18)],  # renew
    "35": [("transaction_date", 18)],  # end patron session
    "37": [("transaction_date", 18), ("fee_type", 2), ("payment_type", 2), ("currency", 3)],  # fee paid
    "63": [("language", 3), ("transaction_date", 18), ("summary", 10)],  # patron information
    "65": [("transaction_date", 18)],  # renew all
    "93": [("uid_algorithm", 1), ("pwd_algorithm", 1)],  # login
    "96": [],  # request ACS resend
    "97": [],  # request SC resend
    "99": [("status_code", 1), ("max_print_width", 3), ("protocol_version", 4)],  # SC status
}

# Fixed fields some clients leave short or out (the Sip2 package from PyPI sends 65 without
# its date): the message is still understood. Each has the form its value must have.
_DATE_FORM = re.compile(r"^(\d{8}.{4}\d{6}| {18})$")
OPTIONAL_FIXED = {
    "transaction_date": _DATE_FORM,
    "nb_due_date": _DATE_FORM,
    "return_date": _DATE_FORM,
    "summary": re.compile(r"^[ YNyn]{10}$"),
    "max_print_width": re.compile(r"^[\d ]{3}$"),
    "protocol_version": re.compile(r"^\d\.\d\d$"),
}

_CHECKSUM = re.compile(r"AZ([0-9A-Fa-f]{4})$")
_SEQUENCE = re.compile(r"AY(\d)$")
# Forms of the one-character flags (a message with anything else there is garbled).
_FLAG_FORMS = {
    "renewal_policy": "YNyn ", "no_block": "YNyn ", "third_party": "YNyn ", "card_retained": "YNyn ",
    "hold_mode": "+-*",
}
_TAG = re.compile(r"^[A-Z]{2}")
_VARIABLE = re.compile(r"^[A-Z]{2}[^|]*\|")


class MessageError(ValueError):
    """A message that cannot be understood (too short, unknown command, bad characters)."""


class ChecksumError(MessageError):
    """The AZ checksum does not match: the line was damaged on its way."""


@dataclass
class Message:
    """One parsed request (or response)."""

    code: str
    fixed: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)  # tag -> list of values, in order
    sequence: str | None = None  # the AY digit, if sent
    checksum: str | None = None  # the AZ value, if sent
    raw: str = ""
    data: bytes = b""  # the line as received

    def get(self, tag, default=""):
        values = self.fields.get(tag)
        return values[0] if values else default

    def has(self, tag):
        return tag in self.fields

    @property
    def error_detection(self):
        return self.checksum is not None or self.sequence is not None


def checksum(data: bytes | str) -> str:
    """The four hex digits that make the 16-bit sum of ``data`` plus themselves zero."""
    total = sum(data) if isinstance(data, (bytes, bytearray)) else sum(ord(c) for c in data)
    return f"{(-total) & 0xFFFF:04X}"


def verify_checksum(raw: bytes, text: str) -> bool:
    """True if the message ending in ``AZxxxx`` carries a right checksum.

    ``raw`` is the message as received (without its line end), ``text`` the same decoded.
    """
    match = _CHECKSUM.search(text)
    if not match:
        return True
    sent = match.group(1).upper()
    if checksum(raw[:-4]) == sent:
        return True
    return checksum(text[:-4]) == sent


def split_line(raw: bytes) -> bytes:
    """The message without its line end (CR, LF or CRLF) and stray NULs."""
    return raw.replace(b"\x00", b"").rstrip(b"\r\n")


def decode(raw: bytes, encoding: str = DEFAULT_ENCODING, *, verify: bool = True) -> Message:
    """Parse one request line (bytes, line end removed) into a ``Message``.

    Raises ``ChecksumError`` for a damaged line and ``MessageError`` for one that is not a
    SIP2 message we know.
    """
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text = raw.decode(encoding if _known(encoding) else DEFAULT_ENCODING, errors="replace")
        if verify and _CHECKSUM.search(text) and not verify_checksum(raw, text):
            raise ChecksumError("bad checksum") from None
        raise MessageError("undecodable characters") from None
    if verify and not verify_checksum(raw, text):
        raise ChecksumError("bad checksum")
    message = parse(unicodedata.normalize("NFC", text))  # NFC inside the system (cp1258 sends tones apart)
    message.data = raw
    return message


def _known(encoding):
    import codecs

    try:
        codecs.lookup(encoding)
        return True
    except LookupError:
        return False


def parse(text: str) -> Message:
    """Parse the text of one message (no line end)."""
    if len(text) < 2 or not text[:2].isdigit():
        raise MessageError("no command code")
    code, body = text[:2], text[2:]
    if code not in REQUEST_FIXED:
        raise MessageError(f"unknown command {code}")
    message = Message(code=code, raw=text)
    match = _CHECKSUM.search(body)
    if match:
        message.checksum = match.group(1).upper()
        body = body[: match.start()]
    position = 0
    for name, length in REQUEST_FIXED[code]:
        value = body[position: position + length]
        if len(value) < length:
            # A fixed field cut short: tolerated only at the end, for optional fields.
            rest = body[position:]
            if name in OPTIONAL_FIXED and (not rest or _TAG.match(rest)):
                message.fixed[name] = ""
                continue
            raise MessageError(f"fixed field {name} too short")
        if name in OPTIONAL_FIXED and not OPTIONAL_FIXED[name].match(value) and _VARIABLE.match(body[position:]):
            # The client left this fixed field out and went on with the variable fields.
            message.fixed[name] = ""
            continue
        if name in _FLAG_FORMS and value not in _FLAG_FORMS[name]:
            raise MessageError(f"fixed field {name} is {value!r}")
        message.fixed[name] = value
        position += length
    rest = body[position:]
    match = _SEQUENCE.search(rest)
    if match and (match.start() == 0 or rest[match.start() - 1] == DELIMITER):
        message.sequence = match.group(1)
        rest = rest[: match.start()]
    for part in rest.split(DELIMITER):
        if not part:
            continue
        if len(part) < 2 or not _TAG.match(part):
            raise MessageError("malformed variable field")
        message.fields.setdefault(part[:2], []).append(part[2:])
    return message


def clean(value) -> str:
    """A value safe inside a variable field: no delimiter, no line ends."""
    text = "" if value is None else str(value)
    return text.replace(DELIMITER, "/").replace("\r", " ").replace("\n", " ")


def encode(code: str, fixed: list[str] | tuple = (), fields=(), *, sequence: str | None = None,
           error_detection: bool = False, encoding: str = DEFAULT_ENCODING) -> bytes:
    """Build one response line (bytes, CR included).

    ``fields`` is a list of ``(tag, value)``; a value of ``None`` leaves the field out,
    an empty string sends the tag with nothing after it (required fields).
    """
    text = code + "".join(fixed)
    for tag, value in fields:
        if value is None:
            continue
        text += tag + clean(value) + DELIMITER
    data = to_bytes(text, encoding)
    if error_detection:
        tail = (f"AY{sequence}" if sequence is not None else "") + "AZ"
        data += tail.encode("ascii")
        data += checksum(data).encode("ascii")
    return data + CR.encode("ascii")


# Windows-1258 has the shaped vowels (â ê ô ă ơ ư đ) but writes the five tones as
# combining marks after them: "ậ" is "â" + U+0323.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258_form(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    shaped = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return shaped + "".join(c for c in decomposed if c in _TONES)


def to_bytes(text: str, encoding: str = DEFAULT_ENCODING) -> bytes:
    """``text`` in the kiosk's encoding; a character it cannot write becomes "?"."""
    name = codecs.lookup(encoding).name
    if name == "cp1258":
        return "".join(_cp1258_form(c) if ord(c) > 0x7F else c for c in text).encode(name, errors="replace")
    return text.encode(name, errors="replace")


def yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def sip_datetime(moment: datetime | None = None) -> str:
    """``YYYYMMDDZZZZHHMMSS`` in the library's local time (ZZZZ blank: local time)."""
    moment = moment or timezone.now()
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y%m%d    %H%M%S")


def sip_date_only(day) -> str:
    """A date without time, as the 18-character field (end of the day)."""
    return day.strftime("%Y%m%d    235959")


def count(value: int, width: int = 4) -> str:
    """A fixed-length count: zero-padded, or all nines if it does not fit."""
    value = max(0, int(value))
    return str(min(value, 10**width - 1)).zfill(width)


RESEND = "96"  # what we send to ask the SC to send its last message again
