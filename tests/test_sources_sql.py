"""Tests of the sql ChEMBL source on the fixture database, and of choosing a source."""

from __future__ import annotations

import math
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from senotarget.config import load_settings
from senotarget.errors import ChemblSourceError, SenotargetError
from senotarget.schema import (
    ActionTypeCols,
    ActivityCols,
    ComponentCols,
    MechanismCols,
    MoleculeCols,
    MoleculeNameCols,
    SourceInfo,
    SynonymCols,
)
from senotarget.sources import ChemblSource, find_downloaded_release, open_source
from senotarget.sources import sql as sql_module
from senotarget.sources.sql import SqlSource

ALL_TARGETS = [f"CHEMBL9000{i}" for i in range(1, 9)]


@pytest.fixture
def source(chembl_db: Path) -> Iterator[SqlSource]:
    opened = SqlSource(str(chembl_db))
    yield opened
    opened.close()


def _records(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as tuples, with every missing value (None, NaN, pd.NA) as None."""
    return [
        tuple(
            None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v
            for v in row
        )
        for row in frame.itertuples(index=False)
    ]


def test_release_and_location(source: SqlSource, chembl_db: Path) -> None:
    assert source.release() == "ChEMBL_99"
    assert source.location == str(chembl_db.resolve())
    assert isinstance(source, ChemblSource)


def test_database_url_is_accepted(chembl_db: Path) -> None:
    """An sqlite:/// URL opens its file as a path does (read-only; never created if missing)."""
    url = f"sqlite:///{chembl_db}"
    opened = SqlSource(url)
    try:
        assert opened.location == str(chembl_db.resolve())
        assert opened.release() == "ChEMBL_99"
    finally:
        opened.close()


#: Folder names a release may sit in (regression: "#", "?" and "%25" once cut the path or
#: dropped mode=ro, so SQLite created an empty file beside the release).
ODD_FOLDERS = [
    "with space",
    "pct%",
    "hash#1",
    "what?x",
    "pct%25",
]


@pytest.mark.parametrize("folder", ODD_FOLDERS)
def test_path_with_url_characters(chembl_db: Path, tmp_path: Path, folder: str) -> None:
    odd = tmp_path / folder / "chembl 99.db"
    odd.parent.mkdir()
    shutil.copy(chembl_db, odd)
    try:
        opened = SqlSource(str(odd))
        try:
            assert opened.release() == "ChEMBL_99"
            assert opened.location == str(odd.resolve())
        finally:
            opened.close()
    finally:
        assert sorted(p.name for p in tmp_path.iterdir()) == [folder]


S, FAM = "SINGLE PROTEIN", "PROTEIN FAMILY"
#: The fixture's targets: type and preferred name.
TARGET_NAMES: dict[str, tuple[str, str]] = {
    "CHEMBL90001": (S, "Apoptosis regulator Bcl-2"),
    "CHEMBL90002": (S, "Apoptosis regulator Bcl-X"),
    "CHEMBL90003": (S, "Tyrosine-protein kinase JAK1"),
    "CHEMBL90004": (S, "Tyrosine-protein kinase JAK2"),
    "CHEMBL90005": (FAM, "Janus kinase family"),
    "CHEMBL90006": (S, "Nicotinamide phosphoribosyltransferase"),
    "CHEMBL90008": (S, "Mouse Bcl-2"),
}


def _hit(
    query: str,
    target: str,
    accession: str,
    symbol: str,
    matched_by: str,
    n: int = 1,
    tax: int = 9606,
) -> tuple[Any, ...]:
    """A row in ComponentCols.ORDER."""
    kind, name = TARGET_NAMES[target]
    return (query, target, kind, name, tax, accession, symbol, matched_by, n)


BCL2_HIT = _hit("BCL2", "CHEMBL90001", "P10415", "BCL2", "gene_symbol")

#: (case, queries, taxon, expected rows)
SEARCH_CASES: list[tuple[str, list[str], int, list[tuple[Any, ...]]]] = [
    (
        "symbol_accession_alias_unknown",
        ["BCL2", "P23458", "bclx", "NOPE"],
        9606,
        [
            BCL2_HIT,
            _hit("BCLX", "CHEMBL90002", "Q07817", "BCL2L1", "gene_symbol_other"),
            _hit("P23458", "CHEMBL90003", "P23458", "JAK1", "accession"),
            _hit("P23458", "CHEMBL90005", "P23458", "JAK1", "accession", n=2),
        ],
    ),
    ("lower_case_symbol", ["bcl2"], 9606, [BCL2_HIT]),
    (
        "single_and_family",
        ["JAK2"],
        9606,
        [
            _hit("JAK2", "CHEMBL90004", "O60674", "JAK2", "gene_symbol"),
            _hit("JAK2", "CHEMBL90005", "O60674", "JAK2", "gene_symbol", n=2),
        ],
    ),
    (
        "symbol_and_alias_of_one_component",
        ["PBEF1", "NAMPT"],
        9606,
        [
            _hit("NAMPT", "CHEMBL90006", "P43490", "NAMPT", "gene_symbol"),
            _hit("PBEF1", "CHEMBL90006", "P43490", "NAMPT", "gene_symbol_other"),
        ],
    ),
    (
        "mouse_taxon",
        ["BCL2"],
        10090,
        [_hit("BCL2", "CHEMBL90008", "P10417", "BCL2", "gene_symbol", tax=10090)],
    ),
    ("mouse_accession_in_human_taxon", ["P10417"], 9606, []),
    ("unknown", ["NOPE"], 9606, []),
    ("no_queries", [], 9606, []),
]


@pytest.mark.parametrize(
    ("queries", "tax_id", "expected"),
    [case[1:] for case in SEARCH_CASES],
    ids=[case[0] for case in SEARCH_CASES],
)
def test_search_targets(
    source: SqlSource, queries: list[str], tax_id: int, expected: list[tuple[Any, ...]]
) -> None:
    found = source.search_targets(queries, tax_id)
    assert list(found.columns) == list(ComponentCols.ORDER)
    assert _records(found) == expected
    if tax_id == 9606:
        assert "CHEMBL90008" not in set(found[ComponentCols.TARGET_CHEMBL_ID])


#: (target ids, expected activity ids)
ACTIVITY_CASES: list[tuple[list[str], list[int]]] = [
    (["CHEMBL90001"], [1, 2, 13, 14, 16, 20]),
    (["CHEMBL90004"], [9, 10, 15, 17, 18, 19]),
    (["CHEMBL90005", "CHEMBL90003"], [4, 5, 11, 12]),
    (["CHEMBL90008"], []),
    (["NOPE"], []),
    ([], []),
    (ALL_TARGETS, list(range(1, 21))),
]


@pytest.mark.parametrize(("targets", "expected"), ACTIVITY_CASES)
def test_activities_ids(source: SqlSource, targets: list[str], expected: list[int]) -> None:
    activities = source.activities(targets)
    assert list(activities.columns) == list(ActivityCols.ORDER)
    assert activities[ActivityCols.ACTIVITY_ID].tolist() == expected


def _activity(**values: Any) -> dict[str, Any]:
    """An expected activity row; missing values are None."""
    row = {**dict.fromkeys(ActivityCols.ORDER), **values}
    assert list(row) == list(ActivityCols.ORDER)
    return row


ON_BCL2 = {
    "target_chembl_id": "CHEMBL90001",
    "assay_chembl_id": "CHEMBL700001",
    "document_chembl_id": "CHEMBL800001",
    "assay_type": "B",
    "assay_description": "Inhibition of Bcl-2",
    "confidence_score": 9,
}
ON_JAK1 = {
    "target_chembl_id": "CHEMBL90003",
    "assay_chembl_id": "CHEMBL700004",
    "document_chembl_id": "CHEMBL800001",
    "assay_type": "B",
    "assay_description": "Inhibition of JAK1",
}
ON_JAK2 = {
    "target_chembl_id": "CHEMBL90004",
    "document_chembl_id": "CHEMBL800003",
    "confidence_score": 8,
}
IC50_NM = {"standard_type": "IC50", "standard_relation": "=", "standard_units": "nM"}

#: Full rows, by activity id.
ACTIVITY_ROWS: dict[int, dict[str, Any]] = {
    1: _activity(
        activity_id=1,
        molecule_chembl_id="CHEMBL900001",
        **ON_BCL2,
        **IC50_NM,
        standard_value=10,
        pchembl_value=8.0,
        potential_duplicate=0,
    ),
    4: _activity(
        activity_id=4,
        molecule_chembl_id="CHEMBL900003",
        **ON_JAK1,
        **IC50_NM,
        standard_value=5,
        potential_duplicate=0,
    ),
    11: _activity(
        activity_id=11,
        molecule_chembl_id="CHEMBL900009",
        **ON_JAK1,
        standard_type="IC50",
        potential_duplicate=0,
        activity_comment="Not Active",
    ),
    14: _activity(
        activity_id=14,
        molecule_chembl_id="CHEMBL900013",
        **ON_BCL2,
        **IC50_NM,
        standard_value=2,
        pchembl_value=8.7,
        data_validity_comment="Outside typical range",
        potential_duplicate=0,
    ),
    18: _activity(
        activity_id=18,
        molecule_chembl_id="CHEMBL900016",
        **ON_JAK2,
        assay_chembl_id="CHEMBL700005",
        assay_type="B",
        assay_description="Inhibition of JAK2",
        **IC50_NM,
        standard_value=100,
        pchembl_value=7.0,
        potential_duplicate=1,
        action_type="INHIBITOR",
    ),
    19: _activity(
        activity_id=19,
        molecule_chembl_id="CHEMBL900016",
        **ON_JAK2,
        assay_chembl_id="CHEMBL700010",
        assay_type="A",
        assay_description="Metabolic stability with JAK2",
        standard_type="IC50",
        standard_relation="=",
        standard_value=5,
        standard_units="uM",
        potential_duplicate=0,
    ),
}


def _dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(zip(frame.columns, row, strict=True)) for row in _records(frame)]


