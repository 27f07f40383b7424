"""The simple description a non-expert edits, and how it is written into MARC21.

``describe`` reads the simple values from a stored record; ``apply_description``
writes them back into the record's MARC, changing only the fields the simple form
owns and keeping every other field (and unchanged subfields) as they were.
"""

import copy
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.catalog import marc
from thuvien.catalog.identifiers import is_valid_isbn, normalize_isbn
from thuvien.core.vietnamese import nfc

NEW_LEADER = "00000nam a2200000 i 4500"
# A DDC class number: three digits, then decimals (with segmentation marks / or ').
DDC = re.compile(r"\d{3}(?:\.[\d/'’]*\d)?")
PERSONAL_TAGS = ("100", "700")
CATALOGUING_AGENCY = "VN-THUVIEN"  # 003/040 of the records this system makes


@dataclass
class Description:
    title: str = ""
    authors: list = field(default_factory=list)
    publisher: str = ""
    place: str = ""
    year: int | None = None
    isbns: list = field(default_factory=list)
    ddc: str = ""
    subjects: list = field(default_factory=list)
    language: str = "vie"
    physical: str = ""


def is_ddc(text):
    return bool(DDC.fullmatch(text or ""))


def validate(desc):
    """A list of translated error messages; empty when ``desc`` can be catalogued."""
    errors = []
    if not desc.title.strip():
        errors.append(_("A title is required."))
    if desc.ddc and not is_ddc(desc.ddc):
        errors.append(_("The DDC number “%(ddc)s” is not a DDC class number (three digits, then decimals, "
                        "such as 895.9223).") % {"ddc": desc.ddc})
    for isbn in desc.isbns:
        if not is_valid_isbn(isbn):
            errors.append(_("ISBN %(isbn)s is not valid (wrong length or check digit).") % {"isbn": isbn})
    this_year = timezone.now().year
    if desc.year is not None and not 1000 <= desc.year <= this_year + 1:
        errors.append(_("The year %(year)s is not a valid year of publication.") % {"year": desc.year})
    if desc.language and not re.fullmatch(r"[a-z]{3}", desc.language):
        errors.append(_("The language must be a three-letter MARC code, such as vie or eng."))
    return errors


def parse_year(text):
    """An int year from text such as "2020", "2020." or "c2020"; ValueError when there is none."""
    text = (str(text) if text is not None else "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}(\.0)?", text):  # spreadsheets give 2020.0
        return int(text[:4])
    match = re.fullmatch(r"[c©\[]?\s*(\d{4})\s*[\].]?", text)
    if not match:
        raise ValueError(text)
    return int(match.group(1))


def split_list(text):
    """Authors or subjects typed one per line or separated by ';'."""
    return [nfc(p).strip() for p in re.split(r"[;\n\r]+", text or "") if p.strip()]


def describe(data):
    """The simple description of a stored MARC-in-JSON record."""
    derived = marc.derive(data)
    main = marc.first_subfield(data, ("245",), "a")
    rest = marc.first_subfield(data, ("245",), "b")
    title = marc.clean(main) + (" : " + marc.clean(rest) if rest else "")
    isbns = [marc.clean(t).split(" ")[0] for _, v in marc.fields(data, "020") for t in marc.subfield_values(v, "a")]
    return Description(
        title=title or (derived["title"] if derived["title"] != "[?]" else ""),
        authors=derived["authors"], publisher=derived["publisher"], place=derived["place"],
        year=derived["year"], isbns=isbns, ddc=derived["ddc"], subjects=derived["subjects"],
        language=derived["language"] or "vie", physical=marc.physical_description_of(data),
    )


def _field(ind1, ind2, *subfields):
    return {"ind1": ind1, "ind2": ind2, "subfields": [{c: v} for c, v in subfields if v]}


def _display_name(name):
    surname, _, given = name.partition(", ")
    return f"{surname} {given}".strip() if given else name


