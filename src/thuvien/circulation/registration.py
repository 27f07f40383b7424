"""Reader registration for the doors the desk helper builds: the desk form, the OPAC's
self-registration, the patron bulk load and the approval queue.

This module checks and cleans what people type (names, dates, e-mail, phone, category
by code or by name, NFC everywhere) and then calls ``circulation.services``, which alone
writes Reader rows. What the services lack for these doors lives here: matching a row of
a file to an existing reader (``upsert_reader``) and the approval queue.
"""

import datetime
import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.accounts import permissions
from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import Reader, ReaderCategory, ReaderStatus
from thuvien.core.vietnamese import fold, nfc

MIN_PASSWORD = 8
EDITABLE = ("name", "category", "birth_date", "email", "phone", "address", "expires_on")
CARD_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
PHONE_RE = re.compile(r"^\+?[0-9 .()-]{6,20}$")


class RegistrationError(Exception):
    """The data cannot be saved; ``messages`` say why (translated)."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else [str(m) for m in messages]
        super().__init__(" ".join(self.messages))


def find_category(value, library=None, categories=None):
    """A ``ReaderCategory`` from its code or its name (any case, with or without diacritics).

    An empty value gives the default: "pupil" for a school library, else "adult", else the first.
    ``categories`` (all of them) spares the query when called for every row of a file.
    """
    categories = list(ReaderCategory.objects.all()) if categories is None else categories
    text = fold(nfc(str(value or "")).strip())
    if not text:
        wanted = "pupil" if library is not None and library.library_type == "school" else "adult"
        return next((c for c in categories if c.code == wanted), categories[0] if categories else None)
    for category in categories:
        if text in (fold(category.code), fold(category.name)):
            return category
    return None


def clean(values, library=None, partial=False, categories=None):
    """(cleaned values, errors). Strings become NFC with single spaces; the category a
    ``ReaderCategory``. ``partial`` (a row of a file) drops empty values instead of
    requiring them, so that empty cells leave stored data alone."""
    cleaned, errors = {}, []
    for name in EDITABLE:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, (datetime.date, ReaderCategory)) or value is None:
            cleaned[name] = value
        else:
            cleaned[name] = " ".join(nfc(str(value)).split())
    if partial:
        cleaned = {k: v for k, v in cleaned.items() if v not in ("", None)}
    if not partial or "name" in cleaned:
        if not cleaned.get("name"):
            errors.append(_("The name is missing."))
        elif len(cleaned["name"]) > 200:
            errors.append(_("The name is too long (at most 200 characters)."))
    if not isinstance(cleaned.get("category"), ReaderCategory) and (not partial or "category" in cleaned):
        given = cleaned.get("category") or ""
        category = find_category(given, library, categories)
        if category is None and given:
            names = ", ".join(f"{c.code} ({c.name})" for c in (categories or ReaderCategory.objects.all()))
            errors.append(_("Unknown reader category “%(value)s” (known: %(names)s).")
                          % {"value": given, "names": names})
        elif category is None:
            errors.append(_("No reader categories are set up yet."))
        cleaned["category"] = category
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors.append(_("The email address “%(email)s” is not valid.") % {"email": cleaned["email"]})
    if cleaned.get("phone") and not PHONE_RE.match(cleaned["phone"]):
        errors.append(_("The phone number “%(phone)s” is not valid.") % {"phone": cleaned["phone"]})
    if len(cleaned.get("address") or "") > 255:
        errors.append(_("The address is too long (at most 255 characters)."))
    birth = cleaned.get("birth_date")
    if isinstance(birth, datetime.date) and (birth > timezone.localdate() or birth.year < 1900):
        errors.append(_("The birth date %(date)s is not possible.") % {"date": birth.strftime("%d/%m/%Y")})
    return cleaned, errors


def check_card(card):
    """Errors for a card number typed or scanned at the desk."""
    if not CARD_RE.match(card):
        return [_("The card number may hold only letters, digits, dots and dashes (at most 32).")]
    if Reader.objects.filter(card_number=card).exists():
        return [_("The card number %(card)s is already in use.") % {"card": card}]
    return []


def check_password(password, confirm=None):
    errors = []
    if len(password or "") < MIN_PASSWORD:
        errors.append(_("The password must have at least %(n)s characters.") % {"n": MIN_PASSWORD})
    if confirm is not None and password != confirm:
        errors.append(_("The two passwords differ."))
    return errors


def new_card_number(prefix="NB"):
    """A card number no reader has: the network prefix and 8 digits."""
    for _attempt in range(50):
        card = f"{prefix}{secrets.randbelow(10**8):08d}"
        if not Reader.objects.filter(card_number=card).exists():
            return card
    raise RegistrationError(_("No free card number could be found; try again."))


def register_at_desk(actor, library, values, card_number="", password="", confirm="", consent=False):
    """Staff register a reader whose home is the desk's library; active at once."""
    cleaned, errors = clean(values, library)
    card = nfc(card_number or "").strip()
    if card:
        errors += check_card(card)
    if password:
        errors += check_password(password, confirm)
    if not consent:
        errors.append(_("The reader must agree to the processing of their personal data."))
    if errors:
        raise RegistrationError(errors)
    fields = {k: v for k, v in cleaned.items() if k not in ("name", "category") and v not in ("", None)}
    try:
        return services.register_reader(actor, library, card or new_card_number(), cleaned["name"],
                                        cleaned["category"], password=password or None, consent=True, **fields)
    except CirculationError as exc:
        raise RegistrationError(exc.message) from exc