@pytest.mark.parametrize("activity_id", sorted(ACTIVITY_ROWS))
def test_activities_rows(source: SqlSource, activity_id: int) -> None:
    activities = source.activities(ALL_TARGETS)
    row = activities[activities[ActivityCols.ACTIVITY_ID] == activity_id]
    assert _dicts(row) == [ACTIVITY_ROWS[activity_id]]


JAKTIVE = "Cc1ccc(cc1)S(=O)(=O)N"

#: (molecule ids, expected rows in MoleculeCols.ORDER, sorted by id)
MOLECULE_CASES: list[tuple[list[str], list[tuple[Any, ...]]]] = [
    (
        ["CHEMBL900004", "CHEMBL900001", "CHEMBL900011", "CHEMBL900003", "NOPE"],
        [
            ("CHEMBL900001", "BCLINIB", 4, None, None, "CC(=O)Nc1ccc(O)cc1"),
            ("CHEMBL900003", "JAKTIVE", 2, None, "CHEMBL900003", JAKTIVE),
            (
                "CHEMBL900004",
                "JAKTIVE CITRATE",
                3,
                None,
                "CHEMBL900003",
                JAKTIVE + ".OC(=O)CC(O)(CC(=O)O)C(=O)O",
            ),
            ("CHEMBL900011", "MTORMAB", 3, None, None, None),
        ],
    ),
    (
        ["CHEMBL900008", "CHEMBL900008"],
        [("CHEMBL900008", None, None, None, None, "c1ccc2ccccc2c1")],
    ),
    (["NOPE"], []),
]


