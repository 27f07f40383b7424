"""Circulation rules. Every door (desk, OPAC, REST API, SIP2, CLI) calls these functions.

Each public function is one transaction: on SQLite the connection opens transactions
with ``BEGIN IMMEDIATE`` (settings), so writers serialise; on PostgreSQL the rows an
operation depends on are locked with ``SELECT … FOR NO KEY UPDATE`` first. A refused
operation raises ``CirculationError`` and changes nothing.

``actor`` is the Django user acting, or ``None`` for a trusted door (CLI, a SIP2 kiosk
that authenticated at the protocol level). A staff actor must hold the ``circulate``
capability in the library concerned; a reader acting for themselves (OPAC, API) may
only touch their own account and can never override a block.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.catalog.models import BibRecord, Item, ItemStatus
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import (
    ACTIVE_HOLD_STATUSES,
    Calendar,
    ClosedDay,
    CopyRequest,
    Hold,
    HoldStatus,
    LedgerEntry,
    LedgerKind,
    Loan,
    LoanRule,
    Override,
    PostalRequest,
    Reader,
    ReaderCategory,
    ReaderStatus,
    RequestState,
    Transfer,
)
from thuvien.core.vietnamese import nfc
from thuvien.network.models import Library
from thuvien.search.queue import enqueue

__all__ = [
    "CheckinResult",
    "CirculationError",
    "ItemSummary",
    "ReaderSummary",
    "approve_reader",
    "authenticate_reader",
    "block_reader",
    "cancel_hold",
    "checkin",
    "checkout",
    "due_date_for",
    "erase_reader",
    "expire_holds",
    "fines_owed",
    "hold_shelf",
    "in_transit",
    "item_summary",
    "mark_damaged",
    "mark_lost",
    "pay",
    "place_hold",
    "postal_fee",
    "pull_list",
    "reader_summary",
    "receive_transfer",
    "record_consent",
    "register_reader",
    "renew",
    "renew_all",
    "request_copy",
    "request_postal",
    "resolve_rule",
    "self_register",
    "set_keep_history",
    "set_password",
    "set_request_state",
    "unblock_reader",
    "update_reader",
    "upsert_reader",
    "waive",
]

CHANNELS = {"desk", "api", "sip2", "opac", "system"}
MAX_CALENDAR_SCAN = 366


# --------------------------------------------------------------------------- rules

class _DefaultRule:
    """Used when no LoanRule row matches at all (an empty database)."""

    pk = None
    loan_days = 14
    renewals = 2
    max_loans = 5
    holds_allowed = True
    fine_per_day = Decimal(1000)
    can_leave_building = True
    max_fines = Decimal(50000)
    hold_pickup_days = 7
    lost_fee = Decimal(100000)


DEFAULT_RULE = _DefaultRule()


RULE_FIELDS = [f.attname for f in LoanRule._meta.concrete_fields]


def _rule_sql():
    """SELECT of the best rule for (library, category, item type): 3 parameters."""
    columns = ", ".join(connection.ops.quote_name(name) for name in RULE_FIELDS)
    return (
        f"SELECT {columns} FROM {LoanRule._meta.db_table} "
        "WHERE (library_id = %s OR library_id IS NULL) AND (category_id = %s OR category_id IS NULL) "
        "AND (item_type = %s OR item_type = '') "
        "ORDER BY (CASE WHEN library_id IS NULL THEN 0 ELSE 4 END + CASE WHEN item_type = '' THEN 0 ELSE 2 END "
        "+ CASE WHEN category_id IS NULL THEN 0 ELSE 1 END) DESC, id LIMIT 1"
    )


def _rule_from_row(values):
    """A read-only view of a LoanRule row (``values`` in RULE_FIELDS order), or the default."""
    best = dict(zip(RULE_FIELDS, values))
    if best["id"] is None:
        return DEFAULT_RULE
    for name in ("fine_per_day", "max_fines", "lost_fee"):
        best[name] = Decimal(str(best[name]))
    best["can_leave_building"], best["holds_allowed"] = bool(best["can_leave_building"]), bool(best["holds_allowed"])
    best["pk"] = best["id"]
    return SimpleNamespace(**best)


def resolve_rule(library, category, item_type=""):
    """The most specific rule for library × category × item type: a library's own rule
    beats the network's, then a rule naming the item type beats one that does not, then
    one naming the category; the network default applies where nothing more specific does."""
    library_id = getattr(library, "pk", library)
    category_id = getattr(category, "pk", category)
    with connection.cursor() as cursor:
        cursor.execute(_rule_sql(), [library_id, category_id, item_type or ""])
        row = cursor.fetchone()
    return _rule_from_row(row) if row else DEFAULT_RULE


# --------------------------------------------------------------------------- calendars

def _closed_checker(library, start, end):
    """A function telling whether a date in [start, end] is a closed day of ``library``."""
    library_id = getattr(library, "pk", library)
    with connection.cursor() as cursor:  # one round trip: the weekdays and the closed days
        cursor.execute(
            f"SELECT c.open_weekdays, d.date FROM (SELECT 1 AS one) x "
            f"LEFT JOIN {Calendar._meta.db_table} c ON c.library_id = %s "
            f"LEFT JOIN {ClosedDay._meta.db_table} d ON (d.library_id = %s OR d.library_id IS NULL) "
            "AND d.date >= %s AND d.date <= %s", [library_id, library_id, start, end])
        rows = cursor.fetchall()
    closed = {value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
              for _w, value in rows if value is not None}
    weekdays = rows[0][0] if rows and rows[0][0] is not None else "0123456"
    if not weekdays:
        return lambda day: False  # a library with no opening day: never push dates
    return lambda day: day in closed or str(day.weekday()) not in weekdays


def _closed_days_sql():
    """A scalar subquery: the closed days of a library (and the network's) between two
    dates, as one comma-separated string. 3 parameters: library id, start, end."""
    aggregate = "string_agg(CAST(date AS text), ',')" if connection.vendor == "postgresql" \
        else "group_concat(date, ',')"
    return (f"(SELECT {aggregate} FROM {ClosedDay._meta.db_table} "
            "WHERE (library_id = %s OR library_id IS NULL) AND date >= %s AND date <= %s)")


def _checker_from(weekdays, closed_csv):
    closed = {dt.date.fromisoformat(value[:10]) for value in (closed_csv or "").split(",") if value}
    weekdays = "0123456" if weekdays is None else weekdays
    if not weekdays:
        return lambda day: False
    return lambda day: day in closed or str(day.weekday()) not in weekdays


def _first_open(is_closed, day):
    for _step in range(MAX_CALENDAR_SCAN):
        if not is_closed(day):
            return day
        day += dt.timedelta(days=1)
    return day


def next_open_day(library, day):
    """``day`` or the first open day of ``library`` after it."""
    is_closed = _closed_checker(library, day, day + dt.timedelta(days=MAX_CALENDAR_SCAN))
    for _step in range(MAX_CALENDAR_SCAN):
        if not is_closed(day):
            return day
        day += dt.timedelta(days=1)
    return day


def _end_of_day(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def due_date_for(library, days, start=None):
    """The due date ``days`` after ``start`` (today), moved to the next day the library is open."""
    start = start or timezone.localdate()
    return next_open_day(library, start + dt.timedelta(days=days))


def _open_days_late(library, due_day, return_day):
    """Days the library was open after the due date, up to the return date."""
    if return_day <= due_day:
        return 0
    is_closed = _closed_checker(library, due_day, return_day)
    days, day = 0, due_day + dt.timedelta(days=1)
    while day <= return_day:
        if not is_closed(day):
            days += 1
        day += dt.timedelta(days=1)
    return days


# --------------------------------------------------------------------------- helpers

def _channel(channel):
    if channel not in CHANNELS:
        raise CirculationError("invalid_data", detail=f"channel={channel!r}")
    return channel


def _is_self(actor, reader):
    return actor is not None and reader is not None and reader.user_id is not None and reader.user_id == actor.pk


def _can_circulate(actor, *libraries):
    if actor is None:
        return True
    return any(permissions.can(actor, permissions.CIRCULATE, lib) for lib in libraries if lib is not None)


def _authorise(actor, reader, *libraries):
    """Staff with ``circulate`` in one of ``libraries``, the reader themselves, or a trusted door."""
    if actor is None or _is_self(actor, reader) or _can_circulate(actor, *libraries):
        return
    raise CirculationError("not_permitted")


def _authorise_any(actor, reader):
    """Staff with ``circulate`` somewhere in the network, or the reader themselves."""
    if actor is None or _is_self(actor, reader):
        return
    if permissions.has_capability(actor, permissions.CIRCULATE):
        return
    raise CirculationError("not_permitted")


MAX_PK = 2**63 - 1


def _safe_text(value):
    """Text from outside, in NFC; ``None`` if it cannot be stored (NUL, lone surrogates)."""
    text = str(value if value is not None else "")
    if "\x00" in text:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return nfc(text)


def _clean_key(value):
    text = _safe_text(value)
    return "" if text is None or len(text) > 64 else text.strip()


def _text(value, limit):
    text = _safe_text(value)
    if text is None:
        raise CirculationError("invalid_data")
    return text.strip()[:limit]


def _pk(value, code):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise CirculationError(code) from None
    if not 0 < number <= MAX_PK:
        raise CirculationError(code)
    return number


def _get_reader(card_number, lock=False):
    card = _clean_key(card_number)
    if not card:
        raise CirculationError("unknown_reader")
    if lock:
        reader = _raw_locked(Reader, "card_number", card)
        if reader is None:
            raise CirculationError("unknown_reader")
    else:
        try:
            reader = Reader.objects.select_related("category", "home_library", "user").get(card_number=card)
        except Reader.DoesNotExist:
            raise CirculationError("unknown_reader") from None
    if reader.status == ReaderStatus.ERASED:
        raise CirculationError("unknown_reader")
    return reader


# In the models' field order (Model.from_db takes a subset in that order).
HOT_COLUMNS = {
    Item: ["id", "record_id", "barcode", "library_id", "item_type", "status"],
    Reader: ["id", "card_number", "user_id", "name", "home_library_id", "category_id", "expires_on", "status",
             "block_reason", "keep_history"],
}


def _raw_locked(model, column, value):
    """The row of ``model`` whose unique ``column`` is ``value``, locked until the end of
    the transaction (PostgreSQL: FOR NO KEY UPDATE; SQLite: BEGIN IMMEDIATE already holds
    the write lock). Plain SQL on the columns loans need (the others load on access):
    this is the hot path of every loan operation."""
    names = HOT_COLUMNS[model]
    suffix = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(names)} FROM {model._meta.db_table} WHERE {column} = %s{suffix}", [value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    if model is Reader:
        expires = values[6]
        if expires is not None and not isinstance(expires, dt.date):
            values[6] = dt.date.fromisoformat(str(expires))
        values[9] = bool(values[9])
    return model.from_db(connection.alias, names, values)


def _from_row(model, names, values):
    """A model instance from plain-SQL values, through the fields' database converters."""
    converted = []
    for name, value in zip(names, values):
        field = model._meta.get_field(name)
        column = field.get_col(model._meta.db_table)
        for converter in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


LOAN_COLUMNS = [f.attname for f in Loan._meta.concrete_fields]


def _lock_for_checkin(barcode):
    """(item, open loan or None, a hold waiting: True/False, or None if not asked), with
    the copy and its loan locked. One statement when the copy is on loan (the usual case)."""
    code = _clean_key(barcode)
    if not code:
        raise CirculationError("unknown_item")
    item_columns = HOT_COLUMNS[Item]
    suffix = " FOR NO KEY UPDATE OF i, l" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join('i.' + c for c in item_columns)}, {', '.join('l.' + c for c in LOAN_COLUMNS)}, "
            "r.keep_history, "
            f"(SELECT COUNT(*) FROM {Hold._meta.db_table} h WHERE h.record_id = i.record_id AND h.status = 'waiting' "
            "AND (h.library_id IS NULL OR h.library_id = i.library_id)) "
            f"FROM {Item._meta.db_table} i JOIN {Loan._meta.db_table} l ON l.item_id = i.id AND l.returned_at IS NULL "
            f"LEFT JOIN {Reader._meta.db_table} r ON r.id = l.reader_id WHERE i.barcode = %s{suffix}", [code])
        row = cursor.fetchone()
    if row is None:
        return _get_item(code), None, None
    n = len(item_columns)
    item = Item.from_db(connection.alias, item_columns, list(row[:n]))
    loan = _from_row(Loan, LOAN_COLUMNS, row[n:n + len(LOAN_COLUMNS)])
    loan.reader_keep_history = bool(row[-2])
    return item, loan, bool(row[-1])


def _get_item(barcode, lock=True):
    code = _clean_key(barcode)
    if not code:
        raise CirculationError("unknown_item")
    if lock:
        item = _raw_locked(Item, "barcode", code)
        if item is None:
            raise CirculationError("unknown_item")
        return item
    try:
        return Item.objects.select_related("library", "record").get(barcode=code)
    except Item.DoesNotExist:
        raise CirculationError("unknown_item") from None


def _open_loan(item, lock=True):
    """The copy's open loan (locked), with ``reader_keep_history``. Plain SQL: hot path."""
    suffix = " FOR NO KEY UPDATE OF l" if lock and connection.vendor == "postgresql" else ""
    rows = list(Loan.objects.raw(
        f"SELECT l.*, r.keep_history AS reader_keep_history FROM {Loan._meta.db_table} l "
        f"LEFT JOIN {Reader._meta.db_table} r ON r.id = l.reader_id "
        f"WHERE l.item_id = %s AND l.returned_at IS NULL{suffix}", [item.pk]))
    return rows[0] if rows else None


def fines_owed(reader):
    total = LedgerEntry.objects.filter(reader=reader).aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0)


def _reader_state_errors(reader, today=None):
    """Blocks coming from the reader alone (status and card)."""
    today = today or timezone.localdate()
    problems = []
    if reader.status == ReaderStatus.PENDING:
        problems.append(CirculationError("reader_pending"))
    elif reader.status == ReaderStatus.BLOCKED:
        detail = reader.block_reason or ""
        problems.append(CirculationError("reader_blocked", detail=detail))
    if reader.expires_on and reader.expires_on < today:
        problems.append(CirculationError("card_expired"))
    return problems


def _settle(problems, override, may_override, actor, reader, item, operation, channel):
    """Raise the first block that cannot be overridden; record the overrides of the others."""
    override = set(override or ())
    for problem in problems:
        if not problem.overridable:
            raise problem
    for problem in problems:
        if problem.code not in override or not may_override:
            raise problem
    if problems:
        Override.objects.bulk_create([
            Override(actor=actor, reader=reader, item=item, code=p.code, operation=operation, channel=channel)
            for p in problems
        ])


LOAN_INSERT_FIELDS = ["item_id", "reader_id", "category_id", "reader_library_id", "library_id", "checked_out_at",
                      "due_at", "renewals", "channel", "item_status_before", "lost"]


def _insert_loan(loan):
    """INSERT the new loan in one plain statement (checkout's hot path)."""
    adapt = connection.ops.adapt_datetimefield_value
    values = [getattr(loan, name) for name in LOAN_INSERT_FIELDS]
    values[5], values[6] = adapt(loan.checked_out_at), adapt(loan.due_at)
    sql = (f"INSERT INTO {Loan._meta.db_table} ({', '.join(LOAN_INSERT_FIELDS)}) "
           f"VALUES ({', '.join(['%s'] * len(values))})")
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(sql + " RETURNING id", values)
            loan.pk = cursor.fetchone()[0]
        else:  # pragma: no cover - old SQLite
            cursor.execute(sql, values)
            loan.pk = cursor.lastrowid
    loan._state.adding = False
    return loan


