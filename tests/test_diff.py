"""diff: every kind of change between two runs' tables, exact rows."""

from __future__ import annotations

from typing import Any

import pandas as pd

from senotarget.schema import CHANGE_KINDS, ChangeCols
from senotarget.stages import changes as diff

CAND_COLUMNS = [
    "strategy",
    "rank",
    "molecule_chembl_id",
    "pref_name",
    "score",
    "primary_label",
    "labels",
    "direction",
    "is_candidate",
]
EV_COLUMNS = [
    "molecule_chembl_id",
    "target_chembl_id",
    "standard_type",
    "median_pchembl",
    "n_measurements",
    "censored_inactive",
    "n_active_censored",
    "n_excluded",
    "flags",
]


def _candidates(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CAND_COLUMNS)


def _evidence(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=EV_COLUMNS)


BEFORE_CANDIDATES = _candidates(
    [
        ("senolytic", 1, "CHEMBL1", "ALPHA", 0.9, "senolytic", "senolytic", "mechanism", True),
        ("senolytic", 2, "CHEMBL2", "BETA", 0.8, "senolytic", "senolytic", "inferred", True),
        ("senolytic", 30, "CHEMBL3", "GAMMA", 0.2, "senolytic", "senolytic", "inferred", True),
        ("senolytic", 31, "CHEMBL4", "DELTA", 0.0, "", "", "contrary", False),
        (
            "senomorphic",
            1,
            "CHEMBL5",
            "EPSILON",
            0.7,
            "senomorphic",
            "senomorphic",
            "inferred",
            True,
        ),
    ]
)
AFTER_CANDIDATES = _candidates(
    [
        ("senolytic", 1, "CHEMBL3", "GAMMA", 0.95, "senolytic", "senolytic", "mechanism", True),
        ("senolytic", 2, "CHEMBL1", "ALPHA", 0.9, "senolytic", "senolytic", "mechanism", True),
        ("senolytic", 3, "CHEMBL4", "DELTA", 0.5, "senolytic", "senolytic", "inferred", True),
        (
            "senomorphic",
            1,
            "CHEMBL5",
            "EPSILON",
            0.7,
            "senomorphic",
            "senomorphic;senoreverter",
            "inferred",
            True,
        ),
        (
            "senoreverter",
            1,
            "CHEMBL5",
            "EPSILON",
            0.6,
            "senomorphic",
            "senomorphic;senoreverter",
            "inferred",
            True,
        ),
        ("senomorphic", 2, "CHEMBL6", "ZETA", 0.5, "senomorphic", "senomorphic", "inferred", True),
    ]
)
BEFORE_EVIDENCE = _evidence(
    [
        ("CHEMBL1", "CHEMBL90001", "IC50", 8.0, 2, 0, 0, 0, ""),
        ("CHEMBL2", "CHEMBL90001", "IC50", 7.0, 1, 0, 0, 0, ""),
        ("CHEMBL3", "CHEMBL90001", "Ki", 6.1, 1, 0, 0, 0, "confidence_unknown"),
        ("CHEMBL5", "CHEMBL90003", "IC50", 7.5, 1, 0, 0, 0, ""),
    ]
)
AFTER_EVIDENCE = _evidence(
    [
        ("CHEMBL1", "CHEMBL90001", "IC50", 8.0, 1, 0, 0, 1, "data_validity"),
        ("CHEMBL3", "CHEMBL90001", "Ki", 6.1, 1, 0, 0, 0, ""),
        ("CHEMBL5", "CHEMBL90003", "IC50", 7.5, 1, 0, 0, 0, ""),
        ("CHEMBL6", "CHEMBL90003", "IC50", 7.0, 3, 0, 0, 0, ""),
    ]
)

