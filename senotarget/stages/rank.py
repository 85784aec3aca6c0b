"""Ranks within the panel entry and the gene; the compound x gene selectivity view (DESIGN §4-5).

A strategy mixes pathways with very different amounts of ChEMBL data: thousands of PI3K and JAK
inhibitors, a few hundred NLRP3 compounds. Ranked within the strategy alone, a selective inhibitor
of a one-gene pathway is buried under the paralog-rich ones. So every candidate is also ranked:

* within each **panel entry** it has a qualifying call in, scored by the score stage's own
  components and weights (:mod:`senotarget.stages.score`) on that entry's qualifying calls only:
  potency is the best median pChEMBL on the entry's genes (a mechanism record without a
  measurement is *potency unknown*, scored at ``active_pchembl``), evidence counts the distinct
  assays and documents on the entry's targets, direction certainty is the best tier among the
  entry's calls, breadth the share of the entry's resolved genes covered; maturity, drug-likeness
  and the alert penalty are the compound's own (maturity as candidates.csv gives it at its
  highest: a drug_mechanism record on any panel target means clinical stage);
* within each **gene**, the same on the gene's qualifying calls, with breadth 1;
* within each **strategy**: candidates.csv's rank, repeated so rankings.csv stands alone.

Ties break as in the score stage (:func:`senotarget.stages.score.rank_order`). The selectivity
view puts the compounds in the top ``report_top`` of any entry or strategy against every resolved
panel gene, and tells measured potency, inactive-side evidence and "not tested" apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from senotarget.schema import (
    STRATEGIES,
    CallCols,
    CandidateCols,
    EvidenceCols,
    Method,
    RankingCols,
    SelectivityCols,
    TargetCols,
    split_tokens,
)
from senotarget.stages.score import (
    DIRECTION_SCORE,
    add_support_counts,
    evidence_component,
    maturity_component,
    potency_component,
    rank_order,
    weighted_score,
)
from senotarget.stages.support import Support

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Settings, Thresholds

__all__ = ["METHODS", "rank_candidates", "selectivity"]

#: The direction tiers of a qualifying call, best first (contrary calls never qualify).
_TIERS: Final = ("mechanism", "action_type", "inferred")

METHODS: Final = (
    Method(
        "rank",
        "ranks within the entry and the gene",
        "Every candidate is also ranked within each panel entry and each gene it has a "
        "qualifying call on, with the score's weights and components computed on those calls "
        "only: best pChEMBL on the entry's genes, assays and documents on its targets, the best "
        "direction tier among its calls, and breadth as the share of the entry's resolved genes "
        "covered (1 within a gene). Maturity, drug-likeness and alerts are the compound's own. "
        "A selective inhibitor of a one-gene pathway (NLRP3) is then ranked against its peers, "
        "not buried under thousands of PI3K or JAK inhibitors.",
        "DESIGN sections 4 and 5",
    ),
    Method(
        "rank",
        "selectivity",
        "For the compounds in the top of any entry or strategy, each resolved panel gene is "
        "potent (best median pChEMBL at or above active_pchembl), active but weak (measured "
        "below it), mechanism only (a drug_mechanism record, no measurement), contrary (moved "
        "against the panel's direction), unquantified (only '<' bounds, single-point readouts or "
        "rows set aside by curation), inactive (censored '>' values or 'Not Active' verdicts "
        "only) or not tested (no evidence row on the gene's targets): untested is not inactive.",
        "DESIGN section 4",
    ),
)


def rank_candidates(
    calls: pd.DataFrame,
    support: Support | pd.DataFrame,
    targets: pd.DataFrame,
    candidates: pd.DataFrame,
    settings: Settings,
) -> pd.DataFrame:
    """Build rankings.csv: every candidate ranked within its strategies, entries and genes.

    :param calls: :class:`CallCols` rows (classify); only ``qualifies`` calls rank
    :param support: the support rows (:class:`~senotarget.stages.support.Support`, or a whole
        :class:`SupportCols` table), for exact distinct assay and document counts
    :param targets: :class:`TargetCols` rows; the resolved genes of an entry give its breadth,
        and entries and genes are listed in the order the targets table gives them (panel order)
    :param candidates: :class:`CandidateCols` rows (score, then cluster): the strategy ranks,
        and the compound-level columns (name, max_phase, maturity, drug-likeness, alert penalty,
        cluster)
    :param settings: the weights and thresholds of the score stage
    :returns: :class:`RankingCols` rows sorted by scope (strategy, entry, gene), key (strategy
        order, then panel order), then rank
    """
    import pandas as pd

    entry_order = list(dict.fromkeys(targets[TargetCols.LABEL].astype(str)))
    gene_order = list(dict.fromkeys(targets[TargetCols.GENE_SYMBOL].astype(str)))
    qualified = calls[calls[CallCols.QUALIFIES]]
    ranked = [_strategy_rows(candidates, qualified, entry_order)]
    if not qualified.empty:
        compounds = _compound_columns(candidates, qualified)
        resolved = targets[targets[TargetCols.STATUS] == "resolved"]
        entry_genes = resolved.groupby(TargetCols.LABEL)[TargetCols.GENE_SYMBOL].nunique()
        for scope, column, order in (
            ("entry", CallCols.LABEL, entry_order),
            ("gene", CallCols.GENE_SYMBOL, gene_order),
        ):
            ranked.append(
                _scope_rows(
                    qualified,
                    Support.of(support),
                    compounds,
                    scope,
                    column,
                    order,
                    entry_order,
                    entry_genes,
                    settings,
                )
            )
    frame = (
        pd.concat([r for r in ranked if not r.empty], ignore_index=True)
        if any(not r.empty for r in ranked)
        else RankingCols.empty()
    )
    if frame.empty:
        return RankingCols.empty()
    frame[RankingCols.N_RANKED] = frame.groupby([RankingCols.SCOPE, RankingCols.KEY], sort=False)[
        RankingCols.MOLECULE_CHEMBL_ID
    ].transform("size")
    return RankingCols.check(RankingCols.conform(frame.reset_index(drop=True)), "rank")


def _joined(
    frame: pd.DataFrame, keys: list[str], column: str, order: list[str] | None = None
) -> dict[tuple[str, str], str]:
    """Per group of ``keys``, the distinct values of ``column`` ``;``-joined.

    In ``order`` (values not in it after, alphabetically), or alphabetically without one. A
    plain loop over the distinct (group, value) pairs: far cheaper than a Python aggregation per
    group on tens of thousands of groups.
    """
    if column in keys:  # grouped by the column itself: each group's value is its own key
        pairs = frame[keys].drop_duplicates()
        at = keys.index(column)
        return {
            (a, b): str((a, b)[at]) for a, b in zip(pairs[keys[0]], pairs[keys[1]], strict=True)
        }
    pairs = frame[[*keys, column]].drop_duplicates()
    position = {k: i for i, k in enumerate(order or [])}
    pairs = pairs.assign(_o=pairs[column].map(position).fillna(len(position))).sort_values(
        ["_o", column], kind="stable"
    )
    found: dict[tuple[str, str], list[str]] = {}
    for first, second, value in zip(pairs[keys[0]], pairs[keys[1]], pairs[column], strict=True):
        found.setdefault((first, second), []).append(value)
    return {key: ";".join(values) for key, values in found.items()}


def _strategy_rows(
    candidates: pd.DataFrame, qualified: pd.DataFrame, entry_order: list[str]
) -> pd.DataFrame:
    """candidates.csv's candidate rows as the strategy scope, with the entries they rest on."""
    rows = candidates[candidates[CandidateCols.IS_CANDIDATE]].copy()
    per_strategy = qualified.assign(
        _strategy=qualified[CallCols.STRATEGIES].map(split_tokens)
    ).explode("_strategy")
    entries = _joined(
        per_strategy, [CallCols.MOLECULE_CHEMBL_ID, "_strategy"], CallCols.LABEL, entry_order
    )
    rows[RankingCols.ENTRIES] = [
        entries.get((m, s), "")
        for m, s in zip(
            rows[CandidateCols.MOLECULE_CHEMBL_ID], rows[CandidateCols.STRATEGY], strict=True
        )
    ]
    rows[RankingCols.SCOPE] = "strategy"
    rows[RankingCols.KEY] = rows[CandidateCols.STRATEGY]
    rows[RankingCols.STRATEGIES] = rows[CandidateCols.STRATEGY]
    order = {s: i for i, s in enumerate(STRATEGIES)}
    rows = rows.assign(_k=rows[CandidateCols.STRATEGY].map(order)).sort_values(
        ["_k", CandidateCols.RANK], kind="stable"
    )
    return rows.loc[:, [c for c in RankingCols.ORDER if c != RankingCols.N_RANKED]]


