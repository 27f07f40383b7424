"""The desk's work lists: pull list, copies in transit, remote copy and postal requests."""

import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.circulation import requests as circulation_requests
from thuvien.circulation import services
from thuvien.circulation.models import RequestState
from thuvien.circulation.views.common import desk_required

STATE_FILTERS = ("open", *RequestState.values)


@desk_required
def pull_list(request):
    return render(request, "circulation/pull_list.html", {
        "library": request.desk_library, "rows": services.pull_list(request.desk_library),
    })


@desk_required
def hold_shelf(request):
    """Copies waiting on this library's hold shelf, the first to expire first."""
    return render(request, "circulation/hold_shelf.html", {
        "library": request.desk_library, "holds": services.hold_shelf(request.desk_library),
    })


@desk_required
def transit(request):
    incoming = services.in_transit(request.desk_library, incoming=True)
    outgoing = services.in_transit(request.desk_library, incoming=False)
    return render(request, "circulation/transit.html", {
        "library": request.desk_library, "incoming": incoming, "outgoing": outgoing,
    })


@desk_required
def requests(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in circulation_requests.KINDS else "copy"
    state = request.GET.get("state") if request.GET.get("state") in STATE_FILTERS else "open"
    rows = circulation_requests.staff_requests(request.user, kind)
    rows = rows.filter(state__in=circulation_requests.OPEN_STATES) if state == "open" else rows.filter(state=state)
    return render(request, "circulation/requests.html", {
        "library": request.desk_library, "kind": kind, "state": state, "rows": rows[:500],
        "states": [("open", _("Open"))] + list(RequestState.choices),
    })


def _request_or_404(request, kind, pk):
    if kind not in circulation_requests.KINDS:
        raise Http404
    row = circulation_requests.staff_requests(request.user, kind).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


@desk_required
def request_detail(request, kind, pk):
    row = _request_or_404(request, kind, pk)
    if request.method == "POST":
        state = request.POST.get("state")
        if state not in RequestState.values:
            messages.error(request, _("Choose a state."))
        else:
            try:
                circulation_requests.update_request(request.user, kind, pk, state, request.FILES.get("file"))
            except circulation_requests.RequestError as exc:
                messages.error(request, str(exc))
            except PermissionDenied:
                messages.error(request, _("You are not allowed to handle requests of this library."))
            else:
                messages.success(request, _("The request was updated."))
        return redirect("circulation:request", kind=kind, pk=pk)
    allowed = circulation_requests.TRANSITIONS.get(row.state, set())
    return render(request, "circulation/request_detail.html", {
        "library": request.desk_library, "kind": kind, "row": row,
        "states": [(v, label) for v, label in RequestState.choices if v in allowed or v == row.state],
        "can_act": permissions.can(request.user, permissions.CIRCULATE, row.library_id),
        "back": reverse("circulation:requests") + f"?kind={kind}",
    })


@desk_required
def request_file(request, kind, pk):
    row = _request_or_404(request, kind, pk)
    if kind != "copy" or not row.file:
        raise Http404
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=os.path.basename(row.file.name))
