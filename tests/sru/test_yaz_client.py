"""Debian's yaz-client in SRU mode against the live server gets hits and records back."""

import shutil
import subprocess

import pytest

YAZ_CLIENT = shutil.which("yaz-client") or "/usr/bin/yaz-client"


@pytest.mark.skipif(not shutil.which("yaz-client"), reason="Debian package yaz is not installed")
@pytest.mark.django_db(transaction=True)
def test_yaz_client_sru_search_and_show(live_server, catalogue, tmp_path, testdata):
    # The shipped command file, pointed at our server and our records.
    commands = (testdata / "sru/yaz-client-sru.cmd").read_text()
    commands = commands.replace("http://127.0.0.1:9999/Default", f"{live_server.url}/sru")
    commands = commands.replace("find dc.title=computer", 'find dc.title="viet nam" and dc.date>2000')
    script = tmp_path / "sru.cmd"
    script.write_text(commands, encoding="utf-8")
    run = subprocess.run([YAZ_CLIENT, "-f", str(script)], capture_output=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    output = run.stdout.decode("utf-8", "replace")
    assert "Received SRW SearchRetrieve Response" in output, output
    assert "Number of hits: 1" in output, output
    assert "Truyện cổ tích Việt Nam" in output, output
    assert 'xmlns="http://www.loc.gov/MARC21/slim"' in output


@pytest.mark.skipif(not shutil.which("yaz-client"), reason="Debian package yaz is not installed")
@pytest.mark.django_db(transaction=True)
def test_yaz_client_sru_2_scan_and_dc(live_server, catalogue, tmp_path):
    script = tmp_path / "sru2.cmd"
    script.write_text(
        f"open {live_server.url}/sru\nsru get 2.0\nquerytype cql\nfind dc.creator=nguyen\n"
        "format xml\nschema dc\nshow 1\nscan dc.title=lich\nquit\n", encoding="utf-8")
    run = subprocess.run([YAZ_CLIENT, "-f", str(script)], capture_output=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    output = run.stdout.decode("utf-8", "replace")
    assert "Number of hits: 1" in output, output  # the restricted record by the same author is not counted
    assert "<dc:title>Lịch sử Việt Nam thời kỳ đổi mới</dc:title>" in output, output
    assert "Received SRW Scan Response" in output and "lịch: 1 lich\n" in output, output
