"""The union catalogue: one BibRecord per edition, Items per library."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MaterialType(models.TextChoices):
    BOOK = "book", _("Book")
    SERIAL = "serial", _("Periodical")
    MAP = "map", _("Map")
    MUSIC = "music", _("Music")
    VIDEO = "video", _("Video")
    SOUND = "sound", _("Sound recording")
    MANUSCRIPT = "manuscript", _("Manuscript")
    COMPUTER = "computer", _("Electronic resource")
    VISUAL = "visual", _("Visual material")
    MIXED = "mixed", _("Mixed materials")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    STAFF = "staff", _("Staff only (restricted)")


class BibRecord(models.Model):
    """One edition, kept as its whole MARC21 record.

    ``marc`` holds the record as MARC-in-JSON exactly as received (in NFC); every
    other column is derived from it by ``catalog.marc.derive`` for display, search
    and facets, and is rewritten whenever the record is saved through the services.
    """

    marc = models.JSONField(_("MARC record"))
    title = models.TextField(_("title"))
    # Not indexed: title order is the search index's (a B-tree over these long keys cost
    # an import more writes than the records themselves).
    title_sort = models.CharField(max_length=200)
    authors = models.JSONField(_("authors"), default=list)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    place = models.CharField(_("place of publication"), max_length=255, blank=True)
    year = models.IntegerField(_("year"), null=True, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=3, blank=True)
    material_type = models.CharField(
        _("material type"), max_length=20, choices=MaterialType.choices, default=MaterialType.BOOK
    )
    subjects = models.JSONField(_("subjects"), default=list)
    ddc = models.CharField(_("DDC"), max_length=64, blank=True)
    isbns = models.JSONField(_("ISBNs"), default=list)
    control_number = models.CharField(max_length=64, blank=True)
    control_org = models.CharField(max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    is_deleted = models.BooleanField(_("withdrawn"), default=False, db_index=True)
    # Once a record has been public, harvesters may hold it: OAI-PMH keeps it as a deleted
    # record when it is withdrawn or restricted. A record never public is never listed.
    ever_public = models.BooleanField(default=True, db_default=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("bibliographic record")
        verbose_name_plural = _("bibliographic records")
        # OAI-PMH lists: (updated_at, id) keyset pages over the records ever public. The
        # flag is in the index too, so that SQLite counts a list from the index alone.
        indexes = [models.Index(fields=["updated_at", "id", "ever_public"], name="bib_updated_id",
                                condition=models.Q(ever_public=True))]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        public = self.visibility == Visibility.PUBLIC and not self.is_deleted
        if self._state.adding:
            self.ever_public = public
        elif public and not self.ever_public:
            self.ever_public = True
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "ever_public"}
        super().save(*args, **kwargs)


class IdentifierKind(models.TextChoices):
    CONTROL = "control", _("Control number (001/003)")
    ISBN = "isbn", "ISBN"
    ISSN = "issn", "ISSN"
    LCCN = "lccn", "LCCN"


class RecordIdentifier(models.Model):
    """Normalised identifiers of a record, used to match incoming copies of it."""

    # No index of its own: identifier_unique starts with the record.
    record = models.ForeignKey(BibRecord, on_delete=models.CASCADE, related_name="identifiers", db_index=False)
    kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    value = models.CharField(max_length=128)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="identifier_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["record", "kind", "value"], name="identifier_unique")
        ]


class ItemType(models.TextChoices):
    BOOK = "book", _("Book")
    REFERENCE = "reference", _("Reference")
    CHILDREN = "children", _("Children's book")
    SERIAL = "serial", _("Periodical")
    AUDIOVISUAL = "av", _("Audiovisual")
    RARE = "rare", _("Rare / local studies")


class ItemStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_LOAN = "on_loan", _("On loan")
    ON_HOLD_SHELF = "on_hold_shelf", _("Waiting for a reader")
    IN_TRANSIT = "in_transit", _("In transit")
    IN_PROCESSING = "in_processing", _("In processing")
    NOT_FOR_LOAN = "not_for_loan", _("Reading room only")
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Item(models.Model):
    """One physical copy, held by one library."""

    record = models.ForeignKey(BibRecord, on_delete=models.PROTECT, related_name="items")
    barcode = models.CharField(_("barcode"), max_length=64, unique=True)
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="items")
    location = models.ForeignKey(
        "network.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    call_number = models.CharField(_("call number"), max_length=100, blank=True)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices, default=ItemType.BOOK)
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.AVAILABLE, db_index=True
    )
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=0, null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    source_field = models.CharField(max_length=3, blank=True)  # 852/952 when generated by import
    acquired_at = models.DateTimeField(_("acquired"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("item")
        indexes = [models.Index(fields=["record", "library"], name="item_record_library")]

    def __str__(self):
        return self.barcode

    @property
    def is_available(self):
        return self.status == ItemStatus.AVAILABLE
