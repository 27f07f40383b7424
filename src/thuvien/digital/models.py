"""The digital library: collections, digital objects of catalogue records, their page files."""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLevel(models.TextChoices):
    OPEN = "open", _("Open to everyone")
    REGISTERED = "registered", _("Registered readers")
    ONSITE = "onsite", _("On site only")
    STAFF = "staff", _("Staff only (restricted)")
    CLOSED = "closed", _("Closed")


# Stricter levels rank higher; a file's override can only tighten its object's level.
ACCESS_RANK = {AccessLevel.OPEN: 0, AccessLevel.REGISTERED: 1, AccessLevel.ONSITE: 2,
               AccessLevel.STAFF: 3, AccessLevel.CLOSED: 4}


class CollectionKind(models.TextChoices):
    LOCAL_STUDIES = "local_studies", _("Local studies (địa chí)")
    RARE = "rare", _("Ancient and rare documents")
    HAN_NOM = "han_nom", _("Hán Nôm")
    INSTITUTIONAL = "institutional", _("Institutional (nội sinh)")
    OTHER = "other", _("Other")


class Licence(models.TextChoices):
    CC_BY = "http://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"
    CC_BY_SA = "http://creativecommons.org/licenses/by-sa/4.0/", "CC BY-SA 4.0"
    CC_BY_NC = "http://creativecommons.org/licenses/by-nc/4.0/", "CC BY-NC 4.0"
    CC0 = "http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0"
    PUBLIC_DOMAIN = "http://creativecommons.org/publicdomain/mark/1.0/", _("Public domain")
    IN_COPYRIGHT = "http://rightsstatements.org/vocab/InC/1.0/", _("In copyright")
    EDUCATIONAL = "http://rightsstatements.org/vocab/InC-EDU/1.0/", _("In copyright – educational use permitted")
    UNDETERMINED = "http://rightsstatements.org/vocab/UND/1.0/", _("Copyright undetermined")


class Collection(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=CollectionKind.choices, default=CollectionKind.OTHER)
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="digital_collections",
                                verbose_name=_("owning library"))
    description = models.TextField(_("description"), blank=True)
    # The plan's goal: this share of the collection's documents digitised.
    target_percent = models.PositiveSmallIntegerField(_("target (%)"), default=70)

    class Meta:
        ordering = ["code"]
        verbose_name = _("digital collection")

    def __str__(self):
        return self.name


class DigitalObject(models.Model):
    """The digitised form of one catalogue record: ordered page files."""

    record = models.ForeignKey("catalog.BibRecord", on_delete=models.PROTECT, related_name="digital_objects")
    collection = models.ForeignKey(Collection, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="digital_objects", verbose_name=_("collection"))
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="digital_objects",
                                verbose_name=_("owning library"))
    access = models.CharField(_("access"), max_length=12, choices=AccessLevel.choices, default=AccessLevel.OPEN)
    label = models.CharField(_("label"), max_length=255, blank=True)
    licence = models.CharField(_("licence"), max_length=100, choices=Licence.choices,
                               default=Licence.UNDETERMINED)
    # Provenance of donated or deposited documents.
    donor = models.CharField(_("donor"), max_length=255, blank=True)
    donated_on = models.DateField(_("date given"), null=True, blank=True)
    provenance_note = models.TextField(_("provenance note"), blank=True)
    storage_dir = models.CharField(max_length=255, editable=False)  # relative to MEDIA_ROOT
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "id"]
        verbose_name = _("digital object")

    def __str__(self):
        return self.label or str(self.record)


class OcrStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class TextSource(models.TextChoices):
    NONE = "", _("None")
    OCR = "ocr", _("OCR")
    PDF = "pdf", _("PDF text layer")


