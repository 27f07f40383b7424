"""One kiosk connection: requests in, responses out.

``Session.handle(line)`` takes one request line (bytes, without its line end) and returns
the response line to send (bytes, CR included). It never raises: a damaged line gets a
96 (please resend), a message we cannot serve gets the negative answer of its own kind
with a screen message (AF) saying why, in Vietnamese unless the kiosk asked for English.
"""

from __future__ import annotations

import hashlib
import logging
from decimal import Decimal

from django.db import connection
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.accounts import throttle
from thuvien.core.vietnamese import nfc
from thuvien.interop.sip2 import adapter, codec
from thuvien.interop.sip2.codec import count, sip_datetime, yes_no

log = logging.getLogger("thuvien.sip2")

PROTOCOL_VERSION = "2.00"
CURRENCY = "VND"
# SIP2 language codes answered in English; everything else gets Vietnamese.
ENGLISH_CODES = {"001", "024"}
MAX_FAILED_LOGINS = 3  # on one connection, then it is closed
# Failures counted for 15 minutes (accounts.throttle): then logins of that kiosk and
# passwords of that reader are refused unchecked.
MAX_LOGIN_FAILURES = 10
MAX_READER_FAILURES = 5
MAX_BAD_MESSAGES = 20
MAX_ITEMS = 50  # item lists in a 64 response, when the kiosk asks for no range

# BX: which messages we answer, in the spec's order:
# 23 patron status, 11 checkout, 09 checkin, 01 block patron, 99 SC status, 97 resend,
# 93 login, 63 patron information, 35 end session, 37 fee paid, 17 item information,
# 19 item status update, 25 patron enable, 15 hold, 29 renew, 65 renew all.
SUPPORTED = "YYYYYYYYYNYNNYYY"
SUPPORTED_BEFORE_LOGIN = "NNNNYYYNNNNNNNNN"

# Item status -> SIP2 circulation status.
CIRCULATION_STATUS = {
    "available": "03",
    "on_loan": "04",
    "on_hold_shelf": "08",
    "in_transit": "10",
    "in_processing": "06",
    "not_for_loan": "01",
    "lost": "12",
    "damaged": "01",
    "withdrawn": "01",
}
# What the kiosk shows about a copy's status (item information, AF).
STATUS_TEXT = {
    "available": gettext_lazy("On the shelf: you can borrow it."),
    "on_loan": gettext_lazy("On loan."),
    "on_hold_shelf": gettext_lazy("Kept for a reader who reserved it."),
    "in_transit": gettext_lazy("In transit between libraries."),
    "in_processing": gettext_lazy("Being processed by the library."),
    "not_for_loan": gettext_lazy("Reading room only."),
    "lost": gettext_lazy("Reported lost."),
    "damaged": gettext_lazy("Damaged: please give it to a librarian."),
    "withdrawn": gettext_lazy("Withdrawn from the collection."),
}
# SIP2 media types: 000 other, 001 book, 002 magazine, 004 audio tape, 005 video tape, 006 CD/CD-ROM.
MEDIA_BY_MATERIAL = {"serial": "002", "video": "005", "sound": "004", "music": "006", "computer": "006"}
SECURITY_MARKER = "02"  # tattle-tape (books); RFID kiosks ignore it
FEE_TYPE = "01"  # other/unknown

# Patron status (14 flags): 0 charge, 1 renewal, 2 recall, 3 hold privileges denied,
# 4 card lost, 5 too many charged, 6 too many overdue, 7 too many renewals, 8 claims returned,
# 9 too many lost, 10 excessive fines, 11 excessive fees, 12 recall overdue, 13 too many billed.
BLOCK_FLAGS = {
    "reader_blocked": (0, 1, 2, 3),
    "reader_pending": (0, 1, 2, 3),
    "reader_erased": (0, 1, 2, 3),
    "card_expired": (0, 1, 2, 3),
    "loan_limit": (0, 5),
    "fines_over_limit": (0, 1, 10),
    "renewal_overdue_fines": (1, 10),
    "holds_not_allowed": (3,),
}


