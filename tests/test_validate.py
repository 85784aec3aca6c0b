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
from tests.test_classify import StagedRun, run_partner_stages

HEADER = ",".join(KnownCols.ORDER)


def _known(rows: list[tuple[str, str, str, str]], expect: str = "candidate") -> pd.DataFrame:
    """A known list of (compound, id, strategy, targets); every claim cites 'test'."""
    return pd.DataFrame(
        [(c, m, s, t, "test citation", "test claim", expect) for c, m, s, t in rows],
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
        (f"{HEADER}\nnavitoclax,443684,senolytic,BCL2,cite,claim,\n", ":2: '443684' is not a"),
        (f"{HEADER}\nx,CHEMBL1,senolytics,BCL2,cite,claim,\n", ":2: strategy 'senolytics' is not"),
        (
            f"{HEADER}\nx,CHEMBL1,senolytic,BCL2,cite,claim,\ny,CHEMBL2,senolytic,BCL2,,c,\n",
            ":3: empty",
        ),
        (
            f"{HEADER}\nx,CHEMBL1,senolytic,BCL2,cite,claim,negative\n",
            ":2: expect 'negative' is not one of candidate, not_candidate, contrary",
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


def test_known_list_without_expect_column_lists_positive_controls(tmp_path: Path) -> None:
    path = tmp_path / "known.csv"
    path.write_text(
        "compound,molecule_chembl_id,strategy,targets,citation,claim\n"
        "x,CHEMBL1,senolytic,BCL2,cite,claim\n",
        encoding="utf-8",
    )
    known = validate.load_known(str(path))
    assert list(known.columns) == list(KnownCols.ORDER)
    assert known[KnownCols.EXPECT].tolist() == ["candidate"]


def test_shipped_negative_control_tacrolimus() -> None:
    known = validate.load_known().set_index(KnownCols.COMPOUND)
    assert set(known[KnownCols.EXPECT]) == {"candidate", "not_candidate", "contrary"}
    tacrolimus = known.loc["tacrolimus"]
    assert (tacrolimus[KnownCols.MOLECULE_CHEMBL_ID], tacrolimus[KnownCols.EXPECT]) == (
        "CHEMBL269732",
        "not_candidate",
    )
    assert tacrolimus[KnownCols.TARGETS] == "MTOR"
    assert "Liu J et al. 1991 Cell 66:807" in tacrolimus[KnownCols.CITATION]


# -- negative controls and ranks within the entry, on the partner fixture through the stages ------

MTOR_RULE = "1 evidence row(s) on the listed targets; all {} measurement(s) excluded by curation"
#: (compound, id, strategy, targets, expect) -> status, rank, entry, entry_rank, entry_size,
#: direction, reason (the start of it)
STAGED_CASES: list[tuple[tuple[str, str, str, str, str], tuple[Any, ...]]] = [
    (
        ("RAPALOG", "CHEMBL900017", "senomorphic", "MTOR", "candidate"),
        ("found", 3, "mTOR", 2, 4, "mechanism", "senomorphic candidate via MTOR"),
    ),
    (
        ("RAPALOG", "CHEMBL900017", "senoreverter", "MTOR", "candidate"),
        ("found", 2, "mTOR", 2, 4, "mechanism", "senoreverter candidate via MTOR"),
    ),
    (
        ("TORKIN", "CHEMBL900020", "senomorphic", "MTOR", "candidate"),
        ("found", 5, "mTOR", 4, 4, "inferred", "senomorphic candidate via MTOR"),
    ),
    (
        ("BCLINIB", "CHEMBL900001", "senolytic", "BCL2", "candidate"),
        ("found", 1, "BCL-2 family", 1, 2, "mechanism", "senolytic candidate via BCL2, BCL2L1"),
    ),
    (
        ("QUERCETIN", "CHEMBL900015", "senolytic", "BCL2", "candidate"),
        ("found", 2, "BCL-2 family", 2, 2, "inferred", "senolytic candidate via BCL2"),
    ),
    (  # no entry holds JAK1 for senolytic strategies
        ("JAKTIVE", "CHEMBL900003", "senolytic", "JAK1", "candidate"),
        ("wrong_label", None, "", None, None, "mechanism", "a candidate for senomorphic"),
    ),
    (  # binds FKBP12, inhibits calcineurin (Liu et al. 1991 Cell 66:807)
        ("TACROLIKE", "CHEMBL900018", "senomorphic", "MTOR", "not_candidate"),
        (
            "negative_ok",
            None,
            "mTOR",
            None,
            4,
            "",
            "no qualifying call on MTOR, as it must: "
            + MTOR_RULE.format(2)
            + "; flags: other_protein_assay",
        ),
    ),
    (
        ("RAPALOG", "CHEMBL900017", "senomorphic", "MTOR", "not_candidate"),
        (
            "negative_failed",
            3,
            "mTOR",
            2,
            4,
            "mechanism",
            "a candidate via MTOR: this negative control must not be a candidate",
        ),
    ),
    (
        ("NAMPTIN", "CHEMBL900007", "senoreverter", "NAMPT", "contrary"),
        (
            "negative_ok",
            None,
            "NAD+ restoration",
            None,
            1,
            "contrary",
            "moves NAMPT the other way (inferred from potency), as it must",
        ),
    ),
    (
        ("NAMPTACT", "CHEMBL900006", "senoreverter", "NAMPT", "contrary"),
        (
            "negative_failed",
            5,
            "NAD+ restoration",
            1,
            1,
            "mechanism",
            "a candidate via NAMPT: this negative control must move it the other way",
        ),
    ),
    (
        ("SLFLIKE", "CHEMBL900019", "senomorphic", "MTOR", "contrary"),
        (
            "negative_failed",
            None,
            "mTOR",
            None,
            4,
            "",
            "not contrary on MTOR, which it must be: " + MTOR_RULE.format(1),
        ),
    ),
    (  # a senomorphic candidate through JAK2, with nothing on MTOR: nothing to judge
        ("elsewhere", "CHEMBL900016", "senomorphic", "MTOR", "not_candidate"),
        (
            "no_evidence",
            None,
            "mTOR",
            None,
            4,
            "",
            (
                "in the release, but no activity or mechanism on MTOR: the negative control is "
                "not exercised"
            ),
        ),
    ),
    (
        ("absent", "CHEMBL999999", "senomorphic", "MTOR", "not_candidate"),
        ("not_in_release", None, "mTOR", None, 4, "", "the ChEMBL source has no molecule"),
    ),
]


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> StagedRun:
    return run_partner_stages(tmp_path_factory.mktemp("staged"))


def _staged_validation(staged: StagedRun, *, with_calls: bool) -> pd.DataFrame:
    known = pd.DataFrame(
        [(*k[:4], "cite", "claim", k[4]) for k, _ in STAGED_CASES],
        columns=list(KnownCols.ORDER),
        dtype=object,
    )
    in_release = {k[1]: k[1] for k, _ in STAGED_CASES if k[1] != "CHEMBL999999"}
    return validate.validate_run(
        known,
        staged.candidates,
        staged.aggregated,
        in_release,
        6.0,
        calls=staged.calls if with_calls else None,
    )


def _cell(value: object) -> object:
    return None if value is None or pd.isna(value) else value  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("index", "expected"),
    [(i, case[1]) for i, case in enumerate(STAGED_CASES)],
    ids=[f"{case[0][0]}-{case[0][2]}-{case[0][4]}" for case in STAGED_CASES],
)
def test_negative_controls_and_entry_ranks(
    staged: StagedRun, index: int, expected: tuple[Any, ...]
) -> None:
    out = _staged_validation(staged, with_calls=True)
    assert list(out.columns) == list(ValidationCols.ORDER)
    row = out.iloc[index]
    status, rank, entry, entry_rank, entry_size, direction, reason = expected
    assert row[ValidationCols.EXPECT] == STAGED_CASES[index][0][4]
    assert row[ValidationCols.STATUS] == status
    assert _cell(row[ValidationCols.RANK]) == rank
    assert row[ValidationCols.ENTRY] == entry
    assert _cell(row[ValidationCols.ENTRY_RANK]) == entry_rank
    assert _cell(row[ValidationCols.ENTRY_SIZE]) == entry_size
    assert row[ValidationCols.DIRECTION] == direction
    assert str(row[ValidationCols.REASON]).startswith(reason)


def test_without_calls_entries_are_unknown_and_negatives_judged_on_candidates(
    staged: StagedRun,
) -> None:
    with_calls = _staged_validation(staged, with_calls=True)
    without = _staged_validation(staged, with_calls=False)
    assert (without[ValidationCols.ENTRY] == "").all()
    assert without[ValidationCols.ENTRY_RANK].isna().all()
    assert without[ValidationCols.ENTRY_SIZE].isna().all()
    # every status and reason is the same here: the candidates' targets tell the same story
    assert without[ValidationCols.STATUS].tolist() == with_calls[ValidationCols.STATUS].tolist()
    assert without[ValidationCols.REASON].tolist() == with_calls[ValidationCols.REASON].tolist()


def test_status_counts_count_negatives(staged: StagedRun) -> None:
    counts = validate.status_counts(_staged_validation(staged, with_calls=True))
    assert counts["senomorphic"]["negative_ok"] == 1
    assert counts["senomorphic"]["negative_failed"] == 2
    assert counts["senoreverter"] == {
        "known": 3,
        "found": 1,
        "wrong_label": 0,
        "wrong_direction": 0,
        "filtered": 0,
        "no_evidence": 0,
        "not_in_release": 0,
        "negative_ok": 1,
        "negative_failed": 1,
    }


def test_shipped_negative_control_fk866_is_given_by_name() -> None:
    known = validate.load_known()
    fk866 = known[known[KnownCols.COMPOUND].str.startswith("FK866")].iloc[0]
    assert (fk866[KnownCols.MOLECULE_CHEMBL_ID], fk866[KnownCols.EXPECT]) == ("", "contrary")
    assert (fk866[KnownCols.STRATEGY], fk866[KnownCols.TARGETS]) == ("senoreverter", "NAMPT")
    assert validate.names_to_find(known) == ["FK866", "FK-866", "daporinad", "APO866"]


NAMES = pd.DataFrame(
    [("BCL-101", "CHEMBL900001", "BCLINIB"), ("JK-7", "CHEMBL900003", "JAKTIVE"),
     ("TWIN", "CHEMBL1", "A"), ("TWIN", "CHEMBL2", "B")],
    columns=["name", "molecule_chembl_id", "pref_name"],
)  # fmt: skip


@pytest.mark.parametrize(
    ("compound", "expected"),
    [
        ("bcl-101", "CHEMBL900001"),  # ignoring case
        ("nothing;JK-7", "CHEMBL900003"),  # the first name that matches
        ("TWIN;JK-7", ""),  # a name of two molecules: never a guess
        ("nothing", ""),
    ],
)
def test_resolve_names(compound: str, expected: str) -> None:
    known = _known([(compound, "", "senolytic", "BCL2")])
    assert validate.resolve_names(known, NAMES)[KnownCols.MOLECULE_CHEMBL_ID].tolist() == [expected]


def test_a_row_named_but_not_found_is_not_in_release(
    tables: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    candidates, evidence = tables
    known = _known([("FK866;daporinad", "", "senoreverter", "NAMPT")], expect="contrary")
    frame = validate.validate_run(known, candidates, evidence, {}, 6.0)
    row = frame.iloc[0]
    assert (row[ValidationCols.STATUS], row[ValidationCols.REASON]) == (
        "not_in_release",
        "no single molecule is named FK866 or daporinad in the release",
    )


def test_a_row_by_name_runs_like_a_row_by_id(chembl_db: Path, tmp_path: Path) -> None:
    """Through the pipeline: the fixture's research code BCL-101 is BCLINIB (CHEMBL900001)."""
    from senotarget.pipeline import run
    from tests.chembl_fixture import PANEL_TOML
    from tests.conftest import fixture_settings

    panel = tmp_path / "panel.toml"
    panel.write_text(PANEL_TOML, encoding="utf-8")
    listed = tmp_path / "known.csv"
    listed.write_text(
        f"{HEADER}\nBCL-101,,senolytic,BCL2,test citation,test claim,candidate\n",
        encoding="utf-8",
    )
    result = run(fixture_settings(chembl_db, panel, tmp_path, known_compounds=str(listed)))
    table = read_table_file(Path(result.run_dir) / "validation.csv")
    assert table[ValidationCols.MOLECULE_CHEMBL_ID].tolist() == ["CHEMBL900001"]
    assert table[ValidationCols.STATUS].tolist() == ["found"]
