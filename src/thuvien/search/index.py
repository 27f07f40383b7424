"""Opening the tantivy index and writing to it.

The index directory holds generations (``gen-N``) and a ``CURRENT`` file naming the
live one, so ``thuvien index rebuild`` builds a fresh generation beside the live index
and switches over at once; every process notices the switch on its next search.
"""

import fcntl
import json
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import tantivy
from django.conf import settings

from thuvien.search.schema import SCHEMA_VERSION, build_schema

_lock = threading.RLock()
_state = {"generation": None, "index": None, "checked": 0.0, "commit": None, "searcher": None, "version": 0}
_schema = build_schema()
CHECK_INTERVAL = 0.5  # seconds between looks at CURRENT


class IndexBusy(Exception):
    """Another process holds the index writer."""


def schema():
    return _schema


def root():
    path = Path(settings.SEARCH_INDEX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_current():
    current = root() / "CURRENT"
    try:
        info = json.loads(current.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if info.get("schema") != SCHEMA_VERSION or not (root() / info["generation"]).exists():
        return None
    return info["generation"]


def _write_current(generation):
    tmp = root() / "CURRENT.tmp"
    tmp.write_text(json.dumps({"generation": generation, "schema": SCHEMA_VERSION}))
    tmp.replace(root() / "CURRENT")


def new_generation():
    """Create an empty generation directory and return (name, Index)."""
    name = f"gen-{time.time_ns()}"
    path = root() / name
    path.mkdir()
    return name, tantivy.Index(_schema, path=str(path), reuse=False)


def activate(generation):
    """Make ``generation`` the live index and remove older ones."""
    with _lock:
        _write_current(generation)
        _state.update(generation=None, index=None, checked=0.0, commit=None, searcher=None)
    for old in root().glob("gen-*"):
        if old.name != generation:
            shutil.rmtree(old, ignore_errors=True)


def get_index():
    """The live index of this process, reopened if another process switched it."""
    with _lock:
        now = time.monotonic()
        if _state["index"] is not None and now - _state["checked"] < CHECK_INTERVAL:
            return _state["index"]
        generation = _read_current()
        if generation is None:
            generation, index = new_generation()
            _write_current(generation)
            _state.update(generation=generation, index=index, checked=now)
            return index
        if generation != _state["generation"]:
            index = tantivy.Index.open(str(root() / generation))
            _state.update(generation=generation, index=index)
        _state["checked"] = now
        return _state["index"]


def _commit_mark(generation):
    """What changes whenever a commit (in any process) rewrites the generation's meta.json."""
    try:
        st = os.stat(Path(settings.SEARCH_INDEX_DIR) / generation / "meta.json")
    except (OSError, TypeError):
        return None
    return generation, st.st_ino, st.st_mtime_ns, st.st_size


def searcher_and_version():
    """The live searcher and a number that changes whenever the searcher does.

    Reloading reads meta.json and reopens segments; a stat tells whether any commit
    happened since the last reload, so searches between commits reuse one searcher.
    """
    with _lock:
        index = get_index()
        mark = _commit_mark(_state["generation"])
        if mark is None or mark != _state["commit"] or _state["searcher"] is None:
            index.reload()
            _state.update(commit=mark, searcher=index.searcher(), version=_state["version"] + 1)
        return _state["searcher"], _state["version"]


def searcher():
    return searcher_and_version()[0]


MARKER_STALE_SECONDS = 6 * 3600


def rebuilding():
    marker = root() / "REBUILDING"
    try:
        return time.time() - marker.stat().st_mtime < MARKER_STALE_SECONDS
    except FileNotFoundError:
        return False


class RebuildRunning(Exception):
    """Another process is rebuilding the index."""


@contextmanager
def rebuild_marker():
    """Hold the rebuild lock and show other processes that a rebuild is running."""
    fd = os.open(root() / "REBUILD.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RebuildRunning() from None
        marker = root() / "REBUILDING"
        marker.write_text(str(time.time()))
        try:
            yield
        finally:
            marker.unlink(missing_ok=True)
    finally:
        os.close(fd)


def current_generation():
    return _read_current()


def status():
    """Facts about the live index for ``thuvien index status``."""
    s = searcher()
    return {
        "documents": s.num_docs,
        "segments": s.num_segments,
        "generation": current_generation(),
        "rebuilding": rebuilding(),
        "path": str(root()),
    }


def reset_process_state():
    """Forget the open index (tests point SEARCH_INDEX_DIR elsewhere)."""
    with _lock:
        _state.update(generation=None, index=None, checked=0.0, commit=None, searcher=None)


@contextmanager
def writer(heap_size=64_000_000, num_threads=1, index=None):
    """An IndexWriter on the live index; raises IndexBusy if another process has it."""
    index = index or get_index()
    try:
        w = index.writer(heap_size, num_threads)
    except ValueError as exc:  # tantivy's lock is held elsewhere
        raise IndexBusy(str(exc)) from exc
    try:
        yield w
    except BaseException:
        w.rollback()
        raise
    finally:
        del w


def make_document(fields):
    doc = tantivy.Document()
    for name, value in fields.items():
        if isinstance(value, list):
            for v in value:
                doc.add_text(name, v) if isinstance(v, str) else doc.add_integer(name, v)
        elif name == "id":
            doc.add_unsigned(name, value)
        elif isinstance(value, int):
            doc.add_integer(name, value)
        else:
            doc.add_text(name, value)
    return doc


def write_documents(w, pairs):
    """Replace the documents of ``pairs`` = [(record_id, fields or None)]."""
    count = 0
    for record_id, fields in pairs:
        # By query: delete_documents_by_term takes a Python int as i64 and misses u64 ids.
        w.delete_documents_by_query(tantivy.Query.term_query(_schema, "id", record_id))
        if fields is not None:
            w.add_document(make_document(fields))
            count += 1
    return count
