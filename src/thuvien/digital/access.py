"""Who may see a digital object or page. Every door (pages, IIIF, downloads, OCR text,
search inside, API, OAI/SRU/open data) asks here.

Levels: open (everyone), registered (a reader with a valid card, or staff), onsite (a client on
the owning library's network, or staff), staff (staff of the owning library, or a
network administrator), closed (only digitisers of the owning library, to manage it).
A page's override can only tighten its object's level. A restricted catalogue record
(visibility "staff") makes its objects at least staff-only.
"""

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db.models import Q

from thuvien.accounts import permissions
from thuvien.accounts.models import Role
from thuvien.digital.models import ACCESS_RANK, AccessLevel, DigitalFile, DigitalObject

# Levels whose text may go into the catalogue index. The index answers everyone (OPAC,
# API, SRU), and a phrase that finds a record tells what its text says: only open text.
INDEXABLE_LEVELS = (AccessLevel.OPEN,)


@dataclass
class Visitor:
    user: object = None
    ip: str = ""

    @classmethod
    def of(cls, request_or_user=None, ip=None):
        """A visitor from a request, or from a user (and an IP) given directly."""
        if request_or_user is not None and hasattr(request_or_user, "META"):
            request = request_or_user
            return cls(user=getattr(request, "user", None), ip=ip or client_ip(request))
        return cls(user=request_or_user, ip=ip or "")


def client_ip(request):
    """The reader's address. X-Forwarded-For counts only when the request comes from a
    proxy listed in DIGITAL_TRUSTED_PROXIES (its last entry is what that proxy saw)."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = getattr(settings, "DIGITAL_TRUSTED_PROXIES", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and trusted and ip_in_ranges(remote, trusted.replace(",", "\n")):
        return forwarded.split(",")[-1].strip()
    return remote


def is_registered_reader(user):
    """A reader whose card is valid: active (not waiting for approval, blocked or erased)
    and not expired. Read once per request's user."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_thuvien_registered_reader", None)
    if cached is None:
        from django.utils import timezone

        from thuvien.circulation.models import Reader, ReaderStatus

        cached = (Reader.objects.filter(user=user, status=ReaderStatus.ACTIVE)
                  .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate())).exists())
        user._thuvien_registered_reader = cached
    return cached


@lru_cache(maxsize=256)
def _networks(ranges_text):
    networks = []
    for line in (ranges_text or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            networks.append(ipaddress.ip_network(line, strict=False))
        except ValueError:
            continue  # a bad line never opens anything
    return tuple(networks)


def ip_in_ranges(ip, ranges_text):
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in _networks(ranges_text))


def _is_staff_of(user, library_id):
    for role in permissions.staff_roles(user):
        if role.role == Role.NETWORK_ADMIN or role.library_id == library_id:
            return True
    return False


def level_of(target, override=""):
    """The effective level of a DigitalObject or DigitalFile (or of an object's page
    whose own level is ``override``)."""
    if isinstance(target, DigitalFile):
        level = target.effective_access
        record = target.object.record
    else:
        level = target.access
        if override and ACCESS_RANK[override] > ACCESS_RANK[level]:
            level = override
        record = target.record
    return level_for(level, record.is_deleted, record.visibility)


def level_for(level, record_deleted, record_visibility):
    """The rule of ``level_of`` on plain values: a withdrawn record closes its pages and a
    staff-only record makes them staff-only at least."""
    if record_deleted:
        return AccessLevel.CLOSED
    if record_visibility == "staff" and ACCESS_RANK[level] < ACCESS_RANK[AccessLevel.STAFF]:
        return AccessLevel.STAFF
    return level


def allows(level, visitor, library_id, onsite_ranges):
    """The rule itself, on plain values (the fast IIIF path calls this with cached values)."""
    user = visitor.user
    if level == AccessLevel.OPEN:
        return True
    if level == AccessLevel.REGISTERED:
        return is_registered_reader(user) or permissions.is_staff_member(user)
    if level == AccessLevel.ONSITE:
        return ip_in_ranges(visitor.ip, onsite_ranges) or permissions.is_staff_member(user)
    if level == AccessLevel.STAFF:
        return _is_staff_of(user, library_id)
    if level == AccessLevel.CLOSED:
        return permissions.can(user, permissions.DIGITISE, library_id) and permissions.is_staff_member(user)
    return False


def can_view(who, target, ip=None):
    """True if ``who`` (a request, a Visitor or a user) may see ``target`` (object or file)."""
    visitor = who if isinstance(who, Visitor) else Visitor.of(who, ip)
    obj = target.object if isinstance(target, DigitalFile) else target
    return allows(level_of(target), visitor, obj.library_id, obj.library.onsite_ip_ranges)


def can_view_page(who, obj, override):
    """``can_view`` for a page of ``obj`` known only by its own level ``override``."""
    visitor = who if isinstance(who, Visitor) else Visitor.of(who)
    return allows(level_of(obj, override), visitor, obj.library_id, obj.library.onsite_ip_ranges)


def hides_existence(target):
    """Staff-only and closed material answers 404 to those who may not see it, so
    that its existence does not leak; the other levels answer 403 with a reason."""
    return ACCESS_RANK[level_of(target)] >= ACCESS_RANK[AccessLevel.STAFF]


def visible_objects(who, records=None):
    """Objects ``who`` may see (optionally of some records), in page order of records."""
    queryset = DigitalObject.objects.select_related("record", "library", "collection")
    if records is not None:
        queryset = queryset.filter(record__in=records)
    return [o for o in queryset.filter(record__is_deleted=False) if can_view(who, o)]


def public_object_filter(prefix=""):
    """A Q over DigitalObject (or a relation to it through ``prefix``) for objects that
    an anonymous visitor off site may see: for OAI-PMH, SRU and open data."""
    return Q(**{f"{prefix}access": AccessLevel.OPEN, f"{prefix}record__is_deleted": False,
                f"{prefix}record__visibility": "public"})


def public_objects():
    return DigitalObject.objects.filter(public_object_filter())


def public_record_filter(prefix=""):
    """A Q over BibRecord: records that have at least one public digital object."""
    return Q(**{f"{prefix}digital_objects__in": public_objects()})


def public_file_filter():
    """A Q over DigitalFile: pages an anonymous visitor off site may see."""
    return public_object_filter("object__") & Q(access__in=["", AccessLevel.OPEN])
