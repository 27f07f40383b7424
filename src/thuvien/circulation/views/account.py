"""The reader's account in the OPAC: log in with the card number, loans and renewals,
holds, fines, reading history, remote copies and postal delivery, self-registration."""

import os
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuvien.accounts import throttle
from thuvien.circulation import registration, services
from thuvien.circulation import requests as circulation_requests
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import (
    CopyRequest,
    Hold,
    Loan,
    PostalRequest,
    Reader,
    ReaderCategory,
    ReaderStatus,
    RequestState,
)
from thuvien.circulation.views.common import (
    as_id,
    clean_code,
    clean_paragraphs,
    clean_text,
    safe_next,
)
from thuvien.circulation.views.readers import _reader_values
from thuvien.network.models import Library

MAX_FAILURES = 5  # per card; four times as many from one address (a school's shared line)


def current_reader(request):
    """The reader logged in to this session, or ``None``."""
    if not request.user.is_authenticated:
        return None
    return (Reader.objects.filter(user=request.user).exclude(status=ReaderStatus.ERASED)
            .select_related("home_library", "category").first())


def reader_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        reader = current_reader(request)
        if reader is None:
            return redirect(f"{reverse('account:login')}?{urlencode({'next': request.get_full_path()})}")
        request.reader = reader
        return view(request, *args, **kwargs)

    return wrapper


def _pickup_libraries():
    return Library.objects.filter(is_active=True).exclude(library_type="network").order_by("name_sort")


def login_view(request):
    """Log in with the card number and a password."""
    card = ""
    if request.method == "POST":
        card = clean_code(request.POST.get("card_number"), 32)
        attempt = throttle.LoginForm("reader", request, card, limit=MAX_FAILURES)
        if attempt.blocked():
            messages.error(request, _("Too many failed attempts. Wait 15 minutes and try again."))
        else:
            reader = services.authenticate_reader(card, request.POST.get("password") or "") if card else None
            if reader is None or reader.user is None:
                attempt.failed()
                messages.error(request, _("The card number or the password is wrong."))
            else:
                attempt.succeeded()
                login(request, reader.user, backend="django.contrib.auth.backends.ModelBackend")
                return safe_next(request, reverse("account:home"))
    elif current_reader(request) is not None:
        return redirect("account:home")
    return render(request, "circulation/account/login.html", {
        "card": card, "next": request.GET.get("next") or request.POST.get("next") or "",
    })


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("account:login")


def register(request):
    """Self-registration online: the card waits for a librarian's approval."""
    values, errors = {}, []
    libraries = _pickup_libraries()
    categories = ReaderCategory.objects.exclude(code="staff")
    if request.method == "POST":
        values, errors = _reader_values(request.POST)
        if not categories.filter(code=values.get("category")).exists():
            values["category"] = ""  # the library's default; staff categories are given at the desk only
        library = libraries.filter(pk=as_id(request.POST.get("library"))).first()
        values["library"] = library
        if library is None:
            errors.append(_("Choose the library where you will collect your card."))
        if not errors:
            fields = {k: v for k, v in values.items() if k in registration.EDITABLE and k != "expires_on"}
            try:
                reader = registration.register_online(
                    library, fields, request.POST.get("password") or "", request.POST.get("password2") or "",
                    request.POST.get("consent") == "1")
            except registration.RegistrationError as exc:
                errors = exc.messages
            else:
                login(request, reader.user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _(
                    "Thank you. Your card number is %(card)s. Bring an identity document to %(library)s: "
                    "a librarian will approve your registration.") % {"card": reader.card_number,
                                                                    "library": library.name})
                return redirect("account:home")
    return render(request, "circulation/account/register.html", {
        "values": values, "errors": errors, "libraries": libraries,
        "categories": categories,
    })


@reader_required
def home(request):
    """Loans and due dates, holds, fines, requests."""
    reader = request.reader
    try:
        summary = services.reader_summary(reader.card_number)
    except CirculationError as exc:
        messages.error(request, exc.message)
        summary = None
    now = timezone.now()
    return render(request, "circulation/account/home.html", {
        "reader": reader, "summary": summary,
        "loans": [(loan, loan.due_at < now) for loan in summary.loans] if summary else [],
        "pending": reader.status == ReaderStatus.PENDING,
    })


@reader_required
@require_POST
def renew(request):
    reader = request.reader
    if request.POST.get("all"):
        try:
            renewed, refused = services.renew_all(request.user, reader.card_number, channel="opac")
        except CirculationError as exc:
            messages.error(request, exc.message)
            return redirect("account:home")
        if renewed:
            messages.success(request, _("%(n)s loan(s) renewed.") % {"n": len(renewed)})
        for loan, exc in refused:
            messages.error(request, f"{loan.item.record.title}: {exc.message}")
        return redirect("account:home")
    barcode = clean_code(request.POST.get("barcode"))
    if not Loan.objects.filter(reader=reader, item__barcode=barcode, returned_at__isnull=True).exists():
        messages.error(request, _("You do not have this copy on loan."))
        return redirect("account:home")
    try:
        loan = services.renew(request.user, barcode, channel="opac")
    except CirculationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Renewed: “%(title)s”, now due %(due)s.") % {
            "title": loan.item.record.title, "due": timezone.localtime(loan.due_at).strftime("%d/%m/%Y")})
    return redirect("account:home")


