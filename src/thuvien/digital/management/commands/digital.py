"""`thuvien digital ingest|verify|ocr`: the digital library from the command line."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from thuvien.catalog.models import BibRecord
from thuvien.core.vietnamese import nfc
from thuvien.digital.models import AccessLevel, Collection, CollectionKind, Licence
from thuvien.network.models import Library


def _date(value):
    import argparse
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from None


class Command(BaseCommand):
    help = "Digital library: ingest files as a digital object, verify checksums, run OCR."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="Ingest a folder or files as one digital object of a record.")
        ingest.add_argument("paths", nargs="+")
        ingest.add_argument("--record", type=int, required=True)
        ingest.add_argument("--access", default=AccessLevel.OPEN, choices=AccessLevel.values)
        ingest.add_argument("--collection")
        ingest.add_argument("--library", help="Owning library code (default: the collection's).")
        ingest.add_argument("--label", default="")
        ingest.add_argument("--licence", choices=Licence.values)
        ingest.add_argument("--donor", default="", help="Who gave or deposited the document.")
        ingest.add_argument("--donated-on", type=_date, help="When it was given (YYYY-MM-DD).")
        ingest.add_argument("--provenance", default="", help="A note on where the document comes from.")
        ingest.add_argument("--wait", action="store_true", help="Return only when tiling and OCR are done.")
        verify = sub.add_parser("verify", help="Recompute checksums; exit 1 if anything changed or is missing.")
        verify.add_argument("--object", type=int, action="append")
        collection = sub.add_parser("collection", help="Create or rename a digital collection.")
        collection.add_argument("code")
        collection.add_argument("name")
        collection.add_argument("--library", required=True, help="Owning library code.")
        collection.add_argument("--kind", default="other", choices=[c.value for c in CollectionKind])
        collection.add_argument("--target", type=int, default=70, help="Target percentage digitised.")
        sub.add_parser("demo", help="Demo collections and digitised documents (after `thuvien demo`).")
        onsite = sub.add_parser("onsite", help="Show or set a library's on-site networks (IP ranges).")
        onsite.add_argument("library", help="Library code.")
        onsite.add_argument("ranges", nargs="*", help="Addresses or ranges (CIDR); none: show the current ones.")
        onsite.add_argument("--clear", action="store_true", help="Remove every range.")
        ocr = sub.add_parser("ocr", help="Run waiting OCR of an object now.")
        ocr.add_argument("object", type=int)
        ocr.add_argument("--retry-failed", action="store_true", help="Also pages whose OCR failed before.")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"])(options)

    def _ingest(self, options):
        from thuvien.digital.ingest import IngestError, default_library, ingest

        record = BibRecord.objects.filter(pk=options["record"]).first()
        if record is None:
            raise CommandError(_("No record %(id)s.") % {"id": options["record"]})
        collection = library = None
        if options["collection"]:
            collection = Collection.objects.filter(code=options["collection"]).first()
            if collection is None:
                raise CommandError(_("No collection %(code)s.") % {"code": options["collection"]})
        if options["library"]:
            library = Library.objects.filter(code=options["library"]).first()
            if library is None:
                raise CommandError(_("No library %(code)s.") % {"code": options["library"]})
        elif collection is None:
            library = default_library(record)
            if library is None:
                raise CommandError(_("Give --collection or --library: the owning library is not clear."))
            self.stdout.write(_("owning library: %(name)s") % {"name": library.name})
        try:
            result = ingest(options["paths"], record, access=options["access"], collection=collection,
                            library=library, label=options["label"], licence=options["licence"],
                            donor=nfc(options["donor"]), donated_on=options["donated_on"],
                            provenance_note=nfc(options["provenance"]), wait=options["wait"])
        except IngestError as error:
            for name, message in getattr(error, "refused", []):
                self.stderr.write(f"{name}: {message}")
            raise CommandError(str(error)) from None
        for name, message in result.refused:
            self.stderr.write(_("refused %(name)s: %(message)s") % {"name": name, "message": message})
        self.stdout.write(_("object %(id)d: %(pages)d pages, %(ocr)d for OCR%(waited)s") % {
            "id": result.object.pk, "pages": result.pages, "ocr": result.ocr_pages,
            "waited": "" if not result.ocr_pages else _(" (done)") if options["wait"] else _(" (queued)")})
        if result.refused:
            raise SystemExit(2)

    def _verify(self, options):
        from thuvien.digital.fixity import verify

        report = verify(options.get("object"))
        for object_id, path in report.changed:
            self.stdout.write(_("CHANGED object %(id)s: %(path)s") % {"id": object_id, "path": path})
        for object_id, path in report.missing:
            self.stdout.write(_("MISSING object %(id)s: %(path)s") % {"id": object_id, "path": path})
        self.stdout.write(_("%(checked)d files checked, %(changed)d changed, %(missing)d missing") % {
            "checked": report.checked, "changed": len(report.changed), "missing": len(report.missing)})
        if not report.ok:
            raise SystemExit(1)

    def _collection(self, options):
        library = Library.objects.filter(code=options["library"]).first()
        if library is None:
            raise CommandError(_("No library %(code)s.") % {"code": options["library"]})
        from django.core.exceptions import ValidationError

        from thuvien.digital.workflow import save_collection

        created = not Collection.objects.filter(code=options["code"]).exists()
        try:
            collection = save_collection(None, options["code"], options["name"], library, kind=options["kind"],
                                         target_percent=options["target"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(_("collection %(code)s %(state)s") % {
            "code": collection.code, "state": _("created") if created else _("updated")})

    def _demo(self, options):
        from thuvien.digital import demo

        try:
            made = demo.load(stdout=self.stdout)
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("%(n)d digitised documents added") % {"n": made})

    def _onsite(self, options):
        from django.core.exceptions import ValidationError

        from thuvien.digital.onsite import set_ranges

        library = Library.objects.filter(code=options["library"]).first()
        if library is None:
            raise CommandError(_("No library %(code)s.") % {"code": options["library"]})
        if options["ranges"] or options["clear"]:
            try:
                set_ranges(None, library, "\n".join(options["ranges"]))
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(library.onsite_ip_ranges or _("(no on-site networks)"))

    def _ocr(self, options):
        from thuvien.digital.ocr import ocr_object

        done = ocr_object(options["object"], retry_failed=options["retry_failed"])
        self.stdout.write(_("%(n)d pages recognised") % {"n": done})
