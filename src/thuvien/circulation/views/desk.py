"""The loan desk: scan a card, scan copies; check in, renew; blocks, overrides, money.

Every form posts and redirects (POST-redirect-GET); the outcome travels in Django's
messages, and a refused checkout that staff may override waits in the session until
staff confirm it. Every change goes through ``circulation.services``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuvien.catalog.models import Item
from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import Loan, Reader, ReaderStatus
from thuvien.circulation.views.common import (
    SESSION_LIBRARY,
    as_id,
    clean_code,
    clean_text,
    desk_libraries,
    desk_required,
    override_codes,
    parse_amount,
    safe_next,
)

SESSION_PENDING = "circulation_desk_pending"
SESSION_CHECKINS = "circulation_desk_checkins"
CHECKINS_KEPT = 15


def _date(value):
    return formats.date_format(timezone.localtime(value) if hasattr(value, "tzinfo") else value, "d/m/Y")


def _money(amount):
    return f"{int(amount or 0):,}".replace(",", ".") + " đ"


def _title(item):
    record = getattr(item, "record", None)
    return getattr(record, "title", "") or item.barcode


@desk_required
def home(request):
    """Scan a card (or a copy): the desk's starting screen."""
    scan = clean_code(request.GET.get("scan") or request.GET.get("card"))
    if scan:
        if Reader.objects.filter(card_number=scan).exists():
            return redirect("circulation:reader", card=scan)
        if Item.objects.filter(barcode=scan).exists():
            return redirect(f"{reverse('circulation:item')}?{urlencode({'barcode': scan})}")
        messages.error(request, _("No reader has the card number %(code)s and no copy has this barcode.")
                       % {"code": scan})
        return redirect("circulation:desk")
    return render(request, "circulation/desk.html", {
        "libraries": desk_libraries(request.user), "library": request.desk_library,
    })


@desk_required
@require_POST
def choose_library(request):
    """Staff working in several libraries choose the one this desk acts for."""
    library = desk_libraries(request.user).filter(pk=as_id(request.POST.get("library"))).first()
    if library is None:
        raise PermissionDenied
    request.session[SESSION_LIBRARY] = library.pk
    request.session.pop(SESSION_PENDING, None)
    messages.success(request, _("This desk now works for %(library)s.") % {"library": library.name})
    return safe_next(request, reverse("circulation:desk"))


def _summary_or_none(request, card):
    try:
        return services.reader_summary(card, library=request.desk_library)
    except CirculationError as exc:
        messages.error(request, exc.message)
        return None


@desk_required
def reader(request, card):
    """The reader panel: loans and due dates, holds, fines, blocks; the checkout box."""
    card = clean_code(card)
    summary = _summary_or_none(request, card)
    if summary is None:
        return redirect("circulation:desk")
    pending = request.session.get(SESSION_PENDING)
    if pending and pending.get("card") != card:
        pending = None
    ledger = summary.ledger[:30]
    history = []
    if summary.reader.keep_history:
        history = list(Loan.objects.filter(reader=summary.reader, returned_at__isnull=False)
                       .select_related("item__record").order_by("-returned_at")[:20])
    now = timezone.now()
    return render(request, "circulation/reader.html", {
        "library": request.desk_library, "summary": summary, "reader": summary.reader,
        "loans": [(loan, loan.due_at < now) for loan in summary.loans],
        "blocks": summary.blocks, "pending": pending, "ledger": ledger, "history": history,
        "fines_owed": summary.fines_owed,
    })


@desk_required
@require_POST
def checkout(request, card):
    """Lend the scanned copy; an overridable block asks staff to confirm, and is recorded."""
    card, barcode = clean_code(card), clean_code(request.POST.get("barcode"))
    target = reverse("circulation:reader", kwargs={"card": card})
    if not barcode:
        messages.error(request, _("Scan or type the barcode of a copy."))
        return redirect(target)
    if not Item.objects.filter(barcode=barcode).exists() and Reader.objects.filter(card_number=barcode).exclude(
            status=ReaderStatus.ERASED).exists():
        # The next reader's card was scanned into the copy box: serve that reader.
        request.session.pop(SESSION_PENDING, None)
        return redirect("circulation:reader", card=barcode)
    codes = override_codes(request)
    try:
        loan = services.checkout(request.user, card, barcode, request.desk_library, channel="desk", override=codes)
    except CirculationError as exc:
        _refused(request, exc, card, barcode, "checkout", codes)
        if exc.code == "unknown_reader":
            return redirect("circulation:desk")
        return redirect(target)
    except PermissionDenied:
        messages.error(request, _("You are not allowed to lend at this library."))
        return redirect(target)
    request.session.pop(SESSION_PENDING, None)
    messages.success(request, _("Lent: “%(title)s” (%(barcode)s), due %(due)s.") % {
        "title": _title(loan.item), "barcode": loan.item.barcode, "due": _date(loan.due_at)})
    return redirect(target)


