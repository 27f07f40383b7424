"""Spreadsheet import: the lists school libraries keep in Excel or CSV.

``read_sheet`` reads the file, ``guess_mapping`` maps its headers to catalogue
columns, ``plan`` turns every row into a proposed record (with its errors) without
writing, and ``import_rows`` writes the valid rows, one transaction each. A row
matches an existing record by ISBN, or by a control number made from its own
description, so importing the same sheet twice changes nothing.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.catalog import services
from thuvien.catalog.identifiers import normalize_isbn
from thuvien.catalog.models import BibRecord, Item, RecordIdentifier
from thuvien.cataloguing.copies import barcode_error
from thuvien.cataloguing.description import (
    CATALOGUING_AGENCY,
    Description,
    apply_description,
    is_ddc,
    parse_year,
    split_list,
    validate,
)
from thuvien.cataloguing.sheetfile import (  # noqa: F401 (the sheet's public names)
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    SheetError,
    open_sheet,
)
from thuvien.core.vietnamese import fold

MAX_COPIES = 200

COLUMNS = {
    "title": gettext_lazy("Title"),
    "author": gettext_lazy("Author"),
    "publisher": gettext_lazy("Publisher"),
    "place": gettext_lazy("Place of publication"),
    "year": gettext_lazy("Year"),
    "isbn": "ISBN",
    "ddc": gettext_lazy("DDC / call number"),
    "subject": gettext_lazy("Subject"),
    "barcode": gettext_lazy("Barcode"),
    "copies": gettext_lazy("Copies"),
}
# Folded header words (English and Vietnamese) -> column, most specific first.
HEADER_WORDS = [
    ("barcode", ("ma vach", "so dkcb", "dkcb", "dang ky ca biet", "barcode")),
    ("copies", ("so ban", "so luong", "copies", "qty", "quantity")),
    ("isbn", ("isbn",)),
    ("ddc", ("so phan loai", "phan loai", "ddc", "call number", "ky hieu xep gia", "classification")),
    ("subject", ("chu de", "tu khoa", "subject", "keyword")),
    ("year", ("nam xuat ban", "nam xb", "nam", "year", "date")),
    ("place", ("noi xuat ban", "noi xb", "place")),
    ("publisher", ("nha xuat ban", "nxb", "publisher")),
    ("author", ("tac gia", "author", "creator")),
    ("title", ("nhan de", "ten sach", "ten tai lieu", "title")),
]


def read_sheet(content, filename, encoding="auto"):
    """(headers, rows) from the bytes of a spreadsheet file; rows are lists of str."""
    found = open_sheet(content, filename, encoding)
    return found.headers, found.rows


def guess_mapping(headers):
    """{column index: catalogue column} guessed from English or Vietnamese headers."""
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        folded = " ".join(re.sub(r"[^\w]+", " ", fold(header)).split())
        for column, words in HEADER_WORDS:
            if column in taken:
                continue
            if any(re.search(rf"\b{re.escape(w)}\b", folded) for w in words):
                mapping[index] = column
                taken.add(column)
                break
    return mapping


def parse_mapping(pairs, headers):
    """{index: column} from "header=column" or "N=column" pairs (the CLI's --mapping)."""
    mapping = {}
    folded = [fold(h) for h in headers]
    for pair in pairs:
        name, _sep, column = pair.partition("=")
        column = column.strip().lower()
        if column not in COLUMNS:
            raise SheetError(_("Unknown column “%(column)s”; use one of: %(choices)s.")
                             % {"column": column, "choices": ", ".join(COLUMNS)})
        name = name.strip()
        if name.isdigit() and int(name) < len(headers):
            mapping[int(name)] = column
        elif fold(name) in folded:
            mapping[folded.index(fold(name))] = column
        else:
            raise SheetError(_("The spreadsheet has no column “%(name)s”.") % {"name": name})
    return mapping


@dataclass
class PlannedRow:
    number: int  # the row number people see in the spreadsheet (header = 1)
    values: dict
    errors: list = field(default_factory=list)
    description: Description | None = None
    marc: dict | None = None
    barcodes: list = field(default_factory=list)
    match: object = None  # the existing BibRecord it will attach to
    new_barcodes: list = field(default_factory=list)
    pairs: list = field(default_factory=list)  # identifiers to match an existing record
    call_number: str = ""

    @property
    def ok(self):
        return not self.errors


_RANGE = re.compile(r"(.*?)(\d+)\s*[-–]\s*\1(\d+)")


def barcode_list(text):
    """Barcodes written in one cell: "KS1; KS2", or a range "VV.001-VV.003" as registers write them."""
    found = []
    for part in (p.strip() for p in re.split(r"[;,\n]+", text or "")):
        match = _RANGE.fullmatch(part)
        if match and 0 <= int(match.group(3)) - int(match.group(2)) < MAX_COPIES:
            prefix, start, end = match.group(1), match.group(2), match.group(3)
            width = len(start)
            found += [f"{prefix}{n:0{width}d}" for n in range(int(start), int(end) + 1)]
        elif part:
            found.append(part)
    return found


def _barcodes(barcode, copies, key, library):
    """The barcodes of a row's copies: the given one and its successors, or generated ones."""
    if barcode:
        if copies == 1:
            return [barcode]
        match = re.fullmatch(r"(.*?)(\d+)", barcode)
        if not match:
            return [barcode] + [f"{barcode}-{n}" for n in range(2, copies + 1)]
        prefix, digits = match.groups()
        return [f"{prefix}{int(digits) + n:0{len(digits)}d}" for n in range(copies)]
    # No barcode: derived from the row, so that a re-import makes the same ones.
    code = library.code.split("-", 1)[-1]
    return [f"{code}-{key[:8].upper()}-{n:02d}" for n in range(1, copies + 1)]


def _row_key(desc):
    text = "|".join([fold(desc.title), fold(";".join(desc.authors)), fold(desc.publisher), str(desc.year or "")])
    return hashlib.sha1(text.encode()).hexdigest()


def plan(headers, rows, mapping, library, first=0):
    """Every row as a PlannedRow: what would be catalogued, and the row's errors.

    ``first`` is the index of ``rows[0]`` in the whole sheet (for row numbers).
    """
    planned, seen_barcodes = [], {}
    for offset, row in enumerate(rows, start=first):
        values = {column: "" for column in COLUMNS}
        for index, column in mapping.items():
            if index < len(row) and column in COLUMNS:
                text = row[index].strip()
                values[column] = (values[column] + "; " + text) if values[column] and text else (values[column] or text)
        item = PlannedRow(number=offset + 2, values=values)
        planned.append(item)
        _plan_row(item, library, seen_barcodes)
    _match(planned)
    return planned


def _chunks(values, size=500):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _match(planned):
    """Find, in a few queries, the records the rows match and the barcodes already in use."""
    rows = [r for r in planned if r.ok]
    found = {}
    by_kind = {}
    for row in rows:
        for kind, value in row.pairs:
            by_kind.setdefault(kind, set()).add(value)
    for kind, values in by_kind.items():
        for chunk in _chunks(values):
            hits = RecordIdentifier.objects.filter(kind=kind, value__in=chunk, record__is_deleted=False)
            for value, record_id in hits.order_by("pk").values_list("value", "record_id"):
                found.setdefault((kind, value), record_id)
    records = {}
    for chunk in _chunks({found[p] for r in rows for p in r.pairs if p in found}):
        records.update(BibRecord.objects.in_bulk(chunk))
    used = {}
    for chunk in _chunks({c for r in rows for c in r.barcodes}):
        used.update(Item.objects.filter(barcode__in=chunk).values_list("barcode", "record_id"))
    for row in rows:
        row.match = next((records[found[p]] for p in row.pairs if p in found), None)
        for code in row.barcodes:
            if code in used and (row.match is None or used[code] != row.match.pk):
                row.errors.append(_("Barcode %(barcode)s is already used by another record.") % {"barcode": code})
        row.new_barcodes = [c for c in row.barcodes if c not in used]


def _plan_row(row, library, seen_barcodes):
    values = row.values
    try:
        year = parse_year(values["year"])
    except ValueError:
        year = None
        row.errors.append(_("The year “%(year)s” is not a year.") % {"year": values["year"]})
    isbns = [i for i in re.split(r"[;,\s]+", values["isbn"]) if i and i not in ("-",)]
    isbns = [i for i in isbns if not i.startswith("(")]
    # "895.9223 T450H" is a DDC number and a call number; "V23" (another scheme) only a call number.
    ddc = values["ddc"].split(" ")[0] if values["ddc"] else ""
    desc = Description(
        title=values["title"], authors=split_list(values["author"]), publisher=values["publisher"],
        place=values["place"], year=year, isbns=isbns, ddc=ddc if is_ddc(ddc) else "",
        subjects=split_list(values["subject"]), language="vie",
    )
    row.errors += validate(desc)
    listed = barcode_list(values["barcode"])
    copies_text = values["copies"] or str(max(1, len(listed)))
    copies = int(float(copies_text)) if re.fullmatch(r"\d+(\.0)?", copies_text) else 0
    if not 1 <= copies <= MAX_COPIES:
        row.errors.append(_("The number of copies “%(copies)s” must be a whole number from 1 to %(max)s.")
                          % {"copies": copies_text, "max": MAX_COPIES})
        copies = 1
    if row.errors:
        return
    key = _row_key(desc)
    data = apply_description(None, desc)
    # Our own control number, so a re-import finds the record even without an ISBN.
    data["fields"][:0] = [{"001": f"SH{key[:14].upper()}"}, {"003": CATALOGUING_AGENCY}]
    row.description, row.marc = desc, data
    if len(listed) > 1:
        row.barcodes = listed
        if copies != len(listed):
            row.errors.append(_("The row lists %(n)s barcodes for %(copies)s copies.")
                              % {"n": len(listed), "copies": copies})
    else:
        row.barcodes = _barcodes(listed[0] if listed else "", copies, key, library)
    for code in row.barcodes:
        error = barcode_error(code)
        if error:
            row.errors.append(error)
        if code in seen_barcodes:
            row.errors.append(_("Barcode %(barcode)s is also on row %(row)s.")
                              % {"barcode": code, "row": seen_barcodes[code]})
        seen_barcodes.setdefault(code, row.number)
    pairs = [("isbn", n) for n in (normalize_isbn(i) for i in isbns) if n]
    pairs.append(("control", f"{CATALOGUING_AGENCY}|SH{key[:14].upper()}"))
    row.pairs = pairs
    row.call_number = values["ddc"][:100]


@dataclass
class ImportSummary:
    created: int = 0
    attached: int = 0
    unchanged: int = 0
    skipped: int = 0
    items: int = 0
    errors: list = field(default_factory=list)  # (row number, message)

    def add(self, other):
        for name in ("created", "attached", "unchanged", "skipped", "items"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += [tuple(e) for e in other.errors]


BATCH = 500


def import_rows(planned, library, actor=None, dry_run=False):
    """Write the valid planned rows; each row is all or nothing.

    Rows are written in batches of ``BATCH`` in one transaction (one savepoint per row),
    so the search index is updated once per batch rather than once per row.
    """
    summary = ImportSummary()
    for start in range(0, len(planned), BATCH):
        with transaction.atomic():
            for row in planned[start:start + BATCH]:
                _import_row(row, library, actor, dry_run, summary)
    return summary


def _import_row(row, library, actor, dry_run, summary):
    if not row.ok:
        summary.skipped += 1
        summary.errors += [(row.number, e) for e in row.errors]
        return
    if dry_run:
        _count(summary, row.match, len(row.new_barcodes))
        return
    try:
        with transaction.atomic():
            # A new record is looked for again: an earlier row of this sheet may have made it.
            record = row.match or services.find_by_identifiers(row.pairs)
            row.match = record
            record = record or services.create_record(row.marc, source=f"sheet:{library.code}")
            for code in row.new_barcodes:
                services.add_item(actor, record, library, barcode=code, call_number=row.call_number)
    except (PermissionDenied, ValidationError) as exc:  # one bad row never stops the sheet
        message = _("You may not add items to this library.") if isinstance(exc, PermissionDenied) \
            else "; ".join(exc.messages)
        summary.skipped += 1
        summary.errors.append((row.number, message))
        return
    _count(summary, row.match, len(row.new_barcodes))


def _count(summary, match, new_items):
    summary.items += new_items
    if match is None:
        summary.created += 1
    elif new_items:
        summary.attached += 1
    else:
        summary.unchanged += 1
