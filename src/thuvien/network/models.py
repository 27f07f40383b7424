"""The library network: a tree of libraries and their locations."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from thuvien.core.vietnamese import nfc, sort_key


class LibraryType(models.TextChoices):
    NETWORK = "network", _("Provincial library network")
    PROVINCIAL = "provincial", _("Provincial library")
    DISTRICT = "district", _("District/city library")
    SCHOOL = "school", _("School library")
    COMMUNITY = "community", _("Community library")
    PRIVATE = "private", _("Private library")
    ARMED_FORCES = "armed_forces", _("Armed forces library")
    SPECIALISED = "specialised", _("Specialised library")


class Library(models.Model):
    """A library of the network, or the network itself (the root of the tree)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_sort = models.CharField(max_length=400, editable=False, db_index=True)
    library_type = models.CharField(_("type"), max_length=20, choices=LibraryType.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("part of"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    # IP ranges (CIDR, one per line) counted as "on site" for on-site-only material.
    onsite_ip_ranges = models.TextField(_("on-site IP ranges"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_sort"]
        verbose_name = _("library")
        verbose_name_plural = _("libraries")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.name_sort = sort_key(self.name)
        super().save(*args, **kwargs)

    @property
    def is_network(self):
        return self.library_type == LibraryType.NETWORK


class LocationKind(models.TextChoices):
    READING_ROOM = "reading_room", _("Reading room")
    LENDING = "lending", _("Lending")
    CHILDREN = "children", _("Children's room")
    STORE = "store", _("Store")
    LOCAL_STUDIES = "local_studies", _("Local studies room")


class Location(models.Model):
    """A place inside a library where copies are shelved."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="locations")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=LocationKind.choices)

    class Meta:
        ordering = ["library", "code"]
        constraints = [
            models.UniqueConstraint(fields=["library", "code"], name="location_code_unique_per_library")
        ]
        verbose_name = _("location")

    def __str__(self):
        return f"{self.library.name} – {self.name}"
