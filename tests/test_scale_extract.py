"""benchmarks.scale_extract: k-fold copies of docs / assays / activities of the fixture database."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from benchmarks.scale_extract import build_scaled, give_release_chemistry, main
from tests.chembl_fixture import build_chembl_db

#: table -> (id column, columns that point at another copied table: column -> that table)
TABLES = {
    "docs": ("doc_id", {}),
    "assays": ("assay_id", {"doc_id": "docs"}),
    "activities": ("activity_id", {"assay_id": "assays", "doc_id": "docs"}),
}
CHEMBL_ID = re.compile(r"CHEMBL[0-9]+")

# The ChEMBL release DDL of chembl_id_lookup (PRIMARY KEY and UNIQUE (entity_type, entity_id)).
LOOKUP_DDL = """
CREATE TABLE chembl_id_lookup (chembl_id VARCHAR(20) NOT NULL, entity_type VARCHAR(50) NOT NULL,
    entity_id BIGINT NOT NULL, status VARCHAR(10) NOT NULL, last_active INTEGER,
    CONSTRAINT chembl_id_lookup_pk PRIMARY KEY (chembl_id),
    CONSTRAINT chembl_id_lookup_uk UNIQUE (entity_type, entity_id));
"""


def make_source(path: Path, lookup: str) -> Path:
    """The fixture database, plus what a release has and the fixture lacks.

    ChEMBL's UNIQUE chembl_id indexes, a NULL doc_id on one assay and one activity (the extract has
    both), and ``lookup``: "none" (no chembl_id_lookup table, as in the fixture), "empty" (the
    table without rows, as in the extract) or "rows" (a lookup row per doc, assay and molecule).
    """
    build_chembl_db(path)
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE UNIQUE INDEX uk_docs_chemblid ON docs (chembl_id);
            CREATE UNIQUE INDEX uk_assays_chemblid ON assays (chembl_id);
            UPDATE assays SET doc_id = NULL WHERE assay_id = 10;
            UPDATE activities SET doc_id = NULL WHERE activity_id = 3;
            """
        )
        if lookup != "none":
            connection.executescript(LOOKUP_DDL)
        if lookup == "rows":
            for table, kind, key in [
                ("docs", "DOCUMENT", "doc_id"),
                ("assays", "ASSAY", "assay_id"),
                ("molecule_dictionary", "COMPOUND", "molregno"),
            ]:
                connection.execute(
                    "INSERT INTO chembl_id_lookup SELECT chembl_id, ?, "
                    f"{key}, 'ACTIVE', 35 FROM {table}",
                    (kind,),
                )
    connection.close()
    return path


def rows(db: Path, table: str) -> dict[int, dict[str, Any]]:
    """Every row of ``table`` by its id."""
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        key = TABLES[table][0] if table in TABLES else "entity_id"
        return {int(r[key]): dict(r) for r in connection.execute(f"SELECT * FROM {table}")}
    finally:
        connection.close()


