"""Who may do what, and where. Every door (pages, API, CLI, protocols) asks here.

A capability is granted by roles; every role except network administrator holds it
only in its own library.
"""

from django.core.exceptions import PermissionDenied

from thuvien.accounts.models import Role, StaffRole

CATALOGUE = "catalogue"
CIRCULATE = "circulate"
ADMINISTER = "administer"
DIGITISE = "digitise"

CAPABILITY_ROLES = {
    CATALOGUE: {Role.NETWORK_ADMIN, Role.LIBRARY_ADMIN, Role.CATALOGUER},
    CIRCULATE: {Role.NETWORK_ADMIN, Role.LIBRARY_ADMIN, Role.CIRCULATION},
    ADMINISTER: {Role.NETWORK_ADMIN, Role.LIBRARY_ADMIN},
    DIGITISE: {Role.NETWORK_ADMIN, Role.LIBRARY_ADMIN, Role.CATALOGUER},
}


def staff_roles(user):
    """The user's roles, read once per request object."""
    if not user or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_thuvien_roles", None)
    if cached is None:
        cached = list(StaffRole.objects.filter(user=user).select_related("library"))
        user._thuvien_roles = cached
    return cached


def is_staff_member(user):
    return bool(staff_roles(user))


def is_network_admin(user):
    return any(r.role == Role.NETWORK_ADMIN for r in staff_roles(user))


def library_ids_for(user, capability):
    """Library ids where ``user`` holds ``capability``; ``None`` means every library."""
    allowed = CAPABILITY_ROLES[capability]
    ids = set()
    for role in staff_roles(user):
        if role.role not in allowed:
            continue
        if role.role == Role.NETWORK_ADMIN:
            return None
        ids.add(role.library_id)
    return ids


def can(user, capability, library):
    """True if ``user`` holds ``capability`` in ``library`` (a Library or its id)."""
    library_id = getattr(library, "pk", library)
    ids = library_ids_for(user, capability)
    return ids is None or library_id in ids


def has_capability(user, capability):
    """True if ``user`` holds ``capability`` in at least one library."""
    ids = library_ids_for(user, capability)
    return ids is None or bool(ids)


def require(user, capability, library):
    if not can(user, capability, library):
        raise PermissionDenied
