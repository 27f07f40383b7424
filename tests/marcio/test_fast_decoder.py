"""The C decoder of plain UTF-8 records gives what the Python decoder gives, or leaves the record to it."""

import random

import pytest

from thuvien.catalog.marcimport import reader
from thuvien.catalog.marcimport.reader import RecordError, decode_iso2709, iter_iso2709


def _outcome(raw, accelerated):
    try:
        return decode_iso2709(raw, accelerated=accelerated)
    except RecordError as exc:
        return f"rejected: {exc}"


def _records(testdata):
    for path in sorted((testdata / "marc").rglob("*")):
        if path.suffix in (".mrc", ".dat", ".marc", ".utf8") and path.is_file():
            with open(path, "rb") as stream:
                yield from (r.raw for r in iter_iso2709(stream) if not r.error)


def _damaged(raw, rng):
    """``raw`` with a few bytes changed to what breaks records: delimiters, digits, UTF-8 lead bytes."""
    damaged = bytearray(raw)
    for _ in range(rng.randint(1, 3)):
        damaged[rng.randrange(len(damaged))] = rng.choice([0x1F, 0x1E, 0x1D, 0x20, 0x30, 0x41, 0x80, 0xC3, 0xFF])
    return bytes(damaged)


def test_the_install_builds_the_c_decoder():
    assert reader._iso2709 is not None


@pytest.mark.skipif(reader._iso2709 is None, reason="the C decoder is not built")
def test_the_c_decoder_reads_every_sample_as_the_python_decoder_does(testdata):
    raws = list(_records(testdata))
    assert len(raws) > 1000  # the LoC Vietnamese and multi-script samples, and the broken files
    read_by_c = 0
    for raw in raws:
        assert _outcome(raw, True) == _outcome(raw, False)
        leader = raw[:24].decode("ascii", "replace")
        if leader[12:17].isdigit():
            read_by_c += reader._iso2709.decode(raw, int(leader[12:17]), reader._leader(leader), reader._nfc) is not None
    assert read_by_c > len(raws) // 2  # it is the path most records take, NFD and Vietnamese ones included


@pytest.mark.skipif(reader._iso2709 is None, reason="the C decoder is not built")
def test_a_damaged_record_gets_the_python_decoders_result_and_reason(testdata):
    rng = random.Random(2709)
    raws = list(_records(testdata))
    rejected = 0
    for raw in raws:
        for _ in range(5):
            damaged = _damaged(raw, rng)
            outcome = _outcome(damaged, True)
            assert outcome == _outcome(damaged, False)
            rejected += isinstance(outcome, str)
    assert rejected > 1000


@pytest.mark.skipif(reader._iso2709 is None, reason="the C decoder is not built")
@pytest.mark.parametrize("raw", [b"", b"00026     2200025   4500\x1e\x1d", b"x" * 30])
def test_the_c_decoder_leaves_what_is_not_a_plain_record_to_python(raw):
    assert reader._iso2709.decode(raw, 25, "leader", reader._nfc) is None