class Session:
    """The state of one kiosk connection."""

    def __init__(self, peer=""):
        self.peer = peer
        self.account = None
        self.library = None
        self.encoding = codec.DEFAULT_ENCODING
        self.language = "000"
        self.last_response = None
        self.failed_logins = 0
        self.bad_messages = 0
        self.closing = False
        self._verified = None  # (card, password digest) checked in this session

    # -- the loop --------------------------------------------------------------------

    def handle(self, line: bytes) -> bytes | None:
        line = codec.split_line(line)
        if not line.strip():
            return None
        try:
            try:
                message = codec.decode(line, self.encoding)
            except codec.MessageError:
                if not line.startswith(b"93"):
                    raise
                # A login from a kiosk whose encoding we learn from its account: read the
                # login (ASCII) byte for byte; the password is decoded again in login().
                message = codec.decode(line, "latin-1")
        except codec.MessageError as error:
            self.bad_messages += 1
            if self.bad_messages >= MAX_BAD_MESSAGES:
                self.closing = True
            log.info("sip2 %s: %s: %r", self.peer, error, line[:200])
            return codec.encode(codec.RESEND, error_detection=True, encoding=self.encoding)
        self.bad_messages = 0
        if message.code == "97":
            return self.last_response or self._build(message, "96", [], [])
        if message.code == "96":
            return self.last_response or self._build(message, "96", [], [])
        try:
            response = self._dispatch(message)
        except Exception:  # never let one message end the connection
            log.exception("sip2 %s: failed on %r", self.peer, message.raw[:200])
            _repair_connection()
            try:
                response = self._refuse(message, _("The system could not do this. Please ask a librarian."))
            except Exception:  # pragma: no cover - the refusal itself failed: ask for the message again
                log.exception("sip2 %s: could not even refuse", self.peer)
                response = codec.encode(codec.RESEND, error_detection=True, encoding=self.encoding)
        self.last_response = response
        return response

    def _dispatch(self, message):
        with translation.override(self._ui_language(message)):
            if message.code == "93":
                return self.login(message)
            if message.code == "99":
                return self.sc_status(message)
            if self.account is None:
                return self._refuse(message, _("The kiosk is not logged in."))
            handler = HANDLERS.get(message.code)
            if handler is None:
                return self._refuse(message, _("This kiosk request is not supported."))
            return handler(self, message)

    def _ui_language(self, message):
        language = message.fixed.get("language")
        if language and language.isdigit():
            self.language = language
        return "en" if self.language in ENGLISH_CODES else "vi"

    def _build(self, request, code, fixed, fields):
        return codec.encode(code, fixed, fields, sequence=request.sequence,
                            error_detection=request.error_detection, encoding=self.encoding)

    def _refuse(self, message, text):
        builder = REFUSALS.get(message.code)
        if builder is None:
            return codec.encode(codec.RESEND, error_detection=message.error_detection, encoding=self.encoding)
        return builder(self, message, text)

    @property
    def institution(self):
        return self.library.code if self.library else ""

    # -- 93 login / 99 SC status ----------------------------------------------------

    def login(self, message):
        from thuvien.interop.sip2.models import KioskAccount

        login_id, password = message.get("CN"), message.get("CO")
        account = (KioskAccount.objects.select_related("library").filter(login=login_id).first()
                   if login_id else None)
        if account is not None and account.encoding != self.encoding and message.data:
            try:  # the password as the kiosk's own encoding writes it
                password = codec.parse(nfc(message.data.decode(account.encoding))).get("CO")
            except (UnicodeDecodeError, LookupError, codec.MessageError):
                pass
        # Counted per login, not per address: kiosks behind one router share an address,
        # and one misconfigured kiosk must not lock the others out.
        key = throttle.key("sip2-login", login_id)
        throttled = throttle.blocked(key, MAX_LOGIN_FAILURES)
        ok = (
            not throttled and account is not None and account.enabled and account.library.is_active
            and message.fixed.get("uid_algorithm", "0") in ("0", " ")
            and message.fixed.get("pwd_algorithm", "0") in ("0", " ")
            and account.check_password(password)
        )
        if not ok:
            self.failed_logins += 1
            throttle.failed(key)
            log.warning("sip2 %s: failed login for %r%s", self.peer, login_id[:64], " (throttled)" if throttled else "")
            if self.failed_logins >= MAX_FAILED_LOGINS:
                self.closing = True
            return self._build(message, "94", ["0"], [])
        self.account, self.library = account, account.library
        self.encoding = account.encoding or codec.DEFAULT_ENCODING
        self.failed_logins = 0
        KioskAccount.objects.filter(pk=account.pk).update(last_login_at=timezone.now())
        return self._build(message, "94", ["1"], [])

    def sc_status(self, message, note=None):
        online = self.account is not None
        fixed = [
            "Y",  # on-line status (the ACS answers)
            yes_no(online),  # checkin ok
            yes_no(online),  # checkout ok
            yes_no(online),  # ACS renewal policy
            "N",  # status update ok
            "N",  # off-line ok
            "100",  # timeout period, in tenths of a second: 10 s
            "003",  # retries allowed
            sip_datetime(),
            PROTOCOL_VERSION,
        ]
        fields = [
            ("AO", self.institution),
            ("AM", self.library.name if self.library else ""),
            ("BX", SUPPORTED if online else SUPPORTED_BEFORE_LOGIN),
            ("AN", self.account.location if online and self.account.location else None),
            ("AF", note if note else (None if online else _("The kiosk is not logged in."))),
        ]
        return self._build(message, "98", fixed, fields)

    # -- patrons ---------------------------------------------------------------------

    def _password_state(self, message, card):
        """(given, valid): whether the request carried a reader password, and if it is right."""
        password = message.get("AD")
        if not password:
            return False, False
        digest = hashlib.sha256(f"{card}\x00{password}".encode()).hexdigest()
        if self._verified == (card, digest):
            return True, True
        key = throttle.key("reader", card)  # the same count as the reader's login form
        if throttle.blocked(key, MAX_READER_FAILURES):  # a kiosk is no place to guess PINs
            return True, False
        valid = adapter.authenticate(card, password)
        if valid:
            self._verified = (card, digest)
            throttle.cleared(key)
        else:
            throttle.failed(key)
        return True, valid

    def _patron_refusal(self, message, card, summary):
        """Why this request may not act for the reader (text), or ``None``."""
        if summary is None:
            return _error("unknown_reader")
        return self._password_refusal(message, card)

    def _password_refusal(self, message, card):
        """Why the reader's password (AD) does not let this request go on, or ``None``.
        Whether the card exists, and may borrow, is the services' to say."""
        if not card:
            return _error("unknown_reader")
        given, valid = self._password_state(message, card)
        if given and not valid:
            return _("Wrong card number or password.")
        if not given and self.account.patron_password_required:
            return _("Please type your password.")
        return None

    @staticmethod
    def patron_status_flags(summary):
        flags = [" "] * 14
        if summary is None:
            flags[0:4] = ["Y"] * 4
            return "".join(flags)
        for error in summary.blocks:
            for position in BLOCK_FLAGS.get(error.code, (0,)):
                flags[position] = "Y"
        return "".join(flags)

    def _patron_fields(self, summary, card, valid_password, show_private):
        reader = summary.reader if summary else None
        return [
            ("AO", self.institution),
            ("AA", card),
            ("AE", reader.name if reader and show_private else ""),
            ("BL", yes_no(reader is not None)),
            ("CQ", yes_no(valid_password)),
            ("BH", CURRENCY if show_private else None),
            ("BV", _amount(summary.fines_owed) if show_private else None),
        ]

    def _patron_messages(self, summary):
        if summary is None:
            return [("AF", _error("unknown_reader"))]
        return [("AF", error.message) for error in summary.blocks]

    def _may_see(self, summary, given, valid):
        """Whether the kiosk may show this reader's details: the right password, or none
        asked for (the card was scanned) where the kiosk does not require one."""
        if summary is None:
            return False
        return valid or (not given and not self.account.patron_password_required)

    def patron_status(self, message, *, code="24", note=None):
        card = message.get("AA")
        summary = adapter.patron(card, self.library)
        given, valid = self._password_state(message, card) if summary else (False, False)
        show_private = self._may_see(summary, given, valid)
        fields = self._patron_fields(summary, card, valid, show_private)
        if note:
            fields.append(("AF", note))
        elif summary is None or show_private:
            fields += self._patron_messages(summary)
        else:
            fields.append(("AF", _("Wrong card number or password.") if given else _("Please type your password.")))
        fixed = [self.patron_status_flags(summary), self._language(message), sip_datetime()]
        return self._build(message, code, fixed, fields)

    @staticmethod
    def _language(message):
        """The language field of a response: the request's, or 000 (unknown) if it had none."""
        language = message.fixed.get("language", "")
        return language if len(language) == 3 and language.isdigit() else "000"

    def patron_information(self, message):
        card = message.get("AA")
        summary = adapter.patron(card, self.library)
        given, valid = self._password_state(message, card) if summary else (False, False)
        show_private = self._may_see(summary, given, valid)
        lists = _ItemLists(summary if show_private else None, message)
        fixed = [
            self.patron_status_flags(summary), self._language(message), sip_datetime(),
            count(len(lists.holds)), count(len(lists.overdue)), count(len(lists.charged)),
            count(len(lists.fines)), count(0), count(len(lists.unavailable)),
        ]
        fields = self._patron_fields(summary, card, valid, show_private)
        reader = summary.reader if summary else None
        if show_private:
            fields += lists.selected()
            fields += [("BD", reader.address or None), ("BE", reader.email or None), ("BF", reader.phone or None)]
            if reader.expires_on:
                fields.append(("PA", reader.expires_on.strftime("%Y%m%d")))  # card expiry (Koha's extension)
            fields += self._patron_messages(summary)
        elif summary is not None:
            fields.append(("AF", _("Wrong card number or password.") if given else _("Please type your password.")))
        else:
            fields += self._patron_messages(None)
        return self._build(message, "64", fixed, fields)

    def end_session(self, message):
        self._verified = None
        fields = [("AO", self.institution), ("AA", message.get("AA")), ("AF", _("Goodbye."))]
        return self._build(message, "36", ["Y", sip_datetime()], fields)

    def block_patron(self, message):
        card = message.get("AA")
        summary = adapter.patron(card, self.library)
        if summary is None:
            return self.patron_status(message)
        reason = message.get("AL") or _("Blocked by a self-check kiosk.")
        if message.fixed.get("card_retained") == "Y":
            reason = _("%(reason)s (card kept by the kiosk)") % {"reason": reason}
        reason = _("Kiosk %(kiosk)s: %(reason)s") % {"kiosk": self.account.login, "reason": reason}
        try:
            adapter.block(card, reason[:255])
        except adapter.CirculationError as error:
            return self.patron_status(message, note=error.message)
        return self.patron_status(message, note=_("Your card has been blocked. Please see a librarian."))

    def patron_enable(self, message):
        """25: answered with the reader's status; only staff can lift a block."""
        summary = adapter.patron(message.get("AA"), self.library)
        note = None
        if summary is not None and summary.blocks:
            note = _("Only a librarian can lift a block. Please go to the desk.")
        return self.patron_status(message, code="26", note=note)

    # -- items -------------------------------------------------------------------------

    def checkout(self, message):
        card, barcode = message.get("AA"), message.get("AB")
        refusal = self._password_refusal(message, card)
        if refusal:
            return self._checkout_response(message, False, text=refusal)
        try:
            loan = adapter.checkout(self.library, card, barcode)
            renewal = False
        except adapter.CirculationError as error:
            if error.code == "already_on_loan" and message.fixed.get("renewal_policy") == "Y":
                current = adapter.item(barcode)
                if current and current.loan and current.loan.reader and current.loan.reader.card_number == card:
                    try:
                        loan = adapter.renew(barcode)
                        renewal = True
                    except adapter.CirculationError as renew_error:
                        return self._checkout_response(message, False, text=renew_error.message)
                else:
                    return self._checkout_response(message, False, text=error.message)
            else:
                return self._checkout_response(message, False, text=error.message)
        text = _("Checked out. Due back on %(due)s.") % {"due": _display_date(loan.due_at)}
        return self._checkout_response(message, True, loan=loan, renewal=renewal, text=text)

    def _checkout_response(self, message, ok, *, loan=None, renewal=False, text=None):
        item = loan.item if loan else None
        fixed = [
            "1" if ok else "0",
            yes_no(renewal),
            _magnetic(item) if item else "N",
            yes_no(ok),  # desensitize
            sip_datetime(),
        ]
        fields = [
            ("AO", self.institution),
            ("AA", message.get("AA")),
            ("AB", message.get("AB")),
            ("AJ", _title(item)),
            ("AH", sip_datetime(loan.due_at) if loan else ""),
            ("CK", _media_type(item) if item else None),
            ("AF", text),
        ]
        return self._build(message, "12", fixed, fields)

    def checkin(self, message):
        barcode = message.get("AB")
        try:
            result = adapter.checkin(self.library, barcode)
        except adapter.CirculationError as error:
            return self._checkin_response(message, False, text=error.message)
        return self._checkin_response(message, True, result=result)

    def _checkin_response(self, message, ok, *, result=None, text=None):
        item = result.item if result else None
        action = result.action if result else ""
        alert = action in ("hold", "transit") or not ok
        fields = [
            ("AO", self.institution),
            ("AB", message.get("AB")),
            ("AQ", item.library.code if item else ""),
            ("AJ", _title(item)),
        ]
        loan = result.loan if result else None
        if loan is not None and loan.reader is not None:
            fields.append(("AA", loan.reader.card_number))
        if item is not None:
            fields.append(("CK", _media_type(item)))
        if action == "hold":
            fields.append(("CV", "01"))  # hold for a reader at this library
            hold = result.hold
            if hold is not None and hold.reader is not None:
                fields.append(("CY", hold.reader.card_number))
        elif action == "transit":
            fields.append(("CV", "04" if result.hold is None else "02"))  # send elsewhere / for a hold there
            if result.destination is not None:
                fields.append(("CT", result.destination.code))
        elif not ok:
            fields.append(("CV", "00"))
        if result is not None:
            # The services' routing note names the reader waiting; the kiosk's screen says less.
            fields.append(("AF", _("Returned. Thank you.")))
            if action in ("hold", "transit"):
                fields.append(("AF", _("Please leave this copy at the desk: it is going to another reader "
                                       "or library.")))
            if result.fine:
                fields.append(("AF", _("Fine charged: %(amount)s đồng.") % {"amount": _amount(result.fine)}))
        else:
            fields.append(("AF", text))
        fixed = [
            "1" if ok else "0",
            yes_no(ok),  # resensitize
            _magnetic(item) if item else "U",
            yes_no(alert),
            sip_datetime(),
        ]
        return self._build(message, "10", fixed, fields)

    def renew(self, message):
        card, barcode = message.get("AA"), message.get("AB")
        refusal = self._password_refusal(message, card)
        if refusal is None and not barcode:
            refusal = _("Please scan the copy's barcode.")
        if refusal is None:
            current = adapter.item(barcode)
            if current is None:
                refusal = _error("unknown_item")
            elif current.loan is None:
                refusal = _error("not_on_loan")
            elif current.loan.reader is None or current.loan.reader.card_number != card:
                refusal = _("This copy is not on loan to you.")
        if refusal:
            return self._renew_response(message, False, text=refusal)
        try:
            loan = adapter.renew(barcode)
        except adapter.CirculationError as error:
            return self._renew_response(message, False, text=error.message)
        text = _("Renewed. Due back on %(due)s.") % {"due": _display_date(loan.due_at)}
        return self._renew_response(message, True, loan=loan, text=text)

    def _renew_response(self, message, ok, *, loan=None, text=None):
        item = loan.item if loan else None
        fixed = ["1" if ok else "0", yes_no(ok), _magnetic(item) if item else "U", "N", sip_datetime()]
        fields = [
            ("AO", self.institution),
            ("AA", message.get("AA")),
            ("AB", message.get("AB")),
            ("AJ", _title(item)),
            ("AH", sip_datetime(loan.due_at) if loan else ""),
            ("CK", _media_type(item) if item else None),
            ("AF", text),
        ]
        return self._build(message, "30", fixed, fields)

    def renew_all(self, message):
        card = message.get("AA")
        refusal = self._password_refusal(message, card)
        if refusal:
            return self._renew_all_response(message, False, text=refusal)
        try:
            renewed, refused = adapter.renew_all(card)
        except adapter.CirculationError as error:
            return self._renew_all_response(message, False, text=error.message)
        return self._renew_all_response(message, True, renewed=renewed, refused=refused)

    def _renew_all_response(self, message, ok, *, renewed=(), refused=(), text=None):
        fixed = ["1" if ok else "0", count(len(renewed)), count(len(refused)), sip_datetime()]
        fields = [("AO", self.institution)]
        fields += [("BM", loan.item.barcode) for loan in renewed]
        fields += [("BN", loan.item.barcode) for loan, _error in refused]
        if ok:
            fields.append(("AF", _("Renewed: %(renewed)d. Not renewed: %(refused)d.")
                           % {"renewed": len(renewed), "refused": len(refused)}))
            for loan, error in refused:
                fields.append(("AF", f"{loan.item.barcode}: {error.message}"))
        else:
            fields.append(("AF", text))
        return self._build(message, "66", fixed, fields)

    def item_information(self, message):
        barcode = message.get("AB")
        summary = adapter.item(barcode)
        if summary is None:
            fixed = ["01", SECURITY_MARKER, FEE_TYPE, sip_datetime()]
            fields = [("AB", barcode), ("AJ", ""), ("AF", _error("unknown_item"))]
            return self._build(message, "18", fixed, fields)
        item = summary.item
        status = CIRCULATION_STATUS.get(item.status, "01")
        fixed = [status, SECURITY_MARKER, FEE_TYPE, sip_datetime()]
        holds = list(summary.holds or [])
        fields = [
            ("CF", str(len(holds))),
            ("AH", sip_datetime(summary.due_at) if summary.due_at else None),
        ]
        ready = [h for h in holds if getattr(h, "status", "") == "ready" and getattr(h, "item_id", None) == item.pk]
        if ready and ready[0].expires_at:
            fields.append(("CM", sip_datetime(ready[0].expires_at)))
        fields += [
            ("AB", item.barcode),
            ("AJ", _title(item)),
            ("BG", item.library.code),
            ("CK", _media_type(item)),
            ("AQ", item.library.code),
            ("AP", (item.location.code if item.location_id else item.library.code)),
            ("AF", str(STATUS_TEXT.get(item.status, item.get_status_display()))),
        ]
        return self._build(message, "18", fixed, fields)

    # -- holds ---------------------------------------------------------------------------

    def hold(self, message):
        from thuvien.network.models import Library

        card, barcode = message.get("AA"), message.get("AB")
        mode = message.fixed.get("hold_mode", "")
        summary = adapter.patron(card, self.library)
        refusal = self._patron_refusal(message, card, summary)
        record_id = None
        if refusal is None:
            record_id = self._hold_record(barcode, message.get("AJ"))
            if record_id is None:
                refusal = _("Please scan the barcode of a copy of the title.")
        if refusal is None and mode not in ("+", "-"):
            refusal = _("This kiosk cannot change holds. Please ask a librarian.")
        if refusal:
            return self._hold_response(message, False, text=refusal)
        try:
            if mode == "-":
                hold = next((h for h in summary.holds if h.record_id == record_id), None)
                if hold is None:
                    return self._hold_response(message, False, text=_("You have no hold on this title."))
                hold = adapter.cancel_hold(hold.pk)
                return self._hold_response(message, True, hold=hold, text=_("The hold was cancelled."))
            # BS names the pickup library by its code; a location we do not know (kiosks
            # send their own names) means here. The response's BS says which it is.
            pickup = self.library
            if message.get("BS"):
                pickup = Library.objects.filter(code=message.get("BS").strip(), is_active=True).first() or pickup
            hold = adapter.place_hold(self.library, card, record_id, pickup)
        except adapter.CirculationError as error:
            return self._hold_response(message, False, text=error.message)
        return self._hold_response(message, True, hold=hold, text=_("The hold was placed."))

    @staticmethod
    def _hold_record(barcode, title_id):
        """The record a hold is for: that of the copy scanned, or a record id sent as AJ.
        Restricted and withdrawn records cannot be reserved at a kiosk."""
        from thuvien.catalog.models import BibRecord

        if barcode:
            summary = adapter.item(barcode)
            record = summary.record if summary else None
        elif title_id and title_id.strip().isdigit():
            record = BibRecord.objects.filter(pk=int(title_id)).first()
        else:
            record = None
        if record is None or record.is_deleted or record.visibility != "public":
            return None
        return record.pk

    def _hold_response(self, message, ok, *, hold=None, text=None):
        available = bool(hold and ok and hold.status == "ready")
        fixed = ["1" if ok else "0", yes_no(available), sip_datetime()]
        fields = []
        if hold is not None and hold.expires_at:
            fields.append(("BW", sip_datetime(hold.expires_at)))
        if hold is not None and ok and message.fixed.get("hold_mode") == "+":
            fields.append(("BS", hold.pickup_library.code))
        fields += [
            ("AO", self.institution),
            ("AA", message.get("AA")),
            ("AB", message.get("AB") or None),
            ("AJ", (hold.record.title if hold is not None else None)),
            ("AF", text),
        ]
        return self._build(message, "16", fixed, fields)