@pytest.mark.parametrize(("ids", "expected"), MOLECULE_CASES)
def test_molecules(source: SqlSource, ids: list[str], expected: list[tuple[Any, ...]]) -> None:
    molecules = source.molecules(ids)
    assert list(molecules.columns) == list(MoleculeCols.ORDER)
    assert sorted(_records(molecules)) == expected


#: (target ids, expected rows in MechanismCols.ORDER)
MECHANISM_CASES: list[tuple[list[str], list[tuple[Any, ...]]]] = [
    (
        ["CHEMBL90001", "CHEMBL90007", "CHEMBL90005"],
        [
            (1, "CHEMBL900001", "CHEMBL90001", "INHIBITOR", "Bcl-2 inhibitor"),
            (3, "CHEMBL900004", "CHEMBL90005", "INHIBITOR", "JAK inhibitor"),
            (4, "CHEMBL900005", "CHEMBL90007", "ACTIVATOR", "mTOR activator"),
            (5, "CHEMBL900005", "CHEMBL90001", "AGONIST", "Bcl-2 agonist"),
            (7, "CHEMBL900011", "CHEMBL90007", "INHIBITOR", "mTOR inhibitor"),
        ],
    ),
    (
        ["CHEMBL90006", "CHEMBL90002"],
        [
            (2, "CHEMBL900002", "CHEMBL90002", "INHIBITOR", "Bcl-xL inhibitor"),
            (6, "CHEMBL900006", "CHEMBL90006", "ACTIVATOR", "NAMPT activator"),
        ],
    ),
    (["CHEMBL90003"], []),
]


