"""/staff/accounts/: staff accounts and roles, for network and library administrators.

The rules are in ``accounts.services``; this page only shows the accounts in the user's
scope and passes each form to a service call.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from thuvien.accounts import permissions, services
from thuvien.accounts.models import Role

FIELDS = ("username", "full_name", "role", "library", "password")


@require_http_methods(["GET", "POST"])
def accounts(request):
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.has_capability(user, permissions.ADMINISTER):
        raise PermissionDenied
    errors, form, created = [], {}, None
    if request.method == "POST":
        post = request.POST
        action = post.get("action", "")
        username = post.get("username", "")
        try:
            if action == "add":
                form = {key: post.get(key, "") for key in FIELDS if key != "password"}
                created = services.add_staff(user, username, post.get("library", ""), post.get("role", ""),
                                             post.get("password", ""), post.get("full_name", ""))
                messages.success(request, _("The account %(name)s was created.") % {"name": created.user.username})
            elif action == "grant":
                role = services.grant(user, username, post.get("role", ""), post.get("library", ""))
                messages.success(request, _("%(name)s is now %(role)s.")
                                 % {"name": role.user.username, "role": _role_label(role)})
            elif action == "revoke":
                services.revoke(user, username, post.get("role", ""), post.get("library", ""))
                messages.success(request, _("The role was taken from %(name)s.") % {"name": username})
            elif action == "password":
                services.set_password(user, username, post.get("password", ""))
                messages.success(request, _("The password of %(name)s was changed.") % {"name": username})
            else:
                errors.append(_("Unknown action."))
        except services.StaffError as error:
            errors.append(str(error))
        if not errors and not (created and created.generated):
            return redirect("staff:accounts")
    libraries = list(services.manageable_libraries(user))
    return render(request, "staff/accounts.html", {
        "staff_accounts": services.visible_staff(user),
        "libraries": libraries,
        "roles": [(r.value, r.label) for r in services.grantable_roles(user)],
        "network_admin": permissions.is_network_admin(user),
        "errors": errors, "form": form,
        "created": created if created and created.generated else None,
    }, status=400 if errors else 200)


def _role_label(staff_role):
    label = Role(staff_role.role).label
    return f"{label} ({staff_role.library.name})" if staff_role.library else str(label)
