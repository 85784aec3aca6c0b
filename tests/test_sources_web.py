"""sources.web: the ChEMBL REST path through the real client, against the local stand-in."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from senotarget.errors import ChemblSourceError
from senotarget.pipeline import run
from senotarget.report.files import TABLES
from senotarget.sources.web import WebSource
from tests.conftest import fixture_settings
from tests.stub import Fault, StubServer

TARGETS = ["CHEMBL90001", "CHEMBL90002", "CHEMBL90003", "CHEMBL90004", "CHEMBL90005",
           "CHEMBL90006", "CHEMBL90007"]  # fmt: skip


@pytest.fixture
def stub(chembl_db: Path) -> Iterator[StubServer]:
    with StubServer(chembl_db, idle_timeout=120) as server:
        yield server


def source(stub: StubServer, cache: Path | None, ttl: float = 0.0) -> WebSource:
    return WebSource(
        stub.base_url,
        cache_dir=cache,
        backoff=0.01,
        retries=3,
        timeout=(2.0, 2.0),
        page_size=5,
        status_ttl=ttl,
    )


def snapshot(web: WebSource) -> dict[str, pd.DataFrame]:
    return {
        "targets": web.search_targets(["BCL2", "JAK1", "P43490", "FRAP", "NOPE"], 9606),
        "activities": web.activities(TARGETS),
        "molecules": web.molecules([f"CHEMBL9000{i:02d}" for i in range(1, 17)]),
        "mechanisms": web.mechanisms(TARGETS),
    }


def test_web_and_sql_runs_give_identical_reports(
    chembl_db: Path, panel_file: Path, tmp_path: Path, stub: StubServer
) -> None:
    sql = run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="sql"))
    web = run(
        fixture_settings(
            chembl_db, panel_file, tmp_path, run_id="web", source="web", chembl_url=stub.base_url
        )
    )
    for name in TABLES:
        assert (Path(web.run_dir) / name).read_text() == (Path(sql.run_dir) / name).read_text(), (
            name
        )


def test_web_answers_match_the_sql_source(chembl_db: Path, stub: StubServer) -> None:
    from senotarget.sources.sql import SqlSource

    sql = SqlSource(str(chembl_db))
    web = source(stub, None)
    assert web.release() == sql.release() == "ChEMBL_99"
    for name, frame in snapshot(web).items():
        expected = {
            "targets": sql.search_targets(["BCL2", "JAK1", "P43490", "FRAP", "NOPE"], 9606),
            "activities": sql.activities(TARGETS),
            "molecules": sql.molecules([f"CHEMBL9000{i:02d}" for i in range(1, 17)]),
            "mechanisms": sql.mechanisms(TARGETS),
        }[name]
        expected = expected.sort_values(list(expected.columns[:1]), ignore_index=True)
        got = frame.sort_values(list(frame.columns[:1]), ignore_index=True)
        assert list(got.columns) == list(expected.columns), name
        pd.testing.assert_frame_equal(got.astype(str), expected.astype(str), obj=name)


FAULTS = [
    Fault("error", resource="activity", status=500),
    Fault("error", resource="molecule", status=502, times=2),
    Fault("truncate", resource="activity"),
    Fault("malformed", resource="mechanism"),
    Fault("drop", resource="target"),
    Fault("throttle", resource="activity", seconds=0.2),
    Fault("slow", resource="assay", seconds=3.0),
    Fault("repeat_row", resource="activity", on_offset=5),
    Fault("error", resource="activity", on_offset=10, status=502),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f"{f.kind}-{f.resource}" for f in FAULTS])
def test_each_fault_gives_the_clean_answer_and_nothing_bad_is_cached(
    stub: StubServer, tmp_path: Path, fault: Fault
) -> None:
    clean = snapshot(source(stub, None))
    stub.faults.add(fault)
    faulty = source(stub, tmp_path / "cache")
    for name, frame in snapshot(faulty).items():
        pd.testing.assert_frame_equal(frame, clean[name], obj=name)
    assert stub.faults.fired, "the fault never fired"
    faulty.close()
    stub.counters.reset()
    warm = source(stub, tmp_path / "cache")  # every page came from the cache: only /status asked
    for name, frame in snapshot(warm).items():
        pd.testing.assert_frame_equal(frame, clean[name], obj=name)
    assert stub.counters.snapshot()["requests"] == {"status": 1}


def test_retry_after_is_honoured(stub: StubServer) -> None:
    stub.faults.add(Fault("throttle", resource="mechanism", seconds=1.0))
    web = source(stub, None)
    start = time.monotonic()
    web.mechanisms(TARGETS)
    assert time.monotonic() - start >= 1.0


def test_giving_up_names_the_url_and_attempts(stub: StubServer) -> None:
    stub.faults.add(Fault("error", resource="mechanism", status=500, times=10))
    web = source(stub, None)
    with pytest.raises(ChemblSourceError) as caught:
        web.mechanisms(TARGETS)
    message = str(caught.value)
    assert stub.base_url in message and "after 4 attempts" in message and "\n" not in message


def test_a_new_release_misses_the_old_cache(stub: StubServer, tmp_path: Path) -> None:
    source(stub, tmp_path).mechanisms(TARGETS)
    stub.set_release("ChEMBL_100")
    stub.counters.reset()
    newer = source(stub, tmp_path)
    assert newer.release() == "ChEMBL_100"
    newer.mechanisms(TARGETS)
    assert stub.counters.snapshot()["requests"].get("mechanism") == 2  # both pages, refetched
    assert sorted(p.name for p in tmp_path.glob("chembl_web_ChEMBL*")) == [
        "chembl_web_ChEMBL_100.sqlite",
        "chembl_web_ChEMBL_99.sqlite",
    ]


def test_warm_rerun_within_the_status_ttl_asks_nothing(stub: StubServer, tmp_path: Path) -> None:
    snapshot(source(stub, tmp_path, ttl=3600))
    stub.counters.reset()
    snapshot(source(stub, tmp_path, ttl=3600))
    assert stub.counters.snapshot()["total"] == 0  # fmt: skip


def test_unreachable_api_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ChemblSourceError) as caught:
        WebSource("http://127.0.0.1:9/chembl/api/data", cache_dir=None, retries=1, backoff=0.01)
    assert "http://127.0.0.1:9/chembl/api/data" in str(caught.value)
    assert "cannot be reached" in str(caught.value)


def offline(stub: StubServer, cache: Path) -> WebSource:
    return WebSource(stub.base_url, cache_dir=cache, page_size=5, offline=True, retries=0)


def test_offline_answers_from_the_cache_without_a_request(stub: StubServer, tmp_path: Path) -> None:
    online = snapshot(source(stub, tmp_path))
    stub.counters.reset()
    answers = snapshot(offline(stub, tmp_path))
    for name, frame in answers.items():
        pd.testing.assert_frame_equal(frame, online[name], obj=name)
    assert stub.counters.snapshot()["total"] == 0


def test_offline_without_a_cache_says_how_to_fill_it(stub: StubServer, tmp_path: Path) -> None:
    with pytest.raises(ChemblSourceError, match="no cached release to answer --offline from"):
        offline(stub, tmp_path)
    assert stub.counters.snapshot()["total"] == 0


def test_offline_run_lists_the_missing_pages(
    chembl_db: Path, panel_file: Path, tmp_path: Path, stub: StubServer
) -> None:
    source(stub, tmp_path / "cache" / "web").mechanisms(TARGETS)  # only part of what a run needs
    stub.counters.reset()
    settings = fixture_settings(
        chembl_db, panel_file, tmp_path, source="web", chembl_url=stub.base_url, offline=True
    )
    with pytest.raises(ChemblSourceError) as caught:
        run(settings)
    message = str(caught.value)
    assert "--offline:" in message and "page(s) are not in the cache (target [" in message
    assert message.endswith("run once online (without --offline) to fill the cache")
    assert stub.counters.snapshot()["total"] == 0
    assert not (tmp_path / "reports").exists() or list((tmp_path / "reports").iterdir()) == []


#: A child process that fetches through the web source and prints a digest of what it got.
CHILD = """
import hashlib, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from senotarget.sources.web import WebSource
web = WebSource(sys.argv[1], cache_dir=Path(sys.argv[2]), page_size=2, status_ttl=0, backoff=0.01)
frames = [web.activities(sys.argv[4].split(",")), web.mechanisms(sys.argv[4].split(","))]
print(hashlib.sha256("".join(f.to_csv() for f in frames).encode()).hexdigest())
"""


def child(stub: StubServer, cache: Path) -> subprocess.Popen[str]:
    root = str(Path(__file__).resolve().parents[1])
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, stub.base_url, str(cache), root, ",".join(TARGETS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_fetch_resumes_with_only_the_missing_pages(stub: StubServer, tmp_path: Path) -> None:
    stub.faults.add(Fault("slow", resource="activity", on_offset=10, seconds=30.0))
    process = child(stub, tmp_path)
    deadline = time.monotonic() + 20
    while stub.counters.snapshot()["requests"].get("activity", 0) < 6:  # 5 pages done, 6th slow
        assert time.monotonic() < deadline, "the child never reached the slow page"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    stub.faults.clear()
    stub.counters.reset()
    again = child(stub, tmp_path)
    _out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    # 20 activities at 2 a page are 10 pages: the 5 read before the kill come from the cache
    assert stub.counters.snapshot()["requests"]["activity"] == 5


def test_two_runs_at_once_share_one_cache(stub: StubServer, tmp_path: Path) -> None:
    first, second = child(stub, tmp_path), child(stub, tmp_path)
    outputs = [p.communicate(timeout=60) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], [e for _, e in outputs]
    assert outputs[0][0] == outputs[1][0]
    stub.counters.reset()
    third = child(stub, tmp_path)
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0 and out == outputs[0][0], err
    assert set(stub.counters.snapshot()["requests"]) == {"status"}  # the cache stayed readable