@pytest.mark.parametrize(("targets", "expected"), MECHANISM_CASES)
def test_mechanisms(source: SqlSource, targets: list[str], expected: list[tuple[Any, ...]]) -> None:
    mechanisms = source.mechanisms(targets)
    assert list(mechanisms.columns) == list(MechanismCols.ORDER)
    assert _records(mechanisms) == expected


def test_synonyms_list_every_name_of_the_taxons_components(source: SqlSource) -> None:
    synonyms = source.synonyms(9606)
    assert list(synonyms.columns) == list(SynonymCols.ORDER)
    rows = _records(synonyms)
    assert ("FRAP", "GENE_SYMBOL_OTHER", "P42345", "MTOR") in rows
    assert ("P42345", "ACCESSION", "P42345", "MTOR") in rows
    assert all(accession != "P10417" for _, _, accession, _ in rows)  # the mouse component
    assert len(rows) == 2 * 7 + 4  # 7 human components: symbol + accession, 4 other symbols


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["bcl-101"], [("BCL-101", "CHEMBL900001", "BCLINIB")]),  # a synonym, ignoring case
        (["Jaktive", "JK-7"], [("JAKTIVE", "CHEMBL900003", "JAKTIVE"),
                               ("JK-7", "CHEMBL900003", "JAKTIVE")]),
        (["none"], []),
        ([], []),
    ],
)  # fmt: skip
def test_molecules_by_name(
    source: SqlSource, names: list[str], expected: list[tuple[Any, ...]]
) -> None:
    found = source.molecules_by_name(names)
    assert list(found.columns) == list(MoleculeNameCols.ORDER)
    assert _records(found) == expected


def test_action_types(source: SqlSource) -> None:
    action_types = source.action_types()
    assert list(action_types.columns) == list(ActionTypeCols.ORDER)
    assert _records(action_types) == [
        ("ACTIVATOR", "POSITIVE MODULATOR"),
        ("AGONIST", "POSITIVE MODULATOR"),
        ("ANTAGONIST", "NEGATIVE MODULATOR"),
        ("BINDING AGENT", "OTHER"),
        ("INHIBITOR", "NEGATIVE MODULATOR"),
    ]


# -- chunking -------------------------------------------------------------------------------------

MOLECULE_IDS = [f"CHEMBL9000{i:02d}" for i in range(16, 0, -1)]
MECHANISM_TARGETS = ["CHEMBL90001", "CHEMBL90007", "CHEMBL90005"]


