"""Template tags for other apps' pages: ``{% load digital %}{% digital_viewers record %}``."""

from django import template

from thuvien.digital import access
from thuvien.digital.models import DigitalObject

register = template.Library()


@register.inclusion_tag("digital/_record_digital.html", takes_context=True)
def digital_viewers(context, record, query=""):
    """The viewer of the record's first visible digital object, links to the others, and
    a note on those the visitor may not read yet (registered readers, on site): staff-only
    and closed objects are not mentioned."""
    request = context.get("request")
    objects, elsewhere = [], []
    if request is not None:
        candidates = DigitalObject.objects.filter(record=record, record__is_deleted=False).select_related(
            "record", "library", "collection")
        for obj in candidates:
            if access.can_view(request, obj):
                objects.append(obj)
            elif not access.hides_existence(obj):
                elsewhere.append((obj, access.level_of(obj)))
    return {"objects": objects, "first": objects[0] if objects else None, "elsewhere": elsewhere,
            "query": query, "request": request}
