"""Why a circulation operation was refused: a stable code and a translated message."""

from django.utils.translation import gettext_lazy as _

# code: (message, overridable by staff)
ERRORS = {
    "unknown_reader": (_("No reader has this card number."), False),
    "unknown_item": (_("No copy has this barcode."), False),
    "unknown_record": (_("This record does not exist."), False),
    "unknown_hold": (_("This hold does not exist."), False),
    "unknown_library": (_("This library does not exist."), False),
    "already_on_loan": (_("This copy is already on loan."), False),
    "card_expired": (_("The reader's card has expired."), True),
    "reader_blocked": (_("The reader is blocked."), False),
    "reader_pending": (_("The reader's registration has not been approved yet."), False),
    "reader_erased": (_("This reader's data has been erased."), False),
    "loan_limit": (_("The reader has reached the maximum number of loans."), True),
    "fines_over_limit": (_("The reader owes more fines than allowed."), True),
    "not_for_loan": (_("This copy is not for loan (reading room only)."), True),
    "item_unavailable": (_("This copy is lost, damaged or otherwise unavailable."), True),
    "item_withdrawn": (_("This copy has been withdrawn."), False),
    "item_on_hold": (_("This copy is waiting for another reader who reserved it."), True),
    "item_in_transit": (_("This copy is in transit between libraries."), True),
    "item_elsewhere": (_("This copy belongs to another library and should be on its shelves."), True),
    "not_on_loan": (_("This copy is not on loan."), False),
    "renewal_limit": (_("The loan has been renewed as many times as allowed."), True),
    "renewal_on_hold": (_("Another reader is waiting for this title; the loan cannot be renewed."), True),
    "renewal_overdue_fines": (_("The loan cannot be renewed while fines are over the limit."), True),
    "holds_not_allowed": (_("Holds are not allowed for this reader."), False),
    "hold_exists": (_("The reader already has a hold on this title."), False),
    "hold_not_cancellable": (_("This hold is already closed."), False),
    "no_copies": (_("There is no copy that could fill this hold."), False),
    "already_borrowed": (_("The reader already has this title on loan."), False),
    "invalid_pickup": (_("Copies cannot be collected at this library."), False),
    "invalid_amount": (_("The amount must be a positive whole number of đồng."), False),
    "invalid_data": (_("Some of the data is missing or not valid."), False),
    "reader_has_loans": (_("The reader still has copies on loan; they must be returned first."), False),
    "reader_owes_fines": (_("The reader still owes money; it must be paid or waived first."), False),
    "card_number_taken": (_("This card number is already in use."), False),
    "invalid_credentials": (_("The card number or the password is wrong."), False),
    "not_permitted": (_("You are not allowed to do this here."), False),
}


class CirculationError(Exception):
    """A refused operation. ``message`` is translated in the active language
    (Vietnamese by default); ``detail`` may add a specific explanation."""

    def __init__(self, code, detail="", overridable=None):
        if code not in ERRORS:
            raise ValueError(f"unknown circulation error code {code!r}")
        self.code = code
        self.detail = detail
        self.overridable = ERRORS[code][1] if overridable is None else overridable
        super().__init__(code)

    @property
    def message(self):
        text = str(ERRORS[self.code][0])
        if self.detail:
            text = f"{text} {self.detail}"
        return text

    def __str__(self):
        return self.message

    def __repr__(self):
        return f"CirculationError({self.code!r})"

    def as_dict(self):
        return {"code": self.code, "message": self.message, "overridable": self.overridable}