# -- negative answers, for requests refused before they reach a handler ------------------


def _refuse_patron(code):
    def refuse(session, message, text):
        fixed = ["Y" * 4 + " " * 10, session._language(message), sip_datetime()]
        fields = [("AO", session.institution), ("AA", message.get("AA")), ("AE", ""),
                  ("BL", "N"), ("CQ", "N"), ("AF", text)]
        return session._build(message, code, fixed, fields)
    return refuse


def _refuse_patron_information(session, message, text):
    fixed = ["Y" * 4 + " " * 10, session._language(message), sip_datetime()] + [count(0)] * 6
    fields = [("AO", session.institution), ("AA", message.get("AA")), ("AE", ""),
              ("BL", "N"), ("CQ", "N"), ("AF", text)]
    return session._build(message, "64", fixed, fields)


def _refuse_end_session(session, message, text):
    fields = [("AO", session.institution), ("AA", message.get("AA")), ("AF", text)]
    return session._build(message, "36", ["N", sip_datetime()], fields)


def _refuse_item_information(session, message, text):
    fields = [("AB", message.get("AB")), ("AJ", ""), ("AF", text)]
    return session._build(message, "18", ["01", SECURITY_MARKER, FEE_TYPE, sip_datetime()], fields)


def _refuse_fee_paid(session, message, text):
    fields = [("AO", session.institution), ("AA", message.get("AA")), ("AF", text)]
    return session._build(message, "38", ["N", sip_datetime()], fields)


