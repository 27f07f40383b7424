"""Setting up circulation from the staff pages: the loan-rule matrix, opening days and
closed days, reader categories. Administrators change them, circulation staff only look,
and what is saved is what the desk then applies."""

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.circulation import services
from thuvien.circulation.models import (
    Calendar,
    ClosedDay,
    Loan,
    LoanRule,
    ReaderCategory,
)

from .conftest import messages_of

DESK = "/staff/circulation/"
pytestmark = pytest.mark.django_db

RULE = {"loan_days": "21", "renewals": "1", "max_loans": "4", "fine_per_day": "2.000", "max_fines": "30000",
        "hold_pickup_days": "5", "lost_fee": "80000", "holds_allowed": "1", "can_leave_building": "1"}


def rules_snapshot():
    return sorted(LoanRule.objects.values_list("library_id", "category_id", "item_type", "loan_days", "renewals",
                                               "max_loans", "fine_per_day", "holds_allowed", "can_leave_building"),
                  key=repr)


def test_a_library_administrator_sets_a_rule_the_desk_then_applies(login, circ, categories):
    ks, child = circ["ks"], categories["child"]
    admin = login("kimson_admin")
    page = admin.get(DESK + "rules/", {"library": ks.pk}).content.decode()
    assert "Đang áp dụng tại thư viện này" in page and "Thiếu nhi" in page
    response = admin.post(DESK + "rules/new/", {"scope": ks.pk, "category": child.pk, "item_type": "book", **RULE})
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = LoanRule.objects.get(library=ks, category=child, item_type="book")
    assert (rule.loan_days, rule.fine_per_day, rule.max_loans, rule.hold_pickup_days) == (21, 2000, 4, 5)
    assert services.resolve_rule(ks, child, "book").pk == rule.pk
    assert services.resolve_rule(circ["ym"], child, "book").loan_days == 14  # Yên Mô keeps the network's
    page = admin.get(DESK + "rules/", {"library": ks.pk}).content.decode()
    assert "21 / 1 / 4 / 2.000 đ" in page  # the cell in force

    # The desk lends by it: a child of Kim Sơn borrows a book for 21 days.
    services.register_reader(None, ks, "KS0009", "Bé Na", child)
    loan = services.checkout(None, "KS0009", circ["ks_copy"], ks)
    assert timezone.localdate(loan.due_at) == services.due_date_for(ks, 21)

    # The same cell twice is refused; a change of the rule is saved.
    again = admin.post(DESK + "rules/new/", {"scope": ks.pk, "category": child.pk, "item_type": "book", **RULE})
    assert again.status_code == 200 and "đã có quy định" in " ".join(again.context["errors"]).lower()
    admin.post(DESK + f"rules/{rule.pk}/", {**RULE, "category": child.pk, "item_type": "book", "loan_days": "10"})
    assert LoanRule.objects.get(pk=rule.pk).loan_days == 10
    admin.post(DESK + f"rules/{rule.pk}/delete/")
    assert not LoanRule.objects.filter(pk=rule.pk).exists()


def test_bad_rules_are_explained_and_change_nothing(login, circ, categories):
    admin = login("admin")
    default = LoanRule.objects.get(library__isnull=True, category__isnull=True, item_type="")
    before = rules_snapshot()
    for change, expected in (({"loan_days": "0"}, "1 đến 365"), ({"loan_days": "400"}, "1 đến 365"),
                             ({"renewals": "hai"}, "Số lần gia hạn"), ({"fine_per_day": "-5"}, "Tiền phạt"),
                             ({"max_loans": "1.5"}, "Số bản mượn tối đa"), ({"item_type": "tàu vũ trụ"}, "loại tài liệu"),
                             ({"category": "999999"}, "Loại bạn đọc")):
        response = admin.post(DESK + "rules/new/", {"scope": "network", "item_type": "av", **RULE, **change})
        assert response.status_code == 200, change
        assert expected.lower() in " ".join(response.context["errors"]).lower(), (change, response.context["errors"])
        if "item_type" not in change:  # the default's cell is fixed: only its numbers can be wrong
            response = admin.post(DESK + f"rules/{default.pk}/", {**RULE, **change})
            assert response.status_code == 200, change
    # The network default cannot be deleted.
    response = admin.post(DESK + f"rules/{default.pk}/delete/", follow=True)
    assert "mặc định" in " ".join(messages_of(response))
    assert rules_snapshot() == before


def test_who_may_change_rules(login, circ, categories):
    ks, ym = circ["ks"], circ["ym"]
    default = LoanRule.objects.get(library__isnull=True, category__isnull=True, item_type="")
    before = rules_snapshot()
    desk = login("kimson_desk")  # circulation staff: may look, not change
    assert desk.get(DESK + "rules/").status_code == 200
    assert 'name="loan_days"' in desk.get(DESK + f"rules/{default.pk}/").content.decode()
    attempts = [
        (desk, DESK + "rules/new/", {"scope": ks.pk, **RULE}),
        (desk, DESK + f"rules/{default.pk}/", RULE),
        (desk, DESK + f"rules/{default.pk}/delete/", {}),
        (login("kimson_admin"), DESK + "rules/new/", {"scope": ym.pk, **RULE}),  # another library
        (login("kimson_admin"), DESK + "rules/new/", {"scope": "network", **RULE}),  # the network's
        (login("kimson_admin"), DESK + f"rules/{default.pk}/", RULE),
        (login("yenmo_desk"), DESK + "calendar/", {"action": "weekdays", "weekday": ["0", "1"]}),
    ]
    for client, url, data in attempts:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, url
        text = " ".join(messages_of(response)) + " ".join(response.context.get("errors") or [])
        assert "không có quyền" in text, (url, text)
    assert rules_snapshot() == before and not Calendar.objects.exists()
    # A library administrator may set rules of their own library.
    response = login("kimson_admin").post(DESK + "rules/new/", {"scope": ks.pk, **RULE})
    assert response.status_code == 302 and LoanRule.objects.filter(library=ks).count() == 1


