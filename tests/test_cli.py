"""cli: every command through typer's CliRunner, including the non-zero exits."""

from __future__ import annotations

from pathlib import Path

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
    assert "senolytic: 2 candidates" in result.stderr
    assert sorted(p.name for p in (tmp_path / "reports" / "cli").iterdir()) == [
        "candidates.csv",
        "candidates.parquet",
        "candidates.sdf",
        "evidence.csv",
        "evidence.parquet",
        "manifest.json",
        "targets.csv",
        "targets.parquet",
    ]


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
    assert "3 entries, 0 unassigned, 1 ungrounded (grounded on ChEMBL_99)" in result.stderr
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
