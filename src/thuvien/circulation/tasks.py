"""Email notices to readers, sent by background tasks (``thuvien worker``).

A notice is stamped on its loan or hold when it is queued (in the same transaction as
the task row), so it is queued once; the task reads the current state again, so a notice
for a hold cancelled or a loan returned in the meantime is not sent.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

log = logging.getLogger(__name__)
DUE_SOON_DAYS = 2


def _send(reader, subject, body):
    if not reader or not reader.email:
        return False
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reader.email], fail_silently=False)
    return True


def _day(value):
    return date_format(timezone.localtime(value), "SHORT_DATE_FORMAT")


@task()
def send_hold_ready(hold_id):
    from thuvien.circulation.models import Hold, HoldStatus

    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        hold = Hold.objects.select_related("reader", "record", "pickup_library").filter(pk=hold_id).first()
        if hold is None or hold.status != HoldStatus.READY:
            return False
        return _send(hold.reader, _("Your reserved book is ready"), _(
            "Dear %(name)s,\n\n\"%(title)s\" is waiting for you at %(library)s until %(until)s.\n"
        ) % {"name": hold.reader.name, "title": hold.record.title, "library": hold.pickup_library.name,
             "until": _day(hold.expires_at)})


def _loan_notice(loan_id, kind):
    from thuvien.circulation.models import Loan

    with translation.override(settings.LANGUAGE_CODE):
        loan = Loan.objects.select_related("reader", "item__record", "library").filter(
            pk=loan_id, returned_at__isnull=True).first()
        if loan is None or (kind == "overdue" and loan.due_at >= timezone.now()):
            return False
        values = {"name": loan.reader.name if loan.reader else "", "title": loan.item.record.title,
                  "due": _day(loan.due_at), "library": loan.library.name}
        if kind == "due_soon":
            subject = _("A book you borrowed is due soon")
            body = _("Dear %(name)s,\n\n\"%(title)s\", borrowed from %(library)s, is due on %(due)s. "
                     "You can renew it online.\n") % values
        else:
            subject = _("A book you borrowed is overdue")
            body = _("Dear %(name)s,\n\n\"%(title)s\", borrowed from %(library)s, was due on %(due)s. "
                     "Please return or renew it.\n") % values
        return _send(loan.reader, subject, body)


@task()
def send_due_soon(loan_id):
    return _loan_notice(loan_id, "due_soon")


@task()
def send_overdue(loan_id):
    return _loan_notice(loan_id, "overdue")


def queue_notices(now=None):
    """Enqueue each due-soon and overdue notice once, and expire uncollected holds.
    Returns {"due_soon": n, "overdue": n, "holds_ready": n, "expired": n}."""
    from thuvien.circulation import services
    from thuvien.circulation.models import Hold, HoldStatus, Loan

    now = now or timezone.now()
    counts = {"expired": services.expire_holds(now)}
    soon = timezone.make_aware(dt.datetime.combine(timezone.localdate(now) + dt.timedelta(days=DUE_SOON_DAYS),
                                                   dt.time.max))
    open_loans = Loan.objects.filter(returned_at__isnull=True, lost=False, reader__isnull=False,
                                     reader__email__gt="")
    overdue = list(open_loans.filter(due_at__lt=now, overdue_notice_at__isnull=True).values_list("pk", flat=True))
    due_soon = list(open_loans.filter(due_at__gte=now, due_at__lte=soon, due_soon_notice_at__isnull=True)
                    .values_list("pk", flat=True))
    ready = list(Hold.objects.filter(status=HoldStatus.READY, ready_notice_at__isnull=True)
                 .values_list("pk", flat=True))
    with transaction.atomic():
        # Stamped with the task rows, in one transaction: each notice is queued once.
        Loan.objects.filter(pk__in=overdue).update(overdue_notice_at=now)
        Loan.objects.filter(pk__in=due_soon).update(due_soon_notice_at=now)
        Hold.objects.filter(pk__in=ready).update(ready_notice_at=now)
        for loan_id in overdue:
            send_overdue.enqueue(loan_id)
        for loan_id in due_soon:
            send_due_soon.enqueue(loan_id)
        for hold_id in ready:
            send_hold_ready.enqueue(hold_id)
    counts.update(due_soon=len(due_soon), overdue=len(overdue), holds_ready=len(ready))
    return counts


@task()
def circulation_notices():
    """The periodic job: ``thuvien circulation notices`` enqueues it or runs it at once."""
    return queue_notices()
