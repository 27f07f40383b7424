"""Circulation: readers, loan rules, calendars, loans, holds, transfers and the ledger.

Rows are written only by ``thuvien.circulation.services``; every door (desk, OPAC,
API, SIP2) goes through those functions.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thuvien.catalog.models import ItemType


class ReaderCategory(models.Model):
    """A kind of reader (child, pupil, student, adult, senior, staff); configurable rows."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("reader category")
        verbose_name_plural = _("reader categories")

    def __str__(self):
        return self.name


class ReaderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    ACTIVE = "active", _("Active")
    BLOCKED = "blocked", _("Blocked")
    ERASED = "erased", _("Erased")


class Reader(models.Model):
    """One identity and one card number for the whole network."""

    card_number = models.CharField(_("card number"), max_length=32, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reader"
    )
    name = models.CharField(_("name"), max_length=255)
    home_library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="readers",
                                     verbose_name=_("home library"))
    category = models.ForeignKey(ReaderCategory, on_delete=models.PROTECT, related_name="readers",
                                 verbose_name=_("category"))
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    expires_on = models.DateField(_("card expires on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ReaderStatus.choices,
                              default=ReaderStatus.ACTIVE, db_index=True)
    block_reason = models.CharField(_("reason for the block"), max_length=255, blank=True)
    # Decree 13/2023/NĐ-CP: consent to the processing of personal data, with its date.
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    keep_history = models.BooleanField(_("keep my reading history"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["card_number"]
        verbose_name = _("reader")
        verbose_name_plural = _("readers")

    def __str__(self):
        return f"{self.card_number} {self.name}"


class LoanRule(models.Model):
    """One cell of the matrix library × reader category × item type.

    Empty ``library`` is the network default, empty ``category``/``item_type`` match any.
    The most specific rule wins: library over network, then item type, then category.
    """

    library = models.ForeignKey("network.Library", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="loan_rules", verbose_name=_("library"))
    category = models.ForeignKey(ReaderCategory, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="loan_rules", verbose_name=_("reader category"))
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices, blank=True)
    loan_days = models.PositiveSmallIntegerField(_("loan period (days)"), default=14)
    renewals = models.PositiveSmallIntegerField(_("renewals allowed"), default=2)
    max_loans = models.PositiveSmallIntegerField(_("maximum loans"), default=5)
    holds_allowed = models.BooleanField(_("holds allowed"), default=True)
    fine_per_day = models.DecimalField(_("fine per overdue day"), max_digits=10, decimal_places=0, default=1000)
    can_leave_building = models.BooleanField(_("can leave the building"), default=True)
    max_fines = models.DecimalField(_("fines above which loans are blocked"), max_digits=12,
                                    decimal_places=0, default=50000)
    hold_pickup_days = models.PositiveSmallIntegerField(_("days to collect a hold"), default=7)
    lost_fee = models.DecimalField(_("fee for a lost copy without a price"), max_digits=12,
                                   decimal_places=0, default=100000)

    class Meta:
        verbose_name = _("loan rule")
        verbose_name_plural = _("loan rules")

    def __str__(self):
        return f"{self.library or '*'} × {self.category or '*'} × {self.item_type or '*'}"


class Calendar(models.Model):
    """A library's opening days of the week (Monday = 0). No row: open every day."""

    library = models.OneToOneField("network.Library", on_delete=models.CASCADE, related_name="calendar")
    open_weekdays = models.CharField(_("opening days (0 = Monday)"), max_length=7, default="0123456")

    def is_open_weekday(self, day):
        return str(day.weekday()) in self.open_weekdays


class ClosedDay(models.Model):
    """A holiday or closure: of one library, or (library empty) of the whole network."""

    library = models.ForeignKey("network.Library", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="closed_days")
    date = models.DateField(_("date"), db_index=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]


class Channel(models.TextChoices):
    DESK = "desk", _("Loan desk")
    API = "api", "API"
    SIP2 = "sip2", "SIP2"
    OPAC = "opac", _("Online catalogue")
    SYSTEM = "system", _("System")


class Loan(models.Model):
    """A copy lent to a reader. ``reader`` becomes empty when the loan is anonymised;
    ``category`` and ``reader_library`` stay for statistics."""

    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="loans")
    reader = models.ForeignKey(Reader, null=True, blank=True, on_delete=models.SET_NULL, related_name="loans")
    category = models.ForeignKey(ReaderCategory, null=True, on_delete=models.SET_NULL, related_name="+")
    reader_library = models.ForeignKey("network.Library", null=True, on_delete=models.SET_NULL, related_name="+")
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="loans")
    checked_out_at = models.DateTimeField(_("checked out"), db_index=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    return_library = models.ForeignKey("network.Library", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.DESK)
    item_status_before = models.CharField(max_length=20, blank=True)
    lost = models.BooleanField(default=False)
    due_soon_notice_at = models.DateTimeField(null=True, blank=True)
    overdue_notice_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("loan")
        constraints = [
            # The last line of defence against a copy lent twice.
            models.UniqueConstraint(fields=["item"], condition=Q(returned_at__isnull=True),
                                    name="one_open_loan_per_item"),
        ]
        indexes = [models.Index(fields=["reader", "returned_at"], name="loan_reader_open")]

    @property
    def is_open(self):
        return self.returned_at is None


class HoldStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    IN_TRANSIT = "in_transit", _("In transit")
    READY = "ready", _("Ready to collect")
    COLLECTED = "collected", _("Collected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


ACTIVE_HOLD_STATUSES = (HoldStatus.WAITING, HoldStatus.IN_TRANSIT, HoldStatus.READY)


class Hold(models.Model):
    """A reader's reservation of a record: any copy (``library`` empty) or one library's copies."""

    reader = models.ForeignKey(Reader, null=True, on_delete=models.SET_NULL, related_name="holds")
    record = models.ForeignKey("catalog.BibRecord", on_delete=models.PROTECT, related_name="holds")
    library = models.ForeignKey("network.Library", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    pickup_library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="pickup_holds")
    item = models.ForeignKey("catalog.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="holds")
    status = models.CharField(max_length=12, choices=HoldStatus.choices, default=HoldStatus.WAITING, db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.OPAC)
    placed_at = models.DateTimeField(_("placed"), db_index=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("collect by"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    ready_notice_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["placed_at", "id"]
        verbose_name = _("hold")
        indexes = [models.Index(fields=["record", "status", "placed_at"], name="hold_queue")]


class Transfer(models.Model):
    """A copy travelling between libraries (its status is ``in_transit`` meanwhile)."""

    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="transfers")
    from_library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="transfers_out")
    to_library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="transfers_in")
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers")
    sent_at = models.DateTimeField(_("sent"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]


class LedgerKind(models.TextChoices):
    FINE = "fine", _("Overdue fine")
    PAYMENT = "payment", _("Payment")
    LOST = "lost", _("Lost copy")
    DAMAGED = "damaged", _("Damaged copy")
    FEE = "fee", _("Fee")
    WAIVER = "waiver", _("Waiver")


class LedgerEntry(models.Model):
    """Money: charges are positive amounts, payments and waivers negative (VND)."""

    reader = models.ForeignKey(Reader, null=True, on_delete=models.SET_NULL, related_name="ledger")
    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=0)
    loan = models.ForeignKey(Loan, null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]


class Override(models.Model):
    """A block a staff member chose to override, kept for audit."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reader = models.ForeignKey(Reader, null=True, on_delete=models.SET_NULL, related_name="overrides")
    item = models.ForeignKey("catalog.Item", null=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField(max_length=40)
    operation = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class RequestState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Delivered")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class CopyRequest(models.Model):
    """A remote copy (sao chụp từ xa): pages of a document delivered as a file."""

    reader = models.ForeignKey(Reader, null=True, on_delete=models.SET_NULL, related_name="copy_requests")
    record = models.ForeignKey("catalog.BibRecord", on_delete=models.PROTECT, related_name="+")
    library = models.ForeignKey("network.Library", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    pages = models.CharField(_("pages"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(max_length=12, choices=RequestState.choices, default=RequestState.REQUESTED,
                             db_index=True)
    file = models.FileField(upload_to="copy-requests/%Y/%m/", blank=True)
    fee = models.DecimalField(max_digits=12, decimal_places=0, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class PostalRequest(models.Model):
    """Postal delivery (bưu chính) of a copy to the reader's address, for a fee."""

    reader = models.ForeignKey(Reader, null=True, on_delete=models.SET_NULL, related_name="postal_requests")
    record = models.ForeignKey("catalog.BibRecord", on_delete=models.PROTECT, related_name="+")
    library = models.ForeignKey("network.Library", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    address = models.CharField(_("address"), max_length=255)
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=0, default=0)
    state = models.CharField(max_length=12, choices=RequestState.choices, default=RequestState.REQUESTED,
                             db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def issue(cls, user, name=""):
        """Create a token; returns (token, raw key). The raw key is shown once."""
        raw = "tv_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[3:11], name=name)
        return token, raw
