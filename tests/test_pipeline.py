"""pipeline: one run on the fixture database, end to end, and every bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from senotarget.errors import (
    ChemblSourceError,
    OutputError,
    PanelError,
    UnknownCompoundError,
    UnknownTargetError,
)
from senotarget.pipeline import resolve_genes, run
from senotarget.report.files import TABLES, read_run_table
from senotarget.runs.explain import explain
from senotarget.schema import CandidateCols, RankingCols, RunResult, SelectivityCols
from tests.conftest import fixture_settings

# strategy, rank, molecule, is_candidate, direction, labels, primary_label, targets
EXPECTED_CANDIDATES = [
    ("senolytic", 1, "CHEMBL900001", True, "mechanism", "senolytic", "senolytic", "BCL2;BCL2L1"),
    ("senolytic", 2, "CHEMBL900015", True, "inferred", "senolytic", "senolytic", "BCL2"),
    ("senolytic", 3, "CHEMBL900005", False, "contrary", "", "", "BCL2"),
    (
        "senomorphic",
        1,
        "CHEMBL900003",
        True,
        "mechanism",
        "senomorphic",
        "senomorphic",
        "JAK1;JAK2",
    ),
    (
        "senomorphic",
        2,
        "CHEMBL900011",
        True,
        "mechanism",
        "senomorphic;senoreverter",
        "senomorphic",
        "MTOR",
    ),
    ("senomorphic", 3, "CHEMBL900016", True, "action_type", "senomorphic", "senomorphic", "JAK2"),
    ("senomorphic", 4, "CHEMBL900014", True, "inferred", "senomorphic", "senomorphic", "JAK2"),
    ("senomorphic", 5, "CHEMBL900005", False, "contrary", "", "", "MTOR"),
    (
        "senoreverter",
        1,
        "CHEMBL900011",
        True,
        "mechanism",
        "senomorphic;senoreverter",
        "senomorphic",
        "MTOR",
    ),
    ("senoreverter", 2, "CHEMBL900006", True, "mechanism", "senoreverter", "senoreverter", "NAMPT"),
    ("senoreverter", 3, "CHEMBL900007", False, "contrary", "", "", "NAMPT"),
    ("senoreverter", 4, "CHEMBL900005", False, "contrary", "", "", "MTOR"),
]


#: The tables every run writes beside :data:`TABLES` (optional only for runs written before them).
RUN_TABLES = {"rankings.csv": RankingCols.ORDER, "selectivity.csv": SelectivityCols.ORDER}


def read(result: RunResult, name: str) -> pd.DataFrame:
    return pd.read_csv(Path(result.run_dir) / name, keep_default_na=False, na_values=[""])


def test_run_writes_every_table_with_exact_columns(fixture_run: RunResult) -> None:
    folder = Path(fixture_run.run_dir)
    assert sorted(p.name for p in folder.iterdir()) == [
        "candidates.csv",
        "candidates.parquet",
        "candidates.sdf",
        "evidence.csv",
        "evidence.parquet",
        "manifest.json",
        "rankings.csv",
        "rankings.parquet",
        "report.html",
        "selectivity.csv",
        "selectivity.parquet",
        "targets.csv",
        "targets.parquet",
        "validation.csv",
        "validation.parquet",
    ]
    for name, columns in {**TABLES, **RUN_TABLES}.items():
        assert list(read(fixture_run, name).columns) == list(columns)


def test_candidates_table(fixture_run: RunResult) -> None:
    table = read(fixture_run, "candidates.csv").fillna({"labels": "", "primary_label": ""})
    got = [
        (
            r.strategy,
            r.rank,
            r.molecule_chembl_id,
            bool(r.is_candidate),
            r.direction,
            r.labels,
            r.primary_label,
            r.targets,
        )
        for r in table.itertuples()
    ]
    assert got == EXPECTED_CANDIDATES


#: rankings.csv of the fixture run: (scope, key, rank, n_ranked, molecule, direction, targets)
EXPECTED_RANKINGS = [
    ("strategy", "senolytic", 1, 2, "CHEMBL900001", "mechanism", "BCL2;BCL2L1"),
    ("strategy", "senolytic", 2, 2, "CHEMBL900015", "inferred", "BCL2"),
    ("strategy", "senomorphic", 1, 4, "CHEMBL900003", "mechanism", "JAK1;JAK2"),
    ("strategy", "senomorphic", 2, 4, "CHEMBL900011", "mechanism", "MTOR"),
    ("strategy", "senomorphic", 3, 4, "CHEMBL900016", "action_type", "JAK2"),
    ("strategy", "senomorphic", 4, 4, "CHEMBL900014", "inferred", "JAK2"),
    ("strategy", "senoreverter", 1, 2, "CHEMBL900011", "mechanism", "MTOR"),
    ("strategy", "senoreverter", 2, 2, "CHEMBL900006", "mechanism", "NAMPT"),
    ("entry", "BCL-2 family", 1, 2, "CHEMBL900001", "mechanism", "BCL2;BCL2L1"),
    ("entry", "BCL-2 family", 2, 2, "CHEMBL900015", "inferred", "BCL2"),
    ("entry", "JAK-STAT", 1, 3, "CHEMBL900003", "mechanism", "JAK1;JAK2"),
    ("entry", "JAK-STAT", 2, 3, "CHEMBL900016", "action_type", "JAK2"),
    ("entry", "JAK-STAT", 3, 3, "CHEMBL900014", "inferred", "JAK2"),
    ("entry", "mTOR", 1, 1, "CHEMBL900011", "mechanism", "MTOR"),
    ("entry", "NAD+ restoration", 1, 1, "CHEMBL900006", "mechanism", "NAMPT"),
    ("gene", "BCL2", 1, 2, "CHEMBL900001", "mechanism", "BCL2"),
    ("gene", "BCL2", 2, 2, "CHEMBL900015", "inferred", "BCL2"),
    ("gene", "BCL2L1", 1, 1, "CHEMBL900001", "mechanism", "BCL2L1"),
    ("gene", "JAK1", 1, 1, "CHEMBL900003", "mechanism", "JAK1"),
    ("gene", "JAK2", 1, 3, "CHEMBL900003", "mechanism", "JAK2"),
    ("gene", "JAK2", 2, 3, "CHEMBL900016", "action_type", "JAK2"),
    ("gene", "JAK2", 3, 3, "CHEMBL900014", "inferred", "JAK2"),
    ("gene", "MTOR", 1, 1, "CHEMBL900011", "mechanism", "MTOR"),
    ("gene", "NAMPT", 1, 1, "CHEMBL900006", "mechanism", "NAMPT"),
]


def test_rankings_table(fixture_run: RunResult) -> None:
    table = read_run_table(Path(fixture_run.run_dir), "rankings.csv")
    assert list(table.columns) == list(RankingCols.ORDER)
    got = [
        (r.scope, r.key, r.rank, r.n_ranked, r.molecule_chembl_id, r.direction, r.targets)
        for r in table.itertuples()
    ]
    assert got == EXPECTED_RANKINGS
    # the strategy scope is candidates.csv's rank and score, row for row
    candidates = read_run_table(Path(fixture_run.run_dir), "candidates.csv")
    shown = candidates[candidates[CandidateCols.IS_CANDIDATE]]
    strategy = table[table[RankingCols.SCOPE] == "strategy"]
    columns = ["molecule_chembl_id", "rank", "score", *CandidateCols.COMPONENTS]
    assert strategy[columns].reset_index(drop=True).equals(shown[columns].reset_index(drop=True))
    # one entry per strategy here (senolytic: BCL-2 family), so the entry score is the strategy's
    bcl = table[(table[RankingCols.KEY] == "BCL-2 family")]
    assert list(bcl[RankingCols.SCORE]) == list(strategy[strategy.key == "senolytic"].score)


#: selectivity.csv of the fixture run: per top compound, the state on each resolved gene
EXPECTED_SELECTIVITY = {
    "CHEMBL900001": ["potent", "potent", "not_tested", "not_tested", "not_tested", "not_tested"],
    "CHEMBL900015": [
        "potent",
        "not_tested",
        "not_tested",
        "not_tested",
        "not_tested",
        "not_tested",
    ],
    "CHEMBL900003": ["not_tested", "not_tested", "potent", "potent", "not_tested", "not_tested"],
    "CHEMBL900011": [
        "not_tested",
        "not_tested",
        "not_tested",
        "not_tested",
        "mechanism_only",
        "not_tested",
    ],
    "CHEMBL900016": [
        "not_tested",
        "not_tested",
        "not_tested",
        "potent",
        "not_tested",
        "not_tested",
    ],
    "CHEMBL900014": [
        "not_tested",
        "not_tested",
        "not_tested",
        "potent",
        "not_tested",
        "not_tested",
    ],
    "CHEMBL900006": [
        "not_tested",
        "not_tested",
        "not_tested",
        "not_tested",
        "not_tested",
        "active_weak",
    ],
}


def test_selectivity_table(fixture_run: RunResult) -> None:
    table = read_run_table(Path(fixture_run.run_dir), "selectivity.csv")
    assert list(table.columns) == list(SelectivityCols.ORDER)
    genes = ["BCL2", "BCL2L1", "JAK1", "JAK2", "MTOR", "NAMPT"]  # resolved, panel order
    got: dict[str, list[str]] = {}
    columns = (table.molecule_chembl_id, table.gene_symbol, table.state)
    for molecule, gene, state in zip(*columns, strict=True):
        got.setdefault(str(molecule), []).append(str(state))
        assert gene == genes[len(got[str(molecule)]) - 1]
    assert got == EXPECTED_SELECTIVITY
    jaktive = table[table.molecule_chembl_id == "CHEMBL900003"].set_index("gene_symbol")
    assert list(jaktive.loc["JAK1", ["best_pchembl", "n_assays", "direction"]]) == [
        8.3,
        2,
        "mechanism",
    ]
    assert jaktive.loc["JAK1", "top_of"] == "strategy:senomorphic;entry:JAK-STAT"
    assert bool(table.loc[table.state == "not_tested", "best_pchembl"].isna().all())


@pytest.mark.parametrize(
    "molecule",
    ["CHEMBL900012", "CHEMBL900013"],
    ids=["low confidence only", "doubted value only"],
)
def test_no_label_from_inactive_weak_or_excluded_evidence(
    fixture_run: RunResult, molecule: str
) -> None:
    assert molecule not in set(
        read(fixture_run, "candidates.csv")[CandidateCols.MOLECULE_CHEMBL_ID]
    )
    assert molecule in set(read(fixture_run, "evidence.csv")["molecule_chembl_id"])


def test_salt_mechanisms_reach_the_parent(fixture_run: RunResult) -> None:
    evidence = read(fixture_run, "evidence.csv").set_index(
        ["molecule_chembl_id", "target_chembl_id"]
    )
    assert (
        evidence.loc[("CHEMBL900001", "CHEMBL90002"), "mechanism_molecules"] == "CHEMBL900002"
    )  # by structure
    assert (
        evidence.loc[("CHEMBL900003", "CHEMBL90005"), "mechanism_molecules"] == "CHEMBL900004"
    )  # by hierarchy
    assert "CHEMBL900002" not in set(
        read(fixture_run, "candidates.csv")[CandidateCols.MOLECULE_CHEMBL_ID]
    )


def test_senoreverter_rows_carry_relapse_caution(fixture_run: RunResult) -> None:
    table = read(fixture_run, "candidates.csv").fillna({"caution": ""})
    senoreverters = table[(table.strategy == "senoreverter") & table.is_candidate]
    assert senoreverters[CandidateCols.CAUTION].str.contains("Relapse risk").all()
    nad = table[
        (table.strategy == "senoreverter") & (table.molecule_chembl_id == "CHEMBL900006")
    ].iloc[0]
    assert nad[CandidateCols.CAUTION] == "Relapse risk (test). NAD+ caution (test)."
    assert (
        not table[table.strategy != "senoreverter"][CandidateCols.CAUTION]
        .str.contains("Relapse")
        .any()
    )


def test_flags_travel_to_candidates(fixture_run: RunResult) -> None:
    table = read(fixture_run, "candidates.csv").set_index(["strategy", "molecule_chembl_id"])
    assert (
        table.loc[("senomorphic", "CHEMBL900003"), "flags"] == "confidence_unknown;pchembl_computed"
    )
    assert table.loc[("senomorphic", "CHEMBL900014"), "flags"] == "invalid_smiles;phase_unknown"
    # a mechanism record without a measurement: potency unknown (not 0); the record also means
    # the compound is at least clinical, so a NULL max_phase is not "phase unknown"
    assert table.loc[("senomorphic", "CHEMBL900011"), "flags"] == "no_structure;potency_unknown"
    assert "pains_alert" in str(table.loc[("senolytic", "CHEMBL900015"), "flags"])


def test_targets_table_reports_unresolved_gene(fixture_run: RunResult) -> None:
    targets = read(fixture_run, "targets.csv")
    fake = targets[targets.gene_symbol == "FAKE1"]
    assert fake[["status", "target_chembl_id"]].fillna("").values.tolist() == [["unresolved", ""]]
    family = targets[(targets.gene_symbol == "JAK1") & (targets.target_type == "PROTEIN FAMILY")]
    assert family[["target_chembl_id", "confidence_min"]].values.tolist() == [["CHEMBL90005", 6]]


def test_manifest(fixture_run: RunResult) -> None:
    manifest = json.loads((Path(fixture_run.run_dir) / "manifest.json").read_text())
    assert manifest["chembl"]["release"] == "ChEMBL_99"
    assert manifest["chembl"]["source"] == "sql"
    assert manifest["counts"]["candidates_senolytic"] == 2
    assert manifest["counts"]["genes_unresolved"] == 1
    assert manifest["curation_rule_hits"]["pchembl_computed"] == 1
    assert set(manifest["timings_seconds"]) == {
        "resolve",
        "fetch",
        "curate",
        "chemistry",
        "aggregate",
        "classify",
        "score",
        "cluster",
        "rank",
        "validate",
        "report",
    }
    assert list(manifest["timings_seconds"])[-1] == "report"
    # write_run's own time (tables, manifest, report.html, exports), inside the pipeline's timing
    assert 0 < manifest["timings_seconds"]["report"] <= fixture_run.timings[-1].seconds
    assert {"rdkit", "chembl_structure_pipeline"} <= set(manifest["versions"])
    fingerprint = manifest["fingerprint"]
    assert fingerprint["chembl_release"] == "ChEMBL_99"
    assert fingerprint["panel_sha256"] == manifest["panel"]["sha256"]
    assert set(fingerprint) == {"chembl_release", "panel_sha256", "settings_sha256", "known_sha256"}
    # the shipped known list names real ChEMBL compounds, none of them in the fixture release
    assert manifest["validation"]["senolytic"]["not_in_release"] == 2
    assert "previous_run" not in manifest


#: Distinct SMILES among the fixture's 16 molecules (one has no structure).
FIXTURE_STRUCTURES = 15


def test_manifest_names_the_cache_and_its_hits(
    fixture_run: RunResult, chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    folder = Path(fixture_run.run_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    cache_dir = folder.parent.parent / "cache"
    assert manifest["settings"]["cache_dir"] == str(cache_dir)
    structures = cache_dir / "structures"
    cache_file = next(structures.glob("structures_*.sqlite"))
    assert manifest["cache"] == {  # a cold cache: every structure computed
        "dir": str(cache_dir),
        "origin": "argument",
        "structures": {
            "file": str(cache_file),
            "unique_structures": FIXTURE_STRUCTURES,
            "from_cache": 0,
            "computed": FIXTURE_STRUCTURES,
        },
    }
    again = run(
        fixture_settings(chembl_db, panel_file, tmp_path, run_id="warm", cache_dir=cache_dir)
    )
    warm = json.loads((Path(again.run_dir) / "manifest.json").read_text())
    assert warm["cache"]["structures"] == {  # the same cache: every structure read from it
        "file": str(cache_file),
        "unique_structures": FIXTURE_STRUCTURES,
        "from_cache": FIXTURE_STRUCTURES,
        "computed": 0,
    }
    for name in TABLES:
        assert (Path(again.run_dir) / name).read_bytes() == (folder / name).read_bytes()


def test_manifest_of_a_web_run_counts_the_requests_sent(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    from tests.stub import StubServer

    with StubServer(chembl_db, idle_timeout=120) as stub:
        settings = {"source": "web", "chembl_url": stub.base_url}
        cold = run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="cold", **settings))
        sent = stub.counters.snapshot()
        stub.counters.reset()
        warm = run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="warm", **settings))
        assert stub.counters.snapshot()["total"] == 0
    manifests = [json.loads((Path(r.run_dir) / "manifest.json").read_text()) for r in (cold, warm)]
    # /spore is read by the client itself (cached beside the pages), not by the source's session
    assert manifests[0]["cache"]["web"] == {
        "requests_sent": sent["total"] - sent["requests"].get("spore", 0)
    }
    assert manifests[0]["cache"]["web"]["requests_sent"] > 0
    assert manifests[1]["cache"]["web"] == {"requests_sent": 0}
    assert manifests[1]["cache"]["structures"]["from_cache"] == FIXTURE_STRUCTURES


def test_explain_by_name_and_id(fixture_run: RunResult) -> None:
    by_name = explain("bclinib", Path(fixture_run.run_dir), Path("unused"))
    by_id = explain("CHEMBL900001", Path(fixture_run.run_dir), Path("unused"))
    assert by_name.molecule_chembl_id == by_id.molecule_chembl_id == "CHEMBL900001"
    assert list(by_name.candidates[CandidateCols.STRATEGY]) == ["senolytic"]
    assert by_name.weights["potency"] == 0.3
    with pytest.raises(UnknownCompoundError, match="NOSUCH"):
        explain("NOSUCH", Path(fixture_run.run_dir), Path("unused"))


def test_resolve_genes_rejects_unknown_symbol(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    settings = fixture_settings(chembl_db, panel_file, tmp_path)
    table, release = resolve_genes(settings, ["BCL2", "P23458"])
    assert release == "ChEMBL_99"
    assert set(table.target_chembl_id) == {"CHEMBL90001", "CHEMBL90003", "CHEMBL90005"}
    with pytest.raises(UnknownTargetError, match="NOTAGENE"):
        resolve_genes(settings, ["BCL2", "NOTAGENE"])


def _not_chembl(tmp_path: Path) -> str:
    path = tmp_path / "other.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE x (a)").connection.close()
    return str(path)


BAD_INPUTS = [
    (
        "missing database",
        lambda t, db, p: {"chembl_db": str(t / "nope.sqlite")},
        ChemblSourceError,
        "does not exist",
    ),
    (
        "text file as database",
        lambda t, db, p: {"chembl_db": str(p)},
        ChemblSourceError,
        "cannot be opened",
    ),
    (
        "non-ChEMBL database",
        lambda t, db, p: {"chembl_db": _not_chembl(t)},
        ChemblSourceError,
        "not a ChEMBL release",
    ),
    (
        "bad panel",
        lambda t, db, p: {"panel": str(t / "missing.toml")},
        PanelError,
        "file not found",
    ),
    ("run id with ..", lambda t, db, p: {"run_id": "../x"}, OutputError, "not a plain name"),
    ("absolute run id", lambda t, db, p: {"run_id": "/tmp/x"}, OutputError, "not a plain name"),
    ("unwritable output", lambda t, db, p: {"out_dir": p / "sub"}, OutputError, "not writable"),
]


@pytest.mark.parametrize(
    ("change", "error", "message"), [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_fails_cleanly(
    chembl_db: Path,
    panel_file: Path,
    tmp_path: Path,
    change: object,
    error: type[Exception],
    message: str,
) -> None:
    overrides = change(tmp_path, chembl_db, panel_file)  # type: ignore[operator]
    settings = fixture_settings(chembl_db, panel_file, tmp_path, **overrides)
    with pytest.raises(error, match=message) as caught:
        run(settings)
    assert "\n" not in str(caught.value)
    reports = tmp_path / "reports"
    assert not reports.exists() or list(reports.iterdir()) == []


def test_all_genes_unresolved_is_an_error(chembl_db: Path, tmp_path: Path) -> None:
    panel = tmp_path / "p.toml"
    panel.write_text(
        '[[entries]]\nlabel = "x"\ngenes = ["NOPE1", "NOPE2"]\nstrategies = ["senolytic"]\n'
        'direction = "inhibit"\ncitation = "t"\n'
    )
    with pytest.raises(UnknownTargetError, match="no panel gene resolved"):
        run(fixture_settings(chembl_db, panel, tmp_path))
    assert not (tmp_path / "reports").exists()  # the failed run removes the folder it made


def test_existing_run_folder_is_kept(chembl_db: Path, panel_file: Path, tmp_path: Path) -> None:
    (tmp_path / "reports" / "taken").mkdir(parents=True)
    (tmp_path / "reports" / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="already exists"):
        run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="taken"))
    assert (tmp_path / "reports" / "taken" / "keep.txt").read_text() == "mine"


def test_runs_are_deterministic(
    chembl_db: Path, panel_file: Path, tmp_path: Path, fixture_run: RunResult
) -> None:
    again = run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="again"))
    for name in [*TABLES, *RUN_TABLES]:
        assert read(again, name).equals(read(fixture_run, name))


@pytest.mark.parametrize("rows", [1, 3, 7, 19])
def test_partitioned_runs_write_the_same_tables(
    chembl_db: Path, panel_file: Path, tmp_path: Path, fixture_run: RunResult, rows: int
) -> None:
    """Curating a few rows at a time and aggregating by parent changes nothing (issue 13)."""
    split = run(
        fixture_settings(chembl_db, panel_file, tmp_path, run_id="split", partition_rows=rows)
    )
    for name in [*TABLES, *RUN_TABLES]:
        assert (Path(split.run_dir) / name).read_bytes() == (
            Path(fixture_run.run_dir) / name
        ).read_bytes(), name
    record = json.loads((Path(split.run_dir) / "manifest.json").read_text())
    whole = json.loads((Path(fixture_run.run_dir) / "manifest.json").read_text())
    assert record["partitions"] == {
        "rows": rows,
        "fetched": -(-20 // rows),
        "aggregated": record["partitions"]["aggregated"],
    }
    assert 1 < record["partitions"]["aggregated"] <= -(-20 // rows)
    for key in ("counts", "curation_rule_hits", "release_wide_flags", "chemistry_basis"):
        assert record[key] == whole[key], key
    assert not (tmp_path / "cache" / "partitions").exists()  # the spill is removed


def test_a_partitioned_run_never_holds_the_support_rows_whole(
    chembl_db: Path, panel_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The support rows grow with the measurements: counted a piece at a time (issue 13)."""
    from senotarget.stages import support as support_module

    pieces: list[int] = []
    counted = support_module._count

    def recorded(asked: pd.DataFrame, piece: pd.DataFrame, *args: Any) -> pd.DataFrame:
        pieces.append(len(piece))
        return counted(asked, piece, *args)

    monkeypatch.setattr(support_module, "_count", recorded)
    run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="pieces", partition_rows=3))
    split = list(pieces)
    pieces.clear()
    run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="whole"))
    # one bucket: every count reads all the rows; in buckets, no count ever reads them all
    assert len(split) > len(pieces) > 0
    assert max(split) < max(pieces) == min(pieces)


