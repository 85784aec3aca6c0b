"""The curate stage: flag (never drop) each activity row by a registry of named rules.

Curation is a registry of small named rules (the practice of the ChEMBL structure pipeline's
checker): each rule has a stable id, a severity and an explanation, and every activity row gets the
sorted ids of the rules it hits in ``flags`` and the worst severity in ``status``. Rows with status
``exclude`` stay in the table and are counted (``n_excluded``); they just do not count as evidence.

Rules follow ChEMBL's own data model (Bento et al. 2014 Nucleic Acids Res 42:D1083; Zdrazil et al.
2024 Nucleic Acids Res 52:D1180) and its FAQ on pChEMBL, confidence scores and data validity
comments (https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions).

Potency respects all the evidence (DESIGN §4). Three of the row rules (:func:`flag_activities`)
serve it:

* a depositor's "Not Active" / "inactive" verdict in ``activity_comment`` makes the row
  inactive-side even where it carries an '=' value: the comment is the depositor's conclusion after
  counter-screens, which "can explain cases where compounds with apparently potent activities are
  flagged as inactive" (ChEMBL FAQ, activity comments);
* a pChEMBL the release left empty is computed only inside :data:`PCHEMBL_RANGE`, 3 <= p <= 12
  (1 mM down to 1 pM). ChEMBL computes pChEMBL for '=' values in nM without a data validity comment,
  and flags values "outside typical range" (its FAQ's example: an IC50 of 23,000,000 nM), which then
  get none; a value outside the range is ``implausible_value`` and is not potency;
* a row without a document id is ``document_unknown``: its document is unknown, not absent.

Three rules look at every row of one (parent compound, target) together, so they run where the
parents are known (:func:`flag_groups`, called by the pipeline before the aggregate stage), in
this order; each sets
measured values aside (``potency_use`` ``none``, flagged) and never touches inactive-side rows:

1. ``probable_unit_error``: within one (parent, target, standard_type), values 3 or 6 log units
   apart (+/- :data:`UNIT_ERROR_TOLERANCE`), the signature of uM recorded as nM that ChEMBL's own
   data checks look for ("otherwise identical entries whose activity values differ by exactly 3 or
   6 orders of magnitude", ChEMBL FAQ; CAPRICHO's "unit annotation error" check). The side with
   fewer values within :data:`NEIGHBOURHOOD` log units is flagged; on a tie a value whose pChEMBL
   ChEMBL gave beats one computed here; a full tie flags both sides.
2. ``contradicted_by_inactive``: censored values are bounds. An inactive-side assay contradicts the
   measured values when it is a depositor's inactive verdict, or a '>' / '>=' bound at or below the
   median of the measured assays (it says "weaker than p", and p is not above what was measured).
   When such assays outnumber the assays with measured '=' values, the measured values are not
   trusted: the pair is inactive-side and makes no potency call. (Navitoclax on MCL1: one IC50 of
   500 nM against two assays > 10 uM; navitoclax does not bind MCL1, Tse et al. 2008 Cancer Res
   68:3421.)
3. ``contradicts_other_assays``: an assay whose median is at least :data:`OUTLIER_LOG` log units
   from the median of the pair's other potency assays, where there are at least two others and most
   of them agree within :data:`AGREE_LOG` of their median. One stray measurement then cannot make
   the call alone (e.g. a single Kd that would otherwise win as the best per-type median).

IC50 values of one compound from different assays and laboratories can be mixed, at the price of
added noise (Kalliokoski et al. 2013 PLoS One 8:e61007), and curating the assay metadata narrows,
but does not remove, the spread between sources (Landrum & Riniker 2024 J Chem Inf Model 64:1560,
PMC10934815): a difference of 2 log units (a factor of 100) is beyond that scatter, and the three
group rules compare values across assays only at such distances.

Assays are told apart by what they measure the compound in (:func:`assay_kind`): the BioAssay
Ontology format ChEMBL gives each assay (``bao_format``), or its assay_type where the format is
missing or generic.

An assay ChEMBL maps to a panel target may measure another protein: several assays on the mTOR
target are FKBP12 binding assays ("FK506 binding protein 12 SPA binding assay", "macrophilin
(FKBP-12)"), which FK506 (tacrolimus) passes without inhibiting mTOR (Liu et al. 1991 Cell 66:807).
A panel entry lists such descriptions (:class:`senotarget.schema.AssayExclusion`); rows on its
targets whose description holds one of its patterns and none of its keep-words are
``other_protein_assay``, severity ``exclude``: the row measures the other protein, so it is not
potency, not an inactive-side bound and not an assay of the target either (a flag would still
count it among the pair's assays and documents, and a censored FKBP12 value would make the
compound inactive-side on mTOR).

A flag that nearly every row carries because the release lacks a field (``confidence_unknown`` where
the release has no confidence scores) is said once, for the run (:func:`release_wide_flags`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from senotarget.schema import (
    ActivityCols,
    AssayKind,
    CuratedCols,
    Method,
    ParentCols,
    TargetCols,
    split_tokens,
)

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Thresholds

__all__ = [
    "GROUP_RULES",
    "METHODS",
    "PCHEMBL_RANGE",
    "PCHEMBL_TYPES",
    "RULES",
    "Rule",
    "Tally",
    "assay_kind",
    "carries",
    "flag_activities",
    "flag_groups",
    "other_protein_assays",
    "parent_ids",
    "release_wide_flags",
    "rule_counts",
    "tally",
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
#: The range, inclusive, inside which a pChEMBL the release left empty is computed: 1 mM (3)
#: down to 1 pM (12). Outside it the row is ``implausible_value`` (ChEMBL flags such values
#: "outside typical range" and gives them no pChEMBL). A pChEMBL ChEMBL gave is kept as it is.
PCHEMBL_RANGE: Final = (3.0, 12.0)
#: Log-unit distances between values of one (parent, target, standard_type) that mean a unit
#: error (a factor of 1,000 or 1,000,000: uM or mM recorded as nM), and the tolerance on each.
UNIT_ERROR_STEPS: Final = (3.0, 6.0)
UNIT_ERROR_TOLERANCE: Final = 0.3
#: Values within this many log units of a value are its neighbours (they agree with it).
NEIGHBOURHOOD: Final = 1.0
#: An assay this many log units from the median of the other assays contradicts them ...
OUTLIER_LOG: Final = 2.0
#: ... when at least this many other assays exist, most of them within AGREE_LOG of their median.
MIN_OTHER_ASSAYS: Final = 2
AGREE_LOG: Final = 1.0
#: The share of rows at or above which a release-field flag is said once (release_wide_flags).
RELEASE_WIDE_SHARE: Final = 0.9
#: What each BioAssay Ontology assay format measures the compound in. BAO_0000019 ("assay
#: format") is the generic root term and, like a missing format, says nothing: the assay_type
#: decides then (B: binding to a molecular target, biochemical; otherwise unspecified).
BAO_KINDS: Final[dict[str, AssayKind]] = {
    "BAO_0000217": "biochemical",  # biochemical format
    "BAO_0000218": "organism-based",  # organism-based format
    "BAO_0000219": "cell-based",  # cell-based format
    "BAO_0000220": "biochemical",  # subcellular format
    "BAO_0000221": "tissue-based",  # tissue-based format
    "BAO_0000223": "biochemical",  # protein complex format
    "BAO_0000224": "biochemical",  # protein format
    "BAO_0000225": "biochemical",  # nucleic acid format
    "BAO_0000249": "biochemical",  # cell membrane format
    "BAO_0000251": "biochemical",  # microsome format
    "BAO_0000357": "biochemical",  # single protein format
    "BAO_0000366": "biochemical",  # cell-free format
}


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
MIXING_CITE: Final = (
    "Kalliokoski et al. 2013 PLoS One 8:e61007 (mixing IC50s across assays); Landrum & Riniker "
    "2024 J Chem Inf Model 64:1560, PMC10934815 (curation narrows the spread between sources)"
)
UNIT_ERROR_CITE: Final = (
    f"ChEMBL FAQ: potential transcription errors, values 3 or 6 orders of magnitude apart ({_FAQ});"
    " CAPRICHO's unit annotation error check"
)


@dataclass(frozen=True)
class Rule:
    """One curation rule: stable id, severity, why it exists, and the source it follows.

    ``scope`` is ``row`` for a rule that reads one activity row (:func:`flag_activities`) and
    ``group`` for one that reads every row of a (parent compound, target) (:func:`flag_groups`);
    ``release_field`` marks a rule that fires because the release lacks a field, which is said once
    for the run where nearly every row carries it (:func:`release_wide_flags`).
    """

    id: str
    severity: Literal["flag", "exclude"]
    explanation: str
    citation: str
    scope: Literal["row", "group"] = "row"
    release_field: bool = False


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
        release_field=True,
    ),
    Rule(
        "contradicted_by_inactive",
        "flag",
        "more assays on the (parent compound, target) are inactive-side (a depositor's inactive "
        "verdict, or a '>' bound at or below the median of the measured assays) than give a "
        "measured '=' value: the measured values are not potency and the pair is inactive-side",
        f"{RELATION_CITE}; {MIXING_CITE}",
        scope="group",
    ),
    Rule(
        "contradicts_other_assays",
        "flag",
        f"the assay's value is >= {OUTLIER_LOG:g} log units from the median of the pair's other "
        f"potency assays (at least {MIN_OTHER_ASSAYS}, most within {AGREE_LOG:g} of their median):"
        " a single contradicting measurement is not potency",
        MIXING_CITE,
        scope="group",
    ),
    Rule(
        "data_validity",
        "exclude",
        "ChEMBL data_validity_comment doubts the value (e.g. 'Outside typical range', "
        "'Potential transcription error')",
        VALIDITY_CITE,
    ),
    Rule(
        "document_unknown",
        "flag",
        "the row has no document id: its document is unknown (counted in n_documents_unknown), "
        "not absent",
        VALIDITY_CITE,
        release_field=True,
    ),
    Rule(
        "implausible_value",
        "flag",
        f"the pChEMBL the release left empty would be outside {PCHEMBL_RANGE[0]:g} .. "
        f"{PCHEMBL_RANGE[1]:g} (1 mM .. 1 pM): not computed, not potency",
        f"{PCHEMBL_CITE}; ChEMBL data_validity_comment 'Outside typical range' ({_FAQ})",
    ),
    Rule(
        "inactive_comment",
        "flag",
        "activity_comment says the compound was inactive ('Not Active', 'inactive'): the row is "
        "inactive-side, also where it carries an '=' value (the depositor's verdict stands)",
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
        "other_protein_assay",
        "exclude",
        "the assay description names another protein (a panel entry's assay_exclusions "
        "patterns, e.g. FKBP12 binding assays ChEMBL maps to mTOR) and not the entry's own: the "
        "row measures that protein, and is neither potency nor inactive-side evidence on the "
        "target",
        "Liu et al. 1991 Cell 66:807 (FK506 binds FKBP12 and inhibits calcineurin, not mTOR); "
        "panel data (senotarget/panels/default.toml, assay_exclusions)",
    ),
    Rule(
        "pchembl_computed",
        "flag",
        "the row qualifies for a pChEMBL value by ChEMBL's definition but the release left it "
        "empty; computed here as 9 - log10(standard_value in nM)",
        PCHEMBL_CITE,
        release_field=True,
    ),
    Rule(
        "potential_duplicate",
        "exclude",
        "potential_duplicate = 1: ChEMBL marks the value as a likely repeat citation of an "
        "earlier measurement",
        VALIDITY_CITE,
    ),
    Rule(
        "probable_unit_error",
        "flag",
        f"values of one (parent compound, target, standard_type) sit 3 or 6 log units apart "
        f"(+/- {UNIT_ERROR_TOLERANCE:g}): the outlying side (fewer values within "
        f"{NEIGHBOURHOOD:g} log unit; a computed pChEMBL before ChEMBL's own) is likely uM or mM "
        "recorded as nM, and is not potency",
        UNIT_ERROR_CITE,
        scope="group",
    ),
)
#: The rules that read a whole (parent compound, target), applied by :func:`flag_groups`.
GROUP_RULES: Final = tuple(rule.id for rule in RULES if rule.scope == "group")
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
    Method(
        "curate",
        "potency respects all the evidence",
        "Censored values are bounds and depositors' inactive verdicts stand: a measured value "
        "outnumbered by inactive-side assays, one that contradicts the other assays, one that "
        "looks like a unit error or whose computed pChEMBL is outside 3 .. 12 is flagged and is "
        "not potency.",
        MIXING_CITE,
    ),
    Method(
        "curate",
        "biochemical and cell-based assays",
        "Each assay is biochemical, cell-based, tissue-based or organism-based by its BioAssay "
        "Ontology format (bao_format); without a specific format a binding (B) assay counts as "
        "biochemical, anything else as unspecified. Evidence rows list the kinds they rest on.",
        "Visser et al. 2011 BMC Bioinformatics 12:257 (BioAssay Ontology); ChEMBL assay_type",
    ),
    Method(
        "curate",
        "unknown is not zero",
        "A row without a document id counts as an unknown document, not as none; a flag that "
        f"at least {RELEASE_WIDE_SHARE:.0%} of the rows carry because the release lacks a field "
        "is said once, in the manifest, not on every evidence row.",
        "ChEMBL schema documentation (activities.doc_id, assays.confidence_score)",
    ),
)
_SEVERITY: Final = {rule.id: rule.severity for rule in RULES}


def flag_activities(
    activities: pd.DataFrame, targets: pd.DataFrame, thresholds: Thresholds
) -> pd.DataFrame:
    """Flag every activity row and fill the pChEMBL value where ChEMBL's definition allows.

    Only the row rules run here; the group rules need the parent compounds
    (:func:`flag_groups`).

    :param activities: :class:`ActivityCols` rows from a source
    :param targets: resolved targets (each target's ``confidence_min``, set by the resolve stage)
    :param thresholds: the confidence thresholds
    :returns: the activities plus ``pchembl`` (ChEMBL's, or computed inside
        :data:`PCHEMBL_RANGE`), ``potency_use`` (``potency``: '=' value with a pChEMBL;
        ``inactive``: '>' or a depositor's inactive verdict, which wins over an '=' value;
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
    document = frame[ActivityCols.DOCUMENT_CHEMBL_ID]

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
    low, high = PCHEMBL_RANGE
    plausible = (computed >= low) & (computed <= high)
    masks = {
        "approximate_value": relation == "~",
        "censored_active": concentration & relation.isin(_LESS),
        "censored_inactive": concentration & relation.isin(_GREATER),
        "confidence_unknown": confidence.isna(),
        "data_validity": doubtful,
        "document_unknown": document.isna() | (document.astype(str) == ""),
        "implausible_value": computable & ~plausible,
        "inactive_comment": comments.isin(inactive_spellings),
        "low_confidence": confidence.notna() & (confidence < minimum),
        "non_nm_units": concentration & value.notna() & (units != "nM") & pchembl.isna(),
        "non_target_assay": ~frame[ActivityCols.ASSAY_TYPE].isin(TARGET_ASSAY_TYPES),
        "other_protein_assay": other_protein_assays(frame, targets),
        "pchembl_computed": computable & plausible,
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

    frame[CuratedCols.PCHEMBL] = pchembl.fillna(computed.where(plausible))
    uses = np.array(["excluded", "potency", "inactive", "active_censored", "none"], dtype=object)
    use = uses[
        np.select(
            [
                exclude,
                # A depositor's inactive verdict stands, also over an '=' value.
                (masks["censored_inactive"] | masks["inactive_comment"]).to_numpy(),
                ((relation == "=") & frame[CuratedCols.PCHEMBL].notna()).to_numpy(),
                masks["censored_active"].to_numpy(),
            ],
            [0, 2, 1, 3],
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


def other_protein_assays(activities: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """Rows whose assay measures another protein than their target (``other_protein_assay``).

    A row on a target whose panel entries list assay exclusions
    (``TargetCols.OTHER_PROTEIN_ASSAYS``) matches when its assay description contains one of the
    patterns and none of the keep-words (``TargetCols.OTHER_PROTEIN_UNLESS``), case-insensitive;
    a target in several entries takes the union of their terms. Decided once per distinct
    (target, description), not per row.

    :returns: a boolean Series on ``activities``' index
    """
    import numpy as np
    import pandas as pd

    terms = _other_protein_terms(targets)
    target = activities[ActivityCols.TARGET_CHEMBL_ID]
    on = target.isin(list(terms)).to_numpy(dtype=bool)
    out = np.zeros(len(activities), dtype=bool)
    if on.any():
        description = activities[ActivityCols.ASSAY_DESCRIPTION][on].fillna("").astype(str)
        keys = pd.MultiIndex.from_arrays([target[on].astype(str), description.str.lower()])
        codes, uniques = pd.factorize(keys)
        verdicts = np.array(
            [
                any(p in text for p in terms[str(target_id)][0])
                and not any(u in text for u in terms[str(target_id)][1])
                for target_id, text in uniques
            ]
            + [False]
        )
        out[on] = verdicts[codes]
    return pd.Series(out, index=activities.index)


def _other_protein_terms(targets: pd.DataFrame) -> dict[str, tuple[set[str], set[str]]]:
    """Target id -> (lower-case patterns, lower-case keep-words) of its entries' exclusions."""
    if TargetCols.OTHER_PROTEIN_ASSAYS not in targets.columns:
        return {}
    rows = targets[targets[TargetCols.OTHER_PROTEIN_ASSAYS].astype(object).fillna("") != ""]
    terms: dict[str, tuple[set[str], set[str]]] = {}
    keep = (
        rows[TargetCols.OTHER_PROTEIN_UNLESS]
        if TargetCols.OTHER_PROTEIN_UNLESS in rows.columns
        else rows[TargetCols.OTHER_PROTEIN_ASSAYS].map(lambda _: "")
    )
    for target_id, found, kept in zip(
        rows[TargetCols.TARGET_CHEMBL_ID], rows[TargetCols.OTHER_PROTEIN_ASSAYS], keep, strict=True
    ):
        patterns, unless = terms.setdefault(str(target_id), (set(), set()))
        patterns.update(t.lower() for t in split_tokens(found))
        unless.update(t.lower() for t in split_tokens(kept))
    return terms


def parent_ids(curated: pd.DataFrame, parents: pd.DataFrame) -> pd.Series:
    """The parent compound of each row (a molecule without a parent row is its own parent).

    :param curated: rows with ``molecule_chembl_id``
    :param parents: molecule -> parent map (:class:`ParentCols`)
    """
    parent_of = parents.drop_duplicates(ParentCols.MOLECULE_CHEMBL_ID).set_index(
        ParentCols.MOLECULE_CHEMBL_ID
    )[ParentCols.PARENT_CHEMBL_ID]
    molecule = curated[ActivityCols.MOLECULE_CHEMBL_ID]
    mapped = molecule.map(parent_of).astype(parent_of.dtype)  # all-missing maps stay text
    return mapped.fillna(molecule)


def flag_groups(curated: pd.DataFrame, parents: pd.DataFrame) -> pd.DataFrame:
    """Apply the group rules (:data:`GROUP_RULES`) per (parent compound, target).

    Idempotent: rows that carry a group rule from an earlier call are judged again from scratch
    (the pipeline calls it once, before the aggregate stage).

    :param curated: :func:`flag_activities` output
    :param parents: molecule -> parent map (:class:`ParentCols`)
    :returns: the same rows and columns; measured values a group rule sets aside get its flag,
        ``potency_use`` ``none`` and at least status ``flag``
    """
    import numpy as np
    import pandas as pd

    frame = curated.copy(deep=False)
    flags = frame[CuratedCols.FLAGS].fillna("").to_numpy(dtype=object).copy()
    use = frame[CuratedCols.POTENCY_USE].to_numpy(dtype=object).copy()
    earlier = carries(frame[CuratedCols.FLAGS], GROUP_RULES)
    if earlier.any():  # undo an earlier call: group rules only ever set potency rows aside
        flags[earlier] = [_without_group_tokens(f) for f in flags[earlier]]
        use[earlier] = "potency"

    parent = parent_ids(frame, parents).to_numpy(dtype=object)
    target = frame[ActivityCols.TARGET_CHEMBL_ID].to_numpy(dtype=object)
    work = pd.DataFrame(
        {
            "parent": parent,
            "target": target,
            "stype": frame[ActivityCols.STANDARD_TYPE].fillna("").to_numpy(dtype=object),
            "assay": frame[ActivityCols.ASSAY_CHEMBL_ID].fillna("").to_numpy(dtype=object),
            "p": pd.to_numeric(frame[CuratedCols.PCHEMBL], errors="coerce").to_numpy(),
            "given": pd.to_numeric(frame[ActivityCols.PCHEMBL_VALUE], errors="coerce")
            .notna()
            .to_numpy(),
        }
    )
    potency = use == "potency"
    unit_error = _unit_errors(work, potency)
    potency &= ~unit_error
    contradicted = _contradicted(work, potency, use, flags, frame)
    potency &= ~contradicted
    outlier = _outliers(work, potency)
    hits = {
        "contradicted_by_inactive": contradicted,
        "contradicts_other_assays": outlier,
        "probable_unit_error": unit_error,
    }
    hit = unit_error | contradicted | outlier
    texts = flags
    for i in np.flatnonzero(hit):
        tokens = set(split_tokens(texts[i])) | {r for r, mask in hits.items() if mask[i]}
        texts[i] = ";".join(sorted(tokens))
    changed = hit | earlier
    if not changed.any():
        return curated
    use[hit] = "none"
    status = frame[CuratedCols.STATUS].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(changed):
        severities = {_SEVERITY[t] for t in split_tokens(texts[i])}
        status[i] = "exclude" if "exclude" in severities else ("flag" if severities else "ok")
    frame[CuratedCols.FLAGS] = pd.Series(texts, index=frame.index, dtype=object)
    frame[CuratedCols.POTENCY_USE] = pd.Series(use, index=frame.index, dtype=object)
    frame[CuratedCols.STATUS] = pd.Series(status, index=frame.index, dtype=object)
    return CuratedCols.check(frame, "curate (groups)")


def carries(flags: pd.Series, rule_ids: frozenset[str] | set[str] | tuple[str, ...]) -> Any:
    """Whether each row's ``flags`` holds any of ``rule_ids`` (a boolean numpy array).

    Decided once per distinct flag combination (a handful), not once per row.
    """
    import numpy as np
    import pandas as pd

    wanted = frozenset(rule_ids)
    codes, combos = pd.factorize(flags)
    hit = np.array([bool(wanted.intersection(split_tokens(c))) for c in combos] + [False])
    return hit[codes]  # code -1 (missing flags) takes the final False


def _without_group_tokens(flags: str) -> str:
    return ";".join(t for t in split_tokens(flags) if t not in GROUP_RULES)


def _runs(keys: pd.DataFrame) -> tuple[Any, list[tuple[int, int]]]:
    """Row order that puts equal ``keys`` together, and the (start, end) of each run in it."""
    import numpy as np
    import pandas as pd

    codes, _ = pd.MultiIndex.from_frame(keys).factorize()
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    if not len(order):
        return order, []
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]).tolist()
    ends = [*starts[1:], len(order)]
    return order, list(zip(starts, ends, strict=True))


def _unit_errors(work: pd.DataFrame, potency: Any) -> Any:
    """Rows on the outlying side of values 3 or 6 log units apart (``probable_unit_error``)."""
    import numpy as np

    out = np.zeros(len(work), dtype=bool)
    rows = work[potency]
    if rows.empty:
        return out
    keys = ["parent", "target", "stype"]
    values = rows.groupby(keys, sort=False)["p"]
    spread = values.transform("max") - values.transform("min")
    near_step = min(UNIT_ERROR_STEPS) - UNIT_ERROR_TOLERANCE
    candidates = rows[spread.to_numpy() >= near_step - 1e-9]
    if candidates.empty:
        return out
    order, runs = _runs(candidates[keys])
    positions = candidates.index.to_numpy()[order]
    all_p = candidates["p"].to_numpy()[order]
    all_given = candidates["given"].to_numpy(dtype=bool)[order]
    for start, end in runs:
        p, given = all_p[start:end], all_given[start:end]
        # Everything below depends on a row's value alone, so it is decided once per distinct
        # value (pChEMBL has two decimals: a few hundred at most), not per pair of rows: a pair
        # with thousands of measurements (a reference inhibitor on its kinase) stays cheap.
        values, of_row = np.unique(p, return_inverse=True)
        count = np.bincount(of_row, minlength=len(values))
        given_count = np.bincount(of_row, weights=given, minlength=len(values))
        distance = np.abs(values[:, None] - values[None, :])
        partner = np.zeros_like(distance, dtype=bool)
        for step in UNIT_ERROR_STEPS:
            partner |= np.abs(distance - step) <= UNIT_ERROR_TOLERANCE + 1e-9
        near = distance < NEIGHBOURHOOD
        # Support of each value: its neighbours, then how many of them ChEMBL gave a pChEMBL for.
        support = (near @ count) * (len(p) + 1) + (near @ given_count)
        rival = np.where(partner, support[None, :], -1).max(axis=1)
        outlying = partner.any(axis=1) & (support <= rival)
        out[positions[start:end][outlying[of_row]]] = True
    return out


def _contradicted(
    work: pd.DataFrame, potency: Any, use: Any, flags: Any, frame: pd.DataFrame
) -> Any:
    """Measured rows of pairs whose inactive-side assays outnumber the measured ones."""
    import numpy as np
    import pandas as pd

    out = np.zeros(len(work), dtype=bool)
    inactive = use == "inactive"
    if not potency.any() or not inactive.any():
        return out
    pair = ["parent", "target"]
    measured = work[potency].groupby([*pair, "assay"], sort=False)["p"].median().reset_index()
    per_pair = measured.groupby(pair, sort=False).agg(
        n_measured=("assay", "nunique"), median=("p", "median")
    )
    value = pd.to_numeric(frame[ActivityCols.STANDARD_VALUE], errors="coerce").to_numpy()
    units = frame[ActivityCols.STANDARD_UNITS].fillna("").to_numpy(dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = np.where((units == "nM") & (value > 0), 9.0 - np.log10(value), np.nan)
    verdict = carries(pd.Series(flags[inactive], dtype=object), ("inactive_comment",))
    side = work[inactive].assign(bound=bound[inactive], verdict=verdict)
    side = side.join(per_pair, on=pair, how="inner")
    against = side[side["verdict"] | (side["bound"] <= side["median"] + 1e-9)]
    n_against = against.groupby(pair, sort=False)["assay"].nunique()
    counts = per_pair.join(n_against.rename("n_against"), how="inner")
    lost = counts[counts["n_against"] > counts["n_measured"]].index
    if len(lost) == 0:
        return out
    keys = pd.MultiIndex.from_arrays([work["parent"], work["target"]])
    return potency & keys.isin(lost)


def _outlying(p: Any) -> Any:
    """Which of one pair's assay medians ``p`` lies :data:`OUTLIER_LOG` from the others' median.

    An assay is outlying when the median of the *other* assays is at least OUTLIER_LOG away and
    most of those others agree within :data:`AGREE_LOG` of it. For each assay at once: on the
    sorted medians, leaving out the k-th shifts the positions at and after k by one, so the
    others' median is read off the sorted array, and the agreeing others are counted with two
    binary searches (the assay itself is taken off when it falls in its own window). A pair with
    thousands of assays costs a sort, not a loop over every assay and the others.
    """
    import numpy as np

    m = len(p)
    rank = np.argsort(p, kind="stable")
    s = p[rank]
    k = np.arange(m)

    def other(j: Any) -> Any:  # the j-th smallest of the others when the k-th is left out
        return np.where(j < k, s[np.minimum(j, m - 1)], s[np.minimum(j + 1, m - 1)])

    n = m - 1
    if n % 2:
        centre = other(np.full(m, n // 2))
    else:
        centre = (other(np.full(m, n // 2 - 1)) + other(np.full(m, n // 2))) / 2
    low = np.searchsorted(s, centre - (AGREE_LOG + 1e-9), side="left")
    high = np.searchsorted(s, centre + (AGREE_LOG + 1e-9), side="right")
    own_inside = (s >= centre - (AGREE_LOG + 1e-9)) & (s <= centre + (AGREE_LOG + 1e-9))
    agreeing = high - low - own_inside
    outlying_sorted = (agreeing * 2 > n) & (np.abs(s - centre) >= OUTLIER_LOG - 1e-9)
    out = np.zeros(m, dtype=bool)
    out[rank] = outlying_sorted
    return out


def _outliers(work: pd.DataFrame, potency: Any) -> Any:
    """Rows of an assay that alone contradicts the pair's other assays."""
    import numpy as np
    import pandas as pd

    out = np.zeros(len(work), dtype=bool)
    rows = work[potency]
    if rows.empty:
        return out
    pair = ["parent", "target"]
    assays = rows.groupby([*pair, "assay"], sort=False)["p"].median().reset_index()
    grouped = assays.groupby(pair, sort=False)["p"]
    size = grouped.transform("size")
    spread = grouped.transform("max") - grouped.transform("min")
    candidates = assays[(size > MIN_OTHER_ASSAYS) & (spread >= OUTLIER_LOG - 1e-9)]
    if candidates.empty:
        return out
    order, runs = _runs(candidates[pair])
    all_p = candidates["p"].to_numpy()[order]
    flagged = np.zeros(len(candidates), dtype=bool)
    for start, end in runs:
        flagged[order[start:end][_outlying(all_p[start:end])]] = True
    if not flagged.any():
        return out
    lost = pd.MultiIndex.from_frame(candidates.loc[flagged, [*pair, "assay"]])
    keys = pd.MultiIndex.from_arrays([work["parent"], work["target"], work["assay"]])
    return potency & keys.isin(lost)


def assay_kind(assay_type: pd.Series, bao_format: pd.Series) -> pd.Series:
    """What each assay measures the compound in (:data:`senotarget.schema.ASSAY_KINDS`).

    The BioAssay Ontology format decides (:data:`BAO_KINDS`); where it is missing or the generic
    BAO_0000019, a binding (B) assay is biochemical (ChEMBL: "binding of compound to a molecular
    target") and any other is ``unspecified``.
    """
    import numpy as np
    import pandas as pd

    by_format = bao_format.map(BAO_KINDS)
    fallback = np.where(
        assay_type.fillna("").to_numpy(dtype=object) == "B", "biochemical", "unspecified"
    )
    return pd.Series(
        np.where(by_format.isna().to_numpy(), fallback, by_format.to_numpy(dtype=object)),
        index=assay_type.index,
        dtype=object,
    )


def release_wide_flags(
    curated: pd.DataFrame | Tally, share: float = RELEASE_WIDE_SHARE
) -> dict[str, float]:
    """The release-field flags (``Rule.release_field``) at least ``share`` of the rows carry.

    Such a flag says something about the release (it lacks confidence scores, document ids or
    pChEMBL values), not about the row: the manifest says it once and the evidence table leaves it
    out of its per-row ``flags`` (the curated rows keep it).

    :param curated: :func:`flag_activities` output, or the :class:`Tally` of all its partitions
        (release-field rules are row rules, so the group rules do not change the answer)
    :param share: the smallest share of rows, in (0, 1]
    :returns: rule id -> share of rows carrying it (rounded to 4 decimals), sorted by id; ``{}``
        for no rows
    """
    counted = curated if isinstance(curated, Tally) else tally(curated)
    total = counted.rows
    if total == 0:
        return {}
    return {
        rule.id: round(counted.hits[rule.id] / total, 4)
        for rule in RULES
        if rule.release_field and counted.hits[rule.id] >= share * total
    }


@dataclass(frozen=True)
class Tally:
    """What the run's manifest counts of its curated rows, summed over partitions.

    A run curates its activities in partitions (:mod:`senotarget.pipeline`) and never holds them
    all at once; the manifest's counts, the curation rule hits and the release-wide flags are sums,
    so they are kept per partition and added.

    :param rows: activity rows
    :param excluded: rows with status ``exclude``
    :param hits: rule id -> rows it hit (every rule of :data:`RULES`, zeros included)
    """

    rows: int = 0
    excluded: int = 0
    hits: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(sorted(_SEVERITY), 0))

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.rows + other.rows,
            self.excluded + other.excluded,
            {rule: n + other.hits[rule] for rule, n in self.hits.items()},
        )


def tally(curated: pd.DataFrame) -> Tally:
    """The :class:`Tally` of curated rows."""
    return Tally(
        len(curated),
        int((curated[CuratedCols.STATUS] == "exclude").sum()),
        rule_counts(curated),
    )


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
