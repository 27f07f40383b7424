"""Load: many kiosk connections at once never make a wrong or double loan.

KIOSKS connections, each logged in, fire their requests together (a barrier) in rounds:
all for one copy; pairs for one copy each; each its own copy, returned and lent again to
another reader; and all for one reader, whose loan limit (5) must hold. After every
round the database must agree with what the kiosks were told.
"""

import re
import threading

import pytest

from .conftest import RawClient, in_thread

pytestmark = pytest.mark.django_db(transaction=True)

KIOSKS = 10
ROUNDS = 2
DATE = "20260101    120000"


def checkout(card, barcode):
    return f"11NN{DATE}{' ' * 18}AONB-KS|AA{card}|AB{barcode}|AC|"


def checkin(barcode):
    return f"09N{DATE}{DATE}APkiosk|AONB-KS|AB{barcode}|"


class Fleet:
    """KIOSKS logged-in connections that send one request each at the same moment."""

    def __init__(self, port):
        self.clients = [RawClient(port) for _ in range(KIOSKS)]
        for client in self.clients:
            assert client.login().startswith("941")

    def fire(self, requests):
        """Send requests[i] on connection i, all at once; returns the responses."""
        barrier = threading.Barrier(len(requests))
        responses = [None] * len(requests)

        def run(i):
            barrier.wait(timeout=30)
            try:
                responses[i] = self.clients[i].send(requests[i])
            except Exception as error:  # a dropped connection is a failure, reported below
                responses[i] = f"ERROR {error!r}"

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        return responses

    def close(self):
        for client in self.clients:
            client.close()


def open_loans():
    return in_thread(_open_loans)


def _open_loans():
    from thuvien.circulation.models import Loan

    return {loan.item.barcode: loan.reader.card_number
            for loan in Loan.objects.filter(returned_at__isnull=True).select_related("item", "reader")}


def check_consistency():
    in_thread(_check_consistency)


def _check_consistency():
    """Every copy has at most one open loan, and its status says so."""
    from django.db.models import Count

    from thuvien.catalog.models import Item
    from thuvien.circulation.models import Loan

    doubles = Loan.objects.filter(returned_at__isnull=True).values("item").annotate(n=Count("id")).filter(n__gt=1)
    assert not doubles.exists()
    on_loan = set(Item.objects.filter(status="on_loan").values_list("barcode", flat=True))
    assert on_loan == set(_open_loans())


@pytest.fixture
def stock(network, fast_hashing, quiet_index, kiosk):
    from thuvien.catalog import services as catalog
    from thuvien.catalog.generate import marc_record
    from thuvien.circulation import services
    from thuvien.circulation.demo import load_categories_and_rules

    categories = load_categories_and_rules()
    ks = network["NB-KS"]
    cards = [f"L{n:03d}" for n in range(KIOSKS)]
    for card in cards:
        services.register_reader(None, ks, card, f"Bạn đọc {card}", categories["adult"])
    barcodes = [f"B{n:03d}" for n in range(2 * KIOSKS + 1)]
    for barcode in barcodes:
        record = catalog.create_record(marc_record(title=f"Sách {barcode}", authors=["Tô Hoài"], year=2021))
        catalog.add_item(None, record, ks, barcode=barcode)
    return cards, barcodes


def test_many_kiosks_at_once(stock, real_database, sip2_server):
    from thuvien.circulation.models import Loan

    cards, barcodes = stock
    fleet = Fleet(sip2_server.port)
    try:
        # 1. Every kiosk, for a different reader, scans the same copy: exactly one loan.
        responses = fleet.fire([checkout(card, "B000") for card in cards])
        winners = [i for i, r in enumerate(responses) if r.startswith("121")]
        assert len(winners) == 1, responses
        for i, response in enumerate(responses):
            if i not in winners:
                assert response.startswith("120NNN") and "đang được cho mượn" in response, response
        assert open_loans() == {"B000": cards[winners[0]]}
        check_consistency()

        # 2. Pairs of kiosks race for one copy each (different readers): one loan per copy.
        pair_copies = barcodes[1: KIOSKS // 2 + 1]
        responses = fleet.fire([checkout(cards[i], pair_copies[i // 2]) for i in range(KIOSKS)])
        loans = open_loans()
        for pair, barcode in enumerate(pair_copies):
            first, second = responses[2 * pair], responses[2 * pair + 1]
            assert sorted([first[:3], second[:3]]) == ["120", "121"], (first, second)
            winner = 2 * pair if first.startswith("121") else 2 * pair + 1
            assert loans[barcode] == cards[winner]
        check_consistency()

        # 3. Each kiosk its own copy, returned and lent to the next reader, round after round.
        own = barcodes[KIOSKS + 1: 2 * KIOSKS + 1]
        for round_ in range(ROUNDS):
            readers = [cards[(i + round_) % KIOSKS] for i in range(KIOSKS)]
            # Readers at their loan limit (5) are refused; everyone else gets the copy.
            counts = {card: list(open_loans().values()).count(card) for card in cards}
            responses = fleet.fire([checkout(readers[i], own[i]) for i in range(KIOSKS)])
            loans = open_loans()
            for i, response in enumerate(responses):
                assert re.match(r"^12[01]", response), response
                assert f"|AA{readers[i]}|AB{own[i]}|" in response  # the answer is about this reader and copy
                if response.startswith("121"):
                    assert loans[own[i]] == readers[i]
                else:
                    assert counts[readers[i]] >= 5 and own[i] not in loans, response
            check_consistency()
            responses = fleet.fire([checkin(own[i]) for i in range(KIOSKS)])
            assert all(r.startswith("101YN") for r in responses), responses
            assert not set(own) & set(open_loans())
            check_consistency()

        # 4. Every kiosk lends a different copy to one reader at once: the limit of 5 holds.
        for barcode in list(open_loans()):
            assert fleet.fire([checkin(barcode)])[0].startswith("101")
        responses = fleet.fire([checkout(cards[0], own[i]) for i in range(KIOSKS)])
        granted = [r for r in responses if r.startswith("121")]
        assert len(granted) == 5, responses
        assert all("tối đa" in r for r in responses if r.startswith("120")), responses
        assert list(open_loans().values()) == [cards[0]] * 5
        check_consistency()
        assert in_thread(lambda: Loan.objects.exclude(channel="sip2").count()) == 0
        assert in_thread(lambda: Loan.objects.count()) > 3 * KIOSKS
    finally:
        fleet.close()
