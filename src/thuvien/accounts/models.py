"""Staff roles. Every role but network administrator is scoped to one library."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NETWORK_ADMIN = "network_admin", _("Network administrator")
    LIBRARY_ADMIN = "library_admin", _("Library administrator")
    CATALOGUER = "cataloguer", _("Cataloguer")
    CIRCULATION = "circulation", _("Circulation staff")


class StaffRole(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    library = models.ForeignKey(
        "network.Library", null=True, blank=True, on_delete=models.CASCADE, related_name="staff_roles"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "library"], name="staff_role_unique"),
            models.CheckConstraint(
                condition=models.Q(role="network_admin") | models.Q(library__isnull=False),
                name="staff_role_scoped_to_library",
            ),
        ]
        verbose_name = _("staff role")

    def __str__(self):
        where = self.library.code if self.library_id else "*"
        return f"{self.user} {self.role}@{where}"

    def clean(self):
        if self.role != Role.NETWORK_ADMIN and not self.library_id:
            raise ValidationError(_("This role must belong to a library."))
