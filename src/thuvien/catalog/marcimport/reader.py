"""Reading MARC files record by record, with flat memory, without losing the file to one bad record.

ISO 2709 files are cut into raw records by us (the leader's length, checked against the
record terminator), then each raw record is decoded on its own: a broken record becomes
a ``Reject`` with its number, byte offset and reason, and the next record is read as if
nothing happened. Text comes out as MARC-in-JSON (``catalog.marc``), all in NFC; MARC-8
records (leader/09 blank) are converted to Unicode with pymarc's MARC-8 tables.

MARCXML (MARC21slim, with or without the namespace) is read with lxml's ``iterparse``,
clearing each record once read.
"""

import contextlib
import io
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

FIELD_TERMINATOR = 0x1E
RECORD_TERMINATOR = 0x1D
SUBFIELD_DELIMITER = "\x1f"
CHUNK = 1 << 20
MAX_RECORD = 99_999
MAX_SEARCH = 16 << 20  # how far to look for a record terminator before giving up
MARCXML_NS = "http://www.loc.gov/MARC21/slim"
_TAG = re.compile(r"[0-9A-Za-z]{3}")
_is_nfc = unicodedata.is_normalized

try:  # C, built by the install; without it the Python decoder below reads every record
    from thuvien.catalog.marcimport import _iso2709
except ImportError:
    _iso2709 = None


class RecordError(Exception):
    """A record that cannot be read; the message (translated) says why."""


@dataclass
class RawRecord:
    """One record cut from the file: its number (from 1), where it starts, and its bytes."""

    number: int
    offset: int
    raw: bytes
    error: str = ""  # set when the record cannot even be cut out properly
    data: dict | None = None  # MARC-in-JSON once decoded
    prepared: object = None  # what the importer writes (``prepare.Prepared``)


def detect_format(head):
    """``"marcxml"`` or ``"iso2709"`` from the first bytes of a file."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if text.startswith(b"<"):
        return "marcxml"
    return "iso2709"


def _nfc(text):
    return text if _is_nfc("NFC", text) else unicodedata.normalize("NFC", text)


# --- ISO 2709 -----------------------------------------------------------------------

def iter_iso2709(stream, start_offset=0):
    """Yield a ``RawRecord`` for every record of a binary stream, in order.

    A record normally ends where its leader says, on a record terminator. When the
    leader's length is wrong, the record is cut at the next terminator and marked
    with an error, so the following records are still found.
    """
    buf = b""
    base = start_offset  # file offset of buf[0]
    pos = 0
    number = 0
    eof = False
    while True:
        # Skip what separates records in some files (newlines, NULs, spaces).
        while True:
            while pos < len(buf) and buf[pos] in b"\r\n\x00 \x1a\x1e\x1d":
                pos += 1
            if pos < len(buf) or eof:
                break
            buf, base, pos = buf[pos:], base + pos, 0
            chunk = stream.read(CHUNK)
            if not chunk:
                eof = True
            buf += chunk
        if pos >= len(buf):
            return
        number += 1
        end = buf.find(b"\x1d", pos)
        while end < 0 and not eof and len(buf) - pos <= MAX_SEARCH:
            chunk = stream.read(CHUNK)
            if not chunk:
                eof = True
                break
            searched = len(buf)
            buf += chunk
            end = buf.find(b"\x1d", searched)
        offset = base + pos
        if end < 0:
            if eof:
                raw, pos = buf[pos:], len(buf)
                yield RawRecord(number, offset, raw, _("The file ends inside this record (no record terminator)."))
            else:  # no terminator within the largest possible record: cut it there
                raw, pos = buf[pos:pos + MAX_SEARCH], pos + MAX_SEARCH
                yield RawRecord(number, offset, raw, _("No record terminator within %(n)s bytes.") % {"n": MAX_SEARCH})
            continue
        raw = buf[pos:end + 1]
        pos = end + 1
        error = ""
        declared = raw[:5]
        if not declared.isdigit():
            error = _("The record length in the leader (%(value)s) is not a number.") % {"value": _show(declared)}
        elif int(declared) != len(raw):
            error = _("The leader gives a record length of %(declared)s bytes but the record ends after %(actual)s.") % {
                "declared": int(declared), "actual": len(raw)}
        if pos > CHUNK * 4:  # keep the buffer small
            buf, base, pos = buf[pos:], base + pos, 0
        yield RawRecord(number, offset, raw, error)


def _show(value):
    return value.decode("latin-1").encode("unicode_escape").decode("ascii")


_marc8 = None
class _Discard(io.TextIOBase):
    """Where pymarc's warnings go: nowhere (a StringIO would grow for the whole import)."""

    def write(self, text):
        return len(text)


_QUIET = _Discard()


_MARC8_DEFAULTS = None


def _marc8_decoder():
    global _marc8, _MARC8_DEFAULTS
    if _marc8 is None:
        from pymarc.marc8 import MARC8ToUnicode

        _marc8 = MARC8ToUnicode(quiet=True)
        _MARC8_DEFAULTS = (_marc8.g0, _marc8.g1)
    return _marc8