def _compound_columns(candidates: pd.DataFrame, qualified: pd.DataFrame) -> pd.DataFrame:
    """Per compound: name, max_phase, maturity, drug-likeness and alert penalty.

    Maturity is the score stage's, with the compound's mechanism records on any panel target
    (the highest over its candidates.csv rows).
    """
    rows = candidates[candidates[CandidateCols.IS_CANDIDATE]].drop_duplicates(
        CandidateCols.MOLECULE_CHEMBL_ID
    )
    compounds = rows.set_index(CandidateCols.MOLECULE_CHEMBL_ID)[
        [
            CandidateCols.PREF_NAME,
            CandidateCols.MAX_PHASE,
            CandidateCols.DRUGLIKENESS,
            CandidateCols.ALERT_PENALTY,
            CandidateCols.CLUSTER,
        ]
    ].copy()
    mechanism = (
        qualified.groupby(CallCols.MOLECULE_CHEMBL_ID)[CallCols.HAS_MECHANISM]
        .any()
        .reindex(compounds.index)
        .fillna(False)
        .astype(bool)
    )
    compounds[CandidateCols.MATURITY] = maturity_component(
        compounds[CandidateCols.MAX_PHASE], mechanism
    )
    return compounds


def _scope_rows(
    qualified: pd.DataFrame,
    support: Support,
    compounds: pd.DataFrame,
    scope: str,
    column: str,
    order: list[str],
    entry_order: list[str],
    entry_genes: pd.Series,
    settings: Settings,
) -> pd.DataFrame:
    """One scored, ranked row per (key, compound) of the qualifying calls grouped by ``column``."""
    import numpy as np

    keys = [CallCols.MOLECULE_CHEMBL_ID, column]
    tiers = {d: i for i, d in enumerate(_TIERS)}
    calls = qualified.assign(_tier=qualified[CallCols.DIRECTION].map(tiers))
    # distinct assays and documents over the targets of the group's calls (set on every call)
    add_support_counts(calls, support, keys, CallCols.TARGET_IDS)
    grouped = calls.groupby(keys, sort=False)
    frame = grouped.agg(
        _tier=("_tier", "min"),
        best_pchembl=(CallCols.BEST_PCHEMBL, "max"),
        _mechanism=(CallCols.HAS_MECHANISM, "any"),
        _n_genes=(CallCols.GENE_SYMBOL, "nunique"),
        n_assays=(CallCols.N_ASSAYS, "first"),
        n_documents=(CallCols.N_DOCUMENTS, "first"),
        n_documents_unknown=(RankingCols.N_DOCUMENTS_UNKNOWN, "first"),
    ).reset_index()
    strategies = calls.assign(_strategy=calls[CallCols.STRATEGIES].map(split_tokens)).explode(
        "_strategy"
    )
    for name, joined in (
        (RankingCols.TARGETS, _joined(calls, keys, CallCols.GENE_SYMBOL)),
        (RankingCols.ENTRIES, _joined(calls, keys, CallCols.LABEL, entry_order)),
        (
            RankingCols.STRATEGIES,
            _joined(strategies.dropna(subset=["_strategy"]), keys, "_strategy", list(STRATEGIES)),
        ),
    ):
        frame[name] = [
            joined.get((m, k), "") for m, k in zip(frame[keys[0]], frame[keys[1]], strict=True)
        ]
    frame = frame.rename(columns={column: RankingCols.KEY})
    frame[RankingCols.SCOPE] = scope
    frame[RankingCols.DIRECTION] = frame["_tier"].map(dict(enumerate(_TIERS)))
    ids = frame[RankingCols.MOLECULE_CHEMBL_ID]
    for name in (
        RankingCols.PREF_NAME,
        RankingCols.MAX_PHASE,
        RankingCols.MATURITY,
        RankingCols.DRUGLIKENESS,
        RankingCols.ALERT_PENALTY,
        RankingCols.CLUSTER,
    ):
        frame[name] = ids.map(compounds[name]).to_numpy()
    frame[RankingCols.PREF_NAME] = frame[RankingCols.PREF_NAME].fillna("").astype(str)
    frame[RankingCols.CLUSTER] = frame[RankingCols.CLUSTER].fillna("").astype(str)

    th = settings.thresholds
    best = frame[RankingCols.BEST_PCHEMBL].astype("float64")
    frame[RankingCols.POTENCY] = potency_component(best, best.isna() & frame["_mechanism"], th)
    frame[RankingCols.EVIDENCE] = evidence_component(
        frame[RankingCols.N_ASSAYS],
        frame[RankingCols.N_DOCUMENTS],
        frame[RankingCols.N_DOCUMENTS_UNKNOWN],
        th,
    )
    frame[RankingCols.DIRECTION_CERTAINTY] = (
        frame[RankingCols.DIRECTION].map(DIRECTION_SCORE).astype("float64")
    )
    if scope == "entry":
        size = frame[RankingCols.KEY].map(entry_genes).to_numpy(dtype="float64")
        frame[RankingCols.BREADTH] = np.clip(
            frame["_n_genes"].to_numpy(dtype="float64") / size, 0, 1
        )
        frame[RankingCols.BREADTH] = frame[RankingCols.BREADTH].fillna(0.0)
    else:
        frame[RankingCols.BREADTH] = 1.0
    frame[RankingCols.SCORE] = weighted_score(frame, settings.weights)

    position = {k: i for i, k in enumerate(order)}
    frame["_k"] = frame[RankingCols.KEY].map(position).fillna(len(order)).astype("int64")
    frame = rank_order(frame, ["_k", RankingCols.KEY])
    frame[RankingCols.RANK] = frame.groupby(RankingCols.KEY, sort=False).cumcount() + 1
    return frame.loc[:, [c for c in RankingCols.ORDER if c != RankingCols.N_RANKED]]


