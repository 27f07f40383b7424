"""`thuvien index rebuild|drain|status`: the search index from the command line."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from thuvien.search import index, queue


class Command(BaseCommand):
    help = "Search index: rebuild it from the database, apply queued updates, show its state."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser(
            "rebuild", help="Build a new index generation from the database and switch to it atomically."
        )
        rebuild.add_argument("--chunk", type=int, default=5000, help="Records read from the database at a time.")
        rebuild.add_argument("--heap-mb", type=int, default=256, help="Memory of the index writer, in MB.")
        drain = sub.add_parser("drain", help="Apply the updates waiting in the queue.")
        drain.add_argument("--watch", action="store_true",
                           help="Keep running and apply new updates as they arrive (Ctrl-C stops).")
        drain.add_argument("--interval", type=float, default=2.0, help="Seconds between looks with --watch.")
        sub.add_parser("status", help="Documents in the index, updates waiting, the live generation.")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"])(options)

    def _rebuild(self, options):
        from thuvien.catalog.models import BibRecord

        expected = BibRecord.objects.filter(is_deleted=False).count()
        started = time.monotonic()
        last = {"shown": 0.0}

        def progress(done):
            now = time.monotonic()
            if now - last["shown"] < 1.0 and done < expected:
                return
            last["shown"] = now
            rate = done / max(now - started, 1e-6)
            self.stdout.write(_("indexed %(done)s / %(total)s records (%(rate)s records/s)")
                              % {"done": done, "total": expected, "rate": f"{rate:,.0f}"})
            self.stdout.flush()

        try:
            total = queue.rebuild(chunk=max(1, options["chunk"]), heap_size=max(16, options["heap_mb"]) * 1_000_000,
                                  progress=progress if options["verbosity"] else None)
        except queue.RebuildRunning:
            raise CommandError(_("Another rebuild of the search index is running.")) from None
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            _("Index rebuilt: %(total)s documents in %(seconds).1f s; generation %(generation)s is live.")
            % {"total": total, "seconds": elapsed, "generation": index.current_generation()}
        ))

    def _drain(self, options):
        if index.rebuilding():
            self.stdout.write(_("A rebuild is running; it applies the waiting updates when it switches over."))
            return
        done = queue.drain()
        left = queue.pending_count()
        self.stdout.write(_("Applied %(done)s updates; %(left)s waiting.") % {"done": done, "left": left})
        if left and not done and not options["watch"]:
            raise CommandError(_("The index is busy (another process is writing to it); try again later."))
        while options["watch"]:
            try:
                time.sleep(max(0.1, options["interval"]))
                done = queue.drain()
            except KeyboardInterrupt:
                return
            if done:
                self.stdout.write(_("Applied %(done)s updates; %(left)s waiting.")
                                  % {"done": done, "left": queue.pending_count()})

    def _status(self, options):
        info = index.status()
        lines = [
            (_("Documents"), info["documents"]),
            (_("Updates waiting"), queue.pending_count()),
            (_("Generation"), info["generation"] or "-"),
            (_("Segments"), info["segments"]),
            (_("Rebuild running"), _("yes") if info["rebuilding"] else _("no")),
            (_("Directory"), info["path"]),
        ]
        width = max(len(label) for label, _value in lines)
        for label, value in lines:
            self.stdout.write(f"{label.ljust(width)}  {value}")
