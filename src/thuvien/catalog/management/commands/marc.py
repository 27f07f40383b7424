"""``thuvien marc import FILE --library CODE`` and ``thuvien marc export``.

import: ISO 2709 (UTF-8 or MARC-8) or MARCXML, detected from the file; records that
match the union catalogue get the library's items instead of a duplicate; malformed
records go to a rejects file (``FILE.rejects.mrc``, or ``.xml`` for MARCXML) with a
report beside it (``….txt``: number, byte offset or line, reason).

export: ``--format iso2709|marcxml|oai_dc``, the whole catalogue or ``--library CODE``'s
holdings, ``--since DATE`` for records changed since then; restricted records only
with ``--include-restricted``, withdrawn ones never.
"""

import datetime
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from thuvien.catalog import export
from thuvien.catalog.marcimport import importer
from thuvien.catalog.models import BibRecord, Visibility
from thuvien.network.models import Library


class Command(BaseCommand):
    help = "MARC21 import (ISO 2709 UTF-8/MARC-8, MARCXML) and export (ISO 2709, MARCXML, oai_dc)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a MARC file (ISO 2709 or MARCXML)")
        imp.add_argument("file")
        imp.add_argument("--library", required=True, help="code of the library whose holdings these are")
        imp.add_argument("--rejects", help="where to write malformed records (default FILE.rejects.mrc)")
        imp.add_argument("--batch", type=int, default=importer.BATCH, help="records per transaction")
        imp.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        imp.add_argument("--workers", type=int, choices=range(0, 9), metavar="0-8",
                         help="processes that decode ISO 2709 records (default: one per CPU, up to 4, for files "
                              "over 8 MB; 0: decode in this process)")
        exp = sub.add_parser("export", help="export records")
        exp.add_argument("--format", choices=export.FORMATS, default="iso2709")
        exp.add_argument("--library", help="only records with items of this library (and only those items)")
        exp.add_argument("--since", help="only records changed since this date (YYYY-MM-DD or ISO date-time)")
        exp.add_argument("--output", "-o", help="file to write (default: standard output)")
        exp.add_argument("--include-restricted", action="store_true", help="also restricted (staff-only) records")
        exp.add_argument("--no-holdings", action="store_true", help="leave out the 852 fields made from items")

    def handle(self, *args, **options):
        if options["action"] == "import":
            return self.do_import(options)
        return self.do_export(options)

    def _library(self, code):
        library = Library.objects.filter(code=code).first()
        if library is None:
            raise CommandError(_("No library with code %(code)s.") % {"code": code})
        return library

    def do_import(self, options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        if path.stat().st_size == 0:
            raise CommandError(_("The file is empty: %(path)s") % {"path": path})
        library = self._library(options["library"])
        if options["batch"] < 1:
            raise CommandError(_("--batch must be at least 1."))

        def on_reject(reject):
            self.stderr.write(_("rejected record %(number)s (offset %(offset)s): %(reason)s") % {
                "number": reject.number, "offset": reject.offset, "reason": reject.reason})

        progress = None if options["no_progress"] else importer.Progress(path.stat().st_size, self.stderr._out)
        summary = importer.import_file(str(path), library, rejects_path=options["rejects"],
                                       batch_size=options["batch"], progress=progress, on_reject=on_reject,
                                       workers=options["workers"])
        rate = summary.read / summary.seconds if summary.seconds else 0
        self.stdout.write(_(
            "%(read)s records read (%(format)s) in %(seconds).1f s, %(rate).0f records/s: %(created)s created, "
            "%(merged)s merged, %(unchanged)s unchanged, %(rejected)s rejected; %(items)s items added"
        ) % {**summary.as_dict(), "format": summary.format, "seconds": summary.seconds, "rate": rate})
        if summary.rejected:
            self.stdout.write(_("Rejected records: %(path)s (report: %(report)s)") % {
                "path": summary.rejects_path, "report": summary.report_path})

    def do_export(self, options):
        records = BibRecord.objects.filter(is_deleted=False)
        library = None
        if options["library"]:
            library = self._library(options["library"])
            records = records.filter(items__library=library).distinct()
        if not options["include_restricted"]:
            records = records.filter(visibility=Visibility.PUBLIC)
        if options["since"]:
            records = records.filter(updated_at__gte=_since(options["since"]))
        records = records.order_by("pk")
        if options["output"]:
            with open(options["output"], "wb") as stream:
                count = self._write(records, options, stream, library)
        else:
            count = self._write(records, options, sys.stdout.buffer, library)
        self.stderr.write(_("%(count)s records exported.") % {"count": count})

    def _write(self, records, options, stream, library):
        def skipped(record, reason):
            self.stderr.write(_("record %(id)s skipped: %(reason)s") % {"id": getattr(record, "pk", "?"), "reason": reason})

        return export.write_records(records.iterator(chunk_size=500), options["format"], stream, library=library,
                                    holdings=not options["no_holdings"], on_error=skipped)


def _since(text):
    try:
        moment = parse_datetime(text)
        day = None if moment else parse_date(text)
    except ValueError:
        moment = day = None
    if moment is None:
        if day is None:
            raise CommandError(_("--since takes a date (YYYY-MM-DD) or a date-time, not “%(text)s”.") % {"text": text})
        moment = datetime.datetime.combine(day, datetime.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