def _looks_utf8(raw):
    """A record whose leader/09 says MARC-8 but whose bytes are plainly UTF-8."""
    if b"\x1b" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_iso2709(raw, accelerated=True):
    """MARC-in-JSON (NFC, leader/09 = "a") of one raw ISO 2709 record; ``RecordError`` if broken.

    A plain UTF-8 record is read by ``_iso2709`` (``accelerated``, when it is built), with
    the same result; any other record, and the reason a broken one is broken, come from here.
    """
    if len(raw) < 25:
        raise RecordError(_("The record is too short (%(n)s bytes) to have a leader and a directory.") % {"n": len(raw)})
    if raw[-1] != RECORD_TERMINATOR:
        raise RecordError(_("The record does not end with a record terminator."))
    try:
        leader = raw[:24].decode("ascii")
    except UnicodeDecodeError:
        raise RecordError(_("The leader contains bytes that are not ASCII.")) from None
    base_text = leader[12:17]
    if not base_text.isdigit():
        raise RecordError(_("The base address of data in the leader (%(value)s) is not a number.") % {"value": base_text})
    base = int(base_text)
    if base < 25 or base > len(raw) - 1 or raw[base - 1] != FIELD_TERMINATOR:
        raise RecordError(_("The base address of data (%(base)s) does not point after the directory.") % {"base": base})
    directory = raw[24:base - 1]
    if len(directory) % 12:
        raise RecordError(_("The directory's length (%(n)s bytes) is not a multiple of 12.") % {"n": len(directory)})
    if not directory:
        raise RecordError(_("The record has no fields."))
    coding = leader[9]
    indicators = int(leader[10]) if leader[10].isdigit() else 2
    # leader/09 "a" is UTF-8; a record flagged MARC-8 whose bytes are plainly UTF-8 is read as UTF-8.
    decode = _utf8 if coding == "a" or _looks_utf8(raw) else _marc8_text
    if decode is _utf8 and indicators == 2 and accelerated and _iso2709 is not None:
        data = _iso2709.decode(raw, base, _leader(leader), _nfc)
        if data is not None:
            return data
    fields = []
    data_end = len(raw) - 1  # the record terminator
    utf8 = decode is _utf8
    # Most records are ASCII: decoded once, their fields are slices of the same text.
    ascii_text = raw.decode("ascii") if utf8 and raw.isascii() else None
    for i in range(0, len(directory), 12):
        entry = directory[i:i + 12]
        tag_bytes, length_text, start_text = entry[:3], entry[3:7], entry[7:12]
        if not tag_bytes.isalnum() or not length_text.isdigit() or not start_text.isdigit():
            raise RecordError(_("Directory entry %(n)s (%(entry)s) is not valid.") % {"n": i // 12 + 1, "entry": _show(entry)})
        tag = tag_bytes.decode("ascii")
        start = base + int(start_text)
        end = start + int(length_text)
        if end <= start or end > data_end or raw[end - 1] != FIELD_TERMINATOR:
            raise RecordError(_("Field %(tag)s (directory entry %(n)s) does not end where the directory says.")
                              % {"tag": tag, "n": i // 12 + 1})
        control = tag < "010" and tag.isdigit()
        try:
            if utf8:
                if ascii_text is not None:
                    text = ascii_text[start:end - 1]
                else:
                    text = raw[start:end - 1].decode("utf-8")
                    if not text.isascii() and not _is_nfc("NFC", text):
                        text = unicodedata.normalize("NFC", text)
                if control:
                    fields.append({tag: text})
                    continue
                ind, rest = text[:indicators], text[indicators:]
                if "\x1f" in ind:  # indicators missing: the field starts with its first subfield
                    ind, rest = "", text[text.index("\x1f"):]
                parts = rest.split("\x1f")
                if parts[0].strip():
                    raise RecordError(_("Field %(tag)s has data before its first subfield.") % {"tag": tag})
                subfields = []
                for part in parts[1:]:
                    if part:
                        if not " " < part[0] <= "~":
                            raise RecordError(_("Field %(tag)s has an invalid subfield code.") % {"tag": tag})
                        subfields.append({part[0]: part[1:]})
            else:
                body = raw[start:end - 1]
                if control:
                    fields.append({tag: decode(body)})
                    continue
                ind, rest = body[:indicators], body[indicators:]
                if b"\x1f" in ind:
                    ind, rest = b"", body[body.index(b"\x1f"):]
                parts = rest.split(b"\x1f")
                if parts[0].strip():
                    raise RecordError(_("Field %(tag)s has data before its first subfield.") % {"tag": tag})
                ind = ind.decode("ascii", "replace")
                subfields = []
                for part in parts[1:]:
                    if part:
                        if not 0x20 < part[0] <= 0x7E:
                            raise RecordError(_("Field %(tag)s has an invalid subfield code.") % {"tag": tag})
                        subfields.append({chr(part[0]): decode(part[1:])})
            if not subfields:
                raise RecordError(_("Field %(tag)s has no subfields.") % {"tag": tag})
            ind = ind.ljust(2)
            fields.append({tag: {"ind1": _indicator(ind[0]), "ind2": _indicator(ind[1]), "subfields": subfields}})
        except UnicodeDecodeError as exc:
            raise RecordError(_("Field %(tag)s is not valid %(encoding)s (byte %(byte)s).") % {
                "tag": tag, "encoding": "UTF-8" if utf8 else "MARC-8",
                "byte": f"0x{exc.object[exc.start]:02X}" if exc.start < len(exc.object) else "?"}) from None
    return {"leader": _leader(leader), "fields": fields}


def _leader(leader):
    """The leader as stored: UTF-8 (09 = a); length and base address are the writer's to compute."""
    return "00000" + leader[5:9] + "a" + leader[10:12] + "00000" + leader[17:24]


def _indicator(char):
    return char if char.isalnum() else " "


def _utf8(body):
    text = body.decode("utf-8")
    return text if text.isascii() or _is_nfc("NFC", text) else unicodedata.normalize("NFC", text)


def _marc8_text(body):
    if body.isascii() and b"\x1b" not in body:
        return body.decode("ascii")
    decoder = _marc8_decoder()
    # Every subfield starts in the default sets (ASCII, ANSEL), as pymarc's own reader does:
    # the decoder keeps the last escape's sets, which would leak into the next subfield or record.
    decoder.g0, decoder.g1 = _MARC8_DEFAULTS
    try:
        with contextlib.redirect_stderr(_QUIET):  # pymarc reports a truncated character there, and goes on
            text = decoder.translate(body)
    except Exception:  # noqa: BLE001 (pymarc raises several kinds on a bad escape sequence)
        raise UnicodeDecodeError("marc-8", body, 0, 1, "bad escape sequence") from None
    if "\ufffd" in text or "\x1b" in text:
        raise UnicodeDecodeError("marc-8", body, 0, 1, "unknown character")
    return unicodedata.normalize("NFC", text)


# --- MARCXML ------------------------------------------------------------------------

def iter_marcxml(stream):
    """Yield a ``RawRecord`` (with ``data`` decoded, or ``error``) for each MARCXML record.

    The "offset" of an XML record is its line number. A file that stops being
    well-formed XML ends the reading with one last RawRecord carrying the error.
    """
    from lxml import etree

    number = 0
    context = etree.iterparse(stream, events=("end",), huge_tree=True, remove_comments=True,
                              resolve_entities=False, no_network=True)
    try:
        for _event, elem in context:
            if _local(elem.tag) != "record":
                continue
            number += 1
            raw = etree.tostring(elem, encoding="utf-8")
            item = RawRecord(number, elem.sourceline or 0, raw)
            try:
                item.data = decode_marcxml(elem)
            except RecordError as exc:
                item.error = str(exc)
            elem.clear()
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
            yield item
    except etree.XMLSyntaxError as exc:
        number += 1
        yield RawRecord(number, exc.lineno or 0, b"",
                        _("The file is not well-formed XML from here on: %(error)s") % {"error": exc.msg})


def _local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def decode_marcxml(elem):
    leader = None
    fields = []
    for child in elem:
        name = _local(child.tag)
        if name == "leader":
            leader = (child.text or "")
        elif name == "controlfield":
            tag = child.get("tag") or ""
            if not _TAG.fullmatch(tag):
                raise RecordError(_("A control field has no valid tag (%(tag)s).") % {"tag": tag})
            fields.append({tag: _nfc(child.text or "")})
        elif name == "datafield":
            tag = child.get("tag") or ""
            if not _TAG.fullmatch(tag):
                raise RecordError(_("A data field has no valid tag (%(tag)s).") % {"tag": tag})
            subfields = []
            for sub in child:
                if _local(sub.tag) != "subfield":
                    continue
                code = sub.get("code") or ""
                if len(code) != 1:
                    raise RecordError(_("Field %(tag)s has a subfield without a valid code.") % {"tag": tag})
                subfields.append({code: _nfc(sub.text or "")})
            if not subfields:
                raise RecordError(_("Field %(tag)s has no subfields.") % {"tag": tag})
            fields.append({tag: {"ind1": _indicator((child.get("ind1") or " ")[:1] or " "),
                                 "ind2": _indicator((child.get("ind2") or " ")[:1] or " "),
                                 "subfields": subfields}})
    if leader is None:
        raise RecordError(_("The record has no leader."))
    if len(leader) != 24:
        raise RecordError(_("The leader is %(n)s characters long instead of 24.") % {"n": len(leader)})
    if not fields:
        raise RecordError(_("The record has no fields."))
    return {"leader": _leader(leader), "fields": fields}


def iter_records(stream, fmt=None, decode=True):
    """``RawRecord``s of a binary stream; ISO 2709 ones are decoded here unless ``decode`` is false."""
    if fmt is None:
        head = stream.peek(512)[:512] if hasattr(stream, "peek") else b""
        fmt = detect_format(head)
    if fmt == "marcxml":
        yield from iter_marcxml(stream)
        return
    for item in iter_iso2709(stream):
        if decode and not item.error:
            try:
                item.data = decode_iso2709(item.raw)
            except RecordError as exc:
                item.error = str(exc)
        yield item