def _availability_changed(item, old_status):
    if (old_status == ItemStatus.AVAILABLE) != (item.status == ItemStatus.AVAILABLE):
        enqueue([item.record_id])


def _set_item_status(item, status):
    old = item.status
    if old == status:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Item._meta.db_table} SET status = %s, updated_at = %s WHERE id = %s",
                       [status, connection.ops.adapt_datetimefield_value(timezone.now()), item.pk])
    item.status = status
    _availability_changed(item, old)


def _elsewhere(item):
    name = Library.objects.filter(pk=item.library_id).values_list("name", flat=True).first() or ""
    return CirculationError("item_elsewhere", detail=_("Owner: %(library)s.") % {"library": name})


def _vnd(amount):
    """20000 -> "20.000 đ"."""
    return f"{int(amount):,}".replace(",", ".") + " đ"


def _notify(task_name, *args):
    """Queue an email notice in the same transaction (sent by ``thuvien worker``)."""
    from thuvien.circulation import tasks

    getattr(tasks, task_name).enqueue(*args)


# --------------------------------------------------------------------------- checkout

def _lock_reader_and_item(card_number, barcode):
    """The reader and the copy, both locked, in one statement; the usual errors otherwise."""
    card, code = _clean_key(card_number), _clean_key(barcode)
    reader_columns, item_columns = HOT_COLUMNS[Reader], HOT_COLUMNS[Item]
    row = None
    if card and code:
        suffix = " FOR NO KEY UPDATE OF r, i" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join('r.' + c for c in reader_columns)}, {', '.join('i.' + c for c in item_columns)} "
                f"FROM {Reader._meta.db_table} r, {Item._meta.db_table} i "
                f"WHERE r.card_number = %s AND i.barcode = %s{suffix}", [card, code])
            row = cursor.fetchone()
    if row is None:  # say which one is unknown
        _get_reader(card)
        _get_item(code, lock=False)
        raise CirculationError("unknown_item")
    n = len(reader_columns)
    reader = _from_row(Reader, reader_columns, row[:n])
    if reader.status == ReaderStatus.ERASED:
        raise CirculationError("unknown_reader")
    return reader, Item.from_db(connection.alias, item_columns, list(row[n:]))


@transaction.atomic
def _checkout(actor, card_number, barcode, library, channel, override):
    reader, item = _lock_reader_and_item(card_number, barcode)
    now = timezone.now()  # after the locks: loans of one copy never overlap in time
    self_service = _is_self(actor, reader) and not _can_circulate(actor, library)
    if not self_service and not _can_circulate(actor, library):
        raise CirculationError("not_permitted")
    may_override = actor is None or (not self_service and _can_circulate(actor, library))

    problems = _reader_state_errors(reader, timezone.localdate(now))
    if item.status == ItemStatus.ON_LOAN:  # an inconsistent status is caught by the unique index
        raise CirculationError("already_on_loan")
    if item.status == ItemStatus.WITHDRAWN:
        raise CirculationError("item_withdrawn")
    # One round trip: the loan rule, the reader's open loans, fines owed, whether a hold is
    # involved at all, and the library's calendar for the coming year.
    today = timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT best_rule.*, "
            f"(SELECT COUNT(*) FROM {Loan._meta.db_table} WHERE reader_id = %s AND returned_at IS NULL), "
            f"(SELECT COALESCE(SUM(amount), 0) FROM {LedgerEntry._meta.db_table} WHERE reader_id = %s), "
            f"(SELECT COUNT(*) FROM {Hold._meta.db_table} WHERE (item_id = %s OR (reader_id = %s AND record_id = %s)) "
            "AND status IN ('waiting', 'in_transit', 'ready')), "
            f"(SELECT open_weekdays FROM {Calendar._meta.db_table} WHERE library_id = %s), "
            f"{_closed_days_sql()} "
            f"FROM (SELECT 1 AS one) x LEFT JOIN ({_rule_sql()}) best_rule ON 1 = 1",
            [reader.pk, reader.pk, item.pk, reader.pk, item.record_id, library.pk,
             library.pk, today, today + dt.timedelta(days=MAX_CALENDAR_SCAN),
             library.pk, reader.category_id, item.item_type or ""])
        row = cursor.fetchone()
    width = len(RULE_FIELDS)
    rule = _rule_from_row(row[:width])
    open_loans, owed, hold_count, weekdays, closed_csv = row[width:]
    open_loans, owed = int(open_loans), Decimal(str(owed or 0))
    if item.status == ItemStatus.NOT_FOR_LOAN or not rule.can_leave_building:
        problems.append(CirculationError("not_for_loan"))
    elif item.status in (ItemStatus.LOST, ItemStatus.DAMAGED, ItemStatus.IN_PROCESSING):
        problems.append(CirculationError("item_unavailable"))
    elif item.status == ItemStatus.IN_TRANSIT:
        problems.append(CirculationError("item_in_transit"))
    if item.library_id != library.pk and item.status in (ItemStatus.AVAILABLE, ItemStatus.NOT_FOR_LOAN):
        # The records say this copy is on its own library's shelves, not at this desk.
        problems.append(_elsewhere(item))

    # Holds: this reader's own hold is filled by the loan; a copy kept for someone else is a block.
    holds = []
    if hold_count:
        holds = list(Hold.objects.select_for_update(no_key=True, of=("self",)).select_related("pickup_library").filter(
            Q(item=item) | Q(reader=reader, record_id=item.record_id), status__in=ACTIVE_HOLD_STATUSES))
    own = [h for h in holds if h.reader_id == reader.pk]
    others = [h for h in holds if h.reader_id != reader.pk and h.item_id == item.pk]
    if others and item.status in (ItemStatus.ON_HOLD_SHELF, ItemStatus.IN_TRANSIT):
        problems.append(CirculationError("item_on_hold"))

    if open_loans >= rule.max_loans:
        problems.append(CirculationError("loan_limit"))
    if owed > rule.max_fines:
        problems.append(CirculationError("fines_over_limit"))
    _settle(problems, override, may_override, actor, reader, item, "checkout", channel)

    before = item.status
    # The conditional update is the lock on SQLite and a second guard everywhere.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Item._meta.db_table} SET status = %s, updated_at = %s WHERE id = %s AND status = %s",
                       [ItemStatus.ON_LOAN, connection.ops.adapt_datetimefield_value(now), item.pk, before])
        if cursor.rowcount != 1:
            raise CirculationError("already_on_loan")
    item.status = ItemStatus.ON_LOAN
    due = _first_open(_checker_from(weekdays, closed_csv), today + dt.timedelta(days=rule.loan_days))
    loan = Loan(
        item=item, reader=reader, category_id=reader.category_id, reader_library_id=reader.home_library_id,
        library=library, checked_out_at=now, due_at=_end_of_day(due), channel=channel,
        item_status_before=before if before == ItemStatus.NOT_FOR_LOAN else "",
    )
    _insert_loan(loan)
    for hold in own:
        kept = hold.item_id if hold.status == HoldStatus.READY and hold.item_id != item.pk else None
        hold.status, hold.closed_at, hold.item = HoldStatus.COLLECTED, now, item
        if not reader.keep_history:
            hold.reader = None  # Decree 13: a collected hold is reading history too
        hold.save(update_fields=["status", "closed_at", "item", "reader"])
        if kept:  # the copy kept on the hold shelf for this reader is free for the next one
            other = Item.objects.select_for_update(no_key=True, of=("self",)).select_related("library").get(pk=kept)
            if other.status == ItemStatus.ON_HOLD_SHELF:
                _release(other, hold.pickup_library, now)
    for hold in others:  # overridden: the copy goes to this reader; the hold waits for another copy
        hold.status, hold.item, hold.ready_at, hold.expires_at = HoldStatus.WAITING, None, None, None
        hold.save(update_fields=["status", "item", "ready_at", "expires_at"])
    if before == ItemStatus.IN_TRANSIT:
        Transfer.objects.filter(item=item, received_at__isnull=True).update(received_at=now)
    _availability_changed(item, before)
    return loan


