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


def test_check_edit_and_reconcile_from_the_staff_page(client, staff, replay, oai_data):
    """A network administrator checks the repository (its sets are listed), changes the set
    (the next run starts the list again), bad input changes nothing, and a reconciliation
    is queued for the worker."""
    from datetime import UTC, datetime

    from django_tasks_db.models import DBTaskResult

    from thuvien.interop.harvest import service

    sickle = oai_data / "sickle_sample_data"
    answers = {"Identify": "Identify.xml", "ListMetadataFormats": "ListMetadataFormats.xml", "ListSets": "ListSets.xml"}
    replay.routes(lambda params: sickle / answers[params["verb"]])
    source = service.add_source("sickle", replay.url)
    HarvestSource.objects.filter(pk=source.pk).update(high_water_mark=datetime(2026, 1, 1, tzinfo=UTC),
                                                      resume_token="ListRecords2.xml")
    client.force_login(staff["kimson_admin"])
    assert client.post(f"/staff/harvest/{source.pk}/", {"action": "check"}).status_code == 403
    assert not replay.log
    client.force_login(staff["admin"])
    page = client.post(f"/staff/harvest/{source.pk}/", {"action": "check"}, follow=True).content.decode()
    assert "A Test Repository" in page and "bookChapterFtxt" in page and "131 tập" in page
    assert "Kho dữ liệu đã trả lời" in page

    form = {"action": "edit", "base_url": replay.url, "metadata_prefix": "oai_dc", "set_spec": "bi",
            "interval_hours": "12", "reconcile_days": "7"}
    for bad in ({"base_url": "not a url"}, {"interval_hours": "mỗi ngày"}, {"reconcile_days": "-3"},
                {"metadata_prefix": "mods"}):
        response = client.post(f"/staff/harvest/{source.pk}/", {**form, **bad})
        assert response.status_code == 200 and b'class="errors"' in response.content
        source.refresh_from_db()
        assert (source.set_spec, source.interval_hours, source.resume_token) == ("", 24, "ListRecords2.xml")
    page = client.post(f"/staff/harvest/{source.pk}/", form, follow=True).content.decode()
    assert "thu thập lại toàn bộ" in page
    source.refresh_from_db()
    assert (source.set_spec, source.interval_hours, source.reconcile_days) == ("bi", 12, 7)
    assert source.high_water_mark is None and source.resume_token == ""
    client.post(f"/staff/harvest/{source.pk}/", {**form, "interval_hours": "6"})
    source.refresh_from_db()
    assert source.interval_hours == 6  # same list: nothing to start again

    client.post(f"/staff/harvest/{source.pk}/", {"action": "reconcile"})
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("reconcile_source_task") and task.args_kwargs["args"] == [source.pk]
