"""OCR runs as a background task (django-tasks), queued when an ingest commits."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_ingest_queues_ocr_and_the_worker_runs_it(samples, make_record, network):
    from django_tasks_db.models import DBTaskResult

    from thuvien.digital.ingest import ingest
    from thuvien.digital.models import DigitalFile
    from thuvien.search.service import SearchRequest, search

    record = make_record("Du lịch Ninh Bình")
    ingest([samples / "pages" / "trang-3.jpg"], record, library=network["NB-TVT"])
    assert DigitalFile.objects.get().ocr_status == "pending"
    assert DBTaskResult.objects.filter(task_path__endswith="ocr_object_task").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    page = DigitalFile.objects.get()
    assert page.ocr_status == "done" and "Tràng An" in page.text
    assert record.pk in search(SearchRequest(q="trang an tam coc")).ids
