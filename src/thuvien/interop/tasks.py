"""Background tasks of the interop app (django-tasks; run by `thuvien worker`).

``schedule()`` is the scheduler entry point: `thuvien worker` calls it every few minutes,
and a cron job may run ``thuvien harvest --enqueue-due`` / ``thuvien opendata build
--enqueue`` instead. It only queues; the work itself runs in the worker.
"""

from django_tasks import task


@task()
def harvest_source_task(source_id: int):
    from thuvien.interop.harvest.models import HarvestSource
    from thuvien.interop.harvest.service import AlreadyRunning, run_harvest

    source = HarvestSource.objects.filter(pk=source_id).first()
    if source is None:
        return None
    try:
        run = run_harvest(source)
    except AlreadyRunning:
        return "already running"
    return run.state


@task()
def enqueue_due_harvests_task():
    return enqueue_due_harvests()


def enqueue_due_harvests():
    """Enqueue a harvest of every source whose interval has passed; returns their names."""
    from thuvien.interop.harvest.service import due_sources

    names = []
    waiting = _waiting_harvests()
    for source in due_sources():
        if source.pk in waiting:
            continue  # a scheduler tick before the worker got to it: don't queue it twice
        harvest_source_task.enqueue(source.pk)
        names.append(source.name)
    return names


def _waiting_harvests():
    """Source ids whose harvest is queued or running in the database task backend."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another backend
        return set()
    rows = DBTaskResult.objects.filter(task_path=harvest_source_task.module_path,
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
