"""REST: circulation under ``/api/v1/circulation/``, with bearer tokens.

A reader gets a token for themselves with their card number and password
(``POST /token``); staff get one from ``thuvien circulation token USERNAME``. Reader
endpoints (``/me/...``) act on the token holder's own account; staff endpoints
(``/checkout``, ``/checkin``, ``/renew``) run the same services as the loan desk.
Refusals are JSON ``{"code", "message", "overridable"}`` with a 4xx status.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from thuvien.accounts.permissions import is_staff_member
from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import ApiToken, Hold, Loan, Reader, hash_token
from thuvien.network.models import Library


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``."""

    def authenticate(self, request, token):
        if not token or len(token) > 200 or "\x00" in token:
            return None
        try:
            key = hash_token(token)
        except UnicodeEncodeError:
            return None
        row = ApiToken.objects.select_related("user").filter(key_hash=key).first()
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


auth = TokenAuth()
router = Router(tags=["circulation"])

# Refusal code -> HTTP status.
STATUS = {
    "unknown_reader": 404, "unknown_item": 404, "unknown_record": 404, "unknown_hold": 404,
    "unknown_library": 404, "not_permitted": 403, "invalid_amount": 400,
    "invalid_data": 400, "invalid_pickup": 400, "invalid_credentials": 401,
}


class ErrorOut(Schema):
    code: str = Field(..., description="Stable error code, e.g. already_on_loan")
    message: str = Field(..., description="Explanation in the request's language (Vietnamese by default)")
    overridable: bool = Field(False, description="Staff may override this block")


class UnauthorizedOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: list[dict]


def _errors(*statuses):
    out = {status: ErrorOut for status in statuses}
    out[422] = ValidationErrorOut
    return out


AUTH_ERRORS = {401: UnauthorizedOut}


def _fail(error):
    return Status(STATUS.get(error.code, 409), error.as_dict())


class LibraryOut(Schema):
    code: str
    name: str


class RecordOut(Schema):
    id: int
    title: str


class LoanOut(Schema):
    id: int
    barcode: str
    record: RecordOut
    library: LibraryOut
    checked_out_at: dt.datetime
    due_at: dt.datetime
    renewals: int
    overdue: bool


class HoldOut(Schema):
    id: int
    record: RecordOut
    status: str = Field(..., description="waiting, in_transit, ready, collected, cancelled or expired")
    pickup_library: LibraryOut
    library: LibraryOut | None = Field(None, description="Only this library's copies (null: any copy)")
    placed_at: dt.datetime
    ready_at: dt.datetime | None
    expires_at: dt.datetime | None


class ReaderOut(Schema):
    card_number: str
    name: str
    category: str
    home_library: LibraryOut
    status: str
    expires_on: dt.date | None
    keep_history: bool
    fines_owed: Decimal
    can_borrow: bool
    blocks: list[ErrorOut]


class TokenIn(Schema):
    card_number: str = Field(..., max_length=64)
    password: str = Field(..., max_length=256)


class TokenOut(Schema):
    token: str = Field(..., description="Send as 'Authorization: Bearer <token>'. Shown once.")
    card_number: str


class HoldIn(Schema):
    record_id: int = Field(..., ge=1)
    pickup_library: str = Field(..., max_length=32, description="Code of the library where the reader collects")
    library: str | None = Field(None, max_length=32, description="Only this library's copies (default: any)")


class RenewOut(Schema):
    renewed: list[LoanOut]
    refused: list[ErrorOut]


class CheckoutIn(Schema):
    card_number: str = Field(..., max_length=64)
    barcode: str = Field(..., max_length=64)
    library: str = Field(..., max_length=32, description="Code of the library where the loan is made")
    override: list[str] = Field(default_factory=list, description="Codes of blocks the staff member overrides")


class CheckinIn(Schema):
    barcode: str = Field(..., max_length=64)
    library: str = Field(..., max_length=32, description="Code of the library where the copy is returned")


class RenewIn(Schema):
    barcode: str = Field(..., max_length=64)
    override: list[str] = Field(default_factory=list)


class CheckinOut(Schema):
    barcode: str
    action: str = Field(..., description="shelve, hold or transit")
    destination: LibraryOut | None
    hold_id: int | None
    reader_card_number: str | None = Field(None, description="Reader the copy is held for")
    fine: Decimal
    message: str
    loan: LoanOut | None


