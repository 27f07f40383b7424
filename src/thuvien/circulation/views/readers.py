"""Readers at the desk: find, register, change, approve online registrations, load a file."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuvien.circulation import patron_import, registration
from thuvien.circulation.models import Reader, ReaderCategory, ReaderStatus
from thuvien.circulation.views.common import (
    as_id,
    clean_code,
    clean_text,
    desk_libraries,
    desk_required,
)

SESSION_IMPORT = "circulation_import_report"
REPORT_ROWS = 500


def _reader_values(post):
    """Reader fields from a form (dates as typed, checked by the service)."""
    values = {name: clean_text(post.get(name), 255) for name in ("name", "email", "phone", "address")}
    values["category"] = clean_text(post.get("category"), 40)
    errors = []
    for name, label in (("birth_date", _("birth date")), ("expires_on", _("expiry date"))):
        text = clean_text(post.get(name), 20)
        if not text:
            values[name] = None
            continue
        try:
            values[name] = patron_import.parse_date(text)
        except ValueError:
            errors.append(_("The %(field)s “%(value)s” is not a date (write it as 31/12/2010 or 2010-12-31).")
                          % {"field": label, "value": text})
    return values, errors


@desk_required
def search(request):
    """Find readers by card number or name."""
    q = clean_text(request.GET.get("q"), 100)
    page = None
    if q:
        readers = (Reader.objects.exclude(status=ReaderStatus.ERASED)
                   .filter(Q(card_number__iexact=clean_code(q)) | Q(name__icontains=q))
                   .select_related("home_library", "category").order_by("name", "card_number"))
        exact = readers.filter(card_number__iexact=clean_code(q)).first()
        if exact is not None and readers.count() == 1:
            return redirect("circulation:reader", card=exact.card_number)
        page = Paginator(readers, 50).get_page(request.GET.get("page"))
    return render(request, "circulation/readers.html", {"library": request.desk_library, "q": q, "page": page})


@desk_required
def register(request):
    """Register a reader at the desk: the desk's library is their home."""
    values, errors = {}, []
    if request.method == "POST":
        values, errors = _reader_values(request.POST)
        card = clean_code(request.POST.get("card_number"), 32)
        password = request.POST.get("password") or None
        if not errors:
            try:
                reader = registration.register_at_desk(
                    request.user, request.desk_library, values, card_number=card, password=password or "",
                    confirm=request.POST.get("password2") or "", consent=request.POST.get("consent") == "1")
            except registration.RegistrationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("Reader %(name)s registered with card number %(card)s.")
                                 % {"name": reader.name, "card": reader.card_number})
                return redirect("circulation:reader", card=reader.card_number)
        values["card_number"] = card
    return render(request, "circulation/register.html", {
        "library": request.desk_library, "values": values, "errors": errors,
        "categories": ReaderCategory.objects.all(),
    })


@desk_required
def edit(request, card):
    reader = Reader.objects.exclude(status=ReaderStatus.ERASED).filter(card_number=clean_code(card)).first()
    if reader is None:
        messages.error(request, _("No reader has the card number %(code)s.") % {"code": clean_code(card)})
        return redirect("circulation:desk")
    errors, values = [], None
    if request.method == "POST":
        values, errors = _reader_values(request.POST)
        if not errors:
            try:
                registration.update_at_desk(request.user, reader.card_number, values)
            except registration.RegistrationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("The reader's data was saved."))
                return redirect("circulation:reader", card=reader.card_number)
    if values is None:
        values = {name: getattr(reader, name) for name in registration.EDITABLE}
        values["category"] = reader.category.code
    return render(request, "circulation/reader_edit.html", {
        "library": request.desk_library, "reader": reader, "values": values, "errors": errors,
        "categories": ReaderCategory.objects.all(),
    })


@desk_required
@require_POST
def password(request, card):
    """Give the reader a password for their online account."""
    card = clean_code(card)
    try:
        registration.set_password_at_desk(request.user, card, request.POST.get("password") or "",
                                          request.POST.get("password2") or "")
    except registration.RegistrationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The reader can now log in to the online catalogue with the card number "
                                    "and this password."))
    return redirect("circulation:reader", card=card)


@desk_required
def pending(request):
    """The queue of online registrations waiting for a librarian."""
    readers = registration.pending_readers(request.user).order_by("created_at")
    return render(request, "circulation/pending.html", {"library": request.desk_library, "readers": readers})


@desk_required
@require_POST
def approve(request, card):
    card = clean_code(card)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Choose to approve or to refuse."))
        return redirect("circulation:pending")
    try:
        reader = registration.decide(request.user, card, approve=decision == "approve")
    except registration.RegistrationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if decision == "refuse":
            messages.success(request, _("The registration %(card)s was refused and its data deleted.")
                             % {"card": card})
        else:
            messages.success(request, _("The card %(card)s of %(name)s is now active.")
                             % {"card": card, "name": reader.name})
    return redirect("circulation:pending")


@desk_required
def import_file(request):
    """Load a list of readers (.csv or .xlsx) into the desk's library; a report follows."""
    libraries = desk_libraries(request.user)
    if request.method == "POST":
        upload = request.FILES.get("file")
        library = libraries.filter(pk=as_id(request.POST.get("library")) or request.desk_library.pk).first()
        if library is None:
            messages.error(request, _("Choose one of your libraries."))
        elif upload is None:
            messages.error(request, _("Choose a .csv or .xlsx file."))
        elif request.POST.get("consent") != "1":
            messages.error(request, _("Confirm that the readers (or their parents) agreed to the processing of "
                                      "their personal data."))
        elif upload.size > patron_import.MAX_BYTES:
            messages.error(request, _("The file is too large (at most %(mb)s MB).")
                           % {"mb": patron_import.MAX_BYTES // (1024 * 1024)})
        else:
            try:
                plan, summary = patron_import.load(upload.read(), upload.name, library, actor=request.user,
                                                   consent=True)
            except patron_import.ImportFileError as exc:
                messages.error(request, str(exc))
            else:
                request.session[SESSION_IMPORT] = _report(plan, summary, library, upload.name)
                return redirect(f"{reverse('circulation:import')}?report=1")
        return redirect("circulation:import")
    report = request.session.get(SESSION_IMPORT) if request.GET.get("report") else None
    return render(request, "circulation/import.html", {
        "library": request.desk_library, "libraries": libraries, "report": report,
        "headers": patron_import.HEADERS,
    })


def _report(plan, summary, library, filename):
    return {
        "file": filename, "library": library.name,
        "missing": [str(name) for name in plan.missing],
        "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
        "rejected_count": len(summary.rejected),
        "rejected": [(line, [str(r) for r in reasons]) for line, reasons in summary.rejected[:REPORT_ROWS]],
    }
