"""``thuvien harvest``: harvest OAI-PMH repositories into the union catalogue.

    thuvien harvest NAME                 harvest one source now
    thuvien harvest --all-due            harvest now every source whose interval has passed
    thuvien harvest --enqueue-due        enqueue those harvests for the background worker
    thuvien harvest add NAME URL [--prefix marc21] [--set S] [--every HOURS]
    thuvien harvest list
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from thuvien.interop.harvest import service
from thuvien.interop.harvest.models import HarvestSource, MetadataPrefix, RunState


class Command(BaseCommand):
    help = "Harvest OAI-PMH repositories into the union catalogue (see `thuvien harvest add`)."

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*", metavar="NAME | add NAME URL | list")
        parser.add_argument("--all-due", action="store_true", help="harvest every due source now")
        parser.add_argument("--enqueue-due", action="store_true", help="enqueue due harvests for the worker")
        parser.add_argument("--prefix", default="oai_dc", choices=MetadataPrefix.values)
        parser.add_argument("--set", dest="set_spec", default="")
        parser.add_argument("--every", type=int, default=24, help="hours between scheduled runs (0: by hand)")

    def handle(self, *args, **options):
        if options["enqueue_due"]:
            from thuvien.interop.tasks import enqueue_due_harvests

            names = enqueue_due_harvests()
            self.stdout.write(f"enqueued: {', '.join(names) or '-'}")
            return
        if options["all_due"]:
            failed = False
            for source in service.due_sources():
                failed |= not self._run(source)
            if failed:
                raise CommandError("some harvests did not complete")
            return
        if not args:
            raise CommandError("give a source NAME, `add NAME URL`, `list`, or --all-due")
        if args[0] == "add":
            if len(args) != 3:
                raise CommandError("usage: thuvien harvest add NAME URL [--prefix marc21] [--set S]")
            try:
                source = service.add_source(args[1], args[2], options["prefix"], options["set_spec"],
                                            options["every"])
            except ValidationError as error:
                raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()))
            self.stdout.write(f"added {source.name} ({source.base_url}, {source.metadata_prefix})")
            return
        if args[0] == "list":
            for source in HarvestSource.objects.all():
                self.stdout.write(f"{source.name}\t{source.base_url}\t{source.metadata_prefix}\t"
                                  f"{source.set_spec or '-'}\t{source.last_state or '-'}\t"
                                  f"{source.high_water_mark or '-'}")
            return
        failed = False
        for name in args:
            source = HarvestSource.objects.filter(name=name).first()
            if source is None:
                raise CommandError(f"no harvest source named {name!r} (see `thuvien harvest list`)")
            failed |= not self._run(source)
        if failed:
            raise CommandError("the harvest did not complete")

    def _run(self, source):
        try:
            run = service.run_harvest(source)
        except service.AlreadyRunning:
            self.stderr.write(f"{source.name}: already running")
            return False
        self.stdout.write(f"{source.name}: {run.state}: {source.last_message}")
        if run.state != RunState.OK:
            self.stderr.write(run.message)
        return run.state == RunState.OK
