"""Render a run's ``report.html`` from its tables and manifest (DESIGN §6).

The page is built from the run folder alone (``candidates.csv``, ``evidence.csv``,
``targets.csv``, ``manifest.json``), so ``senotarget report RUN_DIR`` re-renders it without
ChEMBL and the page always says what the CSV files say. It is one self-contained file that opens
offline: structures are RDKit SVG depictions embedded as ``data:`` images, plots are matplotlib
SVG inlined, styles and the small sorting/filtering script are inline; nothing is fetched from a
CDN. Every text that comes from ChEMBL or a panel goes through jinja2's autoescaping (a compound
named ``<script>`` shows as text).
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from senotarget.config import Settings, Thresholds
from senotarget.schema import (
    CHANGE_KINDS,
    STRATEGIES,
    CandidateCols,
    ChangeCols,
    EvidenceCols,
    Method,
    RankingCols,
    SelectivityCols,
    TargetCols,
    ValidationCols,
    cell_number,
    cell_text,
    split_tokens,
)

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.stages.score import Contribution

__all__ = ["REPORT_HTML", "render_html"]

REPORT_HTML: Final = "report.html"
#: Colour per score component: the Okabe-Ito palette, distinguishable with colour blindness
#: (Okabe & Ito 2008, https://jfly.uni-koeln.de/color/).
COMPONENT_COLOURS: Final = {
    CandidateCols.POTENCY: "#0072B2",
    CandidateCols.EVIDENCE: "#E69F00",
    CandidateCols.MATURITY: "#009E73",
    CandidateCols.DIRECTION_CERTAINTY: "#CC79A7",
    CandidateCols.BREADTH: "#56B4E9",
    CandidateCols.DRUGLIKENESS: "#F0E442",
    CandidateCols.ALERT_PENALTY: "#D55E00",
}
STRATEGY_TEXT: Final = {
    "senolytic": "kill senescent cells by inhibiting anti-apoptotic pathways",
    "senomorphic": "suppress the senescence-associated secretory phenotype (SASP)",
    "senoreverter": "restore a pre-senescent state through key regulators",
}
CHEMBL_COMPOUND_URL: Final = "https://www.ebi.ac.uk/chembl/explore/compound/{}"
CHEMBL_TARGET_URL: Final = "https://www.ebi.ac.uk/chembl/explore/target/{}"
_STRUCTURE_SIZE: Final = (220, 160)


@dataclass(frozen=True)
class Segment:
    """One component's part of a score bar: ``weight * value`` and its width in percent."""

    component: str
    weight: float
    value: float
    contribution: float
    width: float
    colour: str


@dataclass(frozen=True)
class CandidateView:
    """One candidates.csv row as the report shows it."""

    row: Mapping[str, Any]
    structure: str | None
    segments: tuple[Segment, ...]
    penalty: Segment | None
    targets: tuple[str, ...]
    flags: tuple[str, ...]
    cluster: ClusterNote | None = None


@dataclass(frozen=True)
class HeldBack:
    """A compound a top list leaves out because its cluster already shows ``cluster_top``."""

    rank: int
    molecule: str
    name: str


@dataclass(frozen=True)
class ClusterNote:
    """A shown compound's cluster: its size, its leader, and the members held back after it."""

    size: int
    leader: str  # the leader's name, or its ChEMBL id
    leads: bool  # the shown compound is the leader
    held_back: tuple[HeldBack, ...]


@dataclass(frozen=True)
class TargetView:
    """One panel gene: how it resolved and what evidence reached it."""

    label: str
    gene: str
    strategies: str
    direction: str
    status: str
    reason: str
    targets: tuple[tuple[str, str], ...]
    n_compounds: int
    n_candidates: int
    median_pchembl: float | None
    caution: str


@dataclass(frozen=True)
class StrategyView:
    """One strategy's section: counts, the genes it covers, and its top candidates."""

    name: str
    text: str
    n_candidates: int
    n_contrary: int
    genes_resolved: tuple[str, ...]
    genes_unresolved: tuple[str, ...]
    top: tuple[CandidateView, ...]


def _missing_as_none(value: Any) -> Any:
    """NaN and pandas' NA (empty CSV cells) as ``None``, so the template can test for them."""
    import pandas as pd

    try:
        return None if value is None or bool(pd.isna(value)) else value
    except (TypeError, ValueError):  # an array-like cell
        return value