def register_online(library, values, password, confirm, consent):
    """Self-registration in the OPAC: pending until a librarian approves it."""
    cleaned, errors = clean(values, library)
    errors += check_password(password, confirm)
    if not consent:
        errors.append(_("You must agree to the processing of your personal data to register."))
    if errors:
        raise RegistrationError(errors)
    try:
        return services.self_register(
            cleaned["name"], library, cleaned["category"], password, consent=True, email=cleaned.get("email", ""),
            phone=cleaned.get("phone", ""), birth_date=cleaned.get("birth_date"), address=cleaned.get("address", ""))
    except CirculationError as exc:
        raise RegistrationError(exc.message) from exc


def update_at_desk(actor, card_number, values):
    reader = Reader.objects.exclude(status=ReaderStatus.ERASED).filter(card_number=card_number).first()
    if reader is None:
        raise RegistrationError(_("No reader has this card number."))
    cleaned, errors = clean(values, reader.home_library)
    if errors:
        raise RegistrationError(errors)
    for name in ("email", "phone", "address"):
        cleaned.setdefault(name, "")
        cleaned[name] = cleaned[name] or ""
    try:
        return services.update_reader(actor, card_number, **cleaned)
    except CirculationError as exc:
        raise RegistrationError(exc.message) from exc


def upsert_reader(actor, library, values, consent=False, categories=None):
    """Create or update the reader with ``values["card_number"]`` (one row of a bulk load).

    Returns "created", "updated" or "unchanged". Empty values leave stored data alone. A
    card that belongs to a reader of another library is refused: the file does not move
    readers between libraries.
    """
    if actor is not None and not permissions.can(actor, permissions.CIRCULATE, library):
        raise RegistrationError(_("You are not allowed to register readers for %(library)s.")
                                % {"library": library.name})
    card = nfc(str(values.get("card_number") or "")).strip()
    if not card:
        raise RegistrationError(_("The card number is missing."))
    cleaned, errors = clean({k: v for k, v in values.items() if k in EDITABLE}, library, partial=True,
                            categories=categories)
    if errors:
        raise RegistrationError(errors)
    try:
        with transaction.atomic():
            reader = Reader.objects.select_for_update().filter(card_number=card).first()
            if reader is None:
                if not cleaned.get("name"):
                    raise RegistrationError(_("The name is missing."))
                category = cleaned.pop("category", None) or find_category("", library, categories)
                if category is None:
                    raise RegistrationError(_("No reader categories are set up yet."))
                services.register_reader(actor, library, card, cleaned.pop("name"), category, consent=consent,
                                         **cleaned)
                return "created"
            if reader.status == ReaderStatus.ERASED:
                raise RegistrationError(_("This card number belonged to a reader whose data was erased."))
            if reader.home_library_id != library.pk:
                raise RegistrationError(_("The card number %(card)s belongs to a reader of %(library)s.")
                                        % {"card": card, "library": reader.home_library.name})
            changed = {name: value for name, value in cleaned.items() if getattr(reader, name) != value}
            if consent and reader.consent_at is None:
                services.record_consent(actor, card)
                changed = changed or {"consent": True}
            if not changed:
                return "unchanged"
            changed.pop("consent", None)
            if changed:
                services.update_reader(actor, card, **changed)
            return "updated"
    except CirculationError as exc:
        raise RegistrationError(exc.message) from exc


def pending_readers(user):
    """Online registrations waiting for approval in the libraries where ``user`` circulates."""
    readers = Reader.objects.filter(status=ReaderStatus.PENDING).select_related("home_library", "category")
    ids = permissions.library_ids_for(user, permissions.CIRCULATE)
    return readers if ids is None else readers.filter(home_library_id__in=ids)


def decide(actor, card_number, approve):
    """A librarian approves a registration (the card becomes active) or refuses it (its
    personal data is erased at once). Returns the reader."""
    reader = Reader.objects.filter(card_number=card_number).select_related("home_library").first()
    if reader is None or reader.status == ReaderStatus.ERASED:
        raise RegistrationError(_("No reader has this card number."))
    if not permissions.can(actor, permissions.CIRCULATE, reader.home_library_id):
        raise RegistrationError(_("You are not allowed to approve readers of %(library)s.")
                                % {"library": reader.home_library.name})
    if reader.status != ReaderStatus.PENDING:
        raise RegistrationError(_("This registration is not waiting for approval."))
    try:
        if approve:
            return services.approve_reader(actor, card_number)
        return services.erase_reader(actor, card_number)
    except CirculationError as exc:
        raise RegistrationError(exc.message) from exc


def set_password_at_desk(actor, card_number, password, confirm):
    """Staff give a reader a password for the online account."""
    errors = check_password(password, confirm)
    if errors:
        raise RegistrationError(errors)
    with transaction.atomic():
        reader = Reader.objects.select_for_update(of=("self",)).select_related("home_library").filter(
            card_number=card_number).first()
        if reader is None or reader.status == ReaderStatus.ERASED:
            raise RegistrationError(_("No reader has this card number."))
        # A password opens the reader's account: only their home library gives one.
        if actor is None or not permissions.can(actor, permissions.CIRCULATE, reader.home_library_id):
            raise RegistrationError(_("Only staff of %(library)s, the reader's home library, can set the "
                                      "password.") % {"library": reader.home_library.name})
        services.set_password(reader, password)
        return reader
