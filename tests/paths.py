"""Where the shared test samples are (importable as ``paths`` from any test module)."""

import os
from pathlib import Path


def find_testdata(start=None):
    """$THUVIEN_TESTDATA, else a ``shared/testdata`` folder beside the tests folder or one of
    its ancestors (so a worktree or a clone anywhere finds it), else /work/shared/testdata."""
    if os.environ.get("THUVIEN_TESTDATA"):
        return Path(os.environ["THUVIEN_TESTDATA"])
    start = Path(start or __file__).resolve()
    for parent in start.parents:
        if (parent / "shared" / "testdata").is_dir():
            return parent / "shared" / "testdata"
    return Path("/work/shared/testdata")


TESTDATA = find_testdata()
