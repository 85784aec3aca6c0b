"""cli: every command through typer's CliRunner, including the non-zero exits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from senotarget.cli import app
from senotarget.schema import RunResult

runner = CliRunner()


def base_args(chembl_db: Path, panel_file: Path, tmp_path: Path) -> list[str]:
    return [
        "--chembl-db",
        str(chembl_db),
        "--panel",
        str(panel_file),
        "--out",
        str(tmp_path / "reports"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--workers",
        "1",
    ]


def test_run_prints_the_run_folder_last(chembl_db: Path, panel_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", *base_args(chembl_db, panel_file, tmp_path), "--run-id", "cli"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(tmp_path / "reports" / "cli")
    # not a terminal: no progress bars, no escape codes, only the summary
    assert result.stderr.splitlines() == [*SUMMARY_STRATEGY, *SUMMARY_ENTRY, *SUMMARY_GENE]
    assert sorted(p.name for p in (tmp_path / "reports" / "cli").iterdir()) == [
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


#: The fixture run's summary, one block per ranking (rankings.csv), best 3 per key.
SUMMARY_STRATEGY = [
    "senolytic: 2 candidates; best: BCLINIB 0.692, QUERCETIN 0.271",
    "senomorphic: 4 candidates; best: JAKTIVE 0.689, MTORMAB 0.512, CHEMBL900016 0.396",
    "senoreverter: 2 candidates; best: MTORMAB 0.512, NAMPTACT 0.461",
]
SUMMARY_ENTRY = [
    "by panel entry:",
    "  BCL-2 family: 2 ranked; best: BCLINIB 0.692, QUERCETIN 0.271",
    "  JAK-STAT: 3 ranked; best: JAKTIVE 0.689, CHEMBL900016 0.396, CHEMBL900014 0.396",
    "  mTOR: 1 ranked; best: MTORMAB 0.512",
    "  NAD+ restoration: 1 ranked; best: NAMPTACT 0.461",
]
SUMMARY_GENE = [
    "by gene:",
    "  BCL2: 2 ranked; best: BCLINIB 0.684, QUERCETIN 0.321",
    "  BCL2L1: 1 ranked; best: BCLINIB 0.614",
    "  JAK1: 1 ranked; best: JAKTIVE 0.689",
    "  JAK2: 3 ranked; best: JAKTIVE 0.636, CHEMBL900016 0.446, CHEMBL900014 0.446",
    "  MTOR: 1 ranked; best: MTORMAB 0.512",
    "  NAMPT: 1 ranked; best: NAMPTACT 0.461",
]


INDENTED_STRATEGY = [f"  {line}" for line in SUMMARY_STRATEGY]


@pytest.mark.parametrize(
    ("rank_by", "expected"),
    [
        ("entry", [*SUMMARY_ENTRY, "by strategy:", *INDENTED_STRATEGY, *SUMMARY_GENE]),
        ("gene", [*SUMMARY_GENE, "by strategy:", *INDENTED_STRATEGY, *SUMMARY_ENTRY]),
    ],
)
def test_run_rank_by_puts_that_ranking_first(
    chembl_db: Path, panel_file: Path, tmp_path: Path, rank_by: str, expected: list[str]
) -> None:
    args = [*base_args(chembl_db, panel_file, tmp_path), "--run-id", "r", "--rank-by", rank_by]
    result = runner.invoke(app, ["run", *args])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == expected
    manifest = json.loads((tmp_path / "reports" / "r" / "manifest.json").read_text())
    assert manifest["settings"]["rank_by"] == rank_by
    assert manifest["settings"]["origins"]["rank_by"] == "argument"


def test_run_rank_by_unknown_exits_1(chembl_db: Path, panel_file: Path, tmp_path: Path) -> None:
    args = [*base_args(chembl_db, panel_file, tmp_path), "--rank-by", "pathway"]
    result = runner.invoke(app, ["run", *args])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "senotarget: error: setting rank_by from argument is invalid ('pathway' is not one of "
        "strategy, entry, gene): pass --rank-by, set SENOTARGET_RANK_BY, or set rank_by in the "
        "config file"
    )
    assert not (tmp_path / "reports").exists()


def test_verbose_without_terminal_prints_one_line_per_stage(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["run", *base_args(chembl_db, panel_file, tmp_path), "--run-id", "v", "-v"]
    )
    assert result.exit_code == 0, result.output
    stages = [line for line in result.stderr.splitlines() if line.startswith("senotarget: ")]
    assert stages[0].startswith("senotarget: resolving 7 genes on ")
    assert stages[1:] == [
        "senotarget: fetching and curating the activities on 7 targets",
        "senotarget: fetching mechanisms and molecules",
        "senotarget: mechanisms",
        "senotarget: 16 molecules",
        "senotarget: standardising structures (16)",
        "senotarget: aggregating evidence on parent compounds (1)",
        "senotarget: classifying and scoring",
        "senotarget: writing reports",
    ]
    assert "\x1b[" not in result.stderr


def test_progress_bars_on_a_terminal(chembl_db: Path, panel_file: Path, tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from senotarget.cli import _RichProgress
    from senotarget.pipeline import run
    from tests.conftest import fixture_settings

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    with _RichProgress(console) as bars:
        run(fixture_settings(chembl_db, panel_file, tmp_path, run_id="bars"), progress=bars)
    final = buffer.getvalue()
    assert "standardising structures" in final
    assert "16/16" in final  # the chemistry bar counted every molecule
    assert "writing reports" in final


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--chembl-db", "/nonexistent/chembl.db"],
            "/nonexistent/chembl.db: file does not exist: pass --chembl-db",
        ),
        (["--run-id", "../escape"], "run id '../escape' is not a plain name"),
        (["--panel", "/nonexistent/panel.toml"], "panel /nonexistent/panel.toml: file not found"),
        (["--source", "sql", "--chembl-db", ""], "the sql source needs a ChEMBL release"),
    ],
    ids=["missing db", "bad run id", "missing panel", "sql without db"],
)
def test_run_user_errors_exit_1_with_one_line(
    chembl_db: Path, panel_file: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["run", *base_args(chembl_db, panel_file, tmp_path), *args])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("senotarget: error: ")
    assert message in lines[0]
    assert not (tmp_path / "reports").exists() or list((tmp_path / "reports").iterdir()) == []


def test_bad_config_value_exits_1(chembl_db: Path, panel_file: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[weights]\npotency = -1\n")
    result = runner.invoke(
        app, ["run", *base_args(chembl_db, panel_file, tmp_path), "--config", str(config)]
    )
    assert result.exit_code == 1
    assert "weight potency is negative" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--workers", "many"],
        ["run", "--no-such-option"],
        ["explain"],
        ["targets", "frobnicate"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_targets_list_default_panel() -> None:
    result = runner.invoke(app, ["targets", "list"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "# panel default (builtin:default)"
    assert lines[1] == "label\tgenes\tstrategies\tdirection\tcitation"
    assert [line.split("\t")[0] for line in lines[2:]] == [
        "BCL-2 family",
        "PI3K/AKT",
        "insulin/IGF-1 signalling",
        "NF-κB",
        "JAK-STAT",
        "mTOR",
        "NLRP3 inflammasome",
        "CCR2 (infiltration)",
        "NAD+ restoration",
    ]
    assert lines[-1].split("\t")[1:4] == ["NAMPT SIRT1", "senoreverter", "activate"]


def test_targets_resolve_genes(chembl_db: Path) -> None:
    result = runner.invoke(app, ["targets", "resolve", "JAK1", "--chembl-db", str(chembl_db)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()[2:]]
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        ("JAK1", "CHEMBL90003", "SINGLE PROTEIN", "resolved"),
        ("JAK1", "CHEMBL90005", "PROTEIN FAMILY", "resolved"),
    ]


def test_targets_resolve_unknown_gene_exits_1(chembl_db: Path) -> None:
    result = runner.invoke(app, ["targets", "resolve", "NOTAGENE", "--chembl-db", str(chembl_db)])
    assert result.exit_code == 1
    assert "gene NOTAGENE matches no ChEMBL target" in result.stderr


def test_explain(fixture_run: RunResult) -> None:
    result = runner.invoke(app, ["explain", "BCLINIB", "--run", fixture_run.run_dir])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0].startswith("CHEMBL900001 BCLINIB")
    assert "component\tweight\tvalue\tcontribution" in out
    assert "potency\t+0.30\t" in out
    assert "evidence: inhibits BCL2 (median pIC50 8.0, 2 assays, mechanism: INHIBITOR)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOSUCH"], "compound 'NOSUCH' is not in run"),
        (["X", "--out", "/nonexistent/reports"], "no finished run under"),
    ],
)
def test_explain_errors_exit_1(fixture_run: RunResult, args: list[str], message: str) -> None:
    extra = ["--run", fixture_run.run_dir] if args[0] == "NOSUCH" else []
    result = runner.invoke(app, ["explain", *args, *extra])
    assert result.exit_code == 1
    assert message in result.stderr


def test_targets_from_doc_writes_a_runnable_panel(chembl_db: Path, tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("Senomorphics inhibit JAK-STAT and mTOR. NAMPT restores NAD+. TREM2 is up.\n")
    out = tmp_path / "panels" / "doc.toml"
    result = runner.invoke(
        app, ["targets", "from-doc", str(doc), "-o", str(out), "--chembl-db", str(chembl_db)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert (
        "3 entries, 0 unassigned, 1 ungrounded, 0 ambiguous, 0 gene-shaped tokens filtered "
        "(grounded on ChEMBL_99)" in result.stderr
    )
    run = runner.invoke(
        app,
        [
            "run",
            "--panel",
            str(out),
            "--chembl-db",
            str(chembl_db),
            "--workers",
            "1",
            "--out",
            str(tmp_path / "reports"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert run.exit_code == 0, run.output
    assert "senomorphic: 4 candidates" in run.stderr


def test_targets_from_doc_prints_toml_without_output(chembl_db: Path, tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("The BCL-2 family keeps senescent cells alive.\n")
    result = runner.invoke(app, ["targets", "from-doc", str(doc), "--chembl-db", str(chembl_db)])
    assert result.exit_code == 0, result.output
    assert 'label = "BCL-2 family"' in result.stdout


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda t: [str(t / "missing.txt")], "document"),
        (lambda t: [str(t / "doc.txt"), "-o", str(t / "doc.txt" / "x.toml")], "cannot write"),
    ],
    ids=["missing document", "unwritable output"],
)
def test_targets_from_doc_errors_exit_1(
    chembl_db: Path, tmp_path: Path, make_args: object, message: str
) -> None:
    (tmp_path / "doc.txt").write_text("mTOR drives the SASP.\n")
    args = make_args(tmp_path)  # type: ignore[operator]
    result = runner.invoke(app, ["targets", "from-doc", *args, "--chembl-db", str(chembl_db)])
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "code", "message", "written"),
    [
        (
            "Senescent macrophages secrete TNF.\n",
            0,
            "no strategy rule matched: the 1 grounded genes are written under [[unassigned]]",
            True,
        ),
        ("TREM2 and KRAS rise with age.\n", 1, "names no gene that ChEMBL_99 can ground", False),
        ("   \n", 1, "has no text", False),
    ],
    ids=["genes without a rule", "nothing grounded", "empty"],
)
def test_targets_from_doc_says_what_it_wrote_in_one_line(
    chembl_db: Path, tmp_path: Path, text: str, code: int, message: str, written: bool
) -> None:
    doc, out = tmp_path / "doc.txt", tmp_path / "doc.toml"
    doc.write_text(text, encoding="utf-8")
    result = runner.invoke(
        app, ["targets", "from-doc", str(doc), "-o", str(out), "--chembl-db", str(chembl_db)]
    )
    assert result.exit_code == code, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert out.is_file() is written
    if written:  # valid to read back, refused by run until an entry gives a strategy
        run = runner.invoke(
            app,
            ["run", "--panel", str(out), "--chembl-db", str(chembl_db), "--out", str(tmp_path)],
        )
        assert run.exit_code == 1
        assert "has no [[entries]]: its genes are under [[unassigned]]" in run.stderr


# -- refresh and diff ----------------------------------------------------------------------------


def _refresh(db: Path, panel_file: Path, tmp_path: Path, *extra: str) -> Any:
    args = ["refresh", *base_args(db, panel_file, tmp_path), *extra]
    return runner.invoke(app, args)


def _new_release(chembl_db: Path, tmp_path: Path) -> Path:
    """A copy of the fixture release as 'ChEMBL_100', where one BCLINIB IC50 became doubtful."""
    import shutil
    import sqlite3

    db = tmp_path / "chembl_100.sqlite"
    shutil.copy(chembl_db, db)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE version SET name = 'ChEMBL_100'")
        connection.execute(
            "UPDATE activities SET data_validity_comment = 'Outside typical range' "
            "WHERE activity_id = 2"
        )
    return db


def test_refresh_runs_then_does_nothing_then_reruns_on_a_new_release(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    first = _refresh(chembl_db, panel_file, tmp_path)
    assert first.exit_code == 0, first.output
    assert "fixture: no earlier run of panel fixture under" in first.stderr
    run_a = Path(first.stdout.strip())
    assert run_a.parent == reports
    assert not (run_a / "changes.csv").exists()

    second = _refresh(chembl_db, panel_file, tmp_path)
    assert second.exit_code == 0, second.output
    assert second.stderr.startswith(f"fixture: up to date (run {run_a}")
    assert "nothing to do" in second.stderr
    assert second.stdout.strip() == str(run_a)
    assert [p.name for p in reports.iterdir()] == [run_a.name]

    third = _refresh(_new_release(chembl_db, tmp_path), panel_file, tmp_path)
    assert third.exit_code == 0, third.output
    assert "fixture: ChEMBL release ChEMBL_99 -> ChEMBL_100; new run (" in third.stderr
    run_b = Path(third.stdout.strip())
    assert run_b != run_a
    assert run_a.is_dir()  # the previous run is kept
    changes = pd.read_csv(run_b / "changes.csv", keep_default_na=False)
    withdrawn = changes[changes["change"] == "evidence_withdrawn"]
    assert withdrawn[
        ["molecule_chembl_id", "target_chembl_id", "standard_type"]
    ].values.tolist() == [["CHEMBL900001", "CHEMBL90001", "IC50"]]
    assert "+data_validity" in withdrawn["detail"].iloc[0]
    html = (run_b / "report.html").read_text(encoding="utf-8")
    assert '<section id="changes">' in html
    assert "ChEMBL release ChEMBL_99 -&gt; ChEMBL_100" in html
    manifest = json.loads((run_b / "manifest.json").read_text())
    assert manifest["previous_run"]["run_id"] == run_a.name
    assert manifest["fingerprint"]["chembl_release"] == "ChEMBL_100"


def test_refresh_reruns_when_settings_change(
    chembl_db: Path, panel_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _refresh(chembl_db, panel_file, tmp_path).exit_code == 0
    monkeypatch.setenv("SENOTARGET_WEIGHT_POTENCY", "0.5")
    again = _refresh(chembl_db, panel_file, tmp_path)
    assert again.exit_code == 0, again.output
    assert "settings changed (weights.potency 0.3 -> 0.5)" in again.stderr
    assert len(list((tmp_path / "reports").iterdir())) == 2


def test_refresh_reruns_when_the_panel_file_changes(
    chembl_db: Path, panel_file: Path, tmp_path: Path
) -> None:
    panel = tmp_path / "panel.toml"
    panel.write_text(panel_file.read_text(encoding="utf-8"), encoding="utf-8")
    assert _refresh(chembl_db, panel, tmp_path).exit_code == 0
    panel.write_text(panel.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    again = _refresh(chembl_db, panel, tmp_path)
    assert again.exit_code == 0, again.output
    assert f"panel file {panel} changed" in again.stderr


def test_refresh_error_exits_1(panel_file: Path, tmp_path: Path) -> None:
    result = _refresh(tmp_path / "missing.sqlite", panel_file, tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("senotarget: error: ")
    assert "missing.sqlite: file does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_diff_command(chembl_db: Path, panel_file: Path, tmp_path: Path) -> None:
    first = _refresh(chembl_db, panel_file, tmp_path)
    second = _refresh(_new_release(chembl_db, tmp_path), panel_file, tmp_path)
    run_a, run_b = Path(first.stdout.strip()), Path(second.stdout.strip())
    result = runner.invoke(app, ["diff", str(run_a), str(run_b)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"# changes {run_a.name} -> {run_b.name}"
    assert lines[1].split("\t") == [
        "change",
        "strategy",
        "molecule_chembl_id",
        "pref_name",
        "target_chembl_id",
        "standard_type",
        "before",
        "after",
        "detail",
    ]
    assert any(line.startswith("evidence_withdrawn\t\tCHEMBL900001\t") for line in lines)
    assert result.stderr.startswith(f"{run_a.name} -> {run_b.name}: ")
    assert "1 evidence row withdrawn" in result.stderr
    out = tmp_path / "changes.csv"
    written = runner.invoke(app, ["diff", str(run_a), str(run_b), "-o", str(out)])
    assert written.exit_code == 0
    assert written.stdout.strip() == str(out)
    assert pd.read_csv(out, keep_default_na=False).equals(
        pd.read_csv(run_b / "changes.csv", keep_default_na=False)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff", "/nonexistent/a", "/nonexistent/b"], "/nonexistent/a is not a finished"),
        (
            ["diff", ".", ".", "--min-rank-move", "0"],
            (
                "setting min_rank_move from argument is invalid ('0' is below 1 (a rank move is "
                "at least one place)): pass --min-rank-move, set SENOTARGET_MIN_RANK_MOVE, or set "
                "min_rank_move in the config file"
            ),
        ),
    ],
)
def test_diff_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr
