"""Tests of activity curation: one case per row rule, table-driven cases per group rule, and the
helpers the aggregate stage and the manifest use (assay kinds, release-wide flags).

Every row here is written by hand; none comes from a ChEMBL release.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from senotarget.config import Thresholds
from senotarget.schema import ASSAY_KINDS, ActivityCols, CuratedCols, ParentCols, TargetCols
from senotarget.stages.curate import (
    GROUP_RULES,
    RULES,
    assay_kind,
    carries,
    flag_activities,
    flag_groups,
    release_wide_flags,
    rule_counts,
)

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
    ActivityCols.BAO_FORMAT: "BAO_0000357",
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
    (
        "document_unknown",
        {ActivityCols.DOCUMENT_CHEMBL_ID: None},
        "document_unknown",
        "flag",
        "potency",
        8.0,
    ),
    (
        "implausible_value",  # a 50 mM IC50 would be pChEMBL 1.30
        {ActivityCols.STANDARD_VALUE: 50_000_000.0, ActivityCols.PCHEMBL_VALUE: None},
        "implausible_value",
        "flag",
        "none",
        NAN,
    ),
    # Further cases around the rules.
    (
        "implausible_too_potent",  # 0.0005 nM would be pChEMBL 12.30
        {ActivityCols.STANDARD_VALUE: 0.0005, ActivityCols.PCHEMBL_VALUE: None},
        "implausible_value",
        "flag",
        "none",
        NAN,
    ),
    (
        "plausible_range_low_end_1_mM",
        {ActivityCols.STANDARD_VALUE: 1_000_000.0, ActivityCols.PCHEMBL_VALUE: None},
        "pchembl_computed",
        "flag",
        "potency",
        3.0,
    ),
    (
        "plausible_range_high_end_1_pM",
        {ActivityCols.STANDARD_VALUE: 0.001, ActivityCols.PCHEMBL_VALUE: None},
        "pchembl_computed",
        "flag",
        "potency",
        12.0,
    ),
    (
        "chembl_own_pchembl_outside_the_range_is_kept",
        {ActivityCols.STANDARD_VALUE: 2_750_000.0, ActivityCols.PCHEMBL_VALUE: 2.56},
        "",
        "ok",
        "potency",
        2.56,
    ),
    (
        "not_active_verdict_beats_an_equals_value",
        {ActivityCols.ACTIVITY_COMMENT: "Not Active"},
        "inactive_comment",
        "flag",
        "inactive",
        8.0,  # ChEMBL's pChEMBL stays on the row, but it is not potency
    ),
    (
        "not_active_verdict_on_a_computed_value",
        {
            ActivityCols.STANDARD_VALUE: 5.0,
            ActivityCols.PCHEMBL_VALUE: None,
            ActivityCols.ACTIVITY_COMMENT: "inactive",
        },
        "inactive_comment;pchembl_computed",
        "flag",
        "inactive",
        8.3,
    ),
    (
        "empty_document_id_is_unknown",
        {ActivityCols.DOCUMENT_CHEMBL_ID: ""},
        "document_unknown",
        "flag",
        "potency",
        8.0,
    ),
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
    assert len(rule_ids) == len(RULES) == 17
    assert [rule.id for rule in RULES] == sorted(rule_ids)
    row_rules = {rule.id for rule in RULES if rule.scope == "row"}
    # other_protein_assay needs an entry's assay exclusions: OTHER_PROTEIN_CASES has its cases
    assert row_rules <= {case[0] for case in FLAG_CASES} | {"other_protein_assay"}
    assert GROUP_RULES == (
        "contradicted_by_inactive",
        "contradicts_other_assays",
        "probable_unit_error",
    )
    assert set(GROUP_RULES) <= {case[0].split(":")[0] for case in GROUP_CASES}
    assert all(rule.explanation and rule.citation for rule in RULES)
    assert {rule.id for rule in RULES if rule.release_field} == {
        "confidence_unknown",
        "document_unknown",
        "pchembl_computed",
    }


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
        "contradicted_by_inactive": 0,  # group rules run in flag_groups
        "contradicts_other_assays": 0,
        "data_validity": 2,
        "document_unknown": 2,
        "implausible_value": 2,
        "inactive_comment": 4,
        "low_confidence": 2,
        "non_nm_units": 2,
        "non_target_assay": 1,
        "other_protein_assay": 0,  # no entry of TARGETS lists assay exclusions
        "pchembl_computed": 6,
        "potential_duplicate": 1,
        "probable_unit_error": 0,
    }


def test_rule_counts_of_clean_rows_are_zero() -> None:
    curated = flag_activities(_activities({}, {}), TARGETS, Thresholds())
    assert rule_counts(curated) == dict.fromkeys(sorted(rule.id for rule in RULES), 0)


# -- other_protein_assay: assays on the target that measure another protein -----------------------

#: TARGETS, the single protein's entry listing FKBP12 binding assays as another protein's (the
#: default panel's mTOR rule, on a test target); the family's entry lists none.
EXCLUDING = TARGETS.assign(
    other_protein_assays=["FK506 binding protein;FKBP;macrophilin", "", ""],
    other_protein_unless=["mTOR", "", ""],
)
FKBP_SPA = "The inhibitory activity by using FK506 binding protein 12 SPA binding assay"

#: (case, activity changes, flags, status, potency_use)
OTHER_PROTEIN_CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    (
        "fkbp12_spa_assay",
        {ActivityCols.ASSAY_DESCRIPTION: FKBP_SPA},
        "other_protein_assay",
        "exclude",
        "excluded",
    ),
    (
        "macrophilin_any_case",
        {ActivityCols.ASSAY_DESCRIPTION: "Inhibitory activity against MACROPHILIN (FKBP-12)"},
        "other_protein_assay",
        "exclude",
        "excluded",
    ),
    (  # a censored FKBP12 bound is no inactive-side evidence on the target either
        "censored_fkbp12_bound",
        {
            ActivityCols.ASSAY_DESCRIPTION: "Inhibitory activity against FKBP12",
            ActivityCols.STANDARD_RELATION: ">",
            ActivityCols.STANDARD_VALUE: 10000.0,
            ActivityCols.PCHEMBL_VALUE: None,
        },
        "censored_inactive;other_protein_assay",
        "exclude",
        "excluded",
    ),
    (
        "names_the_own_protein_too",
        {ActivityCols.ASSAY_DESCRIPTION: "Inhibition of FKBP12-independent human mTOR"},
        "",
        "ok",
        "potency",
    ),
    (
        "own_protein_only",
        {ActivityCols.ASSAY_DESCRIPTION: "Inhibition of mTOR kinase"},
        "",
        "ok",
        "potency",
    ),
    ("no_description", {ActivityCols.ASSAY_DESCRIPTION: None}, "", "ok", "potency"),
    (
        "entry_without_exclusions",
        {ActivityCols.ASSAY_DESCRIPTION: FKBP_SPA, ActivityCols.TARGET_CHEMBL_ID: FAMILY},
        "",
        "ok",
        "potency",
    ),
]


@pytest.mark.parametrize(
    ("changes", "flags", "status", "use"),
    [case[1:] for case in OTHER_PROTEIN_CASES],
    ids=[case[0] for case in OTHER_PROTEIN_CASES],
)
def test_other_protein_assay(changes: dict[str, Any], flags: str, status: str, use: str) -> None:
    curated = flag_activities(_activities(changes), EXCLUDING, Thresholds())
    row = curated.iloc[0]
    assert (row[CuratedCols.FLAGS], row[CuratedCols.STATUS]) == (flags, status)
    assert row[CuratedCols.POTENCY_USE] == use


def test_other_protein_terms_of_entries_sharing_a_target_are_joined() -> None:
    """A target in two entries takes both entries' patterns and keep-words."""
    shared = pd.concat(
        [
            EXCLUDING.iloc[[0]],
            EXCLUDING.iloc[[0]].assign(
                label="other", other_protein_assays="calcineurin", other_protein_unless="FRB"
            ),
        ],
        ignore_index=True,
    )
    descriptions = [
        "Inhibition of calcineurin",
        FKBP_SPA,
        "FKBP12 binding to the FRB domain",
        "Inhibition of the target",
    ]
    curated = flag_activities(
        _activities(*({ActivityCols.ASSAY_DESCRIPTION: d} for d in descriptions)),
        shared,
        Thresholds(),
    )
    assert curated[CuratedCols.FLAGS].tolist() == [
        "other_protein_assay",
        "other_protein_assay",
        "",
        "",
    ]


