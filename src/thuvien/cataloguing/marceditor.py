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


def is_book(leader):
    return len(leader) >= 8 and leader[6] in "at" and leader[7] in "acdm"


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
    if not is_book(leader):
        return []
    if len(value) != 40:
        return [_("Field 008 of a book must be exactly 40 characters (it has %(n)s).") % {"n": len(value)}]
    errors = []
    if not re.fullmatch(r"\d{6}", value[0:6]):
        errors.append(_("008/00–05 (date entered) must be six digits, YYMMDD."))
    if value[6] not in "bcdeikmnpqrstu|":
        errors.append(_("008/06 (type of date) “%(value)s” is not a valid code.") % {"value": value[6]})
    if not re.fullmatch(r"[\du|# ]{4}", value[7:11]):
        errors.append(_("008/07–10 (date 1) must be a year, with u for unknown digits."))
    if not re.fullmatch(r"[a-z ]{3}|\|\|\|", value[35:38]):
        errors.append(_("008/35–37 (language) must be a MARC language code such as vie."))
    return errors


def parse_subfields(text):
    """``$a One $b Two`` -> [{"a": "One"}, {"b": "Two"}]; ValueError if it has none."""
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


def from_rows(leader, rows, strict=True):
    """(MARC-in-JSON, errors). Errors name the row they are about.

    ``strict`` False (records copied from elsewhere) skips the leader and 008 checks.
    """
    errors = leader_errors(leader) if strict else []
    fields = []
    for number, row in enumerate(rows, start=1):
        tag = row.tag.strip()
        if not tag and not row.value.strip():
            continue  # an empty row the editor left
        where = _("Row %(n)s (%(tag)s): ") % {"n": number, "tag": tag or "?"}
        if not re.fullmatch(r"\d{3}", tag):
            errors.append(where + _("a tag is three digits."))
            continue
        if tag.startswith("00"):
            value = nfc(row.value)
            if tag == "008" and strict:
                errors += [where + e for e in fixed_field_errors(value, leader)]
            fields.append({tag: value})
            continue
        ind1, ind2 = (row.ind1 or " "), (row.ind2 or " ")
        if len(ind1) != 1 or len(ind2) != 1 or not re.fullmatch(r"[0-9a-z ]{2}", ind1 + ind2):
            errors.append(where + _("each indicator is one character (a digit, a letter or blank)."))
            continue
        try:
            subfields = parse_subfields(row.value)
        except ValueError:
            errors.append(where + _("subfields are written $a text $b text, with one-character codes."))
            continue
        fields.append({tag: {"ind1": ind1, "ind2": ind2, "subfields": subfields}})
    if not any("245" in f for f in fields):
        errors.append(_("A record needs a title field (245)."))
    fields.sort(key=lambda f: next(iter(f)))  # stable: the order within a tag is kept
    return {"leader": leader, "fields": fields}, errors
