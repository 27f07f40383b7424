"""Fixity: stored files against their SHA-256 checksums."""

from dataclasses import dataclass, field

from thuvien.digital.ingest import sha256_of
from thuvien.digital.models import DigitalFile, media_path


@dataclass
class FixityReport:
    checked: int = 0
    changed: list = field(default_factory=list)  # (object id, relative path)
    missing: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.changed and not self.missing


def verify(objects=None):
    """Recompute the checksum of every stored file (once per file, however many pages it holds)."""
    report = FixityReport()
    rows = DigitalFile.objects.order_by("object_id", "order").values_list("object_id", "path", "sha256")
    if objects is not None:
        rows = rows.filter(object__in=objects)
    seen = set()
    for object_id, path, expected in rows.iterator():
        if path in seen:
            continue
        seen.add(path)
        report.checked += 1
        full = media_path(path)
        if not full.is_file():
            report.missing.append((object_id, path))
        elif sha256_of(full) != expected:
            report.changed.append((object_id, path))
    return report
