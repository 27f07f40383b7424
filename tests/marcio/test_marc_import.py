"""`thuvien marc import`: real samples, MARC-8/UTF-8/MARCXML, rejects, matching, items, re-import."""

import io
import json
import re
from contextlib import closing

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from thuvien.catalog import services
from thuvien.catalog.export import iso2709
from thuvien.catalog.marcimport.reader import decode_iso2709, iter_iso2709, iter_records
from thuvien.catalog.models import BibRecord, Item, ItemStatus, ItemType
from thuvien.core.vietnamese import nfc
from thuvien.network.models import Location
from thuvien.search.service import SearchRequest, search

pytestmark = pytest.mark.django_db


def run_import(path, library="NB-KS", *extra, language="en"):
    out, err = io.StringIO(), io.StringIO()
    with translation.override(language):
        call_command("marc", "import", str(path), "--library", library, "--no-progress", *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts(output):
    """{"created": n, ...} from the command's summary line."""
    import re

    found = {name: int(n) for n, name in re.findall(r"(\d+) (created|merged|unchanged|rejected|items added)", output)}
    found["read"] = int(re.search(r"(\d+) records read", output).group(1))
    return found


def good_and_bad(path):
    with open(path, "rb") as stream:
        records = list(iter_records(io.BufferedReader(stream)))
    return [r for r in records if not r.error], [r for r in records if r.error]


def marc_record(title, *fields, leader="00000nam a2200000 a 4500"):
    """MARC-in-JSON with a 245 and ``fields`` = (tag, value) pairs."""
    data = {"leader": leader, "fields": []}
    for tag, value in fields:
        data["fields"].append({tag: value})
    data["fields"].append({"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": title}]}})
    data["fields"].sort(key=lambda f: next(iter(f)))
    return data


def df(*subfields, ind1=" ", ind2=" "):
    return {"ind1": ind1, "ind2": ind2, "subfields": [{c: v} for c, v in subfields]}


def write_mrc(tmp_path, name, records):
    path = tmp_path / name
    path.write_bytes(b"".join(iso2709(r) if isinstance(r, dict) else r for r in records))
    return path


# --- samples of pymarc, MARC4J, ruby-marc and YAZ -------------------------------------

SAMPLES = [
    "pymarc/test.dat", "pymarc/marc8.dat", "pymarc/utf8_with_leader_flag.dat", "pymarc/diacritic.dat",
    "pymarc/batch.xml", "marc4j/chabon.mrc", "marc4j/brkrtest.mrc", "marc4j/summerland.xml",
    "marc4j/1474920681_KOHA_LFL_5.xml", "ruby-marc/batch.dat", "ruby-marc/utf8_multirecord.marc",
    "yaz-marc-files/marccol1.u8.marc", "yaz-marc-files/marc6.marc",
]


def test_sample_files_of_four_libraries_import_whole(network, testdata, tmp_path):
    for name in SAMPLES:
        path = testdata / "marc" / name
        good, bad = good_and_bad(path)
        assert good and not bad, name
        output, _ = run_import(path, "NB-KS", "--rejects", str(tmp_path / "r.mrc"))
        found = counts(output)
        assert found["read"] == len(good), name
        assert found["rejected"] == 0, name
        assert found["created"] + found["merged"] + found["unchanged"] == len(good), name
    assert BibRecord.objects.count() >= 30  # several sets share records: they match, not duplicate


# --- the Library of Congress records: UTF-8, MARC-8 and MARCXML -----------------------

