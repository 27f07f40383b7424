"""Who may do what in cataloguing (the rules, on top of ``accounts.permissions``)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.network.models import Library


def can_catalogue(user):
    """The union catalogue is shared: CATALOGUE in any library lets one edit records."""
    return permissions.has_capability(user, permissions.CATALOGUE)


def can_withdraw(user):
    return permissions.has_capability(user, permissions.ADMINISTER)


def withdraw_refusal(user, record):
    """Why ``user`` may not withdraw ``record`` now (a message), or ''."""
    from thuvien.catalog.models import ItemStatus
    from thuvien.circulation.models import ACTIVE_HOLD_STATUSES

    if record.items.exclude(status=ItemStatus.WITHDRAWN).exists():
        return _("The record still has copies: withdraw or move them first, "
                 "or merge the record into the one that should hold them.")
    allowed = permissions.library_ids_for(user, permissions.ADMINISTER)
    if allowed is not None and record.items.exclude(library_id__in=allowed).exists():
        return _("Withdrawn copies of another library are still on this record: only that library "
                 "or the network administrator may withdraw it.")
    if record.digital_objects.exists():
        return _("The record has digital documents: remove them in the digital library first.")
    if record.holds.filter(status__in=ACTIVE_HOLD_STATUSES).exists():
        return _("Readers are waiting for this record: cancel their holds first, or merge the record.")
    return ""


def item_libraries(user):
    """Libraries where ``user`` may add or change copies."""
    ids = permissions.library_ids_for(user, permissions.CATALOGUE)
    libraries = Library.objects.filter(is_active=True).exclude(library_type="network")
    return libraries if ids is None else libraries.filter(pk__in=ids)


def cataloguer_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_catalogue(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