def structure_data_uri(smiles: str) -> str | None:
    """An RDKit 2-D depiction of ``smiles`` as a ``data:image/svg+xml`` URI; ``None`` if unparsable.

    An ``<img>`` with a data URI keeps each drawing out of the page's DOM and style, and the
    browser test can check that every one decoded (``naturalWidth > 0``).
    """
    from rdkit import Chem
    from rdkit.Chem.Draw import rdMolDraw2D

    from senotarget.util.rdkit_log import without_rdkit_log

    if not smiles:
        return None
    with without_rdkit_log():
        mol = Chem.MolFromSmiles(smiles)
        if mol is None or mol.GetNumAtoms() == 0:
            return None
        drawer = rdMolDraw2D.MolDraw2DSVG(*_STRUCTURE_SIZE)
        options = drawer.drawOptions()
        options.clearBackground = False  # type: ignore[assignment]  # rdkit-stubs: untyped setter
        rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
        drawer.FinishDrawing()
        svg = drawer.GetDrawingText()
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def score_segments(
    row: Mapping[str, Any], weights: Mapping[str, float]
) -> tuple[tuple[Segment, ...], Segment | None]:
    """The score's positive parts (stacked bar) and the alert penalty, each ``weight * value``.

    Widths are percent of the best possible score (the sum of the positive weights), so bars of
    different compounds compare directly.
    """
    from senotarget.stages.score import breakdown

    parts = breakdown(row, weights)
    positive = [p for p in parts if p.component != CandidateCols.ALERT_PENALTY]
    scale = sum(max(0.0, p.weight) for p in positive) or 1.0

    def segment(part: Contribution, size: float) -> Segment:
        width = round(100 * size / scale, 2)
        colour = COMPONENT_COLOURS[part.component]
        return Segment(part.component, part.weight, part.value, part.contribution, width, colour)

    penalty = [p for p in parts if p.component == CandidateCols.ALERT_PENALTY and p.contribution]
    return (
        tuple(segment(p, p.contribution) for p in positive),
        segment(penalty[0], abs(penalty[0].contribution)) if penalty else None,
    )


def _candidate_view(row: Mapping[str, Any], weights: Mapping[str, float]) -> CandidateView:
    segments, penalty = score_segments(row, weights)
    return CandidateView(
        row=row,
        structure=structure_data_uri(cell_text(row.get(CandidateCols.CANONICAL_SMILES))),
        segments=segments,
        penalty=penalty,
        targets=tuple(split_tokens(cell_text(row.get(CandidateCols.TARGETS)))),
        flags=tuple(split_tokens(cell_text(row.get(CandidateCols.FLAGS)))),
    )


@dataclass(frozen=True)
class Clusters:
    """Per compound: its cluster (the leader's id), each cluster's size and its leader's name."""

    of: Mapping[str, str]
    size: Mapping[str, int]
    name: Mapping[str, str]

    @classmethod
    def from_candidates(cls, candidates: pd.DataFrame) -> Clusters:
        """The clusters of candidates.csv (a run written before clustering has none)."""
        if CandidateCols.CLUSTER not in candidates.columns:
            return cls({}, {}, {})
        compounds = candidates.drop_duplicates(CandidateCols.MOLECULE_CHEMBL_ID)
        ids = compounds[CandidateCols.MOLECULE_CHEMBL_ID].astype(str)
        of = {
            m: c for m, c in zip(ids, compounds[CandidateCols.CLUSTER].fillna(""), strict=True) if c
        }
        names = dict(
            zip(ids, compounds[CandidateCols.PREF_NAME].fillna("").astype(str), strict=True)
        )
        size: dict[str, int] = {}
        for leader in of.values():
            size[leader] = size.get(leader, 0) + 1
        return cls(of, size, {leader: names.get(leader) or leader for leader in size})


def diverse_top(
    ranked: pd.DataFrame, top: int, per_cluster: int, clusters: Clusters
) -> tuple[list[int], dict[int, list[int]]]:
    """The rows a top list shows: the best ``top``, at most ``per_cluster`` of one cluster.

    :param ranked: rows best first, with ``molecule_chembl_id``
    :returns: the positions shown, and per shown position the positions held back after it (a
        cluster's later members, listed under its last shown member); a compound in no cluster
        is a group of its own
    """
    shown: list[int] = []
    held: dict[int, list[int]] = {}
    count: dict[str, int] = {}
    last: dict[str, int] = {}
    for position, molecule in enumerate(ranked[CandidateCols.MOLECULE_CHEMBL_ID].astype(str)):
        if len(shown) >= top:
            break
        group = clusters.of.get(molecule) or f"own:{molecule}"
        if count.get(group, 0) >= per_cluster:
            held.setdefault(last[group], []).append(position)
            continue
        count[group] = count.get(group, 0) + 1
        last[group] = position
        shown.append(position)
    return shown, held