@pytest.mark.parametrize("sample", ["loc_books2016_vie", "loc_books2016_multiscript"])
def test_utf8_marc8_and_marcxml_give_the_same_nfc_records(testdata, sample):
    base = testdata / "marc" / "loc-sample" / sample
    decoded = {}
    for suffix in ("utf8.mrc", "marc8.mrc", "marcxml.xml"):
        with open(f"{base}.{suffix}", "rb") as stream:
            decoded[suffix] = [r.data for r in iter_records(io.BufferedReader(stream))]
    utf8 = decoded["utf8.mrc"]
    assert len(utf8) in (121, 65) and all(utf8)
    assert decoded["marcxml.xml"] == utf8
    # MARC-8 cannot carry Unicode's directional controls (the Hebrew records' U+202A/U+202C) and
    # yaz's conversion added right-to-left marks; nothing else differs.
    def without_marks(records):
        return [json.loads(re.sub("[\u200e\u200f\u202a-\u202e]", "", json.dumps(r, ensure_ascii=False)))
                for r in records]

    assert without_marks(decoded["marc8.mrc"]) == without_marks(utf8)
    texts = [v for r in utf8 for f in r["fields"] for value in f.values()
             for v in ([value] if isinstance(value, str) else [t for sf in value["subfields"] for t in sf.values()])]
    assert all(t == nfc(t) for t in texts)
    if sample.endswith("vie"):
        assert any("Việt" in t for t in texts)  # decomposed in the file, composed here


@pytest.mark.parametrize("name", ["marc4j/cyrillic_capital_e.mrc", "marc4j/greekmissingcharsetchange.mrc",
                                  "yaz-marc-files/marc8.marc", "pymarc/bad_eacc_encoding.dat"])
def test_marc8_escapes_do_not_leak_into_the_next_subfield_or_record(testdata, name):
    """Each MARC-8 subfield starts in ASCII/ANSEL: decoding a record alone, again or after others gives one result."""
    with open(testdata / "marc" / name, "rb") as stream:
        raws = [r.raw for r in iter_iso2709(stream) if not r.error]
    forward = [decode_iso2709(raw) for raw in raws]
    again = [decode_iso2709(raw) for raw in reversed(raws)][::-1]
    assert forward == again
    assert [decode_iso2709(raw) for raw in raws] == forward


def test_loc_vietnamese_import_then_other_formats_only_match(network, testdata, tmp_path):
    loc = testdata / "marc" / "loc-sample"
    assert counts(run_import(loc / "loc_books2016_vie.utf8.mrc", "NB-KS")[0])["created"] == 121
    for name in ("loc_books2016_vie.marc8.mrc", "loc_books2016_vie.marcxml.xml"):
        found = counts(run_import(loc / name, "NB-YM", "--rejects", str(tmp_path / "r"))[0])
        assert found["created"] == 0 and found["unchanged"] == 121, name
    assert BibRecord.objects.count() == 121
    record = BibRecord.objects.filter(language="vie").first()
    assert record.title == nfc(record.title)
    hits = search(SearchRequest(q=record.title.split()[0]))
    assert record.pk in hits.ids


# --- malformed files ------------------------------------------------------------------

MALFORMED = [
    "pymarc/bad_records.mrc", "pymarc/bad_indicator.dat", "pymarc/bad_subfield_code.dat",
    "pymarc/utf8_invalid.mrc", "marc4j/bad_oversize_field_bad_directory.mrc", "marc4j/bad_too_long_plus_2.mrc",
    "marc4j/008008027.mrc", "marc4j/pride-and-prejudice-with-many-errors.mrc", "marc4j/incomplete_esc_seq.mrc",
    "ruby-marc/marc_with_bad_utf8.utf8.marc", "ruby-marc/cp866_multirecord.marc", "ruby-marc/three-records-second-bad.xml",
    "marc4j/chabon-missing-subfield-code.xml", "yaz-marc-files/marc4.marc",
    "ruby-marc/marc8_accented_chars.marc",  # leader/09 says UTF-8, the bytes are MARC-8
]


def test_every_malformed_file_gives_a_reject_report_and_its_good_records_import(network, testdata, tmp_path):
    for name in MALFORMED:
        path = testdata / "marc" / name
        good, bad = good_and_bad(path)
        assert bad, name
        rejects = tmp_path / (path.name + ".rejects")
        output, errors = run_import(path, "NB-KS", "--rejects", str(rejects))
        found = counts(output)
        assert found["rejected"] == len(bad), name
        assert found["created"] + found["merged"] + found["unchanged"] == len(good), name
        report = (tmp_path / (rejects.name + ".txt")).read_text(encoding="utf-8").splitlines()
        assert report[0] == "number\toffset\treason"
        assert len(report) == len(bad) + 1, name
        for line, reject in zip(report[1:], bad):
            number, offset, reason = line.split("\t")
            assert (int(number), int(offset)) == (reject.number, reject.offset) and reason, name
        assert f"rejected record {bad[0].number}" in errors
        if not name.endswith(".xml"):
            assert rejects.read_bytes() == b"".join(r.raw for r in bad), name