def _library(library):
    return {"code": library.code, "name": library.name}


def _loan(loan):
    return {
        "id": loan.pk, "barcode": loan.item.barcode,
        "record": {"id": loan.item.record_id, "title": loan.item.record.title},
        "library": _library(loan.library), "checked_out_at": loan.checked_out_at, "due_at": loan.due_at,
        "renewals": loan.renewals, "overdue": loan.returned_at is None and loan.due_at < timezone.now(),
    }


def _hold(hold):
    return {
        "id": hold.pk, "record": {"id": hold.record_id, "title": hold.record.title}, "status": hold.status,
        "pickup_library": _library(hold.pickup_library),
        "library": _library(hold.library) if hold.library_id else None,
        "placed_at": hold.placed_at, "ready_at": hold.ready_at, "expires_at": hold.expires_at,
    }


def _get_library(code):
    code = services._clean_key(code)
    library = Library.objects.filter(code=code).first() if code else None
    if library is None or library.is_network:
        raise CirculationError("unknown_library")
    return library


def _me(request):
    reader = Reader.objects.select_related("category", "home_library").filter(user=request.auth).first()
    if reader is None:
        raise CirculationError("not_permitted")
    return reader


def _staff(request):
    if not is_staff_member(request.auth):
        raise CirculationError("not_permitted")
    return request.auth


# ----------------------------------------------------------------- tokens

@router.post("/token", response={200: TokenOut, **_errors(401)}, auth=None)
def reader_token(request, data: TokenIn):
    """Exchange a reader's card number and password for an API token."""
    reader = services.authenticate_reader(data.card_number, data.password)
    if reader is None:
        return _fail(CirculationError("invalid_credentials"))
    _token, raw = ApiToken.issue(reader.user, name="reader")
    return Status(200, {"token": raw, "card_number": reader.card_number})


# ----------------------------------------------------------------- the reader's own account

@router.get("/me", response={200: ReaderOut, **AUTH_ERRORS, **_errors(403, 404)}, auth=auth)
def me(request):
    """The token holder's reader account: status, fines and what stops a loan now."""
    try:
        summary = services.reader_summary(_me(request).card_number)
    except CirculationError as error:
        return _fail(error)
    reader = summary.reader
    return Status(200, {
        "card_number": reader.card_number, "name": reader.name, "category": reader.category.code,
        "home_library": _library(reader.home_library), "status": reader.status, "expires_on": reader.expires_on,
        "keep_history": reader.keep_history, "fines_owed": summary.fines_owed, "can_borrow": summary.can_borrow,
        "blocks": [b.as_dict() for b in summary.blocks],
    })


@router.get("/me/loans", response={200: list[LoanOut], **AUTH_ERRORS, **_errors(403, 404)}, auth=auth)
def my_loans(request):
    """The reader's current loans and their due dates."""
    try:
        reader = _me(request)
    except CirculationError as error:
        return _fail(error)
    loans = Loan.objects.filter(reader=reader, returned_at__isnull=True).select_related(
        "item", "item__record", "library").order_by("due_at", "id")
    return Status(200, [_loan(loan) for loan in loans])


@router.post("/me/loans/{loan_id}/renew", response={200: LoanOut, **AUTH_ERRORS, **_errors(400, 403, 404, 409)},
             auth=auth)
def renew_my_loan(request, loan_id: int):
    """Renew one of the reader's loans."""
    try:
        reader = _me(request)
        loan = Loan.objects.filter(pk=services._pk(loan_id, "not_on_loan"), reader=reader,
                                   returned_at__isnull=True).select_related("item").first()
        if loan is None:
            raise CirculationError("not_on_loan")
        loan = services.renew(request.auth, loan.item.barcode, channel="api")
    except CirculationError as error:
        return _fail(error)
    return Status(200, _loan(Loan.objects.select_related("item__record", "library").get(pk=loan.pk)))


@router.post("/me/loans/renew", response={200: RenewOut, **AUTH_ERRORS, **_errors(403, 404)}, auth=auth)
def renew_all_my_loans(request):
    """Renew every loan that can be renewed; the others come back with the reason."""
    try:
        reader = _me(request)
        renewed, refused = services.renew_all(request.auth, reader.card_number, channel="api")
    except CirculationError as error:
        return _fail(error)
    ids = [loan.pk for loan in renewed]
    loans = Loan.objects.filter(pk__in=ids).select_related("item__record", "library").order_by("due_at", "id")
    return Status(200, {"renewed": [_loan(loan) for loan in loans], "refused": [e.as_dict() for _l, e in refused]})


