"""The staff home: what the signed-in user may do, and where."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from thuvien.accounts import permissions
from thuvien.network.models import Library

NETWORK = "network"  # only network administrators
# capability -> (label, URL, description)
ACTIONS = [
    (permissions.CATALOGUE, _("Cataloguing"), "/staff/catalog/",
     _("Create and edit records, add copies, import spreadsheets, print labels.")),
    (permissions.DIGITISE, _("Digital library"), "/staff/digital/",
     _("Digitisation projects, scans, OCR and digital objects.")),
    (permissions.CIRCULATE, _("Circulation"), "/staff/circulation/",
     _("Loans, returns, renewals and holds at the desk.")),
    (permissions.ADMINISTER, _("Staff accounts"), "/staff/accounts/",
     _("Accounts of the library's staff and their roles.")),
    (permissions.ADMINISTER, _("Self-check kiosks (SIP2)"), "/staff/sip2/",
     _("Accounts of the self-check and RFID kiosks.")),
    (NETWORK, _("Harvesting (OAI-PMH)"), "/staff/harvest/",
     _("Records harvested from other libraries' catalogues.")),
]


@login_required
def home(request):
    user = request.user
    actions = []
    for capability, label, url, description in ACTIONS:
        if capability == NETWORK:
            ids = None if permissions.is_network_admin(user) else set()
        else:
            ids = permissions.library_ids_for(user, capability)
        if ids is None:
            where = [_("every library of the network")]
        elif ids:
            where = list(Library.objects.filter(pk__in=ids).values_list("name", flat=True))
        else:
            continue
        actions.append({"label": label, "url": url, "description": description, "where": where})
    roles = permissions.staff_roles(user)
    return render(request, "staff/home.html", {"actions": actions, "roles": roles})
