import numpy as np
import pytest

from cnnlab import config


@pytest.mark.parametrize("raw, expected", [("1", True), ("true", True), ("YES", True), (" on ", True),
                                           ("0", False), ("", False), ("off", False), ("No", False)])
def test_quick_reads_yes_no_values(raw, expected):
    assert config.quick({"CNNLAB_QUICK": raw}) is expected


def test_quick_is_off_when_unset():
    assert config.quick({}) is False


def test_quick_rejects_a_value_it_cannot_read():
    with pytest.raises(ValueError, match=r"CNNLAB_QUICK='maybe'.*set it to 1 \(on\) or 0 \(off\)"):
        config.quick({"CNNLAB_QUICK": "maybe"})


def test_quick_follows_the_process_environment(monkeypatch):
    monkeypatch.setenv("CNNLAB_QUICK", "1")
    assert config.quick() is True
    monkeypatch.setenv("CNNLAB_QUICK", "0")
    assert config.quick() is False


def test_cap_picks_by_mode_and_never_adds_work():
    assert config.cap(30, 2, environ={"CNNLAB_QUICK": "1"}) == 2
    assert config.cap(30, 2, environ={"CNNLAB_QUICK": "0"}) == 30
    assert config.cap("full", "subset", environ={"CNNLAB_QUICK": "1"}) == "subset"
    with pytest.raises(ValueError, match=r"quick_value=50 is larger than normal=30"):
        config.cap(30, 50, environ={})


def test_offline_flag():
    assert config.offline({"CNNLAB_OFFLINE": "1"}) is True
    assert config.offline({}) is False


def test_data_dir_and_cache_dir(tmp_path):
    assert config.data_dir({}) is None
    assert config.data_dir({"CNNLAB_DATA_DIR": "  "}) is None
    assert config.data_dir({"CNNLAB_DATA_DIR": str(tmp_path)}) == tmp_path
    assert config.cache_dir({"CNNLAB_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert config.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "cnnlab"
    assert config.cache_dir({}).parts[-2:] == (".cache", "cnnlab")


def test_set_seed_makes_numpy_repeatable():
    config.set_seed(3)
    first = np.random.rand(4)
    config.set_seed(3)
    np.testing.assert_array_equal(first, np.random.rand(4))


@pytest.mark.parametrize("bad", [-1, 1.5, "42", True, None])
def test_set_seed_rejects_non_integers(bad):
    with pytest.raises(ValueError, match=r"seed=.* is not a non-negative integer"):
        config.set_seed(bad)
