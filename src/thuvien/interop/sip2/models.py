"""Kiosk accounts: one login per self-check or RFID kiosk, belonging to one library."""

import codecs

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from thuvien.core.vietnamese import nfc


def validate_encoding(value):
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValidationError(_("Unknown character encoding: %(name)s"), params={"name": value}) from None


class KioskAccount(models.Model):
    """The account a kiosk logs in with (SIP2 message 93: CN login, CO password).

    Everything the kiosk does happens in ``library``, with the same circulation rules as
    the loan desk of that library.
    """

    login = models.CharField(_("login"), max_length=64, unique=True)
    password = models.CharField(_("password"), max_length=255)
    library = models.ForeignKey(
        "network.Library", on_delete=models.PROTECT, related_name="kiosk_accounts", verbose_name=_("library")
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    encoding = models.CharField(
        _("character encoding"), max_length=32, default="utf-8", validators=[validate_encoding],
        help_text=_("UTF-8 unless the kiosk only understands an older code page (cp850, cp1258, latin-1)."),
    )
    patron_password_required = models.BooleanField(
        _("readers must type their password"), default=False,
        help_text=_("If set, the kiosk must send the reader's password (AD) with every request for a reader."),
    )
    location = models.CharField(_("location"), max_length=100, blank=True,
                                help_text=_("Where the kiosk stands, e.g. 'lobby'."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        ordering = ["library__code", "login"]
        verbose_name = _("kiosk account")
        verbose_name_plural = _("kiosk accounts")

    def __str__(self):
        return self.login

    def set_password(self, raw_password):
        self.password = make_password(nfc(raw_password))  # messages are read in NFC

    def check_password(self, raw_password):
        return bool(self.password) and check_password(nfc(raw_password), self.password)