def test_a_broken_record_is_skipped_and_can_be_fixed_and_reimported(network, tmp_path):
    records = [marc_record(f"Sách số {n}", ("001", f"R{n}"), ("003", "VN-TEST")) for n in range(3)]
    raw = [iso2709(r) for r in records]
    broken = raw[1][:30] + b"X" + raw[1][31:]  # a directory entry that is not a number
    path = write_mrc(tmp_path, "three.mrc", [raw[0], broken, raw[2]])
    output, _ = run_import(path)
    assert counts(output) == {"read": 3, "created": 2, "merged": 0, "unchanged": 0, "rejected": 1, "items added": 0}
    rejects = tmp_path / "three.mrc.rejects.mrc"
    assert rejects.read_bytes() == broken
    report = (tmp_path / "three.mrc.rejects.mrc.txt").read_text(encoding="utf-8").splitlines()
    assert report[1].startswith(f"2\t{len(raw[0])}\t")
    assert "Directory entry" in report[1]
    assert not BibRecord.objects.filter(control_number="R1").exists()
    output, errors = run_import(path, "NB-KS", "--rejects", str(tmp_path / "vi.mrc"), language="vi")
    assert "2 không đổi, 1 bị loại" in output and "Mục danh mục" in errors  # Vietnamese by default
    rejects.write_bytes(raw[1])  # fixed by hand
    assert counts(run_import(rejects, "NB-KS", "--rejects", str(tmp_path / "again.mrc"))[0])["created"] == 1
    assert BibRecord.objects.filter(control_number="R1").count() == 1


def test_streaming_reader_finds_records_after_junk_and_reports_offsets(tmp_path):
    good = iso2709(marc_record("Một", ("001", "A1")))
    data = good + b"\n" + b"00099nam  garbage without terminator" + b"\x1d" + good
    records = list(iter_iso2709(io.BytesIO(data)))
    assert [r.offset for r in records] == [0, len(good) + 1, len(data) - len(good)]
    assert not records[0].error and records[1].error and not records[2].error
    assert decode_iso2709(records[2].raw)["fields"][0] == {"001": "A1"}


# --- matching and merging -------------------------------------------------------------

def test_matching_by_each_identifier_attaches_holdings(network, tmp_path):
    isbn10, isbn13 = "0-19-853453-1", "9780198534532"
    existing = {
        "isbn": services.create_record(marc_record("Theo ISBN", ("020", df(("a", isbn10))))),
        "issn": services.create_record(marc_record("Theo ISSN", ("022", df(("a", "0028-0836"))))),
        "lccn": services.create_record(marc_record("Theo LCCN", ("010", df(("a", "   85-153773 "))))),
        "control": services.create_record(marc_record("Theo 001", ("001", "12345"), ("003", "VN-NLV"))),
    }
    incoming = [
        marc_record("ISBN khác cách viết", ("020", df(("a", isbn13 + " (pbk.)"))), ("952", df(("p", "KS-1")))),
        marc_record("ISSN", ("022", df(("a", "00280836"))), ("952", df(("p", "KS-2")))),
        marc_record("LCCN", ("010", df(("a", "85153773"))), ("952", df(("p", "KS-3")))),
        marc_record("001/003", ("001", "12345"), ("003", "VN-NLV"), ("952", df(("p", "KS-4")))),
    ]
    path = write_mrc(tmp_path, "match.mrc", incoming)
    found = counts(run_import(path)[0])
    assert found["created"] == 0 and found["merged"] == 4 and found["items added"] == 4
    assert BibRecord.objects.count() == 4
    for n, kind in enumerate(["isbn", "issn", "lccn", "control"], start=1):
        item = Item.objects.get(barcode=f"KS-{n}")
        assert item.record_id == existing[kind].pk, kind
        assert item.library.code == "NB-KS"
    assert existing["isbn"].pk in search(SearchRequest(q="Theo ISBN", library="NB-KS")).ids


