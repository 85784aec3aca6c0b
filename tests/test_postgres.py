"""PostgreSQL: the loader, the same SQL path as SQLite, identical run tables, indexes, bad input.

Runs against a real server (Debian's postgresql, started by :mod:`tests.postgres` on a free port
as a non-root user). Without the server binaries the module skips, unless
``SENOTARGET_REQUIRE_POSTGRES=1`` (CI) turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from senotarget.cli import app
from senotarget.pipeline import run
from senotarget.schema import RunResult
from senotarget.sources.pgload import load_sqlite
from senotarget.sources.sql import INDEXES, SqlSource
from tests import postgres
from tests.conftest import fixture_settings

runner = CliRunner()
TABLES_COMPARED = ("candidates.csv", "evidence.csv", "targets.csv")


@pytest.fixture(scope="module")
def server() -> Iterator[postgres.Server]:
    if postgres.binaries() is None:
        if os.environ.get("SENOTARGET_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries not found (install Debian's postgresql)")
        pytest.skip("PostgreSQL server binaries not found (install Debian's postgresql)")
    with postgres.running_server() as running:
        yield running


@pytest.fixture(scope="module")
def fixture_url(server: postgres.Server, chembl_db: Path) -> str:
    url = server.create_database("fixture")
    load_sqlite(chembl_db, url)
    return url


def answers(source: SqlSource) -> dict[str, pd.DataFrame]:
    targets = [f"CHEMBL9000{i}" for i in range(1, 10)]
    return {
        "search_targets": source.search_targets(["BCL2", "JAK1", "P43490", "FRAP", "NOPE"], 9606),
        "activities": source.activities(targets),
        "molecules": source.molecules([f"CHEMBL9000{i:02d}" for i in range(1, 17)]),
        "mechanisms": source.mechanisms(targets),
        "action_types": source.action_types(),
        "synonyms": source.synonyms(9606),
        "molecules_by_name": source.molecules_by_name(["bcl-101", "JK-7", "JAKTIVE"]),
        "chembl_properties": source.chembl_properties(["CHEMBL900001", "CHEMBL900003"]),
        # streamed 3 rows at a time (a server-side cursor on PostgreSQL), then joined
        "activity_batches": pd.concat(list(source.activity_batches(targets, 3)), ignore_index=True),
    }


def test_every_source_answer_is_the_same_on_postgresql(fixture_url: str, chembl_db: Path) -> None:
    sqlite, pg = SqlSource(str(chembl_db)), SqlSource(fixture_url)
    try:
        assert pg.release() == sqlite.release() == "ChEMBL_99"
        expected, got = answers(sqlite), answers(pg)
        for name, frame in expected.items():
            assert list(got[name].columns) == list(frame.columns), name
            pd.testing.assert_frame_equal(got[name].astype(str), frame.astype(str), obj=name)
    finally:
        sqlite.close()
        pg.close()


def test_run_tables_are_identical_to_the_sqlite_run(
    fixture_url: str, chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    sqlite = run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="sqlite"))
    pg = run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="pg", chembl_db=fixture_url))
    split = run(
        fixture_settings(
            chembl_db, panel_file, tmp_path, run_id="pg-split", chembl_db=fixture_url,
            partition_rows=4,
        )
    )  # fmt: skip
    for name in TABLES_COMPARED:
        assert (Path(split.run_dir) / name).read_bytes() == (
            Path(sqlite.run_dir) / name
        ).read_bytes()
        assert (Path(pg.run_dir) / name).read_bytes() == (Path(sqlite.run_dir) / name).read_bytes()


def test_real_extract_run_is_identical_on_postgresql(
    server: postgres.Server,
    real_run: RunResult,
    real_cache: Path,
    shared_db: Path,
    tmp_path: Path,
) -> None:
    """The default panel on ../shared/chembl, loaded into PostgreSQL (structure cache warm)."""
    from senotarget.config import load_settings

    url = server.create_database("extract")
    report = load_sqlite(shared_db, url)
    assert report.tables >= 79 and report.indexes == len(INDEXES)
    settings = load_settings(
        env={}, chembl_db=url, cache_dir=real_cache, out_dir=tmp_path, run_id="pg-extract"
    )
    pg = run(settings)
    for name in TABLES_COMPARED:
        assert (Path(pg.run_dir) / name).read_bytes() == (
            Path(real_run.run_dir) / name
        ).read_bytes(), name


def test_loaded_copy_has_the_indexes_and_the_queries_use_them(
    fixture_url: str, server: postgres.Server
) -> None:
    import psycopg

    from senotarget.sources import sql as sql_module

    with psycopg.connect(
        f"host=127.0.0.1 port={server.port} user=postgres password={postgres.PASSWORD} "
        "dbname=fixture"
    ) as connection:
        names = {r[0] for r in connection.execute("SELECT indexname FROM pg_indexes")}
        assert {name for name, _, _ in INDEXES} <= names
        # the fixture is tiny, so the planner would scan anyway: forbid that to see the indexes
        connection.execute("SET enable_seqscan = off")
        query = sql_module._ACTIVITIES.replace("{action_type}", "act.action_type").replace(
            "{targets}", "('CHEMBL90001')"
        )
        plan = "\n".join(r[0] for r in connection.execute(f"EXPLAIN {query}"))
    for index in ("senotarget_td_chembl_id", "senotarget_assays_tid", "senotarget_act_assay_id"):
        assert index in plan, plan


def test_sqlite_queries_use_the_indexes(chembl_db: Path, tmp_path: Path) -> None:
    """EXPLAIN QUERY PLAN on a copy of the fixture with the documented indexes."""
    import sqlite3

    from senotarget.sources import sql as sql_module

    copy = tmp_path / "indexed.sqlite"
    shutil.copy(chembl_db, copy)
    with sqlite3.connect(copy) as connection:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        for name, table, columns in INDEXES:
            if table in tables:
                connection.execute(f"CREATE INDEX {name} ON {table} ({columns})")
        connection.execute("ANALYZE")
        query = sql_module._ACTIVITIES.replace("{action_type}", "act.action_type").replace(
            "{targets}", "('CHEMBL90001')"
        )
        plan = "\n".join(str(r[-1]) for r in connection.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert "senotarget_td_chembl_id" in plan and "senotarget_act_assay_id" in plan, plan


def test_cli_db_load_refuses_a_second_load_unless_replace(
    server: postgres.Server, chembl_db: Path
) -> None:
    url = server.create_database("cli")
    first = runner.invoke(app, ["db", "load", str(chembl_db), url])
    assert first.exit_code == 0, first.output
    assert first.stderr.startswith("loaded 18 tables, 120 rows and 18 indexes in ")
    again = runner.invoke(app, ["db", "load", str(chembl_db), url])
    assert again.exit_code == 1
    assert "already has table(s)" in again.stderr and "--replace" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    replaced = runner.invoke(app, ["db", "load", str(chembl_db), url, "--replace", "-v"])
    assert replaced.exit_code == 0, replaced.output
    lines = replaced.stderr.strip().splitlines()
    assert "senotarget: activities: 20 rows" in lines and len(lines) == 19  # a line per table


BAD: list[tuple[str, Callable[[postgres.Server, Path, Path], list[str]], str]] = [
    (
        "nothing listening",
        lambda s, db, tmp: ["targets", "resolve", "BCL2", "--chembl-db",
                       f"postgresql+psycopg://postgres:x@127.0.0.1:{postgres.free_port()}/none"],
        "cannot",
    ),
    (
        "wrong password",
        lambda s, db, tmp: ["targets", "resolve", "BCL2", "--chembl-db", s.url("fixture", "wrong")],
        "password",
    ),
    (
        "database without the ChEMBL schema",
        lambda s, db, tmp: ["targets", "resolve", "BCL2", "--chembl-db",
                            s.create_database("empty")],
        "is not a ChEMBL release",
    ),
    (
        "load: not a SQLite file",
        lambda s, db, tmp: ["db", "load", str(tmp / "not.sqlite"), s.url("fixture")],
        "is not a SQLite database",
    ),
    (
        "load: nothing listening",
        lambda s, db, tmp: ["db", "load", str(db),
                       f"postgresql+psycopg://postgres:x@127.0.0.1:{postgres.free_port()}/none"],
        "cannot be reached or refused the login",
    ),
    (
        "load: not a PostgreSQL URL",
        lambda s, db, tmp: ["db", "load", str(db), "sqlite:///x.db"],
        "not PostgreSQL",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make_args", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_postgresql_input_is_one_line_exit_1(
    server: postgres.Server,
    fixture_url: str,
    chembl_db: Path,
    tmp_path: Path,
    case: str,
    make_args: Callable[[postgres.Server, Path, Path], list[str]],
    message: str,
) -> None:
    del case, fixture_url
    (tmp_path / "not.sqlite").write_text("not a database, but text\n", encoding="utf-8")
    result = runner.invoke(app, make_args(server, chembl_db, tmp_path))
    assert result.exit_code == 1, result.output
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
