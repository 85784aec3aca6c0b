"""Resolve panel genes to ChEMBL targets: the single protein and every complex or family holding it.

ChEMBL records much of its evidence on multi-protein targets (e.g. ruxolitinib-class mechanisms on
the "Janus Kinase (JAK)" PROTEIN FAMILY, rapalogs on FKBP12/mTOR complexes), so a panel gene reaches
every target that contains its component (ChEMBL target types,
https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions/chembl-data-questions).
Each row records the target type and the assay confidence threshold that applies to it: 8 for single
proteins, 6 for complexes, families and groups (DESIGN §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from senotarget.errors import UnknownTargetError
from senotarget.schema import (
    SINGLE_PROTEIN,
    ComponentCols,
    Method,
    Panel,
    TargetCols,
    join_tokens,
)

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Thresholds

__all__ = [
    "METHODS",
    "confidence_threshold",
    "require_resolved",
    "resolve_targets",
    "resolved_only",
]

_TARGET_TYPES: Final = (
    "ChEMBL target types (https://chembl.gitbook.io/chembl-interface-documentation/"
    "frequently-asked-questions/chembl-data-questions)"
)
#: The resolution rules, for the report's Methods section.
METHODS: Final = (
    Method(
        "resolve",
        "gene to targets",
        "A panel gene (HGNC symbol or UniProt accession) matches ChEMBL target components by "
        "GENE_SYMBOL / GENE_SYMBOL_OTHER synonym or accession, human (tax_id 9606) only; it "
        "reaches the single protein and every complex, family or group that contains it, because "
        "ChEMBL records much mechanism evidence on families (JAK, AKT) and complexes (mTORC1).",
        _TARGET_TYPES,
    ),
    Method(
        "resolve",
        "status",
        "resolved: the gene's own single protein and its complexes and families; ambiguous: the "
        "gene matches several single proteins and none by its own symbol or accession (not "
        "fetched); unresolved: no target in this release. Every gene stays in targets.csv with "
        "the reason.",
        _TARGET_TYPES,
    ),
)


def confidence_threshold(target_type: str, thresholds: Thresholds) -> int:
    """Minimum assay confidence_score for a target type (ChEMBL confidence scale 0-9)."""
    if target_type == SINGLE_PROTEIN:
        return thresholds.confidence_single
    return thresholds.confidence_group


def resolve_targets(panel: Panel, components: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Map every (entry, gene) of the panel onto ChEMBL targets.

    :param panel: the validated panel
    :param components: a source's :meth:`search_targets` answer for the panel's genes
    :param thresholds: gives the confidence threshold per target type
    :returns: :class:`TargetCols` rows, one per (entry, gene, target); a gene with no target gets
        one ``unresolved`` row. ``status`` is ``resolved``; ``ambiguous`` when the gene matches
        more than one single-protein target and not exactly one of them by its own gene symbol or
        accession (alias-only matches are dropped when exactly one is); ambiguous rows are not
        fetched. ``unresolved`` when nothing matches.
    """
    import pandas as pd

    rows: list[dict[str, object]] = []
    by_query = {q: g for q, g in components.groupby(ComponentCols.QUERY, sort=False)}
    for entry in panel.entries:
        strategies = join_tokens(list(entry.strategies))
        base = {
            TargetCols.LABEL: entry.label,
            TargetCols.STRATEGIES: strategies,
            TargetCols.DIRECTION: entry.direction,
            TargetCols.PATHWAY: entry.pathway,
            TargetCols.CAUTION: entry.caution,
        }
        for gene in entry.genes:
            hits = by_query.get(gene.upper(), by_query.get(gene))
            if hits is None or hits.empty:
                rows.append(
                    {
                        **base,
                        TargetCols.GENE_SYMBOL: gene,
                        TargetCols.TARGET_CHEMBL_ID: "",
                        TargetCols.TARGET_TYPE: "",
                        TargetCols.STATUS: "unresolved",
                        TargetCols.REASON: (
                            f"no ChEMBL target component has gene symbol or accession {gene} "
                            f"in taxon {thresholds.tax_id}"
                        ),
                        TargetCols.TARGET_PREF_NAME: "",
                        TargetCols.ACCESSION: "",
                        TargetCols.MATCHED_BY: "",
                        TargetCols.N_COMPONENTS: 0,
                        TargetCols.CONFIDENCE_MIN: pd.NA,
                    }
                )
                continue
            rows.extend(_rows_for_gene(gene, hits, base, thresholds))
    frame = pd.DataFrame(rows, columns=list(TargetCols.ORDER))
    frame[TargetCols.N_COMPONENTS] = frame[TargetCols.N_COMPONENTS].astype("int64")
    frame[TargetCols.CONFIDENCE_MIN] = frame[TargetCols.CONFIDENCE_MIN].astype("Int64")
    return TargetCols.check(frame, "resolve")