def test_a_035_system_number_matches_the_record_with_that_001_003(network, tmp_path):
    """An 035 "(ORG)NUMBER" is the record's 001/003 elsewhere: the import's fast path matches it too."""
    existing = services.create_record(marc_record("Bản gốc", ("001", "880001"), ("003", "VN-NLV")))
    incoming = marc_record("Bản sao", ("001", "42"), ("035", df(("a", "(VN-NLV)880001"))), ("952", df(("p", "KS-35"))))
    found = counts(run_import(write_mrc(tmp_path, "035.mrc", [incoming]))[0])
    assert (found["created"], found["merged"]) == (0, 1)
    assert Item.objects.get(barcode="KS-35").record_id == existing.pk
    # and the other way round: a record created by the import is found by its 035
    created = marc_record("Mới", ("035", df(("a", "(OCoLC)777"))))
    assert counts(run_import(write_mrc(tmp_path, "new.mrc", [created]))[0])["created"] == 1
    later = marc_record("Cùng bản", ("001", "777"), ("003", "OCoLC"), ("952", df(("p", "KS-36"))))
    assert counts(run_import(write_mrc(tmp_path, "later.mrc", [later]))[0])["merged"] == 1
    assert BibRecord.objects.count() == 2


def test_the_fast_derivation_equals_catalog_marc_on_every_sample(testdata):
    """derive_all is catalog.marc.derive + identifiers_of in one scan: the same on real records."""
    from thuvien.catalog import marc
    from thuvien.catalog.marcimport.derive import derive_all

    compared = 0
    for path in sorted((testdata / "marc").rglob("*")):
        if path.suffix not in (".mrc", ".dat", ".marc", ".xml") or not path.is_file():
            continue
        with open(path, "rb") as stream:
            for record in iter_records(io.BufferedReader(stream)):
                if record.error:
                    continue
                derived, pairs = derive_all(record.data)
                assert derived == marc.derive(record.data), (path, record.number)
                assert pairs == marc.identifiers_of(record.data), (path, record.number)
                compared += 1
    assert compared > 1000


@pytest.mark.parametrize("text", ["Hà Nội :", "Chicago, ", "Tên sách /\u00a0", "a\u3000=\u2028", "[Hà Nội]]",
                                  "Kim Vân Kiều.\x1f", " ; ", "", "...", "x\u200b."])
def test_the_fast_clean_strips_what_catalog_marc_strips(text):
    from thuvien.catalog import marc
    from thuvien.catalog.marcimport.derive import _clean

    assert _clean(text) == marc.clean(text)


def test_a_bare_001_only_matches_the_same_librarys_imports(network, tmp_path):
    path = write_mrc(tmp_path, "local.mrc", [marc_record("Sách của Kim Sơn", ("001", "7"))])
    assert counts(run_import(path, "NB-KS")[0])["created"] == 1
    other = write_mrc(tmp_path, "other.mrc", [marc_record("Sách khác của Yên Mô", ("001", "7"))])
    assert counts(run_import(other, "NB-YM")[0])["created"] == 1
    assert counts(run_import(path, "NB-KS")[0])["unchanged"] == 1
    assert BibRecord.objects.count() == 2


def test_the_same_edition_twice_in_one_file_is_one_record(network, tmp_path):
    one = marc_record("Truyện Kiều", ("020", df(("a", "9780198534532"))), ("952", df(("p", "KS-A"))))
    two = marc_record("Truyện Kiều (bản khác)", ("020", df(("a", "0198534531"))), ("952", df(("p", "KS-B"))))
    found = counts(run_import(write_mrc(tmp_path, "twice.mrc", [one, two]))[0])
    assert (found["created"], found["merged"]) == (1, 1)
    record = BibRecord.objects.get()
    assert sorted(record.items.values_list("barcode", flat=True)) == ["KS-A", "KS-B"]


# --- items from 852 and 952 -------------------------------------------------------------