def test_calendar_opening_days_and_closures_move_due_dates(login, circ):
    ks = circ["ks"]
    admin = login("kimson_admin")
    today = timezone.localdate()
    due = today + dt.timedelta(days=14)
    sunday = str(6)
    response = admin.post(DESK + "calendar/", {"action": "weekdays", "weekday": ["0", "1", "2", "3", "4", "5"],
                                               "library": ks.pk}, follow=True)
    assert Calendar.objects.get(library=ks).open_weekdays == "012345", messages_of(response)
    # Close the library for the three days around the due date (a range, with its reason).
    first, last = due - dt.timedelta(days=1), due + dt.timedelta(days=1)
    response = admin.post(f"{DESK}calendar/?library={ks.pk}", {"action": "close", "first": first.strftime("%d/%m/%Y"),
                                                              "last": last.isoformat(), "reason": "Sửa chữa"})
    assert response.status_code == 302
    assert sorted(ClosedDay.objects.filter(library=ks).values_list("date", flat=True)) == [
        first, due, last]
    page = admin.get(DESK + "calendar/", {"library": ks.pk}).content.decode()
    assert "Sửa chữa" in page and due.strftime("%d/%m/%Y") in page
    loan = services.checkout(None, "KS0001", circ["ks_copy"], ks)
    lent_until = timezone.localdate(loan.due_at)
    assert lent_until > last and str(lent_until.weekday()) != sunday
    assert not ClosedDay.objects.filter(date=lent_until).exists()
    # Removing a closed day; bad dates and ranges change nothing.
    admin.post(f"{DESK}calendar/?library={ks.pk}", {"action": "open", "day": ClosedDay.objects.get(date=due).pk})
    assert ClosedDay.objects.filter(library=ks).count() == 2
    for bad in ({"first": "31/02/2026"}, {"first": last.isoformat(), "last": first.isoformat()},
                {"first": "01/01/2026", "last": "31/12/2026"}, {"first": ""}):
        response = admin.post(f"{DESK}calendar/?library={ks.pk}", {"action": "close", **bad}, follow=True)
        assert messages_of(response), bad
    response = admin.post(f"{DESK}calendar/?library={ks.pk}", {"action": "weekdays"}, follow=True)
    assert "ít nhất một ngày" in " ".join(messages_of(response))
    assert ClosedDay.objects.filter(library=ks).count() == 2
    assert Calendar.objects.get(library=ks).open_weekdays == "012345"
    assert Loan.objects.count() == 1


def test_network_holidays_only_by_network_administrators(login, circ):
    day = timezone.localdate() + dt.timedelta(days=30)
    form = {"action": "close", "first": day.isoformat(), "reason": "Giỗ Tổ Hùng Vương"}
    response = login("kimson_admin").post(DESK + "calendar/?library=network", form, follow=True)
    assert "không có quyền" in " ".join(messages_of(response))
    assert not ClosedDay.objects.filter(library__isnull=True, date=day).exists()
    login("admin").post(DESK + "calendar/?library=network", form)
    assert ClosedDay.objects.get(library__isnull=True, date=day).reason == "Giỗ Tổ Hùng Vương"
    # Every library sees the network's holidays on its calendar.
    assert "Giỗ Tổ Hùng Vương" in login("yenmo_desk").get(DESK + "calendar/").content.decode()
    assert services.next_open_day(circ["ym"], day) == day + dt.timedelta(days=1)


def test_reader_categories_are_configurable(login, circ, categories):
    admin = login("admin")
    response = admin.post(DESK + "categories/", {"action": "save", "code": "teacher", "name": "Giáo viên",
                                                 "position": "7"})
    assert response.status_code == 302
    teacher = ReaderCategory.objects.get(code="teacher")
    assert teacher.name == "Giáo viên"
    # Usable at once: a reader registered in it, a rule for it.
    desk = login("kimson_desk")
    desk.post(DESK + "readers/new/", {"name": "Cô Mai", "category": "Giáo viên", "consent": "1",
                                      "card_number": "KS0200"})
    assert circ["ks"].readers.get(card_number="KS0200").category == teacher
    # Circulation staff and library administrators cannot change categories.
    for username in ("kimson_desk", "kimson_admin"):
        response = login(username).post(DESK + "categories/", {"action": "save", "code": "vip", "name": "VIP"})
        assert "không có quyền" in " ".join(response.context["errors"])
    # Bad input, a taken code, a category readers belong to: explained, nothing changed.
    for data in ({"code": "", "name": "X"}, {"code": "có dấu", "name": "X"}, {"code": "x", "name": ""},
                 {"code": "adult", "name": "Trùng"}, {"code": "x", "name": "X", "position": "-1"}):
        response = admin.post(DESK + "categories/", {"action": "save", **data})
        assert response.status_code == 200 and response.context["errors"], data
    response = admin.post(DESK + "categories/", {"action": "delete", "category": teacher.pk})
    assert "Có bạn đọc" in " ".join(response.context["errors"])
    assert sorted(ReaderCategory.objects.values_list("code", flat=True)) == sorted([*categories, "teacher"])
    admin.post(DESK + "categories/", {"action": "save", "category": teacher.pk, "code": "teacher",
                                      "name": "Giáo viên, giảng viên", "position": "7"})
    assert ReaderCategory.objects.get(pk=teacher.pk).name == "Giáo viên, giảng viên"