def fixed_field(desc, existing=""):
    """The 008 for a book: keep what is there, set date type/date 1 and language."""
    if len(existing) == 40:
        fixed = list(existing)
    else:
        fixed = list(timezone.localdate().strftime("%y%m%d") + "s    " + "    vm            000 0 vie d")
        fixed = (fixed + [" "] * 40)[:40]
    if desc.year:
        fixed[6] = "s" if fixed[6] in " |" else fixed[6]
        fixed[7:11] = list(str(desc.year))
    else:
        fixed[6], fixed[7:11] = "n", list("uuuu")
    fixed[35:38] = list((desc.language or "vie").ljust(3)[:3])
    return "".join(fixed)


def _closed(text):
    """``text`` ending with the period that closes a MARC field (ISBD)."""
    return text if text.endswith((".", "?", "!", "-", ")")) else text + "."


def _title_field(desc, old, authors_changed):
    main, _, rest = desc.title.partition(" : ")
    main, rest = main.strip(), rest.strip()
    statement = " ; ".join(_display_name(a) for a in desc.authors)
    kept = [sf for sf in (old or {}).get("subfields", []) if next(iter(sf)) not in "abc"]
    old_c = [v for sf in (old or {}).get("subfields", []) for c, v in sf.items() if c == "c"]
    if old_c and not authors_changed:
        statement = old_c[0].rstrip(" .")  # a typed statement of responsibility stays
    ends = " /" if statement else "."
    subfields = [{"a": main + (" :" if rest else ("" if kept else ends))}]
    if rest:
        subfields.append({"b": rest + ("" if kept else ends)})
    subfields += kept
    if statement:
        subfields.append({"c": statement + "."})
    ind1 = "1" if desc.authors else "0"
    ind2 = (old or {}).get("ind2", "0")
    return {"ind1": ind1, "ind2": ind2, "subfields": subfields}


def _imprint(desc, old):
    place = desc.place or "[Không rõ nơi xuất bản]"
    publisher = desc.publisher or "[Không rõ nhà xuất bản]"
    kept = [sf for sf in (old or {}).get("subfields", []) if next(iter(sf)) not in "abc"]
    subfields = [{"a": place + " :"}, {"b": publisher + ("," if desc.year else ".")}]
    if desc.year:
        subfields.append({"c": f"{desc.year}."})
    return {"ind1": (old or {}).get("ind1", " "), "ind2": (old or {}).get("ind2", "1"), "subfields": subfields + kept}


def _insert(fields, tag, value):
    """Insert a field in tag order (after the last field with a tag <= ``tag``)."""
    position = len(fields)
    for i, entry in enumerate(fields):
        if next(iter(entry)) > tag:
            position = i
            break
    fields.insert(position, {tag: value})


def _replace_first(fields, tags, new_tag, value):
    for i, entry in enumerate(fields):
        if next(iter(entry)) in tags:
            fields[i] = {next(iter(entry)): value}
            return
    _insert(fields, new_tag, value)


def _first(fields, *tags):
    return next((v for e in fields for t, v in e.items() if t in tags), None)


def _heading(value):
    return " -- ".join(marc.clean(p) for p in marc.subfield_values(value, "abcdvxyz") if marc.clean(p))


def _isbn_key(text):
    return normalize_isbn(text) or re.sub(r"[\s-]", "", (text or "").strip().split(" ")[0]).upper()


def _physical(text, old):
    """300 from "120 tr. : ảnh ; 21 cm": $a extent, $b other details, $c dimensions."""
    extent, _, dims = text.partition(" ; ")
    extent, _, other = extent.partition(" : ")
    subfields = [{"a": extent.strip() + (" :" if other else " ;" if dims else "")}]
    if other:
        subfields.append({"b": other.strip() + (" ;" if dims else "")})
    if dims:
        subfields.append({"c": dims.strip()})
    kept = [sf for sf in (old or {}).get("subfields", []) if next(iter(sf)) not in "abce"]
    return {"ind1": " ", "ind2": " ", "subfields": subfields + kept}


