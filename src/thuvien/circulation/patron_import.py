"""Patron bulk load: the lists of pupils schools load at the start of every school year.

``read_rows`` reads a .csv or .xlsx file into header + rows (NFC text, dates kept as
dates), ``parse`` maps the headers (English or Vietnamese) and checks every row without
writing, and ``import_rows`` writes the valid rows, one transaction each, through
``circulation.registration.upsert_reader``. A row is matched to an existing reader by
its card number, so loading the same file again updates readers and creates no
duplicates. Rejected rows are reported with their reasons; they never stop the load.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from thuvien.core.vietnamese import fold, nfc

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 40

FIELDS = ("card_number", "name", "category", "birth_date", "email", "phone", "address", "expires_on")
REQUIRED = ("card_number", "name")
# Folded header spellings (English and Vietnamese) -> field.
HEADERS = {
    "card_number": ("card_number", "card number", "card", "so the", "ma the", "so the ban doc", "ma ban doc"),
    "name": ("name", "full name", "ho ten", "ho va ten", "ten", "ten ban doc"),
    "category": ("category", "loai ban doc", "loai", "doi tuong", "nhom"),
    "birth_date": ("birth_date", "birth date", "date of birth", "ngay sinh", "ngay thang nam sinh"),
    "email": ("email", "e mail", "thu dien tu"),
    "phone": ("phone", "telephone", "dien thoai", "so dien thoai", "sdt", "dt"),
    "address": ("address", "dia chi"),
    "expires_on": ("expires_on", "expires", "expiry", "expiry date", "ngay het han", "han the", "het han"),
}
_HEADER_LOOKUP = {" ".join(re.sub(r"[^\w]+", " ", spelling).split()): f
                  for f, spellings in HEADERS.items() for spelling in spellings}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CARD_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
PHONE_RE = re.compile(r"^\+?[0-9 .()-]{6,20}$")


class ImportFileError(Exception):
    """The file cannot be read as a list of readers; the message is for the user."""


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL.sub("", nfc(str(value))).strip()


def read_rows(content, filename):
    """(headers, rows) from the bytes of an .xlsx or .csv file.

    Cells are NFC strings, except date cells of a workbook, which stay ``datetime.date``.
    """
    if not content:
        raise ImportFileError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("The file is too large (at most %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)})
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        rows = _read_xlsx(content)
    elif name.endswith((".csv", ".txt", ".tsv")):
        rows = _read_csv(content)
    else:
        raise ImportFileError(_("This is not a list of readers: upload an .xlsx or .csv file."))
    rows = [r for r in rows if any(c != "" for c in r)]
    if not rows:
        raise ImportFileError(_("The file has no rows."))
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError(_("The file has too many rows (at most %(n)s).") % {"n": MAX_ROWS})
    headers = [str(h).strip() for h in rows[0]]
    width = max(len(r) for r in rows)
    headers += [""] * (width - len(headers))
    return headers, [list(r) + [""] * (width - len(r)) for r in rows[1:]]


def _read_xlsx(content):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # whatever openpyxl cannot open is, for the user, not a spreadsheet
        raise ImportFileError(_("This is not a list of readers: upload an .xlsx or .csv file.")) from exc
    try:
        rows = []
        for row in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _read_csv(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The CSV file is not in UTF-8: save it as “CSV UTF-8” and try again.")) from exc
    if "\x00" in text:
        raise ImportFileError(_("This is not a list of readers: upload an .xlsx or .csv file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[_CONTROL.sub("", nfc(c)).strip() for c in row[:MAX_COLUMNS]]
            for row in csv.reader(io.StringIO(text), dialect)]


def map_headers(headers):
    """{column index: field} from English or Vietnamese headers (first match wins)."""
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        key = " ".join(re.sub(r"[^\w]+", " ", fold(str(header)).replace("_", " ")).split())
        field_name = _HEADER_LOOKUP.get(key) or _HEADER_LOOKUP.get(key.replace(" ", "_"))
        if field_name and field_name not in taken:
            mapping[index] = field_name
            taken.add(field_name)
    return mapping


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")


def parse_date(value):
    """A date from a date cell, d/m/Y (Vietnamese order) or ISO Y-m-d; ``ValueError`` otherwise."""
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text) else text
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


@dataclass
class Row:
    number: int  # the line in the file (the header is line 1)
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


def check_row(number, raw, today=None):
    """A ``Row`` with cleaned values (NFC strings, dates) and the reasons it cannot be loaded."""
    today = today or datetime.date.today()
    row = Row(number)
    for name in FIELDS:
        if name not in raw:
            continue
        value = raw[name]
        row.values[name] = value if isinstance(value, datetime.date) else " ".join(nfc(str(value)).split())
    card = row.values.get("card_number", "")
    if not card:
        row.errors.append(_("The card number is missing."))
    elif not CARD_RE.match(card):
        row.errors.append(_("The card number “%(card)s” may hold only letters, digits, dots, dashes and slashes "
                            "(at most 32).") % {"card": card})
    if not row.values.get("name"):
        row.errors.append(_("The name is missing."))
    elif len(row.values["name"]) > 200:
        row.errors.append(_("The name is too long (at most 200 characters)."))
    for date_field, label in (("birth_date", _("birth date")), ("expires_on", _("expiry date"))):
        value = row.values.get(date_field)
        if value in (None, ""):
            row.values.pop(date_field, None)
            continue
        try:
            row.values[date_field] = parse_date(value)
        except ValueError:
            row.errors.append(_("The %(field)s “%(value)s” is not a date (write it as 31/12/2010 or 2010-12-31).")
                              % {"field": label, "value": value})
            row.values.pop(date_field, None)
    birth = row.values.get("birth_date")
    if birth and (birth > today or birth.year < 1900):
        row.errors.append(_("The birth date %(date)s is not possible.") % {"date": birth.strftime("%d/%m/%Y")})
    email = row.values.get("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.errors.append(_("The email address “%(email)s” is not valid.") % {"email": email})
    phone = row.values.get("phone")
    if phone and not PHONE_RE.match(phone):
        row.errors.append(_("The phone number “%(phone)s” is not valid.") % {"phone": phone})
    return row


@dataclass
class Plan:
    mapping: dict
    rows: list  # Row, valid or not
    missing: list  # required fields no header maps to


def parse(headers, rows, today=None):
    """Check every row of a file; nothing is written."""
    mapping = map_headers(headers)
    missing = [f for f in REQUIRED if f not in mapping.values()]
    checked, seen = [], {}
    for offset, cells in enumerate(rows):
        raw = {name: cells[index] for index, name in mapping.items() if index < len(cells)}
        row = check_row(offset + 2, raw, today)
        card = row.values.get("card_number", "").upper()
        if card and card in seen:
            row.errors.append(_("The card number %(card)s already appears on line %(line)s.")
                              % {"card": row.values["card_number"], "line": seen[card]})
        elif card:
            seen[card] = row.number
        checked.append(row)
    return Plan(mapping, checked, missing)


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list = field(default_factory=list)  # (line, [reasons])

    @property
    def loaded(self):
        return self.created + self.updated + self.unchanged


def import_rows(plan, library, actor=None, consent=False):
    """Write the valid rows of ``plan`` for ``library``, one transaction each."""
    from thuvien.circulation import registration
    from thuvien.circulation.models import ReaderCategory

    summary = Summary()
    if plan.missing:
        return summary
    categories = list(ReaderCategory.objects.all())
    for row in plan.rows:
        if row.errors:
            summary.rejected.append((row.number, row.errors))
            continue
        try:
            outcome = registration.upsert_reader(actor, library, row.values, consent=consent, categories=categories)
        except registration.RegistrationError as exc:
            summary.rejected.append((row.number, [str(m) for m in exc.messages]))
            continue
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    return summary


def load(content, filename, library, actor=None, consent=False):
    """Read, check and write a file; (plan, summary). ``ImportFileError`` if unreadable."""
    headers, rows = read_rows(content, filename)
    plan = parse(headers, rows)
    return plan, import_rows(plan, library, actor=actor, consent=consent)
