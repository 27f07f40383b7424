"""Background tasks of the interop app (django-tasks; run by `thuvien db_worker`).

A scheduler (cron or a systemd timer) runs ``thuvien harvest --enqueue-due`` and
``thuvien opendata build --enqueue`` as often as wanted; the work itself runs in the worker.
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
    for source in due_sources():
        harvest_source_task.enqueue(source.pk)
        names.append(source.name)
    return names


@task()
def build_opendata_task():
    from thuvien.interop.opendata import build

    return [entry["file"] for entry in build()["files"]]
