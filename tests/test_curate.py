"""Tests of activity curation (one case per rule) and evidence aggregation on the parent."""

from __future__ import annotations

import math
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
    ParentCols,
    SupportCols,
    TargetCols,
)
from senotarget.stages.aggregate import aggregate_evidence
from senotarget.stages.curate import RULES, flag_activities, rule_counts

SINGLE = "CHEMBL101"  # SINGLE PROTEIN, threshold 8
FAMILY = "CHEMBL102"  # PROTEIN FAMILY, threshold 6
NAN = math.nan

#: A clean activity: a binding IC50 of 10 nM with ChEMBL's pChEMBL 8 on the single protein.
BASE_ACTIVITY: dict[str, Any] = {
    ActivityCols.ACTIVITY_ID: 1,
    ActivityCols.MOLECULE_CHEMBL_ID: "CHEMBL1",
    ActivityCols.TARGET_CHEMBL_ID: SINGLE,
    ActivityCols.ASSAY_CHEMBL_ID: "CHEMBL701",
    ActivityCols.DOCUMENT_CHEMBL_ID: "CHEMBL801",
    ActivityCols.ASSAY_TYPE: "B",
    ActivityCols.ASSAY_DESCRIPTION: "Inhibition of the target",
    ActivityCols.CONFIDENCE_SCORE: 9,
    ActivityCols.RELATIONSHIP_TYPE: "D",
    ActivityCols.STANDARD_TYPE: "IC50",
    ActivityCols.STANDARD_RELATION: "=",
    ActivityCols.STANDARD_VALUE: 10.0,
    ActivityCols.STANDARD_UNITS: "nM",
    ActivityCols.PCHEMBL_VALUE: 8.0,
    ActivityCols.DATA_VALIDITY_COMMENT: None,
    ActivityCols.POTENTIAL_DUPLICATE: 0,
    ActivityCols.ACTIVITY_COMMENT: None,
    ActivityCols.ACTION_TYPE: None,
}


def _activities(*changes: dict[str, Any]) -> pd.DataFrame:
    rows = [{**BASE_ACTIVITY, ActivityCols.ACTIVITY_ID: i + 1, **c} for i, c in enumerate(changes)]
    return ActivityCols.conform(pd.DataFrame(rows, columns=list(ActivityCols.ORDER)))