#: (change, strategy, molecule, target, type, before, after, detail), in the diff's order
EXPECTED: list[tuple[str, ...]] = [
    (
        "new_candidate",
        "senoreverter",
        "CHEMBL5",
        "",
        "",
        "",
        "1",
        "now rank 1 (inferred); before: absent",
    ),
    (
        "new_candidate",
        "senomorphic",
        "CHEMBL6",
        "",
        "",
        "",
        "2",
        "now rank 2 (inferred); before: absent",
    ),
    (
        "new_candidate",
        "senolytic",
        "CHEMBL4",
        "",
        "",
        "contrary",
        "3",
        "now rank 3 (inferred); before: contrary, not a candidate",
    ),
    (
        "lost_candidate",
        "senolytic",
        "CHEMBL2",
        "",
        "",
        "2",
        "",
        "was rank 2 (inferred); now: absent",
    ),
    ("rank_move", "senolytic", "CHEMBL3", "", "", "30", "1", "up 29 places"),
    (
        "label_change",
        "",
        "CHEMBL4",
        "",
        "",
        "",
        "senolytic",
        "+senolytic; primary none -> senolytic",
    ),
    (
        "label_change",
        "",
        "CHEMBL5",
        "",
        "",
        "senomorphic",
        "senomorphic;senoreverter",
        "+senoreverter",
    ),
    (
        "direction_change",
        "senolytic",
        "CHEMBL3",
        "",
        "",
        "inferred",
        "mechanism",
        "direction inferred -> mechanism",
    ),
    (
        "direction_change",
        "senolytic",
        "CHEMBL4",
        "",
        "",
        "contrary",
        "inferred",
        "direction contrary -> inferred",
    ),
    (
        "evidence_added",
        "",
        "CHEMBL3",
        "CHEMBL90001",
        "Ki",
        "1 counted, median pChEMBL 6.10",
        "1 counted, median pChEMBL 6.10",
        "-confidence_unknown",
    ),
    (
        "evidence_added",
        "",
        "CHEMBL6",
        "CHEMBL90003",
        "IC50",
        "",
        "3 counted, median pChEMBL 7.00",
        "new evidence row",
    ),
    (
        "evidence_withdrawn",
        "",
        "CHEMBL1",
        "CHEMBL90001",
        "IC50",
        "2 counted, median pChEMBL 8.00",
        "1 counted, median pChEMBL 8.00, 1 excluded",
        "counted 2 -> 1; +data_validity",
    ),
    (
        "evidence_withdrawn",
        "",
        "CHEMBL2",
        "CHEMBL90001",
        "IC50",
        "1 counted, median pChEMBL 7.00",
        "",
        "evidence row gone from the release",
    ),
]


def test_diff_finds_every_kind_of_change() -> None:
    changes = diff.diff_runs(
        BEFORE_CANDIDATES, BEFORE_EVIDENCE, AFTER_CANDIDATES, AFTER_EVIDENCE, min_rank_move=10
    )
    assert list(changes.columns) == list(ChangeCols.ORDER)
    got = [
        tuple(str(r[c]) for c in ChangeCols.ORDER if c != ChangeCols.PREF_NAME)
        for r in changes.to_dict("records")
    ]
    assert got == EXPECTED


def test_names_come_from_either_run() -> None:
    changes = diff.diff_runs(
        BEFORE_CANDIDATES, BEFORE_EVIDENCE, AFTER_CANDIDATES, AFTER_EVIDENCE, 10
    )
    names = dict(
        zip(changes[ChangeCols.MOLECULE_CHEMBL_ID], changes[ChangeCols.PREF_NAME], strict=True)
    )
    assert names["CHEMBL2"] == "BETA"  # only in the earlier run
    assert names["CHEMBL6"] == "ZETA"


def test_small_rank_moves_are_not_changes() -> None:
    changes = diff.diff_runs(
        BEFORE_CANDIDATES, BEFORE_EVIDENCE, AFTER_CANDIDATES, AFTER_EVIDENCE, min_rank_move=30
    )
    assert "rank_move" not in set(changes[ChangeCols.CHANGE])
    changes = diff.diff_runs(
        BEFORE_CANDIDATES, BEFORE_EVIDENCE, AFTER_CANDIDATES, AFTER_EVIDENCE, min_rank_move=1
    )
    moves = changes[changes[ChangeCols.CHANGE] == "rank_move"]
    assert moves[ChangeCols.MOLECULE_CHEMBL_ID].tolist() == ["CHEMBL3", "CHEMBL1"]  # by new rank


def test_a_run_against_itself_has_no_changes() -> None:
    changes = diff.diff_runs(
        BEFORE_CANDIDATES, BEFORE_EVIDENCE, BEFORE_CANDIDATES, BEFORE_EVIDENCE, 10
    )
    assert changes.empty
    assert list(changes.columns) == list(ChangeCols.ORDER)
    assert diff.change_counts(changes) == dict.fromkeys(CHANGE_KINDS, 0)


def test_change_counts_in_kind_order() -> None:
    changes = diff.diff_runs(
        BEFORE_CANDIDATES, BEFORE_EVIDENCE, AFTER_CANDIDATES, AFTER_EVIDENCE, 10
    )
    assert diff.change_counts(changes) == {
        "new_candidate": 3,
        "lost_candidate": 1,
        "rank_move": 1,
        "label_change": 2,
        "direction_change": 2,
        "evidence_added": 2,
        "evidence_withdrawn": 2,
    }


def test_describe_counts_in_words() -> None:
    counts: dict[str, int] = dict.fromkeys(CHANGE_KINDS, 0)
    assert diff.describe_counts(counts) == "no changes"
    counts.update({"new_candidate": 1, "rank_move": 2354, "evidence_withdrawn": 1})
    assert diff.describe_counts(counts) == (
        "1 new candidate, 2,354 rank moves, 1 evidence row withdrawn"
    )