def test_other_protein_rule_is_an_exclusion_with_its_citation() -> None:
    (rule,) = [r for r in RULES if r.id == "other_protein_assay"]
    assert (rule.severity, rule.scope, rule.release_field) == ("exclude", "row", False)
    assert "Liu et al. 1991 Cell 66:807" in rule.citation


# -- group rules: every row of a (parent compound, target) together --------------------------------

#: CHEMBL2 is a salt of CHEMBL1; CHEMBL3 has no relative.
PARENTS = pd.DataFrame(
    {
        ParentCols.MOLECULE_CHEMBL_ID: ["CHEMBL1", "CHEMBL2", "CHEMBL3"],
        ParentCols.PARENT_CHEMBL_ID: ["CHEMBL1", "CHEMBL1", "CHEMBL3"],
        ParentCols.PARENT_BASIS: ["self", "molecule_hierarchy", "self"],
    }
)


def measured(assay: str, nm: float, pchembl: float | None, **more: Any) -> dict[str, Any]:
    """An '=' value in nM; ``pchembl`` None: the release left it empty (computed by curation)."""
    return {
        ActivityCols.ASSAY_CHEMBL_ID: assay,
        ActivityCols.STANDARD_VALUE: nm,
        ActivityCols.PCHEMBL_VALUE: pchembl,
        **more,
    }


