"""The hot path stays as short as it is: a checkout is five statements (lock reader and
copy, read rule + limits + calendar, mark the copy, insert the loan, queue the index
update) and a check-in four. Performance is measured in bench/circulation.py; this only
keeps a change from quietly adding round trips to every loan."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from thuvien.circulation import services

pytestmark = pytest.mark.django_db


def statements(call):
    with CaptureQueriesContext(connection) as queries:
        call()
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


@pytest.mark.parametrize("actor", ["desk", None])
def test_checkout_and_checkin_round_trips(circ, book, actor):
    actor = circ.desk if actor else None
    services.checkout(actor, "KS0001", "T000001", circ.ks)  # warms the staff member's roles
    services.checkin(actor, "T000001", circ.ks)
    out = statements(lambda: services.checkout(actor, "KS0001", "T000001", circ.ks))
    assert len(out) == 5, out
    back = statements(lambda: services.checkin(actor, "T000001", circ.ks))
    assert len(back) == 4, back
