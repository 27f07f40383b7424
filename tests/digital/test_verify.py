
from django.core.management import call_command

from thuvien.digital.models import media_path


def _verify(capsys):
    code = 0
    try:
        call_command("digital", "verify")
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().out


def test_verify_reports_changed_and_missing_files(digitise, samples, record, network, capsys):
    from thuvien.digital.ingest import ingest

    pdf_object = digitise("open")
    image_object = ingest([samples / "pages"], record, library=network["NB-KS"]).object
    code, out = _verify(capsys)
    assert code == 0 and "4 " in out  # one PDF + three images, each checked once

    changed = media_path(pdf_object.files.first().path)
    data = bytearray(changed.read_bytes())
    data[-10] ^= 0xFF
    changed.write_bytes(bytes(data))
    missing = media_path(image_object.files.get(order=2).path)
    missing.unlink()
    code, out = _verify(capsys)
    assert code == 1
    assert f"object {pdf_object.pk}" in out.replace("tài liệu số", "object")
    assert "born.pdf" in out and "trang-2.jpg" in out
    assert "trang-1.jpg" not in out