def checkout(actor, card_number, barcode, library, channel="desk", override=()):
    """Lend the copy ``barcode`` to the reader ``card_number`` at ``library``."""
    _channel(channel)
    if library is None:
        raise CirculationError("unknown_library")
    try:
        return _checkout(actor, card_number, barcode, library, channel, tuple(override or ()))
    except IntegrityError:
        # The partial unique index caught a concurrent loan of the same copy.
        raise CirculationError("already_on_loan") from None


# --------------------------------------------------------------------------- checkin

@dataclass
class CheckinResult:
    item: Item
    action: str  # "shelve" | "hold" | "transit"
    loan: Loan | None = None
    hold: Hold | None = None
    destination: Library | None = None
    fine: Decimal = Decimal(0)
    message: str = ""


HOLD_SCAN = 200


def _may_fill(library_id, category_id, item_type, cache=None):
    """Whether a copy of ``library_id`` and ``item_type`` may fill a hold of a reader of
    ``category_id``: the copy's own library's rule allows holds and lets it leave the building."""
    key = (library_id, category_id, item_type or "")
    if cache is not None and key in cache:
        return cache[key]
    rule = resolve_rule(library_id, category_id, item_type or "")
    allowed = bool(rule.holds_allowed and rule.can_leave_building)
    if cache is not None:
        cache[key] = allowed
    return allowed


def _next_hold_for(item, lock=True):
    """The oldest waiting hold this copy can fill (first come, first served)."""
    with connection.cursor() as cursor:  # a cheap probe first: most copies have no hold
        cursor.execute(
            f"SELECT id FROM {Hold._meta.db_table} WHERE record_id = %s AND status = 'waiting' "
            "AND (library_id IS NULL OR library_id = %s) LIMIT 1", [item.record_id, item.library_id])
        if cursor.fetchone() is None:
            return None
    qs = Hold.objects.filter(record_id=item.record_id, status=HoldStatus.WAITING).filter(
        Q(library__isnull=True) | Q(library_id=item.library_id)
    ).select_related("reader", "pickup_library").order_by("placed_at", "id")
    if lock:
        qs = qs.select_for_update(no_key=True, of=("self",))
    cache = {}
    for hold in qs[:HOLD_SCAN]:
        if _may_fill(item.library_id, hold.reader.category_id if hold.reader else None, item.item_type, cache):
            return hold
    return None


def _route(item, library, now, hold=None, nobody_waiting=False):
    """Decide what happens to a copy that is at ``library`` and free: fill a hold
    (ready here or sent to the pickup library), go home, or go back on the shelf."""
    if hold is None and not nobody_waiting:
        hold = _next_hold_for(item)
    if hold is not None:
        hold.item = item
        if hold.pickup_library_id == library.pk:
            rule = resolve_rule(library, hold.reader.category_id if hold.reader else None)
            hold.status, hold.ready_at = HoldStatus.READY, now
            hold.expires_at = _end_of_day(due_date_for(library, rule.hold_pickup_days, timezone.localdate(now)))
            hold.ready_notice_at = now if (hold.reader and hold.reader.email) else None
            hold.save(update_fields=["item", "status", "ready_at", "expires_at", "ready_notice_at"])
            _set_item_status(item, ItemStatus.ON_HOLD_SHELF)
            if hold.ready_notice_at:
                _notify("send_hold_ready", hold.pk)
            name = hold.reader.name if hold.reader else ""
            return "hold", hold, library, _("Put on the hold shelf for %(name)s.") % {"name": name}
        hold.status = HoldStatus.IN_TRANSIT
        hold.save(update_fields=["item", "status"])
        Transfer.objects.create(item=item, from_library=library, to_library=hold.pickup_library, hold=hold, sent_at=now)
        _set_item_status(item, ItemStatus.IN_TRANSIT)
        return "transit", hold, hold.pickup_library, _("Send to %(library)s for a reader's hold.") % {
            "library": hold.pickup_library.name}
    if item.library_id != library.pk:
        Transfer.objects.create(item=item, from_library=library, to_library=item.library, sent_at=now)
        _set_item_status(item, ItemStatus.IN_TRANSIT)
        return "transit", None, item.library, _("Send back to %(library)s.") % {"library": item.library.name}
    return "shelve", None, library, _("Put back on the shelf.")


@transaction.atomic
def _checkin(actor, barcode, library, channel):
    item, loan, waiting = _lock_for_checkin(barcode)
    now = timezone.now()
    if actor is not None and not _can_circulate(actor, library):
        raise CirculationError("not_permitted")
    fine = Decimal(0)
    restore = ItemStatus.AVAILABLE
    if loan is not None:
        loan.returned_at, loan.return_library = now, library
        late = _open_days_late(loan.library_id, timezone.localdate(loan.due_at), timezone.localdate(now))
        if late and loan.reader_id and not loan.lost:
            rule = resolve_rule(loan.library_id, loan.category_id, item.item_type)
            fine = Decimal(late) * Decimal(rule.fine_per_day)
            if fine:
                LedgerEntry.objects.create(reader_id=loan.reader_id, kind=LedgerKind.FINE, amount=fine, loan=loan,
                                           actor=actor, note=_("%(days)d days late") % {"days": late})
        if loan.reader_id is not None and not loan.reader_keep_history:
            loan.reader = None  # Decree 13: no reading history without consent
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Loan._meta.db_table} SET returned_at = %s, return_library_id = %s, reader_id = %s "
                "WHERE id = %s", [connection.ops.adapt_datetimefield_value(now), library.pk, loan.reader_id, loan.pk])
        if loan.item_status_before == ItemStatus.NOT_FOR_LOAN:
            restore = ItemStatus.NOT_FOR_LOAN
    # A copy arriving from another library closes its transfer.
    arriving = []
    if item.status == ItemStatus.IN_TRANSIT:
        arriving = list(Transfer.objects.select_for_update(no_key=True, of=("self",)).filter(
            item=item, received_at__isnull=True).select_related("hold"))
    hold = None
    for transfer in arriving:
        transfer.received_at = now
        transfer.save(update_fields=["received_at"])
        if transfer.hold_id and transfer.hold.status == HoldStatus.IN_TRANSIT:
            # At its pickup library the hold is ready; anywhere else the journey goes on.
            hold = Hold.objects.select_for_update(no_key=True, of=("self",)).select_related(
                "reader", "pickup_library").get(pk=transfer.hold_id)
    if hold is None and item.status == ItemStatus.ON_HOLD_SHELF:
        kept = Hold.objects.select_for_update(no_key=True, of=("self",)).filter(
            item=item, status=HoldStatus.READY).select_related("reader", "pickup_library").first()
        if kept is not None and kept.pickup_library_id == library.pk:
            # Scanned again while on the hold shelf: it stays for its reader.
            return CheckinResult(item=item, action="hold", loan=loan, hold=kept, destination=library, fine=fine,
                                 message=_("Put on the hold shelf for %(name)s.") % {
                                     "name": kept.reader.name if kept.reader else ""})
        hold = kept  # carried off the hold shelf: it goes back to where its reader collects it
    refund = _found_again(item, actor) if loan is None and item.status == ItemStatus.LOST else Decimal(0)
    if item.status in (ItemStatus.WITHDRAWN, ItemStatus.IN_PROCESSING) and loan is None:
        return CheckinResult(item=item, action="shelve", loan=loan, destination=library, fine=fine,
                             message=_("This copy is not in circulation."))
    if restore == ItemStatus.NOT_FOR_LOAN:
        action, hold, destination, message = "shelve", None, library, _("Put back in the reading room.")
        if item.library_id != library.pk:
            Transfer.objects.create(item=item, from_library=library, to_library=item.library, sent_at=now)
            _set_item_status(item, ItemStatus.IN_TRANSIT)
            action, destination = "transit", item.library
            message = _("Send back to %(library)s.") % {"library": item.library.name}
        else:
            _set_item_status(item, ItemStatus.NOT_FOR_LOAN)
    else:
        # Lost or damaged copies found again come back into circulation too.
        action, hold, destination, message = _route(item, library, now, hold, nobody_waiting=waiting is False)
        if action == "shelve":
            _set_item_status(item, ItemStatus.AVAILABLE)
    if fine:
        message = f"{message} " + _("Overdue fine: %(amount)s.") % {"amount": _vnd(fine)}
    if refund:
        message = f"{message} " + _("The copy was lost and is found: the charge of %(amount)s is cancelled.") % {
            "amount": _vnd(refund)}
    return CheckinResult(item=item, action=action, loan=loan, hold=hold, destination=destination, fine=fine,
                         message=message)


