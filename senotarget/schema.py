"""Records, vocabularies and column names of every table passed between stages.

Stages exchange frozen records (panels, run metadata) and pandas DataFrames whose columns are
named here and nowhere else. Each ``*Cols`` class holds one table's column names as constants and
``ORDER``, the column order in which the table is written; a stage that adds a column adds it here
first. ``Literal`` aliases are the closed vocabularies; ``*_VALUES`` tuples are the same sets at run
time (for validation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, get_args

#: An HGNC-style gene symbol (letters, digits, hyphen, dot; e.g. ``BCL2L1``, ``HLA-A``) or a
#: UniProt accession (https://www.uniprot.org/help/accession_numbers).
GENE_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,29}$")
UNIPROT_PATTERN: Final = re.compile(
    r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})$"
)

if TYPE_CHECKING:
    import pandas as pd

Strategy: TypeAlias = Literal["senolytic", "senomorphic", "senoreverter"]
STRATEGIES: Final[tuple[Strategy, ...]] = get_args(Strategy)

#: The way a panel entry wants its target moved (DESIGN §3).
Direction: TypeAlias = Literal["inhibit", "activate"]
DIRECTIONS: Final[tuple[Direction, ...]] = get_args(Direction)

#: What a compound's direction call on a target rests on (DESIGN §4, §7). ``mechanism``: a ChEMBL
#: drug_mechanism record or an activity-level action_type that moves the target the way the panel
#: wants; ``inferred``: potency from inhibition-type (or activation-type) measurements alone;
#: ``contrary``: the evidence moves the target the other way.
DirectionBasis: TypeAlias = Literal["mechanism", "inferred", "contrary"]
DIRECTION_BASES: Final[tuple[DirectionBasis, ...]] = get_args(DirectionBasis)

#: The sign of a ChEMBL ``action_type`` (its ``parent_type`` in the action_type lookup).
ActionSign: TypeAlias = Literal["negative", "positive", "other"]

#: Row status, ordered by severity (``exclude > flag > ok``), one vocabulary in every stage.
Status: TypeAlias = Literal["ok", "flag", "exclude"]
STATUS_RANK: Final[dict[str, int]] = {"ok": 0, "flag": 1, "exclude": 2}

TargetStatus: TypeAlias = Literal["resolved", "ambiguous", "unresolved"]

#: How a compound's parent was found (DESIGN §4: say which).
ParentBasis: TypeAlias = Literal["molecule_hierarchy", "structure_pipeline", "self", "no_structure"]

SourceKind: TypeAlias = Literal["auto", "web", "sql"]
SOURCE_KINDS: Final[tuple[SourceKind, ...]] = get_args(SourceKind)

#: Target types whose assays must reach the single-protein confidence threshold.
SINGLE_PROTEIN: Final = "SINGLE PROTEIN"


@dataclass(frozen=True)
class PanelEntry:
    """One line of a panel: a target group as a source document names it.

    :param label: the group as the document writes it (e.g. ``"BCL-2 family"``)
    :param genes: HGNC gene symbols or UniProt accessions of its members
    :param strategies: the senotherapeutic strategies the document assigns it to
    :param direction: how a candidate must move these targets
    :param pathway: the pathway the document puts it in
    :param citation: document and figure the entry comes from
    :param caution: context caution reported beside every call through this entry
    """

    label: str
    genes: tuple[str, ...]
    strategies: tuple[Strategy, ...]
    direction: Direction
    pathway: str
    citation: str
    caution: str = ""


@dataclass(frozen=True)
class Panel:
    """A validated panel: its entries in file order, its name and where it came from."""

    name: str
    entries: tuple[PanelEntry, ...]
    source: str
    sha256: str = ""
    description: str = ""
    documents: Mapping[str, str] = field(default_factory=dict)
    strategy_cautions: Mapping[str, str] = field(default_factory=dict)

    def genes(self) -> tuple[str, ...]:
        """Every gene of the panel once, in panel order."""
        seen: dict[str, None] = {}
        for entry in self.entries:
            for gene in entry.genes:
                seen.setdefault(gene, None)
        return tuple(seen)


@dataclass(frozen=True)
class StageTiming:
    """Wall time of one stage of a run, in seconds."""

    stage: str
    seconds: float


@dataclass(frozen=True)
class Method:
    """One rule of the method, as the report's Methods section lists it: what it does and why.

    Each stage module keeps its rules in a ``METHODS`` tuple next to the code that applies them, so
    the report cannot describe a rule the code does not have.
    """

    stage: str
    name: str
    text: str
    citation: str


@dataclass(frozen=True)
class SourceInfo:
    """Which ChEMBL source a run used, where it points, and why it was chosen."""

    kind: Literal["web", "sql"]
    location: str
    release: str
    reason: str


@dataclass(frozen=True)
class RunResult:
    """What :func:`senotarget.pipeline.run` returns: the run folder and its summary."""

    run_dir: str
    run_id: str
    counts: dict[str, int] = field(default_factory=dict)
    timings: tuple[StageTiming, ...] = ()


class TargetCols:
    """``targets.csv``: one row per (panel entry, gene, ChEMBL target containing that gene)."""

    LABEL: Final = "label"
    GENE_SYMBOL: Final = "gene_symbol"
    STRATEGIES: Final = "strategies"
    DIRECTION: Final = "direction"
    TARGET_CHEMBL_ID: Final = "target_chembl_id"
    TARGET_TYPE: Final = "target_type"
    STATUS: Final = "status"
    REASON: Final = "reason"
    TARGET_PREF_NAME: Final = "target_pref_name"
    ACCESSION: Final = "accession"
    MATCHED_BY: Final = "matched_by"
    N_COMPONENTS: Final = "n_components"
    CONFIDENCE_MIN: Final = "confidence_min"
    PATHWAY: Final = "pathway"
    CAUTION: Final = "caution"
    ORDER: Final = (
        LABEL,
        GENE_SYMBOL,
        STRATEGIES,
        DIRECTION,
        TARGET_CHEMBL_ID,
        TARGET_TYPE,
        STATUS,
        REASON,
        TARGET_PREF_NAME,
        ACCESSION,
        MATCHED_BY,
        N_COMPONENTS,
        CONFIDENCE_MIN,
        PATHWAY,
        CAUTION,
    )


class ComponentCols:
    """Source answer to a target search: one row per (query, target, matching component)."""

    QUERY: Final = "query"
    TARGET_CHEMBL_ID: Final = "target_chembl_id"
    TARGET_TYPE: Final = "target_type"
    TARGET_PREF_NAME: Final = "target_pref_name"
    TAX_ID: Final = "tax_id"
    ACCESSION: Final = "accession"
    GENE_SYMBOL: Final = "component_gene_symbol"
    MATCHED_BY: Final = "matched_by"
    N_COMPONENTS: Final = "n_components"
    ORDER: Final = (
        QUERY,
        TARGET_CHEMBL_ID,
        TARGET_TYPE,
        TARGET_PREF_NAME,
        TAX_ID,
        ACCESSION,
        GENE_SYMBOL,
        MATCHED_BY,
        N_COMPONENTS,
    )


class ActivityCols:
    """Source answer for activities on targets, with the assay fields curation needs."""

    ACTIVITY_ID: Final = "activity_id"
    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    TARGET_CHEMBL_ID: Final = "target_chembl_id"
    ASSAY_CHEMBL_ID: Final = "assay_chembl_id"
    DOCUMENT_CHEMBL_ID: Final = "document_chembl_id"
    ASSAY_TYPE: Final = "assay_type"
    ASSAY_DESCRIPTION: Final = "assay_description"
    CONFIDENCE_SCORE: Final = "confidence_score"
    RELATIONSHIP_TYPE: Final = "relationship_type"
    STANDARD_TYPE: Final = "standard_type"
    STANDARD_RELATION: Final = "standard_relation"
    STANDARD_VALUE: Final = "standard_value"
    STANDARD_UNITS: Final = "standard_units"
    PCHEMBL_VALUE: Final = "pchembl_value"
    DATA_VALIDITY_COMMENT: Final = "data_validity_comment"
    POTENTIAL_DUPLICATE: Final = "potential_duplicate"
    ACTIVITY_COMMENT: Final = "activity_comment"
    ACTION_TYPE: Final = "action_type"
    ORDER: Final = (
        ACTIVITY_ID,
        MOLECULE_CHEMBL_ID,
        TARGET_CHEMBL_ID,
        ASSAY_CHEMBL_ID,
        DOCUMENT_CHEMBL_ID,
        ASSAY_TYPE,
        ASSAY_DESCRIPTION,
        CONFIDENCE_SCORE,
        RELATIONSHIP_TYPE,
        STANDARD_TYPE,
        STANDARD_RELATION,
        STANDARD_VALUE,
        STANDARD_UNITS,
        PCHEMBL_VALUE,
        DATA_VALIDITY_COMMENT,
        POTENTIAL_DUPLICATE,
        ACTIVITY_COMMENT,
        ACTION_TYPE,
    )
    #: The columns every source returns as numbers (float64, NaN when missing).
    NUMERIC: Final = (
        ACTIVITY_ID,
        CONFIDENCE_SCORE,
        STANDARD_VALUE,
        PCHEMBL_VALUE,
        POTENTIAL_DUPLICATE,
    )


class CuratedCols:
    """Curated activities: :class:`ActivityCols` plus the curation outcome per row."""

    PARENT_CHEMBL_ID: Final = "parent_chembl_id"
    PCHEMBL: Final = "pchembl"  # ChEMBL's pchembl_value, or the one computed by its definition
    POTENCY_USE: Final = "potency_use"  # "potency" | "inactive" | "active_censored" | "none"
    FLAGS: Final = "flags"
    STATUS: Final = "status"


class MoleculeCols:
    """Source answer for molecules (structures, phase, hierarchy parent)."""

    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    PREF_NAME: Final = "pref_name"
    MAX_PHASE: Final = "max_phase"
    MOLECULE_TYPE: Final = "molecule_type"
    HIERARCHY_PARENT: Final = "hierarchy_parent_chembl_id"
    CANONICAL_SMILES: Final = "canonical_smiles"
    ORDER: Final = (
        MOLECULE_CHEMBL_ID,
        PREF_NAME,
        MAX_PHASE,
        MOLECULE_TYPE,
        HIERARCHY_PARENT,
        CANONICAL_SMILES,
    )


class MechanismCols:
    """Source answer for ChEMBL drug_mechanism records on targets."""

    MEC_ID: Final = "mec_id"
    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    TARGET_CHEMBL_ID: Final = "target_chembl_id"
    ACTION_TYPE: Final = "action_type"
    MECHANISM_OF_ACTION: Final = "mechanism_of_action"
    ORDER: Final = (MEC_ID, MOLECULE_CHEMBL_ID, TARGET_CHEMBL_ID, ACTION_TYPE, MECHANISM_OF_ACTION)


class ActionTypeCols:
    """Source answer for the ChEMBL action_type lookup."""

    ACTION_TYPE: Final = "action_type"
    PARENT_TYPE: Final = "parent_type"
    ORDER: Final = (ACTION_TYPE, PARENT_TYPE)


class ChemCols:
    """Chemistry stage output: one row per input molecule."""

    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    STANDARD_SMILES: Final = "standard_smiles"
    PARENT_SMILES: Final = "parent_smiles"
    PARENT_INCHIKEY: Final = "parent_inchikey"
    QED: Final = "qed"
    PAINS: Final = "pains"  # ";"-joined PAINS alert names
    BRENK: Final = "brenk"  # ";"-joined Brenk alert names
    SCAFFOLD: Final = "murcko_scaffold"
    STATUS: Final = "chem_status"
    REASON: Final = "chem_reason"
    ORDER: Final = (
        MOLECULE_CHEMBL_ID,
        STANDARD_SMILES,
        PARENT_SMILES,
        PARENT_INCHIKEY,
        QED,
        PAINS,
        BRENK,
        SCAFFOLD,
        STATUS,
        REASON,
    )


class ParentCols:
    """Molecule -> parent compound map used for aggregation."""

    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    PARENT_CHEMBL_ID: Final = "parent_chembl_id"
    PARENT_BASIS: Final = "parent_basis"
    ORDER: Final = (MOLECULE_CHEMBL_ID, PARENT_CHEMBL_ID, PARENT_BASIS)


class EvidenceCols:
    """``evidence.csv``: one row per (parent compound, target, standard_type).

    A ChEMBL drug_mechanism record with no measurement on the same (parent, target) gets a row of
    its own with ``standard_type`` :data:`MECHANISM_ONLY` and zero measurements.
    """

    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    TARGET_CHEMBL_ID: Final = "target_chembl_id"
    GENE_SYMBOLS: Final = "gene_symbols"
    STANDARD_TYPE: Final = "standard_type"
    MEDIAN_PCHEMBL: Final = "median_pchembl"
    N_MEASUREMENTS: Final = "n_measurements"
    N_ASSAYS: Final = "n_assays"
    N_DOCUMENTS: Final = "n_documents"
    CENSORED_INACTIVE: Final = "censored_inactive"
    ACTION_TYPE: Final = "action_type"
    FLAGS: Final = "flags"
    TARGET_TYPE: Final = "target_type"
    MECHANISM_ACTION_TYPE: Final = "mechanism_action_type"
    ACTIVITY_ACTION_TYPE: Final = "activity_action_type"
    N_ACTIVE_CENSORED: Final = "n_active_censored"
    N_EXCLUDED: Final = "n_excluded"
    ACTIVATION_ASSAY: Final = "activation_assay"  # an EC50/AC50 assay described as activation
    MECHANISM_OF_ACTION: Final = "mechanism_of_action"
    MECHANISM_MOLECULES: Final = "mechanism_molecules"  # molecules the mechanism is recorded on
    SOURCE_MOLECULES: Final = "source_molecules"  # molecules whose activities were aggregated
    ORDER: Final = (
        MOLECULE_CHEMBL_ID,
        TARGET_CHEMBL_ID,
        GENE_SYMBOLS,
        STANDARD_TYPE,
        MEDIAN_PCHEMBL,
        N_MEASUREMENTS,
        N_ASSAYS,
        N_DOCUMENTS,
        CENSORED_INACTIVE,
        ACTION_TYPE,
        FLAGS,
        TARGET_TYPE,
        MECHANISM_ACTION_TYPE,
        ACTIVITY_ACTION_TYPE,
        N_ACTIVE_CENSORED,
        N_EXCLUDED,
        ACTIVATION_ASSAY,
        MECHANISM_OF_ACTION,
        MECHANISM_MOLECULES,
        SOURCE_MOLECULES,
    )


class SupportCols:
    """Distinct (parent, target, assay, document) of the rows that count, for exact counts."""

    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    TARGET_CHEMBL_ID: Final = "target_chembl_id"
    ASSAY_CHEMBL_ID: Final = "assay_chembl_id"
    DOCUMENT_CHEMBL_ID: Final = "document_chembl_id"
    ORDER: Final = (MOLECULE_CHEMBL_ID, TARGET_CHEMBL_ID, ASSAY_CHEMBL_ID, DOCUMENT_CHEMBL_ID)


MECHANISM_ONLY: Final = "MECHANISM"


class CallCols:
    """Classify output: one row per (parent compound, panel entry, gene) with evidence."""

    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    LABEL: Final = "label"
    GENE_SYMBOL: Final = "gene_symbol"
    STRATEGIES: Final = "strategies"
    WANTED: Final = "wanted_direction"
    DIRECTION: Final = "direction"  # DirectionBasis, or "" when the evidence gives no direction
    DIRECTION_SOURCE: Final = "direction_source"
    ACTION_TYPES: Final = "action_types"
    BEST_PCHEMBL: Final = "best_pchembl"
    BEST_TYPE: Final = "best_standard_type"
    N_ASSAYS: Final = "n_assays"
    N_DOCUMENTS: Final = "n_documents"
    HAS_MECHANISM: Final = "has_mechanism"
    MEETS_POTENCY: Final = "meets_potency"
    INACTIVE_ONLY: Final = "inactive_only"
    QUALIFIES: Final = "qualifies"
    EVIDENCE_TEXT: Final = "evidence_text"
    CAUTION: Final = "caution"
    FLAGS: Final = "flags"
    TARGET_IDS: Final = "target_chembl_ids"
    ORDER: Final = (
        MOLECULE_CHEMBL_ID,
        LABEL,
        GENE_SYMBOL,
        STRATEGIES,
        WANTED,
        DIRECTION,
        DIRECTION_SOURCE,
        ACTION_TYPES,
        BEST_PCHEMBL,
        BEST_TYPE,
        N_ASSAYS,
        N_DOCUMENTS,
        HAS_MECHANISM,
        MEETS_POTENCY,
        INACTIVE_ONLY,
        QUALIFIES,
        EVIDENCE_TEXT,
        CAUTION,
        FLAGS,
        TARGET_IDS,
    )


class CandidateCols:
    """``candidates.csv``: one row per (compound, strategy), sorted by strategy then rank."""

    STRATEGY: Final = "strategy"
    RANK: Final = "rank"
    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    PREF_NAME: Final = "pref_name"
    SCORE: Final = "score"
    PRIMARY_LABEL: Final = "primary_label"
    LABELS: Final = "labels"
    POTENCY: Final = "potency"
    EVIDENCE: Final = "evidence"
    MATURITY: Final = "maturity"
    DIRECTION_CERTAINTY: Final = "direction_certainty"
    BREADTH: Final = "breadth"
    DRUGLIKENESS: Final = "druglikeness"
    ALERT_PENALTY: Final = "alert_penalty"
    DIRECTION: Final = "direction"
    ACTION_TYPES: Final = "action_types"
    TARGETS: Final = "targets"
    BEST_PCHEMBL: Final = "best_pchembl"
    N_ASSAYS: Final = "n_assays"
    N_DOCUMENTS: Final = "n_documents"
    MAX_PHASE: Final = "max_phase"
    EVIDENCE_TEXT: Final = "evidence_text"
    CAUTION: Final = "caution"
    FLAGS: Final = "flags"
    CANONICAL_SMILES: Final = "canonical_smiles"
    IS_CANDIDATE: Final = "is_candidate"
    HAS_MECHANISM: Final = "has_mechanism"
    MEETS_POTENCY: Final = "meets_potency"
    DIRECTION_OK: Final = "direction_ok"
    PARENT_BASIS: Final = "parent_basis"
    SCAFFOLD: Final = "murcko_scaffold"
    QED: Final = "qed"
    PAINS: Final = "pains"
    BRENK: Final = "brenk"
    #: The score components, in the order they are summed and shown.
    COMPONENTS: Final = (
        POTENCY,
        EVIDENCE,
        MATURITY,
        DIRECTION_CERTAINTY,
        BREADTH,
        DRUGLIKENESS,
        ALERT_PENALTY,
    )
    ORDER: Final = (
        STRATEGY,
        RANK,
        MOLECULE_CHEMBL_ID,
        PREF_NAME,
        SCORE,
        PRIMARY_LABEL,
        LABELS,
        *COMPONENTS,
        DIRECTION,
        ACTION_TYPES,
        TARGETS,
        BEST_PCHEMBL,
        N_ASSAYS,
        N_DOCUMENTS,
        MAX_PHASE,
        EVIDENCE_TEXT,
        CAUTION,
        FLAGS,
        CANONICAL_SMILES,
        IS_CANDIDATE,
        HAS_MECHANISM,
        MEETS_POTENCY,
        DIRECTION_OK,
        PARENT_BASIS,
        SCAFFOLD,
        QED,
        PAINS,
        BRENK,
    )


ChangeKind: TypeAlias = Literal[
    "new_candidate",
    "lost_candidate",
    "rank_move",
    "label_change",
    "direction_change",
    "evidence_added",
    "evidence_withdrawn",
]
CHANGE_KINDS: Final[tuple[ChangeKind, ...]] = get_args(ChangeKind)


class ChangeCols:
    """``changes.csv``: what moved between two runs (:mod:`senotarget.stages.changes`), a row each.

    ``before`` / ``after`` hold the compared value in each run (a rank, a label set, a
    direction, an evidence summary; empty when absent); ``detail`` says it in words.
    """

    CHANGE: Final = "change"
    STRATEGY: Final = "strategy"
    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    PREF_NAME: Final = "pref_name"
    TARGET_CHEMBL_ID: Final = "target_chembl_id"
    STANDARD_TYPE: Final = "standard_type"
    BEFORE: Final = "before"
    AFTER: Final = "after"
    DETAIL: Final = "detail"
    ORDER: Final = (
        CHANGE,
        STRATEGY,
        MOLECULE_CHEMBL_ID,
        PREF_NAME,
        TARGET_CHEMBL_ID,
        STANDARD_TYPE,
        BEFORE,
        AFTER,
        DETAIL,
    )


ValidationStatus: TypeAlias = Literal[
    "found", "wrong_label", "wrong_direction", "filtered", "no_evidence", "not_in_release"
]
VALIDATION_STATUSES: Final[tuple[ValidationStatus, ...]] = get_args(ValidationStatus)


class KnownCols:
    """``known_senotherapeutics.csv``: compounds the literature already calls senotherapeutic."""

    COMPOUND: Final = "compound"
    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    STRATEGY: Final = "strategy"
    TARGETS: Final = "targets"
    CITATION: Final = "citation"
    CLAIM: Final = "claim"
    ORDER: Final = (COMPOUND, MOLECULE_CHEMBL_ID, STRATEGY, TARGETS, CITATION, CLAIM)


class ValidationCols:
    """``validation.csv``: how a run ranks each known compound (:mod:`senotarget.stages.validate`).

    ``status``: ``found`` (a candidate with the expected label), ``wrong_label`` (a candidate,
    not for the expected strategy), ``wrong_direction`` (a contrary row: it moves the target the
    other way), ``filtered`` (evidence on the panel's targets, but curation flags or weak potency
    kept it out), ``no_evidence`` (in the release, no evidence on the panel's targets),
    ``not_in_release`` (the source does not have the molecule).
    """

    COMPOUND: Final = "compound"
    MOLECULE_CHEMBL_ID: Final = "molecule_chembl_id"
    EXPECTED: Final = "expected_strategy"
    STATUS: Final = "status"
    LABELS: Final = "labels"
    RANK: Final = "rank"
    N_CANDIDATES: Final = "n_candidates"
    PERCENTILE: Final = "percentile"
    SCORE: Final = "score"
    DIRECTION: Final = "direction"
    REASON: Final = "reason"
    TARGETS: Final = "targets"
    CITATION: Final = "citation"
    ORDER: Final = (
        COMPOUND,
        MOLECULE_CHEMBL_ID,
        EXPECTED,
        STATUS,
        LABELS,
        RANK,
        N_CANDIDATES,
        PERCENTILE,
        SCORE,
        DIRECTION,
        REASON,
        TARGETS,
        CITATION,
    )


def cell_text(value: object) -> str:
    """A table cell as text: missing values (``None``, NaN) are ``""``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def cell_number(value: object) -> float | None:
    """A table cell as a number: missing or non-numeric values are ``None``."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def candidate_mask(candidates: pd.DataFrame) -> pd.Series:
    """``is_candidate`` as booleans, whether the table is in memory or read back from CSV."""
    return candidates[CandidateCols.IS_CANDIDATE].astype(str).str.lower().isin({"true", "1"})


def chembl_number(ids: pd.Series) -> pd.Series:
    """The number of each ChEMBL id (``CHEMBL25`` -> 25), for numeric ordering; -1 if none."""
    return ids.astype(str).str.extract(r"(\d+)$", expand=False).fillna("-1").astype("int64")


def join_tokens(tokens: object) -> str:
    """Join flag or label tokens as the tables store them: sorted, unique, ``;``-separated.

    :param tokens: an iterable of strings (empty strings are skipped)
    :returns: e.g. ``"confidence_unknown;pchembl_computed"``, or ``""``
    """
    if not isinstance(tokens, (list, tuple, set, frozenset)):
        raise TypeError(f"join_tokens takes a collection of strings, not {type(tokens).__name__}")
    return ";".join(sorted({str(t) for t in tokens if t}))


def split_tokens(value: object) -> list[str]:
    """Split a ``;``-joined cell back into its tokens (missing or empty cells give ``[]``)."""
    if not isinstance(value, str) or not value:
        return []
    return [t for t in value.split(";") if t]
