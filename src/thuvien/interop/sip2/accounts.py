"""Kiosk accounts: create, list, enable/disable, change password (CLI and staff pages)."""

from __future__ import annotations

import codecs
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.interop.sip2.models import KioskAccount
from thuvien.network.models import Library

LOGIN_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 8


class AccountError(ValueError):
    """A kiosk account change that was refused (the message is translated)."""


def manageable_libraries(user):
    """Libraries whose kiosks ``user`` may manage (``None``: every library, for the CLI)."""
    if user is None:
        return Library.objects.filter(is_active=True).exclude(library_type="network")
    ids = permissions.library_ids_for(user, permissions.ADMINISTER)
    libraries = Library.objects.filter(is_active=True).exclude(library_type="network")
    return libraries if ids is None else libraries.filter(pk__in=ids)


def visible_accounts(user):
    accounts = KioskAccount.objects.select_related("library")
    if user is None:
        return accounts
    ids = permissions.library_ids_for(user, permissions.ADMINISTER)
    return accounts if ids is None else accounts.filter(library_id__in=ids)


def _check_scope(user, library):
    if user is not None and not permissions.can(user, permissions.ADMINISTER, library):
        raise AccountError(_("You may only manage the kiosks of your own library."))


def _check_password(password):
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(_("The password must have at least %(n)d characters.") % {"n": MIN_PASSWORD})


def _check_encoding(encoding):
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise AccountError(_("Unknown character encoding: %(name)s") % {"name": encoding}) from None


def add_account(user, login, library_code, password, *, encoding="utf-8", location="",
                patron_password_required=False) -> KioskAccount:
    login = (login or "").strip()
    if not LOGIN_RE.match(login):
        raise AccountError(_("A login is 1 to 64 letters, digits or . _ @ -, without spaces."))
    library = Library.objects.filter(code=(library_code or "").strip(), is_active=True).first()
    if library is None or library.is_network:
        raise AccountError(_("No library has the code %(code)s.") % {"code": library_code})
    _check_scope(user, library)
    _check_password(password)
    encoding = (encoding or "utf-8").strip().lower()
    _check_encoding(encoding)
    account = KioskAccount(login=login, library=library, encoding=encoding, location=(location or "")[:100],
                           patron_password_required=bool(patron_password_required))
    account.set_password(password)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise AccountError(_("A kiosk with the login %(login)s already exists.") % {"login": login}) from None
    return account


def get_account(user, login) -> KioskAccount:
    account = visible_accounts(user).filter(login=login).first()
    if account is None:
        raise AccountError(_("No kiosk has the login %(login)s.") % {"login": login})
    return account


def set_enabled(user, login, enabled) -> KioskAccount:
    account = get_account(user, login)
    _check_scope(user, account.library)
    KioskAccount.objects.filter(pk=account.pk).update(enabled=enabled)
    account.enabled = enabled
    return account


def set_password(user, login, password) -> KioskAccount:
    account = get_account(user, login)
    _check_scope(user, account.library)
    _check_password(password)
    account.set_password(password)
    account.save(update_fields=["password"])
    return account


def set_encoding(user, login, encoding) -> KioskAccount:
    account = get_account(user, login)
    _check_scope(user, account.library)
    encoding = (encoding or "").strip().lower()
    _check_encoding(encoding)
    account.encoding = encoding
    account.save(update_fields=["encoding"])
    return account
