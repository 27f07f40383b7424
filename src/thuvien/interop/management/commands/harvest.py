"""``thuvien harvest``: harvest OAI-PMH repositories into the union catalogue.

    thuvien harvest NAME                 harvest one source now (what changed since the last time)
    thuvien harvest NAME --from D [--until D]   harvest a date range again (the mark stays)
    thuvien harvest NAME --record ID     harvest one record again (GetRecord)
    thuvien harvest NAME --reconcile     withdraw what the repository no longer lists
    thuvien harvest --all-due            harvest now every source whose interval has passed
    thuvien harvest --enqueue-due        enqueue those harvests (and due reconciliations) for the worker
    thuvien harvest add NAME URL [--prefix marc21] [--set S] [--every HOURS] [--reconcile-every DAYS]
    thuvien harvest check NAME           ask the repository what it offers (Identify, formats, sets)
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
        parser.add_argument("--reconcile-every", type=int, default=0,
                            help="days between scheduled reconciliations of deletions (0: by hand)")
        parser.add_argument("--from", dest="from_", help="harvest from this date (YYYY-MM-DD[Thh:mm:ssZ])")
        parser.add_argument("--until", help="harvest until this date")
        parser.add_argument("--record", help="harvest this one OAI identifier")
        parser.add_argument("--reconcile", action="store_true", help="withdraw what the repository no longer lists")

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
                                            options["every"], reconcile_days=options["reconcile_every"])
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
        if args[0] == "check":
            if len(args) != 2:
                raise CommandError("usage: thuvien harvest check NAME")
            self._check(self._source(args[1]))
            return
        sources = [self._source(name) for name in args]
        run_options = {}
        if options["from_"] or options["until"]:
            run_options["window"] = (options["from_"], options["until"])
        if options["record"]:
            run_options["identifier"] = options["record"]
        if options["reconcile"]:
            run_options["reconcile"] = True
        if len(run_options) > 1:
            raise CommandError("give only one of --from/--until, --record and --reconcile")
        failed = False
        for source in sources:
            failed |= not self._run(source, **run_options)
        if failed:
            raise CommandError("the harvest did not complete")

    @staticmethod
    def _source(name):
        source = HarvestSource.objects.filter(name=name).first()
        if source is None:
            raise CommandError(f"no harvest source named {name!r} (see `thuvien harvest list`)")
        return source

    def _check(self, source):
        report = service.check_source(source)
        about = report.get("identify") or {}
        if about:
            self.stdout.write(f"{about['name'] or '?'}: granularity {about['granularity'] or '?'}, "
                              f"deleted records {about['deleted_record'] or '?'}")
        formats = report.get("formats") or []
        if formats:
            self.stdout.write("formats: " + " ".join(f["prefix"] + ("*" if f["readable"] else "") for f in formats)
                              + "   (* readable here)")
        if "sets" in report:
            more = "" if report["sets_complete"] else " (more not read)"
            self.stdout.write(f"sets: {report['set_count']}{more}: "
                              + " ".join(spec for spec, _name in report["sets"][:30]))
        for problem in report["problems"]:
            self.stderr.write(problem)
        if report["problems"]:
            raise CommandError(f"{source.name}: the repository has problems (see above)")

    def _run(self, source, **run_options):
        try:
            run = service.run_harvest(source, **run_options)
        except service.AlreadyRunning:
            self.stderr.write(f"{source.name}: already running")
            return False
        self.stdout.write(f"{source.name}: {run.state}: {source.last_message}")
        if run.state != RunState.OK:
            self.stderr.write(run.message)
        return run.state == RunState.OK
