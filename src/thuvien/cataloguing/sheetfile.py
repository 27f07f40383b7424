"""Reading the spreadsheet files school libraries keep: .xlsx, .xls, .ods and CSV.

Everything that can go wrong with an uploaded file ends here as a ``SheetError``
whose message is for the librarian; nothing is written before the file is read.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.core.vietnamese import nfc

MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024  # an .xlsx/.ods is a zip: refuse one that unpacks to more
MAX_ROWS = 20_000
MAX_COLUMNS = 60
MAX_CELL = 5000  # characters; no catalogue value is longer

# Encodings a CSV may come in: Excel's "CSV UTF-8", or the "CSV" of a Vietnamese
# (Windows-1258) or Western (Windows-1252) Windows.
ENCODINGS = {
    "auto": gettext_lazy("Detect (UTF-8, else Windows-1258)"),
    "utf-8": "UTF-8",
    "cp1258": gettext_lazy("Windows-1258 (Vietnamese Windows)"),
    "cp1252": gettext_lazy("Windows-1252 / Latin-1"),
}
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1258": "Windows-1258", "cp1252": "Windows-1252"}


class SheetError(Exception):
    """The file cannot be read as a spreadsheet; the message is for the user."""


@dataclass
class Sheet:
    headers: list
    rows: list
    encoding: str = ""  # the CSV encoding used, "" for workbooks


def not_a_sheet():
    return SheetError(_("This is not a spreadsheet: upload an .xlsx, .xls, .ods or .csv file."))


def open_sheet(content, filename, encoding="auto"):
    """A Sheet from the bytes of an uploaded file; raises SheetError."""
    if not content:
        raise SheetError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise SheetError(_("The file is too large (at most %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)})
    name = (filename or "").lower()
    used = ""  # the CSV encoding
    if content[:4] == b"PK\x03\x04":
        names = _check_zip(content)
        rows = _read_calamine(content) if "content.xml" in names else _read_xlsx(content)  # .ods or .xlsx
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the old Excel (.xls) container
        rows = _read_calamine(content)
    elif name.endswith((".csv", ".txt", ".tsv")):
        text, used = decode(content, encoding)
        rows = _read_csv(text)
    else:
        raise not_a_sheet()
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        raise SheetError(_("The spreadsheet has no rows."))
    if len(rows) == 1:
        raise SheetError(_("The spreadsheet has a header row but no books under it."))
    if len(rows) - 1 > MAX_ROWS:
        raise SheetError(_("The spreadsheet has too many rows (at most %(n)s); split it in parts.") % {"n": MAX_ROWS})
    width = max(len(r) for r in rows)
    if width > MAX_COLUMNS:
        raise SheetError(_("The spreadsheet has too many columns (at most %(n)s).") % {"n": MAX_COLUMNS})
    if any(len(c) > MAX_CELL for r in rows for c in r):
        raise SheetError(_("A cell holds more than %(n)s characters: this does not look like a list of books.")
                         % {"n": MAX_CELL})
    headers = rows[0] + [""] * (width - len(rows[0]))
    return Sheet(headers, [r + [""] * (width - len(r)) for r in rows[1:]], used)


def decode(content, encoding="auto"):
    """(text, encoding name) of a CSV file's bytes."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text"
        try:
            return _checked(content.decode("utf-16")), "utf-16"
        except UnicodeDecodeError as exc:
            raise not_a_sheet() from exc
    if encoding not in ENCODINGS:
        encoding = "auto"
    if encoding in ("auto", "utf-8"):
        try:
            return _checked(content.decode("utf-8-sig")), "utf-8"
        except UnicodeDecodeError as exc:
            if encoding == "utf-8":
                raise SheetError(_("The CSV file is not in UTF-8: choose its encoding, or save it as "
                                   "“CSV UTF-8” and try again.")) from exc
            encoding = "cp1258"  # the "CSV" a Vietnamese Windows Excel saves
    try:
        return _checked(content.decode(encoding)), encoding
    except UnicodeDecodeError as exc:
        raise SheetError(_("The CSV file is not in %(encoding)s: choose another encoding, or save it as "
                           "“CSV UTF-8” and try again.") % {"encoding": ENCODING_NAMES[encoding]}) from exc


def _checked(text):
    if "\x00" in text or sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t") > 8:
        raise not_a_sheet()  # binary data under a .csv name
    return nfc(text)


def _read_csv(text):
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_BYTES)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            rows.append(_row(row))
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise SheetError(_("The CSV file cannot be read (line %(line)s): %(reason)s")
                         % {"line": len(rows) + 1, "reason": exc}) from exc
    return rows


def _check_zip(content):
    """The names inside a workbook's zip, once it is known not to unpack into a flood."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise not_a_sheet() from exc
    if sum(info.file_size for info in infos) > MAX_UNPACKED:
        raise SheetError(_("The file is too large once unpacked (at most %(mb)s MB).")
                         % {"mb": MAX_UNPACKED // (1024 * 1024)})
    return {info.filename for info in infos}


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return str(value.year)  # a year typed into a date-formatted cell
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def _row(values):
    row = [_cell(v) for v in values]
    while row and not row[-1]:  # formatted but empty cells at the right
        row.pop()
    return row


def _read_xlsx(content):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # any file openpyxl cannot open is, for the user, not a spreadsheet
        raise not_a_sheet() from exc
    try:
        if not book.worksheets:
            raise not_a_sheet()
        rows = []
        for values in book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            rows.append(_row(values))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except SheetError:
        raise
    except Exception as exc:  # a damaged part inside a real workbook
        raise not_a_sheet() from exc
    finally:
        book.close()


def _read_calamine(content):
    """.xls (Excel 97–2003) and .ods (LibreOffice) through calamine."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = book.get_sheet_by_index(0)
        data = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS + 2)
    except python_calamine.PasswordError as exc:
        raise SheetError(_("The spreadsheet is protected by a password: save it without one.")) from exc
    except BaseException as exc:  # calamine reports a damaged file as a Rust panic (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise not_a_sheet() from exc
    return [_row(values[:MAX_COLUMNS + 1]) for values in data]
