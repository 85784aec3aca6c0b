"""cache: what the local caches hold, and clearing them (module and CLI)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from senotarget.cli import app
from senotarget.runs.cache import cache_info, clear_cache

runner = CliRunner()


def make_caches(root: Path) -> None:
    (root / "structures").mkdir(parents=True)
    with sqlite3.connect(root / "structures" / "structures_x.sqlite") as connection:
        connection.execute("CREATE TABLE structures (smiles TEXT)")
        connection.executemany("INSERT INTO structures VALUES (?)", [("C",), ("CC",)])
    (root / "web").mkdir()
    with sqlite3.connect(root / "web" / "chembl_web_ChEMBL_99.sqlite") as connection:
        connection.execute("CREATE TABLE responses (key TEXT)")
        connection.execute("INSERT INTO responses VALUES ('a')")
    (root / "web" / "chembl_web_status.sqlite").write_bytes(b"not a database")


def test_cache_info_lists_every_file_with_its_entries(tmp_path: Path) -> None:
    make_caches(tmp_path)
    got = [(f.kind, f.path.name, f.entries) for f in cache_info(tmp_path)]
    assert got == [
        ("structures", "structures_x.sqlite", 2),
        ("web", "chembl_web_ChEMBL_99.sqlite", 1),
        ("web", "chembl_web_status.sqlite", -1),
    ]


@pytest.mark.parametrize(
    ("kinds", "removed", "left"),
    [(("web",), 2, ["structures"]), (("structures",), 1, ["web"]), (("structures", "web"), 3, [])],
)
def test_clear_cache(tmp_path: Path, kinds: tuple[str, ...], removed: int, left: list[str]) -> None:
    make_caches(tmp_path)
    assert clear_cache(tmp_path, kinds) == removed
    assert sorted(p.name for p in tmp_path.iterdir()) == left


def test_cache_commands(tmp_path: Path) -> None:
    make_caches(tmp_path)
    info = runner.invoke(app, ["cache", "info", "--cache-dir", str(tmp_path)])
    assert info.exit_code == 0
    assert info.stdout.splitlines()[1] == "kind\tentries\tsize\tpath"
    assert len(info.stdout.splitlines()) == 5
    cleared = runner.invoke(app, ["cache", "clear", "web", "--cache-dir", str(tmp_path)])
    assert cleared.exit_code == 0 and cleared.stdout.strip() == f"removed 2 file(s) from {tmp_path}"
    bad = runner.invoke(app, ["cache", "clear", "everything", "--cache-dir", str(tmp_path)])
    assert bad.exit_code == 1 and "unknown cache 'everything'" in bad.stderr
