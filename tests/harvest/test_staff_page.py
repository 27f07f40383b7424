"""The harvester's staff page: network administrators register sources and queue runs."""

import pytest

from thuvien.interop.harvest.models import HarvestSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(network):
    """A network administrator and a library administrator (no password hashing: force_login)."""
    from django.contrib.auth import get_user_model

    from thuvien.accounts.models import Role, StaffRole

    users = {}
    for username, role, library in (("admin", Role.NETWORK_ADMIN, None),
                                    ("kimson_admin", Role.LIBRARY_ADMIN, network["NB-KS"])):
        users[username] = get_user_model().objects.create(username=username)
        StaffRole.objects.create(user=users[username], role=role, library=library)
    return users


def test_register_source_and_queue_a_run(client, staff):
    """Only network administrators; bad input changes nothing; "harvest now" queues a task."""
    from django_tasks_db.models import DBTaskResult

    assert client.get("/staff/harvest/").status_code == 302  # to the login page
    client.force_login(staff["kimson_admin"])
    assert client.get("/staff/harvest/").status_code == 403
    assert client.post("/staff/harvest/", {"name": "x", "base_url": "https://example.org/oai",
                                           "metadata_prefix": "oai_dc"}).status_code == 403
    assert not HarvestSource.objects.exists()

    client.force_login(staff["admin"])
    response = client.post("/staff/harvest/", {"name": "zenodo", "base_url": "https://zenodo.org/oai2d",
                                               "metadata_prefix": "marc21", "set_spec": "software",
                                               "interval_hours": "12"})
    assert response.status_code == 302
    source = HarvestSource.objects.get(name="zenodo")
    assert (source.metadata_prefix, source.set_spec, source.interval_hours) == ("marc21", "software", 12)
    page = client.get("/staff/harvest/").content.decode()
    assert "zenodo.org/oai2d" in page and "software" in page

    # Bad input: a clear message, nothing saved.
    response = client.post("/staff/harvest/", {"name": "zenodo", "base_url": "ftp://nowhere",
                                               "metadata_prefix": "oai_dc", "interval_hours": "-1"})
    assert response.status_code == 200
    assert b"errors" in response.content
    assert HarvestSource.objects.count() == 1

    response = client.post(f"/staff/harvest/{source.pk}/", {"action": "run"})
    assert response.status_code == 302
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("harvest_source_task") and task.args_kwargs["args"] == [source.pk]
    client.post(f"/staff/harvest/{source.pk}/", {"action": "disable"})
    source.refresh_from_db()
    assert not source.enabled
    assert client.get(f"/staff/harvest/{source.pk}/").status_code == 200


def test_due_harvests_enqueued(db):
    from django_tasks_db.models import DBTaskResult

    from thuvien.interop.harvest import service
    from thuvien.interop.tasks import enqueue_due_harvests

    service.add_source("a", "https://a.example/oai", interval_hours=24)
    service.add_source("manual", "https://b.example/oai", interval_hours=0)
    off = service.add_source("off", "https://c.example/oai")
    off.enabled = False
    off.save()
    assert enqueue_due_harvests() == ["a"]
    assert enqueue_due_harvests() == []  # already waiting for the worker
    assert DBTaskResult.objects.count() == 1


def test_schedule_queues_due_work_once(db, settings, tmp_path):
    """The worker's scheduler hook: due harvests and a stale open data build, each queued once."""
    from django_tasks_db.models import DBTaskResult

    from thuvien.interop.harvest import service
    from thuvien.interop.tasks import build_opendata_task, schedule

    settings.OPENDATA_DIR = tmp_path / "opendata"
    service.add_source("a", "https://a.example/oai", interval_hours=24)
    assert schedule() == ["harvest:a", "opendata"]
    assert schedule() == []
    assert DBTaskResult.objects.count() == 2
    DBTaskResult.objects.all().delete()
    build_opendata_task.call()  # fresh dumps: nothing to build for a day
    assert schedule() == ["harvest:a"]
