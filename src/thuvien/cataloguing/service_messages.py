"""Messages raised by ``catalog.services`` that cataloguing screens show.

Listed here so that ``makemessages`` puts them in this app's Vietnamese catalogue.
"""

from django.utils.translation import gettext_noop

MESSAGES = [
    gettext_noop("The location belongs to another library."),
    gettext_noop("A barcode is required."),
    gettext_noop("Barcode %(barcode)s is already used in the network."),
    gettext_noop("The barcode is too long."),
]
