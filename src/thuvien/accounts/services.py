"""Staff accounts: create, grant and revoke roles, change passwords (CLI and /staff/accounts/).

``actor`` is the staff member asking, or ``None`` for the operator at the command line.
A network administrator manages everyone. A library administrator manages only accounts
whose every role is in a library they administer, grants only roles of those libraries,
and never grants network administrator. Every refusal is a ``StaffError`` (translated
message) raised before anything is written.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.accounts.models import Role, StaffRole
from thuvien.core.vietnamese import nfc
from thuvien.network.models import Library

MAX_NAME = 150
MIN_PASSWORD = 8


class StaffError(ValueError):
    """A staff account change that was refused (the message is translated)."""


@dataclass
class Created:
    user: object
    password: str
    generated: bool


def _admin_ids(actor):
    """Libraries ``actor`` administers: ``None`` means all (network admin or the CLI)."""
    if actor is None:
        return None
    return permissions.library_ids_for(actor, permissions.ADMINISTER)


def _require_admin(actor):
    ids = _admin_ids(actor)
    if ids is not None and not ids:
        raise StaffError(_("Only administrators may manage staff accounts."))
    return ids


def manageable_libraries(actor):
    """Libraries whose staff ``actor`` may manage."""
    libraries = Library.objects.filter(is_active=True).exclude(library_type="network")
    ids = _admin_ids(actor)
    return libraries if ids is None else libraries.filter(pk__in=ids)


def grantable_roles(actor):
    roles = list(Role)
    if _admin_ids(actor) is not None:
        roles.remove(Role.NETWORK_ADMIN)
    return roles


def visible_staff(actor):
    """Staff accounts ``actor`` may see, with their roles (only the roles in scope)."""
    ids = _require_admin(actor)
    roles = StaffRole.objects.select_related("library").order_by("library__name_sort", "role")
    users = get_user_model().objects.order_by("username")
    if ids is None:
        users = users.filter(staff_roles__isnull=False)
    else:
        users = users.filter(staff_roles__library_id__in=ids)
        roles = roles.filter(library_id__in=ids)
    return users.distinct().prefetch_related(Prefetch("staff_roles", queryset=roles, to_attr="roles_in_scope"))


def _role(value):
    value = (value or "").strip().lower().replace("-", "_")
    if value not in Role.values:
        raise StaffError(_("Unknown role %(role)s. Roles: %(roles)s.")
                         % {"role": value[:40], "roles": ", ".join(Role.values)})
    return Role(value)


def _text(value):
    """A form or command-line value as text the database takes (PostgreSQL refuses NUL)."""
    return nfc(str(value or "").replace("\x00", "\ufffd").strip())


def _library(role, code):
    """The library a role belongs to: none for network administrator, else an active library."""
    code = _text(code)
    if role == Role.NETWORK_ADMIN:
        if code and not Library.objects.filter(code=code, library_type="network").exists():
            raise StaffError(_("A network administrator belongs to the whole network, not to one library."))
        return None
    if not code:
        raise StaffError(_("This role must belong to a library: give its code."))
    library = Library.objects.filter(code=code[:32], is_active=True).exclude(library_type="network").first()
    if library is None:
        raise StaffError(_("No library has the code %(code)s.") % {"code": code[:40]})
    return library


def _check_grant(actor, role, library):
    ids = _require_admin(actor)
    if ids is None:
        return
    if role == Role.NETWORK_ADMIN:
        raise StaffError(_("Only a network administrator may appoint network administrators."))
    if library.pk not in ids:
        raise StaffError(_("You may only manage the staff of your own library."))


def _check_user_in_scope(actor, user):
    """A library administrator may touch an account only if all its roles are theirs."""
    ids = _require_admin(actor)
    if ids is None:
        return
    roles = list(StaffRole.objects.filter(user=user).values_list("role", "library_id"))
    if not roles or any(role == Role.NETWORK_ADMIN or library_id not in ids for role, library_id in roles):
        raise StaffError(_("You may only manage the staff of your own library."))


def _user(username):
    username = _text(username)
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is None:
        raise StaffError(_("No account has the user name %(name)s.") % {"name": username[:MAX_NAME]})
    return user


def _check_password(password, user=None):
    if len(password or "") < MIN_PASSWORD:
        raise StaffError(_("The password must have at least %(n)d characters.") % {"n": MIN_PASSWORD})
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise StaffError(" ".join(error.messages)) from None


def _check_username(username):
    if not username or len(username) > MAX_NAME:
        raise StaffError(_("A user name has 1 to 150 characters."))
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise StaffError(_("A user name is letters, digits and @ . + - _ only, without spaces.")) from None


def new_password():
    return secrets.token_urlsafe(12)


def add_staff(actor, username, library_code, role, password=None, full_name="") -> Created:
    """Create an account with one role; a password is generated when none is given."""
    username = _text(username)
    _check_username(username)
    role = _role(role)
    library = _library(role, library_code)
    _check_grant(actor, role, library)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError(_("The user name %(name)s is already taken: grant that account a role instead.")
                         % {"name": username})
    full_name = _text(full_name)
    if any(unicodedata.category(c) == "Cc" for c in full_name) or "\ufffd" in full_name or len(full_name) > 150:
        raise StaffError(_("A full name has at most 150 letters, without control characters."))
    generated = not password
    password = password or new_password()
    user = User(username=username, first_name=full_name)
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            StaffRole.objects.create(user=user, role=role, library=library)
    except IntegrityError:
        raise StaffError(_("The user name %(name)s is already taken: grant that account a role instead.")
                         % {"name": username}) from None
    return Created(user, password, generated)


def grant(actor, username, role, library_code) -> StaffRole:
    role = _role(role)
    library = _library(role, library_code)
    _check_grant(actor, role, library)
    user = _user(username)
    # A library administrator may add a role to their own staff, not enlist other accounts
    # (another library's staff or a reader) whose password they do not control.
    _check_user_in_scope(actor, user)
    if not user.is_active:
        raise StaffError(_("The account %(name)s is disabled.") % {"name": user.username})
    staff_role, created = StaffRole.objects.get_or_create(user=user, role=role, library=library)
    if not created:
        raise StaffError(_("%(name)s already has that role.") % {"name": user.username})
    return staff_role


def revoke(actor, username, role, library_code) -> None:
    role = _role(role)
    library = _library(role, library_code)
    _check_grant(actor, role, library)
    user = _user(username)
    with transaction.atomic():
        found = StaffRole.objects.select_for_update().filter(user=user, role=role, library=library).first()
        if found is None:
            raise StaffError(_("%(name)s does not have that role.") % {"name": user.username})
        if role == Role.NETWORK_ADMIN and StaffRole.objects.filter(
                role=Role.NETWORK_ADMIN, user__is_active=True).exclude(pk=found.pk).count() == 0:
            raise StaffError(_("The network must keep at least one network administrator."))
        found.delete()


def set_password(actor, username, password) -> object:
    user = _user(username)
    if actor is not None:
        if not StaffRole.objects.filter(user=user).exists():
            raise StaffError(_("%(name)s is not a staff account.") % {"name": user.username})
        if actor.pk != user.pk:
            _check_user_in_scope(actor, user)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
