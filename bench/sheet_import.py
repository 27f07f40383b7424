"""Spreadsheet import speed: rows/s of `thuvien catalog import-sheet` on a generated .xlsx.

    THUVIEN_DATA_DIR=/tmp/bench-sheet python bench/sheet_import.py [ROWS]

Creates a fresh database in THUVIEN_DATA_DIR (SQLite unless DATABASE_URL is set),
writes a sheet of ROWS Vietnamese books (default 5000, 2 copies each), imports it,
imports it again (nothing changes), and prints the figures.
"""

import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
os.environ.setdefault("THUVIEN_INDEX_MODE", "sync")
os.environ.setdefault("THUVIEN_DATA_DIR", tempfile.mkdtemp(prefix="bench-sheet-"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def make_sheet(rows, path):
    import openpyxl

    from thuvien.catalog.generate import generate_records
    from thuvien.catalog.marc import derive

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Nhan đề", "Tác giả", "Nhà xuất bản", "Năm xuất bản", "ISBN", "Số phân loại/DDC",
                  "Chủ đề", "Mã vạch/Số ĐKCB", "Số bản"])
    for n, data in enumerate(generate_records(rows, seed=7), start=1):
        d = derive(data)
        sheet.append([d["title"], "; ".join(d["authors"]), d["publisher"], d["year"], d["isbns"][0],
                      d["ddc"], "; ".join(d["subjects"]), f"B{n * 2:07d}", 2])
    book.save(path)


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    call_command("migrate", verbosity=0)
    from thuvien.demo.loader import load_network

    load_network()
    path = Path(os.environ["THUVIEN_DATA_DIR"]) / "bench.xlsx"
    make_sheet(rows, path)
    out = io.StringIO()
    started = time.perf_counter()
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS", stdout=out, stderr=io.StringIO())
    first = time.perf_counter() - started
    started = time.perf_counter()
    call_command("catalog", "import-sheet", str(path), "--library", "NB-KS", stdout=out, stderr=io.StringIO())
    again = time.perf_counter() - started
    lines = [l for l in out.getvalue().splitlines() if "created" in l]
    print(f"database: {django.db.connection.vendor}; rows: {rows}")
    print(f"first import: {first:.1f} s, {rows / first:.0f} rows/s ({lines[0]})")
    print(f"re-import:    {again:.1f} s, {rows / again:.0f} rows/s ({lines[1]})")


if __name__ == "__main__":
    main()
