from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Sip2Config(AppConfig):
    """The SIP2 server for self-check and RFID kiosks (part of the interop doors).

    It is its own small app (label ``sip2``) so that its kiosk accounts, migrations and
    translations stay apart from the other interop doors (OAI-PMH, harvester, SRU).
    """

    name = "thuvien.interop.sip2"
    label = "sip2"
    verbose_name = _("SIP2 self-check kiosks")