def _refuse_item_status_update(session, message, text):
    fields = [("AB", message.get("AB")), ("AF", text)]
    return session._build(message, "20", ["0", sip_datetime()], fields)


def _refuse_login(session, message, text):
    return session._build(message, "94", ["0"], [])


def _refuse_sc_status(session, message, text):
    return session.sc_status(message, note=text)


REFUSALS = {
    "01": _refuse_patron("24"),
    "09": lambda s, m, t: s._checkin_response(m, False, text=t),
    "11": lambda s, m, t: s._checkout_response(m, False, text=t),
    "15": lambda s, m, t: s._hold_response(m, False, text=t),
    "17": _refuse_item_information,
    "19": _refuse_item_status_update,
    "23": _refuse_patron("24"),
    "25": _refuse_patron("26"),
    "29": lambda s, m, t: s._renew_response(m, False, text=t),
    "35": _refuse_end_session,
    "37": _refuse_fee_paid,
    "63": _refuse_patron_information,
    "65": lambda s, m, t: s._renew_all_response(m, False, text=t),
    "93": _refuse_login,
    "99": _refuse_sc_status,
}

HANDLERS = {
    "01": Session.block_patron,
    "09": Session.checkin,
    "11": Session.checkout,
    "15": Session.hold,
    "17": Session.item_information,
    "23": Session.patron_status,
    "25": Session.patron_enable,
    "29": Session.renew,
    "35": Session.end_session,
    "63": Session.patron_information,
    "65": Session.renew_all,
}


