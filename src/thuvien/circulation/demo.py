"""Demo circulation data: reader categories, the network default rules, a calendar and
a few readers per library with known card numbers (password: the demo password)."""

import datetime as dt

from django.utils import timezone

from thuvien.circulation.models import (
    Calendar,
    ClosedDay,
    LoanRule,
    Reader,
    ReaderCategory,
)

CATEGORIES = [
    ("child", "Thiếu nhi"),
    ("pupil", "Học sinh"),
    ("student", "Sinh viên"),
    ("adult", "Người lớn"),
    ("senior", "Người cao tuổi"),
    ("staff", "Cán bộ thư viện"),
]

READER_NAMES = ["Nguyễn Thị Lan", "Trần Văn Minh", "Phạm Thu Hà", "Lê Quang Huy", "Đinh Thị Hoa",
                "Vũ Đức Thắng", "Hoàng Minh Châu", "Bùi Thị Ngọc"]

# Vietnamese public holidays (network-wide closed days) for the demo years.
HOLIDAYS = [
    ("01-01", "Tết Dương lịch"),
    ("04-30", "Ngày Giải phóng miền Nam"),
    ("05-01", "Ngày Quốc tế Lao động"),
    ("09-02", "Quốc khánh"),
]


def demo_card(library_code, n):
    """Card number of the demo reader ``n`` (1-based) of a library: e.g. ``KS0001``."""
    prefix = library_code.replace("NB-", "").replace("-", "")
    return f"{prefix}{n:04d}"


def load_circulation_demo(network, libraries=None, per_library=2):
    """Idempotent. Returns [(card_number, password, name, library code), ...]."""
    from django.contrib.auth.hashers import make_password

    from thuvien.circulation import services
    from thuvien.demo.data import DEMO_PASSWORD
    from thuvien.network.models import Library

    categories = load_categories_and_rules()
    if libraries is None:
        libraries = {lib.code: lib for lib in Library.objects.exclude(pk=network.pk)}
    accounts = []
    index = 0
    hashed = None
    for code, library in sorted(libraries.items()):
        if library.is_network:
            continue
        if library.library_type == "provincial":  # the provincial library is closed on Mondays
            Calendar.objects.get_or_create(library=library, defaults={"open_weekdays": "123456"})
        for n in range(1, per_library + 1):
            card = demo_card(code, n)
            name = READER_NAMES[index % len(READER_NAMES)]
            index += 1
            category = "pupil" if library.library_type == "school" else ("adult" if n == 1 else "student")
            if not Reader.objects.filter(card_number=card).exists():
                reader = services.register_reader(None, library, card, name, categories[category],
                                                  email=f"{card.lower()}@example.org", keep_history=(n == 1))
                hashed = hashed or make_password(DEMO_PASSWORD)  # one hash for every demo reader
                services.set_password(reader, DEMO_PASSWORD, encoded=hashed)
            accounts.append((card, DEMO_PASSWORD, name, code))
    return accounts


def load_categories_and_rules():
    """Reader categories, the network default rules and public holidays. Idempotent;
    returns {code: ReaderCategory}."""
    categories = {}
    for position, (code, name) in enumerate(CATEGORIES):
        categories[code], _ = ReaderCategory.objects.get_or_create(code=code, defaults={"name": name,
                                                                                        "position": position})
    if not LoanRule.objects.filter(library__isnull=True, category__isnull=True, item_type="").exists():
        LoanRule.objects.create(loan_days=14, renewals=2, max_loans=5, fine_per_day=1000, max_fines=50000)
        LoanRule.objects.create(category=categories["child"], loan_days=14, renewals=1, max_loans=3,
                                fine_per_day=500)
        LoanRule.objects.create(category=categories["staff"], loan_days=30, renewals=3, max_loans=10,
                                fine_per_day=0)
        LoanRule.objects.create(item_type="reference", can_leave_building=False, holds_allowed=False)
        LoanRule.objects.create(item_type="rare", can_leave_building=False, holds_allowed=False)
    year = timezone.localdate().year
    for y in (year, year + 1):
        for md, reason in HOLIDAYS:
            month, day = map(int, md.split("-"))
            ClosedDay.objects.get_or_create(library=None, date=dt.date(y, month, day), defaults={"reason": reason})
    return categories
