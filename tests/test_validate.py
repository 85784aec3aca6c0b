"""validate: the known-compounds list, and how a run treats each known compound."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from senotarget.errors import ConfigError
from senotarget.report.files import read_table_file
from senotarget.schema import KnownCols, RunResult, ValidationCols
from senotarget.stages import validate

HEADER = ",".join(KnownCols.ORDER)


def _known(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """A known list of (compound, id, strategy, targets); every claim cites 'test'."""
    return pd.DataFrame(
        [(c, m, s, t, "test citation", "test claim") for c, m, s, t in rows],
        columns=list(KnownCols.ORDER),
        dtype=object,
    )


@pytest.fixture(scope="module")
def tables(fixture_run: RunResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = Path(fixture_run.run_dir)
    return read_table_file(folder / "candidates.csv"), read_table_file(folder / "evidence.csv")


#: (compound, listed id, expected strategy, targets) -> status, labels, rank, n, percentile, reason
CASES: list[tuple[tuple[str, str, str, str], tuple[Any, ...]]] = [
    (
        ("BCLINIB", "CHEMBL900001", "senolytic", "BCL2;BCL2L1"),
        ("found", "senolytic", 1, 2, 100.0, "senolytic candidate via BCL2, BCL2L1"),
    ),
    (
        ("QUERCETIN", "CHEMBL900015", "senolytic", "BCL2"),
        ("found", "senolytic", 2, 2, 50.0, "senolytic candidate via BCL2"),
    ),
    (  # a salt in the list counts for its parent
        ("BCLINIB SODIUM", "CHEMBL900002", "senolytic", "BCL2"),
        ("found", "senolytic", 1, 2, 100.0, "senolytic candidate via BCL2, BCL2L1 (as parent "),
    ),
    (
        ("NAMPTIN", "CHEMBL900007", "senoreverter", "NAMPT"),
        ("wrong_direction", "", None, 2, None, "moves NAMPT the other way (inferred from potency)"),
    ),
    (
        ("JAKTIVE", "CHEMBL900003", "senolytic", "JAK1"),
        ("wrong_label", "senomorphic", None, 2, None, "a candidate for senomorphic, not senolytic"),
    ),
    (
        ("doubted", "CHEMBL900013", "senolytic", "BCL2"),
        (
            "filtered",
            "",
            None,
            2,
            None,
            (
                "1 evidence row(s) on the listed targets; all 1 measurement(s) excluded by "
                "curation; flags: data_validity"
            ),
        ),
    ),
    (
        ("weak", "CHEMBL900010", "senomorphic", "JAK1"),
        (
            "filtered",
            "",
            None,
            4,
            None,
            (
                "1 evidence row(s) on the listed targets; best median pChEMBL 4.30 is below the "
                "active threshold 6; flags: confidence_unknown"
            ),
        ),
    ),
    (
        ("absent", "CHEMBL999999", "senomorphic", "JAK1"),
        (
            "not_in_release",
            "",
            None,
            4,
            None,
            "the ChEMBL source has no molecule with this id",
        ),
    ),
    (
        ("elsewhere", "CHEMBL900099", "senomorphic", "JAK1"),
        (
            "no_evidence",
            "",
            None,
            4,
            None,
            "in the release, but no activity or mechanism on the panel's targets",
        ),
    ),
]


@pytest.mark.parametrize(("known", "expected"), CASES)
def test_validate_run_statuses(
    tables: tuple[pd.DataFrame, pd.DataFrame],
    known: tuple[str, str, str, str],
    expected: tuple[Any, ...],
) -> None:
    candidates, evidence = tables
    in_release = {
        "CHEMBL900001": "CHEMBL900001",
        "CHEMBL900002": "CHEMBL900001",
        "CHEMBL900003": "CHEMBL900003",
        "CHEMBL900007": "CHEMBL900007",
        "CHEMBL900010": "CHEMBL900010",
        "CHEMBL900013": "CHEMBL900013",
        "CHEMBL900015": "CHEMBL900015",
        "CHEMBL900099": "CHEMBL900099",
    }
    out = validate.validate_run(_known([known]), candidates, evidence, in_release, 6.0)
    assert list(out.columns) == list(ValidationCols.ORDER)
    row = out.iloc[0]
    status, labels, rank, n, percentile, reason = expected
    assert row[ValidationCols.MOLECULE_CHEMBL_ID] == known[1]
    assert row[ValidationCols.STATUS] == status
    assert (row[ValidationCols.LABELS] or "") == labels
    assert (None if pd.isna(row[ValidationCols.RANK]) else int(row[ValidationCols.RANK])) == rank
    assert row[ValidationCols.N_CANDIDATES] == n
    got = row[ValidationCols.PERCENTILE]
    assert (None if got is None or pd.isna(got) else float(got)) == percentile
    assert str(row[ValidationCols.REASON]).startswith(reason)


def test_status_counts_per_strategy(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    candidates, evidence = tables
    known = _known([c[0] for c in CASES])
    out = validate.validate_run(known, candidates, evidence, {"CHEMBL900001": "CHEMBL900001"}, 6)
    counts = validate.status_counts(out)
    assert counts["senolytic"]["known"] == 5
    assert counts["senolytic"]["found"] == 2  # BCLINIB and QUERCETIN (the salt is not mapped)
    assert sum(counts["senomorphic"][s] for s in ("filtered", "not_in_release")) == 3


def test_shipped_list_is_valid_and_cited() -> None:
    known = validate.load_known()
    assert list(known.columns) == list(KnownCols.ORDER)
    assert {"CHEMBL443684", "CHEMBL413", "CHEMBL1789941"} <= set(
        known[KnownCols.MOLECULE_CHEMBL_ID]
    )
    assert known[KnownCols.CITATION].str.len().min() > 10
    shipped = Path(validate.__file__).parent / "data" / "known_senotherapeutics.csv"
    bench = Path(__file__).resolve().parents[1] / "benchmarks" / "known_senotherapeutics.csv"
    assert shipped.read_bytes() == bench.read_bytes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("compound,strategy\nx,senolytic\n", "lacks column(s) molecule_chembl_id, targets"),
        (f"{HEADER}\nnavitoclax,443684,senolytic,BCL2,cite,claim\n", ":2: '443684' is not a"),
        (f"{HEADER}\nx,CHEMBL1,senolytics,BCL2,cite,claim\n", ":2: strategy 'senolytics' is not"),
        (
            f"{HEADER}\nx,CHEMBL1,senolytic,BCL2,cite,claim\ny,CHEMBL2,senolytic,BCL2,,c\n",
            ":3: empty",
        ),
    ],
)
def test_bad_known_lists_name_file_line_and_fix(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "known.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        validate.load_known(str(path))
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_known_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        validate.load_known(str(tmp_path / "none.csv"))
