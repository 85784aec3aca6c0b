"""cache: what the local caches hold, and clearing them (module and CLI).

Clearing removes senotarget's files by name and nothing else, so most tests here put a user's
file beside the caches and check it is still there afterwards.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from senotarget.cli import app
from senotarget.errors import ConfigError, OutputError
from senotarget.runs.cache import OWNED, Cleared, cache_info, clear_cache

runner = CliRunner()

STRUCTURES = "structures_rdkit-2025.09.6_csp-1.2.4_v1.sqlite"
WEB = "chembl_web_ChEMBL_99.sqlite"


def make_caches(root: Path) -> None:
    (root / "structures").mkdir(parents=True)
    with sqlite3.connect(root / "structures" / STRUCTURES) as connection:
        connection.execute("CREATE TABLE structures (smiles TEXT)")
        connection.executemany("INSERT INTO structures VALUES (?)", [("C",), ("CC",)])
    (root / "structures" / f"{STRUCTURES}-wal").write_bytes(b"w" * 10)
    (root / "structures" / f"{STRUCTURES}-shm").write_bytes(b"s" * 20)
    (root / "web").mkdir()
    with sqlite3.connect(root / "web" / WEB) as connection:
        connection.execute("CREATE TABLE responses (key TEXT)")
        connection.execute("INSERT INTO responses VALUES ('a')")
    (root / "web" / "chembl_web_status.sqlite").write_bytes(b"not a database")
    (root / "web" / "chembl_web_releases.json").write_text('{"u": "ChEMBL_99"}')


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def size(root: Path, names: list[str]) -> int:
    return sum((root / n).stat().st_size for n in names)


def test_cache_info_lists_every_database_with_its_entries(tmp_path: Path) -> None:
    make_caches(tmp_path)
    (tmp_path / "web" / "mine.sqlite").write_bytes(b"a user's file")
    got = [(f.kind, f.path.name, f.entries) for f in cache_info(tmp_path)]
    assert got == [
        ("structures", STRUCTURES, 2),
        ("web", WEB, 1),
        ("web", "chembl_web_status.sqlite", -1),
    ]


WEB_FILES = [f"web/{WEB}", "web/chembl_web_releases.json", "web/chembl_web_status.sqlite"]
STRUCTURE_FILES = [
    f"structures/{STRUCTURES}",
    f"structures/{STRUCTURES}-shm",
    f"structures/{STRUCTURES}-wal",
]


@pytest.mark.parametrize(
    ("kinds", "removed", "left"),
    [
        (("web",), WEB_FILES, ["structures", *STRUCTURE_FILES]),
        (("structures",), STRUCTURE_FILES, ["web", *WEB_FILES]),
        (("structures", "web"), STRUCTURE_FILES + WEB_FILES, []),
    ],
    ids=["web", "structures", "both"],
)
def test_clear_cache_removes_its_files_and_empty_folders(
    tmp_path: Path, kinds: tuple[str, ...], removed: list[str], left: list[str]
) -> None:
    make_caches(tmp_path)
    expected_bytes = size(tmp_path, removed)
    cleared = clear_cache(tmp_path, kinds)
    assert sorted(str(p.relative_to(tmp_path)) for p in cleared.files) == sorted(removed)
    assert cleared.bytes == expected_bytes
    assert cleared.folders == tuple(tmp_path / k for k in sorted(kinds))
    assert tree(tmp_path) == sorted(left)


def test_clear_cache_keeps_every_file_it_did_not_write(tmp_path: Path) -> None:
    make_caches(tmp_path)
    users = [
        "notes.txt",
        "structures/structures_mine.sqlite",  # not the name the chemistry stage writes
        "structures/old/structures_rdkit-1_csp-1_v1.sqlite",  # in a sub-folder: not ours
        "web/site/index.html",
        "web/mine.sqlite",
        "web/chembl_web_ChEMBL_99.sqlite.bak",
    ]
    for name in users:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("keep me")
    (tmp_path / "web" / "chembl_web_link.sqlite").symlink_to(tmp_path / "notes.txt")
    cleared = clear_cache(tmp_path)
    assert len(cleared.files) == 6
    assert cleared.folders == ()  # both kind folders still hold the user's files
    assert tree(tmp_path) == sorted(
        [
            *users,
            "structures",
            "structures/old",
            "web",
            "web/site",
            "web/chembl_web_link.sqlite",
        ]
    )
    assert all((tmp_path / n).read_text() == "keep me" for n in users)


def test_clear_web_keeps_a_user_site_in_the_web_folder(tmp_path: Path) -> None:
    # Was: `cache clear web` removed the whole web/ tree, so web/site/index.html was lost.
    make_caches(tmp_path)
    (tmp_path / "web" / "site").mkdir()
    (tmp_path / "web" / "site" / "index.html").write_text("hi\n")
    cleared = clear_cache(tmp_path, ("web",))
    assert len(cleared.files) == 3
    assert (tmp_path / "web" / "site" / "index.html").read_text() == "hi\n"
    assert tree(tmp_path / "web") == ["site", "site/index.html"]


@pytest.mark.parametrize(
    "layout",
    [["web/site/index.html"], ["notes.txt"], ["structures/structures_mine.sqlite"]],
    ids=["a site", "a file", "a near-miss name"],
)
def test_clear_cache_refuses_a_folder_without_senotarget_files(
    tmp_path: Path, layout: list[str]
) -> None:
    for name in layout:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("hi\n")
    before = tree(tmp_path)
    with pytest.raises(OutputError) as caught:
        clear_cache(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path} does not look like a senotarget cache (no structures/structures_*.sqlite "
        "or web/chembl_web_* file in it); nothing removed: pass --cache-dir the folder that holds "
        "structures/ and web/ (`senotarget cache info` shows the default)"
    )
    assert (caught.value.path, caught.value.setting) == (str(tmp_path), "cache_dir")
    assert tree(tmp_path) == before


def test_clear_cache_with_nothing_to_remove(tmp_path: Path) -> None:
    assert clear_cache(tmp_path / "missing") == Cleared((), 0)
    (tmp_path / "empty" / "web").mkdir(parents=True)
    assert clear_cache(tmp_path / "empty") == Cleared((), 0, (tmp_path / "empty" / "web",))
    make_caches(tmp_path / "full")
    assert clear_cache(tmp_path / "full", ("web",)).files
    assert clear_cache(tmp_path / "full", ("web",)) == Cleared((), 0)  # clearing twice is fine


def test_clear_cache_refuses_a_file_and_an_unknown_kind(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match=r"cache folder .*/f is not a folder"):
        clear_cache(tmp_path / "f")
    with pytest.raises(ConfigError) as caught:
        clear_cache(tmp_path, ("everything",))
    assert str(caught.value) == "unknown cache 'everything': use one of structures, web, all"


def test_owned_names_are_the_names_senotarget_writes(chembl_db: Path, tmp_path: Path) -> None:
    """The web source (on the stand-in) and the chemistry stage fill a cache; clearing empties it.

    Both are opened the way a run opens them (``open_source`` and ``standardise`` under
    ``--cache-dir``), so a file name they write that :data:`OWNED` misses is left behind here.
    """
    import pandas as pd

    from senotarget.config import load_settings
    from senotarget.sources import open_source
    from senotarget.stages.chemistry import standardise, structure_cache_path
    from tests.stub import StubServer

    cache = tmp_path / "cache"
    with StubServer(chembl_db, idle_timeout=120) as stub:
        settings = load_settings(env={}, source="web", chembl_url=stub.base_url, cache_dir=cache)
        source, _info = open_source(settings)
        try:
            source.search_targets(["BCL2", "MTOR"], 9606)
            source.mechanisms(["CHEMBL90001"])
        finally:
            source.close()
    molecules = pd.DataFrame(
        {"molecule_chembl_id": ["CHEMBL1", "CHEMBL2"], "canonical_smiles": ["CCO", "c1ccccc1O"]}
    )
    standardise(molecules, cache_dir=cache / "structures", workers=1)
    written = tree(cache)
    assert f"structures/{structure_cache_path(cache / 'structures').name}" in written
    assert {"web/chembl_web_ChEMBL_99.sqlite", "web/chembl_web_releases.json"} <= set(written)
    files = [Path(w) for w in written if (cache / w).is_file()]
    assert [str(f) for f in files if not OWNED[f.parent.name].match(f.name)] == []
    expected_bytes = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache)])
    assert cleared.exit_code == 0, cleared.output
    count = len([w for w in written if w not in ("structures", "web")])
    assert cleared.stdout == f"removed {count} files ({expected_bytes:,} bytes) from {cache}\n"
    assert tree(cache) == []


def test_cache_commands(tmp_path: Path) -> None:
    make_caches(tmp_path)
    info = runner.invoke(app, ["cache", "info", "--cache-dir", str(tmp_path)])
    assert info.exit_code == 0
    assert info.stdout.splitlines()[1] == "kind\tentries\tsize\tpath"
    assert len(info.stdout.splitlines()) == 5
    expected_bytes = size(tmp_path, WEB_FILES)
    cleared = runner.invoke(app, ["cache", "clear", "web", "--cache-dir", str(tmp_path)])
    assert cleared.exit_code == 0, cleared.output
    assert cleared.stdout == f"removed 3 files ({expected_bytes:,} bytes) from {tmp_path}\n"
    again = runner.invoke(app, ["cache", "clear", "web", "--cache-dir", str(tmp_path)])
    assert again.exit_code == 0 and again.stdout == f"nothing to remove from {tmp_path}\n"
    everything = runner.invoke(app, ["cache", "clear", "all", "--cache-dir", str(tmp_path)])
    assert everything.exit_code == 0
    assert everything.stdout.startswith("removed 3 files (")
    assert tree(tmp_path) == []
    bad = runner.invoke(app, ["cache", "clear", "everything", "--cache-dir", str(tmp_path)])
    assert bad.exit_code == 1 and bad.stdout == ""
    assert bad.stderr == (
        "senotarget: error: unknown cache 'everything': use one of structures, web, all\n"
    )


def test_cache_clear_cli_refuses_a_folder_that_is_not_a_cache(tmp_path: Path) -> None:
    # The repro of the issue: `cache clear web` on a folder with a site under web/.
    (tmp_path / "web" / "site").mkdir(parents=True)
    (tmp_path / "web" / "site" / "index.html").write_text("hi\n")
    result = runner.invoke(app, ["cache", "clear", "web", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"senotarget: error: {tmp_path} does not look like a senotarget cache"
    )
    assert len(result.stderr.splitlines()) == 1
    assert (tmp_path / "web" / "site" / "index.html").read_text() == "hi\n"
