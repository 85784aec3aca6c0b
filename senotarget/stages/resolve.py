"""Resolve panel genes to ChEMBL targets: the single protein and every complex or family holding it.

ChEMBL records much of its evidence on multi-protein targets (e.g. ruxolitinib-class mechanisms on
the "Janus Kinase (JAK)" PROTEIN FAMILY, rapalogs on FKBP12/mTOR complexes), so a panel gene reaches
every target that contains its component (ChEMBL target types,
https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions/chembl-data-questions).
Each row records the target type and the assay confidence threshold that applies to it: 8 for single
proteins, 6 for complexes, families and groups (DESIGN §4).

A panel entry's mechanism partners (:class:`senotarget.schema.MechanismPartner`) are resolved too,
to their single-protein targets only: such a row carries the entry gene the partner's
drug_mechanism records count for in ``gene_symbol`` and the partner in ``partner``, so the partner
is never ranked itself and its records reach the entry gene's calls (FKBP1A for MTOR: ChEMBL
records the rapalogs' mechanism on FKBP12, whose rapamycin complex binds mTOR's FRB domain, Choi
et al. 1996 Science 273:239). Complexes holding the partner are other biology (RyR1/FKBP12) or
already reached through the entry's gene (FKBP12A/mTOR). The entry's assay exclusions
(:class:`senotarget.schema.AssayExclusion`) travel on its own rows, for the curate stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from senotarget.errors import UnknownTargetError
from senotarget.schema import (
    SINGLE_PROTEIN,
    ComponentCols,
    MechanismPartner,
    Method,
    Panel,
    PanelEntry,
    TargetCols,
    join_tokens,
)

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Thresholds

__all__ = [
    "METHODS",
    "confidence_threshold",
    "own_targets",
    "partner_targets",
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
        "mechanism partners",
        "A panel entry may name a mechanism partner of one of its genes: a protein whose "
        "drug_mechanism records count for that gene, on a stated condition (FKBP1A for MTOR, "
        "for rapamycin-site ligands). The partner resolves to its single-protein target; the "
        "run fetches that target's mechanism records, never its activities, and never ranks the "
        "partner itself.",
        "Choi et al. 1996 Science 273:239 (FKBP12-rapamycin binds the FRB domain of mTOR)",
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
            TargetCols.PARTNER: "",
            TargetCols.PARTNER_REQUIRES: "",
            **_exclusion_columns(entry),
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
        for partner in entry.partners:
            hits = by_query.get(partner.gene.upper(), by_query.get(partner.gene))
            rows.extend(_partner_rows(partner, hits, base, thresholds))
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


def _exclusion_columns(entry: PanelEntry) -> dict[str, str]:
    """The entry's assay exclusions as targets.csv cells (patterns and keep-words, ``;``-joined)."""
    patterns = [p for exclusion in entry.assay_exclusions for p in exclusion.patterns]
    unless = [u for exclusion in entry.assay_exclusions for u in exclusion.unless]
    return {
        TargetCols.OTHER_PROTEIN_ASSAYS: join_tokens(patterns),
        TargetCols.OTHER_PROTEIN_UNLESS: join_tokens(unless),
    }


def _partner_rows(
    partner: MechanismPartner,
    hits: pd.DataFrame | None,
    base: Mapping[str, object],
    thresholds: Thresholds,
) -> list[dict[str, object]]:
    """targets.csv rows of one mechanism partner: its single-protein targets.

    A resolved row names the entry gene the partner's records count for (``gene_symbol``) and
    the partner (``partner``); a partner that does not resolve gets one row under its own symbol
    saying so.
    """
    import pandas as pd

    own = {
        **base,
        TargetCols.PARTNER: partner.gene,
        TargetCols.PARTNER_REQUIRES: partner.requires or "",
        TargetCols.OTHER_PROTEIN_ASSAYS: "",
        TargetCols.OTHER_PROTEIN_UNLESS: "",
    }
    singles = None if hits is None else hits[hits[ComponentCols.TARGET_TYPE] == SINGLE_PROTEIN]
    condition = f"{partner.requires} ligands only" if partner.requires else "every ligand"
    what = (
        f"mechanism partner {partner.gene} of {partner.acts_on} ({partner.via}; "
        f"{partner.citation}): its drug_mechanism records count for {partner.acts_on}, "
        f"{condition}; its activities are not fetched"
    )
    if singles is None or singles.empty:
        return [
            {
                **own,
                TargetCols.GENE_SYMBOL: partner.gene,
                TargetCols.TARGET_CHEMBL_ID: "",
                TargetCols.TARGET_TYPE: "",
                TargetCols.STATUS: "unresolved",
                TargetCols.REASON: (
                    f"{what}; no ChEMBL single-protein target has gene symbol or accession "
                    f"{partner.gene} in taxon {thresholds.tax_id}"
                ),
                TargetCols.TARGET_PREF_NAME: "",
                TargetCols.ACCESSION: "",
                TargetCols.MATCHED_BY: "",
                TargetCols.N_COMPONENTS: 0,
                TargetCols.CONFIDENCE_MIN: pd.NA,
            }
        ]
    out: list[dict[str, object]] = []
    for row in _rows_for_gene(partner.gene, singles, own, thresholds):
        if row[TargetCols.STATUS] == "resolved":
            row[TargetCols.GENE_SYMBOL] = partner.acts_on
            row[TargetCols.REASON] = f"{what}; {row[TargetCols.REASON]}"
        else:
            row[TargetCols.REASON] = f"{what}; {row[TargetCols.REASON]}"
        out.append(row)
    return out


def resolved_only(targets: pd.DataFrame) -> pd.DataFrame:
    """The rows whose targets are fetched (status ``resolved``), own and partner targets."""
    return targets[targets[TargetCols.STATUS] == "resolved"]


def _partner_mask(targets: pd.DataFrame) -> pd.Series:
    if TargetCols.PARTNER not in targets.columns:
        return targets[TargetCols.STATUS] != targets[TargetCols.STATUS]  # all False
    return targets[TargetCols.PARTNER].astype(object).fillna("").astype(str) != ""


def own_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """Resolved rows of the entries' own genes (their activities and mechanisms are fetched)."""
    resolved = resolved_only(targets)
    return resolved[~_partner_mask(resolved)]


def partner_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """Resolved rows of mechanism partners (only their mechanism records are fetched)."""
    resolved = resolved_only(targets)
    return resolved[_partner_mask(resolved)]


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
            genes=targets[TargetCols.GENE_SYMBOL].unique().tolist(),
        )
