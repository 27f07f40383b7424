"""``thuvien opendata build``: regenerate the open data dumps (``--enqueue``: in the worker)."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Regenerate the open data dumps of the union catalogue (MARC, MARCXML, CSV, JSON Lines)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["build"])
        parser.add_argument("--enqueue", action="store_true", help="run it in the background worker")

    def handle(self, *args, **options):
        if options["enqueue"]:
            from thuvien.interop.tasks import build_opendata_task

            build_opendata_task.enqueue()
            self.stdout.write("enqueued")
            return
        from thuvien.interop import opendata

        try:
            manifest = opendata.build()
        except OSError as error:
            raise CommandError(f"cannot write the dumps: {error}")
        for entry in manifest["files"]:
            self.stdout.write(f"{entry['file']}\t{entry['records']} records\t{entry['bytes']} bytes")
