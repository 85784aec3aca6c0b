"""partitions: the spill of curated partitions and the deal of rows by parent compound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from senotarget.util.partitions import Spill, bucket_of, peak_rss_mb


def test_spill_round_trips_every_dtype_and_cleans_up(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "c"], dtype="str"),
            "objects": pd.Series(["x", None, "z"], dtype=object),
            "counts": pd.Series([1, None, 3], dtype="Int64"),
            "values": [0.5, float("nan"), 2.0],
            "flags": [True, False, True],
        }
    )
    with Spill(tmp_path / "cache") as spill:
        spill.put("one", frame)
        spill.put("two", frame.iloc[1:])
        pd.testing.assert_frame_equal(spill.get("one"), frame)
        pd.testing.assert_frame_equal(spill.get("two"), frame.iloc[1:])
        assert spill.names() == ["one", "two"]
        folder = spill.path
        assert folder.parent == tmp_path / "cache"
    assert not folder.exists()
    assert not (tmp_path / "cache").exists()  # the folder it made for itself, empty, goes too


def test_a_spill_never_used_makes_no_folder(tmp_path: Path) -> None:
    with Spill(tmp_path / "cache" / "partitions"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_spill_leaves_folders_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "cache" / "structures").mkdir(parents=True)
    with Spill(tmp_path / "cache" / "partitions") as spill:
        spill.put("x", pd.DataFrame({"a": [1]}))
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["structures"]


def test_a_dropped_name_never_gives_its_file_to_a_new_one(tmp_path: Path) -> None:
    """Regression: numbering files by the count of names reused a dropped name's number."""
    with Spill(tmp_path) as spill:
        for name in ("a", "b", "c"):
            spill.put(name, pd.DataFrame({"name": [name]}))
        spill.drop("a")
        spill.put("d", pd.DataFrame({"name": ["d"]}))
        assert [spill.get(n)["name"].iloc[0] for n in ("b", "c", "d")] == ["b", "c", "d"]
        with pytest.raises(KeyError):
            spill.get("a")


def test_a_read_only_cache_spills_to_the_system_temp(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    with Spill(blocked / "partitions") as spill:
        spill.put("x", pd.DataFrame({"a": [1]}))
        assert spill.path.name.startswith("senotarget-partitions-")
    assert not spill.path.exists()


@pytest.mark.parametrize("buckets", [1, 2, 7, 64])
def test_bucket_of_is_stable_and_in_range(buckets: int) -> None:
    keys = pd.Series([f"CHEMBL{i}" for i in range(500)] * 2)
    first = bucket_of(keys, buckets)
    assert first.tolist() == bucket_of(keys.copy(), buckets).tolist()
    assert first.min() >= 0 and first.max() < buckets
    assert first[:500].tolist() == first[500:].tolist()  # one key, one partition
    if buckets > 1:
        assert len(np.unique(first)) == buckets  # 500 keys reach every partition


def test_bucket_of_is_fixed_across_processes() -> None:
    """pandas' hash, not Python's salted one: the same partition on every worker of a cluster."""
    import subprocess
    import sys

    code = (
        "import pandas as pd; from senotarget.util.partitions import bucket_of; "
        "print(bucket_of(pd.Series(['CHEMBL25', 'CHEMBL1201583', 'CHEMBL413']), 8).tolist())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1


def test_bucket_of_needs_one_bucket() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        bucket_of(pd.Series(["a"]), 0)


def test_peak_rss_is_a_positive_number_of_mib() -> None:
    peak = peak_rss_mb()
    assert 10 < peak < 100_000