def censored(assay: str, nm: float, **more: Any) -> dict[str, Any]:
    """A '>' bound in nM (inactive side)."""
    return {
        ActivityCols.ASSAY_CHEMBL_ID: assay,
        ActivityCols.STANDARD_RELATION: ">",
        ActivityCols.STANDARD_VALUE: nm,
        ActivityCols.PCHEMBL_VALUE: None,
        **more,
    }


def verdict(assay: str, **more: Any) -> dict[str, Any]:
    """A depositor's "Not Active" verdict without a value."""
    return {
        ActivityCols.ASSAY_CHEMBL_ID: assay,
        ActivityCols.STANDARD_RELATION: None,
        ActivityCols.STANDARD_VALUE: None,
        ActivityCols.STANDARD_UNITS: None,
        ActivityCols.PCHEMBL_VALUE: None,
        ActivityCols.ACTIVITY_COMMENT: "Not Active",
        **more,
    }


KI = {ActivityCols.STANDARD_TYPE: "Ki"}
KD = {ActivityCols.STANDARD_TYPE: "Kd"}
POTENCY = ("", "potency", "ok")
CENSORED = ("censored_inactive", "inactive", "flag")
VERDICT = ("inactive_comment", "inactive", "flag")
CONTRADICTED = ("contradicted_by_inactive", "none", "flag")
OUTLIER = ("contradicts_other_assays", "none", "flag")
UNIT_ERROR = ("probable_unit_error", "none", "flag")

