"""Models of the interop app (the harvester's sources, runs and harvested records)."""

from thuvien.interop.harvest.models import HarvestedRecord, HarvestRun, HarvestSource  # noqa: F401
