"""Tests of evidence aggregation on the parent compound: counts, the evidence rules' effect on
potency, assay kinds, unknown documents and release-wide flags.

Every row here is written by hand; none comes from a ChEMBL release.
"""

from __future__ import annotations

import math
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from senotarget.config import Thresholds
from senotarget.schema import (
    MECHANISM_ONLY,
    ActivityCols,
    CuratedCols,
    EvidenceCols,
    MechanismCols,
    SupportCols,
)
from senotarget.stages.aggregate import aggregate_evidence
from senotarget.stages.curate import flag_activities, flag_groups
from tests.test_curate import (
    FAMILY,
    KD,
    PARENTS,
    SINGLE,
    TARGETS,
    _activities,
    censored,
    measured,
    verdict,
)

MECHANISMS = pd.DataFrame(
    [
        (1, "CHEMBL2", SINGLE, "INHIBITOR", "Bcl-2 inhibitor"),  # on the salt
        (2, "CHEMBL4", FAMILY, "INHIBITOR", "JAK inhibitor"),  # no activity, no parent row
    ],
    columns=list(MechanismCols.ORDER),
)
NO_MECHANISMS = MECHANISMS.iloc[0:0]


def _aggregation_activities() -> pd.DataFrame:
    def on(molecule: str, assay: str, doc: str, **changes: Any) -> dict[str, Any]:
        return {
            ActivityCols.MOLECULE_CHEMBL_ID: molecule,
            ActivityCols.ASSAY_CHEMBL_ID: assay,
            ActivityCols.DOCUMENT_CHEMBL_ID: doc,
            **changes,
        }

    censored_row = {"standard_relation": ">", "standard_value": 10000.0, "pchembl_value": None}
    activation = {"assay_description": "Activation of JAK", "action_type": "ACTIVATOR"}
    return _activities(
        on("CHEMBL1", "A1", "D1", pchembl_value=8.0),
        on("CHEMBL2", "A2", "D1", pchembl_value=7.0),  # the salt: aggregated on CHEMBL1
        on("CHEMBL2", "A3", "D2", **censored_row),
        on("CHEMBL1", "A4", "D3", pchembl_value=9.0, potential_duplicate=1),  # excluded
        on("CHEMBL1", "A1", "D1", standard_type="Ki", pchembl_value=6.0),
        on("CHEMBL3", "A5", "D4", target_chembl_id=FAMILY, standard_type="EC50", **activation),
        on("CHEMBL3", "A6", "D5", target_chembl_id=FAMILY, standard_type="EC50", pchembl_value=6.5),
        on(
            "CHEMBL3",
            "A6",
            "D5",
            target_chembl_id=FAMILY,
            standard_type="EC50",
            potential_duplicate=1,
        ),
        on("CHEMBL3", "A7", "D6", confidence_score=5),  # low confidence: excluded
    )


def _evidence(**values: Any) -> dict[str, Any]:
    """An expected evidence row: no measurement, no mechanism, unless ``values`` say otherwise."""
    row: dict[str, Any] = {
        "molecule_chembl_id": None,
        "target_chembl_id": None,
        "gene_symbols": "",
        "standard_type": None,
        "median_pchembl": None,
        "n_measurements": 0,
        "n_assays": 0,
        "n_documents": 0,
        "censored_inactive": 0,
        "action_type": "",
        "flags": "",
        "target_type": "",
        "mechanism_action_type": "",
        "activity_action_type": "",
        "n_active_censored": 0,
        "n_excluded": 0,
        "activation_assay": False,
        "mechanism_of_action": "",
        "mechanism_molecules": "",
        "source_molecules": "",
        "assay_kinds": "",
        "n_documents_unknown": 0,
        "n_untrusted": 0,
    }
    assert list(row) == list(EvidenceCols.ORDER)
    unknown = set(values) - set(row)
    assert not unknown, unknown
    return {**row, **values}