#: (rule or "unchanged" : case, rows, expected (flags, potency_use, status) per row)
GROUP_CASES: list[tuple[str, list[dict[str, Any]], list[tuple[str, str, str]]]] = [
    (
        # Navitoclax on MCL1 in shape: one 500 nM IC50 against two assays > 10 uM.
        "contradicted_by_inactive:two_censored_assays_outnumber_one_value",
        [measured("A1", 500.0, 6.3), censored("A2", 10_000.0), censored("A3", 30_000.0)],
        [CONTRADICTED, CENSORED, CENSORED],
    ),
    (
        "contradicted_by_inactive:verdicts_outnumber_one_value",
        [measured("A1", 10.0, 8.0), verdict("A2"), verdict("A3")],
        [CONTRADICTED, VERDICT, VERDICT],
    ),
    (
        "contradicted_by_inactive:equals_values_with_a_verdict_are_inactive_side",
        [
            measured("A1", 10.0, 8.0),
            measured("A2", 20.0, 7.7, activity_comment="Not Active"),
            measured("A3", 30.0, 7.52, activity_comment="inactive"),
        ],
        [CONTRADICTED, VERDICT, VERDICT],
    ),
    (
        "contradicted_by_inactive:a_bound_at_the_measured_value_counts",
        [measured("A1", 1000.0, 6.0), censored("A2", 1000.0), censored("A3", 1000.0)],
        [CONTRADICTED, CENSORED, CENSORED],
    ),
    (
        "contradicted_by_inactive:salt_and_parent_share_the_pair",
        [
            measured("A1", 500.0, 6.3),
            censored("A2", 10_000.0, molecule_chembl_id="CHEMBL2"),
            censored("A3", 30_000.0, molecule_chembl_id="CHEMBL2"),
        ],
        [CONTRADICTED, CENSORED, CENSORED],
    ),
    (
        "contradicted_by_inactive:every_measured_type_of_the_pair",
        [
            measured("A1", 500.0, 6.3),
            measured("A4", 800.0, 6.1, **KI),
            censored("A2", 10_000.0),
            censored("A3", 30_000.0),
            verdict("A5"),
        ],
        [CONTRADICTED, CONTRADICTED, CENSORED, CENSORED, VERDICT],
    ),
    (
        "unchanged:as_many_inactive_as_measured_assays",
        [measured("A1", 500.0, 6.3), censored("A2", 10_000.0)],
        [POTENCY, CENSORED],
    ),
    (
        "unchanged:more_measured_assays",
        [measured("A1", 500.0, 6.3), measured("A2", 300.0, 6.52), censored("A3", 10_000.0)],
        [POTENCY, POTENCY, CENSORED],
    ),
    (
        "unchanged:bounds_above_the_measured_value_agree_with_it",
        [measured("A1", 500.0, 6.3), censored("A2", 100.0), censored("A3", 200.0)],
        [POTENCY, CENSORED, CENSORED],
    ),
    (
        "unchanged:two_bounds_in_one_assay_count_once",
        [measured("A1", 500.0, 6.3), censored("A2", 10_000.0), censored("A2", 30_000.0)],
        [POTENCY, CENSORED, CENSORED],
    ),
    (
        "unchanged:inactive_side_on_another_target",
        [
            measured("A1", 500.0, 6.3),
            censored("A2", 10_000.0, target_chembl_id=FAMILY),
            censored("A3", 30_000.0, target_chembl_id=FAMILY),
        ],
        [POTENCY, CENSORED, CENSORED],
    ),
    (
        "unchanged:inactive_side_on_another_compound",
        [
            measured("A1", 500.0, 6.3),
            censored("A2", 10_000.0, molecule_chembl_id="CHEMBL3"),
            censored("A3", 30_000.0, molecule_chembl_id="CHEMBL3"),
        ],
        [POTENCY, CENSORED, CENSORED],
    ),
    (
        # A single Kd of 10 uM would win nothing, but a single stray Kd of 1 nM would win as the
        # best per-type median; here it is the lone low one against three agreeing IC50s.
        "contradicts_other_assays:a_single_kd_against_three_ic50s",
        [
            measured("A1", 10.0, 8.0),
            measured("A2", 6.3, 8.2),
            measured("A3", 12.6, 7.9),
            measured("A4", 10_000.0, 5.0, **KD),
        ],
        [POTENCY, POTENCY, POTENCY, OUTLIER],
    ),
    (
        "contradicts_other_assays:a_stray_high_value",
        [
            measured("A1", 1000.0, 6.0),
            measured("A2", 631.0, 6.2),
            measured("A3", 1.0, 9.0, **KI),
        ],
        [POTENCY, POTENCY, OUTLIER],
    ),
    (
        "unchanged:1.9_log_units_is_within_the_scatter",
        [measured("A1", 10.0, 8.0), measured("A2", 10.0, 8.0), measured("A3", 794.0, 6.1, **KI)],
        [POTENCY, POTENCY, POTENCY],
    ),
    (
        "unchanged:two_assays_cannot_outvote_each_other",
        [measured("A1", 10.0, 8.0), measured("A2", 3162.0, 5.5, **KI)],
        [POTENCY, POTENCY],
    ),
    (
        "unchanged:the_other_assays_disagree_among_themselves",
        [
            measured("A1", 1.0, 9.0),
            measured("A2", 100.0, 7.0),
            measured("A3", 6310.0, 5.2),
            measured("A4", 316_000.0, 3.5),
        ],
        [POTENCY, POTENCY, POTENCY, POTENCY],
    ),
    (
        "probable_unit_error:a_value_1000_fold_off",
        [measured("A1", 10.0, 8.0), measured("A2", 12.0, 7.92), measured("A3", 10_000.0, 5.0)],
        [POTENCY, POTENCY, UNIT_ERROR],
    ),
    (
        "probable_unit_error:in_one_assay",
        [measured("A1", 10.0, 8.0), measured("A1", 11.0, 7.96), measured("A1", 10_000.0, 5.0)],
        [POTENCY, POTENCY, UNIT_ERROR],
    ),
    (
        # 0.009 nM beside 10 nM: 0.009 uM recorded as nM; the computed pChEMBL loses the tie.
        "probable_unit_error:a_computed_pchembl_loses_a_tie",
        [measured("A1", 10.0, 8.0), measured("A2", 0.009, None)],
        [POTENCY, ("pchembl_computed;probable_unit_error", "none", "flag")],
    ),
    (
        "probable_unit_error:a_full_tie_sets_both_sides_aside",
        [measured("A1", 10.0, 8.0), measured("A2", 10_000.0, 5.0)],
        [UNIT_ERROR, UNIT_ERROR],
    ),
    (
        "probable_unit_error:six_orders_of_magnitude",
        [measured("A1", 1.0, 9.0), measured("A2", 1.2, 8.92), measured("A3", 1_000_000.0, 3.0)],
        [POTENCY, POTENCY, UNIT_ERROR],
    ),
    (
        "probable_unit_error:at_the_edge_of_the_tolerance",
        [measured("A1", 10.0, 8.0), measured("A2", 5012.0, 5.3)],
        [UNIT_ERROR, UNIT_ERROR],
    ),
    (
        "unchanged:3.35_log_units_apart_is_no_unit_error",
        [measured("A1", 10.0, 8.0), measured("A2", 22_387.0, 4.65)],
        [POTENCY, POTENCY],
    ),
    (
        "unchanged:unit_errors_are_looked_for_within_one_standard_type",
        [measured("A1", 10.0, 8.0), measured("A2", 10_000.0, 5.0, **KI)],
        [POTENCY, POTENCY],
    ),
    (
        "unchanged:censored_and_excluded_rows_are_never_set_aside",
        [
            measured("A1", 10.0, 8.0),
            measured("A2", 10_000.0, 5.0, potential_duplicate=1),
            censored("A3", 10.0),
        ],
        [POTENCY, ("potential_duplicate", "excluded", "exclude"), CENSORED],
    ),
]