def _found_again(item, actor):
    """A lost copy is back: the charge for it is cancelled (a waiver in the ledger, so a
    reader who paid is owed the money). Returns the amount, or 0."""
    loan = Loan.objects.filter(item=item, lost=True).order_by("-returned_at", "-id").first()
    if loan is None or LedgerEntry.objects.filter(loan=loan, kind=LedgerKind.WAIVER).exists():
        return Decimal(0)
    charged = LedgerEntry.objects.filter(loan=loan, kind=LedgerKind.LOST).aggregate(total=Sum("amount"))["total"]
    reader_id = LedgerEntry.objects.filter(loan=loan, kind=LedgerKind.LOST).values_list("reader_id", flat=True).first()
    if not charged or reader_id is None:
        return Decimal(0)
    LedgerEntry.objects.create(reader_id=reader_id, kind=LedgerKind.WAIVER, amount=-charged, loan=loan, actor=actor,
                               note=_("Lost copy %(barcode)s found") % {"barcode": item.barcode})
    return Decimal(charged)


def checkin(actor, barcode, library, channel="desk"):
    """Take a copy back at ``library`` and say what to do with it."""
    _channel(channel)
    if library is None:
        raise CirculationError("unknown_library")
    return _checkin(actor, barcode, library, channel)


def receive_transfer(actor, barcode, library):
    """A copy arriving in transit is scanned: the same as a check-in."""
    return checkin(actor, barcode, library)


# --------------------------------------------------------------------------- renew

@transaction.atomic
def _renew(actor, barcode, channel, override, loan_id=None):
    now = timezone.now()
    item = _get_item(barcode)
    loan = _open_loan(item)
    if loan is None or loan.reader is None or (loan_id and loan.pk != loan_id):
        raise CirculationError("not_on_loan")
    reader = loan.reader
    _authorise(actor, reader, loan.library_id, item.library_id, reader.home_library_id)
    staff = actor is None or _can_circulate(actor, loan.library_id, item.library_id, reader.home_library_id)
    may_override = staff
    rule = resolve_rule(loan.library_id, loan.category_id, item.item_type)
    problems = [p for p in _reader_state_errors(reader, timezone.localdate(now))]
    if loan.lost:
        problems.append(CirculationError("not_on_loan"))
    if loan.renewals >= rule.renewals:
        problems.append(CirculationError("renewal_limit"))
    if _next_hold_for(item, lock=False) is not None:
        problems.append(CirculationError("renewal_on_hold"))
    if fines_owed(reader) > rule.max_fines:
        problems.append(CirculationError("renewal_overdue_fines"))
    _settle(problems, override, may_override, actor, reader, item, "renew", channel)
    due = _end_of_day(due_date_for(loan.library_id, rule.loan_days, timezone.localdate(now)))
    loan.due_at = max(due, loan.due_at)
    loan.renewals += 1
    loan.due_soon_notice_at = None
    loan.overdue_notice_at = None
    loan.save(update_fields=["due_at", "renewals", "due_soon_notice_at", "overdue_notice_at"])
    return loan


def renew(actor, barcode, channel="desk", override=()):
    """Extend a loan by the rule's loan period from today."""
    _channel(channel)
    return _renew(actor, barcode, channel, tuple(override or ()))


def renew_all(actor, card_number, channel="desk"):
    """Try to renew every loan of the reader; returns (renewed, [(loan, error), ...])."""
    _channel(channel)
    reader = _get_reader(card_number)
    _authorise(actor, reader, reader.home_library_id)
    renewed, refused = [], []
    loans = list(Loan.objects.filter(reader=reader, returned_at__isnull=True).select_related("item", "library"))
    for loan in loans:
        try:
            renewed.append(_renew(actor, loan.item.barcode, channel, (), loan_id=loan.pk))
        except CirculationError as error:
            refused.append((loan, error))
    return renewed, refused


# --------------------------------------------------------------------------- holds

def _holdable_items(record, library=None):
    qs = Item.objects.filter(record=record).exclude(
        status__in=[ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.NOT_FOR_LOAN])
    if library is not None:
        qs = qs.filter(library=library)
    return qs


@transaction.atomic
def place_hold(actor, card_number, record_id, pickup_library, library=None, channel="opac"):
    """Reserve a record: any copy in the network, or (``library``) one library's copies,
    to be collected at ``pickup_library``."""
    _channel(channel)
    now = timezone.now()
    reader = _get_reader(card_number, lock=True)
    _authorise_any(actor, reader)
    if pickup_library is None or getattr(pickup_library, "is_network", False) or not pickup_library.is_active:
        raise CirculationError("invalid_pickup")
    problems = _reader_state_errors(reader, timezone.localdate(now))
    if problems:
        raise problems[0]
    try:
        record = BibRecord.objects.get(pk=_pk(record_id, "unknown_record"), is_deleted=False)
    except BibRecord.DoesNotExist:
        raise CirculationError("unknown_record") from None
    if record.visibility != "public" and not (actor is None or permissions.is_staff_member(actor)):
        raise CirculationError("unknown_record")
    if Hold.objects.filter(reader=reader, record=record, status__in=ACTIVE_HOLD_STATUSES).exists():
        raise CirculationError("hold_exists")
    if Loan.objects.filter(reader=reader, item__record=record, returned_at__isnull=True).exists():
        raise CirculationError("already_borrowed")
    kinds = set(_holdable_items(record, library).order_by().values_list("library_id", "item_type").distinct())
    if not kinds:
        raise CirculationError("no_copies")
    cache = {}
    if not any(_may_fill(library_id, reader.category_id, item_type, cache) for library_id, item_type in kinds):
        raise CirculationError("holds_not_allowed")
    return Hold.objects.create(reader=reader, record=record, library=library, pickup_library=pickup_library,
                               placed_at=now, channel=channel)


def _release(item, at_library, now):
    """A copy freed from a hold passes to the next reader, goes home, or is shelved."""
    action, hold, _destination, _message = _route(item, at_library, now)
    if action == "shelve":
        _set_item_status(item, ItemStatus.AVAILABLE)
    return action, hold


def _lock_hold(hold_id, **filters):
    """The hold, locked after its copy: checkout and checkin lock the copy first, and
    the same order everywhere keeps two transactions from waiting for each other."""
    row = Hold.objects.filter(pk=hold_id, **filters).values_list("item_id").first()
    if row is None:
        return None
    if row[0] is not None:
        _raw_locked(Item, "id", row[0])
    return Hold.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "reader", "pickup_library").filter(pk=hold_id, **filters).first()


def _close_hold(hold, status, now):
    """Close a hold; without reading history it loses its reader (Decree 13)."""
    hold.status, hold.closed_at = status, now
    if hold.reader is not None and not hold.reader.keep_history:
        hold.reader = None
    hold.save(update_fields=["status", "closed_at", "reader"])


