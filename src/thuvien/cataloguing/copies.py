"""What a copy's barcode and price may be, for every door that adds copies."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

MAX_BARCODE = 64  # Item.barcode
MAX_PRICE = 10**12 - 1  # Item.price: 12 digits of đồng
# Code 128 encodes ASCII; scanners type back what it encodes. No spaces: they get lost.
BARCODE = re.compile(rf"[!-~]{{1,{MAX_BARCODE}}}")


def barcode_error(code):
    """A message if ``code`` cannot be a barcode, else ''."""
    if not code:
        return _("A barcode is required.")
    if len(code) > MAX_BARCODE:
        return _("Barcode %(barcode)s is longer than %(n)s characters.") % {"barcode": code[:20] + "…", "n": MAX_BARCODE}
    if not BARCODE.fullmatch(code):
        return _("Barcode %(barcode)s may only hold unaccented letters, digits and signs such as - . /, "
                 "without spaces.") % {"barcode": code}
    return ""


def parse_price(text):
    """(Decimal or None, error): a price in whole đồng, "85.000" and "85,000" alike."""
    text = (text or "").strip().replace(" ", "")
    if text.lower().endswith(("đ", "d")):
        text = text[:-1]
    if not text:
        return None, ""
    digits = text.replace(".", "").replace(",", "")
    if not re.fullmatch(r"[0-9]+", digits):
        return None, _("The price must be a whole number of đồng, such as 85.000.")
    try:
        price = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern already said it is digits
        return None, _("The price must be a whole number of đồng, such as 85.000.")
    if price > MAX_PRICE:
        return None, _("The price is too large.")
    return price, ""


def as_id(value):
    """An int primary key from a form value, or None (never raises, never overflows the database)."""
    text = str(value or "").strip()
    if re.fullmatch(r"[0-9]{1,18}", text):
        return int(text)
    return None
