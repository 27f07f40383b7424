"""The networks of a library's reading rooms: on-site-only documents open to clients there."""

import ipaddress

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from thuvien.accounts import permissions

MAX_RANGES = 200


def clean_ranges(text):
    """The ranges one per line (``# comments`` kept), or ValidationError naming each bad line."""
    lines, errors = [], []
    for number, raw in enumerate((text or "").replace(",", "\n").splitlines(), 1):
        line, _hash, comment = raw.partition("#")
        line = line.strip()
        if not line:
            if comment.strip():
                lines.append(f"# {comment.strip()}")
            continue
        try:
            network = ipaddress.ip_network(line, strict=False)
        except ValueError:
            errors.append(_("line %(n)d: “%(text)s” is not an IP address or range (such as 10.20.0.0/16)")
                          % {"n": number, "text": line[:60]})
            continue
        if network.prefixlen == 0:
            errors.append(_("line %(n)d: “%(text)s” would open the documents to the whole Internet")
                          % {"n": number, "text": line[:60]})
            continue
        lines.append(f"{network}  # {comment.strip()}" if comment.strip() else str(network))
    if len([x for x in lines if not x.startswith("#")]) > MAX_RANGES:
        errors.append(_("At most %(n)d ranges.") % {"n": MAX_RANGES})
    if errors:
        raise ValidationError(errors)
    return "\n".join(lines)


def editable_libraries(actor):
    from thuvien.network.models import Library, LibraryType

    ids = permissions.library_ids_for(actor, permissions.ADMINISTER)
    libraries = Library.objects.exclude(library_type=LibraryType.NETWORK).order_by("name_sort")
    return libraries if ids is None else libraries.filter(pk__in=ids)


@transaction.atomic
def set_ranges(actor, library, text):
    """Library administrators set their library's ranges (network administrators any)."""
    if actor is not None and not permissions.can(actor, permissions.ADMINISTER, library):
        raise PermissionDenied(_("Only an administrator of this library may change its on-site networks."))
    library.onsite_ip_ranges = clean_ranges(text)
    library.save(update_fields=["onsite_ip_ranges"])
    return library
