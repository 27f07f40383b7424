"""Remote OAI-PMH repositories the network harvests into the union catalogue."""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MetadataPrefix(models.TextChoices):
    OAI_DC = "oai_dc", "Dublin Core (oai_dc)"
    MARC21 = "marc21", "MARC21 (MARCXML)"


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    OK = "ok", _("Completed")
    PARTIAL = "partial", _("Interrupted (pages kept)")
    FAILED = "failed", _("Failed")


class RunKind(models.TextChoices):
    HARVEST = "harvest", _("Harvest")
    WINDOW = "window", _("Harvest of a date range")
    RECORD = "record", _("One record")
    RECONCILE = "reconcile", _("Reconciliation of deletions")


class HarvestSource(models.Model):
    """A remote repository: where, what, how often, and how far we have harvested."""

    name = models.SlugField(_("name"), max_length=80, unique=True)
    base_url = models.URLField(_("base URL"), max_length=500)
    metadata_prefix = models.CharField(
        _("metadata format"), max_length=10, choices=MetadataPrefix.choices, default=MetadataPrefix.OAI_DC
    )
    set_spec = models.CharField(_("set"), max_length=200, blank=True)
    interval_hours = models.PositiveIntegerField(
        _("every (hours)"), default=24, help_text=_("0: only when started by hand.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # Repositories that keep no deletions (deletedRecord "no"/"transient") are compared
    # with a full ListIdentifiers every so many days: what is gone there is withdrawn here.
    reconcile_days = models.PositiveIntegerField(
        _("reconcile deletions every (days)"), default=0, help_text=_("0: only when started by hand.")
    )
    last_reconciled_at = models.DateTimeField(_("last reconciled"), null=True, blank=True)
    # What the repository says of itself (Identify), and the last check of it.
    granularity = models.CharField(max_length=24, blank=True)
    repository_name = models.CharField(_("repository name"), max_length=255, blank=True)
    deleted_record = models.CharField(_("deleted records"), max_length=12, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    check_report = models.JSONField(default=dict, blank=True)
    # Server time (responseDate) when the last complete list started: the next run asks from here.
    high_water_mark = models.DateTimeField(_("harvested up to"), null=True, blank=True)
    # An interrupted list: its next resumption token, its ``from`` and its would-be mark.
    resume_token = models.TextField(blank=True)
    resume_from = models.CharField(max_length=32, blank=True)
    pending_mark = models.DateTimeField(null=True, blank=True)
    running_since = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_state = models.CharField(_("last state"), max_length=10, choices=RunState.choices, blank=True)
    last_message = models.TextField(_("last message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("harvest source")
        verbose_name_plural = _("harvest sources")

    def __str__(self):
        return self.name

    @property
    def tag(self):
        """The value of ``BibRecord.source`` for records harvested from here."""
        return f"oai:{self.name}"

    def _due(self, last, every, now):
        if not self.enabled or not every:
            return False
        return last is None or last + every <= (now or timezone.now())

    def is_due(self, now=None):
        return self._due(self.last_run_at, timedelta(hours=self.interval_hours), now)

    def reconcile_is_due(self, now=None):
        return self._due(self.last_reconciled_at, timedelta(days=self.reconcile_days), now)


class HarvestRun(models.Model):
    """One harvest of one source: what it asked, what it did, how it ended."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    kind = models.CharField(max_length=10, choices=RunKind.choices, default=RunKind.HARVEST)
    from_param = models.CharField(max_length=32, blank=True)
    until_param = models.CharField(max_length=32, blank=True)
    pages = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)  # new at the source, already in the catalogue
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    high_water_mark = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def log(self, text):
        stamp = timezone.now().strftime("%H:%M:%S")
        self.message = f"{self.message}{stamp} {text}\n"[-20000:]


class HarvestedRecord(models.Model):
    """Which catalogue record an OAI identifier of a source became (matching on re-harvest)."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="harvested")
    identifier = models.CharField(max_length=255)
    record = models.ForeignKey("catalog.BibRecord", null=True, on_delete=models.SET_NULL, related_name="+")
    datestamp = models.CharField(max_length=32, blank=True)
    deleted = models.BooleanField(default=False)
    # The catalogue refused it (a database error): asked again with GetRecord after the next list.
    failed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "identifier"], name="harvested_source_identifier")
        ]
