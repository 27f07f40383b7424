"""``thuvien catalog import-sheet FILE --library CODE [--mapping col=field ...] [--dry-run]``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuvien.cataloguing import sheet
from thuvien.network.models import Library


class Command(BaseCommand):
    help = "Cataloguing tasks: import-sheet loads an .xlsx or .csv list of books into the union catalogue."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import-sheet", help="import an .xlsx or .csv list of books")
        imp.add_argument("file")
        imp.add_argument("--library", required=True, help="code of the library that holds the copies")
        imp.add_argument("--mapping", nargs="*", default=[], metavar="COLUMN=FIELD",
                         help=f"map a header (or 0-based column number) to one of: {', '.join(sheet.COLUMNS)}")
        imp.add_argument("--dry-run", action="store_true", help="show what would happen, write nothing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        library = Library.objects.filter(code=options["library"]).first()
        if library is None:
            raise CommandError(f"No library with code {options['library']}")
        try:
            headers, rows = sheet.read_sheet(path.read_bytes(), path.name)
            chosen = sheet.parse_mapping(options["mapping"], headers)
            # A column named on the command line replaces the guess for that field.
            mapping = {i: c for i, c in sheet.guess_mapping(headers).items() if c not in chosen.values()}
            mapping.update(chosen)
        except sheet.SheetError as exc:
            raise CommandError(str(exc)) from exc
        if "title" not in mapping.values():
            raise CommandError("No column is mapped to title; use --mapping HEADER=title")
        for index, column in sorted(mapping.items()):
            self.stdout.write(f"  {headers[index] or index!s:<30} -> {column}")
        planned = sheet.plan(headers, rows, mapping, library)
        summary = sheet.import_rows(planned, library, dry_run=options["dry_run"])
        for number, message in summary.errors:
            self.stderr.write(f"row {number}: {message}")
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{summary.created} created, {summary.attached} attached, {summary.unchanged} unchanged, "
            f"{summary.skipped} skipped, {summary.items} items added"
        )
