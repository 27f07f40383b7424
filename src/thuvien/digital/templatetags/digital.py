"""Template tags for other apps' pages: ``{% load digital %}{% digital_viewers record %}``."""

from django import template

from thuvien.digital.selectors import objects_for_record

register = template.Library()


@register.inclusion_tag("digital/_record_digital.html", takes_context=True)
def digital_viewers(context, record, query=""):
    """The viewer of the record's first visible digital object, and links to the others."""
    request = context.get("request")
    objects = objects_for_record(record, request) if request is not None else []
    return {"objects": objects, "first": objects[0] if objects else None, "query": query, "request": request}