def _grouped(rows: list[dict[str, Any]]) -> pd.DataFrame:
    curated = flag_activities(_activities(*rows), TARGETS, Thresholds())
    return flag_groups(curated, PARENTS)


@pytest.mark.parametrize(
    ("rows", "expected"), [case[1:] for case in GROUP_CASES], ids=[c[0] for c in GROUP_CASES]
)
def test_flag_groups(rows: list[dict[str, Any]], expected: list[tuple[str, str, str]]) -> None:
    grouped = _grouped(rows)
    got = list(
        zip(
            grouped[CuratedCols.FLAGS],
            grouped[CuratedCols.POTENCY_USE],
            grouped[CuratedCols.STATUS],
            strict=True,
        )
    )
    assert got == expected
    assert list(grouped.columns) == list(CuratedCols.ORDER)


@pytest.mark.parametrize("rows", [case[1] for case in GROUP_CASES], ids=[c[0] for c in GROUP_CASES])
def test_flag_groups_is_idempotent(rows: list[dict[str, Any]]) -> None:
    once = _grouped(rows)
    pd.testing.assert_frame_equal(flag_groups(once, PARENTS), once)


def test_flag_groups_keeps_the_other_columns() -> None:
    rows = GROUP_CASES[0][1]
    curated = flag_activities(_activities(*rows), TARGETS, Thresholds())
    grouped = flag_groups(curated, PARENTS)
    untouched = [
        c
        for c in CuratedCols.ORDER
        if c not in (CuratedCols.FLAGS, CuratedCols.POTENCY_USE, CuratedCols.STATUS)
    ]
    pd.testing.assert_frame_equal(grouped.loc[:, untouched], curated.loc[:, untouched])
    assert curated[CuratedCols.POTENCY_USE].tolist() == ["potency", "inactive", "inactive"]