def _counting(opened: SqlSource, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every statement ``opened`` runs."""
    real = opened._rows
    calls: list[str] = []

    def counting(sql: str, **params: Any) -> list[tuple[Any, ...]]:
        calls.append(sql)
        return real(sql, **params)

    monkeypatch.setattr(opened, "_rows", counting)
    return calls


@pytest.fixture
def chunked(chembl_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqlSource]:
    """A source without JSON lists, opened while ``CHUNK`` is 2: lists of over two ids are split.

    This is the path of SQLite builds without the JSON functions and of dialects other than
    SQLite and PostgreSQL.
    """
    monkeypatch.setattr(sql_module, "CHUNK", 2)
    monkeypatch.setattr(SqlSource, "_has_json_each", lambda _self: False)
    opened = SqlSource(str(chembl_db))
    yield opened
    opened.close()


#: (method, ids, statements with CHUNK = 2, rows)
CHUNK_CASES: list[tuple[str, list[str], int, int]] = [
    ("activities", ALL_TARGETS, 4, 20),
    ("molecules", MOLECULE_IDS, 8, 16),
    ("mechanisms", ALL_TARGETS, 4, 7),
    ("activities", ["CHEMBL90005", "CHEMBL90005", "CHEMBL90003"], 1, 4),  # duplicates once
]


@pytest.mark.parametrize(("method", "ids", "statements", "n_rows"), CHUNK_CASES)
def test_lists_longer_than_chunk_give_the_same_answer(
    source: SqlSource,
    chunked: SqlSource,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    ids: list[str],
    statements: int,
    n_rows: int,
) -> None:
    whole = getattr(source, method)(ids)
    calls = _counting(chunked, monkeypatch)
    parts = getattr(chunked, method)(ids)
    assert len(calls) == statements
    assert list(parts.columns) == list(whole.columns)
    assert len(parts) == len(whole) == n_rows
    assert sorted(_records(parts)) == sorted(_records(whole))


@pytest.mark.parametrize(("method", "ids", "statements", "n_rows"), CHUNK_CASES)
def test_json_lists_take_one_statement_whatever_the_length(
    chembl_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    ids: list[str],
    statements: int,
    n_rows: int,
) -> None:
    monkeypatch.setattr(sql_module, "CHUNK", 2)
    opened = SqlSource(str(chembl_db))
    calls = _counting(opened, monkeypatch)
    frame = getattr(opened, method)(ids)
    opened.close()
    assert statements >= 1
    assert len(calls) == 1
    assert len(frame) == n_rows


def test_json_list_is_one_bound_parameter(source: SqlSource) -> None:
    assert source._list_sql("ids") == "(SELECT value FROM json_each(:ids))"
    ids = [*MOLECULE_IDS, "CHEMBL1'); DROP TABLE activities; --"]
    assert len(source.molecules(ids)) == len(MOLECULE_IDS)
    assert len(source.activities(ALL_TARGETS)) == 20


def test_chunked_activities_keep_activity_id_order(chunked: SqlSource) -> None:
    activities = chunked.activities(list(reversed(ALL_TARGETS)))
    assert activities[ActivityCols.ACTIVITY_ID].tolist() == list(range(1, 21))


def test_chunked_mechanisms_keep_mec_id_order(chunked: SqlSource) -> None:
    mechanisms = chunked.mechanisms(MECHANISM_TARGETS)
    assert mechanisms[MechanismCols.MEC_ID].tolist() == [1, 3, 4, 5, 7]


# -- errors ---------------------------------------------------------------------------------------


def _write_text(path: Path) -> None:
    path.write_text("this is not a database\n" * 100, encoding="utf-8")


def _write_empty(path: Path) -> None:
    path.write_bytes(b"")


def _write_other_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE version (name TEXT)")
    connection.execute("CREATE TABLE other (x INTEGER)")
    connection.commit()
    connection.close()


#: (case, how to make the file or None for no file, what, fix)
ERROR_CASES: list[tuple[str, Any, str, str]] = [
    (
        "missing_file",
        None,
        "file does not exist",
        "pass --chembl-db the path of a ChEMBL SQLite release (or set SENOTARGET_CHEMBL_DB)",
    ),
    (
        "text_file",
        _write_text,
        "cannot be opened as a database (file is not a database)",
        "pass --chembl-db a ChEMBL SQLite file or a database URL",
    ),
    (
        "empty_file",
        _write_empty,
        (
            "is not a ChEMBL release (missing table(s) version, target_dictionary, "
            "target_components, component_sequences)"
        ),
        "pass --chembl-db a ChEMBL SQLite release in the official schema",
    ),
    (
        "sqlite_without_chembl_tables",
        _write_other_sqlite,
        (
            "is not a ChEMBL release (missing table(s) target_dictionary, target_components, "
            "component_sequences, component_synonyms)"
        ),
        "pass --chembl-db a ChEMBL SQLite release in the official schema",
    ),
]


@pytest.mark.parametrize(
    ("make", "what", "fix"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_unusable_database(tmp_path: Path, make: Any, what: str, fix: str) -> None:
    path = tmp_path / "chembl.db"
    if make is not None:
        make(path)
    with pytest.raises(ChemblSourceError) as info:
        SqlSource(str(path))
    assert str(info.value) == f"ChEMBL source {path}: {what}: {fix}"
    assert info.value.location == str(path)
    assert isinstance(info.value, OSError)
    assert isinstance(info.value, SenotargetError)


def _drop_activity_action_type(path: Path) -> None:
    connection = sqlite3.connect(path)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(activities)")]
    kept = ", ".join(c for c in columns if c != "action_type")
    connection.executescript(
        f"CREATE TABLE activities_old AS SELECT {kept} FROM activities;"
        "DROP TABLE activities;"
        "ALTER TABLE activities_old RENAME TO activities;"
    )
    connection.commit()
    connection.close()


def test_older_release_without_activity_action_type(chembl_db: Path, tmp_path: Path) -> None:
    old = tmp_path / "chembl_30.db"
    shutil.copy(chembl_db, old)
    _drop_activity_action_type(old)
    opened = SqlSource(str(old))
    try:
        activities = opened.activities(ALL_TARGETS)
        assert list(activities.columns) == list(ActivityCols.ORDER)
        assert activities[ActivityCols.ACTIVITY_ID].tolist() == list(range(1, 21))
        assert activities[ActivityCols.ACTION_TYPE].isna().all()
        row = activities[activities[ActivityCols.ACTIVITY_ID] == 18]
        assert _dicts(row) == [{**ACTIVITY_ROWS[18], "action_type": None}]
    finally:
        opened.close()


# -- finding a download and choosing a source ----------------------------------------------------


def _release(root: Path, version: str) -> Path:
    path = root / "chembl" / version / f"chembl_{version}" / f"chembl_{version}_sqlite"
    path.mkdir(parents=True)
    db = path / f"chembl_{version}.db"
    db.write_bytes(b"")
    return db


#: (case, versions laid out under PYSTOW_HOME/chembl, expected version found or None)
DOWNLOAD_CASES: list[tuple[str, list[str], str | None]] = [
    ("nothing", [], None),
    ("one", ["35"], "35"),
    ("newest_wins", ["34", "35", "33"], "35"),
    ("numeric_not_lexical", ["4", "35"], "35"),
    ("point_release", ["24_1", "23"], "24_1"),
    ("not_a_version", ["latest"], None),
]


@pytest.mark.parametrize(
    ("versions", "expected"),
    [case[1:] for case in DOWNLOAD_CASES],
    ids=[case[0] for case in DOWNLOAD_CASES],
)
def test_find_downloaded_release(tmp_path: Path, versions: list[str], expected: str | None) -> None:
    made = {version: _release(tmp_path, version) for version in versions}
    found = find_downloaded_release(environ={"PYSTOW_HOME": str(tmp_path)})
    assert found == (made[expected] if expected is not None else None)


def test_find_downloaded_release_chembl_home_wins(tmp_path: Path) -> None:
    _release(tmp_path / "pystow", "35")
    db = _release(tmp_path / "other", "34")
    environ = {
        "PYSTOW_HOME": str(tmp_path / "pystow"),
        "CHEMBL_HOME": str(tmp_path / "other" / "chembl"),
    }
    assert find_downloaded_release(environ=environ) == db


def test_find_downloaded_release_without_folder(tmp_path: Path) -> None:
    assert find_downloaded_release(environ={"PYSTOW_HOME": str(tmp_path / "absent")}) is None


#: A closed port on this machine: the web source fails at once, and no test leaves the machine.
CLOSED = "http://127.0.0.1:9/chembl/api/data"
WEB_ERROR = (
    f"ChEMBL source {CLOSED}: cannot be reached after 2 attempts (ConnectionError): "
    "check --chembl-url and the network, or use a local release with --chembl-db"
)

#: (case, load_settings arguments, expected error message)
OPEN_ERROR_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("auto_without_release", {"chembl_url": CLOSED}, WEB_ERROR),
    ("web", {"source": "web", "chembl_url": CLOSED}, WEB_ERROR),
    (
        "sql_without_release",
        {"source": "sql"},
        (
            "ChEMBL source (none): the sql source needs a ChEMBL release: "
            "pass --chembl-db PATH_OR_URL or set SENOTARGET_CHEMBL_DB"
        ),
    ),
]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [case[1:] for case in OPEN_ERROR_CASES],
    ids=[case[0] for case in OPEN_ERROR_CASES],
)
def test_open_source_errors(
    arguments: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # the default cache folder is relative: keep it out of the repo
    monkeypatch.setattr("senotarget.sources.web.RETRIES", 1)
    monkeypatch.setattr("senotarget.sources.web.BACKOFF", 0.0)
    with pytest.raises(ChemblSourceError) as info:
        open_source(load_settings(env={}, **arguments))
    assert str(info.value) == message


#: (case, source, chembl_db given, env, expected reason)
OPEN_CASES: list[tuple[str, str | None, bool, dict[str, str], str]] = [
    ("auto_with_db", None, True, {}, "auto: a local release is configured (argument)"),
    ("sql_with_db", "sql", True, {}, "--source sql (argument)"),
    (
        "sql_from_env",
        None,
        True,
        {"SENOTARGET_SOURCE": "sql"},
        "--source sql (env:SENOTARGET_SOURCE)",
    ),
]


@pytest.mark.parametrize(
    ("kind", "with_db", "env", "reason"),
    [case[1:] for case in OPEN_CASES],
    ids=[case[0] for case in OPEN_CASES],
)
def test_open_source_sql(
    chembl_db: Path, kind: str | None, with_db: bool, env: dict[str, str], reason: str
) -> None:
    settings = load_settings(env=env, source=kind, chembl_db=str(chembl_db) if with_db else None)
    opened, info = open_source(settings)
    try:
        assert isinstance(opened, SqlSource)
        assert info == SourceInfo("sql", str(chembl_db.resolve()), "ChEMBL_99", reason)
    finally:
        opened.close()


def test_open_source_auto_finds_a_download(
    chembl_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _release(tmp_path, "99")
    shutil.copy(chembl_db, db)
    monkeypatch.setenv("PYSTOW_HOME", str(tmp_path))
    opened, info = open_source(load_settings(env={}))
    try:
        assert info == SourceInfo(
            "sql", str(db.resolve()), "ChEMBL_99", "auto: found a chembl_downloader release on disk"
        )
    finally:
        opened.close()


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (
            "sqlite:///{tmp}/missing.sqlite",
            (
                "ChEMBL source {tmp}/missing.sqlite: file does not exist: pass --chembl-db the "
                "path of a ChEMBL SQLite release (or set SENOTARGET_CHEMBL_DB)"
            ),
        ),
        (
            "postgresql+psycopg://u@[::1",
            (
                "ChEMBL source postgresql+psycopg://u@[::1: is not a database URL (invalid literal "
                "for int() with base 10: ':1'): pass --chembl-db e.g. "
                "postgresql+psycopg://user@host/chembl_35, or a ChEMBL SQLite file path"
            ),
        ),
        (
            "foo://x",
            (
                "ChEMBL source foo://x: names the database dialect 'foo', which SQLAlchemy does "
                "not know: pass --chembl-db e.g. postgresql+psycopg://user@host/chembl_35, or a "
                "ChEMBL SQLite file path"
            ),
        ),
        (
            "{tmp}",
            (
                "ChEMBL source {tmp}: is a folder, not a database file: pass --chembl-db the "
                "path of a ChEMBL SQLite file inside it (e.g. chembl_35.db)"
            ),
        ),
    ],
    ids=["sqlite URL to a missing file", "malformed URL", "unknown dialect", "a folder"],
)
def test_a_location_that_cannot_work_fails_at_once_and_creates_nothing(
    location: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ChemblSourceError) as caught:
        SqlSource(location.format(tmp=tmp_path))
    assert str(caught.value) == message.format(tmp=tmp_path)
    assert list(tmp_path.iterdir()) == []  # SQLite would have created an empty database


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            False,
            [
                ("CHEMBL900001", None, None, "", "", 0.0),
                ("CHEMBL900003", None, None, "", "", 0.0),
                ("CHEMBL900007", None, None, "", "", 0.0),
            ],
        ),
        (
            True,
            [
                ("CHEMBL900001", None, 0.42, "", "Aliphatic long chain", 1.0),
                ("CHEMBL900003", "LMYRWZFENFIFIT-UHFFFAOYSA-N", None, "", "", 1.0),
                ("CHEMBL900007", None, 0.77, "", "", 1.0),
            ],
        ),
    ],
    ids=["release without its own chemistry", "release with QED and alerts"],
)
def test_chembl_properties(tmp_path: Path, values: bool, expected: list[tuple[Any, ...]]) -> None:
    from senotarget.schema import ChemblPropertyCols
    from tests.chembl_fixture import build_chembl_db

    db = build_chembl_db(tmp_path / "db.sqlite", chembl_chemistry=values)
    source = SqlSource(str(db))
    try:
        found = source.chembl_properties(
            ["CHEMBL900001", "CHEMBL900003", "CHEMBL900007", "CHEMBL900001"]
        )
    finally:
        source.close()
    assert list(found.columns) == list(ChemblPropertyCols.ORDER)
    rows = [
        tuple(None if isinstance(v, float) and math.isnan(v) else v for v in r)
        for r in _records(found)
    ]
    assert rows == expected
