"""``thuvien worker``: the one background process.

It runs django-tasks' database worker (``django_tasks_db``'s ``db_worker``: emails,
OCR, …) and, between polls, drains the search index queue and (every
``--notices-every`` seconds) runs the circulation notices job, so no other server,
process or cron entry is needed. ``--batch`` runs what is pending once and exits.
"""

import logging
import time

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

log = logging.getLogger("thuvien.worker")


def drain_index():
    """Apply pending search index updates; returns how many records were indexed."""
    from thuvien.search.queue import drain

    try:
        return drain()
    except Exception:  # rows stay queued for the next round
        log.exception("search index drain failed")
        return 0
    finally:
        close_old_connections()


def interop_schedule():
    """Queue due OAI-PMH harvests and the daily open data build (``interop.tasks.schedule``)."""
    from thuvien.interop.tasks import schedule

    try:
        return schedule()
    except Exception:
        log.exception("interop schedule failed")
    finally:
        close_old_connections()


def circulation_notices():
    from thuvien.circulation.tasks import queue_notices

    try:
        return queue_notices()
    except Exception:
        log.exception("circulation notices failed")
    finally:
        close_old_connections()


class Command(DbWorkerCommand):
    help = "Run background work: queued tasks (django-tasks database backend), search indexing, notices."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--notices-every", type=float, default=3600,
                            help="seconds between runs of the circulation notices job (0: never; default 3600)")

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, **options):
        self.configure_logging(verbosity)
        if verbosity <= 1:
            # Every poll is one batch run of db_worker, which announces its start and end.
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        # In batch mode db_worker runs every ready task and returns: that is one poll.
        worker = Worker(queue_names=queue_names, interval=0, batch=True, backend_name=backend_name,
                        startup_delay=False, max_tasks=max_tasks, worker_id=worker_id,
                        excluded_queue_names=excluded)
        worker.configure_signals()
        notices_every = options.get("notices_every") or 0
        last_notices = None
        last_schedule = None
        try:
            while worker.running:
                if not batch and (last_schedule is None or time.monotonic() - last_schedule >= 300):
                    last_schedule = time.monotonic()
                    interop_schedule()  # due harvests, daily open data build (not in --batch)
                if notices_every and (last_notices is None or time.monotonic() - last_notices >= notices_every):
                    last_notices = time.monotonic()
                    circulation_notices()
                worker.run()
                drain_index()
                if batch or (max_tasks is not None and worker._run_tasks >= max_tasks):
                    break
                time.sleep(interval)
        finally:
            worker.reset_signals()