@reader_required
def place_hold(request, record_id):
    """Reserve a title: any copy in the network or one library's copies; collect it where you choose."""
    reader = request.reader
    record = circulation_requests.public_record(record_id)
    if record is None:
        raise Http404
    pickups = _pickup_libraries()
    holding = circulation_requests.holding_libraries(record)
    if request.method == "POST":
        pickup = pickups.filter(pk=as_id(request.POST.get("pickup_library"))).first()
        scope = request.POST.get("scope") or "any"
        library = None
        if scope != "any":
            library = holding.filter(pk=as_id(scope)).first()
        if pickup is None:
            messages.error(request, _("Choose the library where you will collect the book."))
        elif scope != "any" and library is None:
            messages.error(request, _("This library holds no copy of the book."))
        else:
            try:
                services.place_hold(request.user, reader.card_number, record.pk, pickup, library=library,
                                    channel="opac")
            except CirculationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Your hold on “%(title)s” is placed; we will tell you when it is "
                                            "ready at %(library)s.") % {"title": record.title,
                                                                       "library": pickup.name})
                return redirect("account:home")
        return redirect("account:place_hold", record_id=record.pk)
    return render(request, "circulation/account/place_hold.html", {
        "reader": reader, "record": record, "pickups": pickups, "holding": holding,
    })


@reader_required
@require_POST
def cancel_hold(request, pk):
    if not Hold.objects.filter(pk=pk, reader=request.reader).exists():
        raise Http404
    try:
        services.cancel_hold(request.user, pk)
    except CirculationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The hold is cancelled."))
    return redirect("account:home")


@reader_required
def history(request):
    """Reading history: shown, and kept, only if the reader opted in."""
    reader = request.reader
    if request.method == "POST":
        keep = request.POST.get("keep") == "1"
        try:
            services.set_keep_history(request.user, reader.card_number, keep)
        except CirculationError as exc:
            messages.error(request, exc.message)
            return redirect("account:history")
        messages.success(request, _("Your reading history is now kept.") if keep
                         else _("Your reading history is no longer kept."))
        return redirect("account:history")
    loans = []
    if reader.keep_history:
        loans = (Loan.objects.filter(reader=reader, returned_at__isnull=False)
                 .select_related("item__record", "library").order_by("-returned_at")[:200])
    return render(request, "circulation/account/history.html", {"reader": reader, "loans": loans})


@reader_required
def requests_list(request):
    reader = request.reader
    return render(request, "circulation/account/requests.html", {
        "reader": reader,
        "copy_requests": CopyRequest.objects.filter(reader=reader).select_related("record", "library")
        .order_by("-created_at"),
        "postal_requests": PostalRequest.objects.filter(reader=reader).select_related("record", "library")
        .order_by("-created_at"),
    })


def _request_form(request, record_id, kind):
    reader = request.reader
    record = circulation_requests.public_record(record_id)
    if record is None:
        raise Http404
    holding = circulation_requests.holding_libraries(record)
    values = {"address": reader.address, "pages": "", "note": "", "library": ""}
    if request.method == "POST":
        values = {"address": clean_text(request.POST.get("address"), 300),
                  "pages": clean_text(request.POST.get("pages"), 200),
                  "note": clean_paragraphs(request.POST.get("note")), "library": request.POST.get("library") or ""}
        library_id = as_id(values["library"]) or None
        try:
            if kind == "copy":
                circulation_requests.request_copy(request.user, reader, record.pk, values["pages"], values["note"],
                                                  library_id)
            else:
                if request.POST.get("accept_fee") != "1":
                    raise circulation_requests.RequestError(_("Tick the box to accept the fee."))
                circulation_requests.request_postal(request.user, reader, record.pk, values["address"], library_id)
        except circulation_requests.RequestError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your request was sent to the library."))
            return redirect("account:requests")
    return render(request, f"circulation/account/request_{kind}.html", {
        "reader": reader, "record": record, "holding": holding, "values": values,
        "postal_fee": circulation_requests.postal_fee(),
        "active": reader.status == ReaderStatus.ACTIVE,
    })


@reader_required
def request_copy(request, record_id):
    return _request_form(request, record_id, "copy")


@reader_required
def request_postal(request, record_id):
    return _request_form(request, record_id, "postal")


@reader_required
@require_POST
def cancel_request(request, kind, pk):
    try:
        circulation_requests.cancel_request(request.user, request.reader, kind, pk)
    except circulation_requests.RequestError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The request is cancelled."))
    return redirect("account:requests")


@reader_required
def copy_file(request, pk):
    row = CopyRequest.objects.filter(pk=pk, reader=request.reader, state=RequestState.DONE).first()
    if row is None or not row.file:
        raise Http404
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=os.path.basename(row.file.name))
