"""Loading the demo network: libraries, staff accounts and a Vietnamese collection."""

import random
import zlib

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from thuvien.accounts.models import StaffRole
from thuvien.catalog import services
from thuvien.catalog.generate import generate_records, isbn, marc_record
from thuvien.catalog.models import Item, ItemStatus, ItemType
from thuvien.circulation.demo import load_circulation_demo
from thuvien.demo import data
from thuvien.network.models import Library, LibraryType, Location
from thuvien.search.queue import enqueue


def load_network():
    network, _ = Library.objects.get_or_create(
        code=data.NETWORK[0],
        defaults={"name": data.NETWORK[1], "library_type": LibraryType.NETWORK,
                  "description": "Mạng lưới thư viện công cộng và thư viện trường học tỉnh Ninh Bình"},
    )
    libraries = {}
    for code, name, kind, district, address in data.LIBRARIES:
        library, _ = Library.objects.get_or_create(
            code=code,
            defaults={"name": name, "library_type": kind, "parent": network, "district": district,
                      "address": address, "opening_hours": data.HOURS_BY_TYPE.get(kind, data.HOURS),
                      "phone": "0229 38" + str(zlib.crc32(code.encode()) % 10000).zfill(4),
                      "email": f"{code.lower()}@thuvien.ninhbinh.gov.vn"},
        )
        wanted = data.LOCATIONS if kind in ("provincial", "district") else data.LOCATIONS[:4]
        for loc_code, loc_name, loc_kind in wanted:
            Location.objects.get_or_create(library=library, code=loc_code, defaults={"name": loc_name, "kind": loc_kind})
        libraries[code] = library
    return network, libraries


def load_staff(libraries):
    User = get_user_model()
    accounts = []
    hashed = None  # every demo account has the same password: hash it once (hashing is slow on purpose)
    for username, role, code, full_name in data.STAFF:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            hashed = hashed or make_password(data.DEMO_PASSWORD)
            user.password = hashed
            user.save(update_fields=["password"])
        StaffRole.objects.get_or_create(user=user, role=role, library=libraries.get(code))
        accounts.append((username, data.DEMO_PASSWORD, role, code or "*"))
    return accounts


class _Barcodes:
    def __init__(self):
        self.counters = {}

    def next(self, library):
        prefix = library.code.replace("NB-", "").replace("-", "")
        self.counters[prefix] = self.counters.get(prefix, Item.objects.filter(library=library).count()) + 1
        return f"{prefix}{self.counters[prefix]:06d}"


def _add_copies(record, libraries, codes, barcodes, rng, item_type=ItemType.BOOK, ddc="", author=""):
    """Add copies directly (fast) and queue the record for re-indexing."""
    cutter = (author[:3] or record.title[:3]).upper()
    for code in codes:
        library = libraries[code]
        locations = {location.code: location for location in library.locations.all()}
        status = ItemStatus.ON_LOAN if rng.random() < 0.25 else ItemStatus.AVAILABLE
        shelf = "MUON" if rng.random() < 0.7 else "DOC"
        if item_type == ItemType.RARE:
            status, shelf = ItemStatus.NOT_FOR_LOAN, "KHO"  # rare copies are kept in the store
        Item.objects.create(
            record=record, library=library, location=locations.get(shelf) or next(iter(locations.values()), None),
            barcode=barcodes.next(library), call_number=f"{ddc} {cutter}".strip(),
            item_type=item_type, status=status,
        )
    enqueue([record.pk])


@transaction.atomic
def load_collection(libraries, generated=2000, seed=2026):
    rng = random.Random(seed)
    barcodes = _Barcodes()
    codes = list(libraries)
    public = [c for c in codes if libraries[c].library_type in ("provincial", "district")]
    count = 0
    for title, authors, year, publisher, place, subjects, ddc, notes in data.CLASSICS:
        record = services.create_record(marc_record(
            title=title, authors=authors, year=year, publisher=publisher, place=place,
            subjects=subjects, ddc=ddc, isbns=[isbn(rng)], notes=notes, pages=rng.randint(120, 480),
            control=f"NBC{count + 1:05d}"), source="demo")
        _add_copies(record, libraries, rng.sample(codes, rng.randint(3, 9)), barcodes, rng, ddc=ddc, author=authors[0])
        count += 1
    for title, authors, year, publisher, place, subjects, ddc, notes in data.LOCAL_STUDIES:
        record = services.create_record(marc_record(
            title=title, authors=authors, year=year, publisher=publisher, place=place,
            subjects=subjects, ddc=ddc, notes=notes, pages=rng.randint(200, 900),
            control=f"NBC{count + 1:05d}"), source="demo")
        _add_copies(record, libraries, ["NB-TVT"], barcodes, rng, ItemType.RARE, ddc, authors[0])
        _add_copies(record, libraries, rng.sample(public, 2), barcodes, rng, ddc=ddc, author=authors[0])
        count += 1
    for data_ in generate_records(generated, seed=seed):
        record = services.create_record(data_, source="demo")
        ddc = record.ddc
        _add_copies(record, libraries, rng.sample(codes, rng.choice((1, 1, 2, 3))), barcodes, rng,
                    ddc=ddc, author=(record.authors or [""])[0])
        count += 1
    return count


def load(generated=2000, stdout=None):
    if Library.objects.filter(code=data.NETWORK[0]).exists() and Item.objects.exists():
        network, libraries = load_network()
        return {"libraries": len(libraries), "records": 0, "accounts": load_staff(libraries), "skipped": True,
                "readers": load_circulation_demo(network, libraries)}
    network, libraries = load_network()
    accounts = load_staff(libraries)
    records = load_collection(libraries, generated=generated)
    return {"libraries": len(libraries), "records": records, "accounts": accounts, "skipped": False,
            "readers": load_circulation_demo(network, libraries)}