@transaction.atomic
def cancel_hold(actor, hold_id):
    now = timezone.now()
    hold = _lock_hold(_pk(hold_id, "unknown_hold"))
    if hold is None:
        raise CirculationError("unknown_hold")
    staff_here = actor is None or _can_circulate(actor, hold.pickup_library_id, hold.library_id) or (
        hold.reader is not None and _can_circulate(actor, hold.reader.home_library_id))
    if not staff_here and not _is_self(actor, hold.reader):
        raise CirculationError("not_permitted")
    if hold.status not in ACTIVE_HOLD_STATUSES:
        raise CirculationError("hold_not_cancellable")
    was_ready = hold.status == HoldStatus.READY
    _close_hold(hold, HoldStatus.CANCELLED, now)
    if was_ready and hold.item_id:
        item = Item.objects.select_for_update(no_key=True, of=("self",)).select_related("library").get(
            pk=hold.item_id)
        if item.status == ItemStatus.ON_HOLD_SHELF:
            _release(item, hold.pickup_library, now)
    return hold


def expire_holds(now=None):
    """Ready holds not collected in time expire; their copies pass to the next reader.
    Returns the number of holds expired."""
    now = now or timezone.now()
    ids = list(Hold.objects.filter(status=HoldStatus.READY, expires_at__lt=now).values_list("pk", flat=True))
    done = 0
    for hold_id in ids:
        with transaction.atomic():
            hold = _lock_hold(hold_id, status=HoldStatus.READY)
            if hold is None:
                continue
            _close_hold(hold, HoldStatus.EXPIRED, now)
            done += 1
            if hold.item_id:
                item = Item.objects.select_for_update(no_key=True, of=("self",)).select_related("library").get(
                    pk=hold.item_id)
                if item.status == ItemStatus.ON_HOLD_SHELF:
                    _release(item, hold.pickup_library, now)
    return done


def pull_list(library):
    """Copies on the shelves of ``library`` that waiting holds ask for, oldest hold first:
    list of (hold, item). Staff pull them and check them in, which fills the hold.

    A copy fills a hold only where its library's rule lets readers of that category
    reserve it; a hold the pickup library can fill from its own shelves is pulled
    there, not sent across the network."""
    library_id = getattr(library, "pk", library)
    holds = list(Hold.objects.filter(status=HoldStatus.WAITING).filter(
        Q(library__isnull=True) | Q(library_id=library_id)
    ).select_related("record", "reader", "pickup_library").order_by("placed_at", "id"))
    record_ids = {h.record_id for h in holds}
    items = {}
    for item in Item.objects.filter(record_id__in=record_ids, library_id=library_id,
                                    status=ItemStatus.AVAILABLE).select_related("location").order_by("barcode"):
        items.setdefault(item.record_id, []).append(item)
    remote = {h.pickup_library_id for h in holds if h.pickup_library_id != library_id and h.record_id in items}
    at_pickup = {}
    for record_id, pickup_id, item_type in Item.objects.filter(
            record_id__in=record_ids, library_id__in=remote, status=ItemStatus.AVAILABLE).values_list(
            "record_id", "library_id", "item_type"):
        at_pickup.setdefault((record_id, pickup_id), []).append(item_type)
    cache, result = {}, []
    for hold in holds:
        category = hold.reader.category_id if hold.reader else None
        pickup = hold.pickup_library_id
        if hold.library_id in (None, pickup):
            there = at_pickup.get((hold.record_id, pickup), [])
            usable_there = next((t for t in there if _may_fill(pickup, category, t, cache)), None)
            if usable_there is not None:
                there.remove(usable_there)  # that copy goes to this hold: the next one may need ours
                continue
        copies = items.get(hold.record_id) or []
        usable = next((c for c in copies if _may_fill(library_id, category, c.item_type, cache)), None)
        if usable is not None:
            copies.remove(usable)
            result.append((hold, usable))
    return result


def hold_shelf(library):
    """Holds ready for collection at ``library``."""
    return list(Hold.objects.filter(status=HoldStatus.READY, pickup_library=library).select_related(
        "record", "reader", "item").order_by("expires_at", "id"))


def in_transit(library, incoming=True):
    """Open transfers to (or from) ``library``."""
    key = "to_library" if incoming else "from_library"
    return list(Transfer.objects.filter(received_at__isnull=True, **{key: library}).select_related(
        "item", "item__record", "from_library", "to_library", "hold").order_by("sent_at", "id"))


# --------------------------------------------------------------------------- summaries

@dataclass
class ReaderSummary:
    reader: Reader
    loans: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    holds: list = field(default_factory=list)
    holds_ready: list = field(default_factory=list)
    fines_owed: Decimal = Decimal(0)
    blocks: list = field(default_factory=list)
    ledger: list = field(default_factory=list)

    @property
    def can_borrow(self):
        return not self.blocks


def reader_summary(card_number, library=None):
    """The reader's loans, holds, money and blocks; the blocks by the rules of ``library``
    (the desk's), or of the reader's home library."""
    reader = _get_reader(card_number)
    now = timezone.now()
    loans = list(Loan.objects.filter(reader=reader, returned_at__isnull=True).select_related(
        "item", "item__record", "library").order_by("due_at", "id"))
    holds = list(Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES).select_related(
        "record", "pickup_library", "library", "item").order_by("placed_at", "id"))
    owed = fines_owed(reader)
    rule = resolve_rule(library or reader.home_library_id, reader.category_id)
    blocks = _reader_state_errors(reader)
    if len(loans) >= rule.max_loans:
        blocks.append(CirculationError("loan_limit"))
    if owed > rule.max_fines:
        blocks.append(CirculationError("fines_over_limit"))
    return ReaderSummary(
        reader=reader, loans=loans, overdue=[loan for loan in loans if loan.due_at < now], holds=holds,
        holds_ready=[h for h in holds if h.status == HoldStatus.READY], fines_owed=owed, blocks=blocks,
        ledger=list(LedgerEntry.objects.filter(reader=reader).order_by("-created_at", "-id")[:50]),
    )


@dataclass
class ItemSummary:
    item: Item
    record: BibRecord
    loan: Loan | None
    due_at: dt.datetime | None
    holds: list
    transfer: Transfer | None = None


def item_summary(barcode):
    item = _get_item(barcode, lock=False)
    loan = _open_loan(item, lock=False)
    holds = list(Hold.objects.filter(record_id=item.record_id, status__in=ACTIVE_HOLD_STATUSES).filter(
        Q(library__isnull=True) | Q(library_id=item.library_id) | Q(item=item)
    ).select_related("reader", "pickup_library").order_by("placed_at", "id"))
    transfer = Transfer.objects.filter(item=item, received_at__isnull=True).select_related(
        "from_library", "to_library").first()
    return ItemSummary(item=item, record=item.record, loan=loan, due_at=loan.due_at if loan else None,
                       holds=holds, transfer=transfer)


# --------------------------------------------------------------------------- money and problems

def _amount(value):
    try:
        amount = Decimal(str(value).replace(".", "").replace(",", "").strip()) if isinstance(value, str) \
            else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise CirculationError("invalid_amount") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.to_integral_value() or amount > Decimal(10) ** 11:
        raise CirculationError("invalid_amount")
    return amount


@transaction.atomic
def pay(actor, card_number, amount, note=""):
    """Record a payment (in đồng) against the reader's fines."""
    amount = _amount(amount)
    reader = _get_reader(card_number, lock=True)
    if actor is not None and not _can_circulate(actor, reader.home_library_id) \
            and not permissions.has_capability(actor, permissions.CIRCULATE):
        raise CirculationError("not_permitted")
    return LedgerEntry.objects.create(reader=reader, kind=LedgerKind.PAYMENT, amount=-amount, actor=actor,
                                      note=_text(note, 255))


@transaction.atomic
def waive(actor, card_number, amount, note=""):
    amount = _amount(amount)
    reader = _get_reader(card_number, lock=True)
    if actor is not None and not _can_circulate(actor, reader.home_library_id):
        raise CirculationError("not_permitted")
    return LedgerEntry.objects.create(reader=reader, kind=LedgerKind.WAIVER, amount=-amount, actor=actor,
                                      note=_text(note, 255))