def test_items_from_koha_952_and_marc_852(network, tmp_path):
    library = network["NB-KS"]
    location = Location.objects.filter(library=library).first()
    koha = marc_record(
        "Sách từ Koha", ("001", "K1"), ("003", "VN-KOHA"),
        ("952", df(("a", "NB-KS"), ("b", "NB-KS"), ("c", location.code), ("o", "895.922 NG-D"), ("p", "KS.000123"),
                   ("y", "REF"), ("g", "85.000"), ("7", "1"))),
        ("952", df(("p", "KS.000124"), ("o", "895.922 NG-D"), ("y", "BK"), ("1", "1"))),
    )
    marc21 = marc_record("Sách có 852", ("001", "M1"), ("003", "VN-TEST"),
                         ("852", df(("a", "NB-KS"), ("h", "959.7"), ("i", "TR-L"))))
    path = write_mrc(tmp_path, "items.mrc", [koha, marc21])
    found = counts(run_import(path)[0])
    assert found["created"] == 2 and found["items added"] == 3
    first = Item.objects.get(barcode="KS.000123")
    assert (first.call_number, first.item_type, first.status, first.location_id, first.price, first.source_field) == (
        "895.922 NG-D", ItemType.REFERENCE, ItemStatus.NOT_FOR_LOAN, location.pk, 85000, "952")
    assert Item.objects.get(barcode="KS.000124").status == ItemStatus.LOST
    generated = Item.objects.get(record__control_number="M1")
    assert generated.call_number == "959.7 TR-L" and generated.barcode.startswith("KS-M")
    stored = BibRecord.objects.get(control_number="K1").marc
    assert not [f for f in stored["fields"] if "952" in f]  # the items are the truth now
    # Re-importing changes nothing: same generated barcode, nothing new.
    again = counts(run_import(path)[0])
    assert again["unchanged"] == 2 and again["items added"] == 0
    assert Item.objects.count() == 3


def test_a_barcode_of_another_record_rejects_the_record_whole(network, tmp_path, make_record):
    other = make_record("Sách đã có", copies=[network["NB-KS"]])
    taken = other.items.get().barcode
    path = write_mrc(tmp_path, "clash.mrc", [
        marc_record("Mới", ("001", "C1"), ("003", "X"), ("952", df(("p", "NEW-1"))), ("952", df(("p", taken)))),
        marc_record("Mới 2", ("001", "C2"), ("003", "X"), ("952", df(("p", "NEW-2")))),
    ])
    output, errors = run_import(path)
    found = counts(output)
    assert (found["created"], found["rejected"]) == (1, 1)
    assert taken in errors
    assert not BibRecord.objects.filter(control_number="C1").exists()
    assert not Item.objects.filter(barcode="NEW-1").exists()


def test_reimport_of_the_same_file_changes_nothing(network, testdata, tmp_path):
    path = testdata / "marc" / "marc4j" / "065001035.mrc"
    first = counts(run_import(path, "NB-KS", "--rejects", str(tmp_path / "r.mrc"))[0])
    assert first["created"] == 40
    before = (BibRecord.objects.count(), Item.objects.count(), list(BibRecord.objects.values_list("updated_at", flat=True)))
    second = counts(run_import(path, "NB-KS", "--rejects", str(tmp_path / "r.mrc"))[0])
    assert second["unchanged"] == first["read"] and second["created"] == second["merged"] == 0
    assert (BibRecord.objects.count(), Item.objects.count(),
            list(BibRecord.objects.values_list("updated_at", flat=True))) == before


