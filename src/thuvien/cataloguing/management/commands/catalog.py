"""``thuvien catalog import-sheet FILE --library CODE [--mapping col=field ...] [--dry-run]``."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from thuvien.accounts import permissions
from thuvien.cataloguing import sheet, sheetfile
from thuvien.network.models import Library


class Command(BaseCommand):
    help = "Cataloguing tasks: import-sheet loads an .xlsx, .xls, .ods or .csv list of books into the union catalogue."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import-sheet", help="import an .xlsx, .xls, .ods or .csv list of books")
        imp.add_argument("file")
        imp.add_argument("--library", required=True, help="code of the library that holds the copies")
        imp.add_argument("--mapping", nargs="*", default=[], metavar="COLUMN=FIELD",
                         help=f"map a header (or 0-based column number) to one of: {', '.join(sheet.COLUMNS)}")
        imp.add_argument("--encoding", choices=list(sheetfile.ENCODINGS), default="auto",
                         help="encoding of a CSV file (default: UTF-8, else Windows-1258)")
        imp.add_argument("--user", help="import as this staff member, within their rights (default: the system)")
        imp.add_argument("--dry-run", action="store_true", help="show what would happen, write nothing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        library = Library.objects.filter(code=options["library"]).first()
        if library is None or library.library_type == "network":
            raise CommandError(f"No library with code {options['library']} (copies belong to a library, not the network)")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['user']}")
            if not permissions.can(actor, permissions.CATALOGUE, library):
                raise CommandError(f"{actor.username} may not catalogue copies of {library.code}")
        try:
            found = sheet.open_sheet(path.read_bytes(), path.name, options["encoding"])
            headers, rows = found.headers, found.rows
            chosen = sheet.parse_mapping(options["mapping"], headers)
            # A column named on the command line replaces the guess for that field.
            mapping = {i: c for i, c in sheet.guess_mapping(headers).items() if c not in chosen.values()}
            mapping.update(chosen)
        except sheet.SheetError as exc:
            raise CommandError(str(exc)) from exc
        if "title" not in mapping.values():
            raise CommandError("No column is mapped to title; use --mapping HEADER=title")
        if found.encoding and found.encoding != "utf-8":
            self.stderr.write(f"read as {sheetfile.ENCODING_NAMES[found.encoding]}; use --encoding if letters look wrong")
        for index, column in sorted(mapping.items()):
            self.stdout.write(f"  {headers[index] or index!s:<30} -> {column}")
        planned = sheet.plan(headers, rows, mapping, library)
        summary = sheet.import_rows(planned, library, actor=actor, dry_run=options["dry_run"])
        for number, message in summary.errors:
            self.stderr.write(f"row {number}: {message}")
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{summary.created} created, {summary.attached} attached, {summary.unchanged} unchanged, "
            f"{summary.skipped} skipped, {summary.items} items added"
        )