ON_BCL2 = {"target_chembl_id": SINGLE, "gene_symbols": "BCL2", "target_type": "SINGLE PROTEIN"}
ON_JAKS = {"target_chembl_id": FAMILY, "gene_symbols": "JAK1;JAK2", "target_type": "PROTEIN FAMILY"}
BCL2_MECHANISM = {
    "action_type": "INHIBITOR",
    "mechanism_action_type": "INHIBITOR",
    "mechanism_of_action": "Bcl-2 inhibitor",
    "mechanism_molecules": "CHEMBL2",  # recorded on the salt, reaches the parent
}

#: The expected evidence rows, in order.
EVIDENCE: list[dict[str, Any]] = [
    _evidence(
        molecule_chembl_id="CHEMBL1",
        **ON_BCL2,
        **BCL2_MECHANISM,
        standard_type="IC50",
        median_pchembl=7.5,  # 8.0 (parent) and 7.0 (salt); the censored and excluded rows not
        n_measurements=2,
        n_assays=3,  # A1, A2, A3: the excluded A4 does not count
        n_documents=2,
        censored_inactive=1,
        n_excluded=1,
        flags="censored_inactive;potential_duplicate",
        source_molecules="CHEMBL1;CHEMBL2",
        assay_kinds="biochemical",
    ),
    _evidence(
        molecule_chembl_id="CHEMBL1",
        **ON_BCL2,
        **BCL2_MECHANISM,
        standard_type="Ki",
        median_pchembl=6.0,
        n_measurements=1,
        n_assays=1,
        n_documents=1,
        source_molecules="CHEMBL1",
        assay_kinds="biochemical",
    ),
    _evidence(
        molecule_chembl_id="CHEMBL3",
        **ON_BCL2,
        standard_type="IC50",
        n_excluded=1,
        flags="low_confidence",
        source_molecules="CHEMBL3",  # no counted row: no assay kind, zero documents
    ),
    _evidence(
        molecule_chembl_id="CHEMBL3",
        **ON_JAKS,
        standard_type="EC50",
        median_pchembl=7.25,  # median of 8.0 and 6.5, rounded to 2 decimals
        n_measurements=2,
        n_assays=2,
        n_documents=2,
        action_type="ACTIVATOR",
        activity_action_type="ACTIVATOR",
        n_excluded=1,
        flags="potential_duplicate",
        activation_assay=True,
        source_molecules="CHEMBL3",
        assay_kinds="biochemical",
    ),
    _evidence(
        molecule_chembl_id="CHEMBL4",
        **ON_JAKS,
        standard_type=MECHANISM_ONLY,
        action_type="INHIBITOR",
        mechanism_action_type="INHIBITOR",
        mechanism_of_action="JAK inhibitor",
        mechanism_molecules="CHEMBL4",
    ),
]


def _missing(value: Any) -> bool:
    return value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, with NaN and NA as None."""
    return [
        {str(k): None if _missing(v) else v for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _judged(activities: pd.DataFrame, parents: pd.DataFrame = PARENTS) -> pd.DataFrame:
    """Activities through the curate stage's row rules, then its group rules (as the pipeline)."""
    return flag_groups(flag_activities(activities, TARGETS, Thresholds()), parents)


def _aggregate(rows: list[dict[str, Any]], **options: Any) -> pd.DataFrame:
    curated = _judged(_activities(*rows))
    evidence, _ = aggregate_evidence(curated, PARENTS, NO_MECHANISMS, TARGETS, **options)
    return evidence