def _targets(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Resolved target rows from (target id, target type, gene symbol)."""
    records = [
        {
            TargetCols.LABEL: "entry",
            TargetCols.GENE_SYMBOL: gene,
            TargetCols.STRATEGIES: "senolytic",
            TargetCols.DIRECTION: "inhibit",
            TargetCols.TARGET_CHEMBL_ID: target,
            TargetCols.TARGET_TYPE: kind,
            TargetCols.STATUS: "resolved",
            TargetCols.REASON: "",
            TargetCols.TARGET_PREF_NAME: "",
            TargetCols.ACCESSION: "",
            TargetCols.MATCHED_BY: "gene_symbol",
            TargetCols.N_COMPONENTS: 1,
            TargetCols.CONFIDENCE_MIN: 8 if kind == "SINGLE PROTEIN" else 6,
            TargetCols.PATHWAY: "",
            TargetCols.CAUTION: "",
        }
        for target, kind, gene in rows
    ]
    return pd.DataFrame(records, columns=list(TargetCols.ORDER))


TARGETS = _targets(
    (SINGLE, "SINGLE PROTEIN", "BCL2"),
    (FAMILY, "PROTEIN FAMILY", "JAK1"),
    (FAMILY, "PROTEIN FAMILY", "JAK2"),
)

#: (case, changes to the clean activity, flags, status, potency_use, pchembl or NaN)
FLAG_CASES: list[tuple[str, dict[str, Any], str, str, str, float]] = [
    ("clean", {}, "", "ok", "potency", 8.0),
    (
        "approximate_value",
        {ActivityCols.STANDARD_RELATION: "~", ActivityCols.PCHEMBL_VALUE: None},
        "approximate_value",
        "flag",
        "none",
        NAN,
    ),
    (
        "censored_active",
        {
            ActivityCols.STANDARD_RELATION: "<",
            ActivityCols.STANDARD_VALUE: 1.0,
            ActivityCols.PCHEMBL_VALUE: None,
        },
        "censored_active",
        "flag",
        "active_censored",
        NAN,
    ),
    (
        "censored_inactive",
        {
            ActivityCols.STANDARD_RELATION: ">",
            ActivityCols.STANDARD_VALUE: 10000.0,
            ActivityCols.PCHEMBL_VALUE: None,
        },
        "censored_inactive",
        "flag",
        "inactive",
        NAN,
    ),
    (
        "confidence_unknown",
        {ActivityCols.CONFIDENCE_SCORE: None},
        "confidence_unknown",
        "flag",
        "potency",
        8.0,
    ),
    (
        "data_validity",
        {ActivityCols.DATA_VALIDITY_COMMENT: "Outside typical range"},
        "data_validity",
        "exclude",
        "excluded",
        8.0,
    ),
    (
        "inactive_comment",
        {
            ActivityCols.STANDARD_RELATION: None,
            ActivityCols.STANDARD_VALUE: None,
            ActivityCols.STANDARD_UNITS: None,
            ActivityCols.PCHEMBL_VALUE: None,
            ActivityCols.ACTIVITY_COMMENT: " Not Active ",
        },
        "inactive_comment",
        "flag",
        "inactive",
        NAN,
    ),
    (
        "low_confidence",
        {ActivityCols.CONFIDENCE_SCORE: 7},
        "low_confidence",
        "exclude",
        "excluded",
        8.0,
    ),
    (
        "non_nm_units",
        {
            ActivityCols.STANDARD_VALUE: 5.0,
            ActivityCols.STANDARD_UNITS: "uM",
            ActivityCols.PCHEMBL_VALUE: None,
        },
        "non_nm_units",
        "exclude",
        "excluded",
        NAN,
    ),
    (
        "non_target_assay",
        {ActivityCols.ASSAY_TYPE: "A"},
        "non_target_assay",
        "exclude",
        "excluded",
        8.0,
    ),
    (
        "pchembl_computed",
        {ActivityCols.STANDARD_VALUE: 5.0, ActivityCols.PCHEMBL_VALUE: None},
        "pchembl_computed",
        "flag",
        "potency",
        8.3,
    ),
    (
        "potential_duplicate",
        {ActivityCols.POTENTIAL_DUPLICATE: 1},
        "potential_duplicate",
        "exclude",
        "excluded",
        8.0,
    ),
    # Further cases around the rules.
    (
        "manually_validated_is_not_doubtful",
        {ActivityCols.DATA_VALIDITY_COMMENT: "Manually validated"},
        "",
        "ok",
        "potency",
        8.0,
    ),
    (
        "pchembl_computed_316_nm",
        {ActivityCols.STANDARD_VALUE: 316.0, ActivityCols.PCHEMBL_VALUE: None},
        "pchembl_computed",
        "flag",
        "potency",
        6.5,
    ),
    (
        "pchembl_computed_string_value",
        {ActivityCols.STANDARD_VALUE: "2", ActivityCols.PCHEMBL_VALUE: None},
        "pchembl_computed",
        "flag",
        "potency",
        8.7,
    ),
    (
        "doubtful_row_gets_no_computed_pchembl",
        {
            ActivityCols.STANDARD_VALUE: 5.0,
            ActivityCols.PCHEMBL_VALUE: None,
            ActivityCols.DATA_VALIDITY_COMMENT: "Potential transcription error",
        },
        "data_validity",
        "exclude",
        "excluded",
        NAN,
    ),
    (
        "zero_value_gets_no_computed_pchembl",
        {ActivityCols.STANDARD_VALUE: 0.0, ActivityCols.PCHEMBL_VALUE: None},
        "",
        "ok",
        "none",
        NAN,
    ),
    (
        "family_confidence_7_passes_threshold_6",
        {ActivityCols.TARGET_CHEMBL_ID: FAMILY, ActivityCols.CONFIDENCE_SCORE: 7},
        "",
        "ok",
        "potency",
        8.0,
    ),
    (
        "family_confidence_5_fails_threshold_6",
        {ActivityCols.TARGET_CHEMBL_ID: FAMILY, ActivityCols.CONFIDENCE_SCORE: 5},
        "low_confidence",
        "exclude",
        "excluded",
        8.0,
    ),
    (
        "single_confidence_8_passes",
        {ActivityCols.CONFIDENCE_SCORE: 8},
        "",
        "ok",
        "potency",
        8.0,
    ),
    (
        "functional_assay_counts",
        {ActivityCols.ASSAY_TYPE: "F"},
        "",
        "ok",
        "potency",
        8.0,
    ),
    (
        "percent_inhibition_is_not_potency",
        {
            ActivityCols.STANDARD_TYPE: "Inhibition",
            ActivityCols.STANDARD_VALUE: 80.0,
            ActivityCols.STANDARD_UNITS: "%",
            ActivityCols.PCHEMBL_VALUE: None,
        },
        "",
        "ok",
        "none",
        NAN,
    ),
    (
        "censored_in_um_is_excluded",
        {
            ActivityCols.STANDARD_RELATION: ">",
            ActivityCols.STANDARD_VALUE: 10.0,
            ActivityCols.STANDARD_UNITS: "uM",
            ActivityCols.PCHEMBL_VALUE: None,
        },
        "censored_inactive;non_nm_units",
        "exclude",
        "excluded",
        NAN,
    ),
    (
        "flags_sorted_and_joined",
        {
            ActivityCols.STANDARD_RELATION: ">=",
            ActivityCols.STANDARD_VALUE: 10000.0,
            ActivityCols.PCHEMBL_VALUE: None,
            ActivityCols.CONFIDENCE_SCORE: None,
            ActivityCols.ACTIVITY_COMMENT: "inactive",
        },
        "censored_inactive;confidence_unknown;inactive_comment",
        "flag",
        "inactive",
        NAN,
    ),
]


def test_every_rule_has_a_case() -> None:
    rule_ids = {rule.id for rule in RULES}
    assert len(rule_ids) == len(RULES) == 11
    assert rule_ids <= {case[0] for case in FLAG_CASES}
    assert [rule.id for rule in RULES] == sorted(rule_ids)


@pytest.mark.parametrize(
    ("changes", "flags", "status", "use", "pchembl"),
    [case[1:] for case in FLAG_CASES],
    ids=[case[0] for case in FLAG_CASES],
)
def test_flag_activities_one_row(
    changes: dict[str, Any], flags: str, status: str, use: str, pchembl: float
) -> None:
    activities = _activities(changes)
    curated = flag_activities(activities, TARGETS, Thresholds())
    assert list(curated.columns) == [
        *ActivityCols.ORDER,
        CuratedCols.PCHEMBL,
        CuratedCols.POTENCY_USE,
        CuratedCols.FLAGS,
        CuratedCols.STATUS,
    ]
    row = curated.iloc[0]
    assert (row[CuratedCols.FLAGS], row[CuratedCols.STATUS], row[CuratedCols.POTENCY_USE]) == (
        flags,
        status,
        use,
    )
    if math.isnan(pchembl):
        assert pd.isna(row[CuratedCols.PCHEMBL])
    else:
        assert row[CuratedCols.PCHEMBL] == pchembl
    pd.testing.assert_frame_equal(curated.loc[:, list(ActivityCols.ORDER)], activities)


@pytest.mark.parametrize(("confidence_min", "status"), [(8, "exclude"), (7, "ok")])
def test_flag_activities_uses_the_threshold_resolve_chose(confidence_min: int, status: str) -> None:
    """Curation applies each target's ``confidence_min`` from the targets table (computed once,
    by the resolve stage from the configured thresholds), not a threshold of its own."""
    activities = _activities({ActivityCols.CONFIDENCE_SCORE: 7})
    targets = TARGETS.assign(**{TargetCols.CONFIDENCE_MIN: confidence_min})
    curated = flag_activities(activities, targets, Thresholds())
    assert curated[CuratedCols.STATUS].tolist() == [status]


def test_flag_activities_many_rows_and_rule_counts() -> None:
    changes = [case[1] for case in FLAG_CASES]
    curated = flag_activities(_activities(*changes), TARGETS, Thresholds())
    assert curated[CuratedCols.FLAGS].tolist() == [case[2] for case in FLAG_CASES]
    assert curated[CuratedCols.STATUS].tolist() == [case[3] for case in FLAG_CASES]
    assert curated[CuratedCols.POTENCY_USE].tolist() == [case[4] for case in FLAG_CASES]
    assert rule_counts(curated) == {
        "approximate_value": 1,
        "censored_active": 1,
        "censored_inactive": 3,
        "confidence_unknown": 2,
        "data_validity": 2,
        "inactive_comment": 2,
        "low_confidence": 2,
        "non_nm_units": 2,
        "non_target_assay": 1,
        "pchembl_computed": 3,
        "potential_duplicate": 1,
    }


def test_rule_counts_of_clean_rows_are_zero() -> None:
    curated = flag_activities(_activities({}, {}), TARGETS, Thresholds())
    assert rule_counts(curated) == dict.fromkeys(sorted(rule.id for rule in RULES), 0)


# -- aggregation ----------------------------------------------------------------------------------

PARENTS = pd.DataFrame(
    {
        ParentCols.MOLECULE_CHEMBL_ID: ["CHEMBL1", "CHEMBL2", "CHEMBL3"],
        ParentCols.PARENT_CHEMBL_ID: ["CHEMBL1", "CHEMBL1", "CHEMBL3"],
        ParentCols.PARENT_BASIS: ["self", "molecule_hierarchy", "self"],
    }
)
MECHANISMS = pd.DataFrame(
    [
        (1, "CHEMBL2", SINGLE, "INHIBITOR", "Bcl-2 inhibitor"),  # on the salt
        (2, "CHEMBL4", FAMILY, "INHIBITOR", "JAK inhibitor"),  # no activity, no parent row
    ],
    columns=list(MechanismCols.ORDER),
)


def _aggregation_activities() -> pd.DataFrame:
    def on(molecule: str, assay: str, doc: str, **changes: Any) -> dict[str, Any]:
        return {
            ActivityCols.MOLECULE_CHEMBL_ID: molecule,
            ActivityCols.ASSAY_CHEMBL_ID: assay,
            ActivityCols.DOCUMENT_CHEMBL_ID: doc,
            **changes,
        }

    censored = {"standard_relation": ">", "standard_value": 10000.0, "pchembl_value": None}
    activation = {"assay_description": "Activation of JAK", "action_type": "ACTIVATOR"}
    return _activities(
        on("CHEMBL1", "A1", "D1", pchembl_value=8.0),
        on("CHEMBL2", "A2", "D1", pchembl_value=7.0),  # the salt: aggregated on CHEMBL1
        on("CHEMBL2", "A3", "D2", **censored),
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
    ),
    _evidence(
        molecule_chembl_id="CHEMBL3",
        **ON_BCL2,
        standard_type="IC50",
        n_excluded=1,
        flags="low_confidence",
        source_molecules="CHEMBL3",
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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, with NaN as None."""
    return [
        {str(k): None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def test_aggregate_evidence_on_parent() -> None:
    curated = flag_activities(_aggregation_activities(), TARGETS, Thresholds())
    evidence, support = aggregate_evidence(curated, PARENTS, MECHANISMS, TARGETS)
    assert list(evidence.columns) == list(EvidenceCols.ORDER)
    assert _records(evidence) == EVIDENCE
    for column in (
        EvidenceCols.N_MEASUREMENTS,
        EvidenceCols.N_ASSAYS,
        EvidenceCols.N_DOCUMENTS,
        EvidenceCols.CENSORED_INACTIVE,
        EvidenceCols.N_ACTIVE_CENSORED,
        EvidenceCols.N_EXCLUDED,
    ):
        assert evidence[column].dtype == "int64", column
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
    curated = flag_activities(_aggregation_activities(), TARGETS, Thresholds())
    evidence, _ = aggregate_evidence(curated, PARENTS, MECHANISMS.iloc[0:0], TARGETS)
    assert list(evidence.columns) == list(EvidenceCols.ORDER)
    assert evidence[EvidenceCols.STANDARD_TYPE].tolist() == ["IC50", "Ki", "IC50", "EC50"]
    assert evidence[EvidenceCols.ACTION_TYPE].tolist() == ["", "", "", "ACTIVATOR"]
    assert evidence[EvidenceCols.MECHANISM_MOLECULES].tolist() == ["", "", "", ""]


def test_aggregate_evidence_missing_standard_type() -> None:
    activities = _activities(
        {
            ActivityCols.STANDARD_TYPE: None,
            ActivityCols.STANDARD_RELATION: None,
            ActivityCols.STANDARD_VALUE: None,
            ActivityCols.PCHEMBL_VALUE: None,
            ActivityCols.ACTIVITY_COMMENT: "Not Active",
        },
    )
    curated = flag_activities(activities, TARGETS, Thresholds())
    evidence, _ = aggregate_evidence(curated, PARENTS, MECHANISMS.iloc[0:0], TARGETS)
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
        )
    ]