class _ItemLists:
    """The item lists of a 64 response, and the one the kiosk asked for (summary field)."""

    KINDS = ("AS", "AT", "AU", "AV", "BU", "CD")

    def __init__(self, summary, message):
        self.message = message
        if summary is None:
            self.holds = self.overdue = self.charged = self.fines = self.unavailable = []
            return
        holds = list(summary.holds or [])
        self.holds = [_hold_label(h) for h in holds]
        self.unavailable = [_hold_label(h) for h in holds if getattr(h, "status", "") != "ready"]
        self.charged = [loan.item.barcode for loan in summary.loans]
        self.overdue = [loan.item.barcode for loan in summary.overdue]
        owed = summary.fines_owed or Decimal(0)
        self.fines = [f"{_amount(owed)} {CURRENCY}"] if owed > 0 else []

    def selected(self):
        summary = (self.message.fixed.get("summary") or "").ljust(10)
        lists = [self.holds, self.overdue, self.charged, self.fines, [], self.unavailable]
        for position, (tag, values) in enumerate(zip(self.KINDS, lists)):
            if summary[position] in ("Y", "y"):
                start, end = _range(self.message, len(values))
                return [(tag, value) for value in values[start:end]]
        return []


def _range(message, total):
    start, end = message.get("BP"), message.get("BQ")
    first = int(start) if start.strip().isdigit() else 1
    last = int(end) if end.strip().isdigit() else first + MAX_ITEMS - 1
    first = max(first, 1)
    last = min(max(last, first), first + MAX_ITEMS - 1, total)
    return first - 1, last


