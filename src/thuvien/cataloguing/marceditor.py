"""The expert's MARC editor: a record as editable rows, and the rows back as a record.

A data field's subfields are written on one line as ``$a Title : $b subtitle /``;
a literal dollar sign is written ``{dollar}`` (the Library of Congress convention).
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from thuvien.core.vietnamese import nfc

# Valid values of each coded leader position (MARC 21 Bibliographic).
LEADER_CODES = {
    5: "acdnp", 6: "acdefgijkmoprt", 7: "abcdims", 8: " a", 9: " a",
    17: " 1234578uz", 18: " acinu", 19: " abc",
}
SUBFIELD = re.compile(r"\$([a-z0-9])")


@dataclass
class Row:
    tag: str
    ind1: str = ""
    ind2: str = ""
    value: str = ""

    @property
    def is_control(self):
        return self.tag.startswith("00")


def to_rows(data):
    rows = []
    for entry in data.get("fields", []):
        (tag, value), = entry.items()
        if isinstance(value, str):
            rows.append(Row(tag=tag, value=value))
        else:
            text = " ".join(f"${code} {text.replace('$', '{dollar}')}"
                            for sf in value["subfields"] for code, text in sf.items())
            rows.append(Row(tag=tag, ind1=value.get("ind1", " "), ind2=value.get("ind2", " "), value=text))
    return rows


def leader_errors(leader):
    if len(leader) != 24:
        return [_("The leader must be exactly 24 characters (it has %(n)s).") % {"n": len(leader)}]
    errors = []
    for position, allowed in LEADER_CODES.items():
        if leader[position] not in allowed:
            errors.append(_("Leader position %(pos)02d: “%(value)s” is not a valid code.")
                          % {"pos": position, "value": leader[position]})
    if leader[10:12] != "22" or leader[20:24] != "4500":
        errors.append(_("Leader positions 10–11 must be “22” and 20–23 must be “4500”."))
    if not re.fullmatch(r"[\d ]{5}", leader[0:5]) or not re.fullmatch(r"[\d ]{5}", leader[12:17]):
        errors.append(_("Leader positions 00–04 and 12–16 must be digits."))
    return errors


def fixed_field_errors(value, leader):
    """The 008 checks: 40 characters for every kind of material, the positions all kinds share."""
    if len(value) != 40:
        return [_("Field 008 must be exactly 40 characters (it has %(n)s).") % {"n": len(value)}]
    errors = []
    if not re.fullmatch(r"\d{6}|\|{6}", value[0:6]):
        errors.append(_("008/00–05 (date entered) must be six digits, YYMMDD."))
    if value[6] not in "bcdeikmnpqrstu|":
        errors.append(_("008/06 (type of date) “%(value)s” is not a valid code.") % {"value": value[6]})
    if not re.fullmatch(r"[\du|# ]{4}", value[7:11]):
        errors.append(_("008/07–10 (date 1) must be a year, with u for unknown digits."))
    if not re.fullmatch(r"[\du|# ]{4}", value[11:15]):
        errors.append(_("008/11–14 (date 2) must be a year, with u for unknown digits, or blank."))
    if not re.fullmatch(r"[a-z ]{3}|\|\|\|", value[35:38]):
        errors.append(_("008/35–37 (language) must be a MARC language code such as vie."))
    return errors


# Fields MARC 21 allows once in a record (a 1XX main entry counts as one).
NOT_REPEATABLE = {"001", "003", "005", "008", "010", "040", "240", "243", "245", "254", "256", "263"}
MAIN_ENTRY = {"100", "110", "111", "130"}
MAX_FIELD_BYTES = 9999  # ISO 2709: four digits of field length
MAX_RECORD_BYTES = 99999  # five digits of record length


def _field_bytes(value):
    if isinstance(value, str):
        return len(value.encode()) + 1
    return 3 + sum(2 + len(text.encode()) for sf in value["subfields"] for text in sf.values())


def structure_errors(data):
    """Record-level rules every record we save must keep, however it was edited."""
    errors, seen, total = [], {}, 24
    for entry in data.get("fields", []):
        (tag, value), = entry.items()
        seen[tag] = seen.get(tag, 0) + 1
        size = _field_bytes(value)
        total += size + 12
        if size > MAX_FIELD_BYTES:
            errors.append(_("Field %(tag)s is too long for a MARC record (%(n)s bytes, at most 9,999).")
                          % {"tag": tag, "n": size})
    for tag in sorted(NOT_REPEATABLE):
        if seen.get(tag, 0) > 1:
            errors.append(_("Field %(tag)s may appear only once.") % {"tag": tag})
    if sum(seen.get(t, 0) for t in MAIN_ENTRY) > 1:
        errors.append(_("A record has at most one main entry (100, 110, 111 or 130); use 700/710/711 for the others."))
    titles = [v for e in data.get("fields", []) for t, v in e.items() if t == "245" and not isinstance(v, str)]
    if not titles:
        errors.append(_("A record needs a title field (245)."))
    elif not any(text.strip(" /:;,.=") for sf in titles[0]["subfields"] for c, text in sf.items() if c in "ak"):
        errors.append(_("Field 245 needs the title in $a."))
    if total > MAX_RECORD_BYTES:
        errors.append(_("The record is too long for MARC (%(n)s bytes, at most 99,999).") % {"n": total})
    return errors


def parse_subfields(text):
    """``$a One $b Two`` -> [{"a": "One"}, {"b": "Two"}]; ValueError if it has none or one is empty."""
    text = text.strip()
    if not text.startswith("$"):
        raise ValueError
    parts = SUBFIELD.split(text)
    if parts[0].strip():
        raise ValueError
    subfields = []
    for code, value in zip(parts[1::2], parts[2::2]):
        subfields.append({code: nfc(value.strip().replace("{dollar}", "$"))})
    if not subfields or len(parts) % 2 == 0:
        raise ValueError
    return subfields


BLANK = {"", " ", "#", "_", "\\"}  # how cataloguers write a blank indicator


def from_rows(leader, rows, strict=True):
    """(MARC-in-JSON, errors). Errors name the row they are about.

    ``strict`` False (records copied from elsewhere) skips the leader and 008 checks, and
    tidies what we need not bother the cataloguer with (stray indicators, empty subfields).
    """
    errors = leader_errors(leader) if strict else []
    fields = []
    for number, row in enumerate(rows, start=1):
        tag = row.tag.strip()
        if not tag and not row.value.strip():
            continue  # an empty row the editor left
        where = _("Row %(n)s (%(tag)s): ") % {"n": number, "tag": tag or "?"}
        if not re.fullmatch(r"\d{3}", tag) or tag == "000":
            errors.append(where + _("a tag is three digits, from 001 to 999."))
            continue
        if tag.startswith("00"):
            value = nfc(row.value)
            if not value.strip():
                errors.append(where + _("a control field needs data."))
            elif tag == "008" and strict:
                errors += [where + e for e in fixed_field_errors(value, leader)]
            fields.append({tag: value})
            continue
        ind1, ind2 = (" " if row.ind1 in BLANK else row.ind1), (" " if row.ind2 in BLANK else row.ind2)
        if not strict:  # a copied record's stray indicators become blanks
            ind1, ind2 = (i if re.fullmatch(r"[0-9a-z ]", i) else " " for i in (ind1, ind2))
        if len(ind1) != 1 or len(ind2) != 1 or not re.fullmatch(r"[0-9a-z ]{2}", ind1 + ind2):
            errors.append(where + _("each indicator is one character (a digit, a lower-case letter or blank)."))
            continue
        try:
            subfields = parse_subfields(row.value)
        except ValueError:
            errors.append(where + _("subfields are written $a text $b text, with one-character codes."))
            continue
        empty = [code for sf in subfields for code, text in sf.items() if not text]
        if empty and not strict:  # a copied record's empty subfields are dropped
            subfields = [sf for sf in subfields if next(iter(sf.values()))]
            if not subfields:
                continue
        elif empty:
            errors.append(where + _("subfield $%(code)s is empty.") % {"code": empty[0]})
            continue
        fields.append({tag: {"ind1": ind1, "ind2": ind2, "subfields": subfields}})
    fields.sort(key=lambda f: next(iter(f)))  # stable: the order within a tag is kept
    data = {"leader": leader, "fields": fields}
    return data, errors + structure_errors(data)
