"""The curate stage: flag (never drop) each activity row by a registry of named rules.

Curation is a registry of small named rules (the practice of the ChEMBL structure pipeline's
checker): each rule has a stable id, a severity and an explanation, and every activity row gets the
sorted ids of the rules it hits in ``flags`` and the worst severity in ``status``. Rows with status
``exclude`` stay in the table and are counted (``n_excluded``); they just do not count as evidence.

Rules follow ChEMBL's own data model (Bento et al. 2014 Nucleic Acids Res 42:D1083; Zdrazil et al.
2024 Nucleic Acids Res 52:D1180) and its FAQ on pChEMBL, confidence scores and data validity
comments (https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from senotarget.schema import (
    ActivityCols,
    CuratedCols,
    Method,
    TargetCols,
)

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Thresholds

__all__ = [
    "METHODS",
    "PCHEMBL_TYPES",
    "RULES",
    "Rule",
    "flag_activities",
]

#: Activity types ChEMBL computes a pChEMBL value for (-log10 of the molar value), when the
#: relation is '=', the units are nM and no data validity comment applies (ChEMBL FAQ, "What is
#: the pChEMBL value?"; Bento et al. 2014).
PCHEMBL_TYPES: Final = frozenset({"IC50", "XC50", "EC50", "AC50", "Ki", "Kd", "Potency", "ED50"})
#: A data_validity_comment that confirms the value rather than doubting it.
VALIDATED: Final = "Manually validated"
#: activity_comment values that state the compound was inactive (ChEMBL activity_comment
#: vocabulary, case varies by depositor).
INACTIVE_COMMENTS: Final = frozenset({"not active", "inactive"})
_GREATER: Final = frozenset({">", ">=", ">>"})
_LESS: Final = frozenset({"<", "<=", "<<"})
#: Assay types that measure the target itself: B (binding) and F (functional). A (ADMET), T
#: (toxicity), P (physicochemical) and U (unclassified) do not (ChEMBL assay_type lookup).
TARGET_ASSAY_TYPES: Final = frozenset({"B", "F"})
#: Words in an assay description that make an EC50/AC50 an activation measurement (DESIGN §4).
ACTIVATION_WORDS: Final = re.compile(r"activat|agonis|potentiat|enhanc|stimulat", re.IGNORECASE)


#: Where the curation rules come from: ChEMBL's FAQ answers, with the papers describing the data.
_FAQ: Final = "https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions/chembl-data-questions"
PCHEMBL_CITE: Final = (
    f"ChEMBL FAQ 'What is pChEMBL?' ({_FAQ}); Bento et al. 2014 Nucleic Acids Res 42:D1083"
)
RELATION_CITE: Final = f"ChEMBL activity standard_relation / activity_comment ({_FAQ})"
CONFIDENCE_CITE: Final = f"ChEMBL FAQ 'What is the confidence score?' ({_FAQ})"
VALIDITY_CITE: Final = (
    f"ChEMBL data_validity_comment and potential_duplicate ({_FAQ}); "
    "Bento et al. 2014 Nucleic Acids Res 42:D1083"
)


@dataclass(frozen=True)
class Rule:
    """One curation rule: stable id, severity, why it exists, and the source it follows."""

    id: str
    severity: Literal["flag", "exclude"]
    explanation: str
    citation: str


RULES: Final = (
    Rule(
        "approximate_value",
        "flag",
        "standard_relation '~': an approximate value; not used as potency (ChEMBL computes "
        "pChEMBL only for '=')",
        PCHEMBL_CITE,
    ),
    Rule(
        "censored_active",
        "flag",
        "standard_relation '<': the value is an upper bound (at least this potent); kept as "
        "evidence of activity but not used in the median",
        RELATION_CITE,
    ),
    Rule(
        "censored_inactive",
        "flag",
        "standard_relation '>': the value is a lower bound (inactive side); counted as "
        "censored_inactive and never a label on its own",
        RELATION_CITE,
    ),
    Rule(
        "confidence_unknown",
        "flag",
        "the assay has no confidence_score: kept, neither passed nor dropped",
        CONFIDENCE_CITE,
    ),
    Rule(
        "data_validity",
        "exclude",
        "ChEMBL data_validity_comment doubts the value (e.g. 'Outside typical range', "
        "'Potential transcription error')",
        VALIDITY_CITE,
    ),
    Rule(
        "inactive_comment",
        "flag",
        "activity_comment says the compound was inactive ('Not Active', 'inactive')",
        RELATION_CITE,
    ),
    Rule(
        "low_confidence",
        "exclude",
        "assay confidence_score below the threshold for the target type (single protein: 8, "
        "complex or family: 6; configurable)",
        CONFIDENCE_CITE,
    ),
    Rule(
        "non_nm_units",
        "exclude",
        "a concentration-type value whose standard_units are not nM and that has no pChEMBL "
        "value: not comparable",
        PCHEMBL_CITE,
    ),
    Rule(
        "non_target_assay",
        "exclude",
        "assay_type is not B (binding) or F (functional): ADMET, toxicity or physicochemical",
        "ChEMBL assay_type (Gaulton et al. 2012 Nucleic Acids Res 40:D1100)",
    ),
    Rule(
        "pchembl_computed",
        "flag",
        "the row qualifies for a pChEMBL value by ChEMBL's definition but the release left it "
        "empty; computed here as 9 - log10(standard_value in nM)",
        PCHEMBL_CITE,
    ),
    Rule(
        "potential_duplicate",
        "exclude",
        "potential_duplicate = 1: ChEMBL marks the value as a likely repeat citation of an "
        "earlier measurement",
        VALIDITY_CITE,
    ),
)
#: The aggregation rules, for the report's Methods section (the RULES above are listed too).
METHODS: Final = (
    Method(
        "curate",
        "flags, never drops",
        "Every activity row keeps the ids of the rules it hits; rows whose worst rule is 'exclude' "
        "stay in the data and are counted, but are not evidence.",
        "Fourches et al. 2010 J Chem Inf Model 50:1189 (curate before modelling)",
    ),
    Method(
        "curate",
        "aggregation on the parent",
        "Counted rows are aggregated per (parent compound, target, standard_type): median "
        "pChEMBL of exact values, distinct assays and documents; salts and free base share "
        "evidence through their parent.",
        PCHEMBL_CITE,
    ),
)
_SEVERITY: Final = {rule.id: rule.severity for rule in RULES}


def flag_activities(
    activities: pd.DataFrame, targets: pd.DataFrame, thresholds: Thresholds
) -> pd.DataFrame:
    """Flag every activity row and fill the pChEMBL value where ChEMBL's definition allows.

    :param activities: :class:`ActivityCols` rows from a source
    :param targets: resolved targets (each target's ``confidence_min``, set by the resolve stage)
    :param thresholds: the confidence thresholds
    :returns: the activities plus ``pchembl`` (ChEMBL's, or computed), ``potency_use``
        (``potency``: '=' value with a pChEMBL; ``inactive``: '>' or an inactive comment;
        ``active_censored``: '<'; ``excluded``; ``none``: not a potency measurement), ``flags``
        (sorted rule ids, ``;``-joined) and ``status`` (``ok`` < ``flag`` < ``exclude``)
    """
    import numpy as np
    import pandas as pd

    frame = activities.copy(deep=False)  # copy-on-write: new columns never touch the input
    # The threshold of each target is the one the resolve stage chose (its confidence_min).
    threshold_of = (
        targets.dropna(subset=[TargetCols.CONFIDENCE_MIN])
        .drop_duplicates(TargetCols.TARGET_CHEMBL_ID)
        .set_index(TargetCols.TARGET_CHEMBL_ID)[TargetCols.CONFIDENCE_MIN]
    )
    codes, uniques = pd.factorize(frame[ActivityCols.TARGET_CHEMBL_ID])
    per_target = np.array([int(threshold_of.get(t, 99)) for t in uniques] + [99])
    minimum = per_target[codes]  # code -1 (no target id) takes the impossible threshold 99
    relation = frame[ActivityCols.STANDARD_RELATION].fillna("")
    stype = frame[ActivityCols.STANDARD_TYPE].fillna("")
    units = frame[ActivityCols.STANDARD_UNITS].fillna("")
    value = pd.to_numeric(frame[ActivityCols.STANDARD_VALUE], errors="coerce")
    pchembl = pd.to_numeric(frame[ActivityCols.PCHEMBL_VALUE], errors="coerce")
    validity = frame[ActivityCols.DATA_VALIDITY_COMMENT]
    doubtful = validity.notna() & (validity != VALIDATED)
    confidence = pd.to_numeric(frame[ActivityCols.CONFIDENCE_SCORE], errors="coerce")
    comments = frame[ActivityCols.ACTIVITY_COMMENT]
    inactive_spellings = {
        c for c in pd.unique(comments.dropna()) if str(c).strip().lower() in INACTIVE_COMMENTS
    }
    concentration = stype.isin(PCHEMBL_TYPES)
    duplicate = pd.to_numeric(frame[ActivityCols.POTENTIAL_DUPLICATE], errors="coerce") == 1

    computable = (
        pchembl.isna()
        & concentration
        & (relation == "=")
        & (units == "nM")
        & (value > 0)
        & ~doubtful
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = (9.0 - np.log10(value.where(computable))).round(2)
    masks = {
        "approximate_value": relation == "~",
        "censored_active": concentration & relation.isin(_LESS),
        "censored_inactive": concentration & relation.isin(_GREATER),
        "confidence_unknown": confidence.isna(),
        "data_validity": doubtful,
        "inactive_comment": comments.isin(inactive_spellings),
        "low_confidence": confidence.notna() & (confidence < minimum),
        "non_nm_units": concentration & value.notna() & (units != "nM") & pchembl.isna(),
        "non_target_assay": ~frame[ActivityCols.ASSAY_TYPE].isin(TARGET_ASSAY_TYPES),
        "pchembl_computed": computable,
        "potential_duplicate": duplicate,
    }
    flags = _join_masks(masks, len(frame))
    exclude = np.zeros(len(frame), dtype=bool)
    flagged = np.zeros(len(frame), dtype=bool)
    for rule_id, mask in masks.items():
        if _SEVERITY[rule_id] == "exclude":
            exclude |= mask.to_numpy(dtype=bool)
        else:
            flagged |= mask.to_numpy(dtype=bool)

    frame[CuratedCols.PCHEMBL] = pchembl.fillna(computed)
    uses = np.array(["excluded", "potency", "inactive", "active_censored", "none"], dtype=object)
    use = uses[
        np.select(
            [
                exclude,
                ((relation == "=") & frame[CuratedCols.PCHEMBL].notna()).to_numpy(),
                (masks["censored_inactive"] | masks["inactive_comment"]).to_numpy(),
                masks["censored_active"].to_numpy(),
            ],
            [0, 1, 2, 3],
            default=4,
        )
    ]
    # Object columns: a small vocabulary does not pay for pandas 3's string conversion.
    frame[CuratedCols.POTENCY_USE] = pd.Series(use, index=frame.index, dtype=object)
    frame[CuratedCols.FLAGS] = pd.Series(flags, index=frame.index, dtype=object)
    statuses = np.array(["ok", "flag", "exclude"], dtype=object)
    status = statuses[np.where(exclude, 2, np.where(flagged, 1, 0))]
    frame[CuratedCols.STATUS] = pd.Series(status, index=frame.index, dtype=object)
    return CuratedCols.check(frame, "curate")


def _join_masks(masks: dict[str, pd.Series], length: int) -> Any:
    """Sorted ``;``-joined rule ids per row.

    Each row's rule hits are packed into one integer; the text is built once per distinct
    combination (a handful), not once per row.
    """
    import numpy as np
    import pandas as pd

    rule_ids = sorted(masks)
    packed = np.zeros(length, dtype=np.int64)
    for bit, rule_id in enumerate(rule_ids):
        packed |= masks[rule_id].to_numpy(dtype=bool).astype(np.int64) << bit
    inverse, combos = pd.factorize(packed)
    texts = np.array(
        [
            ";".join(r for bit, r in enumerate(rule_ids) if int(combo) >> bit & 1)
            for combo in combos
        ],
        dtype=object,
    )
    return texts[inverse]


def rule_counts(curated: pd.DataFrame) -> dict[str, int]:
    """How many activity rows each rule hit (for the manifest and the report)."""
    counts = dict.fromkeys(sorted(_SEVERITY), 0)
    for flags, n in curated[CuratedCols.FLAGS].value_counts().items():
        for token in str(flags).split(";"):
            if token:
                counts[token] += int(n)
    return counts