def test_bad_command_input_is_refused_cleanly(network, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run_import(tmp_path / "missing.mrc")
    empty = tmp_path / "empty.mrc"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run_import(empty)
    path = write_mrc(tmp_path, "one.mrc", [marc_record("Một")])
    with pytest.raises(CommandError, match="No library"):
        run_import(path, "NB-NOWHERE")
    assert BibRecord.objects.count() == 0


def test_the_record_by_record_path_never_leaves_half_a_record(network, tmp_path, make_record):
    """The path a batch takes when its bulk write fails: one savepoint per record."""
    from thuvien.catalog.marcimport import importer
    from thuvien.catalog.marcimport.prepare import prepare_raw
    from thuvien.catalog.marcimport.reader import RawRecord

    taken = make_record("Đã có", copies=[network["NB-KS"]]).items.get().barcode
    records = [
        marc_record("Tốt", ("001", "S1"), ("003", "X"), ("952", df(("p", "S-1")))),
        marc_record("Hỏng", ("001", "S2"), ("003", "X"), ("952", df(("p", "S-2"))), ("952", df(("p", taken)))),
    ]
    raws = [RawRecord(n, 0, iso2709(r)) for n, r in enumerate(records, start=1)]
    for raw in raws:
        raw.prepared = prepare_raw(raw.raw)
    writer = importer.RejectWriter(str(tmp_path / "slow.rejects.mrc"), "iso2709")
    run = importer._Importer(network["NB-KS"], writer, None)
    pending = run._prepare(raws)
    counts_ = run._write_one_by_one(pending)
    writer.close()
    assert counts_ == {"created": 1, "merged": 0, "unchanged": 0, "items": 1}
    assert run.summary.rejected == 1 and taken in run.summary.rejects[0].reason
    assert not BibRecord.objects.filter(control_number="S2").exists()
    assert not Item.objects.filter(barcode="S-2").exists()
    kept = BibRecord.objects.get(control_number="S1").items.get()
    assert kept.barcode == "S-1" and kept.source_field == "952"  # as the bulk path stores it


def test_progress_bar_on_stderr_with_rate_and_time_left(network, testdata):
    err = io.StringIO()
    with translation.override("en"):
        call_command("marc", "import", str(testdata / "marc" / "pymarc" / "test.dat"), "--library", "NB-KS",
                     stdout=io.StringIO(), stderr=err)
    last = err.getvalue().split("\r")[-1]
    assert "100.0%" in last and "10 records" in last and "rec/s" in last and "0:00:00 left" in last


def test_an_import_leaves_the_database_checkpoint_setting_as_it_found_it(network, testdata, tmp_path):
    """The import takes checkpoints off its connection while it runs, then restores the
    setting, also when the file is rejected whole."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=777")
    run_import(testdata / "marc" / "pymarc" / "test.dat", "NB-KS", "--rejects", str(tmp_path / "r.mrc"))
    bad = tmp_path / "bad.mrc"
    bad.write_bytes(b"not a MARC record at all")
    run_import(bad, "NB-KS", "--rejects", str(tmp_path / "r2.mrc"))
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 777
    assert BibRecord.objects.exists()


def test_the_import_checkpointer_copies_committed_pages_into_the_database_file(tmp_path):
    """While an import writes, its own connection does not checkpoint; the checkpointer does,
    so the database file holds what was committed, and the setting comes back afterwards."""
    import shutil
    import sqlite3

    from thuvien.catalog.marcimport import importer

    path = tmp_path / "catalogue.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=777")
    writer.execute("CREATE TABLE record (title TEXT)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the table into the file; its rows will stay in the WAL

    def in_the_database_file():
        shutil.copy(path, tmp_path / "copy.sqlite3")  # the file alone, without its WAL
        with closing(sqlite3.connect(tmp_path / "copy.sqlite3")) as copy:
            return copy.execute("SELECT count(*) FROM record").fetchone()[0]

    with importer._checkpointing_thread(writer) as checkpointer:
        assert writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        writer.executemany("INSERT INTO record VALUES (?)", [(f"Sách {n}" * 50,) for n in range(2000)])
        assert in_the_database_file() == 0
        checkpointer.committed()
    assert checkpointer.checkpoints == 1
    assert in_the_database_file() == 2000
    assert writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 777
    writer.close()


def test_past_its_limit_the_checkpointer_has_the_wal_start_over(tmp_path, monkeypatch):
    """A long import keeps committing while checkpoints run; past WAL_LIMIT a RESTART makes
    the next batch write from the WAL's start, so the file stays as long as a few batches."""
    import sqlite3

    from thuvien.catalog.marcimport import importer

    path = tmp_path / "catalogue.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE record (title TEXT)")
    monkeypatch.setattr(importer, "WAL_LIMIT", 64 << 10)
    wal = tmp_path / "catalogue.sqlite3-wal"

    def write_a_batch(first):
        writer.executemany("INSERT INTO record VALUES (?)", [(f"Sách {n}" * 50,) for n in range(first, first + 300)])

    checkpointer = importer._Checkpointer(str(path))
    with closing(sqlite3.connect(path)) as db:
        write_a_batch(0)
        small = wal.stat().st_size
        checkpointer.checkpoint(db)  # about 150 pages of WAL: over the limit
        assert (checkpointer.checkpoints, checkpointer.restarts) == (1, 1)
        write_a_batch(300)
        assert wal.stat().st_size < small * 3 // 2  # written over from its start, not after (2 × small)
        monkeypatch.setattr(importer, "WAL_LIMIT", 256 << 20)
        checkpointer.checkpoint(db)
        assert (checkpointer.checkpoints, checkpointer.restarts) == (2, 1)  # under the limit: PASSIVE only
    assert writer.execute("SELECT count(*) FROM record").fetchone()[0] == 600
    writer.close()


