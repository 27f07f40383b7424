"""Setting up circulation: the loan-rule matrix, library calendars and closed days, and
reader categories. The only writers of those rows (``circulation.services`` reads them).

Who may change what: a library's own rules, opening days and closures belong to its
administrators (capability ``administer`` in that library); the network defaults, the
network-wide holidays and the reader categories to network administrators. Circulation
staff may look at all of it. A refused change raises ``CirculationError`` and writes nothing.
"""

import datetime as dt
import re

from django.db import transaction
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.catalog.models import ItemType
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import Calendar, ClosedDay, LoanRule, ReaderCategory
from thuvien.core.vietnamese import nfc

MAX_CLOSURE_DAYS = 62  # one form may close a library for a stretch (Tết, repairs), not for ever


# LoanRule field -> the whole numbers staff may type. The loan period stays under a
# year so that a due date is always checked against the calendar.
NUMBERS = {
    "loan_days": (1, 365),
    "renewals": (0, 99),
    "max_loans": (0, 999),
    "fine_per_day": (0, 10_000_000),
    "max_fines": (0, 1_000_000_000),
    "hold_pickup_days": (1, 60),
    "lost_fee": (0, 1_000_000_000),
}
FLAGS = ("holds_allowed", "can_leave_building")


def can_edit(user, library):
    """Whether ``user`` may change the rules or calendar of ``library`` (None: the network's)."""
    if library is None:
        return permissions.is_network_admin(user)
    return permissions.can(user, permissions.ADMINISTER, library)


def _require(user, library):
    if user is not None and not can_edit(user, library):
        raise CirculationError("not_permitted")


WHOLE = re.compile(r"[0-9]{1,10}|[0-9]{1,3}(\.[0-9]{3})+|[0-9]{1,3}(,[0-9]{3})+")


def _number(name, value):
    """A whole number as staff type it (2000, 2.000 or 2,000), within the field's bounds."""
    low, high = NUMBERS[name]
    text = str(value if value is not None else "").strip().replace(" ", "")
    number = int(text.replace(".", "").replace(",", "")) if WHOLE.fullmatch(text) else None
    if number is None or not low <= number <= high:
        label = str(LoanRule._meta.get_field(name).verbose_name)
        raise CirculationError("invalid_data", detail=_("%(field)s: a whole number from %(low)s to %(high)s.") % {
            "field": label[:1].upper() + label[1:], "low": low, "high": f"{high:,}".replace(",", ".")})
    return number


def _cell(library, category, item_type):
    if library is not None and library.is_network:
        library = None
    if category is not None and not isinstance(category, ReaderCategory):
        category = ReaderCategory.objects.filter(code=str(category)).first()
        if category is None:
            raise CirculationError("invalid_data", detail=_("Unknown reader category."))
    item_type = item_type or ""
    if item_type and item_type not in ItemType.values:
        raise CirculationError("invalid_data", detail=_("Unknown item type."))
    return library, category, item_type


def is_network_default(rule):
    return rule.library_id is None and rule.category_id is None and not rule.item_type


@transaction.atomic
def save_rule(actor, library, category, item_type, values, rule_id=None):
    """Create the rule of one cell (library × category × item type), or change rule
    ``rule_id``. ``values``: the numbers of NUMBERS (as typed) and the FLAGS (booleans)."""
    library, category, item_type = _cell(library, category, item_type)
    if rule_id is not None:
        rule = LoanRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise CirculationError("invalid_data", detail=_("This rule does not exist."))
        _require(actor, rule.library)
        if is_network_default(rule) and (library, category, item_type) != (None, None, ""):
            raise CirculationError("invalid_data", detail=_("The network default applies to every cell."))
    else:
        rule = LoanRule()
    _require(actor, library)
    numbers = {name: _number(name, values.get(name)) for name in NUMBERS}
    clash = LoanRule.objects.filter(library=library, category=category, item_type=item_type)
    if rule.pk:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise CirculationError("invalid_data", detail=_("A rule for this library, category and item type already "
                                                        "exists: change that one."))
    rule.library, rule.category, rule.item_type = library, category, item_type
    for name, number in numbers.items():
        setattr(rule, name, number)
    for name in FLAGS:
        setattr(rule, name, bool(values.get(name)))
    rule.save()
    return rule


@transaction.atomic
def delete_rule(actor, rule_id):
    rule = LoanRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise CirculationError("invalid_data", detail=_("This rule does not exist."))
    _require(actor, rule.library)
    if is_network_default(rule):
        raise CirculationError("invalid_data", detail=_("The network default cannot be deleted."))
    rule.delete()


def rules_for(library):
    """The rules that can apply at ``library``: the network's and its own."""
    rows = LoanRule.objects.select_related("library", "category")
    library_id = getattr(library, "pk", None)
    rows = rows.filter(library__isnull=True) if library_id is None else rows.filter(library_id=library_id)
    return sorted(rows, key=lambda r: (r.category.position if r.category else -1, r.category_id or 0, r.item_type))


def matrix(library):
    """The rule in force for every category × item type at ``library``:
    (categories, item types, {(category id, item type): rule})."""
    from thuvien.circulation.services import resolve_rule

    categories = list(ReaderCategory.objects.all())
    types = list(ItemType.choices)
    cells = {(c.pk, t): resolve_rule(library, c, t) for c in categories for t, _label in types}
    return categories, types, cells


# --------------------------------------------------------------------------- calendars

def opening_days(library):
    row = Calendar.objects.filter(library=library).first()
    return row.open_weekdays if row else "0123456"


@transaction.atomic
def set_opening_days(actor, library, weekdays):
    """The weekdays (0 = Monday … 6 = Sunday) the library is open."""
    if library is None or library.is_network:
        raise CirculationError("unknown_library")
    _require(actor, library)
    days = sorted({str(d) for d in weekdays if str(d) in "0123456" and len(str(d)) == 1})
    if not days:
        raise CirculationError("invalid_data", detail=_("Choose at least one opening day."))
    Calendar.objects.update_or_create(library=library, defaults={"open_weekdays": "".join(days)})
    return "".join(days)


@transaction.atomic
def add_closed_days(actor, library, first, last=None, reason=""):
    """Close ``library`` (None: every library) from ``first`` to ``last``; returns the days added."""
    if library is not None and library.is_network:
        library = None
    _require(actor, library)
    last = last or first
    if not isinstance(first, dt.date) or not isinstance(last, dt.date) or last < first:
        raise CirculationError("invalid_data", detail=_("The last day comes before the first."))
    if (last - first).days >= MAX_CLOSURE_DAYS:
        raise CirculationError("invalid_data", detail=_("At most %(n)d days at a time.") % {"n": MAX_CLOSURE_DAYS})
    reason = " ".join(nfc(reason or "").split())[:200]
    taken = set(ClosedDay.objects.filter(library=library, date__range=(first, last)).values_list("date", flat=True))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    added = [ClosedDay(library=library, date=day, reason=reason) for day in days if day not in taken]
    ClosedDay.objects.bulk_create(added)
    return len(added)


@transaction.atomic
def remove_closed_day(actor, closed_day_id):
    row = ClosedDay.objects.select_related("library").filter(pk=closed_day_id).first()
    if row is None:
        raise CirculationError("invalid_data", detail=_("This closed day does not exist."))
    _require(actor, row.library)
    row.delete()


# --------------------------------------------------------------------------- reader categories

@transaction.atomic
def save_category(actor, code, name, position=0, category_id=None):
    """Create or rename a reader category (network administrators)."""
    _require(actor, None)
    code = (code or "").strip().lower()
    name = " ".join(nfc(name or "").split())
    if not code or len(code) > 32 or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise CirculationError("invalid_data", detail=_("The code: letters, digits, - and _ (at most 32)."))
    if not name or len(name) > 100:
        raise CirculationError("invalid_data", detail=_("The name is required (at most 100 characters)."))
    position = _position(position)
    category = ReaderCategory() if category_id is None else ReaderCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise CirculationError("invalid_data", detail=_("This category does not exist."))
    if ReaderCategory.objects.filter(code=code).exclude(pk=category.pk).exists():
        raise CirculationError("invalid_data", detail=_("Another category has this code."))
    category.code, category.name, category.position = code, name, position
    category.save()
    return category


def _position(value):
    text = str(value or "0").strip()
    if not text.isdigit() or int(text) > 999:
        raise CirculationError("invalid_data", detail=_("The position: a whole number from 0 to 999."))
    return int(text)


@transaction.atomic
def delete_category(actor, category_id):
    """Delete a category no reader has (its own rules go with it)."""
    _require(actor, None)
    category = ReaderCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise CirculationError("invalid_data", detail=_("This category does not exist."))
    if category.readers.exists():
        raise CirculationError("invalid_data", detail=_("Readers belong to this category: move them first."))
    category.delete()
