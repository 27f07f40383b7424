"""The CLI: periodic notices, the background worker, demo readers."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from thuvien.circulation import services
from thuvien.circulation.models import Hold, HoldStatus, Loan

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # the worker closes its connections between polls
def test_notices_command_and_worker(circ, book, capsys):
    from django_tasks_db.models import DBTaskResult

    from thuvien.search.models import PendingIndexUpdate

    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    Loan.objects.update(due_at=timezone.now() - dt.timedelta(days=2))
    hold = services.place_hold(None, "YM0001", book.pk, circ.ym)
    services.checkin(circ.ym_desk, "T000002", circ.ym)  # Yên Mô's copy: ready for Hà at once
    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY
    call_command("circulation", "notices")
    out = capsys.readouterr().out
    assert "1 quá hạn" in out
    call_command("circulation", "notices")
    assert "0 quá hạn" in capsys.readouterr().out  # queued once
    assert PendingIndexUpdate.objects.exists()  # the checkout changed availability
    assert mail.outbox == []
    call_command("worker", "--batch", "--notices-every", "0", verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == ["ha@example.org", "lan@example.org"]
    ready = next(m for m in mail.outbox if m.to == ["ha@example.org"])
    assert "Dế Mèn phiêu lưu ký" in ready.body and "Yên Mô" in ready.body
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
    assert not PendingIndexUpdate.objects.exists()  # the index queue was drained too


def test_notices_expire_uncollected_holds(circ, book):
    hold = services.place_hold(None, "KS0002", book.pk, circ.ks)
    services.checkin(circ.desk, "T000001", circ.ks)
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    call_command("circulation", "notices")
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED


def test_token_command_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("circulation", "token", "nobody")


def test_demo_readers(network, capsys):
    from thuvien.circulation.demo import load_circulation_demo
    from thuvien.demo.data import DEMO_PASSWORD

    readers = load_circulation_demo(network["NB"], per_library=1)
    assert ("KS0001", DEMO_PASSWORD, readers[[r[0] for r in readers].index("KS0001")][2], "NB-KS") in readers
    assert services.authenticate_reader("KS0001", DEMO_PASSWORD) is not None
    assert load_circulation_demo(network["NB"], per_library=1) == readers  # idempotent


@pytest.mark.django_db(transaction=True)
def test_the_worker_alone_sends_every_notice_once(circ, book, make_record):
    """``thuvien worker`` runs the notices job itself (every --notices-every seconds) and
    sends what it queued through the django-tasks database backend: no cron needed."""
    from django_tasks_db.models import DBTaskResult

    services.checkout(circ.desk, "KS0001", "T000001", circ.ks)
    services.checkout(circ.ym_desk, "KS0002", "T000002", circ.ym)
    Loan.objects.filter(item__barcode="T000001").update(due_at=timezone.now() - dt.timedelta(days=3))
    Loan.objects.filter(item__barcode="T000002").update(due_at=timezone.now() + dt.timedelta(days=1))
    record = make_record("Tắt đèn", copies=[circ.ym])
    hold = services.place_hold(None, "YM0001", record.pk, circ.ym)
    services.checkin(circ.ym_desk, "T000003", circ.ym)  # pulled from the shelf: ready for Hà
    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY and mail.outbox == []
    call_command("worker", "--batch", verbosity=0)
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert sent == [("ha@example.org", "Sách bạn đặt mượn đã sẵn sàng"),
                    ("lan@example.org", "Sách bạn mượn đã quá hạn trả"),
                    ("minh@example.org", "Sách bạn mượn sắp đến hạn trả")], sent
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 3
    # Nothing goes twice; a loan returned before the next run gets no notice at all.
    Loan.objects.filter(item__barcode="T000001").update(overdue_notice_at=None)
    services.checkin(circ.desk, "T000001", circ.ks)
    call_command("worker", "--batch", verbosity=0)
    assert len(mail.outbox) == 3