def _rows_for_gene(
    gene: str, hits: pd.DataFrame, base: Mapping[str, object], thresholds: Thresholds
) -> list[dict[str, object]]:
    # One row per target: a target matched both by symbol and by an alias keeps the symbol match.
    order = {"gene_symbol": 0, "accession": 1, "gene_symbol_other": 2}
    hits = hits.assign(_rank=hits[ComponentCols.MATCHED_BY].map(order).fillna(3))
    hits = hits.sort_values(["_rank", ComponentCols.TARGET_CHEMBL_ID]).drop_duplicates(
        ComponentCols.TARGET_CHEMBL_ID
    )
    singles = hits[hits[ComponentCols.TARGET_TYPE] == SINGLE_PROTEIN]
    ambiguous_ids: set[str] = set()
    if len(singles) > 1:
        primary = singles[singles[ComponentCols.MATCHED_BY] != "gene_symbol_other"]
        if len(primary) == 1:
            ambiguous_ids = set()  # the alias matches are other genes: drop them below
            hits = hits[
                (hits[ComponentCols.TARGET_TYPE] != SINGLE_PROTEIN)
                | (
                    hits[ComponentCols.TARGET_CHEMBL_ID].isin(
                        primary[ComponentCols.TARGET_CHEMBL_ID]
                    )
                )
            ]
        else:
            ambiguous_ids = set(singles[ComponentCols.TARGET_CHEMBL_ID])
    single_rank = {SINGLE_PROTEIN: 0}
    hits = hits.assign(_type_rank=hits[ComponentCols.TARGET_TYPE].map(single_rank).fillna(1))
    hits = hits.sort_values(["_type_rank", ComponentCols.TARGET_CHEMBL_ID])

    out: list[dict[str, object]] = []
    for record in hits.to_dict("records"):
        target_id = str(record[ComponentCols.TARGET_CHEMBL_ID])
        target_type = str(record[ComponentCols.TARGET_TYPE])
        n_components = int(record[ComponentCols.N_COMPONENTS])
        matched_by = str(record[ComponentCols.MATCHED_BY])
        if target_id in ambiguous_ids:
            status = "ambiguous"
            others = ", ".join(sorted(ambiguous_ids - {target_id}))
            reason = f"{gene} matches several single-protein targets ({others} too); not fetched"
        elif target_type == SINGLE_PROTEIN:
            status, reason = "resolved", f"single protein matched by {matched_by.replace('_', ' ')}"
        else:
            status = "resolved"
            reason = f"{target_type.lower()} of {n_components} components containing {gene}"
        out.append(
            {
                **base,
                TargetCols.GENE_SYMBOL: gene,
                TargetCols.TARGET_CHEMBL_ID: target_id,
                TargetCols.TARGET_TYPE: target_type,
                TargetCols.STATUS: status,
                TargetCols.REASON: reason,
                TargetCols.TARGET_PREF_NAME: record[ComponentCols.TARGET_PREF_NAME] or "",
                TargetCols.ACCESSION: record[ComponentCols.ACCESSION] or "",
                TargetCols.MATCHED_BY: matched_by,
                TargetCols.N_COMPONENTS: n_components,
                TargetCols.CONFIDENCE_MIN: confidence_threshold(target_type, thresholds),
            }
        )
    return out


def resolved_only(targets: pd.DataFrame) -> pd.DataFrame:
    """The rows whose targets are fetched (status ``resolved``)."""
    return targets[targets[TargetCols.STATUS] == "resolved"]


def require_resolved(targets: pd.DataFrame, location: str) -> None:
    """Stop a run none of whose panel genes resolved: there is nothing to fetch.

    :raises UnknownTargetError: no row of ``targets`` is ``resolved``
    """
    if not (targets[TargetCols.STATUS] == "resolved").any():
        genes = ", ".join(targets[TargetCols.GENE_SYMBOL].unique()[:6])
        raise UnknownTargetError(
            f"no panel gene resolved to a ChEMBL target in {location} ({genes} ...)",
            "check the gene symbols (HGNC) or accessions in the panel, "
            "and that the release covers them",
        )