class DigitalFile(models.Model):
    """One page: its stored source file, its IIIF derivatives and its text."""

    object = models.ForeignKey(DigitalObject, on_delete=models.CASCADE, related_name="files")
    order = models.PositiveIntegerField(_("page"))
    source_name = models.CharField(_("file name"), max_length=255)
    path = models.CharField(max_length=500)  # the stored original, relative to MEDIA_ROOT
    # 1-based page inside ``path`` when it holds several (a PDF or a multi-page TIFF)
    pdf_page = models.PositiveIntegerField(null=True, blank=True)
    mime_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    access = models.CharField(_("access override"), max_length=12, choices=AccessLevel.choices, blank=True)
    ocr_status = models.CharField(max_length=10, choices=OcrStatus.choices, default=OcrStatus.PENDING)
    text_source = models.CharField(max_length=5, choices=TextSource.choices, blank=True)
    text = models.TextField(blank=True)
    # ``text`` folded (no diacritics, đ→d), words between single spaces: found with LIKE.
    text_folded = models.TextField(blank=True, default="", editable=False)
    hocr_path = models.CharField(max_length=500, blank=True)
    iiif_dir = models.CharField(max_length=500)  # static tiles, relative to MEDIA_ROOT

    class Meta:
        ordering = ["object", "order"]
        constraints = [models.UniqueConstraint(fields=["object", "order"], name="digital_file_page_unique")]

    def __str__(self):
        return f"{self.object_id}/{self.order}"

    @property
    def effective_access(self):
        return page_level(self.access, self.object.access)


def page_level(page_access, object_access):
    """A page's own level counts only where it is stricter than its object's."""
    if page_access and ACCESS_RANK[page_access] > ACCESS_RANK[object_access]:
        return page_access
    return object_access


def media_path(relative):
    """Absolute path of a stored file (paths in the database are relative to MEDIA_ROOT)."""
    return Path(settings.MEDIA_ROOT) / relative


class Stage(models.TextChoices):
    SELECTED = "selected", _("Selected")
    SCANNING = "scanning", _("Scanning")
    QUALITY_CHECK = "quality_check", _("Quality check")
    METADATA = "metadata", _("Metadata")
    PUBLISHED = "published", _("Published")


STAGE_ORDER = [Stage.SELECTED, Stage.SCANNING, Stage.QUALITY_CHECK, Stage.METADATA, Stage.PUBLISHED]


class DigitisationProject(models.Model):
    """A library's plan to digitise part of a collection, with a target."""

    name = models.CharField(_("name"), max_length=255)
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="digitisation_projects",
                                verbose_name=_("library"))
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="projects",
                                   verbose_name=_("collection"))
    # How many documents the collection holds in this project's scope; the plan's goal
    # is the collection's target percentage of them.
    target_count = models.PositiveIntegerField(_("documents in scope"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("digitisation project")

    def __str__(self):
        return self.name


class DigitisationItem(models.Model):
    project = models.ForeignKey(DigitisationProject, on_delete=models.CASCADE, related_name="items")
    record = models.ForeignKey("catalog.BibRecord", on_delete=models.PROTECT, related_name="digitisation_items")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.SELECTED,
                             db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="digitisation_items", verbose_name=_("assigned to"))
    digital_object = models.ForeignKey(DigitalObject, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="digitisation_items")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "record"], name="digitisation_item_once")]

    def __str__(self):
        return f"{self.record} ({self.get_stage_display()})"


class DigitisationEvent(models.Model):
    """History of an item: every move, with who and why."""

    item = models.ForeignKey(DigitisationItem, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class DepositStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Deposit(models.Model):
    """Digital documents offered by an organisation or a person, until staff review them."""

    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="deposits",
                                verbose_name=_("library"))
    depositor = models.CharField(_("your name or organisation"), max_length=255)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    title = models.CharField(_("title of the document"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    licence = models.CharField(_("licence"), max_length=100, choices=Licence.choices, default=Licence.CC_BY)
    storage_dir = models.CharField(max_length=255, editable=False)
    file_names = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=DepositStatus.choices, default=DepositStatus.PENDING,
                              db_index=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    review_note = models.TextField(blank=True)
    digital_object = models.ForeignKey(DigitalObject, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="deposits")
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deposit")

    def __str__(self):
        return self.title