def _refused(request, exc, card, barcode, operation, codes):
    """Tell staff why; keep an overridable refusal waiting for their confirmation."""
    if exc.overridable:
        pending = request.session.get(SESSION_PENDING) or {}
        same = pending.get("card") == card and pending.get("barcode") == barcode and pending.get("op") == operation
        blocks = dict(pending.get("blocks", [])) if same else {}
        for code in codes:
            blocks.setdefault(code, code)
        blocks[exc.code] = exc.message
        request.session[SESSION_PENDING] = {
            "card": card, "barcode": barcode, "op": operation, "blocks": sorted(blocks.items()),
        }
        messages.warning(request, exc.message + " " + _("Staff may override this block; the override is recorded."))
    else:
        request.session.pop(SESSION_PENDING, None)
        messages.error(request, exc.message)


@desk_required
@require_POST
def renew(request, card):
    """Renew one loan (``barcode``) or every loan of the reader (``all``)."""
    card = clean_code(card)
    target = reverse("circulation:reader", kwargs={"card": card})
    if request.POST.get("all"):
        try:
            renewed, refused = services.renew_all(request.user, card, channel="desk")
        except CirculationError as exc:
            messages.error(request, exc.message)
            return redirect(target)
        if renewed:
            messages.success(request, _("%(n)s loan(s) renewed.") % {"n": len(renewed)})
        for loan, exc in refused:
            messages.error(request, f"{_title(loan.item)} ({loan.item.barcode}): {exc.message}")
        if not renewed and not refused:
            messages.info(request, _("The reader has no loans to renew."))
        return redirect(target)
    barcode = clean_code(request.POST.get("barcode"))
    _renew_one(request, barcode, card)
    return redirect(target)


def _renew_one(request, barcode, card=None):
    if not barcode:
        messages.error(request, _("Scan or type the barcode of a copy."))
        return None
    if card is not None and not Loan.objects.filter(item__barcode=barcode, reader__card_number=card,
                                                    returned_at__isnull=True).exists():
        messages.error(request, _("This reader does not have the copy %(barcode)s on loan.") % {"barcode": barcode})
        return None
    codes = override_codes(request)
    try:
        loan = services.renew(request.user, barcode, channel="desk", override=codes)
    except CirculationError as exc:
        _refused(request, exc, card or "", barcode, "renew", codes)
        return None
    except PermissionDenied:
        messages.error(request, _("You are not allowed to renew loans here."))
        return None
    request.session.pop(SESSION_PENDING, None)
    messages.success(request, _("Renewed: “%(title)s” (%(barcode)s), now due %(due)s.") % {
        "title": _title(loan.item), "barcode": loan.item.barcode, "due": _date(loan.due_at)})
    return loan


@desk_required
def renew_barcode(request):
    """Renew mode: scan copies without the reader's card."""
    if request.method == "POST":
        barcode = clean_code(request.POST.get("barcode"))
        loan = _renew_one(request, barcode)
        if loan is None and barcode:
            pending = request.session.get(SESSION_PENDING)
            if pending and pending.get("op") == "renew" and pending.get("barcode") == barcode:
                return redirect(f"{reverse('circulation:renew')}?pending=1")
        return redirect("circulation:renew")
    pending = request.session.get(SESSION_PENDING)
    if not (request.GET.get("pending") and pending and pending.get("op") == "renew"):
        pending = None
    return render(request, "circulation/renew.html", {"library": request.desk_library, "pending": pending})


@desk_required
def checkin(request):
    """Check-in mode: every copy scanned tells staff where it goes next."""
    if request.method == "POST":
        barcode = clean_code(request.POST.get("barcode"))
        if not barcode:
            messages.error(request, _("Scan or type the barcode of a copy."))
            return redirect("circulation:checkin")
        try:
            result = services.checkin(request.user, barcode, request.desk_library, channel="desk")
        except CirculationError as exc:
            messages.error(request, f"{barcode}: {exc.message}")
            return redirect("circulation:checkin")
        except PermissionDenied:
            messages.error(request, _("You are not allowed to check in at this library."))
            return redirect("circulation:checkin")
        entry = _checkin_entry(result, barcode, request.desk_library.pk)
        kept = [entry] + (request.session.get(SESSION_CHECKINS) or [])[: CHECKINS_KEPT - 1]
        request.session[SESSION_CHECKINS] = kept
        return safe_next(request, reverse("circulation:checkin"))
    entries = [e for e in (request.session.get(SESSION_CHECKINS) or [])
               if e.get("library") == request.desk_library.pk]
    return render(request, "circulation/checkin.html", {
        "library": request.desk_library, "last": entries[0] if entries else None, "entries": entries[1:],
    })


def _checkin_entry(result, barcode, library_id):
    """What the check-in screen shows about one copy (kept in the session, so plain data)."""
    item, loan, hold = result.item, result.loan, result.hold
    hold_reader = getattr(hold, "reader", None) if hold else None
    reader = getattr(loan, "reader", None) if loan else None
    return {
        "barcode": getattr(item, "barcode", barcode),
        "title": _title(item) if item is not None else barcode,
        "call_number": getattr(item, "call_number", "") or "",
        "action": result.action,
        "message": str(result.message or ""),
        "hold_reader": f"{hold_reader.name} ({hold_reader.card_number})" if hold_reader else "",
        "hold_card": hold_reader.card_number if hold_reader else "",
        "destination": result.destination.name if result.destination else "",
        "fine": int(result.fine or 0),
        "fine_text": _money(result.fine) if result.fine else "",
        "reader": f"{reader.name} ({reader.card_number})" if reader else "",
        "reader_card": reader.card_number if reader else "",
        "library": library_id,
        "at": timezone.localtime().strftime("%H:%M:%S"),
    }