def test_aggregate_evidence_on_parent() -> None:
    curated = _judged(_aggregation_activities())
    evidence, support = aggregate_evidence(curated, PARENTS, MECHANISMS, TARGETS)
    assert list(evidence.columns) == list(EvidenceCols.ORDER)
    assert _records(evidence) == EVIDENCE
    for column in (
        EvidenceCols.N_MEASUREMENTS,
        EvidenceCols.N_ASSAYS,
        EvidenceCols.CENSORED_INACTIVE,
        EvidenceCols.N_ACTIVE_CENSORED,
        EvidenceCols.N_EXCLUDED,
        EvidenceCols.N_DOCUMENTS_UNKNOWN,
        EvidenceCols.N_UNTRUSTED,
    ):
        assert evidence[column].dtype == "int64", column
    assert evidence[EvidenceCols.N_DOCUMENTS].dtype == "Int64"
    assert evidence[EvidenceCols.ACTIVATION_ASSAY].dtype == bool
    assert evidence[EvidenceCols.MEDIAN_PCHEMBL].dtype == "float64"
    assert list(support.columns) == list(SupportCols.ORDER)
    assert support.to_dict("split")["data"] == [
        ["CHEMBL1", SINGLE, "A1", "D1"],
        ["CHEMBL1", SINGLE, "A2", "D1"],
        ["CHEMBL1", SINGLE, "A3", "D2"],
        ["CHEMBL3", FAMILY, "A5", "D4"],
        ["CHEMBL3", FAMILY, "A6", "D5"],
    ]


def test_aggregate_evidence_without_mechanisms() -> None:
    curated = _judged(_aggregation_activities())
    evidence, _ = aggregate_evidence(curated, PARENTS, NO_MECHANISMS, TARGETS)
    assert list(evidence.columns) == list(EvidenceCols.ORDER)
    assert evidence[EvidenceCols.STANDARD_TYPE].tolist() == ["IC50", "Ki", "IC50", "EC50"]
    assert evidence[EvidenceCols.ACTION_TYPE].tolist() == ["", "", "", "ACTIVATOR"]
    assert evidence[EvidenceCols.MECHANISM_MOLECULES].tolist() == ["", "", "", ""]


def test_aggregate_evidence_missing_standard_type() -> None:
    evidence = _aggregate(
        [
            {
                ActivityCols.STANDARD_TYPE: None,
                ActivityCols.STANDARD_RELATION: None,
                ActivityCols.STANDARD_VALUE: None,
                ActivityCols.PCHEMBL_VALUE: None,
                ActivityCols.ACTIVITY_COMMENT: "Not Active",
            },
        ]
    )
    assert _records(evidence) == [
        _evidence(
            molecule_chembl_id="CHEMBL1",
            **ON_BCL2,
            standard_type="(none)",
            n_assays=1,
            n_documents=1,
            censored_inactive=1,
            flags="inactive_comment",
            source_molecules="CHEMBL1",
            assay_kinds="biochemical",
        )
    ]


# -- potency respects the evidence -----------------------------------------------------------------