@transaction.atomic
def mark_lost(actor, barcode, fee=None):
    """The copy is lost. If it was on loan, the loan ends and the reader is charged its
    price (or the rule's fee). Returns the LedgerEntry charged, or None."""
    now = timezone.now()
    item = _get_item(barcode)
    loan = _open_loan(item)
    if not _can_circulate(actor, item.library_id, loan.library_id if loan else None):
        raise CirculationError("not_permitted")
    entry = None
    if loan is not None:
        rule = resolve_rule(loan.library_id, loan.category_id, item.item_type)
        charge = _amount(fee) if fee is not None else Decimal(item.price or rule.lost_fee)
        loan.lost, loan.returned_at, loan.return_library = True, now, loan.library
        loan.save(update_fields=["lost", "returned_at", "return_library"])
        if loan.reader_id and charge:
            entry = LedgerEntry.objects.create(reader_id=loan.reader_id, kind=LedgerKind.LOST, amount=charge,
                                               loan=loan, actor=actor, note=item.barcode)
    Transfer.objects.filter(item=item, received_at__isnull=True).update(received_at=now)
    _set_item_status(item, ItemStatus.LOST)
    return entry


@transaction.atomic
def mark_damaged(actor, barcode, fee=None):
    """The copy is damaged; with ``fee``, the reader who has it on loan is charged.
    Returns the LedgerEntry charged, or None."""
    item = _get_item(barcode)
    loan = _open_loan(item)
    if not _can_circulate(actor, item.library_id, loan.library_id if loan else None):
        raise CirculationError("not_permitted")
    entry = None
    if fee is not None:
        charge = _amount(fee)
        last = loan or Loan.objects.filter(item=item).order_by("-checked_out_at").first()
        if last is None or last.reader_id is None:
            raise CirculationError("not_on_loan")
        entry = LedgerEntry.objects.create(reader_id=last.reader_id, kind=LedgerKind.DAMAGED, amount=charge,
                                           loan=last, actor=actor, note=item.barcode)
    if loan is None:
        _set_item_status(item, ItemStatus.DAMAGED)
    return entry


# --------------------------------------------------------------------------- readers

@transaction.atomic
def block_reader(actor, card_number, reason, channel="desk"):
    _channel(channel)
    reader = _get_reader(card_number, lock=True)
    if actor is not None and not permissions.has_capability(actor, permissions.CIRCULATE):
        raise CirculationError("not_permitted")
    reader.status = ReaderStatus.BLOCKED
    reader.block_reason = _text(reason, 255)
    reader.save(update_fields=["status", "block_reason", "updated_at"])
    return reader


@transaction.atomic
def unblock_reader(actor, card_number):
    reader = _get_reader(card_number, lock=True)
    if actor is not None and not _can_circulate(actor, reader.home_library_id):
        raise CirculationError("not_permitted")
    if reader.status == ReaderStatus.BLOCKED:
        reader.status, reader.block_reason = ReaderStatus.ACTIVE, ""
        reader.save(update_fields=["status", "block_reason", "updated_at"])
    return reader


def authenticate_reader(card_number, password):
    """The reader if the card number and password match (and the reader may log in)."""
    card = _clean_key(card_number)
    password = _safe_text(password)
    if not card or password is None:
        return None
    reader = Reader.objects.select_related("user", "category", "home_library").filter(card_number=card).first()
    if reader is None or reader.user is None or reader.status == ReaderStatus.ERASED \
            or not reader.user.is_active:
        make_password(password or "")  # same work either way
        return None
    if not reader.user.check_password(password or ""):
        return None
    return reader


READER_FIELDS = ("name", "birth_date", "email", "phone", "address", "expires_on")


def _reader_username(card_number):
    return f"reader-{card_number}"[:150]


def _apply_fields(reader, values):
    for name in READER_FIELDS:
        if name in values and values[name] is not None:
            value = values[name]
            if isinstance(value, str):
                value = _text(value, 255)
            setattr(reader, name, value)
    if "category" in values and values["category"] is not None:
        category = values["category"]
        if not isinstance(category, ReaderCategory):
            category = ReaderCategory.objects.filter(code=str(category).strip()).first()
            if category is None:
                raise CirculationError("invalid_data", detail=_("Unknown reader category."))
        reader.category = category
    if "home_library" in values and values["home_library"] is not None:
        reader.home_library = values["home_library"]
    if not reader.name:
        raise CirculationError("invalid_data", detail=_("The name is required."))


def set_password(reader, password, *, encoded=None):
    """Give the reader an OPAC login (a Django user) with this password.

    ``encoded`` is an already hashed password (``make_password``), for loading many
    readers who share one, as the demo does: hashing is slow on purpose.
    """
    User = get_user_model()
    user = reader.user if reader.user_id is not None else None
    if user is None:
        user = User(username=_reader_username(reader.card_number), first_name=reader.name[:150])
    if encoded is not None:
        user.password = encoded
    else:
        user.set_password(password)
    if reader.user_id is None:
        user.save()
        reader.user = user
        reader.save(update_fields=["user", "updated_at"])
    else:
        user.save(update_fields=["password"])


@transaction.atomic
def register_reader(actor, library, card_number, name, category, password=None, consent=True,
                    keep_history=False, **values):
    """Staff register a reader at the desk (active at once)."""
    if library is None:
        raise CirculationError("unknown_library")
    if actor is not None and not _can_circulate(actor, library):
        raise CirculationError("not_permitted")
    card = _clean_key(card_number)
    if not card or len(card) > 32:
        raise CirculationError("invalid_data", detail=_("The card number is required."))
    if Reader.objects.filter(card_number=card).exists():
        raise CirculationError("card_number_taken")
    reader = Reader(card_number=card, home_library=library, status=ReaderStatus.ACTIVE,
                    consent_at=timezone.now() if consent else None, keep_history=bool(keep_history))
    _apply_fields(reader, {"name": name, "category": category, **values})
    if reader.expires_on is None:
        reader.expires_on = timezone.localdate() + dt.timedelta(days=365)
    reader.save()
    if password:
        set_password(reader, password)
    return reader


@transaction.atomic
def update_reader(actor, card_number, **values):
    """Change a reader's data (staff of the home library, or the reader for contact data)."""
    reader = _get_reader(card_number, lock=True)
    _authorise(actor, reader, reader.home_library_id)
    if _is_self(actor, reader) and not _can_circulate(actor, reader.home_library_id):
        values = {k: v for k, v in values.items() if k in ("email", "phone", "address")}
    _apply_fields(reader, values)
    reader.save()
    return reader


def _new_card_number():
    import secrets

    for _attempt in range(20):
        card = "NB" + "".join(secrets.choice("0123456789") for _ in range(8))
        if not Reader.objects.filter(card_number=card).exists():
            return card
    raise CirculationError("invalid_data")


@transaction.atomic
def self_register(name, home_library, category, password, consent, email="", phone="", birth_date=None,
                  address="", keep_history=False):
    """A reader registers online: a pending reader, with a new card number, waiting for approval."""
    if not consent:
        raise CirculationError("invalid_data", detail=_("Consent to the processing of personal data is required."))
    if home_library is None or home_library.is_network:
        raise CirculationError("unknown_library")
    if not password or len(password) < 8:
        raise CirculationError("invalid_data", detail=_("The password must have at least 8 characters."))
    reader = Reader(card_number=_new_card_number(), home_library=home_library, status=ReaderStatus.PENDING,
                    consent_at=timezone.now(), keep_history=bool(keep_history))
    _apply_fields(reader, {"name": name, "category": category, "email": email, "phone": phone,
                           "birth_date": birth_date, "address": address})
    reader.save()
    set_password(reader, password)
    return reader


@transaction.atomic
def approve_reader(actor, card_number, expires_on=None):
    reader = _get_reader(card_number, lock=True)
    if actor is not None and not _can_circulate(actor, reader.home_library_id):
        raise CirculationError("not_permitted")
    if reader.status == ReaderStatus.PENDING:
        reader.status = ReaderStatus.ACTIVE
        reader.expires_on = expires_on or timezone.localdate() + dt.timedelta(days=365)
        reader.save(update_fields=["status", "expires_on", "updated_at"])
    return reader


