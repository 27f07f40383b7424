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


@register.filter
def get(mapping, key):
    """``{{ form|get:name }}``: a value of a dict by a key held in a variable."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.simple_tag
def rule_cell(cells, category_id, item_type):
    """The rule in force for one cell of the matrix (``circulation.rules.matrix``)."""
    return cells.get((category_id, item_type))