def test_a_failed_run_leaves_no_partitions_behind(
    chembl_db: Path, panel_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from senotarget.stages import aggregate

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("aggregation broke")

    monkeypatch.setattr(aggregate, "combine", broken)
    with pytest.raises(RuntimeError, match="aggregation broke"):
        run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="broken", partition_rows=3))
    assert not (tmp_path / "cache" / "partitions").exists()
    assert not (tmp_path / "reports" / "broken").exists()


class _Recorder:
    """A Progress that records what the run told it."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, int | None]] = []
        self.advanced: dict[str, int] = {}

    def stage(self, description: str, total: int | None = None) -> None:
        self.stages.append((description, total))

    def advance(self, amount: int) -> None:
        current = self.stages[-1][0]
        self.advanced[current] = self.advanced.get(current, 0) + amount


def test_progress_reports_each_stage_and_every_structure(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    recorder = _Recorder()
    run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="progress"), progress=recorder)
    assert [d for d, _ in recorder.stages][1:] == [
        "fetching and curating the activities on 7 targets",
        "fetching mechanisms and molecules",
        "mechanisms",
        "16 molecules",
        "standardising structures",
        "aggregating evidence on parent compounds",
        "classifying and scoring",
        "writing reports",
    ]
    assert ("standardising structures", 16) in recorder.stages
    assert ("aggregating evidence on parent compounds", 1) in recorder.stages
    assert recorder.advanced == {
        "fetching and curating the activities on 7 targets": 20,  # activity rows
        "standardising structures": 16,
        "aggregating evidence on parent compounds": 1,
    }


def test_an_unresolved_gene_is_said_on_stderr(
    chembl_db: Path, panel_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression: a panel gene that resolved to nothing was reported only in targets.csv."""
    import logging

    with caplog.at_level(logging.WARNING, logger="senotarget.pipeline"):
        run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="warn"))
    assert (
        "1 panel gene(s) match no usable ChEMBL target in ChEMBL_99 and are left out: FAKE1 "
        "(reasons in targets.csv)"
    ) in caplog.text