@desk_required
def item(request):
    """One copy: its record, status, loan, holds; lost and damaged."""
    barcode = clean_code(request.GET.get("barcode"))
    summary = None
    if barcode:
        try:
            summary = services.item_summary(barcode)
        except CirculationError as exc:
            messages.error(request, exc.message)
            return redirect("circulation:item")
    return render(request, "circulation/item.html", {
        "library": request.desk_library, "barcode": barcode, "summary": summary,
    })


def _item_problem(request, operation, done):
    barcode = clean_code(request.POST.get("barcode"))
    fee = None
    if (request.POST.get("fee") or "").strip():
        fee = parse_amount(request.POST.get("fee"))
        if fee is None:
            messages.error(request, _("The amount must be a positive whole number of đồng."))
            return safe_next(request, f"{reverse('circulation:item')}?{urlencode({'barcode': barcode})}")
    default = f"{reverse('circulation:item')}?{urlencode({'barcode': barcode})}"
    if not barcode:
        messages.error(request, _("Scan or type the barcode of a copy."))
        return safe_next(request, default)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm."))
        return safe_next(request, default)
    try:
        operation(request.user, barcode, fee=fee)
    except CirculationError as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        messages.error(request, _("You are not allowed to do this at this library."))
    else:
        messages.success(request, done % {"barcode": barcode})
    return safe_next(request, default)


@desk_required
@require_POST
def mark_lost(request):
    return _item_problem(request, services.mark_lost, _("The copy %(barcode)s is recorded as lost."))


@desk_required
@require_POST
def mark_damaged(request):
    return _item_problem(request, services.mark_damaged, _("The copy %(barcode)s is recorded as damaged."))


@desk_required
@require_POST
def pay(request, card):
    """A payment into the ledger."""
    card = clean_code(card)
    target = reverse("circulation:reader", kwargs={"card": card})
    amount = parse_amount(request.POST.get("amount"))
    if amount is None:
        messages.error(request, _("The amount must be a positive whole number of đồng."))
        return redirect(target)
    try:
        services.pay(request.user, card, amount)
    except CirculationError as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        messages.error(request, _("You are not allowed to take payments here."))
    else:
        messages.success(request, _("Payment of %(amount)s recorded.") % {"amount": _money(amount)})
    return redirect(target)


@desk_required
@require_POST
def waive(request, card):
    """Staff of the reader's home library write off part of what the reader owes."""
    card = clean_code(card)
    target = reverse("circulation:reader", kwargs={"card": card})
    amount = parse_amount(request.POST.get("amount"))
    reason = clean_text(request.POST.get("note"), 255)
    if amount is None:
        messages.error(request, _("The amount must be a positive whole number of đồng."))
    elif not reason:
        messages.error(request, _("Give the reason for the waiver."))
    else:
        try:
            services.waive(request.user, card, amount, note=reason)
        except CirculationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Waiver of %(amount)s recorded.") % {"amount": _money(amount)})
    return redirect(target)


def _confirmed(request, card, operation, done):
    """Run a reader-panel action that needs its confirmation box ticked; True if done."""
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm."))
        return False
    try:
        operation(request.user, card)
    except CirculationError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


@desk_required
@require_POST
def erase(request, card):
    """Decree 13: the reader's personal data goes; past loans stay as anonymous statistics."""
    card = clean_code(card)
    done = _("The personal data of reader %(card)s was erased.") % {"card": card}
    if _confirmed(request, card, services.erase_reader, done):
        return redirect("circulation:desk")
    return redirect("circulation:reader", card=card)


@desk_required
@require_POST
def consent(request, card):
    """Decree 13: the reader agrees, at the desk, to the processing of their personal data today."""
    card = clean_code(card)
    _confirmed(request, card, services.record_consent, _("The reader's consent is recorded with today's date."))
    return redirect("circulation:reader", card=card)


@desk_required
@require_POST
def unblock(request, card):
    card = clean_code(card)
    try:
        services.unblock_reader(request.user, card)
    except CirculationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The block is lifted."))
    return redirect("circulation:reader", card=card)


@desk_required
@require_POST
def block(request, card):
    """Block a reader, with the reason staff give."""
    card = clean_code(card)
    target = reverse("circulation:reader", kwargs={"card": card})
    reason = clean_text(request.POST.get("reason"), 255)
    if not reason:
        messages.error(request, _("Give the reason for the block."))
        return redirect(target)
    try:
        services.block_reader(request.user, card, reason, channel="desk")
    except CirculationError as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        messages.error(request, _("You are not allowed to block this reader."))
    else:
        messages.success(request, _("The reader is blocked: %(reason)s") % {"reason": reason})
    return redirect(target)