def apply_description(data, desc):
    """A copy of ``data`` with the simple description written into it.

    Only the parts of the description that differ from what the record already says
    are rewritten, so an expert's subfields survive a simple edit.
    """
    data = copy.deepcopy(data) if data else {"leader": NEW_LEADER, "fields": [
        {"040": _field(" ", " ", ("a", CATALOGUING_AGENCY), ("b", "vie"), ("c", CATALOGUING_AGENCY))}]}
    old = describe(data) if data.get("fields") else Description(language="")
    fields = data.setdefault("fields", [])
    if not data.get("leader") or len(data["leader"]) != 24:
        data["leader"] = NEW_LEADER
    names = list(dict.fromkeys(nfc(a).strip() for a in desc.authors if a.strip()))
    authors_changed = names != old.authors

    if (desc.year, desc.language) != (old.year, old.language) or not marc.control(data, "008"):
        _replace_first(fields, ("008",), "008", fixed_field(desc, marc.control(data, "008")))

    # ISBNs: keep 020s still listed (with their $q etc.), drop the others, add new ones.
    wanted = {_isbn_key(i): i.strip() for i in desc.isbns if i.strip()}
    kept_isbns = set()
    for entry in list(fields):
        (tag, value), = entry.items()
        if tag != "020" or isinstance(value, str):
            continue
        keys = [_isbn_key(t) for t in marc.subfield_values(value, "a")]
        if any(k in wanted for k in keys):
            kept_isbns.update(keys)
        elif keys:  # an 020 with only $z (cancelled ISBN) stays
            fields.remove(entry)
    for key, typed in wanted.items():
        if key not in kept_isbns:
            _insert(fields, "020", _field(" ", " ", ("a", typed)))

    if desc.language and desc.language != old.language:
        _replace_first(fields, ("041",), "041", _field("0", " ", ("a", desc.language)))

    if desc.ddc != old.ddc:
        previous = _first(fields, "082")
        kept = [sf for sf in (previous or {}).get("subfields", []) if next(iter(sf)) != "a"] or [{"2": "23"}]
        fields[:] = [e for e in fields if next(iter(e)) != "082"]
        if desc.ddc:
            _insert(fields, "082", {"ind1": (previous or {}).get("ind1", "0"),
                                    "ind2": (previous or {}).get("ind2", "4"),
                                    "subfields": [{"a": desc.ddc}] + kept})

    if authors_changed:
        # Keep the name fields still listed, drop the others, add new personal names.
        present = set()
        for entry in list(fields):
            (tag, value), = entry.items()
            if tag in marc.AUTHOR_TAGS and not isinstance(value, str):
                name = marc.clean((marc.subfield_values(value, "a") or [""])[0])
                if name in names and name not in present:
                    present.add(name)
                else:
                    fields.remove(entry)
        has_main = any(next(iter(e)) in ("100", "110", "111") for e in fields)
        for name in names:
            if name in present:
                continue
            tag = "700" if has_main else "100"
            has_main = True
            _insert(fields, tag, _field("1" if ", " in name else "0", " ", ("a", _closed(name))))

    if desc.title != old.title or authors_changed or not _first(fields, "245"):
        _replace_first(fields, ("245",), "245", _title_field(desc, _first(fields, "245"), authors_changed))
    if (desc.place, desc.publisher, desc.year) != (old.place, old.publisher, old.year) \
            or not _first(fields, "264", "260"):
        _replace_first(fields, ("264", "260"), "264", _imprint(desc, _first(fields, "264", "260")))

    if desc.physical != old.physical:
        previous = _first(fields, "300")
        fields[:] = [e for e in fields if next(iter(e)) != "300"]
        if desc.physical:
            _insert(fields, "300", _physical(desc.physical, previous))

    # Subjects: keep 6XX headings still listed, drop the others, add new 650s.
    subjects = list(dict.fromkeys(nfc(s).strip() for s in desc.subjects if s.strip()))
    present = set()
    for entry in list(fields):
        (tag, value), = entry.items()
        if tag in marc.SUBJECT_TAGS and not isinstance(value, str):
            heading = _heading(value)
            if heading in subjects and heading not in present:
                present.add(heading)
            elif heading:
                fields.remove(entry)
    for subject in subjects:
        if subject not in present:
            parts = [p.strip() for p in subject.split("--") if p.strip()]
            subfields = [("a", parts[0])] + [("x", p) for p in parts[1:]] + [("2", "Bộ TKTV")]
            _insert(fields, "650", _field(" ", "7", *subfields))
    return data