def _cluster_note(
    ranked: pd.DataFrame, position: int, held: Mapping[int, list[int]], clusters: Clusters
) -> ClusterNote | None:
    molecule = str(ranked.iloc[position][CandidateCols.MOLECULE_CHEMBL_ID])
    leader = clusters.of.get(molecule, "")
    if not leader or clusters.size.get(leader, 1) < 2:
        return None
    rows = ranked.iloc[held.get(position, [])]
    return ClusterNote(
        size=clusters.size[leader],
        leader=clusters.name.get(leader, leader),
        leads=leader == molecule,
        held_back=tuple(
            HeldBack(int(rank), str(m), cell_text(name) or str(m))
            for rank, m, name in zip(
                rows[CandidateCols.RANK],
                rows[CandidateCols.MOLECULE_CHEMBL_ID],
                rows[CandidateCols.PREF_NAME],
                strict=True,
            )
        ),
    )


def _per_gene(frame: pd.DataFrame, genes: str) -> pd.DataFrame:
    """``frame`` with one row per gene of its ``;``-joined ``genes`` column, in column ``_gene``."""
    gene = frame[genes].fillna("").astype(str).str.split(";").explode().str.strip()
    return frame.loc[gene.index].assign(_gene=gene.to_numpy())


def _best_potency(evidence: pd.DataFrame) -> pd.Series:
    """Best median pChEMBL per (gene, compound), over the gene's targets and measurement types."""
    per_gene = _per_gene(evidence, EvidenceCols.GENE_SYMBOLS)
    return (
        per_gene.dropna(subset=[EvidenceCols.MEDIAN_PCHEMBL])
        .groupby(["_gene", EvidenceCols.MOLECULE_CHEMBL_ID])[EvidenceCols.MEDIAN_PCHEMBL]
        .max()
    )


def target_views(
    targets: pd.DataFrame, evidence: pd.DataFrame, candidates: pd.DataFrame
) -> list[TargetView]:
    """One view per (panel entry, gene), in panel order."""
    potency = _best_potency(evidence)
    per_gene = _per_gene(evidence, EvidenceCols.GENE_SYMBOLS)
    compounds = per_gene.groupby("_gene")[EvidenceCols.MOLECULE_CHEMBL_ID].nunique()
    candidate_rows = _per_gene(
        candidates[candidates[CandidateCols.IS_CANDIDATE]], CandidateCols.TARGETS
    )
    n_candidates = candidate_rows.groupby("_gene")[CandidateCols.MOLECULE_CHEMBL_ID].nunique()

    views: list[TargetView] = []
    keys = [TargetCols.LABEL, TargetCols.GENE_SYMBOL]
    for (label, gene), rows in targets.groupby(keys, sort=False):
        first = rows.iloc[0]
        resolved = rows[rows[TargetCols.STATUS] == "resolved"]
        shown = resolved if not resolved.empty else rows
        pairs = tuple(
            (cell_text(r[TargetCols.TARGET_CHEMBL_ID]), cell_text(r[TargetCols.TARGET_TYPE]))
            for _, r in shown.iterrows()
            if cell_text(r[TargetCols.TARGET_CHEMBL_ID])
        )
        statuses = rows[TargetCols.STATUS].astype(str)
        status = "resolved" if (statuses == "resolved").any() else str(statuses.iloc[0])
        reasons = "; ".join(dict.fromkeys(r for r in rows[TargetCols.REASON].map(cell_text) if r))
        gene_potency = potency.get(gene) if gene in potency.index.get_level_values(0) else None
        median = (
            None
            if gene_potency is None or gene_potency.dropna().empty
            else float(gene_potency.dropna().median())
        )
        views.append(
            TargetView(
                label=cell_text(label),
                gene=cell_text(gene),
                strategies=cell_text(first[TargetCols.STRATEGIES]),
                direction=cell_text(first[TargetCols.DIRECTION]),
                status=status,
                reason=reasons,
                targets=pairs,
                n_compounds=int(compounds.get(gene, 0)),
                n_candidates=int(n_candidates.get(gene, 0)),
                median_pchembl=median,
                caution=cell_text(first.get(TargetCols.CAUTION)),
            )
        )
    return views