@router.get("/me/holds", response={200: list[HoldOut], **AUTH_ERRORS, **_errors(403, 404)}, auth=auth)
def my_holds(request):
    """The reader's active holds (waiting, in transit, ready to collect)."""
    try:
        reader = _me(request)
    except CirculationError as error:
        return _fail(error)
    holds = Hold.objects.filter(reader=reader, status__in=("waiting", "in_transit", "ready")).select_related(
        "record", "pickup_library", "library").order_by("placed_at", "id")
    return Status(200, [_hold(h) for h in holds])


@router.post("/me/holds", response={201: HoldOut, **AUTH_ERRORS, **_errors(400, 403, 404, 409)}, auth=auth)
def place_my_hold(request, data: HoldIn):
    """Reserve a record, on any copy or on one library's copies, to collect at a library."""
    try:
        reader = _me(request)
        pickup = _get_library(data.pickup_library)
        library = _get_library(data.library) if data.library else None
        hold = services.place_hold(request.auth, reader.card_number, data.record_id, pickup, library=library,
                                   channel="api")
    except CirculationError as error:
        return _fail(error)
    return Status(201, _hold(hold))


@router.delete("/me/holds/{hold_id}", response={200: HoldOut, **AUTH_ERRORS, **_errors(400, 403, 404, 409)},
               auth=auth)
def cancel_my_hold(request, hold_id: int):
    """Cancel one of the reader's holds."""
    try:
        reader = _me(request)
        hold = Hold.objects.filter(pk=services._pk(hold_id, "unknown_hold"), reader=reader).first()
        if hold is None:
            raise CirculationError("unknown_hold")
        hold = services.cancel_hold(request.auth, hold.pk)
    except CirculationError as error:
        return _fail(error)
    return Status(200, _hold(Hold.objects.select_related("record", "pickup_library", "library").get(pk=hold.pk)))


# ----------------------------------------------------------------- staff

@router.post("/checkout", response={201: LoanOut, **AUTH_ERRORS, **_errors(400, 403, 404, 409)}, auth=auth)
def staff_checkout(request, data: CheckoutIn):
    """Lend a copy to a reader (staff with the circulate role in that library)."""
    try:
        actor = _staff(request)
        loan = services.checkout(actor, data.card_number, data.barcode, _get_library(data.library),
                                 channel="api", override=data.override)
    except CirculationError as error:
        return _fail(error)
    return Status(201, _loan(Loan.objects.select_related("item__record", "library").get(pk=loan.pk)))


@router.post("/checkin", response={200: CheckinOut, **AUTH_ERRORS, **_errors(400, 403, 404, 409)}, auth=auth)
def staff_checkin(request, data: CheckinIn):
    """Take a copy back; says whether to shelve it, keep it for a hold, or send it in transit."""
    try:
        actor = _staff(request)
        result = services.checkin(actor, data.barcode, _get_library(data.library), channel="api")
    except CirculationError as error:
        return _fail(error)
    loan = None
    if result.loan is not None:
        loan = _loan(Loan.objects.select_related("item__record", "library").get(pk=result.loan.pk))
    hold = result.hold
    return Status(200, {
        "barcode": result.item.barcode, "action": result.action,
        "destination": _library(result.destination) if result.destination else None,
        "hold_id": hold.pk if hold else None,
        "reader_card_number": hold.reader.card_number if hold and hold.reader else None,
        "fine": result.fine, "message": result.message, "loan": loan,
    })


@router.post("/renew", response={200: LoanOut, **AUTH_ERRORS, **_errors(400, 403, 404, 409)}, auth=auth)
def staff_renew(request, data: RenewIn):
    """Renew a loan by the copy's barcode (staff)."""
    try:
        actor = _staff(request)
        loan = services.renew(actor, data.barcode, channel="api", override=data.override)
    except CirculationError as error:
        return _fail(error)
    return Status(200, _loan(Loan.objects.select_related("item__record", "library").get(pk=loan.pk)))