def fetch(db: Path, sql: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def count(db: Path, sql: str) -> int:
    return int(str(fetch(db, sql)[0][0]))


def offset(source: Path, table: str) -> int:
    return count(source, f"SELECT MAX({TABLES[table][0]}) + 1 FROM {table}")


CASES = [
    # factor, confidence, chembl_id_lookup in the source
    (1, None, "none"),
    (2, None, "none"),
    (3, None, "none"),
    (3, 9, "none"),
    (1, 9, "empty"),
    (2, None, "empty"),
    (2, None, "rows"),
    (3, 9, "rows"),
]


@pytest.mark.parametrize(("factor", "confidence", "lookup"), CASES)
def test_build_scaled(tmp_path: Path, factor: int, confidence: int | None, lookup: str) -> None:
    source = make_source(tmp_path / "f.sqlite", lookup)
    dest = tmp_path / "scaled.sqlite"
    dest.write_bytes(b"an older file, replaced")
    before = source.read_bytes()

    counts = build_scaled(source, dest, factor, confidence=confidence)

    assert source.read_bytes() == before
    assert not dest.with_suffix(".part").exists()
    originals = {table: rows(source, table) for table in TABLES}
    copies = {table: rows(dest, table) for table in TABLES}
    assert counts == {**{t: factor * len(originals[t]) for t in TABLES}, "factor": factor}
    assert {t: len(copies[t]) for t in TABLES} == {t: factor * len(originals[t]) for t in TABLES}

    offsets = {table: offset(source, table) for table in TABLES}
    for table, (key, parents) in TABLES.items():
        for new_id, row in copies[table].items():
            k, old_id = divmod(new_id, offsets[table])
            assert 0 <= k < factor
            original = originals[table][old_id]
            expected = dict(original)
            expected[key] = new_id
            for column, parent in parents.items():  # pointers move to the same copy
                if original[column] is not None:
                    expected[column] = original[column] + k * offsets[parent]
            if "chembl_id" in row and k > 0:
                expected["chembl_id"] = row["chembl_id"]
            if (
                table == "assays"
                and confidence is not None
                and original["confidence_score"] is None
            ):
                expected["confidence_score"] = confidence
            assert row == expected, (table, new_id)
            for column, parent in parents.items():  # every pointer resolves, or was NULL
                assert (row[column] is None) == (original[column] is None)
                assert row[column] is None or row[column] in copies[parent]

    # chembl_ids: unique over docs, assays and everything else that has one, ChEMBL-shaped
    connection = sqlite3.connect(dest)
    try:
        ids = [
            r[0]
            for r in connection.execute(
                "SELECT chembl_id FROM docs UNION ALL SELECT chembl_id FROM assays "
                "UNION ALL SELECT chembl_id FROM molecule_dictionary "
                "UNION ALL SELECT chembl_id FROM target_dictionary"
            )
        ]
        nulls = connection.execute(
            "SELECT COUNT(*) FROM assays WHERE confidence_score IS NULL"
        ).fetchone()[0]
        analyzed = connection.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert len(ids) == len(set(ids))
    assert all(CHEMBL_ID.fullmatch(i) for i in ids)
    if confidence is not None:
        assert nulls == 0
    else:
        assert nulls == factor * count(
            source, "SELECT COUNT(*) FROM assays WHERE confidence_score IS NULL"
        )
    assert analyzed == 1

    # every index of the source is there; molecules and targets are not copied
    index_sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    assert fetch(dest, index_sql) == fetch(source, index_sql)
    for table in ("molecule_dictionary", "target_dictionary", "compound_structures"):
        assert count(dest, f"SELECT COUNT(*) FROM {table}") == count(
            source, f"SELECT COUNT(*) FROM {table}"
        )

    if lookup == "none":
        return
    lookup_rows = fetch(dest, "SELECT * FROM chembl_id_lookup")
    if lookup == "empty":
        assert lookup_rows == []
        return
    by_id = {r[0]: r for r in lookup_rows}
    assert len(lookup_rows) == factor * (len(originals["docs"]) + len(originals["assays"])) + count(
        source, "SELECT COUNT(*) FROM molecule_dictionary"
    )
    for table, kind in (("docs", "DOCUMENT"), ("assays", "ASSAY")):
        for new_id, row in copies[table].items():
            assert by_id[row["chembl_id"]][1:] == (kind, new_id, "ACTIVE", 35)


def test_child_tables_are_not_copied(tmp_path: Path) -> None:
    source = make_source(tmp_path / "f.sqlite", "none")
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE ligand_eff (activity_id INTEGER PRIMARY KEY, le NUMERIC)")
        connection.execute("INSERT INTO ligand_eff SELECT activity_id, 0.3 FROM activities")
    connection.close()
    dest = tmp_path / "scaled.sqlite"
    build_scaled(source, dest, 3)
    assert count(dest, "SELECT COUNT(*) FROM ligand_eff") == count(
        source, "SELECT COUNT(*) FROM activities"
    )


@pytest.mark.parametrize(
    ("factor", "confidence", "message"),
    [(0, None, "factor"), (-2, None, "factor"), (2, 10, "confidence"), (2, -1, "confidence")],
)
def test_bad_arguments(tmp_path: Path, factor: int, confidence: int | None, message: str) -> None:
    source = build_chembl_db(tmp_path / "f.sqlite")
    with pytest.raises(ValueError, match=message):
        build_scaled(source, tmp_path / "scaled.sqlite", factor, confidence=confidence)
    assert not (tmp_path / "scaled.sqlite").exists()


def test_dest_is_never_the_source(tmp_path: Path) -> None:
    source = build_chembl_db(tmp_path / "f.sqlite")
    before = source.read_bytes()
    with pytest.raises(ValueError, match="overwrite the source"):
        build_scaled(source, source, 2)
    assert source.read_bytes() == before


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = build_chembl_db(tmp_path / "f.sqlite")
    dest = tmp_path / "scaled.sqlite"
    main([str(source), str(dest), "--factor", "2", "--confidence", "9"])
    counts = json.loads(capsys.readouterr().out)
    assert counts == {"activities": 40, "assays": 20, "docs": 6, "factor": 2}
    assert count(dest, "SELECT COUNT(*) FROM assays WHERE confidence_score IS NULL") == 0


def test_give_release_chemistry(tmp_path: Path) -> None:
    """The copy gets what a full release ships, and the chemistry stage then takes it from there.

    Every molecule with a valid structure gets a hierarchy row (the two the fixture has are
    kept: JAKTIVE CITRATE -> JAKTIVE), a key, QED and alerts; read back through the SQL source,
    the release answers each of them with the pipeline's own parent key, QED to two decimals
    and alert verdicts.
    """
    import pandas as pd

    from senotarget.schema import ChemCols
    from senotarget.sources.sql import SqlSource
    from senotarget.stages import chemistry

    db = build_chembl_db(tmp_path / "chembl.sqlite")
    given = give_release_chemistry(db, tmp_path / "structures")
    with sqlite3.connect(db) as connection:
        hierarchy = dict(
            connection.execute("SELECT molregno, parent_molregno FROM molecule_hierarchy")
        )
        sets = connection.execute(
            "SELECT alert_set_id, set_name FROM structural_alert_sets"
        ).fetchall()
    valid = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 16]  # 11: no structure, 14: invalid SMILES
    assert hierarchy == {m: m for m in valid} | {2: 1, 4: 3}
    assert sorted(sets) == [(2, "Dundee"), (4, "PAINS")]
    assert (given["inchikeys"], given["qed"], given["hierarchy"]) == (14, 14, 12)

    source = SqlSource(str(db))
    ids = [f"CHEMBL9000{m:02d}" for m in range(1, 17)]
    molecules = source.molecules(ids)
    release = source.chembl_properties(ids)
    source.close()
    described = chemistry.describe(molecules, release, cache_dir=None, workers=1)
    computed = chemistry.standardise(molecules, cache_dir=None, workers=1)
    answered = described[ChemCols.STRUCTURE_BASIS] == "chembl"
    assert described.loc[answered, ChemCols.MOLECULE_CHEMBL_ID].tolist() == [
        f"CHEMBL9000{m:02d}" for m in valid
    ]
    assert set(described.loc[answered, ChemCols.QED_BASIS]) == {"chembl"}
    assert set(described.loc[answered, ChemCols.ALERTS_BASIS]) == {"chembl"}
    mine, theirs = computed[answered], described[answered]
    for column in (ChemCols.PARENT_INCHIKEY, ChemCols.PAINS, ChemCols.BRENK):
        assert theirs[column].tolist() == mine[column].tolist(), column
    assert theirs[ChemCols.QED].tolist() == mine[ChemCols.QED].round(2).tolist()
    assert given["alerts"] > 0  # quercetin is a catechol (PAINS), among others
    assert given["alerts"] == sum(
        len([t for t in f"{p};{b}".split(";") if t])
        for p, b in zip(mine[ChemCols.PAINS], mine[ChemCols.BRENK], strict=True)
    )
    assert pd.notna(theirs[ChemCols.QED]).all()