def strategy_views(
    candidates: pd.DataFrame,
    targets: pd.DataFrame,
    weights: Mapping[str, float],
    top: int,
    per_cluster: int = Settings.cluster_top,
    clusters: Clusters | None = None,
) -> list[StrategyView]:
    """Per strategy: counts, resolved and unresolved genes, and the ``top`` candidates.

    At most ``per_cluster`` members of one chemical cluster are shown (:func:`diverse_top`;
    ``clusters`` default: those of ``candidates``).
    """
    clusters = clusters or Clusters.from_candidates(candidates)
    is_candidate = candidates[CandidateCols.IS_CANDIDATE]
    views = []
    for strategy in STRATEGIES:
        mine = candidates[CandidateCols.STRATEGY] == strategy
        rows = candidates[mine & is_candidate].sort_values(CandidateCols.RANK, kind="stable")
        shown, held = diverse_top(rows, top, per_cluster, clusters)
        genes = targets[
            targets[TargetCols.STRATEGIES]
            .fillna("")
            .astype(str)
            .str.split(";")
            .map(lambda tokens, s=strategy: s in tokens)
        ]
        resolved = set(genes.loc[genes[TargetCols.STATUS] == "resolved", TargetCols.GENE_SYMBOL])
        every = list(dict.fromkeys(genes[TargetCols.GENE_SYMBOL].astype(str)))
        views.append(
            StrategyView(
                name=strategy,
                text=STRATEGY_TEXT[strategy],
                n_candidates=len(rows),
                n_contrary=int((mine & ~is_candidate).sum()),
                genes_resolved=tuple(g for g in every if g in resolved),
                genes_unresolved=tuple(g for g in every if g not in resolved),
                top=tuple(
                    replace(
                        _candidate_view(record, weights),
                        cluster=_cluster_note(rows, position, held, clusters),
                    )
                    for position, record in zip(shown, _records(rows.iloc[shown]), strict=True)
                ),
            )
        )
    return views


#: Colour, cell text and meaning of each selectivity state: Okabe-Ito colours (colour-blind safe),
#: and a symbol in every cell that has no number, so no state rests on colour alone. "Not tested"
#: is a hatched white cell, never a shade of the grey that means "inactive".
SELECTIVITY_STATES: Final = {
    "potent": ("#0072B2", "", "potent: best median pChEMBL at or above the active threshold"),
    "active_weak": ("#56B4E9", "", "active but weak: measured below the active threshold"),
    "mechanism_only": ("#009E73", "M", "a drug_mechanism record, no measurement"),
    "contrary": ("#D55E00", "C", "contrary: moves the gene against the panel's direction"),
    "unquantified": ("#F0E442", "?", "tested, no potency: '<' bounds, single-point, set aside"),
    "inactive": ("#A3A3A3", "\u2013", "inactive-side evidence only ('>' values, Not Active)"),
    "not_tested": ("#FFFFFF", "", "not tested: no evidence row on the gene's targets"),
}
#: The heading of each ranking scope's report section (``rank_by`` puts one first).
SCOPE_SECTIONS: Final = {"strategy": "strategies", "entry": "pathways", "gene": "genes"}


@dataclass(frozen=True)
class RankedView:
    """One rankings.csv row as the report shows it, with its ranks in the strategies."""

    row: Mapping[str, Any]
    smiles: str
    structure: str | None
    segments: tuple[Segment, ...]
    penalty: Segment | None
    targets: tuple[str, ...]
    strategy_ranks: tuple[tuple[str, int, int], ...]  # (strategy, rank, candidates)
    cluster: ClusterNote | None = None


@dataclass(frozen=True)
class HeatCell:
    """One (compound, gene) cell of a selectivity heat map."""

    gene: str
    state: str
    text: str
    title: str
    own: bool  # the gene belongs to the section's panel entry
    first: bool  # the first gene of its panel entry's column group


@dataclass(frozen=True)
class HeatRow:
    """One compound's row of a heat map."""

    rank: int
    molecule: str
    name: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class HeatMap:
    """A compound x panel gene heat map: columns grouped by panel entry."""

    groups: tuple[tuple[str, int, bool], ...]  # (entry label, genes, the section's own entry)
    genes: tuple[tuple[str, bool, bool], ...]  # (gene, the section's own, first of its group)
    rows: tuple[HeatRow, ...]
    missing: int  # top compounds selectivity.csv does not hold (a re-render with a larger --top)


@dataclass(frozen=True)
class EntryView:
    """One panel entry's section: its top candidates by entry rank, and their selectivity."""

    label: str
    anchor: str
    strategies: str
    genes: tuple[str, ...]
    n_ranked: int
    top: tuple[RankedView, ...]
    heatmap: HeatMap | None
    caution: str


