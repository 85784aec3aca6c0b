"""Regression tests: one test per behaviour that was once wrong.

Each test is named after the behaviour it holds in place and says, in a comment, what used to
happen. Add new ones in a section of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from senotarget.errors import ChemblSourceError
from senotarget.sources.web import WebSource
from tests.stub import Fault, StubServer

# --------------------------------------------------------------------------------------------------
# sources.web: the retry policy


@pytest.fixture
def web_stub(chembl_db: Path) -> Iterator[StubServer]:
    with StubServer(chembl_db, idle_timeout=120) as server:
        yield server


@pytest.mark.parametrize("resource", ["status", "mechanism"])
def test_web_404_is_not_retried(web_stub: StubServer, resource: str) -> None:
    # Was: a 404 (a wrong --chembl-url) was retried like a 5xx, 7 times over about two minutes.
    sleeps: list[float] = []

    def open_source() -> WebSource:
        return WebSource(web_stub.base_url, cache_dir=None, sleep=sleeps.append)

    web = open_source() if resource == "mechanism" else None  # a page: the source opens first
    web_stub.faults.add(Fault("error", resource=resource, status=404, times=10))
    web_stub.counters.reset()
    with pytest.raises(ChemblSourceError) as caught:
        if web is None:
            open_source()
        else:
            web.mechanisms(["CHEMBL90001"])
    assert web_stub.counters.snapshot()["requests"] == {resource: 1}
    assert sleeps == []
    message = str(caught.value)
    assert (
        f"{web_stub.base_url}/{resource}.json answered HTTP 404 Not Found (not retried)" in message
    )
    assert message.endswith("pass --chembl-url the ChEMBL REST API base, e.g. "
                            "https://www.ebi.ac.uk/chembl/api/data")  # fmt: skip
    assert "\n" not in message


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_web_does_not_sleep_after_last_attempt(web_stub: StubServer, retries: int) -> None:
    # Was: the /status loop slept its backoff after the last attempt too, before raising.
    web_stub.faults.add(Fault("error", resource="status", status=500, times=10))
    sleeps: list[float] = []
    with pytest.raises(ChemblSourceError) as caught:
        WebSource(
            web_stub.base_url, cache_dir=None, retries=retries, backoff=1.0, sleep=sleeps.append
        )
    attempts = retries + 1
    assert web_stub.counters.snapshot()["requests"] == {"status": attempts}
    assert sleeps == [1.0, 2.0, 4.0][:retries]  # N attempts, N - 1 sleeps
    assert f"cannot be reached after {attempts} attempt" in str(caught.value)
