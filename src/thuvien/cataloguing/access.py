"""Who may do what in cataloguing (the rules, on top of ``accounts.permissions``)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from thuvien.accounts import permissions
from thuvien.network.models import Library


def can_catalogue(user):
    """The union catalogue is shared: CATALOGUE in any library lets one edit records."""
    return permissions.has_capability(user, permissions.CATALOGUE)


def can_withdraw(user):
    return permissions.has_capability(user, permissions.ADMINISTER)


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
