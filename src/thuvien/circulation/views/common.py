"""What every desk screen shares: who may use it, at which library, and how input is read."""

import re
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from thuvien.accounts import permissions
from thuvien.core.vietnamese import nfc
from thuvien.network.models import Library

SESSION_LIBRARY = "circulation_desk_library"


def desk_libraries(user):
    """Libraries where ``user`` may work the loan desk, in name order."""
    ids = permissions.library_ids_for(user, permissions.CIRCULATE)
    libraries = Library.objects.filter(is_active=True).exclude(library_type="network").order_by("name_sort")
    return libraries if ids is None else libraries.filter(pk__in=ids)


def desk_library(request):
    """The library this desk acts for: the one chosen in the session, else the first allowed."""
    libraries = desk_libraries(request.user)
    chosen = request.session.get(SESSION_LIBRARY)
    library = libraries.filter(pk=chosen).first() if chosen else None
    return library or libraries.first()


def desk_required(view):
    """Logged-in staff with CIRCULATE somewhere; ``request.desk_library`` is set."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.has_capability(request.user, permissions.CIRCULATE):
            raise PermissionDenied
        request.desk_library = desk_library(request)
        if request.desk_library is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def as_id(value):
    """A primary key from a form field: a positive int, or 0 for anything else."""
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,12}", text) else 0


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_code(value, limit=64):
    """A scanned card number or barcode: NFC, no spaces or control characters, bounded."""
    return re.sub(r"\s+", "", CONTROL.sub("", nfc(value or "")))[:limit]


def clean_text(value, limit=1000):
    """One line of typed text: NFC, single spaces, no control characters, bounded."""
    return " ".join(CONTROL.sub("", nfc(value or "")).split())[:limit]


def clean_paragraphs(value, limit=2000):
    """Free text that may keep its line breaks."""
    return CONTROL.sub("", nfc(value or "")).strip()[:limit]


def parse_amount(value):
    """An amount of đồng typed as 20000, 20.000, 20,000 or 20 000; ``None`` if not a positive number."""
    text = re.sub(r"[\s.,]|đ$|₫$|vnd$", "", (value or "").strip().lower())
    if not re.fullmatch(r"[0-9]{1,15}", text):
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if 0 < amount < Decimal(1000000000) else None


def safe_next(request, default):
    """Redirect to ``next`` if it is a path on this site, else to ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (target.startswith("/") and not target.startswith("//") and not CONTROL.search(target)
            and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})):
        return HttpResponseRedirect(target)
    return redirect(default)


def override_codes(request):
    """The block codes staff ticked to override (stable code strings only)."""
    return tuple(sorted({c for c in request.POST.getlist("override") if re.fullmatch(r"[a-z_]{1,40}", c)}))
