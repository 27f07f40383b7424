"""Setting up circulation from the staff pages: the loan-rule matrix, calendars and
closed days, reader categories. Circulation staff see them; administrators change
them (``circulation.rules`` says who may change what)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuvien.catalog.models import ItemType
from thuvien.circulation import patron_import, rules
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import ClosedDay, LoanRule, ReaderCategory
from thuvien.circulation.views.common import as_id, clean_text, desk_required
from thuvien.network.models import Library

NETWORK = "network"


def _libraries():
    return Library.objects.filter(is_active=True).exclude(library_type="network").order_by("name_sort")


def _scope(request, value=None):
    """(library or None for the network, its key for URLs) from ``?library=``; default: the desk's."""
    value = request.GET.get("library") if value is None else value
    if value == NETWORK:
        return None, NETWORK
    library = _libraries().filter(pk=as_id(value)).first() if value else None
    library = library or request.desk_library
    return library, str(library.pk)


def _with_scope(name, key, **kwargs):
    return f"{reverse(name, kwargs=kwargs or None)}?{urlencode({'library': key})}"


def _weekday_names():
    return [(str(number), name) for number, name in sorted(WEEKDAYS.items())]


# --------------------------------------------------------------------------- loan rules

@desk_required
def rule_list(request):
    library, key = _scope(request)
    context = {
        "library": request.desk_library, "scope": library, "scope_key": key, "libraries": _libraries(),
        "rules": rules.rules_for(library), "can_edit": rules.can_edit(request.user, library),
        "network_rules": rules.rules_for(None) if library is not None else [],
    }
    if library is not None:
        context["categories"], context["types"], context["cells"] = rules.matrix(library)
    return render(request, "circulation/setup/rules.html", context)


def _rule_values(post):
    values = {name: clean_text(post.get(name), 20) for name in rules.NUMBERS}
    values.update({name: post.get(name) == "1" for name in rules.FLAGS})
    return values


@desk_required
def rule_edit(request, pk=None):
    rule = None
    if pk is not None:
        rule = LoanRule.objects.select_related("library", "category").filter(pk=pk).first()
        if rule is None:
            raise Http404
        library, key = (rule.library, str(rule.library_id)) if rule.library_id else (None, NETWORK)
    else:
        library, key = _scope(request, request.POST.get("scope") or request.GET.get("library"))
    can_edit = rules.can_edit(request.user, library)
    errors = []
    if request.method == "POST":
        values = _rule_values(request.POST)
        chosen = request.POST.get("category") or ""
        category = ReaderCategory.objects.filter(pk=as_id(chosen)).first() if chosen else None
        if chosen and category is None:
            errors.append(_("Unknown reader category."))
        item_type = clean_text(request.POST.get("item_type"), 20)
        if rule is not None and rules.is_network_default(rule):
            category, item_type = None, ""
        try:
            if errors:
                raise CirculationError("invalid_data", detail=errors[0])
            rules.save_rule(request.user, library, category, item_type, values, rule_id=rule.pk if rule else None)
        except CirculationError as exc:
            errors = [exc.message]
        else:
            messages.success(request, _("The loan rule is saved."))
            return redirect(_with_scope("circulation:rules", key))
        form = {**values, "category": category.pk if category else "", "item_type": item_type}
    elif rule is not None:
        form = {name: getattr(rule, name) for name in (*rules.NUMBERS, *rules.FLAGS)}
        form.update(category=rule.category_id or "", item_type=rule.item_type)
    else:
        default = LoanRule.objects.filter(library__isnull=True, category__isnull=True, item_type="").first() \
            or LoanRule()
        form = {name: getattr(default, name) for name in (*rules.NUMBERS, *rules.FLAGS)}
        form.update(category="", item_type="")
    return render(request, "circulation/setup/rule_form.html", {
        "library": request.desk_library, "scope": library, "scope_key": key, "rule": rule, "form": form,
        "errors": errors, "can_edit": can_edit, "categories": ReaderCategory.objects.all(),
        "types": ItemType.choices, "numbers": [(n, LoanRule._meta.get_field(n).verbose_name) for n in rules.NUMBERS],
        "flags": [(n, LoanRule._meta.get_field(n).verbose_name) for n in rules.FLAGS],
        "is_default": rule is not None and rules.is_network_default(rule),
    })


@desk_required
@require_POST
def rule_delete(request, pk):
    rule = LoanRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    key = str(rule.library_id) if rule.library_id else NETWORK
    try:
        rules.delete_rule(request.user, pk)
    except CirculationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The loan rule is deleted."))
    return redirect(_with_scope("circulation:rules", key))


# --------------------------------------------------------------------------- calendars

@desk_required
def calendar(request):
    library, key = _scope(request)
    if request.method == "POST":
        _calendar_post(request, library)
        return redirect(_with_scope("circulation:calendar", key))
    closed = ClosedDay.objects.select_related("library").order_by("date")
    closed = closed.filter(library__isnull=True) if library is None else closed.filter(library=library)
    return render(request, "circulation/setup/calendar.html", {
        "library": request.desk_library, "scope": library, "scope_key": key, "libraries": _libraries(),
        "can_edit": rules.can_edit(request.user, library),
        "can_edit_network": rules.can_edit(request.user, None),
        "open_days": rules.opening_days(library) if library is not None else "",
        "weekdays": _weekday_names(), "closed": closed[:500],
        "network_closed": ClosedDay.objects.filter(library__isnull=True).order_by("date")[:200]
        if library is not None else [],
    })


def _calendar_post(request, library):
    action = request.POST.get("action")
    try:
        if action == "weekdays":
            rules.set_opening_days(request.user, library, request.POST.getlist("weekday"))
            messages.success(request, _("The opening days are saved."))
        elif action == "close":
            first, last = _dates(request.POST.get("first"), request.POST.get("last"))
            count = rules.add_closed_days(request.user, library, first, last, clean_text(request.POST.get("reason"),
                                                                                        200))
            messages.success(request, _("%(n)d closed day(s) added.") % {"n": count})
        elif action == "open":
            rules.remove_closed_day(request.user, as_id(request.POST.get("day")))
            messages.success(request, _("The closed day is removed."))
        else:
            messages.error(request, _("Choose what to change."))
    except CirculationError as exc:
        messages.error(request, exc.message)


def _dates(first, last):
    try:
        first = patron_import.parse_date(clean_text(first, 20))
        last = patron_import.parse_date(clean_text(last, 20)) if clean_text(last, 20) else first
    except ValueError:
        raise CirculationError("invalid_data", detail=_("Write dates as 31/12/2026 or 2026-12-31.")) from None
    return first, last


# --------------------------------------------------------------------------- reader categories

@desk_required
def categories(request):
    can_edit = rules.can_edit(request.user, None)
    errors, form = [], {"code": "", "name": "", "position": ""}
    if request.method == "POST":
        action = request.POST.get("action")
        form = {name: clean_text(request.POST.get(name), 100) for name in ("code", "name", "position")}
        try:
            if action == "delete":
                rules.delete_category(request.user, as_id(request.POST.get("category")))
                messages.success(request, _("The reader category is deleted."))
            else:
                rules.save_category(request.user, form["code"], form["name"], form["position"] or 0,
                                    category_id=as_id(request.POST.get("category")) or None)
                messages.success(request, _("The reader category is saved."))
        except CirculationError as exc:
            errors = [exc.message]
        else:
            return redirect("circulation:categories")
    return render(request, "circulation/setup/categories.html", {
        "library": request.desk_library, "categories": ReaderCategory.objects.all(), "can_edit": can_edit,
        "errors": errors, "form": form,
    })
