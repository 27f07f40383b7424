"""What cataloguing keeps beside the union catalogue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SruServer(models.Model):
    """An external SRU 1.2 server searched during copy cataloguing."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("base URL"), max_length=500)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SRU server")
        ordering = ["name"]

    def __str__(self):
        return self.name


class RecordMerge(models.Model):
    """A record merged into another: its pages redirect to the kept record."""

    merged = models.OneToOneField("catalog.BibRecord", on_delete=models.CASCADE, related_name="merged_into")
    kept = models.ForeignKey("catalog.BibRecord", on_delete=models.CASCADE, related_name="merged_from")
    merged_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