@dataclass(frozen=True)
class GeneView:
    """One panel gene's top candidates by gene rank (a compact table, no structures)."""

    gene: str
    entries: str
    strategies: str
    n_ranked: int
    top: tuple[Mapping[str, Any], ...]
    clusters: tuple[ClusterNote | None, ...] = ()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _missing_as_none(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _anchor(label: str) -> str:
    """A fragment id for a panel entry label (``NF-κB`` -> ``entry-nf-b``); unique per page."""
    import re

    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return f"entry-{slug or 'x'}"


def _heatmap(
    selectivity: pd.DataFrame | None,
    targets: pd.DataFrame,
    ranked: Sequence[Mapping[str, Any]],
    own_entry: str,
) -> HeatMap | None:
    """The heat map of ``ranked`` compounds (in rank order) against the resolved panel genes."""
    resolved = targets[targets[TargetCols.STATUS] == "resolved"]
    if selectivity is None or not ranked or resolved.empty:
        return None
    first_entry: dict[str, str] = {}
    for label, gene in zip(
        resolved[TargetCols.LABEL], resolved[TargetCols.GENE_SYMBOL], strict=True
    ):
        first_entry.setdefault(str(gene), str(label))
    own_genes = set(resolved.loc[resolved[TargetCols.LABEL] == own_entry, TargetCols.GENE_SYMBOL])
    genes = list(first_entry)
    groups: list[tuple[str, int, bool]] = []
    starts: set[str] = set()
    for gene in genes:
        label = first_entry[gene]
        if groups and groups[-1][0] == label:
            groups[-1] = (label, groups[-1][1] + 1, groups[-1][2])
        else:
            groups.append((label, 1, label == own_entry))
            starts.add(gene)
    cells_of = {
        (str(m), str(g)): r
        for m, g, r in zip(
            selectivity[SelectivityCols.MOLECULE_CHEMBL_ID],
            selectivity[SelectivityCols.GENE_SYMBOL],
            selectivity.to_dict("records"),
            strict=True,
        )
    }
    held = {molecule for molecule, _gene in cells_of}
    rows: list[HeatRow] = []
    missing = 0
    for row in ranked:
        molecule = str(row[RankingCols.MOLECULE_CHEMBL_ID])
        if molecule not in held:
            missing += 1
            continue
        cells = []
        for gene in genes:
            cell = cells_of.get((molecule, gene))
            state = str(cell[SelectivityCols.STATE]) if cell else "not_tested"
            best = cell_number(cell[SelectivityCols.BEST_PCHEMBL]) if cell else None
            n_assays = int(cell[SelectivityCols.N_ASSAYS]) if cell else 0
            _colour, symbol, meaning = SELECTIVITY_STATES[state]
            text = f"{best:.1f}" if best is not None and state != "contrary" else symbol
            detail = [meaning]
            if best is not None:
                detail.append(f"best median pChEMBL {best:.2f}")
            if n_assays:
                detail.append(f"{n_assays} assay{'s' if n_assays != 1 else ''}")
            if cell and int(cell[SelectivityCols.CENSORED_INACTIVE]):
                detail.append(
                    f"{int(cell[SelectivityCols.CENSORED_INACTIVE])} inactive-side values"
                )
            cells.append(
                HeatCell(
                    gene,
                    state,
                    text,
                    f"{gene}: " + "; ".join(detail),
                    gene in own_genes,
                    gene in starts,
                )
            )
        rows.append(
            HeatRow(
                int(row[RankingCols.RANK]),
                molecule,
                cell_text(row.get(RankingCols.PREF_NAME)),
                tuple(cells),
            )
        )
    return HeatMap(
        tuple(groups),
        tuple((g, g in own_genes, g in starts) for g in genes),
        tuple(rows),
        missing,
    )


def entry_views(
    rankings: pd.DataFrame | None,
    selectivity: pd.DataFrame | None,
    candidates: pd.DataFrame,
    targets: pd.DataFrame,
    weights: Mapping[str, float],
    top: int,
    per_cluster: int = Settings.cluster_top,
    clusters: Clusters | None = None,
) -> list[EntryView]:
    """Per panel entry with ranked candidates, in panel order: its top ``top`` by entry rank.

    At most ``per_cluster`` members of one chemical cluster are shown (:func:`diverse_top`;
    ``clusters`` default: those of ``candidates``).
    """
    if rankings is None or rankings.empty:
        return []
    clusters = clusters or Clusters.from_candidates(candidates)
    scope = rankings[RankingCols.SCOPE]
    strategy_rows = rankings[scope == "strategy"]
    strategy_rank = {
        (str(m), str(k)): int(r)
        for m, k, r in zip(
            strategy_rows[RankingCols.MOLECULE_CHEMBL_ID],
            strategy_rows[RankingCols.KEY],
            strategy_rows[RankingCols.RANK],
            strict=True,
        )
    }
    n_strategy = strategy_rows.groupby(RankingCols.KEY)[RankingCols.MOLECULE_CHEMBL_ID].size()
    smiles = candidates.drop_duplicates(CandidateCols.MOLECULE_CHEMBL_ID).set_index(
        CandidateCols.MOLECULE_CHEMBL_ID
    )[CandidateCols.CANONICAL_SMILES]
    entries = rankings[scope == "entry"]
    cautions = {
        str(label): cell_text(caution)
        for label, caution in zip(
            targets[TargetCols.LABEL], targets[TargetCols.CAUTION], strict=True
        )
    }
    views = []
    for label in dict.fromkeys(targets[TargetCols.LABEL].astype(str)):
        rows = entries[entries[RankingCols.KEY] == label].sort_values(
            RankingCols.RANK, kind="stable"
        )
        if rows.empty:
            continue
        positions, held = diverse_top(rows, top, per_cluster, clusters)
        shown = _records(rows.iloc[positions])
        ranked = []
        for position, row in zip(positions, shown, strict=True):
            molecule = str(row[RankingCols.MOLECULE_CHEMBL_ID])
            segments, penalty = score_segments(row, weights)
            drawn = cell_text(smiles.get(molecule, ""))
            ranked.append(
                RankedView(
                    row=row,
                    smiles=drawn,
                    structure=structure_data_uri(drawn),
                    segments=segments,
                    penalty=penalty,
                    targets=tuple(split_tokens(cell_text(row.get(RankingCols.TARGETS)))),
                    strategy_ranks=tuple(
                        (s, strategy_rank[(molecule, s)], int(n_strategy.get(s, 0)))
                        for s in split_tokens(cell_text(row.get(RankingCols.STRATEGIES)))
                        if (molecule, s) in strategy_rank
                    ),
                    cluster=_cluster_note(rows, position, held, clusters),
                )
            )
        resolved = targets[
            (targets[TargetCols.LABEL] == label) & (targets[TargetCols.STATUS] == "resolved")
        ]
        views.append(
            EntryView(
                label=label,
                anchor=_anchor(label),
                strategies=cell_text(shown[0].get(RankingCols.STRATEGIES)),
                genes=tuple(dict.fromkeys(resolved[TargetCols.GENE_SYMBOL].astype(str))),
                n_ranked=len(rows),
                top=tuple(ranked),
                heatmap=_heatmap(selectivity, targets, shown, label),
                caution=cautions.get(label, ""),
            )
        )
    return views


def gene_views(
    rankings: pd.DataFrame | None,
    targets: pd.DataFrame,
    top: int,
    per_cluster: int = Settings.cluster_top,
    clusters: Clusters | None = None,
) -> list[GeneView]:
    """Per panel gene with ranked candidates, in panel order: its top ``top`` by gene rank.

    At most ``per_cluster`` members of one chemical cluster are shown (:func:`diverse_top`).
    """
    if rankings is None or rankings.empty:
        return []
    clusters = clusters or Clusters({}, {}, {})
    genes = rankings[rankings[RankingCols.SCOPE] == "gene"]
    views = []
    for gene in dict.fromkeys(targets[TargetCols.GENE_SYMBOL].astype(str)):
        rows = genes[genes[RankingCols.KEY] == gene].sort_values(RankingCols.RANK, kind="stable")
        if rows.empty:
            continue
        first = rows.iloc[0]
        positions, held = diverse_top(rows, top, per_cluster, clusters)
        views.append(
            GeneView(
                gene=gene,
                entries=cell_text(first[RankingCols.ENTRIES]),
                strategies=cell_text(first[RankingCols.STRATEGIES]),
                n_ranked=len(rows),
                top=tuple(_records(rows.iloc[positions])),
                clusters=tuple(_cluster_note(rows, p, held, clusters) for p in positions),
            )
        )
    return views


def potency_plot(evidence: pd.DataFrame, genes: Sequence[str], active_pchembl: float) -> str:
    """Per-gene distributions of compound potency (best median pChEMBL), as inline SVG.

    One horizontal box per panel gene with evidence, the active threshold as a dashed line. Text
    stays text (``svg.fonttype = none``) and the SVG carries no date, so a re-render of the same
    run gives the same bytes.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    best = _best_potency(evidence)
    present = set(best.index.get_level_values(0)) if len(best) else set()
    shown = [g for g in dict.fromkeys(genes) if g in present]
    if not shown:
        return ""
    data = [best.loc[g].to_numpy(dtype=float) for g in shown]
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "senotarget", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(shown) + 1.0))
        try:
            ax.boxplot(
                data,
                orientation="horizontal",
                widths=0.6,
                showfliers=True,
                flierprops={"markersize": 2, "alpha": 0.4},
                medianprops={"color": COMPONENT_COLOURS[CandidateCols.POTENCY]},
            )
            ax.set_yticks(
                range(1, len(shown) + 1),
                [f"{g} (n={len(d)})" for g, d in zip(shown, data, strict=True)],
            )
            ax.invert_yaxis()
            ax.axvline(active_pchembl, color="#D55E00", linestyle="--", linewidth=1)
            ax.set_xlabel(
                f"best median pChEMBL per compound (dashed: active threshold {active_pchembl:g})"
            )
            ax.grid(axis="x", alpha=0.3)
            fig.tight_layout()
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def methods() -> list[Method]:
    """Every rule the run applied, from the stage modules' own registries."""
    from senotarget.stages import chemistry, classify, curate, rank, resolve, score

    rules = [
        Method("curate", f"{rule.id} ({rule.severity})", rule.explanation, rule.citation)
        for rule in curate.RULES
    ]
    return [
        *resolve.METHODS,
        *curate.METHODS,
        *rules,
        *chemistry.METHODS,
        *classify.METHODS,
        *score.METHODS,
        *rank.METHODS,
    ]


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        out: list[tuple[str, str]] = []
        for key, inner in value.items():
            out.extend(_flatten(inner, f"{prefix}{key}."))
        return out
    return [(prefix.rstrip("."), "" if value is None else str(value))]


def _curation_rows(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    from senotarget.stages import curate

    hits = manifest.get("curation_rule_hits", {})
    return [
        {
            "id": rule.id,
            "severity": rule.severity,
            "count": int(hits.get(rule.id, 0)),
            "explanation": rule.explanation,
            "citation": rule.citation,
        }
        for rule in curate.RULES
    ]


#: Every manifest key the page reads, with what it shows when a manifest lacks it (a run written
#: by an older version, or a hand-made folder): a missing key is an empty cell, not a crash.
_MANIFEST_SKELETON: Final[dict[str, Any]] = {
    "run_id": "",
    "created_utc": "",
    "tool": {"name": "senotarget", "version": ""},
    "chembl": {"release": "", "source": "", "location": "", "source_reason": ""},
    "panel": {"name": "", "source": "", "sha256": ""},
    "settings": {},
    "counts": {
        "panel_genes": 0,
        "targets_resolved": 0,
        "activities": 0,
        "activities_excluded": 0,
        "parent_compounds": 0,
    },
    "curation_rule_hits": {},
    "timings_seconds": {},
    "previous_run": {"run_id": "", "path": "", "chembl_release": ""},
    "refresh_reasons": [],
}


def _with_defaults(value: Any, skeleton: Any) -> Any:
    if not isinstance(skeleton, dict):
        return skeleton if value is None else value
    given = value if isinstance(value, Mapping) else {}
    merged = dict(given)
    for key, default in skeleton.items():
        merged[key] = _with_defaults(given.get(key), default)
    return merged


#: Rows of each kind of change shown on the page (changes.csv has them all).
CHANGES_SHOWN: Final = 100


@dataclass(frozen=True)
class ValidationView:
    """One strategy's known compounds: how many were found, and each one's row."""

    strategy: str
    n_known: int
    n_found: int
    rows: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class ChangeGroup:
    """One kind of change: how many rows, and the first :data:`CHANGES_SHOWN` of them."""

    kind: str
    total: int
    rows: tuple[Mapping[str, Any], ...]


def validation_views(validation: pd.DataFrame | None) -> list[ValidationView]:
    """Known compounds per expected strategy, in strategy order."""
    if validation is None or validation.empty:
        return []
    views = []
    for strategy in STRATEGIES:
        rows = validation[validation[ValidationCols.EXPECTED] == strategy]
        if rows.empty:
            continue
        records = tuple(
            {str(k): _missing_as_none(v) for k, v in r.items()} for r in rows.to_dict("records")
        )
        views.append(
            ValidationView(
                strategy,
                len(rows),
                int((rows[ValidationCols.STATUS] == "found").sum()),
                records,
            )
        )
    return views


def change_groups(changes: pd.DataFrame | None) -> list[ChangeGroup]:
    """Changes per kind, in :data:`CHANGE_KINDS` order, every kind listed (zero when none)."""
    if changes is None:
        return []
    groups = []
    for kind in CHANGE_KINDS:
        rows = changes[changes[ChangeCols.CHANGE] == kind]
        records = tuple(
            {str(k): "" if _missing_as_none(v) is None else v for k, v in r.items()}
            for r in rows.head(CHANGES_SHOWN).to_dict("records")
        )
        groups.append(ChangeGroup(kind, len(rows), records))
    return groups


def render_html(
    candidates: pd.DataFrame,
    evidence: pd.DataFrame,
    targets: pd.DataFrame,
    manifest: Mapping[str, Any],
    top: int = Settings.report_top,
    *,
    per_cluster: int = Settings.cluster_top,
    validation: pd.DataFrame | None = None,
    changes: pd.DataFrame | None = None,
    rankings: pd.DataFrame | None = None,
    selectivity: pd.DataFrame | None = None,
) -> str:
    """The report page for one run's tables and manifest.

    :param top: candidates shown per strategy, panel entry and gene (the rest are in the CSVs)
    :param per_cluster: members of one chemical cluster shown in a top list (the rest are named
        under the cluster's last shown member)
    :param validation: the run's validation.csv, for the "Validation" section
    :param changes: the run's changes.csv (a refresh), for the "What changed" section
    :param rankings: the run's rankings.csv, for the per-pathway and per-gene sections (a run
        written before the rank stage has none: the page has the strategy sections only)
    :param selectivity: the run's selectivity.csv, for the heat maps of the per-pathway section
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined

    manifest = _with_defaults(manifest, _MANIFEST_SKELETON)
    # The report stage's own time is known only after this page is written (manifest.json has
    # it); the page leaves it out, so that re-rendering a run gives the page the run gave.
    timings = {k: v for k, v in manifest.get("timings_seconds", {}).items() if k != "report"}
    manifest = {**manifest, "timings_seconds": timings}
    settings = manifest["settings"]
    weights = {k: float(v) for k, v in settings.get("weights", {}).items()}
    thresholds = settings.get("thresholds", {})
    active = float(thresholds.get("active_pchembl", Thresholds.active_pchembl))
    min_rank_move = int(settings.get("min_rank_move") or Settings.min_rank_move)
    rank_by = str(settings.get("rank_by") or Settings.rank_by)
    if rank_by not in SCOPE_SECTIONS:
        rank_by = Settings.rank_by
    sections = [
        SCOPE_SECTIONS[rank_by],
        *(s for s in SCOPE_SECTIONS.values() if s != SCOPE_SECTIONS[rank_by]),
    ]
    panel_genes = list(dict.fromkeys(targets[TargetCols.GENE_SYMBOL].astype(str)))
    clusters = Clusters.from_candidates(candidates)
    entries = entry_views(
        rankings, selectivity, candidates, targets, weights, top, per_cluster, clusters
    )
    ranked = {e.label for e in entries}
    environment = Environment(
        loader=PackageLoader("senotarget.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["num"] = _format_number
    environment.globals.update(
        compound_url=CHEMBL_COMPOUND_URL.format, target_url=CHEMBL_TARGET_URL.format
    )
    template = environment.get_template("report.html.j2")
    return template.render(
        manifest=manifest,
        strategies=strategy_views(candidates, targets, weights, top, per_cluster, clusters),
        targets=target_views(targets, evidence, candidates),
        potency_svg=potency_plot(evidence, panel_genes, active),
        curation=_curation_rows(manifest),
        methods=methods(),
        weights=weights,
        colours=COMPONENT_COLOURS,
        components=CandidateCols.COMPONENTS,
        provenance=_flatten({k: v for k, v in manifest.items() if k != "settings"}),
        settings_rows=_flatten(settings),
        manifest_json=json.dumps(manifest, indent=2, default=str),
        top=top,
        min_rank_move=min_rank_move,
        validation=validation_views(validation),
        changes=change_groups(changes),
        changes_shown=CHANGES_SHOWN,
        entries=entries,
        entries_without=[
            e for e in dict.fromkeys(targets[TargetCols.LABEL].astype(str)) if e not in ranked
        ],
        genes=gene_views(rankings, targets, top, per_cluster, clusters),
        per_cluster=per_cluster,
        # --rank-by entry or gene: that section leads, right after the summary; the strategy
        # sections keep their place after the targets table
        lead_section=sections[0] if rank_by != "strategy" else "",
        ranking_sections=sections[1:] if rank_by != "strategy" else sections,
        rank_by=rank_by,
        states=SELECTIVITY_STATES,
    )


def _format_number(value: Any, digits: int = 2) -> str:
    number = cell_number(value)
    if number is None:
        return ""
    if number == int(number) and abs(number) < 1e15 and digits == 0:
        return str(int(number))
    return f"{number:.{digits}f}"
