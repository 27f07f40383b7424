"""Background tasks of the interop app (django-tasks; run by `thuvien worker`).

``schedule()`` is the scheduler entry point: `thuvien worker` calls it every few minutes,
and a cron job may run ``thuvien harvest --enqueue-due`` / ``thuvien opendata build
--enqueue`` instead. It only queues; the work itself runs in the worker.
"""

from django_tasks import task


def _run(source_id, **options):
    from thuvien.interop.harvest.models import HarvestSource
    from thuvien.interop.harvest.service import AlreadyRunning, run_harvest

    source = HarvestSource.objects.filter(pk=source_id).first()
    if source is None:
        return None
    try:
        run = run_harvest(source, **options)
    except AlreadyRunning:
        return "already running"
    return run.state


@task()
def harvest_source_task(source_id: int):
    return _run(source_id)


@task()
def reconcile_source_task(source_id: int):
    """Withdraw what the repository no longer lists (a full ListIdentifiers)."""
    return _run(source_id, reconcile=True)


@task()
def enqueue_due_harvests_task():
    return enqueue_due_harvests()


def enqueue_due_harvests():
    """Enqueue a harvest of every source whose interval has passed, and a reconciliation of
    every source whose reconcile interval has; returns their names (reconciliations as
    ``NAME (reconcile)``)."""
    from thuvien.interop.harvest.service import due_reconciliations, due_sources

    names = []
    for task_obj, sources, label in ((harvest_source_task, due_sources(), "{}"),
                                     (reconcile_source_task, due_reconciliations(), "{} (reconcile)")):
        waiting = _waiting_sources(task_obj)
        for source in sources:
            if source.pk in waiting:
                continue  # a scheduler tick before the worker got to it: don't queue it twice
            task_obj.enqueue(source.pk)
            names.append(label.format(source.name))
    return names


def _waiting_sources(task_obj):
    """Source ids that ``task_obj`` is queued or running for in the database task backend."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another backend
        return set()
    rows = DBTaskResult.objects.filter(task_path=task_obj.module_path,
                                       status__in=["READY", "RUNNING"]).values_list("args_kwargs", flat=True)
    return {(row.get("args") or [None])[0] for row in rows}


@task()
def build_opendata_task():
    from thuvien.interop.opendata import build

    return [entry["file"] for entry in build()["files"]]


def _waiting(task_obj):
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another backend
        return False
    return DBTaskResult.objects.filter(task_path=task_obj.module_path, status__in=["READY", "RUNNING"]).exists()


def schedule(now=None):
    """Queue the harvests that are due, and an open data build when the dumps are older than
    ``OPENDATA_BUILD_EVERY_HOURS`` (default 24; 0: never). Returns what was queued."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from thuvien.interop import opendata

    queued = [f"harvest:{name}" for name in enqueue_due_harvests()]
    every = getattr(settings, "OPENDATA_BUILD_EVERY_HOURS", 24)
    if every:
        current = opendata.manifest()
        built = parse_datetime(current["generated_at"]) if current else None
        if (built is None or built + timedelta(hours=every) <= (now or timezone.now())) \
                and not _waiting(build_opendata_task):
            build_opendata_task.enqueue()
            queued.append("opendata")
    return queued
