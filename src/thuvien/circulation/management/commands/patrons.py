"""``thuvien patrons import FILE.csv|.xlsx --library CODE [--consent] [--dry-run]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuvien.circulation import patron_import
from thuvien.network.models import Library


class Command(BaseCommand):
    help = "Readers: import loads a .csv or .xlsx list of readers (e.g. a school's pupils) into a library."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="load a .csv or .xlsx list of readers; loading it again updates them")
        imp.add_argument("file")
        imp.add_argument("--library", required=True, help="code of the readers' home library")
        imp.add_argument("--consent", action="store_true",
                         help="the readers (or pupils' parents) agreed to the processing of their personal data; "
                              "today is recorded as the date of consent")
        imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        library = Library.objects.filter(code=options["library"]).exclude(library_type="network").first()
        if library is None:
            raise CommandError(f"No library with code {options['library']}")
        try:
            headers, rows = patron_import.read_rows(path.read_bytes(), path.name)
        except patron_import.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        plan = patron_import.parse(headers, rows)
        for index, name in sorted(plan.mapping.items()):
            self.stdout.write(f"  {headers[index]!s:<30} -> {name}")
        if plan.missing:
            raise CommandError("No column found for: " + ", ".join(plan.missing)
                               + " (headers: số thẻ/card_number, họ tên/name, loại bạn đọc/category, "
                                 "ngày sinh/birth_date, email, điện thoại/phone)")
        if options["dry_run"]:
            bad = [r for r in plan.rows if r.errors]
            for row in bad:
                self.stderr.write(f"line {row.number}: {' '.join(str(e) for e in row.errors)}")
            self.stdout.write(f"dry run: {len(plan.rows) - len(bad)} rows can be loaded, {len(bad)} rejected")
            return
        summary = patron_import.import_rows(plan, library, actor=None, consent=options["consent"])
        for line, reasons in summary.rejected:
            self.stderr.write(f"line {line}: {' '.join(str(r) for r in reasons)}")
        self.stdout.write(f"{summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
                          f"{len(summary.rejected)} rejected")