def test_a_release_with_its_own_chemistry_is_used_and_counted(
    panel_file: Path, tmp_path: Path
) -> None:
    """ChEMBL's QED and alerts where the release has them (issue 13 item 2), said per column."""
    from senotarget.report.files import read_table_file
    from tests.chembl_fixture import build_chembl_db
    from tests.conftest import fixture_settings

    db = build_chembl_db(tmp_path / "db.sqlite", chembl_chemistry=True)
    result = run(fixture_settings(db, panel_file, tmp_path, run_id="own-chem"))
    candidates = read_table_file(Path(result.run_dir) / "candidates.csv")
    bclinib = candidates[candidates["molecule_chembl_id"] == "CHEMBL900001"].iloc[0]
    assert (bclinib["qed"], bclinib["qed_basis"], bclinib["alerts_basis"]) == (
        0.42,
        "chembl",
        "chembl",
    )
    assert bclinib["brenk"] == "Aliphatic long chain" and bclinib["pains"] == ""
    assert bclinib["structure_basis"] == "computed"  # the release has no InChIKey for it
    # JAKTIVE: the release's structure and key (its citrate's parent), QED computed from it
    jaktive = candidates[candidates["molecule_chembl_id"] == "CHEMBL900003"].iloc[0]
    assert (jaktive["structure_basis"], jaktive["qed_basis"], jaktive["alerts_basis"]) == (
        "chembl",
        "computed",
        "chembl",
    )
    plain = read_table_file(Path(run(fixture_settings(
        build_chembl_db(tmp_path / "plain.sqlite"), panel_file, tmp_path, run_id="plain"
    )).run_dir) / "candidates.csv")  # fmt: skip
    same = plain[plain["molecule_chembl_id"] == "CHEMBL900003"].iloc[0]
    for column in ("canonical_smiles", "murcko_scaffold", "qed", "pains", "brenk", "cluster"):
        assert jaktive[column] == same[column], column  # both paths agree on JAKTIVE
    assert same["structure_basis"] == "computed"
    manifest = json.loads((Path(result.run_dir) / "manifest.json").read_text())
    # 16 molecules: one unparsable, one biologic; BCLINIB SODIUM's alerts are computed on its
    # parent (the release screens the salt record), the other 13 take the release's
    assert manifest["chemistry_basis"] == {
        "structure_from_chembl": 2,
        "structure_computed": 12,
        "qed_from_chembl": 2,
        "qed_computed": 12,
        "alerts_from_chembl": 13,
        "alerts_computed": 1,
    }
