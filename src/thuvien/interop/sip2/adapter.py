"""The only door from SIP2 into circulation: the agreed service functions, channel "sip2".

SIP2 never writes loans, holds or readers itself; everything goes through
``thuvien.circulation.services`` with the kiosk's library, exactly as the loan desk does.
A kiosk has no staff user, so ``actor`` is ``None``; what a kiosk may do for a reader
(only renew the reader's own loans, cancel only the reader's own holds) is checked here.
"""

from __future__ import annotations

from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError

CHANNEL = "sip2"

__all__ = [
    "CHANNEL", "CirculationError", "authenticate", "block", "cancel_hold", "checkin", "checkout",
    "item", "patron", "place_hold", "renew", "renew_all",
]


def patron(card_number, library=None):
    """The reader's summary (loans, holds, fines, blocks), or ``None`` if no such card.
    The blocks are those of ``library``'s rules (the kiosk's), as the desk there says them."""
    if not card_number:
        return None
    try:
        return services.reader_summary(card_number, library=library)
    except CirculationError as error:
        if error.code in ("unknown_reader", "reader_erased"):
            return None
        raise


def authenticate(card_number, password):
    """True if ``password`` is the reader's password."""
    if not card_number or not password:
        return False
    return services.authenticate_reader(card_number, password) is not None


def item(barcode):
    """The copy's summary (record, current loan, holds), or ``None`` if no such barcode."""
    if not barcode:
        return None
    try:
        return services.item_summary(barcode)
    except CirculationError as error:
        if error.code == "unknown_item":
            return None
        raise


def checkout(library, card_number, barcode):
    return services.checkout(None, card_number, barcode, library, channel=CHANNEL)


def checkin(library, barcode):
    return services.checkin(None, barcode, library, channel=CHANNEL)


def renew(barcode):
    return services.renew(None, barcode, channel=CHANNEL)


def renew_all(card_number):
    return services.renew_all(None, card_number, channel=CHANNEL)


def place_hold(library, card_number, record_id, pickup_library):
    return services.place_hold(None, card_number, record_id, pickup_library, library=None, channel=CHANNEL)


def cancel_hold(hold_id):
    return services.cancel_hold(None, hold_id)


def block(card_number, reason):
    return services.block_reader(None, card_number, reason, channel=CHANNEL)