def _hold_label(hold):
    if getattr(hold, "item", None) is not None and hold.status == "ready":
        return hold.item.barcode
    return hold.record.title if hold.record_id else str(hold.pk)


def _error(code):
    """The circulation services' own message for ``code`` (the same words as at the desk)."""
    return adapter.CirculationError(code).message


def _title(item):
    if item is None:
        return ""
    record = item.record
    if record.is_deleted or record.visibility != "public":
        return ""
    return record.title


def _media_type(item):
    if item.item_type == "av":
        return MEDIA_BY_MATERIAL.get(item.record.material_type, "000")
    if item.item_type == "serial":
        return "002"
    return MEDIA_BY_MATERIAL.get(item.record.material_type, "001")


def _magnetic(item):
    if item is None:
        return "U"
    return "U" if item.item_type == "av" else "N"


def _amount(value):
    value = Decimal(value or 0)
    return format(value.quantize(Decimal(1)), "f")


def _display_date(moment):
    return formats.date_format(timezone.localtime(moment), "d/m/Y")


def _repair_connection():
    """After an unexpected error, drop a broken database connection so the next request
    of this kiosk gets a fresh one."""
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        elif connection.in_atomic_block is False and connection.needs_rollback:
            connection.rollback()
    except Exception:  # pragma: no cover - a connection that cannot even be checked
        connection.close()
