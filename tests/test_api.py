"""The Python API at the package root: rank, load_run, explain, extract_panel and Run."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import senotarget
from senotarget.errors import (
    ChemblSourceError,
    ConfigError,
    OutputError,
    PanelError,
    SenotargetError,
    UnknownCompoundError,
)
from senotarget.panels.load import load_panel
from senotarget.report.files import OPTIONAL_TABLES, TABLES, read_run_table
from senotarget.runs import explain as runs_explain
from senotarget.schema import CandidateCols, RunResult

IMPORT_CHECK = """
import sys
import senotarget
assert sorted(senotarget.__all__) == ["Run", "explain", "extract_panel", "load_run", "rank"]
heavy = ("pandas", "rdkit", "chembl_webresource_client", "requests_cache", "senotarget.pipeline")
print(",".join(m for m in heavy if m in sys.modules))
"""


def test_import_senotarget_loads_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_names_at_the_root_are_the_api() -> None:
    from senotarget import api

    assert senotarget.rank is api.rank
    assert senotarget.Run is api.Run
    assert set(senotarget.__all__) <= set(dir(senotarget))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        senotarget.nope  # noqa: B018


def _settings(root: Path, **overrides: Any) -> dict[str, Any]:
    """The keyword settings of tests.conftest.fixture_settings, for rank()."""
    values: dict[str, Any] = {
        "source": "sql",
        "out_dir": root / "reports",
        "cache_dir": root / "cache",
        "workers": 1,
        "env": {},
    }
    values.update(overrides)
    return values


@pytest.fixture(scope="module")
def ranked(
    chembl_db: Path, panel_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> senotarget.Run:
    root = tmp_path_factory.mktemp("api")
    return senotarget.rank(panel_file, chembl_db, **_settings(root, run_id="api"))


def test_rank_returns_the_run_it_wrote(ranked: senotarget.Run) -> None:
    folder = ranked.run_dir
    assert folder.name == "api" and folder.parent.name == "reports"
    assert ranked.run_id == "api"
    assert ranked.manifest == json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert ranked.manifest["settings"]["panel"].endswith("fixture_panel.toml")
    assert ranked.manifest["chembl"]["release"] == "ChEMBL_99"
    assert ranked.manifest["settings"]["origins"]["workers"] == "argument"
    for name, frame in [
        ("candidates.csv", ranked.candidates),
        ("evidence.csv", ranked.evidence),
        ("targets.csv", ranked.targets),
        ("validation.csv", ranked.validation),
        ("rankings.csv", ranked.rankings),
        ("selectivity.csv", ranked.selectivity),
    ]:
        assert frame is not None
        expected = read_run_table(folder, name)
        assert frame.equals(expected), name
        assert dict(frame.dtypes) == dict(expected.dtypes), name
        assert list(frame.columns) == list({**TABLES, **OPTIONAL_TABLES}[name]), name
    assert ranked.changes is None
    assert list(ranked.candidates[CandidateCols.MOLECULE_CHEMBL_ID])[:2] == [
        "CHEMBL900001",
        "CHEMBL900015",
    ]
    assert repr(ranked).startswith("Run(run_id='api', ")


def test_rank_writes_what_the_pipeline_writes(
    ranked: senotarget.Run, fixture_run: RunResult
) -> None:
    for name in (*TABLES, "validation.csv"):
        assert (ranked.run_dir / name).read_bytes() == (
            Path(fixture_run.run_dir) / name
        ).read_bytes(), name


def _same_run(got: senotarget.Run, want: senotarget.Run) -> None:
    assert got.run_dir == want.run_dir
    assert got.run_id == want.run_id
    assert got.manifest == want.manifest
    for field in ("candidates", "evidence", "targets", "validation"):
        assert getattr(got, field).equals(getattr(want, field)), field
    assert got.changes is None and want.changes is None


def test_load_run_from_the_run_folder_and_from_its_parent(ranked: senotarget.Run) -> None:
    _same_run(senotarget.load_run(ranked.run_dir), ranked)
    _same_run(senotarget.load_run(str(ranked.run_dir)), ranked)
    _same_run(senotarget.load_run(ranked.run_dir.parent), ranked)  # the latest run under --out


def test_load_run_of_a_folder_without_runs_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="neither a finished senotarget run"):
        senotarget.load_run(tmp_path)
    with pytest.raises(OutputError):
        senotarget.load_run(tmp_path / "missing")


def _same_explanation(got: runs_explain.Explanation, want: runs_explain.Explanation) -> None:
    assert got.run_dir == want.run_dir
    assert got.molecule_chembl_id == want.molecule_chembl_id
    assert got.pref_name == want.pref_name
    assert got.weights == want.weights
    assert got.candidates.equals(want.candidates)
    assert got.evidence.equals(want.evidence)


@pytest.mark.parametrize("compound", ["CHEMBL900011", "bclinib"])
def test_explain_returns_the_record_of_runs_explain(ranked: senotarget.Run, compound: str) -> None:
    want = runs_explain.explain(compound, ranked.run_dir, Path("unused"))
    _same_explanation(senotarget.explain(ranked, compound), want)
    _same_explanation(senotarget.explain(ranked.run_dir, compound), want)
    _same_explanation(senotarget.explain(str(ranked.run_dir.parent), compound), want)


def test_explain_one_strategy(ranked: senotarget.Run) -> None:
    both = senotarget.explain(ranked, "CHEMBL900011")
    assert list(both.candidates[CandidateCols.STRATEGY]) == ["senomorphic", "senoreverter"]
    one = senotarget.explain(ranked, "CHEMBL900011", strategy="senoreverter")
    assert list(one.candidates[CandidateCols.STRATEGY]) == ["senoreverter"]
    assert one.candidates.equals(both.candidates.iloc[[1]])
    assert one.evidence.equals(both.evidence)
    with pytest.raises(UnknownCompoundError, match="no senolytic row"):
        senotarget.explain(ranked, "CHEMBL900011", strategy="senolytic")
    with pytest.raises(ConfigError, match="strategy 'senotherapy' is unknown"):
        senotarget.explain(ranked, "CHEMBL900011", strategy="senotherapy")
    with pytest.raises(UnknownCompoundError, match="NOSUCH"):
        senotarget.explain(ranked, "NOSUCH")


DOCUMENT = "Senomorphics inhibit JAK-STAT and mTOR. NAMPT restores NAD+. TREM2 is up.\n"


def test_extract_panel_returns_the_panel_and_its_toml(chembl_db: Path, tmp_path: Path) -> None:
    document = tmp_path / "doc.txt"
    document.write_text(DOCUMENT, encoding="utf-8")
    panel, text = senotarget.extract_panel(document, chembl_db=chembl_db, env={})
    assert [(e.label, e.genes, e.strategies, e.direction) for e in panel.entries] == [
        ("JAK-STAT", ("JAK1", "JAK2", "JAK3", "TYK2", "STAT3"), ("senomorphic",), "inhibit"),
        ("mTOR", ("MTOR",), ("senomorphic", "senoreverter"), "inhibit"),
        ("NAD+ restoration", ("NAMPT", "SIRT1"), ("senoreverter",), "activate"),
    ]
    assert panel.source == f"extracted from {document}"
    parsed = tomllib.loads(text)
    assert [u["token"] for u in parsed["ungrounded"]] == ["TREM2"]
    assert parsed["unassigned"] == []

    output = tmp_path / "panels" / "doc.toml"
    written, same_text = senotarget.extract_panel(str(document), output, chembl_db=str(chembl_db))
    assert same_text == text
    assert output.read_text(encoding="utf-8") == text
    assert written == load_panel(output)  # the panel `senotarget run --panel` reads


def test_errors_are_senotarget_exceptions(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(ChemblSourceError, match="does not exist"):
        senotarget.rank(panel_file, missing, **_settings(tmp_path))
    with pytest.raises(PanelError, match="file not found"):
        senotarget.rank(tmp_path / "missing.toml", chembl_db, **_settings(tmp_path))
    with pytest.raises(ConfigError, match="setting workers"):
        senotarget.rank(panel_file, chembl_db, **_settings(tmp_path, workers=-1))
    with pytest.raises(SenotargetError, match="document"):
        senotarget.extract_panel(tmp_path / "missing.txt", chembl_db=chembl_db, env={})
    with pytest.raises(ChemblSourceError, match="does not exist"):
        (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
        senotarget.extract_panel(tmp_path / "doc.txt", chembl_db=missing, env={})
    with pytest.raises(TypeError, match="unknown settings"):
        senotarget.rank(panel_file, chembl_db, colour="blue")
    assert not (tmp_path / "reports").exists() or list((tmp_path / "reports").iterdir()) == []
