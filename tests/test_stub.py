"""The ChEMBL REST stand-in (tests/stub): shape, filters, paging, faults, counters, real client."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.stub import Fault, Faults, StubServer

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "chembl" / "api_samples"
ROOT = Path(__file__).resolve().parents[1]
OVERRIDE = {"X-HTTP-Method-Override": "GET"}
#: Fields today's API serves that the (2017-era) recorded samples predate.
NEWER_THAN_SAMPLES = {"parent_molecule_chembl_id", "action_type"}


@pytest.fixture(scope="module")
def stub(chembl_db: Path) -> Iterator[StubServer]:
    with StubServer(chembl_db) as server:
        yield server


@pytest.fixture
def server(stub: StubServer) -> StubServer:
    stub.faults.clear()
    stub.counters.reset()
    stub.set_release(None)
    return stub


def get(server: StubServer, path: str, **params: Any) -> requests.Response:
    return requests.get(server.base_url + path, params=params, timeout=5)


def post(server: StubServer, path: str, pairs: list[list[Any]]) -> requests.Response:
    """As the real client sends a list query: string values percent-quoted, pairs in a list."""
    body = [[k, quote(v) if isinstance(v, str) else v] for k, v in pairs]
    return requests.post(server.base_url + path, json=body, headers=OVERRIDE, timeout=5)


def sample(name: str) -> Any:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"no recorded sample {path}")
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------------
# shape


@pytest.mark.parametrize(
    ("path", "sample_file", "pick"),
    [
        ("/molecule/CHEMBL900004.json", "webchem_httptest/molecule_CHEMBL25.json.json", None),
        ("/assay/CHEMBL700001.json", "webchem_httptest/assay_CHEMBL771355.json.json", None),
        (
            "/target/CHEMBL90005.json",
            "glados_testData/Targets_CHEMBL2363965-WS-Response.json",
            None,
        ),
        ("/mechanism.json", "glados_testData/WSCollectionTestData0.json", "mechanisms"),
        ("/activity.json", "glados_testData/ActivitiesTestData_first3_records.json", "activities"),
    ],
)
def test_objects_have_the_real_shape(
    server: StubServer, path: str, sample_file: str, pick: str | None
) -> None:
    reply = get(server, path)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    served = reply.json()[pick][0] if pick else reply.json()
    real = sample(sample_file)
    real = real[0] if isinstance(real, list) else real
    assert set(served) - NEWER_THAN_SAMPLES <= set(real)
    for nested in ("molecule_hierarchy", "molecule_structures"):
        if nested in served and served[nested] is not None:
            assert set(served[nested]) <= set(real[nested])
    if "target_components" in served:
        component = served["target_components"][0]
        real_component = next(
            c for c in real["target_components"] if c["target_component_synonyms"]
        )
        assert set(component) == set(real_component)
        assert set(component["target_component_synonyms"][0]) == set(
            real_component["target_component_synonyms"][0]
        )


def test_page_meta_and_value_types(server: StubServer) -> None:
    real = sample("webchem_httptest/atc_class.json-4b5950.json")
    body = get(server, "/activity.json", limit=3, offset=3).json()
    assert set(body) == {"activities", "page_meta"}
    meta = body["page_meta"]
    assert set(meta) == set(real["page_meta"])
    assert meta["limit"] == 3 and meta["offset"] == 3 and meta["total_count"] == 20
    assert meta["next"] == "/chembl/api/data/activity.json?limit=3&offset=6"
    assert meta["previous"] == "/chembl/api/data/activity.json?limit=3&offset=0"
    acts = {
        a["activity_id"]: a for a in get(server, "/activity.json", limit=100).json()["activities"]
    }
    assert acts[1]["standard_value"] == "10" and acts[1]["pchembl_value"] == "8.00"
    assert acts[4]["pchembl_value"] is None
    assert acts[17]["action_type"] == {
        "action_type": "INHIBITOR",
        "description": None,
        "parent_type": "NEGATIVE MODULATOR",
    }
    assert acts[1]["action_type"] is None
    molecule = get(server, "/molecule/CHEMBL900011.json").json()
    assert molecule["max_phase"] == "3.0" and molecule["molecule_structures"] is None
    assert molecule["molecule_hierarchy"] is None


def test_status_and_release_change(server: StubServer) -> None:
    status = get(server, "/status.json").json()
    assert status["chembl_db_version"] == "ChEMBL_99" and status["status"] == "UP"
    assert "chembl_release_date" in status
    server.set_release("ChEMBL_100")
    assert get(server, "/status.json").json()["chembl_db_version"] == "ChEMBL_100"


def test_missing_object_is_a_json_404(server: StubServer) -> None:
    reply = get(server, "/molecule/CHEMBL1.json")
    assert reply.status_code == 404
    assert "error_message" in reply.json()
    assert get(server, "/nothing.json").status_code == 404


# --------------------------------------------------------------------------------------------------
# filters, only, paging

FILTERS: list[tuple[str, list[list[Any]], str, list[Any]]] = [
    (
        "activity",
        [["target_chembl_id__in", "CHEMBL90001,CHEMBL90002"]],
        "activity_id",
        [1, 2, 3, 13, 14, 16, 20],
    ),
    (
        "activity",
        [["target_chembl_id", "CHEMBL90001"], ["pchembl_value__gte", "8"]],
        "activity_id",
        [1, 13, 14],
    ),
    (
        "activity",
        [["assay_chembl_id__exact", "CHEMBL700004"], ["pchembl_value__isnull", "true"]],
        "activity_id",
        [4, 11],
    ),
    (
        "activity",
        [["molecule_chembl_id", "CHEMBL900016"], ["standard_value__lte", "100"]],
        "activity_id",
        [17, 18, 19],
    ),
    ("activity", [["data_validity_comment__isnull", "false"]], "activity_id", [14]),
    (
        "assay",
        [["confidence_score__gte", 9], ["assay_type__iexact", "b"]],
        "assay_chembl_id",
        ["CHEMBL700001", "CHEMBL700002", "CHEMBL700006", "CHEMBL700009"],
    ),
    (
        "assay",
        [["description__icontains", "jak"]],
        "assay_chembl_id",
        ["CHEMBL700004", "CHEMBL700005", "CHEMBL700008", "CHEMBL700010"],
    ),
    (
        "target",
        [["target_components__accession", "P23458"]],
        "target_chembl_id",
        ["CHEMBL90003", "CHEMBL90005"],
    ),
    (
        "target",
        [["target_components__accession__in", "P10415,P10417"]],
        "target_chembl_id",
        ["CHEMBL90001", "CHEMBL90008"],
    ),
    (
        "target",
        [["target_synonym__iexact", "bcl2"], ["tax_id", 9606]],
        "target_chembl_id",
        ["CHEMBL90001"],
    ),
    (
        "target",
        [["target_synonym__icontains", "jak"], ["target_type", "SINGLE PROTEIN"]],
        "target_chembl_id",
        ["CHEMBL90003", "CHEMBL90004"],
    ),
    (
        "molecule",
        [["molecule_chembl_id__in", "CHEMBL900003,CHEMBL900004,CHEMBL900099"]],
        "molecule_chembl_id",
        ["CHEMBL900003", "CHEMBL900004"],
    ),
    (
        "molecule",
        [["pref_name__icontains", "bclinib"], ["max_phase__gte", 4]],
        "molecule_chembl_id",
        ["CHEMBL900001", "CHEMBL900002"],
    ),
    ("mechanism", [["target_chembl_id__in", "CHEMBL90001,CHEMBL90007"]], "mec_id", [1, 4, 5, 7]),
    ("mechanism", [["action_type", "ACTIVATOR"]], "mec_id", [4, 6]),
]


@pytest.mark.parametrize(("resource", "pairs", "key", "expected"), FILTERS)
def test_filters_and_only_over_get_and_post(
    server: StubServer, resource: str, pairs: list[list[Any]], key: str, expected: list[Any]
) -> None:
    collection = {"activity": "activities"}.get(resource, resource + "s")
    by_get = get(server, f"/{resource}.json", **dict(pairs), only=key, limit=100).json()
    by_post = post(server, f"/{resource}.json", [*pairs, ["only", key], ["limit", 100]]).json()
    for body in (by_get, by_post):
        rows = body[collection]
        assert [row[key] for row in rows] == expected
        assert all(set(row) == {key} for row in rows)
        assert body["page_meta"]["total_count"] == len(expected)


def test_post_accepts_list_values_and_repeated_only(server: StubServer) -> None:
    reply = requests.post(
        server.base_url + "/activity.json",
        json=[
            ["target_chembl_id__in", ["CHEMBL90003"]],
            ["only", "activity_id"],
            ["only", "pchembl_value"],
        ],
        headers=OVERRIDE,
        timeout=5,
    ).json()
    assert reply["activities"] == [
        {"activity_id": 4, "pchembl_value": None},
        {"activity_id": 11, "pchembl_value": None},
        {"activity_id": 12, "pchembl_value": "4.30"},
    ]


@pytest.mark.parametrize(
    ("query", "status"),
    [({"no_such_field": "1"}, 400), ({"limit": "x"}, 400), ({"tax_id__gte": "many"}, 400)],
)
def test_bad_queries_are_refused(server: StubServer, query: dict[str, str], status: int) -> None:
    assert get(server, "/target.json", **query).status_code == status


def test_post_without_override_is_refused(server: StubServer) -> None:
    reply = requests.post(server.base_url + "/activity.json", json=[], timeout=5)
    assert reply.status_code == 405


@pytest.mark.parametrize(
    ("resource", "collection", "total"),
    [
        ("activity", "activities", 20),
        ("molecule", "molecules", 16),
        ("target", "targets", 9),
    ],
)
def test_paging_walks_every_row_once(
    server: StubServer, resource: str, collection: str, total: int
) -> None:
    seen: list[dict[str, Any]] = []
    url: str | None = f"/chembl/api/data/{resource}.json?limit=2"
    origin = server.base_url.removesuffix("/chembl/api/data")
    while url is not None:
        body = requests.get(origin + url, timeout=5).json()
        assert len(body[collection]) <= 2
        seen.extend(body[collection])
        url = body["page_meta"]["next"]
    keys = [json.dumps(row, sort_keys=True) for row in seen]
    assert len(keys) == total == len(set(keys))


def test_limit_is_capped_at_1000(server: StubServer) -> None:
    assert get(server, "/activity.json", limit=5000).json()["page_meta"]["limit"] == 1000
    assert get(server, "/activity.json").json()["page_meta"]["limit"] == 20


# --------------------------------------------------------------------------------------------------
# faults and counters


@pytest.mark.parametrize("status", [500, 502])
def test_error_on_the_kth_request_then_recovers(server: StubServer, status: int) -> None:
    server.faults.add(Fault("error", resource="activity", after=1, times=2, status=status))
    codes = [get(server, "/activity.json").status_code for _ in range(4)]
    assert codes == [200, status, status, 200]
    assert get(server, "/target.json").status_code == 200
    reply = server.faults.fired
    assert reply == [("error", "activity", 0), ("error", "activity", 0)]


def test_error_on_page_offset(server: StubServer) -> None:
    server.faults.add(Fault("error", resource="activity", on_offset=4, status=502))
    assert get(server, "/activity.json", limit=2, offset=2).status_code == 200
    failed = get(server, "/activity.json", limit=2, offset=4)
    assert failed.status_code == 502 and failed.headers["Content-Type"].startswith("text/html")
    assert "<html>" in failed.text
    assert get(server, "/activity.json", limit=2, offset=4).status_code == 200


def test_throttle_once_with_retry_after(server: StubServer) -> None:
    server.faults.add(Fault("throttle", seconds=3))
    first = get(server, "/molecule.json")
    assert first.status_code == 429 and first.headers["Retry-After"] == "3"
    assert get(server, "/molecule.json").status_code == 200


def test_slow_reply(server: StubServer) -> None:
    server.faults.add(Fault("slow", resource="status", seconds=0.4))
    started = time.monotonic()
    assert get(server, "/status.json").status_code == 200
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    get(server, "/status.json")
    assert time.monotonic() - started < 0.4
    with pytest.raises(requests.exceptions.ReadTimeout):
        server.faults.add(Fault("slow", seconds=0.5))
        requests.get(server.base_url + "/status.json", timeout=0.1)


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_broken_json(server: StubServer, kind: Any) -> None:
    server.faults.add(Fault(kind, resource="activity"))
    reply = get(server, "/activity.json")
    assert reply.status_code == 200
    with pytest.raises(ValueError):
        reply.json()
    assert get(server, "/activity.json").json()["page_meta"]["total_count"] == 20


def test_connection_dropped_mid_body(server: StubServer) -> None:
    server.faults.add(Fault("drop", resource="activity"))
    with pytest.raises(
        (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    ):
        get(server, "/activity.json")
    assert get(server, "/activity.json").status_code == 200


def test_row_repeated_on_consecutive_pages(server: StubServer) -> None:
    server.faults.add(Fault("repeat_row", resource="activity", on_offset=2))
    first = get(server, "/activity.json", limit=2, offset=0).json()["activities"]
    second = get(server, "/activity.json", limit=2, offset=2).json()["activities"]
    assert second[0] == first[-1]
    assert [a["activity_id"] for a in second] == [2, 3, 4]


def test_faults_given_at_construction(chembl_db: Path) -> None:
    with StubServer(chembl_db, faults=Faults(Fault("error", resource="spore"))) as server:
        assert get(server, "/spore").status_code == 500
        assert get(server, "/spore").status_code == 200


def test_counters_count_and_reset(server: StubServer) -> None:
    sizes = [len(get(server, path).content) for path in ("/activity.json", "/activity.json")]
    sizes.append(len(get(server, "/status.json").content))
    snapshot = server.counters.snapshot()
    assert snapshot == {
        "requests": {"activity": 2, "status": 1},
        "total": 3,
        "bytes_sent": sum(sizes),
    }
    server.counters.reset()
    assert server.counters.snapshot() == {"requests": {}, "total": 0, "bytes_sent": 0}


def test_stops_when_idle_and_on_exit(chembl_db: Path) -> None:
    server = StubServer(chembl_db, idle_timeout=0.2).start()
    deadline = time.monotonic() + 5
    while server.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not server.running
    with StubServer(chembl_db) as other:
        url = other.base_url
        assert url.startswith("http://127.0.0.1:") and url.endswith("/chembl/api/data")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/status.json", timeout=2)


# --------------------------------------------------------------------------------------------------
# the real client

CLIENT_SCRIPT = """
import json, sys
from chembl_webresource_client.settings import Settings
settings = Settings.Instance()
settings.NEW_CLIENT_URL = sys.argv[1]
settings.CACHING = False
settings.MAX_LIMIT = int(sys.argv[2])
settings.TOTAL_RETRIES = 0
from chembl_webresource_client.new_client import new_client
rows = list(
    new_client.activity.filter(target_chembl_id__in=["CHEMBL90001"]).only(
        ["activity_id", "molecule_chembl_id"]
    )
)
targets = list(new_client.target.filter(target_synonym__iexact="BCLX").only("target_chembl_id"))
molecule = new_client.molecule.get("CHEMBL900003")
print(json.dumps({"rows": rows, "targets": targets, "molecule": molecule["pref_name"]}))
"""


@pytest.mark.parametrize("page_size", [1000, 2])
def test_the_real_client_reads_through_the_stub(server: StubServer, page_size: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CLIENT_SCRIPT, server.base_url, str(page_size)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["rows"] == [
        {"activity_id": i, "molecule_chembl_id": m}
        for i, m in [
            (1, "CHEMBL900001"),
            (2, "CHEMBL900001"),
            (13, "CHEMBL900012"),
            (14, "CHEMBL900013"),
            (16, "CHEMBL900015"),
            (20, "CHEMBL900001"),
        ]
    ]
    assert out["targets"] == [{"target_chembl_id": "CHEMBL90002"}]
    assert out["molecule"] == "JAKTIVE"
    assert server.counters.requests["spore"] == 1
    assert server.counters.requests["activity"] >= (1 if page_size == 1000 else 3)