def test_rule_counts_after_the_group_rules() -> None:
    cases = {case[0]: case[1] for case in GROUP_CASES}
    navitoclax_like = cases["contradicted_by_inactive:two_censored_assays_outnumber_one_value"]
    unit_error = [
        {**row, ActivityCols.MOLECULE_CHEMBL_ID: "CHEMBL3"}
        for row in cases["probable_unit_error:a_value_1000_fold_off"]
    ]
    counts = rule_counts(_grouped([*navitoclax_like, *unit_error]))
    assert {k: v for k, v in counts.items() if v} == {
        "censored_inactive": 2,
        "contradicted_by_inactive": 1,
        "probable_unit_error": 1,
    }


# -- assay kinds, release-wide flags, flag lookups ------------------------------------------------

#: (assay_type, bao_format, kind)
KIND_CASES: list[tuple[str | None, str | None, str]] = [
    ("B", "BAO_0000357", "biochemical"),  # single protein format
    ("F", "BAO_0000357", "biochemical"),
    ("F", "BAO_0000219", "cell-based"),
    ("B", "BAO_0000219", "cell-based"),  # binding measured in cells
    ("F", "BAO_0000221", "tissue-based"),
    ("F", "BAO_0000218", "organism-based"),
    ("B", "BAO_0000366", "biochemical"),  # cell-free format
    ("B", "BAO_0000249", "biochemical"),  # cell membrane format
    ("B", "BAO_0000019", "biochemical"),  # the generic "assay format": the assay type decides
    ("F", "BAO_0000019", "unspecified"),
    ("B", None, "biochemical"),
    ("F", None, "unspecified"),
    ("A", None, "unspecified"),
    (None, None, "unspecified"),
    ("F", "BAO_9999999", "unspecified"),  # a term senotarget does not know
]


def test_assay_kind() -> None:
    assay_type = pd.Series([c[0] for c in KIND_CASES], dtype=object)
    bao_format = pd.Series([c[1] for c in KIND_CASES], dtype=object)
    kinds = assay_kind(assay_type, bao_format)
    assert kinds.tolist() == [c[2] for c in KIND_CASES]
    assert set(kinds) <= set(ASSAY_KINDS)


def _n_rows(n: int, **changes: Any) -> list[dict[str, Any]]:
    return [changes] * n


#: (case, rows, share, expected)
RELEASE_CASES: list[tuple[str, list[dict[str, Any]], float, dict[str, float]]] = [
    (
        "nine_of_ten_without_confidence",
        _n_rows(9, confidence_score=None) + _n_rows(1),
        0.9,
        {"confidence_unknown": 0.9},
    ),
    ("eight_of_ten_is_per_row", _n_rows(8, confidence_score=None) + _n_rows(2), 0.9, {}),
    (
        "a_lower_share",
        _n_rows(8, confidence_score=None) + _n_rows(2),
        0.5,
        {"confidence_unknown": 0.8},
    ),
    (
        "a_release_without_documents_or_scores",
        _n_rows(4, confidence_score=None, document_chembl_id=None),
        0.9,
        {"confidence_unknown": 1.0, "document_unknown": 1.0},
    ),
    (
        "a_release_without_pchembl_values",
        _n_rows(3, pchembl_value=None),
        0.9,
        {"pchembl_computed": 1.0},
    ),
    (
        "a_row_flag_on_every_row_is_still_per_row",
        _n_rows(3, standard_relation=">", standard_value=10_000.0, pchembl_value=None),
        0.9,
        {},
    ),
    ("no_flag", _n_rows(3), 0.9, {}),
]