def selectivity(
    rankings: pd.DataFrame,
    calls: pd.DataFrame,
    evidence: pd.DataFrame,
    support: Support | pd.DataFrame,
    targets: pd.DataFrame,
    top: int,
    thresholds: Thresholds,
) -> pd.DataFrame:
    """Build selectivity.csv: the top compounds against every resolved panel gene.

    :param rankings: :func:`rank_candidates` rows; the compounds in the top ``top`` of any
        entry or strategy are shown, in the order they first appear there
    :param calls: :class:`CallCols` rows, for contrary calls and the direction on each gene
    :param evidence: :class:`EvidenceCols` rows (aggregate), for potency and inactive-side counts
    :param support: the support rows (:class:`~senotarget.stages.support.Support`, or a whole
        :class:`SupportCols` table), for distinct assays per gene
    :param targets: :class:`TargetCols` rows; a gene's evidence is on its resolved targets
        (single proteins, complexes and families that contain it)
    :param thresholds: ``active_pchembl`` tells potent from weak
    :returns: :class:`SelectivityCols` rows, by compound (first appearance), then panel gene
    """
    import numpy as np
    import pandas as pd

    shown = rankings[
        rankings[RankingCols.SCOPE].isin(["strategy", "entry"])
        & (rankings[RankingCols.RANK] <= top)
    ]
    if shown.empty:
        return SelectivityCols.empty()
    top_of: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for scope, key, molecule, name in zip(
        shown[RankingCols.SCOPE],
        shown[RankingCols.KEY],
        shown[RankingCols.MOLECULE_CHEMBL_ID],
        shown[RankingCols.PREF_NAME],
        strict=True,
    ):
        top_of.setdefault(molecule, []).append(f"{scope}:{key}")
        names.setdefault(molecule, name)
    compounds = list(top_of)

    resolved = targets[targets[TargetCols.STATUS] == "resolved"]
    genes = list(dict.fromkeys(resolved[TargetCols.GENE_SYMBOL].astype(str)))
    entries_of = resolved.groupby(TargetCols.GENE_SYMBOL, sort=False)[TargetCols.LABEL].agg(
        lambda s: ";".join(dict.fromkeys(s))
    )
    gene_targets = resolved[[TargetCols.GENE_SYMBOL, TargetCols.TARGET_CHEMBL_ID]].drop_duplicates()

    mine = evidence[evidence[EvidenceCols.MOLECULE_CHEMBL_ID].isin(compounds)]
    on_gene = mine.merge(
        gene_targets,
        left_on=EvidenceCols.TARGET_CHEMBL_ID,
        right_on=TargetCols.TARGET_CHEMBL_ID,
        suffixes=("", "_target"),
    )
    keys = [EvidenceCols.MOLECULE_CHEMBL_ID, TargetCols.GENE_SYMBOL]
    on_gene = on_gene.assign(
        _mechanism=on_gene[EvidenceCols.MECHANISM_ACTION_TYPE].fillna("") != ""
    )
    per_gene = on_gene.groupby(keys).agg(
        best=(EvidenceCols.MEDIAN_PCHEMBL, "max"),
        n_measurements=(EvidenceCols.N_MEASUREMENTS, "sum"),
        censored=(EvidenceCols.CENSORED_INACTIVE, "sum"),
        mechanism=("_mechanism", "any"),
    )
    asked = pd.DataFrame({EvidenceCols.MOLECULE_CHEMBL_ID: compounds}).merge(
        gene_targets, how="cross"
    )
    assays = Support.of(support).counts(asked, keys, TargetCols.TARGET_CHEMBL_ID)[
        CandidateCols.N_ASSAYS
    ]
    tiers = {d: i for i, d in enumerate(("mechanism", "action_type", "inferred", "contrary"))}
    gene_calls = calls[calls[CallCols.MOLECULE_CHEMBL_ID].isin(compounds)]
    best_tier = (
        gene_calls.assign(_tier=gene_calls[CallCols.DIRECTION].map(tiers))
        .dropna(subset=["_tier"])
        .groupby([CallCols.MOLECULE_CHEMBL_ID, CallCols.GENE_SYMBOL])["_tier"]
        .min()
    )

    grid = pd.MultiIndex.from_product([compounds, genes], names=keys)
    frame = per_gene.reindex(grid)
    tested = frame["n_measurements"].notna().to_numpy()
    best = frame["best"].astype("float64").to_numpy()
    censored = frame["censored"].fillna(0).astype("int64").to_numpy()
    mechanism = frame["mechanism"].astype("boolean").fillna(False).astype(bool).to_numpy()
    tier = best_tier.reindex(grid).to_numpy(dtype="float64")
    direction = np.array(["" if np.isnan(t) else list(tiers)[int(t)] for t in tier], dtype=object)
    state = np.select(
        [
            ~tested,
            direction == "contrary",
            best >= thresholds.active_pchembl,
            ~np.isnan(best),
            mechanism,
            censored > 0,
        ],
        ["not_tested", "contrary", "potent", "active_weak", "mechanism_only", "inactive"],
        default="unquantified",
    )
    table = pd.DataFrame(
        {
            SelectivityCols.MOLECULE_CHEMBL_ID: grid.get_level_values(0),
            SelectivityCols.GENE_SYMBOL: grid.get_level_values(1),
        }
    )
    table[SelectivityCols.PREF_NAME] = (
        table[SelectivityCols.MOLECULE_CHEMBL_ID].map(names).fillna("")
    )
    table[SelectivityCols.ENTRIES] = table[SelectivityCols.GENE_SYMBOL].map(entries_of).fillna("")
    table[SelectivityCols.STATE] = state
    table[SelectivityCols.BEST_PCHEMBL] = best
    table[SelectivityCols.N_ASSAYS] = assays.reindex(grid).fillna(0).astype("int64").to_numpy()
    table[SelectivityCols.N_MEASUREMENTS] = (
        frame["n_measurements"].fillna(0).astype("int64").to_numpy()
    )
    table[SelectivityCols.CENSORED_INACTIVE] = censored
    table[SelectivityCols.DIRECTION] = direction
    table[SelectivityCols.TOP_OF] = [
        ";".join(top_of[m]) for m in table[SelectivityCols.MOLECULE_CHEMBL_ID]
    ]
    return SelectivityCols.check(SelectivityCols.conform(table), "rank")