def test_worker_processes_import_a_file_as_one_process_does(network, testdata, tmp_path):
    """Big files are decoded by worker processes: the same records, rejects and report."""
    path = testdata / "marc" / "marc4j" / "bad_hathi_records.mrc"
    first = counts(run_import(path, "NB-KS", "--workers", "2", "--rejects", str(tmp_path / "a.mrc"))[0])
    again = counts(run_import(path, "NB-KS", "--workers", "0", "--rejects", str(tmp_path / "b.mrc"))[0])
    assert first["created"] > 0 and first["rejected"] > 0
    assert again["unchanged"] == first["created"] + first["merged"] + first["unchanged"]
    assert (again["created"], again["merged"], again["rejected"]) == (0, 0, first["rejected"])
    assert (tmp_path / "a.mrc").read_bytes() == (tmp_path / "b.mrc").read_bytes()
    assert (tmp_path / "a.mrc.txt").read_text() == (tmp_path / "b.mrc.txt").read_text()


def test_the_worker_processes_yield_the_cpu_to_the_writing_process():
    import multiprocessing
    import os

    from thuvien.catalog.marcimport import importer

    with importer.worker_pool(multiprocessing.get_context("fork"), 1) as pool:
        niceness = pool.apply(os.nice, (0,))
    assert niceness == min(19, os.nice(0) + importer.WORKER_NICENESS) > os.nice(0)


def _indexed_columns(table):
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]}


def test_the_catalogue_keeps_no_index_that_only_imports_would_pay_for(db):
    # Title order is the search index's, and identifier_unique begins with the record.
    assert ("title_sort",) not in _indexed_columns("catalog_bibrecord")
    identifiers = _indexed_columns("catalog_recordidentifier")
    assert ("record_id",) not in identifiers
    assert {("record_id", "kind", "value"), ("kind", "value")} <= identifiers


@pytest.mark.django_db(transaction=True)
def test_the_migration_dropping_them_can_be_undone():
    from django.core.management import call_command

    call_command("migrate", "catalog", "0002", verbosity=0)
    try:
        assert ("title_sort",) in _indexed_columns("catalog_bibrecord")
        assert ("record_id",) in _indexed_columns("catalog_recordidentifier")
    finally:
        call_command("migrate", "catalog", verbosity=0)
    assert ("title_sort",) not in _indexed_columns("catalog_bibrecord")


def test_an_imported_record_without_copies_is_indexed_without_empty_holdings_fields(network, testdata):
    from thuvien.catalog.marcimport import prepare

    with open(testdata / "marc" / "pymarc" / "test.dat", "rb") as stream:
        raw = next(iter_iso2709(stream)).raw
    fields = json.loads(prepare.document_json(prepare.prepare_raw(raw), 7, set(), set(), 0))
    assert fields["id"] == 7 and fields["title_exact"]
    assert {"f_library", "f_available", "fulltext_exact"}.isdisjoint(fields)
    held = json.loads(prepare.document_json(prepare.prepare_raw(raw), 7, {"NB-KS"}, {"NB-KS"}, 0))
    assert (held["f_library"], held["f_available"]) == (["NB-KS"], ["NB-KS", "__any__"])
