"""Shared fixtures: an isolated environment, the fixture ChEMBL database, and one fixture run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from senotarget.config import Settings, load_settings
from senotarget.schema import RunResult
from tests.chembl_fixture import PANEL_TOML, build_chembl_db

#: The real ChEMBL extract beside the repository (CI has it; tests that need it skip without it).
SHARED_DB = Path(
    os.environ.get(
        "SENOTARGET_SHARED_DB",
        str(Path(__file__).resolve().parents[2] / "shared" / "chembl" / "chembl_senotarget.sqlite"),
    )
)


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No SENOTARGET_* variable of the developer's shell leaks into a test, and no
    chembl_downloader release on this machine is found by the auto source."""
    for name in list(os.environ):
        if name.startswith("SENOTARGET_") and name != "SENOTARGET_SHARED_DB":
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYSTOW_HOME", str(tmp_path_factory.mktemp("pystow")))
    monkeypatch.delenv("CHEMBL_HOME", raising=False)


@pytest.fixture(scope="session")
def chembl_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture ChEMBL SQLite database (read-only for every test)."""
    return build_chembl_db(tmp_path_factory.mktemp("chembl") / "fixture.sqlite")


@pytest.fixture(scope="session")
def panel_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture panel TOML."""
    path = tmp_path_factory.mktemp("panel") / "fixture_panel.toml"
    path.write_text(PANEL_TOML, encoding="utf-8")
    return path


def fixture_settings(db: Path, panel: Path, root: Path, /, **overrides: object) -> Settings:
    """Settings for a run on the fixture database, writing under ``root``."""
    values: dict[str, Any] = {
        "source": "sql",
        "chembl_db": str(db),
        "panel": str(panel),
        "out_dir": root / "reports",
        "cache_dir": root / "cache",
        "workers": 1,
    }
    values.update(overrides)
    return load_settings(env={}, **values)


@pytest.fixture(scope="session")
def fixture_run(
    chembl_db: Path, panel_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunResult]:
    """One pipeline run on the fixture database, shared by the tests that only read its output."""
    from senotarget.pipeline import run

    root = tmp_path_factory.mktemp("fixture_run")
    yield run(fixture_settings(chembl_db, panel_file, root, run_id="fixture"))


@pytest.fixture(scope="session")
def real_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cache folder of :func:`real_run` (another run on the extract reuses its chemistry)."""
    return tmp_path_factory.mktemp("real_cache")


@pytest.fixture(scope="session")
def real_run(
    shared_db: Path, real_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> RunResult:
    """The default panel on the real extract, once per session (test_realdata, test_browser).

    Its cache is a session folder of its own, so the test session never writes into the
    repository's ``data/cache`` (the session pays for the chemistry once).
    """
    from senotarget.pipeline import run

    root = tmp_path_factory.mktemp("real")
    settings = load_settings(
        env={},
        source="auto",
        chembl_db=str(shared_db),
        out_dir=root / "reports",
        cache_dir=real_cache,
        run_id="real",
    )
    return run(settings)


@pytest.fixture(scope="session")
def shared_db() -> Path:
    """The real ChEMBL extract; skips the test when it is absent."""
    if not SHARED_DB.is_file():
        pytest.skip(f"real ChEMBL extract not found at {SHARED_DB}")
    return SHARED_DB
