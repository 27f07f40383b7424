"""Many desks scan the same copy at the same moment: exactly one loan is made.

Each thread has its own database connection. On PostgreSQL the threads share the test
database. The SQLite test database lives in memory in "shared cache" mode, whose table
locks are not the file locks a real deployment uses (and ignore the busy timeout), so
for SQLite the test database is copied to a file and the threads run against that file
with the production connection options (BEGIN IMMEDIATE, WAL, busy timeout).
"""

import contextlib
import sqlite3
import threading

import pytest
from django.db import connection, connections

from thuvien.catalog.models import ItemStatus
from thuvien.circulation import services
from thuvien.circulation.errors import CirculationError
from thuvien.circulation.models import Loan

CLIENTS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_of_one_copy(network, make_record):
    from thuvien.circulation.demo import load_categories_and_rules

    categories = load_categories_and_rules()
    ks = network["NB-KS"]
    cards = [f"C{n:03d}" for n in range(CLIENTS)]
    for card in cards:
        services.register_reader(None, ks, card, f"Bạn đọc {card}", categories["adult"])
    make_record("Một bản duy nhất", copies=[ks])
    with _real_database() as count_open_loans:
        outcomes = _race([(card, "T000001") for card in cards], ks)
        codes = sorted(code for code, _ in outcomes)
        assert codes == ["already_on_loan"] * (CLIENTS - 1) + ["ok"], codes
        assert count_open_loans() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_to_one_reader_keep_the_loan_limit(network, make_record):
    """Eight desks lend eight different copies to one reader allowed one more loan: one loan."""
    from thuvien.circulation.demo import load_categories_and_rules
    from thuvien.circulation.models import LoanRule

    categories = load_categories_and_rules()
    ks = network["NB-KS"]
    LoanRule.objects.create(library=ks, max_loans=1)
    services.register_reader(None, ks, "C000", "Bạn đọc C000", categories["adult"])
    make_record("Nhiều bản", copies=[ks] * CLIENTS)
    with _real_database():
        outcomes = _race([("C000", f"T{n + 1:06d}") for n in range(CLIENTS)], ks)
        codes = sorted(code for code, _ in outcomes)
        assert codes == ["loan_limit"] * (CLIENTS - 1) + ["ok"], codes


@contextlib.contextmanager
def _real_database():
    """Yield a function counting open loans of T000001, as seen by a fresh connection."""
    settings_dict = connections.settings["default"]
    name = settings_dict["NAME"]
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if not in_memory:
        def count():
            return Loan.objects.filter(item__barcode="T000001", returned_at__isnull=True,
                                       item__status=ItemStatus.ON_LOAN).count()
        yield count
        return
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "race.sqlite3")
        target = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        settings_dict["NAME"] = path
        try:
            def count():
                with contextlib.closing(sqlite3.connect(path)) as db:
                    return db.execute(
                        "SELECT COUNT(*) FROM circulation_loan l JOIN catalog_item i ON i.id = l.item_id "
                        "WHERE i.barcode = 'T000001' AND l.returned_at IS NULL AND i.status = 'on_loan'"
                    ).fetchone()[0]
            yield count
        finally:
            settings_dict["NAME"] = name


def _race(pairs, library):
    """Each (card, barcode) checked out by its own thread and connection, all at once."""
    barrier = threading.Barrier(len(pairs))
    outcomes = []
    lock = threading.Lock()

    def desk(card, barcode):
        try:
            barrier.wait(timeout=30)
            try:
                loan = services.checkout(None, card, barcode, library)
                outcome = ("ok", loan.pk)
            except CirculationError as error:
                outcome = (error.code, None)
            except Exception as error:  # noqa: BLE001 - anything else is a failure of the test
                outcome = (repr(error), None)
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes
