"""Patron bulk load benchmark: a school's list of pupils, loaded and loaded again.

    python bench/patron_import.py [--rows 2000] [--format csv|xlsx]

Makes a list of ``--rows`` pupils (Vietnamese headers, d/m/Y birth dates, 1% of rows
broken on purpose), then runs ``thuvien patrons import`` on a fresh SQLite database
three times: the first load (every reader created), the same file again (every reader
unchanged) and a file where every phone number changed (every reader updated). Prints
rows per second (wall clock, and per second of this process's CPU, which does not depend
on how loaded the machine is) for each, and checks that no duplicate appeared.
"""

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Đinh"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thu", "Quang", "Ngọc", "Hồng"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phương", "Sơn", "Trang", "Yến"]


def make_rows(n, phone_prefix="09"):
    rng = random.Random(2026)
    rows = [["số thẻ", "họ tên", "loại bạn đọc", "ngày sinh", "email", "điện thoại"]]
    for i in range(n):
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        birth = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2008, 2019)}"
        if i % 100 == 99:
            birth = "31/02/2015"  # rejected on purpose
        rows.append([f"HS{i:06d}", name, "Học sinh", birth, f"hs{i}@example.org", f"{phone_prefix}{i:08d}"])
    return rows


def write(rows, path, fmt):
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-patrons-"))
    os.environ["THUVIEN_DATA_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "thuvien.settings"
    os.environ["THUVIEN_INDEX_MODE"] = "off"
    import django

    django.setup()
    from django.core.management import call_command

    from thuvien.circulation.demo import load_categories_and_rules
    from thuvien.circulation.models import Reader
    from thuvien.demo.loader import load_network

    call_command("migrate", verbosity=0)
    load_network()
    load_categories_and_rules()
    path = tmp / f"hoc-sinh.{args.format}"
    print(f"patron import, {args.rows} rows, {args.format}, SQLite")
    for label, rows in (("first load", make_rows(args.rows)), ("same file again", make_rows(args.rows)),
                        ("every phone changed", make_rows(args.rows, "08"))):
        write(rows, path, args.format)
        out = io.StringIO()
        started, cpu = time.perf_counter(), time.process_time()
        call_command("patrons", "import", str(path), "--library", "NB-TH-KS", "--consent", stdout=out,
                     stderr=io.StringIO())
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        summary = out.getvalue().strip().splitlines()[-1]
        print(f"  {label:<20} {elapsed:6.2f} s {args.rows / elapsed:6.0f} rows/s  "
              f"(CPU {1000 * cpu / args.rows:.2f} ms/row, {args.rows / cpu:.0f} rows/CPU-s)  {summary}")
    readers = Reader.objects.filter(card_number__startswith="HS").count()
    print(f"  readers: {readers} (expected {args.rows - args.rows // 100}), duplicates: "
          f"{readers - Reader.objects.values('card_number').distinct().count()}")


if __name__ == "__main__":
    main()
