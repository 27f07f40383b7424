from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CataloguingConfig(AppConfig):
    """The cataloguer's work: editing, copy cataloguing, spreadsheet import, labels, merging."""

    name = "thuvien.cataloguing"
    verbose_name = _("Cataloguing")
