"""sources.web: the ChEMBL REST path through the real client, against the local stand-in."""

from __future__ import annotations

import dataclasses
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, Self

import pandas as pd
import pytest
import requests

from senotarget.errors import ChemblSourceError
from senotarget.pipeline import run
from senotarget.report.files import TABLES
from senotarget.sources import web as web_module
from senotarget.sources.web import WebSource
from tests.conftest import fixture_settings
from tests.stub import Fault, StubServer
from tests.stub.server import spore

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
        "synonyms": web.synonyms(9606),
        "names": web.molecules_by_name(["bcl-101", "JK-7", "BCLINIB", "NONE"]),
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
            "synonyms": sql.synonyms(9606),
            "names": sql.molecules_by_name(["bcl-101", "JK-7", "BCLINIB", "NONE"]),
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


@pytest.mark.parametrize("existing", [False, True], ids=["new cache folder", "existing folder"])
def test_an_unreachable_api_leaves_no_cache_behind(tmp_path: Path, existing: bool) -> None:
    cache = tmp_path / "cache" / "web"
    if existing:
        cache.mkdir(parents=True)
        (cache / "mine.txt").write_text("kept", encoding="utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(ChemblSourceError):
        WebSource("http://127.0.0.1:9/chembl/api/data", cache_dir=cache, retries=1, backoff=0.01)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


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


# --------------------------------------------------------------------------------------------------
# The retry policy, reply by reply: a scripted /status server, and a sleep that only records.


class Reply(NamedTuple):
    """One scripted reply to ``/status.json``; ``kind`` ``drop`` closes the connection unanswered,
    ``slow`` answers after ``seconds``."""

    status: int = 200
    headers: dict[str, str] = {}  # noqa: RUF012 - never mutated
    body: bytes = b'{"chembl_db_version": "ChEMBL_99"}'
    kind: str = "reply"
    seconds: float = 0.0


class Scripted:
    """An HTTP server on 127.0.0.1 that answers ``/status.json`` from a script of replies (then
    200), serves ``/spore`` so the real client builds itself, and counts ``/status`` requests."""

    def __init__(self, *replies: Reply) -> None:
        self.script = list(replies)
        self.status_requests = 0
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.endswith("/spore"):
                    self.send(Reply(body=json.dumps(spore(scripted.base_url)).encode()))
                    return
                scripted.status_requests += 1
                self.send(scripted.script.pop(0) if scripted.script else Reply())

            def send(self, reply: Reply) -> None:
                if reply.kind == "drop":
                    self.close_connection = True
                    return
                time.sleep(reply.seconds)
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:  # a slow reply's client has timed out and gone
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/chembl/api/data"

    def __enter__(self) -> Self:
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


BACKOFF = 0.5
MALFORMED = Reply(body=b'{"chembl_db_version" "ChEMBL_99"')
FOREVER_500 = [Reply(500)] * 10


class Case(NamedTuple):
    name: str
    replies: list[Reply]
    attempts: int  # /status requests made
    sleeps: list[float]  # the waits, in order
    error: str | None  # a fragment of the error, None: the source opens


CASES = [
    Case("404 fails at once", [Reply(404, body=b"{}")], 1, [], "status.json answered HTTP 404"),
    Case("400 fails at once", [Reply(400, body=b"{}")], 1, [], "answered HTTP 400 Bad Request"),
    Case("403 fails at once", [Reply(403)], 1, [], "the server refuses access"),
    Case("500 then 200: one retry", [Reply(500)], 2, [BACKOFF], None),
    Case("502 twice: backoff doubles", [Reply(502), Reply(502)], 3, [BACKOFF, 2 * BACKOFF], None),
    Case("503 without Retry-After: backoff", [Reply(503)], 2, [BACKOFF], None),
    Case("503 Retry-After 3 waits 3 s", [Reply(503, {"Retry-After": "3"})], 2, [3.0], None),
    Case("429 Retry-After 2 waits 2 s", [Reply(429, {"Retry-After": "2"})], 2, [2.0], None),
    Case("429 bad Retry-After: backoff", [Reply(429, {"Retry-After": "soon"})], 2, [BACKOFF], None),
    Case(
        "429 HTTP-date in the past: no wait",
        [Reply(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})],
        2,
        [0.0],
        None,
    ),
    Case("500 Retry-After is not obeyed", [Reply(500, {"Retry-After": "7"})], 2, [BACKOFF], None),
    Case("malformed JSON is retried", [MALFORMED], 2, [BACKOFF], None),
    Case("HTML with 200 is retried", [Reply(body=b"<html></html>")], 2, [BACKOFF], None),
    Case(
        "Retry-After beyond MAX_WAIT fails at once",
        [Reply(429, {"Retry-After": "300"})],
        1,
        [],
        "after 1 attempt (HTTP 429; the server asks to wait 300 s)",
    ),
    Case(
        "500 forever gives up after N+1",
        FOREVER_500,
        4,
        [BACKOFF, 2 * BACKOFF, 4 * BACKOFF],
        "cannot be reached after 4 attempts (HTTP 500)",
    ),
    Case(
        "a dropped connection is retried",
        [Reply(kind="drop")] * 10,
        4,
        [BACKOFF, 2 * BACKOFF, 4 * BACKOFF],
        "cannot be reached after 4 attempts (ConnectionError)",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_status_reply_is_retried_only_when_transient(case: Case) -> None:
    sleeps: list[float] = []
    with Scripted(*case.replies) as server:
        if case.error is None:
            web = WebSource(
                server.base_url, cache_dir=None, retries=3, backoff=BACKOFF, sleep=sleeps.append
            )
            assert web.release() == "ChEMBL_99"
        else:
            with pytest.raises(ChemblSourceError) as caught:
                WebSource(
                    server.base_url, cache_dir=None, retries=3, backoff=BACKOFF, sleep=sleeps.append
                )
            message = str(caught.value)
            assert case.error in message and server.base_url in message and "\n" not in message
        assert server.status_requests == case.attempts
    assert sleeps == case.sleeps


def test_a_timeout_is_retried_then_raises_after_n_plus_one_attempts() -> None:
    sleeps: list[float] = []
    with Scripted(*[Reply(kind="slow", seconds=0.5)] * 3) as server:
        with pytest.raises(ChemblSourceError) as caught:
            WebSource(
                server.base_url,
                cache_dir=None,
                retries=2,
                backoff=0.1,
                timeout=(1.0, 0.1),
                sleep=sleeps.append,
            )
        deadline = time.monotonic() + 5  # the client may give up before the handler counts
        while server.status_requests < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.status_requests == 3
    assert "cannot be reached after 3 attempts (ReadTimeout)" in str(caught.value)
    assert sleeps == [0.1, 0.2]


def test_a_refused_connection_fails_after_15_s_of_waits_each_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as bound:  # bound, never listening: every connection is refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}/chembl/api/data"
        sleeps: list[float] = []
        with (
            caplog.at_level(logging.INFO, logger="senotarget.sources.web"),
            pytest.raises(ChemblSourceError) as caught,
        ):
            WebSource(url, cache_dir=None, sleep=sleeps.append)  # the default policy
    assert str(caught.value) == (
        f"ChEMBL source {url}: cannot be reached after 5 attempts (ConnectionError): check "
        "--chembl-url and the network, or use a local release with --chembl-db"
    )
    assert sleeps == [1.0, 2.0, 4.0, 8.0] and sum(sleeps) == 15.0
    assert [r.getMessage() for r in caplog.records] == [
        f"ChEMBL /status at {url}: attempt {n} of 5 failed (ConnectionError); next attempt in {w} s"
        for n, w in [(1, 1), (2, 2), (3, 4), (4, 8)]
    ]
    assert {r.levelno for r in caplog.records} == {logging.WARNING}


NOT_URLS = [
    "notaurl",
    "file:///etc/passwd",
    "ftp://ftp.ebi.ac.uk/pub/databases/chembl",
    "http://",
    "https:///chembl/api/data",
    "//www.ebi.ac.uk/chembl/api/data",
    "http://www.ebi.ac.uk:port/chembl/api/data",
    "",
]


@pytest.mark.parametrize("url", NOT_URLS)
def test_not_an_http_url_fails_with_zero_attempts(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    monkeypatch.setattr(
        requests.adapters.HTTPAdapter,
        "send",
        lambda _self, request, **_kw: sent.append(request.url),
    )
    sleeps: list[float] = []
    with pytest.raises(ChemblSourceError) as caught:
        WebSource(url, cache_dir=None, sleep=sleeps.append)
    assert str(caught.value) == (
        f"ChEMBL source {url}: is not an http(s) URL: pass e.g. https://www.ebi.ac.uk/chembl/api/data"
    )
    assert sent == [] and sleeps == []


def test_a_certificate_failure_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []

    def refuse(_self: object, request: requests.PreparedRequest, **_kw: object) -> None:
        sent.append(str(request.url))
        raise requests.exceptions.SSLError("certificate verify failed")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
    sleeps: list[float] = []
    with pytest.raises(ChemblSourceError) as caught:
        WebSource("https://chembl.invalid/api", cache_dir=None, sleep=sleeps.append)
    assert str(caught.value) == (
        "ChEMBL source https://chembl.invalid/api: refused the TLS connection (SSLError; not "
        "retried): check the URL's host and the machine's CA certificates (REQUESTS_CA_BUNDLE)"
    )
    assert len(sent) == 1 and sleeps == []


NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
RETRY_AFTER = [
    ("2", 2.0),
    ("0", 0.0),
    (" 1.5 ", 1.5),
    ("-1", None),
    ("nan", None),
    ("inf", None),
    ("soon", None),
    ("", None),
    (None, None),
    ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
    ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # a date already past: no wait
    ("Wed, 21 Oct 2015 07:29:00 -0000", 60.0),
]


@pytest.mark.parametrize(("value", "seconds"), RETRY_AFTER)
def test_retry_after_header_is_read_in_both_forms(value: str | None, seconds: float | None) -> None:
    assert web_module._retry_after(value, now=NOW) == seconds


def test_a_404_page_is_tried_once_and_names_the_url(stub: StubServer) -> None:
    sleeps: list[float] = []
    web = WebSource(stub.base_url, cache_dir=None, backoff=0.01, page_size=5, sleep=sleeps.append)
    stub.faults.add(Fault("error", resource="mechanism", status=404, times=10))
    with pytest.raises(ChemblSourceError) as caught:
        web.mechanisms(TARGETS)
    assert str(caught.value) == (
        f"ChEMBL source {stub.base_url}: {stub.base_url}/mechanism.json answered HTTP 404 Not "
        "Found (not retried): pass --chembl-url the ChEMBL REST API base, e.g. "
        "https://www.ebi.ac.uk/chembl/api/data"
    )
    assert stub.counters.snapshot()["requests"]["mechanism"] == 1 and sleeps == []


PAGE_FAULTS = [
    Fault("error", resource="activity", on_offset=5, status=500),
    Fault("throttle", resource="activity", on_offset=5, seconds=2.0),
    Fault("malformed", resource="activity", on_offset=5),
    Fault("truncate", resource="activity", on_offset=5),
    Fault("drop", resource="activity", on_offset=5),
]


@pytest.mark.parametrize("fault", PAGE_FAULTS, ids=[f.kind for f in PAGE_FAULTS])
def test_a_failed_page_is_retried_once_from_its_own_offset(
    stub: StubServer, tmp_path: Path, fault: Fault
) -> None:
    sleeps: list[float] = []
    web = WebSource(
        stub.base_url, cache_dir=tmp_path, backoff=0.01, page_size=5, sleep=sleeps.append
    )
    stub.faults.add(dataclasses.replace(fault))  # a fresh copy: a rule spends its `times`
    assert len(web.activities(TARGETS)) == 20
    # 20 activities are 4 pages of 5: the page at offset 5 is asked twice, the others once
    requests_made = stub.counters.snapshot()["requests"]
    assert requests_made == {"status": 1, "spore": 1, "activity": 5, "assay": 2}
    assert sleeps == [2.0 if fault.kind == "throttle" else 0.01]


def test_web_chembl_properties_match_the_sql_source(tmp_path: Path) -> None:
    """A release with its own QED and alerts, through the stand-in and through SQL."""
    from senotarget.sources.sql import SqlSource
    from tests.chembl_fixture import build_chembl_db

    db = build_chembl_db(tmp_path / "db.sqlite", chembl_chemistry=True)
    ids = ["CHEMBL900001", "CHEMBL900007", "CHEMBL900003"]
    sql = SqlSource(str(db))
    with StubServer(db, idle_timeout=120) as server:
        web = WebSource(server.base_url, cache_dir=None, backoff=0.01, retries=1, page_size=5)
        got = web.chembl_properties(ids)
    expected = sql.chembl_properties(ids)
    sql.close()
    pd.testing.assert_frame_equal(got.astype(str), expected.astype(str))
    assert got["qed_weighted"].tolist()[:2] == [0.42, 0.77]
