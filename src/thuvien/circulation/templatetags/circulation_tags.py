"""Small display helpers for circulation pages: money in đồng, dates as d/m/Y."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def vnd(amount):
    """20000 -> "20.000 đ" (Vietnamese thousands separator)."""
    try:
        value = int(Decimal(amount or 0))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    sign = "−" if value < 0 else ""
    return f"{sign}{abs(value):,}".replace(",", ".") + " đ"


@register.filter
def dmy(value):
    """A date or datetime as d/m/Y, in local time."""
    if not value:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d/%m/%Y")