#: (case, rows, expected evidence rows: only the columns named)
POTENCY_CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = [
    (
        # Navitoclax on MCL1 in shape: one 500 nM IC50 against two assays > 10 uM. No potency:
        # the pair is inactive-side (classify then makes no call from it).
        "censored_majority",
        [measured("A1", 500.0, 6.3), censored("A2", 10_000.0), censored("A3", 30_000.0)],
        [
            {
                "standard_type": "IC50",
                "median_pchembl": None,
                "n_measurements": 0,
                "n_assays": 3,
                "censored_inactive": 2,
                "n_untrusted": 1,
                "flags": "censored_inactive;contradicted_by_inactive",
            }
        ],
    ),
    (
        "censored_minority_keeps_the_value",
        [measured("A1", 500.0, 6.3), measured("A2", 400.0, 6.4), censored("A3", 10_000.0)],
        [
            {
                "standard_type": "IC50",
                "median_pchembl": 6.35,
                "n_measurements": 2,
                "n_assays": 3,
                "censored_inactive": 1,
                "n_untrusted": 0,
                "flags": "censored_inactive",
            }
        ],
    ),
    (
        "not_active_with_an_equals_value",
        [measured("A1", 10.0, 8.0, activity_comment="Not Active")],
        [
            {
                "standard_type": "IC50",
                "median_pchembl": None,
                "n_measurements": 0,
                "n_assays": 1,
                "censored_inactive": 1,
                "n_untrusted": 1,
                "flags": "inactive_comment",
            }
        ],
    ),
    (
        # Without the rule the lone Kd (pKd 9.5) would be the best per-type median.
        "a_single_contradicting_measurement",
        [
            measured("A1", 100.0, 7.0),
            measured("A2", 63.0, 7.2),
            measured("A3", 126.0, 6.9),
            measured("A4", 0.32, 9.5, **KD),
        ],
        [
            {
                "standard_type": "IC50",
                "median_pchembl": 7.0,
                "n_measurements": 3,
                "n_assays": 3,
                "censored_inactive": 0,
                "n_untrusted": 0,
                "flags": "",
            },
            {
                "standard_type": "Kd",
                "median_pchembl": None,
                "n_measurements": 0,
                "n_assays": 1,
                "censored_inactive": 0,
                "n_untrusted": 1,
                "flags": "contradicts_other_assays",
            },
        ],
    ),
    (
        # A 50 mM IC50 would be pChEMBL 1.30: not computed, not potency.
        "implausible_computed_pchembl",
        [measured("A1", 50_000_000.0, None), measured("A2", 1000.0, None)],
        [
            {
                "standard_type": "IC50",
                "median_pchembl": 6.0,
                "n_measurements": 1,
                "n_assays": 2,
                "censored_inactive": 0,
                "n_untrusted": 1,
                "flags": "implausible_value;pchembl_computed",
            }
        ],
    ),
    (
        "unit_error_group",
        [measured("A1", 10.0, 8.0), measured("A2", 12.0, 7.92), measured("A3", 10_000.0, 5.0)],
        [
            {
                "standard_type": "IC50",
                "median_pchembl": 7.96,
                "n_measurements": 2,
                "n_assays": 3,
                "censored_inactive": 0,
                "n_untrusted": 1,
                "flags": "probable_unit_error",
            }
        ],
    ),
    (
        "verdicts_outnumber_the_measured_value",
        [measured("A1", 10.0, 8.0), verdict("A2"), verdict("A3")],
        [
            {
                "standard_type": "IC50",
                "median_pchembl": None,
                "n_measurements": 0,
                "n_assays": 3,
                "censored_inactive": 2,
                "n_untrusted": 1,
                "flags": "contradicted_by_inactive;inactive_comment",
            }
        ],
    ),
]
_SHOWN = (
    "standard_type",
    "median_pchembl",
    "n_measurements",
    "n_assays",
    "censored_inactive",
    "n_untrusted",
    "flags",
)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [case[1:] for case in POTENCY_CASES],
    ids=[case[0] for case in POTENCY_CASES],
)
def test_potency_respects_the_evidence(
    rows: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> None:
    evidence = _aggregate(rows)
    assert [{k: r[k] for k in _SHOWN} for r in _records(evidence)] == expected


def test_rows_judged_twice_give_the_same_evidence() -> None:
    rows = [row for case in POTENCY_CASES[:1] for row in case[1]]
    judged = _judged(_activities(*rows))
    first, _ = aggregate_evidence(judged, PARENTS, NO_MECHANISMS, TARGETS)
    again, _ = aggregate_evidence(flag_groups(judged, PARENTS), PARENTS, NO_MECHANISMS, TARGETS)
    pd.testing.assert_frame_equal(first, again)


# -- assay kinds -----------------------------------------------------------------------------------

CELLS = {ActivityCols.ASSAY_TYPE: "F", ActivityCols.BAO_FORMAT: "BAO_0000219"}

#: (case, rows, assay_kinds of each evidence row)
KIND_CASES: list[tuple[str, list[dict[str, Any]], list[str]]] = [
    ("biochemical_only", [measured("A1", 10.0, 8.0)], ["biochemical"]),
    ("cell_based_only", [measured("A1", 10.0, 8.0, **CELLS)], ["cell-based"]),
    (
        "biochemical_and_cell_based",
        [measured("A1", 10.0, 8.0), measured("A2", 100.0, 7.0, **CELLS)],
        ["biochemical;cell-based"],
    ),
    (
        "an_excluded_row_does_not_count",
        [measured("A1", 10.0, 8.0), measured("A2", 100.0, 7.0, potential_duplicate=1, **CELLS)],
        ["biochemical"],
    ),
    (
        "inactive_side_rows_count",
        [measured("A1", 10.0, 8.0), censored("A2", 10_000.0, **CELLS)],
        ["biochemical;cell-based"],
    ),
    (
        "per_standard_type",
        [measured("A1", 10.0, 8.0), measured("A2", 100.0, 7.0, **CELLS, **KD)],
        ["biochemical", "cell-based"],
    ),
    (
        "functional_without_a_format",
        [measured("A1", 10.0, 8.0, assay_type="F", bao_format=None)],
        ["unspecified"],
    ),
]


@pytest.mark.parametrize(
    ("rows", "kinds"), [case[1:] for case in KIND_CASES], ids=[case[0] for case in KIND_CASES]
)
def test_assay_kinds(rows: list[dict[str, Any]], kinds: list[str]) -> None:
    assert _aggregate(rows)[EvidenceCols.ASSAY_KINDS].tolist() == kinds


# -- unknown is not zero ---------------------------------------------------------------------------

NO_DOC = {ActivityCols.DOCUMENT_CHEMBL_ID: None}

#: (case, rows, (n_documents or None when unknown, n_documents_unknown, n_assays, flags))
DOCUMENT_CASES: list[tuple[str, list[dict[str, Any]], tuple[int | None, int, int, str]]] = [
    (
        "every_row_without_a_document",
        [measured("A1", 10.0, 8.0, **NO_DOC), measured("A2", 20.0, 7.7, **NO_DOC)],
        (None, 2, 2, ""),  # every row: the flag is release-wide, said once
    ),
    (
        "one_assay_without_a_document",
        [
            measured("A1", 10.0, 8.0, document_chembl_id="D1"),
            measured("A2", 20.0, 7.7, **NO_DOC),
            measured("A2", 30.0, 7.52, **NO_DOC),
        ],
        (1, 1, 2, "document_unknown"),
    ),
    (
        "all_documents_known",
        [
            measured("A1", 10.0, 8.0, document_chembl_id="D1"),
            measured("A2", 20.0, 7.7, document_chembl_id="D2"),
        ],
        (2, 0, 2, ""),
    ),
    (
        "only_excluded_rows_without_a_document",
        [measured("A1", 10.0, 8.0, potential_duplicate=1, **NO_DOC)],
        (0, 0, 0, "potential_duplicate"),
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [case[1:] for case in DOCUMENT_CASES],
    ids=[case[0] for case in DOCUMENT_CASES],
)
def test_unknown_documents_are_not_zero(
    rows: list[dict[str, Any]], expected: tuple[int | None, int, int, str]
) -> None:
    evidence = _aggregate(rows)
    assert evidence[EvidenceCols.N_DOCUMENTS].dtype == "Int64"
    (row,) = _records(evidence)
    assert (
        row[EvidenceCols.N_DOCUMENTS],
        row[EvidenceCols.N_DOCUMENTS_UNKNOWN],
        row[EvidenceCols.N_ASSAYS],
        row[EvidenceCols.FLAGS],
    ) == expected


# -- release-wide flags ----------------------------------------------------------------------------

NO_SCORE = {ActivityCols.CONFIDENCE_SCORE: None}

#: (case, rows, release_share, evidence flags)
RELEASE_CASES: list[tuple[str, list[dict[str, Any]], float, str]] = [
    (
        "said_once_not_per_row",
        [measured(f"A{i}", 10.0, 8.0, **NO_SCORE) for i in range(9)] + [measured("A9", 10.0, 8.0)],
        0.9,
        "",
    ),
    (
        "below_the_share_it_stays",
        [measured(f"A{i}", 10.0, 8.0, **NO_SCORE) for i in range(9)] + [measured("A9", 10.0, 8.0)],
        0.95,
        "confidence_unknown",
    ),
    (
        "other_flags_stay",
        [censored(f"A{i}", 10_000.0, **NO_SCORE) for i in range(3)],
        0.9,
        "censored_inactive",
    ),
]


@pytest.mark.parametrize(
    ("rows", "share", "flags"),
    [case[1:] for case in RELEASE_CASES],
    ids=[case[0] for case in RELEASE_CASES],
)
def test_release_wide_flags_leave_the_evidence_flags(
    rows: list[dict[str, Any]], share: float, flags: str
) -> None:
    curated = _judged(_activities(*rows))
    unscored = sum(ActivityCols.CONFIDENCE_SCORE in row for row in rows)
    assert curated[CuratedCols.FLAGS].str.contains("confidence_unknown").sum() == unscored
    evidence, _ = aggregate_evidence(curated, PARENTS, NO_MECHANISMS, TARGETS, release_share=share)
    assert evidence[EvidenceCols.FLAGS].tolist() == [flags]


# -- the assay format from both sources ------------------------------------------------------------


def _with_formats(chembl_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "formats.sqlite"
    shutil.copy(chembl_db, path)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE assays SET bao_format = 'BAO_0000357' WHERE assay_id = 1")
    connection.execute("UPDATE assays SET bao_format = 'BAO_0000219' WHERE assay_id = 2")
    connection.commit()
    connection.close()
    return path


def test_bao_format_from_the_sql_and_web_sources(chembl_db: Path, tmp_path: Path) -> None:
    from senotarget.sources.sql import SqlSource
    from senotarget.sources.web import WebSource
    from tests.stub import StubServer

    path = _with_formats(chembl_db, tmp_path)
    sql = SqlSource(str(path))
    try:
        from_sql = sql.activities(["CHEMBL90001"])
    finally:
        sql.close()
    with StubServer(path, idle_timeout=60) as stub:
        web = WebSource(stub.base_url, cache_dir=None, backoff=0.01, retries=1, page_size=5)
        try:
            from_web = web.activities(["CHEMBL90001"])
        finally:
            web.close()
    # activity ids 1, 2, 13, 14, 16, 20 of the fixture: assays 1, 2, 3, 1, 1, 1
    expected = ["BAO_0000357", "BAO_0000219", None, "BAO_0000357", "BAO_0000357", "BAO_0000357"]
    assert from_sql[ActivityCols.BAO_FORMAT].tolist() == expected
    assert from_web[ActivityCols.BAO_FORMAT].tolist() == expected
    kinds = aggregate_evidence(
        flag_groups(flag_activities(from_sql, _fixture_targets(), Thresholds()), PARENTS.iloc[0:0]),
        PARENTS.iloc[0:0],
        NO_MECHANISMS,
        _fixture_targets(),
    )[0]
    on_bcl2 = kinds[kinds[EvidenceCols.MOLECULE_CHEMBL_ID] == "CHEMBL900001"]
    assert on_bcl2[EvidenceCols.ASSAY_KINDS].tolist() == ["biochemical;cell-based"]


def _fixture_targets() -> pd.DataFrame:
    from tests.test_curate import _targets

    return _targets(("CHEMBL90001", "SINGLE PROTEIN", "BCL2"))


def test_a_release_without_bao_format_gives_none(chembl_db: Path, tmp_path: Path) -> None:
    from senotarget.sources.sql import SqlSource

    path = tmp_path / "old.sqlite"
    shutil.copy(chembl_db, path)
    connection = sqlite3.connect(path)
    connection.execute("ALTER TABLE assays DROP COLUMN bao_format")
    connection.commit()
    connection.close()
    sql = SqlSource(str(path))
    try:
        activities = sql.activities(["CHEMBL90001"])
    finally:
        sql.close()
    assert list(activities.columns) == list(ActivityCols.ORDER)
    assert activities[ActivityCols.BAO_FORMAT].isna().all()
    assert len(activities) == 6
