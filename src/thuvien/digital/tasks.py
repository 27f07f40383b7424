"""Background tasks (django-tasks; run by `thuvien db_worker`)."""

from django_tasks import task


@task()
def ocr_object_task(object_id: int):
    from thuvien.digital.ocr import ocr_object

    return ocr_object(object_id)
