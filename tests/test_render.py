"""report.html: content, escaping, self-containment, and re-rendering from the run's files."""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from senotarget.cli import app
from senotarget.report import html as render
from senotarget.report.files import read_table_file
from senotarget.schema import CandidateCols, RunResult
from senotarget.stages import curate

WEIGHTS = {
    "potency": 0.30,
    "evidence": 0.15,
    "maturity": 0.15,
    "direction_certainty": 0.20,
    "breadth": 0.10,
    "druglikeness": 0.10,
    "alert_penalty": -0.05,
}


def _copy_run(run: RunResult, tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    shutil.copytree(run.run_dir, folder)
    return folder


def _html(folder: Path) -> str:
    return (folder / render.REPORT_HTML).read_text(encoding="utf-8")


def _rows(html: str, table_id: str) -> list[str]:
    table = html.split(f'id="{table_id}"', 1)[1]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", body, flags=re.DOTALL)


# -- score bars -------------------------------------------------------------------------------

#: (component values, expected contributions in component order, expected penalty contribution)
SEGMENT_CASES: list[tuple[dict[str, Any], list[float], float | None]] = [
    (
        {
            "potency": 1.0,
            "evidence": 1.0,
            "maturity": 1.0,
            "direction_certainty": 1.0,
            "breadth": 1.0,
            "druglikeness": 1.0,
            "alert_penalty": 0.0,
        },
        [0.30, 0.15, 0.15, 0.20, 0.10, 0.10],
        None,
    ),
    (
        {
            "potency": 0.5,
            "evidence": 0.0,
            "maturity": 0.25,
            "direction_certainty": 0.5,
            "breadth": 1.0,
            "druglikeness": 0.4,
            "alert_penalty": 1.0,
        },
        [0.15, 0.0, 0.0375, 0.10, 0.10, 0.04],
        -0.05,
    ),
    (  # missing values count as 0, not as a crash
        {"potency": float("nan"), "alert_penalty": 0.5},
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        -0.025,
    ),
]


@pytest.mark.parametrize(("row", "contributions", "penalty"), SEGMENT_CASES)
def test_score_segments_are_weight_times_value(
    row: dict[str, Any], contributions: list[float], penalty: float | None
) -> None:
    segments, alert = render.score_segments(row, WEIGHTS)
    assert [s.component for s in segments] == [
        "potency",
        "evidence",
        "maturity",
        "direction_certainty",
        "breadth",
        "druglikeness",
    ]
    assert [round(s.contribution, 6) for s in segments] == contributions
    assert [s.width for s in segments] == [round(100 * c, 2) for c in contributions]
    assert (None if alert is None else round(alert.contribution, 6)) == penalty


@pytest.mark.parametrize(
    ("smiles", "drawn"),
    [
        ("CC(=O)Oc1ccccc1C(=O)O", True),
        ("[Na+].[Cl-]", True),
        ("", False),
        ("C1CC", False),  # unclosed ring: unparsable
        ("not a smiles", False),
    ],
)
def test_structure_data_uri(smiles: str, drawn: bool) -> None:
    uri = render.structure_data_uri(smiles)
    assert (uri is not None) is drawn
    if uri is not None:
        prefix = "data:image/svg+xml;base64,"
        assert uri.startswith(prefix)
        svg = base64.b64decode(uri.removeprefix(prefix)).decode("utf-8")
        assert "<svg" in svg
        assert "</svg>" in svg


# -- the page of a run ------------------------------------------------------------------------


def test_run_writes_report_with_every_section(fixture_run: RunResult) -> None:
    html = _html(Path(fixture_run.run_dir))
    for section in (
        "summary",
        "targets",
        "senolytic",
        "senomorphic",
        "senoreverter",
        "potency",
        "curation",
        "methods",
        "provenance",
    ):
        assert f'<section id="{section}">' in html
    assert "ChEMBL_99" in html
    assert "CC BY-SA 3.0" in html
    assert not re.search(r">\s*(nan|None)\s*<", html)  # missing values are empty cells


def test_top_candidates_per_strategy_with_structures(fixture_run: RunResult) -> None:
    folder = Path(fixture_run.run_dir)
    html = _html(folder)
    candidates = read_table_file(folder / "candidates.csv")
    chosen = candidates[candidates[CandidateCols.IS_CANDIDATE].astype(bool)]
    for strategy, rows in chosen.groupby(CandidateCols.STRATEGY):
        shown = _rows(html, f"table-{strategy}")
        assert len(shown) == len(rows)
        ids = [re.search(r"CHEMBL9\d+", r).group(0) for r in shown]  # type: ignore[union-attr]
        assert (
            ids == rows.sort_values(CandidateCols.RANK)[CandidateCols.MOLECULE_CHEMBL_ID].tolist()
        )
    smiles = chosen[CandidateCols.CANONICAL_SMILES].fillna("").astype(str)
    drawable = sum(render.structure_data_uri(s) is not None for s in smiles)
    # 8 candidate rows; MTORMAB (a biologic, in two strategies) and CHEMBL900014 (invalid SMILES)
    assert (len(chosen), drawable) == (8, 5)
    assert html.count('<img class="structure"') == drawable
    assert html.count('class="nostructure"') == 3
    assert "no small-molecule structure" in html
    assert "SMILES could not be drawn" in html


def test_targets_table_counts_and_unresolved(fixture_run: RunResult) -> None:
    rows = _rows(_html(Path(fixture_run.run_dir)), "targets-table")
    assert len(rows) == 7  # one per panel gene
    fake = next(r for r in rows if "<b>FAKE1</b>" in r)
    assert 'class="status-unresolved"' in fake
    assert "no ChEMBL target component has gene symbol or accession FAKE1" in fake
    nampt = next(r for r in rows if "<b>NAMPT</b>" in r)
    assert "NAD+ caution (test)." in nampt
    jak1 = next(r for r in rows if "<b>JAK1</b>" in r)
    assert "CHEMBL90003" in jak1
    assert "CHEMBL90005" in jak1


def test_curation_counts_come_from_the_manifest(fixture_run: RunResult) -> None:
    import json

    folder = Path(fixture_run.run_dir)
    hits = json.loads((folder / "manifest.json").read_text())["curation_rule_hits"]
    rows = _rows(_html(folder), "curation-table")
    assert len(rows) == len(curate.RULES)
    for rule, row in zip(curate.RULES, rows, strict=True):
        assert f"<code>{rule.id}</code>" in row
        assert f'data-v="{hits.get(rule.id, 0)}"' in row


def test_methods_list_every_rule_with_a_citation() -> None:
    methods = render.methods()
    names = {m.name for m in methods}
    for rule in curate.RULES:
        assert f"{rule.id} ({rule.severity})" in names
    assert {m.stage for m in methods} == {"resolve", "curate", "chemistry", "classify", "score"}
    assert all(m.citation and m.text for m in methods)


def test_page_is_self_contained(fixture_run: RunResult) -> None:
    html = _html(Path(fixture_run.run_dir))
    assert "<link" not in html
    assert "@import" not in html
    assert not re.search(r"""src=["']?(https?:)?//""", html)
    assert not re.search(r"url\((https?:)?//", html)
    assert html.count("<script") == 1  # the page's own sorting and filtering code


# -- escaping and re-rendering ------------------------------------------------------------------


def test_chembl_text_is_escaped(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    candidates = read_table_file(folder / "candidates.csv")
    candidates[CandidateCols.PREF_NAME] = candidates[CandidateCols.PREF_NAME].astype(object)
    candidates.loc[0, CandidateCols.PREF_NAME] = "<script>alert('x')</script>"
    candidates.loc[0, CandidateCols.EVIDENCE_TEXT] = '<img src=x onerror="alert(1)">'
    candidates.to_csv(folder / "candidates.csv", index=False, lineterminator="\n")
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    html = _html(folder)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "onerror=" not in html.replace("onerror=&#34;", "")
    assert html.count("<script") == 1


def test_report_command_rerenders_the_same_page(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    before = _html(folder)
    (folder / render.REPORT_HTML).unlink()
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.stderr
    assert _html(folder) == before


def test_report_top_limits_rows_per_strategy(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    result = CliRunner().invoke(app, ["report", str(folder), "--top", "1"])
    assert result.exit_code == 0, result.output
    html = _html(folder)
    for strategy in ("senolytic", "senomorphic", "senoreverter"):
        assert len(_rows(html, f"table-{strategy}")) == 1


def test_report_top_below_one_is_a_user_error(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    result = CliRunner().invoke(app, ["report", str(folder), "--top", "0"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "senotarget: error: --top 0 is below 1: pass --top 1 or more"


def test_partial_manifest_still_renders(fixture_run: RunResult) -> None:
    folder = Path(fixture_run.run_dir)
    tables = {n: read_table_file(folder / n) for n in ("candidates.csv", "evidence.csv")}
    targets = read_table_file(folder / "targets.csv")
    html = render.render_html(tables["candidates.csv"], tables["evidence.csv"], targets, {})
    assert '<section id="provenance">' in html


def test_empty_run_renders_without_candidates_or_plot() -> None:
    from senotarget.schema import CandidateCols, EvidenceCols, TargetCols

    candidates = pd.DataFrame(columns=list(CandidateCols.ORDER))
    evidence = pd.DataFrame(columns=list(EvidenceCols.ORDER))
    targets = pd.DataFrame(
        [["X", "FAKE1", "senolytic", "inhibit", "", "", "unresolved", "no target", ""]],
        columns=[*TargetCols.ORDER[:8], TargetCols.CAUTION],
    )
    html = render.render_html(candidates, evidence, targets, {})
    assert "No senolytic candidates in this run." in html
    assert "No potency measurements in this run." in html