@transaction.atomic
def record_consent(actor, card_number, when=None):
    reader = _get_reader(card_number, lock=True)
    _authorise(actor, reader, reader.home_library_id)
    reader.consent_at = when or timezone.now()
    reader.save(update_fields=["consent_at", "updated_at"])
    return reader


@transaction.atomic
def set_keep_history(actor, card_number, keep):
    """Turn reading history on or off. Off anonymises the reader's returned loans now."""
    reader = _get_reader(card_number, lock=True)
    _authorise(actor, reader, reader.home_library_id)
    reader.keep_history = bool(keep)
    reader.save(update_fields=["keep_history", "updated_at"])
    if not keep:
        Loan.objects.filter(reader=reader, returned_at__isnull=False).update(reader=None)
        Hold.objects.filter(reader=reader).exclude(status__in=ACTIVE_HOLD_STATUSES).update(reader=None)
    return reader


@transaction.atomic
def erase_reader(actor, card_number):
    """Decree 13: remove the reader's personal data. Loans stay as anonymous statistics
    (category, home library, dates); holds are cancelled (a copy kept for the reader
    passes to the next one); open remote-copy and postal requests are cancelled and lose
    their address, note and delivered file; the login and its API tokens are deleted.
    The money trail stays, on the anonymous row. Refused while the reader still has
    copies on loan or owes money: those are settled first, at the desk."""
    reader = _get_reader(card_number, lock=True)
    if actor is not None and not _is_self(actor, reader) and not _can_circulate(actor, reader.home_library_id):
        raise CirculationError("not_permitted")
    on_loan = Loan.objects.filter(reader=reader, returned_at__isnull=True).count()
    if on_loan:
        raise CirculationError("reader_has_loans", detail=_("Copies on loan: %(n)d.") % {"n": on_loan})
    owed = fines_owed(reader)
    if owed > 0:
        raise CirculationError("reader_owes_fines", detail=_("Owed: %(amount)s.") % {"amount": _vnd(owed)})
    now = timezone.now()
    for hold_id in Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES).values_list("pk", flat=True):
        cancel_hold(None, hold_id)
    Loan.objects.filter(reader=reader).update(reader=None)
    Hold.objects.filter(reader=reader).update(reader=None)
    Override.objects.filter(reader=reader).update(reader=None)
    open_states = (RequestState.REQUESTED, RequestState.IN_PROGRESS)
    files = [name for name in CopyRequest.objects.filter(reader=reader).exclude(file="").values_list("file", flat=True)]
    for model in (CopyRequest, PostalRequest):
        model.objects.filter(reader=reader, state__in=open_states).update(state=RequestState.CANCELLED)
    CopyRequest.objects.filter(reader=reader).update(reader=None, note="", file="")
    PostalRequest.objects.filter(reader=reader).update(reader=None, address="")
    if files:
        storage = CopyRequest._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    user = reader.user
    reader.card_number = f"erased-{reader.pk}"
    reader.name = ""
    reader.birth_date = None
    reader.email = reader.phone = reader.address = reader.block_reason = ""
    reader.status = ReaderStatus.ERASED
    reader.user = None
    reader.keep_history = False
    reader.consent_at = None
    reader.expires_on = now.date()
    reader.save()
    if user is not None:
        user.delete()
    return reader


def check_password_of(reader, password):  # pragma: no cover - convenience for doors
    return reader.user is not None and check_password(password, reader.user.password)


@transaction.atomic
def upsert_reader(actor, library, card_number, **values):
    """Create the reader, or update the one with this card number (patron import).
    Returns (reader, created). ``values``: name, category (code or row), birth_date, email,
    phone, address, expires_on, password."""
    card = _clean_key(card_number)
    password = values.pop("password", None)
    existing = Reader.objects.select_for_update(no_key=True, of=("self",)).filter(card_number=card).first()
    if existing is None:
        name = values.pop("name", "")
        category = values.pop("category", None)
        if category is None:
            raise CirculationError("invalid_data", detail=_("Unknown reader category."))
        return register_reader(actor, library, card, name, category, password=password, **values), True
    if existing.status == ReaderStatus.ERASED:
        raise CirculationError("card_number_taken")
    if actor is not None and not _can_circulate(actor, existing.home_library_id, library):
        raise CirculationError("not_permitted")
    _apply_fields(existing, values)
    existing.save()
    if password:
        set_password(existing, password)
    return existing, False


# --------------------------------------------------------------------------- remote copies and post

def postal_fee(library=None):
    """The fee shown for postal delivery (đồng): ``CIRCULATION_POSTAL_FEE`` or 30 000."""
    from django.conf import settings

    return Decimal(getattr(settings, "CIRCULATION_POSTAL_FEE", 30000))


def _reader_request_record(actor, card_number, record_id):
    reader = _get_reader(card_number)
    _authorise_any(actor, reader)
    problems = [p for p in _reader_state_errors(reader) if p.code != "card_expired"]
    if problems:
        raise problems[0]
    try:
        record = BibRecord.objects.get(pk=_pk(record_id, "unknown_record"), is_deleted=False)
    except BibRecord.DoesNotExist:
        raise CirculationError("unknown_record") from None
    if record.visibility != "public" and not (actor is None or permissions.is_staff_member(actor)):
        raise CirculationError("unknown_record")
    return reader, record


@transaction.atomic
def request_copy(actor, card_number, record_id, pages, note="", library=None):
    """A reader asks for a remote copy (sao chụp từ xa) of some pages, delivered as a file."""
    reader, record = _reader_request_record(actor, card_number, record_id)
    pages = _text(pages, 1000)
    if not pages or len(pages) > 200:
        raise CirculationError("invalid_data", detail=_("Say which pages you need."))
    library = library or (record.items.order_by("id").first().library if record.items.exists() else None)
    return CopyRequest.objects.create(reader=reader, record=record, pages=pages, note=_text(note, 2000),
                                      library=library)


@transaction.atomic
def request_postal(actor, card_number, record_id, address, library=None):
    """A reader asks for postal delivery (bưu chính) to ``address``; the fee is fixed now."""
    reader, record = _reader_request_record(actor, card_number, record_id)
    address = _text(address, 1000)
    if not address or len(address) > 255:
        raise CirculationError("invalid_data", detail=_("The address is required."))
    library = library or reader.home_library
    return PostalRequest.objects.create(reader=reader, record=record, address=address,
                                        fee=postal_fee(library), library=library)


REQUEST_TRANSITIONS = {
    "requested": {"in_progress", "done", "refused", "cancelled"},
    "in_progress": {"done", "refused", "cancelled"},
}


@transaction.atomic
def set_request_state(actor, kind, request_id, state, file=None):
    """Staff move a remote-copy (``kind="copy"``) or postal (``"postal"``) request on;
    the reader may only cancel their own. ``file`` (a Django File) delivers a copy."""
    model = {"copy": CopyRequest, "postal": PostalRequest}.get(kind)
    if model is None:
        raise CirculationError("invalid_data")
    try:
        request = model.objects.select_for_update(no_key=True, of=("self",)).select_related("reader").get(
            pk=_pk(request_id, "invalid_data"))
    except model.DoesNotExist:
        raise CirculationError("invalid_data") from None
    own = _is_self(actor, request.reader)
    if actor is not None and not (own and state == "cancelled") and not _can_circulate(
            actor, request.library_id, request.reader.home_library_id if request.reader else None):
        raise CirculationError("not_permitted")
    if state not in REQUEST_TRANSITIONS.get(request.state, set()):
        raise CirculationError("invalid_data", detail=_("This request cannot be changed any more."))
    request.state = state
    if file is not None and kind == "copy":
        request.file.save(getattr(file, "name", "copy.pdf").rsplit("/", 1)[-1], file, save=False)
    request.save()
    return request
