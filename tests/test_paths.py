"""tests/paths.py finds the shared samples from wherever the tests are checked out."""

from paths import TESTDATA, find_testdata


def test_testdata_is_found_and_holds_the_samples(testdata):
    assert testdata == TESTDATA
    assert (testdata / "README.md").is_file() and (testdata / "marc").is_dir()


def test_search_goes_up_from_the_tests_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("THUVIEN_TESTDATA", raising=False)
    (tmp_path / "shared" / "testdata").mkdir(parents=True)
    deep = tmp_path / "wt" / "clone" / "tests" / "conftest.py"
    deep.parent.mkdir(parents=True)
    assert find_testdata(deep) == tmp_path / "shared" / "testdata"
    (tmp_path / "wt" / "clone" / "shared" / "testdata").mkdir(parents=True)
    assert find_testdata(deep) == tmp_path / "wt" / "clone" / "shared" / "testdata"  # the nearest wins


def test_environment_overrides_and_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("THUVIEN_TESTDATA", str(tmp_path / "mine"))
    assert find_testdata(tmp_path / "a" / "b.py") == tmp_path / "mine"
    monkeypatch.delenv("THUVIEN_TESTDATA")
    lonely = tmp_path / "nowhere" / "tests" / "conftest.py"
    if not any((p / "shared" / "testdata").is_dir() for p in lonely.parents):
        assert str(find_testdata(lonely)) == "/work/shared/testdata"
