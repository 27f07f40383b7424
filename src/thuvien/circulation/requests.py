"""Remote copies (sao chụp từ xa) and postal delivery (bưu chính) for the OPAC and the
desk's queues: the checks people's input needs (pages, address, the library that holds
the document, the uploaded file), then ``circulation.services`` (``request_copy``,
``request_postal``, ``set_request_state``) writes the rows.

States: requested → in progress → delivered (a copy's file is uploaded) or refused; the
reader may cancel a request nobody has started.
"""

import os
import re

from django.conf import settings
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.catalog.models import BibRecord, Item
from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import (
    CopyRequest,
    PostalRequest,
    ReaderStatus,
    RequestState,
)
from thuvien.core.vietnamese import nfc
from thuvien.network.models import Library

MAX_COPY_BYTES = getattr(settings, "THUVIEN_COPY_MAX_BYTES", 50 * 1024 * 1024)
COPY_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".zip")
MAX_PAGES = 200
KINDS = {"copy": CopyRequest, "postal": PostalRequest}
OPEN_STATES = (RequestState.REQUESTED, RequestState.IN_PROGRESS)
# The states staff may move a request to (the services hold the same rule).
TRANSITIONS = {
    RequestState.REQUESTED: {RequestState.IN_PROGRESS, RequestState.DONE, RequestState.REFUSED},
    RequestState.IN_PROGRESS: {RequestState.DONE, RequestState.REFUSED},
}


class RequestError(Exception):
    """The request cannot be made or changed; the message is for the user (translated)."""


def public_record(record_id):
    """A record readers may see, or ``None`` (restricted and withdrawn records never are)."""
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        return None
    return BibRecord.objects.filter(pk=pk, visibility="public", is_deleted=False).first()


def holding_libraries(record):
    """Active libraries that hold copies of ``record`` (not withdrawn), in name order."""
    ids = Item.objects.filter(record=record).exclude(status="withdrawn").values("library_id")
    return Library.objects.filter(pk__in=ids, is_active=True).order_by("name_sort")


def parse_pages(text):
    """Check a page list such as "12-18, 25"; returns (normalised text, number of pages)."""
    text = nfc(text or "").strip()
    if not text:
        raise RequestError(_("Say which pages you want copied, e.g. 12-18, 25."))
    total, parts = 0, []
    for part in text.replace(";", ",").split(","):
        part = part.strip().replace("–", "-")
        if not part:
            continue
        bounds = [b.strip() for b in part.split("-")]
        if len(bounds) > 2 or not all(re.fullmatch(r"[0-9]{1,5}", b) for b in bounds):
            raise RequestError(_("“%(part)s” is not a page or a range of pages (e.g. 12-18).") % {"part": part})
        first, last = int(bounds[0]), int(bounds[-1])
        if first < 1 or last < first:
            raise RequestError(_("“%(part)s” is not a page or a range of pages (e.g. 12-18).") % {"part": part})
        total += last - first + 1
        parts.append(str(first) if first == last else f"{first}-{last}")
    if not parts:
        raise RequestError(_("Say which pages you want copied, e.g. 12-18, 25."))
    if total > MAX_PAGES:
        raise RequestError(_("At most %(n)s pages can be copied in one request.") % {"n": MAX_PAGES})
    return ", ".join(parts), total


def postal_fee():
    return services.postal_fee()


def _check_reader(reader):
    if reader is None or reader.status != ReaderStatus.ACTIVE:
        raise RequestError(_("Only readers with an active card can make requests."))


def _library_for(record, library_id, reader):
    libraries = holding_libraries(record)
    if library_id:
        library = libraries.filter(pk=library_id).first()
        if library is None:
            raise RequestError(_("This library holds no copy of the document."))
        return library
    library = libraries.filter(pk=reader.home_library_id).first() or libraries.first()
    if library is None:
        raise RequestError(_("No library holds a copy of this document."))
    return library


def request_copy(actor, reader, record_id, pages, note="", library_id=None):
    """The reader asks for a copy of ``pages`` of a document."""
    _check_reader(reader)
    record = public_record(record_id)
    if record is None:
        raise RequestError(_("This document does not exist."))
    pages, _count = parse_pages(pages)
    library = _library_for(record, library_id, reader)
    try:
        return services.request_copy(actor, reader.card_number, record.pk, pages, note=nfc(note or "").strip()[:2000],
                                     library=library)
    except CirculationError as exc:
        raise RequestError(exc.message) from exc


def request_postal(actor, reader, record_id, address, library_id=None):
    """The reader asks for a copy to be sent by post; the fee is shown first."""
    _check_reader(reader)
    record = public_record(record_id)
    if record is None:
        raise RequestError(_("This document does not exist."))
    address = " ".join(nfc(address or "").split())
    if len(address) < 10:
        raise RequestError(_("Give the full postal address (house number, street, commune, district, province)."))
    if len(address) > 255:
        raise RequestError(_("The address is too long."))
    library = _library_for(record, library_id, reader)
    try:
        return services.request_postal(actor, reader.card_number, record.pk, address, library=library)
    except CirculationError as exc:
        raise RequestError(exc.message) from exc


def cancel_request(actor, reader, kind, pk):
    """The reader cancels a request nobody has started."""
    model = KINDS.get(kind)
    request = model.objects.filter(pk=pk, reader=reader).first() if model else None
    if request is None:
        raise RequestError(_("This request does not exist."))
    if request.state != RequestState.REQUESTED:
        raise RequestError(_("This request is already being handled and cannot be cancelled."))
    try:
        return services.set_request_state(actor, kind, pk, RequestState.CANCELLED)
    except CirculationError as exc:
        raise RequestError(exc.message) from exc


def staff_requests(user, kind):
    """The queue of ``kind`` requests in the libraries where ``user`` circulates."""
    model = KINDS[kind]
    rows = model.objects.select_related("reader", "record", "library").order_by("created_at", "id")
    ids = permissions.library_ids_for(user, permissions.CIRCULATE)
    return rows if ids is None else rows.filter(library_id__in=ids)


def check_upload(upload):
    name = os.path.basename(upload.name or "")
    if not name.lower().endswith(COPY_EXTENSIONS):
        raise RequestError(_("The copy must be a PDF, an image (JPEG, PNG, TIFF) or a ZIP file."))
    if upload.size > MAX_COPY_BYTES:
        raise RequestError(_("The file is too large (at most %(mb)s MB).") % {"mb": MAX_COPY_BYTES // (1024 * 1024)})
    if upload.size == 0:
        raise RequestError(_("The file is empty."))


def update_request(actor, kind, pk, state, upload=None):
    """Staff move a request on; a remote copy is delivered with its file."""
    model = KINDS.get(kind)
    request = model.objects.filter(pk=pk).first() if model else None
    if request is None:
        raise RequestError(_("This request does not exist."))
    if state not in TRANSITIONS.get(request.state, ()):
        raise RequestError(_("A request that is %(state)s cannot become %(new)s.") % {
            "state": request.get_state_display().lower(),
            "new": dict(RequestState.choices).get(state, state).lower()})
    if upload is not None:
        if kind != "copy":
            raise RequestError(_("Only remote copies are delivered as a file."))
        check_upload(upload)
    if kind == "copy" and state == RequestState.DONE and upload is None and not request.file:
        raise RequestError(_("Upload the copy before marking the request as delivered."))
    try:
        return services.set_request_state(actor, kind, pk, state, file=upload)
    except CirculationError as exc:
        raise RequestError(exc.message) from exc
