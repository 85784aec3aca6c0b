"""The decomposable score and the ranking (DESIGN §5).

``score = Σ weight_i * component_i``, every component in [0, 1] and written to candidates.csv, so
a rank can always be explained by its parts:

* ``potency``: best median pChEMBL on the strategy's targets, scaled linearly from
  ``potency_floor`` (0) to ``potency_ceiling`` (1); a candidate that rests on a curated
  drug_mechanism record without any potency measurement is *potency unknown* (flag
  ``potency_unknown``) and is given the potency of the activity threshold ``active_pchembl`` (the
  least that counts as active), so it ranks with weakly potent actives, never at the bottom;
* ``evidence``: depth of evidence, half distinct assays and half distinct documents, each
  ``log(1 + n) / log(1 + cap)`` capped at 1 (diminishing returns for heavily tested compounds);
* ``maturity``: ChEMBL ``max_phase`` (a float since ChEMBL 32: 4, 3, 2, 1, 0.5 early phase 1,
  -1 clinical phase unknown) mapped by :data:`PHASE_SCORE`; a NULL max_phase is *phase unknown*
  (:data:`PHASE_UNKNOWN`, flag ``phase_unknown``), except that a curated drug_mechanism record,
  which ChEMBL keeps for approved drugs and clinical candidates, means at least clinical stage
  (scored as -1);
* ``direction_certainty``: the direction tier (:data:`DIRECTION_SCORE`): 1 for a curated
  drug_mechanism record, 0.75 for an activity-level action type, 0.5 for a direction inferred
  from the measurement type, 0 for contrary;
* ``breadth``: the best coverage of one panel entry: the share of an entry's resolved genes the
  compound acts on as needed, for the entry where it covers most. A selective inhibitor of a
  one-gene entry (NLRP3) covers all of it; a pan-PI3K inhibitor covers 4 of the 7 PI3K/AKT genes.
  Breadth across the whole strategy would reward paralog-rich pathways and promiscuity;
* ``druglikeness``: QED (Bickerton et al. 2012 Nat Chem 4:90), 0 without a structure; an opt-in
  weight, 0 by default, because QED was fitted on oral small-molecule drugs and penalises the
  validated senolytic classes: BH3 mimetics (venetoclax QED 0.08), macrocycles, PPI inhibitors and
  natural products sit beyond the rule of 5 (Doak et al. 2014 Chem Biol 21:1115). QED stays a
  column;
* ``alert_penalty``: 1 with a PAINS alert (Baell & Holloway 2010 J Med Chem 53:2719), 0.5 with
  Brenk alerts only (Brenk et al. 2008 ChemMedChem 3:435), else 0; its weight is negative and small
  because alerts flag, they do not filter (quercetin and fisetin carry them).

Ties are broken, in order, by direction certainty, best pChEMBL, distinct assays, max_phase and
the ChEMBL id's number, so the order is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from senotarget.schema import (
    STRATEGIES,
    CallCols,
    CandidateCols,
    ChemCols,
    Method,
    MoleculeCols,
    Panel,
    ParentCols,
    TargetCols,
    cell_number,
    chembl_number,
    split_tokens,
)
from senotarget.stages.support import COUNTS, Support

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Settings, Thresholds, Weights

__all__ = [
    "DIRECTION_SCORE",
    "METHODS",
    "PHASE_SCORE",
    "Contribution",
    "add_support_counts",
    "alert_component",
    "breakdown",
    "evidence_component",
    "maturity_component",
    "potency_component",
    "rank_order",
    "score_candidates",
    "weighted_score",
]

#: max_phase -> maturity component. -1 ("clinical phase unknown", ChEMBL 32+) is in the clinic but
#: at an unknown stage, so it counts as a little above preclinical.
PHASE_SCORE: Final = {4.0: 1.0, 3.0: 0.75, 2.0: 0.5, 1.0: 0.25, 0.5: 0.125, -1.0: 0.1, 0.0: 0.0}
#: A NULL max_phase without a drug_mechanism record: no clinical record in this release, which
#: ChEMBL cannot tell from "not reported" (ChEMBL 32 release notes), so a little above a stated 0.
PHASE_UNKNOWN: Final = 0.05
#: Direction tier -> direction_certainty: a curated drug_mechanism record (1), an activity-level
#: action_type (0.75: stated for one measurement, not curated across the literature), direction
#: inferred from the measurement type (0.5), contrary (0).
DIRECTION_SCORE: Final = {"mechanism": 1.0, "action_type": 0.75, "inferred": 0.5, "contrary": 0.0}
_DIRECTION_ORDER: Final = ("mechanism", "action_type", "inferred", "contrary")
#: Said on every candidate row of a compound labelled senolytic and senomorphic or senoreverter:
#: the strategies want opposite fates for the senescent cell (Wang et al. 2025 Cancer Biol Med
#: 22:439, Fig. 2), so the calls contradict each other for any one use.
LABEL_CONFLICT_NOTE: Final = (
    "Label conflict: a senolytic call (kills senescent cells) beside a senomorphic or "
    "senoreverter call (spares or reverts them); pick the intended use."
)


def _conflicting(labels: str) -> bool:
    """Whether a ``;``-joined label set holds senolytic and a sparing strategy."""
    found = set(split_tokens(labels))
    return "senolytic" in found and bool(found & {"senomorphic", "senoreverter"})


@dataclass(frozen=True)
class Contribution:
    """One component's part of a candidate's score: ``weight * value``."""

    component: str
    weight: float
    value: float
    contribution: float


def breakdown(row: Mapping[Any, Any], weights: Mapping[str, float]) -> tuple[Contribution, ...]:
    """A candidate row's score as the sum of its parts, in :data:`CandidateCols.COMPONENTS` order.

    The one decomposition of the score, shown by ``senotarget explain`` and report.html; the parts
    add up to the row's ``score`` (up to the 4-decimal rounding of the stored values).

    :param row: a candidates.csv row (a missing component counts as 0)
    :param weights: component -> weight, as the run's manifest records them
    """
    parts = []
    for component in CandidateCols.COMPONENTS:
        weight = float(weights.get(component, 0.0))
        value = cell_number(row.get(component)) or 0.0
        parts.append(Contribution(component, weight, value, weight * value))
    return tuple(parts)


#: The score's components, for the report's Methods section (weights come from the settings).
METHODS: Final = (
    Method(
        "score",
        "potency",
        "Best median pChEMBL on the strategy's targets, scaled linearly from potency_floor (0) "
        "to potency_ceiling (1); a candidate resting on a drug_mechanism record without any "
        "measurement is potency unknown and takes the value of active_pchembl.",
        "Bento et al. 2014 Nucleic Acids Res 42:D1083 (pChEMBL)",
    ),
    Method(
        "score",
        "evidence",
        "Half distinct assays, half distinct documents, each log(1 + n) / log(1 + cap), capped "
        "at 1: diminishing returns for heavily tested compounds. For the share of assays "
        "without a document id (n_documents_unknown) the document half takes the assay half's "
        "value: an unknown document is not zero documents.",
        "DESIGN section 5",
    ),
    Method(
        "score",
        "maturity",
        "ChEMBL max_phase: 4 -> 1, 3 -> 0.75, 2 -> 0.5, 1 -> 0.25, 0.5 (early phase 1) -> "
        "0.125, -1 (clinical, phase unknown) -> 0.1, 0 -> 0; NULL is phase unknown (0.05), "
        "or clinical (0.1) when a curated drug_mechanism record exists (ChEMBL curates "
        "mechanisms for approved drugs and clinical candidates).",
        "ChEMBL max_phase (Zdrazil et al. 2024 Nucleic Acids Res 52:D1180)",
    ),
    Method(
        "score",
        "direction_certainty",
        "The direction tier: 1 for a curated drug_mechanism record, 0.75 for an activity-level "
        "action type, 0.5 for a direction inferred from the measurement type, 0 for contrary.",
        "DESIGN section 4; Gaulton et al. 2017 Nucleic Acids Res 45:D945",
    ),
    Method(
        "score",
        "breadth",
        "The best coverage of one panel entry: the share of the entry's resolved genes the "
        "compound acts on as needed (a selective NLRP3 inhibitor covers its one-gene entry; "
        "strategy-wide breadth would reward paralog-rich pathways and promiscuity).",
        "DESIGN section 5",
    ),
    Method(
        "score",
        "druglikeness",
        "QED of the parent structure, 0 without a structure; weight 0 by default (opt in with "
        "SENOTARGET_WEIGHT_DRUGLIKENESS): QED was fitted on oral drugs and penalises BH3 "
        "mimetics, macrocycles and natural products, the validated senolytic classes.",
        "Bickerton et al. 2012 Nat Chem 4:90; Doak et al. 2014 Chem Biol 21:1115",
    ),
    Method(
        "score",
        "alert_penalty",
        "1 with a PAINS alert, 0.5 with Brenk alerts only, else 0; a small negative weight, "
        "because alerts flag and do not filter (quercetin and fisetin carry them).",
        "Baell & Holloway 2010 J Med Chem 53:2719; Brenk et al. 2008 ChemMedChem 3:435",
    ),
    Method(
        "score",
        "ties",
        "Broken by direction certainty, best pChEMBL, distinct assays, max_phase, then the "
        "ChEMBL id's number: the order is deterministic.",
        "DESIGN section 5",
    ),
)


def score_candidates(
    calls: pd.DataFrame,
    support: Support | pd.DataFrame,
    targets: pd.DataFrame,
    molecules: pd.DataFrame,
    parents: pd.DataFrame,
    chem: pd.DataFrame,
    panel: Panel,
    settings: Settings,
) -> pd.DataFrame:
    """Build candidates.csv: one row per (parent compound, strategy), scored and ranked.

    A compound gets a row for a strategy when a call on one of the strategy's genes qualifies it
    (``is_candidate``), or when its only strong evidence moves a target the wrong way
    (``direction`` = ``contrary``; such rows rank after every candidate and carry no label).

    :returns: :class:`CandidateCols` columns, sorted by strategy (panel order senolytic,
        senomorphic, senoreverter) then rank
    """
    import numpy as np
    import pandas as pd

    weights = settings.weights
    th = settings.thresholds
    strong = calls[calls[CallCols.QUALIFIES] | (calls[CallCols.DIRECTION] == "contrary")].copy()
    strong["_strategy"] = strong[CallCols.STRATEGIES].map(split_tokens)
    strong = strong.explode("_strategy")
    if strong.empty:
        return CandidateCols.empty()
    keys = [CallCols.MOLECULE_CHEMBL_ID, "_strategy"]
    has_candidate = strong.groupby(keys)[CallCols.QUALIFIES].transform("any")
    used = strong[strong[CallCols.QUALIFIES] | ~has_candidate].copy()

    resolved = targets[targets[TargetCols.STATUS] == "resolved"]
    genes_per_entry = resolved.groupby(TargetCols.LABEL)[TargetCols.GENE_SYMBOL].nunique()
    # breadth: per (compound, strategy), the best share of one entry's resolved genes it covers
    qualified = used[used[CallCols.QUALIFIES]]
    per_entry = (
        qualified.groupby([*keys, CallCols.LABEL])[CallCols.GENE_SYMBOL].nunique().reset_index()
    )
    entry_size = per_entry[CallCols.LABEL].map(genes_per_entry).to_numpy(dtype="float64")
    per_entry["_coverage"] = np.clip(
        per_entry[CallCols.GENE_SYMBOL].to_numpy(dtype="float64") / entry_size, 0, 1
    )
    best_coverage = per_entry.groupby(keys)["_coverage"].max().astype("float64")
    cautions = dict(panel.strategy_cautions)

    used["_dir_rank"] = used[CallCols.DIRECTION].map({d: i for i, d in enumerate(_DIRECTION_ORDER)})
    used = used.sort_values(
        [*keys, CallCols.BEST_PCHEMBL], ascending=[True, True, False], na_position="last"
    )
    grouped = used.groupby(keys, sort=False)

    def tokens(column: str) -> pd.Series:
        return grouped[column].agg(
            lambda s: ";".join(sorted({t for c in s for t in split_tokens(c)}))
        )

    frame = (
        pd.DataFrame(
            {
                CandidateCols.IS_CANDIDATE: grouped[CallCols.QUALIFIES].any(),
                "_dir_rank": grouped["_dir_rank"].min(),
                CandidateCols.TARGETS: grouped[CallCols.GENE_SYMBOL].agg(
                    lambda s: ";".join(dict.fromkeys(sorted(s)))
                ),
                CandidateCols.BEST_PCHEMBL: grouped[CallCols.BEST_PCHEMBL].max(),
                CandidateCols.ACTION_TYPES: tokens(CallCols.ACTION_TYPES),
                "_call_flags": tokens(CallCols.FLAGS),
                "_target_ids": tokens(CallCols.TARGET_IDS),
                CandidateCols.EVIDENCE_TEXT: grouped[CallCols.EVIDENCE_TEXT].agg("; ".join),
                "_entry_cautions": grouped[CallCols.CAUTION].agg(
                    lambda s: [c for c in dict.fromkeys(s) if c]
                ),
                CandidateCols.HAS_MECHANISM: grouped[CallCols.HAS_MECHANISM].any(),
                CandidateCols.MEETS_POTENCY: grouped[CallCols.MEETS_POTENCY].any(),
            }
        )
        .reset_index()
        .rename(columns={"_strategy": CandidateCols.STRATEGY})
    )
    frame[CandidateCols.DIRECTION] = frame["_dir_rank"].map(dict(enumerate(_DIRECTION_ORDER)))
    frame[CandidateCols.DIRECTION_OK] = frame[CandidateCols.DIRECTION] != "contrary"

    per_row = [CandidateCols.MOLECULE_CHEMBL_ID, CandidateCols.STRATEGY]
    add_support_counts(frame, Support.of(support), per_row, "_target_ids")
    _add_compound_columns(frame, molecules, parents, chem)

    # -- components ----------------------------------------------------------------------------
    best = frame[CandidateCols.BEST_PCHEMBL].astype("float64")
    potency_unknown = (
        best.isna() & frame[CandidateCols.HAS_MECHANISM] & frame[CandidateCols.IS_CANDIDATE]
    )
    frame[CandidateCols.POTENCY] = potency_component(best, potency_unknown, th)
    frame[CandidateCols.EVIDENCE] = evidence_component(
        frame[CandidateCols.N_ASSAYS],
        frame[CandidateCols.N_DOCUMENTS],
        frame[CandidateCols.N_DOCUMENTS_UNKNOWN],
        th,
    )
    phase = frame[CandidateCols.MAX_PHASE]
    phase_unknown = phase.isna()
    frame[CandidateCols.MATURITY] = maturity_component(phase, frame[CandidateCols.HAS_MECHANISM])
    frame[CandidateCols.DIRECTION_CERTAINTY] = (
        frame[CandidateCols.DIRECTION].map(DIRECTION_SCORE).astype("float64")
    )
    coverage_of = pd.MultiIndex.from_frame(
        frame[[CandidateCols.MOLECULE_CHEMBL_ID, CandidateCols.STRATEGY]]
    )
    frame[CandidateCols.BREADTH] = (
        pd.Series(best_coverage.reindex(coverage_of).to_numpy(), index=frame.index)
        .where(frame[CandidateCols.IS_CANDIDATE], 0.0)
        .fillna(0.0)
        .astype("float64")
    )
    frame[CandidateCols.DRUGLIKENESS] = frame[CandidateCols.QED].fillna(0.0).astype("float64")
    frame[CandidateCols.ALERT_PENALTY] = alert_component(
        frame[CandidateCols.PAINS], frame[CandidateCols.BRENK]
    )
    frame[CandidateCols.SCORE] = weighted_score(frame, weights)

    # -- labels, cautions, flags ---------------------------------------------------------------
    candidates = frame[frame[CandidateCols.IS_CANDIDATE]]
    order: dict[str, int] = {s: i for i, s in enumerate(STRATEGIES)}
    labels = candidates.groupby(CandidateCols.MOLECULE_CHEMBL_ID)[CandidateCols.STRATEGY].agg(
        lambda s: ";".join(sorted(s, key=order.__getitem__))
    )
    primary = (
        candidates.assign(_o=candidates[CandidateCols.STRATEGY].map(order))
        .sort_values([CandidateCols.SCORE, "_o"], ascending=[False, True])
        .drop_duplicates(CandidateCols.MOLECULE_CHEMBL_ID)
        .set_index(CandidateCols.MOLECULE_CHEMBL_ID)[CandidateCols.STRATEGY]
    )
    ids = frame[CandidateCols.MOLECULE_CHEMBL_ID]
    # a lookup, not Series.map: with no candidate at all the maps are empty and map gives floats
    frame[CandidateCols.LABELS] = [str(labels.get(m, "")) for m in ids]
    frame[CandidateCols.PRIMARY_LABEL] = [str(primary.get(m, "")) for m in ids]
    frame[CandidateCols.CAUTION] = [
        " ".join(dict.fromkeys(([cautions[s]] if s in cautions and ok else []) + entry))
        for s, ok, entry in zip(
            frame[CandidateCols.STRATEGY],
            frame[CandidateCols.IS_CANDIDATE],
            frame["_entry_cautions"],
            strict=True,
        )
    ]
    conflicted = set(labels[labels.map(_conflicting)].index)
    conflict = (
        frame[CandidateCols.MOLECULE_CHEMBL_ID].isin(conflicted) & frame[CandidateCols.IS_CANDIDATE]
    )
    frame[CandidateCols.CAUTION] = [
        " ".join(filter(None, (text, LABEL_CONFLICT_NOTE if c else ""))).strip()
        for text, c in zip(frame[CandidateCols.CAUTION], conflict, strict=True)
    ]
    frame[CandidateCols.FLAGS] = [
        ";".join(
            sorted(
                {
                    *split_tokens(a),
                    *split_tokens(b),
                    *(["potency_unknown"] if math.isnan(p) else []),
                    *(["phase_unknown"] if u else []),
                    *(["label_conflict"] if c else []),
                }
            )
        )
        for a, b, p, u, c in zip(
            frame["_call_flags"],
            frame["_compound_flags"],
            frame[CandidateCols.BEST_PCHEMBL],
            phase_unknown,
            conflict,
            strict=True,
        )
    ]

    # -- rank ----------------------------------------------------------------------------------
    frame["_s"] = frame[CandidateCols.STRATEGY].map(order)
    frame["_cand"] = ~frame[CandidateCols.IS_CANDIDATE]
    frame = rank_order(frame, ["_s", "_cand"])
    frame[CandidateCols.RANK] = frame.groupby("_s").cumcount() + 1
    frame[CandidateCols.CLUSTER] = ""  # filled by the cluster stage
    return CandidateCols.check(
        frame.loc[:, list(CandidateCols.ORDER)].reset_index(drop=True), "score"
    )


def potency_component(
    best: pd.Series, potency_unknown: pd.Series, thresholds: Thresholds
) -> pd.Series:
    """The potency component of best median pChEMBL values (see the module docstring).

    :param best: best median pChEMBL per row (NaN: no measurement)
    :param potency_unknown: rows resting on a mechanism record without any measurement: scored
        at ``active_pchembl``
    """
    th = thresholds
    assumed = best.where(~potency_unknown, th.active_pchembl)
    return (
        ((assumed - th.potency_floor) / (th.potency_ceiling - th.potency_floor))
        .clip(0, 1)
        .fillna(0.0)
    )


def evidence_component(
    n_assays: pd.Series,
    n_documents: pd.Series,
    n_documents_unknown: pd.Series,
    thresholds: Thresholds,
) -> pd.Series:
    """Depth of evidence: half distinct assays, half distinct documents, each log-capped.

    An assay whose rows carry no document id has an unknown document, not none (the extract's
    mTOR-nexus and NLRP3 rows come from a source without document ids): for that share of the
    assays the document half takes the assay half's value, so a missing field is neither a
    penalty nor a bonus. ``n_documents`` counts the documented assays' documents only.

    :param n_documents_unknown: distinct assays without a document id (at most ``n_assays``)
    """
    import numpy as np

    assays = (np.log1p(n_assays) / math.log1p(thresholds.assays_cap)).clip(upper=1)
    documents = (np.log1p(n_documents) / math.log1p(thresholds.documents_cap)).clip(upper=1)
    unknown_share = (n_documents_unknown / n_assays.where(n_assays > 0)).fillna(0.0).clip(0, 1)
    document_half = (1 - unknown_share) * documents + unknown_share * assays
    component: pd.Series = (0.5 * assays + 0.5 * document_half).astype("float64")
    return component


def maturity_component(phase: pd.Series, has_mechanism: pd.Series) -> pd.Series:
    """Clinical maturity of ChEMBL max_phase values (:data:`PHASE_SCORE`).

    A NULL max_phase is phase unknown (:data:`PHASE_UNKNOWN`), or clinical (-1) where the row
    rests on a curated drug_mechanism record.
    """
    import numpy as np
    import pandas as pd

    unknown_value = pd.Series(
        np.where(has_mechanism, PHASE_SCORE[-1.0], PHASE_UNKNOWN),
        index=phase.index,
        dtype="float64",
    )
    return phase.map(PHASE_SCORE).astype("float64").fillna(0.0).where(~phase.isna(), unknown_value)


def alert_component(pains: pd.Series, brenk: pd.Series) -> pd.Series:
    """1 with a PAINS alert, 0.5 with Brenk alerts only, else 0 (``;``-joined alert names)."""
    import numpy as np
    import pandas as pd

    has_pains = pains.fillna("") != ""
    has_brenk = brenk.fillna("") != ""
    return pd.Series(
        np.where(has_pains, 1.0, np.where(has_brenk, 0.5, 0.0)), index=pains.index, dtype="float64"
    )


def weighted_score(frame: pd.DataFrame, weights: Weights) -> pd.Series:
    """Round ``frame``'s component columns to 4 decimals (in place) and return their weighted sum.

    The components are added in :data:`CandidateCols.COMPONENTS` order and the sum is rounded to
    4 decimals, as candidates.csv stores it.
    """
    import pandas as pd

    for component in CandidateCols.COMPONENTS:
        frame[component] = frame[component].astype("float64").round(4)
    total = pd.Series(0.0, index=frame.index)
    for component in CandidateCols.COMPONENTS:
        total = total + getattr(weights, component) * frame[component]
    return total.round(4)


def rank_order(frame: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """``frame`` sorted by ``groups`` (ascending), then best first within each group.

    Best first: higher score, then the tie-breakers in order: direction certainty, best pChEMBL,
    distinct assays, max_phase (higher first, missing last) and the ChEMBL id's number (lower
    first), so the order is deterministic. ``frame`` needs the :class:`CandidateCols` columns of
    those names.
    """
    keyed = frame.assign(_n=chembl_number(frame[CandidateCols.MOLECULE_CHEMBL_ID]))
    return keyed.sort_values(
        [
            *groups,
            CandidateCols.SCORE,
            CandidateCols.DIRECTION_CERTAINTY,
            CandidateCols.BEST_PCHEMBL,
            CandidateCols.N_ASSAYS,
            CandidateCols.MAX_PHASE,
            "_n",
        ],
        ascending=[*([True] * len(groups)), False, False, False, False, False, True],
        na_position="last",
        kind="stable",
    ).drop(columns="_n")


def add_support_counts(
    frame: pd.DataFrame, support: Support, keys: list[str], target_ids: str
) -> None:
    """Count distinct assays and documents over the targets each row rests on (in place).

    Counting distinct ids avoids double counting when two genes share a family target.

    :param keys: the columns that identify a row of ``frame`` (the compound's id first)
    :param target_ids: the column of ``;``-joined ChEMBL target ids each row rests on
    :returns: nothing; sets ``n_assays``, ``n_documents`` and ``n_documents_unknown`` (distinct
        assays whose rows have no document id); int64, 0 without support
    """
    import pandas as pd

    pairs = frame[[*keys, target_ids]].copy()
    pairs["_target"] = pairs[target_ids].map(split_tokens)
    pairs = pairs.explode("_target").dropna(subset=["_target"])
    counts = support.counts(pairs, keys, "_target")
    index = pd.MultiIndex.from_frame(frame[keys])
    for column in COUNTS:
        frame[column] = counts[column].reindex(index).fillna(0).astype("int64").to_numpy()


def _add_compound_columns(
    frame: pd.DataFrame, molecules: pd.DataFrame, parents: pd.DataFrame, chem: pd.DataFrame
) -> None:
    """Name, phase, structure, chemistry and parent basis of each row's parent compound.

    A parent without a pref_name takes the name of a salt form (e.g. a mechanism recorded on
    "OBATOCLAX MESYLATE"); max_phase is the highest over the parent and its salts, because ChEMBL
    may record the phase on the form that was dosed.
    """
    members = parents.merge(
        molecules[
            [MoleculeCols.MOLECULE_CHEMBL_ID, MoleculeCols.PREF_NAME, MoleculeCols.MAX_PHASE]
        ],
        on=ParentCols.MOLECULE_CHEMBL_ID,
        how="left",
    )
    members["_self"] = (
        members[ParentCols.MOLECULE_CHEMBL_ID] == members[ParentCols.PARENT_CHEMBL_ID]
    )
    members = members.sort_values([ParentCols.PARENT_CHEMBL_ID, "_self"], ascending=[True, False])
    by_parent = members.groupby(ParentCols.PARENT_CHEMBL_ID)
    names = by_parent[MoleculeCols.PREF_NAME].agg(
        lambda s: next((n for n in s if isinstance(n, str) and n), "")
    )
    phases = by_parent[MoleculeCols.MAX_PHASE].max()
    basis = parents.set_index(ParentCols.MOLECULE_CHEMBL_ID)[ParentCols.PARENT_BASIS]
    own_chem = chem.set_index(ChemCols.MOLECULE_CHEMBL_ID)
    smiles = molecules.set_index(MoleculeCols.MOLECULE_CHEMBL_ID)[MoleculeCols.CANONICAL_SMILES]
    salts_basis = (
        members[~members["_self"]]
        .groupby(ParentCols.PARENT_CHEMBL_ID)[ParentCols.PARENT_BASIS]
        .agg(lambda s: ";".join(sorted(set(s))))
    )

    ids = frame[CandidateCols.MOLECULE_CHEMBL_ID]
    frame[CandidateCols.PREF_NAME] = ids.map(names).fillna("")
    frame[CandidateCols.MAX_PHASE] = ids.map(phases).astype("float64")
    salt_basis, own_basis = ids.map(salts_basis.to_dict()), ids.map(basis.to_dict())
    frame[CandidateCols.PARENT_BASIS] = [
        s if isinstance(s, str) else (o if isinstance(o, str) else "")
        for s, o in zip(salt_basis, own_basis, strict=True)
    ]
    parent_smiles = ids.map(own_chem[ChemCols.PARENT_SMILES]) if not own_chem.empty else ids.map({})
    frame[CandidateCols.CANONICAL_SMILES] = parent_smiles.where(
        parent_smiles.fillna("") != "", ids.map(smiles)
    ).fillna("")
    for target, source in (
        (CandidateCols.QED, ChemCols.QED),
        (CandidateCols.PAINS, ChemCols.PAINS),
        (CandidateCols.BRENK, ChemCols.BRENK),
        (CandidateCols.SCAFFOLD, ChemCols.SCAFFOLD),
        (CandidateCols.QED_BASIS, ChemCols.QED_BASIS),
        (CandidateCols.ALERTS_BASIS, ChemCols.ALERTS_BASIS),
        (CandidateCols.STRUCTURE_BASIS, ChemCols.STRUCTURE_BASIS),
    ):
        frame[target] = ids.map(own_chem[source]) if source in own_chem else None
    frame[CandidateCols.QED] = frame[CandidateCols.QED].astype("float64").round(4)
    for basis_column in (
        CandidateCols.QED_BASIS,
        CandidateCols.ALERTS_BASIS,
        CandidateCols.STRUCTURE_BASIS,
    ):
        frame[basis_column] = frame[basis_column].fillna("").astype("str")
    reasons = ids.map(own_chem[ChemCols.REASON]).fillna("no_structure")
    frame["_compound_flags"] = [
        ";".join(
            sorted(
                {
                    *split_tokens(r),
                    *(["pains_alert"] if p else []),
                    *(["brenk_alert"] if b else []),
                }
            )
        )
        for r, p, b in zip(
            reasons,
            frame[CandidateCols.PAINS].fillna(""),
            frame[CandidateCols.BRENK].fillna(""),
            strict=True,
        )
    ]
