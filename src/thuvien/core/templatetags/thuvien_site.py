"""Template helpers for the site frame (base.html)."""

from django import template

from thuvien.accounts.permissions import is_staff_member as _is_staff_member

register = template.Library()


@register.filter
def is_staff_member(user):
    """True for a signed-in user holding a staff role (a reader's account is not one)."""
    return _is_staff_member(user)