@pytest.mark.parametrize(
    ("rows", "share", "expected"),
    [case[1:] for case in RELEASE_CASES],
    ids=[case[0] for case in RELEASE_CASES],
)
def test_release_wide_flags(
    rows: list[dict[str, Any]], share: float, expected: dict[str, float]
) -> None:
    curated = flag_activities(_activities(*rows), TARGETS, Thresholds())
    assert release_wide_flags(curated, share) == expected


def test_release_wide_flags_of_no_rows() -> None:
    curated = flag_activities(_activities({}), TARGETS, Thresholds()).iloc[0:0]
    assert release_wide_flags(curated) == {}


def test_carries() -> None:
    flags = pd.Series(
        ["censored_inactive;inactive_comment", None, "", "inactive_comment", "pchembl_computed"],
        dtype=object,
    )
    assert carries(flags, ("inactive_comment",)).tolist() == [True, False, False, True, False]
    assert carries(flags, {"pchembl_computed", "censored_inactive"}).tolist() == [
        True,
        False,
        False,
        False,
        True,
    ]
    assert carries(flags, ()).tolist() == [False] * 5


# -- the group rules on large pairs: the same answers as their pairwise definitions -------------


def _unit_errors_pairwise(p: Any, given: Any) -> Any:
    """``probable_unit_error`` as first written: every pair of rows compared."""
    import numpy as np

    from senotarget.stages.curate import NEIGHBOURHOOD, UNIT_ERROR_STEPS, UNIT_ERROR_TOLERANCE

    distance = np.abs(p[:, None] - p[None, :])
    partner = np.zeros_like(distance, dtype=bool)
    for step in UNIT_ERROR_STEPS:
        partner |= np.abs(distance - step) <= UNIT_ERROR_TOLERANCE + 1e-9
    near = distance < NEIGHBOURHOOD
    support = near.sum(axis=1) * (len(p) + 1) + (near & given[None, :]).sum(axis=1)
    rival = np.where(partner, support[None, :], -1).max(axis=1)
    return partner.any(axis=1) & (support <= rival)


def _outlying_loop(p: Any) -> Any:
    """``contradicts_other_assays`` as first written: each assay against the others' median."""
    import numpy as np

    from senotarget.stages.curate import AGREE_LOG, OUTLIER_LOG

    out = np.zeros(len(p), dtype=bool)
    for i, own in enumerate(p):
        others = np.delete(p, i)
        centre = float(np.median(others))
        agree = int((np.abs(others - centre) <= AGREE_LOG + 1e-9).sum()) * 2 > len(others)
        out[i] = agree and abs(own - centre) >= OUTLIER_LOG - 1e-9
    return out


@pytest.mark.parametrize("seed", range(40))
def test_group_rules_match_their_pairwise_definitions(seed: int) -> None:
    """Regression: the pairwise forms cost n^2 memory on a pair with thousands of rows (a
    100x scaled extract took 5 GB in the aggregate stage); the per-value forms must agree."""
    import numpy as np
    import pandas as pd

    from senotarget.stages.curate import _outlying, _unit_errors

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    centres = rng.choice([5.0, 6.5, 8.0, 9.5, 11.0], size=int(rng.integers(1, 4)))
    p = np.round(rng.choice(centres, size=n) + rng.normal(0, 0.6, size=n), 2)
    p[rng.random(n) < 0.3] = np.round(p[0] + rng.choice([-6, -3, 3]), 2)  # unit-error partners
    given = rng.random(n) < 0.5
    work = pd.DataFrame({"parent": "M", "target": "T", "stype": "IC50", "p": p, "given": given})
    potency = np.ones(n, dtype=bool)
    assert _unit_errors(work, potency).tolist() == _unit_errors_pairwise(p, given).tolist()
    if n > 2:
        assert _outlying(p).tolist() == _outlying_loop(p).tolist()
