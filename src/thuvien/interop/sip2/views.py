"""Staff pages for kiosk accounts (/staff/sip2/): network and library administrators.

A library administrator sees and manages only the kiosks of their own library.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from thuvien.accounts import permissions
from thuvien.interop.sip2 import accounts


def _admin_required(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.has_capability(request.user, permissions.ADMINISTER):
        raise PermissionDenied
    return None


@require_http_methods(["GET", "POST"])
def kiosks(request):
    denied = _admin_required(request)
    if denied:
        return denied
    user = request.user
    errors = []
    form = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        login = request.POST.get("login", "").strip()
        try:
            if action == "add":
                form = {key: request.POST.get(key, "") for key in ("login", "library", "encoding", "location")}
                account = accounts.add_account(
                    user, login, request.POST.get("library", ""), request.POST.get("password", ""),
                    encoding=request.POST.get("encoding") or "utf-8", location=request.POST.get("location", ""),
                    patron_password_required=bool(request.POST.get("patron_password_required")))
                messages.success(request, _("Kiosk %(login)s was added.") % {"login": account.login})
            elif action in ("enable", "disable"):
                account = accounts.set_enabled(user, login, action == "enable")
                text = _("Kiosk %(login)s was enabled.") if account.enabled else _("Kiosk %(login)s was disabled.")
                messages.success(request, text % {"login": account.login})
            elif action == "password":
                account = accounts.set_password(user, login, request.POST.get("password", ""))
                messages.success(request, _("The password of kiosk %(login)s was changed.") % {"login": account.login})
            elif action == "encoding":
                account = accounts.set_encoding(user, login, request.POST.get("encoding", ""))
                messages.success(request, _("Kiosk %(login)s now uses %(encoding)s.")
                                 % {"login": account.login, "encoding": account.encoding})
            else:
                errors.append(_("Unknown action."))
            if not errors:
                return redirect("sip2:kiosks")
        except accounts.AccountError as error:
            errors.append(str(error))
    status = 400 if errors else 200
    return render(request, "sip2/kiosks.html", {
        "accounts": accounts.visible_accounts(user),
        "libraries": accounts.manageable_libraries(user),
        "errors": errors,
        "form": form,
        "encodings": ("utf-8", "cp1258", "cp850", "latin-1"),
    }, status=status)
