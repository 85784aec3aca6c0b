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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, TypeAlias, cast, get_args

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

#: What a compound's direction call on a target rests on (DESIGN §4, §7), in three tiers of
#: certainty: ``mechanism``: a curated ChEMBL drug_mechanism record that moves the target the way
#: the panel wants; ``action_type``: an activity-level action_type (ChEMBL 31+, a depositor's or
#: curator's statement on one measurement) that does; ``inferred``: potency from inhibition-type
#: (or activation-type) measurements alone; and ``contrary``: the evidence moves the target the
#: other way.
DirectionBasis: TypeAlias = Literal["mechanism", "action_type", "inferred", "contrary"]
DIRECTION_BASES: Final[tuple[DirectionBasis, ...]] = get_args(DirectionBasis)

#: The sign of a ChEMBL ``action_type`` (its ``parent_type`` in the action_type lookup).
ActionSign: TypeAlias = Literal["negative", "positive", "other"]

#: Row status, ordered by severity (``exclude > flag > ok``), one vocabulary in every stage.
Status: TypeAlias = Literal["ok", "flag", "exclude"]
STATUS_RANK: Final[dict[str, int]] = {"ok": 0, "flag": 1, "exclude": 2}
STATUSES: Final[tuple[Status, ...]] = get_args(Status)

#: How curation lets an activity row count (DESIGN §4): a measured potency, an inactive-side
#: censored value ("> 10 uM" or an inactive comment), an active-side censored value, no potency
#: (a row that is evidence of testing only), or excluded by a curation rule.
PotencyUse: TypeAlias = Literal["excluded", "potency", "inactive", "active_censored", "none"]
POTENCY_USES: Final[tuple[PotencyUse, ...]] = get_args(PotencyUse)

#: What an assay measures the compound in (DESIGN §4: biochemical and cell-based assays are told
#: apart), from its BioAssay Ontology format, or its ChEMBL assay_type where the format is missing
#: or the generic "assay format" (:func:`senotarget.stages.curate.assay_kind`).
AssayKind: TypeAlias = Literal[
    "biochemical", "cell-based", "tissue-based", "organism-based", "unspecified"
]
ASSAY_KINDS: Final[tuple[AssayKind, ...]] = get_args(AssayKind)

TargetStatus: TypeAlias = Literal["resolved", "ambiguous", "unresolved"]
TARGET_STATUSES: Final[tuple[TargetStatus, ...]] = get_args(TargetStatus)

#: The ligand sets a panel can require before a mechanism partner's drug_mechanism records count
#: for one of its genes (:class:`MechanismPartner`; each is implemented, with its citation, by
#: :data:`senotarget.stages.fetch.PARTNER_CONDITIONS`). ``rapamycin_site``: the rapamycin
#: macrocycle that binds FKBP12 and the FRB domain of mTOR (sirolimus and the rapalogs, not
#: tacrolimus, pimecrolimus or synthetic FKBP ligands).
PartnerCondition: TypeAlias = Literal["rapamycin_site"]
PARTNER_CONDITIONS: Final[tuple[PartnerCondition, ...]] = get_args(PartnerCondition)

#: How a compound's parent was found (DESIGN §4: say which).
ParentBasis: TypeAlias = Literal["molecule_hierarchy", "structure_pipeline", "self", "no_structure"]
PARENT_BASES: Final[tuple[ParentBasis, ...]] = get_args(ParentBasis)

#: Where a QED value or an alert verdict came from: the release's own computation (ChEMBL runs
#: RDKit's QED and the PAINS and Dundee alert sets on its structures), ours, or nowhere (no
#: structure).
ChemBasis: TypeAlias = Literal["chembl", "computed", ""]
CHEM_BASES: Final[tuple[ChemBasis, ...]] = get_args(ChemBasis)

SourceKind: TypeAlias = Literal["auto", "web", "sql"]
SOURCE_KINDS: Final[tuple[SourceKind, ...]] = get_args(SourceKind)

#: Target types whose assays must reach the single-protein confidence threshold.
SINGLE_PROTEIN: Final = "SINGLE PROTEIN"


#: The dtypes a declared column may have. ``text``: pandas ``object`` holding ``str`` or missing
#: (what the sources return: pandas 3's string inference costs more than a query on big tables);
#: ``str``: pandas' string dtype, never missing (an empty cell is ``""``); ``float64`` (missing is
#: NaN); ``int64``; ``Int64`` (an integer that may be missing); ``bool``.
ColumnType: TypeAlias = Literal["text", "str", "float64", "int64", "Int64", "bool"]
COLUMN_TYPES: Final[tuple[ColumnType, ...]] = get_args(ColumnType)


class Col(str):
    """A declared column: the column name itself (a ``str``), with its dtype and allowed values.

    A :class:`Table` subclass lists its columns as ``Col`` class attributes, in the order the table
    holds them; the name is written once and the table's ``ORDER`` and pandera schema follow
    from the declarations.

    :param name: the column name
    :param dtype: one of :data:`COLUMN_TYPES`
    :param isin: the closed vocabulary of the column's values, if it has one
    """

    dtype: ColumnType
    isin: tuple[str, ...] | None

    def __new__(  # noqa: PYI034 - a Col is always a Col, never a subclass
        cls, name: str, dtype: ColumnType = "str", *, isin: Sequence[str] | None = None
    ) -> Col:
        """Declare a column (see the class docstring)."""
        if dtype not in COLUMN_TYPES:
            raise ValueError(f"column {name}: dtype {dtype!r} is not one of {COLUMN_TYPES}")
        column = super().__new__(cls, name)
        column.dtype = dtype
        column.isin = None if isin is None else tuple(isin)
        return column

    def __reduce__(self) -> tuple[Any, ...]:
        return (Col, (str(self), self.dtype), {"isin": self.isin})

    @property
    def nullable(self) -> bool:
        """Whether the column may hold missing values (``str``, ``int64`` and ``bool`` may not)."""
        return self.dtype in ("text", "float64", "Int64")


class TableContractError(Exception):
    """A table does not match its declared contract: a programming error, or a foreign file."""


class Table:
    """A declared table: subclasses list their columns as :class:`Col` attributes.

    ``ORDER`` is derived from the declarations (inherited columns first), and :meth:`check`
    validates a DataFrame against the columns, dtypes and vocabularies with pandera
    (https://pandera.readthedocs.io), at the boundary where a stage returns the table and where a
    run's files are read back.
    """

    #: The declared columns, in table order (inherited columns first).
    COLUMNS: ClassVar[tuple[Col, ...]] = ()
    #: The column names in the order the table is held and written (the same objects).
    ORDER: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = tuple(v for v in vars(cls).values() if isinstance(v, Col))
        inherited = tuple(c for c in cls.COLUMNS if c not in own)
        cls.COLUMNS = inherited + own
        cls.ORDER = cls.COLUMNS
        cls._schema = None

    _schema: ClassVar[Any] = None

    @classmethod
    def empty(cls) -> pd.DataFrame:
        """The table with no rows, its columns in ``ORDER`` with their declared dtypes."""
        import pandas as pd

        return pd.DataFrame({str(c): pd.Series(dtype=_PANDAS_DTYPE[c.dtype]) for c in cls.COLUMNS})

    @classmethod
    def conform(cls, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame``'s declared columns, in ``ORDER``, cast to their declared dtypes.

        For a stage that builds a table from records (whose dtypes pandas would infer); the result
        still goes through :meth:`check` where the stage returns it.
        """
        return frame.loc[:, list(cls.ORDER)].astype(cls.dtypes())

    @classmethod
    def dtypes(cls) -> dict[str, str]:
        """Column name -> pandas dtype, to read a table back with its declared types."""
        return {str(c): _PANDAS_DTYPE[c.dtype] for c in cls.COLUMNS}

    @classmethod
    def pandera_schema(cls) -> Any:
        """The pandera ``DataFrameSchema`` of the declared columns (built once, on first use)."""
        if cls._schema is None:
            import pandera.pandas as pa

            columns = {
                str(c): pa.Column(
                    _PANDERA_DTYPE[c.dtype],
                    checks=None if c.isin is None else pa.Check.isin(c.isin),
                    nullable=c.nullable,
                )
                for c in cls.COLUMNS
            }
            cls._schema = pa.DataFrameSchema(columns, strict=True, ordered=True, name=cls.__name__)
        return cls._schema

    @classmethod
    def check(cls, frame: pd.DataFrame, where: str) -> pd.DataFrame:
        """Return ``frame`` if it matches the declared table; raise :class:`TableContractError`.

        :param where: who hands the table over (a stage, a file), named in the error
        """
        import pandera.errors

        try:
            return cast("pd.DataFrame", cls.pandera_schema().validate(frame, lazy=True))
        except pandera.errors.SchemaErrors as error:
            cases = error.failure_cases
            shown = "; ".join(
                f"{row.column}: {row.check} ({row.failure_case!r})"
                for row in cases.head(5).itertuples()
            )
            raise TableContractError(
                f"{where}: the {cls.__name__} table breaks its contract ({len(cases)} failure(s):"
                f" {shown})"
            ) from None


_PANDAS_DTYPE: Final[dict[str, str]] = {
    "text": "object",
    "str": "str",
    "float64": "float64",
    "int64": "int64",
    "Int64": "Int64",
    "bool": "bool",
}
_PANDERA_DTYPE: Final[dict[str, Any]] = {
    "text": object,
    "str": str,
    "float64": "float64",
    "int64": "int64",
    "Int64": "Int64",
    "bool": "bool",
}


@dataclass(frozen=True)
class MechanismPartner:
    """A protein whose drug_mechanism records count for a gene of a panel entry, on a condition.

    ChEMBL records the rapalogs' mechanism on FKBP1A (FKBP12): the FKBP12-rapamycin complex binds
    the FRB domain of mTOR (Choi et al. 1996 Science 273:239). The partner's targets are resolved
    and its mechanism records fetched, never its activities; it is not ranked itself.

    :param gene: the partner's HGNC symbol (``"FKBP1A"``)
    :param acts_on: the entry's gene its records count for (``"MTOR"``)
    :param via: how its records act on that gene, said in the evidence text ("allosteric mTORC1
        inhibition via FKBP12")
    :param requires: the ligands whose records count (:data:`PARTNER_CONDITIONS`); ``None``: all
    :param citation: where the partnership is shown
    :param otherwise: how a compound with direct evidence on ``acts_on`` that fails ``requires``
        acts, said in its evidence text ("ATP-competitive"); empty: not said
    """

    gene: str
    acts_on: str
    via: str
    requires: PartnerCondition | None
    citation: str
    otherwise: str = ""


@dataclass(frozen=True)
class AssayExclusion:
    """Assays on an entry's targets whose description says they measure another protein.

    A description containing any of ``patterns`` and none of ``unless`` (case-insensitive
    substrings) marks the assay's rows ``other_protein_assay``: excluded from the entry's
    evidence (:data:`senotarget.stages.curate.RULES`).

    :param measures: the protein those assays measure (``"FKBP12 (FKBP1A)"``)
    :param patterns: description substrings that name it (``"FKBP"``, ``"macrophilin"``)
    :param unless: substrings that name the entry's own protein, which keep the assay
        (``"mTOR"``: "FKBP12-independent mTOR kinase")
    :param citation: why such assays are not evidence on the entry's targets
    """

    measures: str
    patterns: tuple[str, ...]
    unless: tuple[str, ...] = ()
    citation: str = ""


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
    :param contrary_note: said instead of the caution on a call that moves the entry's targets
        the other way (what that opposite effect is known to do)
    :param partners: proteins whose mechanism records count for the entry's genes, on a
        condition (:class:`MechanismPartner`)
    :param assay_exclusions: assay descriptions on the entry's targets that measure another
        protein (:class:`AssayExclusion`)
    """

    label: str
    genes: tuple[str, ...]
    strategies: tuple[Strategy, ...]
    direction: Direction
    pathway: str
    citation: str
    caution: str = ""
    contrary_note: str = ""
    partners: tuple[MechanismPartner, ...] = ()
    assay_exclusions: tuple[AssayExclusion, ...] = ()


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
        """Every gene a run resolves, once, in panel order.

        The entries' genes, then the genes of their mechanism partners (resolved and fetched for
        their mechanism records, never ranked).
        """
        seen: dict[str, None] = {}
        for entry in self.entries:
            for gene in entry.genes:
                seen.setdefault(gene, None)
        for entry in self.entries:
            for partner in entry.partners:
                seen.setdefault(partner.gene, None)
        return tuple(seen)


@dataclass(frozen=True)
class StageTiming:
    """Wall time of one stage of a run, in seconds, and the run's peak memory when it ended.

    ``peak_rss_mb``: the process's peak resident memory (MiB) at the end of the stage, so the
    stage that raised it shows (0 where the platform does not say).
    """

    stage: str
    seconds: float
    peak_rss_mb: float = 0.0


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


class TargetCols(Table):
    """``targets.csv``: one row per (panel entry, gene, ChEMBL target containing that gene)."""

    LABEL: Final[str] = Col("label", "str")
    GENE_SYMBOL: Final[str] = Col("gene_symbol", "str")
    STRATEGIES: Final[str] = Col("strategies", "str")
    DIRECTION: Final[str] = Col("direction", "str", isin=DIRECTIONS)
    TARGET_CHEMBL_ID: Final[str] = Col("target_chembl_id", "str")
    TARGET_TYPE: Final[str] = Col("target_type", "str")
    STATUS: Final[str] = Col("status", "str", isin=TARGET_STATUSES)
    REASON: Final[str] = Col("reason", "str")
    TARGET_PREF_NAME: Final[str] = Col("target_pref_name", "str")
    ACCESSION: Final[str] = Col("accession", "str")
    MATCHED_BY: Final[str] = Col("matched_by", "str")
    N_COMPONENTS: Final[str] = Col("n_components", "int64")
    CONFIDENCE_MIN: Final[str] = Col("confidence_min", "Int64")
    PATHWAY: Final[str] = Col("pathway", "str")
    CAUTION: Final[str] = Col("caution", "str")
    #: On a mechanism partner's target (:class:`MechanismPartner`): the partner's gene symbol;
    #: the row's ``gene_symbol`` is the entry gene the partner's records count for. Empty on the
    #: gene's own targets.
    PARTNER: Final[str] = Col("partner", "str")
    PARTNER_REQUIRES: Final[str] = Col(
        "partner_requires", "str", isin=("", *PARTNER_CONDITIONS)
    )  # the ligands whose partner records count ("" on own targets, or: every ligand)
    OTHER_PROTEIN_ASSAYS: Final[str] = Col(
        "other_protein_assays", "str"
    )  # ";"-joined description substrings of assays that measure another protein
    OTHER_PROTEIN_UNLESS: Final[str] = Col(
        "other_protein_unless", "str"
    )  # ";"-joined substrings that keep such an assay (it names the entry's own protein)


class ComponentCols(Table):
    """Source answer to a target search: one row per (query, target, matching component)."""

    QUERY: Final[str] = Col("query", "text")
    TARGET_CHEMBL_ID: Final[str] = Col("target_chembl_id", "text")
    TARGET_TYPE: Final[str] = Col("target_type", "text")
    TARGET_PREF_NAME: Final[str] = Col("target_pref_name", "text")
    TAX_ID: Final[str] = Col("tax_id", "float64")
    ACCESSION: Final[str] = Col("accession", "text")
    GENE_SYMBOL: Final[str] = Col("component_gene_symbol", "text")
    MATCHED_BY: Final[str] = Col("matched_by", "text")
    N_COMPONENTS: Final[str] = Col("n_components", "float64")


class SynonymCols(Table):
    """Source answer to a synonym listing: one row per (synonym, component) of the taxon's targets.

    Every synonym type ChEMBL records for a component (``GENE_SYMBOL``, ``GENE_SYMBOL_OTHER``,
    ``UNIPROT`` protein names; EC numbers left out) and the component's UniProt accession
    (``syn_type`` ``ACCESSION``), so that a document's protein mentions can be grounded on every
    name the release knows (ChEMBL schema: ``component_synonyms``).
    """

    SYNONYM: Final[str] = Col("synonym", "text")
    SYN_TYPE: Final[str] = Col("syn_type", "text")
    ACCESSION: Final[str] = Col("accession", "text")
    GENE_SYMBOL: Final[str] = Col("component_gene_symbol", "text")


class MoleculeNameCols(Table):
    """Source answer to a compound-name lookup: one row per (name, molecule) that matches.

    A name matches a molecule's ``pref_name`` or one of its ``molecule_synonyms`` ignoring case
    (ChEMBL schema: ``molecule_dictionary``, ``molecule_synonyms``).
    """

    NAME: Final[str] = Col("name", "text")  # the name as asked, upper case
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "text")
    PREF_NAME: Final[str] = Col("pref_name", "text")


class ChemblPropertyCols(Table):
    """Source answer: what the release itself computed for molecules.

    ChEMBL schema: ``compound_properties.qed_weighted``; ``compound_structural_alerts`` of the
    ``PAINS`` and ``Dundee`` (Brenk) alert sets; ``compound_structures.standard_inchi_key``.
    ``alerts_screened`` is 1 when the release holds alert rows at all (a release without them has
    not screened its molecules: absence there means unknown).
    """

    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "text")
    STANDARD_INCHI_KEY: Final[str] = Col("standard_inchi_key", "text")
    QED_WEIGHTED: Final[str] = Col("qed_weighted", "float64")
    PAINS: Final[str] = Col("pains", "text")  # ";"-joined alert names, sorted
    BRENK: Final[str] = Col("brenk", "text")
    ALERTS_SCREENED: Final[str] = Col("alerts_screened", "float64")


class ActivityCols(Table):
    """Source answer for activities on targets, with the assay fields curation needs."""

    ACTIVITY_ID: Final[str] = Col("activity_id", "float64")
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "text")
    TARGET_CHEMBL_ID: Final[str] = Col("target_chembl_id", "text")
    ASSAY_CHEMBL_ID: Final[str] = Col("assay_chembl_id", "text")
    DOCUMENT_CHEMBL_ID: Final[str] = Col("document_chembl_id", "text")
    ASSAY_TYPE: Final[str] = Col("assay_type", "text")
    ASSAY_DESCRIPTION: Final[str] = Col("assay_description", "text")
    CONFIDENCE_SCORE: Final[str] = Col("confidence_score", "float64")
    RELATIONSHIP_TYPE: Final[str] = Col("relationship_type", "text")
    STANDARD_TYPE: Final[str] = Col("standard_type", "text")
    STANDARD_RELATION: Final[str] = Col("standard_relation", "text")
    STANDARD_VALUE: Final[str] = Col("standard_value", "float64")
    STANDARD_UNITS: Final[str] = Col("standard_units", "text")
    PCHEMBL_VALUE: Final[str] = Col("pchembl_value", "float64")
    DATA_VALIDITY_COMMENT: Final[str] = Col("data_validity_comment", "text")
    POTENTIAL_DUPLICATE: Final[str] = Col("potential_duplicate", "float64")
    ACTIVITY_COMMENT: Final[str] = Col("activity_comment", "text")
    ACTION_TYPE: Final[str] = Col("action_type", "text")
    #: The columns every source returns as numbers (float64, NaN when missing).
    NUMERIC: Final = (
        ACTIVITY_ID,
        CONFIDENCE_SCORE,
        STANDARD_VALUE,
        PCHEMBL_VALUE,
        POTENTIAL_DUPLICATE,
    )
    #: The assay's BioAssay Ontology format (e.g. BAO_0000219 cell-based, BAO_0000357 single
    #: protein; https://www.ebi.ac.uk/ols4/ontologies/bao), where the release has it.
    BAO_FORMAT: Final[str] = Col("bao_format", "text")


class CuratedCols(ActivityCols):
    """Curated activities: :class:`ActivityCols` plus the curation outcome per row."""

    PARENT_CHEMBL_ID: Final = "parent_chembl_id"
    PCHEMBL: Final[str] = Col(
        "pchembl", "float64"
    )  # ChEMBL's pchembl_value, or the one computed by its definition
    POTENCY_USE: Final[str] = Col("potency_use", "text", isin=POTENCY_USES)
    FLAGS: Final[str] = Col("flags", "text")
    STATUS: Final[str] = Col("status", "text", isin=STATUSES)


class MoleculeCols(Table):
    """Source answer for molecules (structures, phase, hierarchy parent)."""

    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "text")
    PREF_NAME: Final[str] = Col("pref_name", "text")
    MAX_PHASE: Final[str] = Col("max_phase", "float64")
    MOLECULE_TYPE: Final[str] = Col("molecule_type", "text")
    HIERARCHY_PARENT: Final[str] = Col("hierarchy_parent_chembl_id", "text")
    CANONICAL_SMILES: Final[str] = Col("canonical_smiles", "text")


class MechanismCols(Table):
    """Source answer for ChEMBL drug_mechanism records on targets."""

    MEC_ID: Final[str] = Col("mec_id", "float64")
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "text")
    TARGET_CHEMBL_ID: Final[str] = Col("target_chembl_id", "text")
    ACTION_TYPE: Final[str] = Col("action_type", "text")
    MECHANISM_OF_ACTION: Final[str] = Col("mechanism_of_action", "text")


class ActionTypeCols(Table):
    """Source answer for the ChEMBL action_type lookup."""

    ACTION_TYPE: Final[str] = Col("action_type", "text")
    PARENT_TYPE: Final[str] = Col("parent_type", "text")


class ChemCols(Table):
    """Chemistry stage output: one row per input molecule."""

    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    STANDARD_SMILES: Final[str] = Col("standard_smiles", "str")
    PARENT_SMILES: Final[str] = Col("parent_smiles", "str")
    PARENT_INCHIKEY: Final[str] = Col("parent_inchikey", "str")
    QED: Final[str] = Col("qed", "float64")
    PAINS: Final[str] = Col("pains", "str")  # ";"-joined PAINS alert names
    BRENK: Final[str] = Col("brenk", "str")  # ";"-joined Brenk alert names
    SCAFFOLD: Final[str] = Col("murcko_scaffold", "str")
    STATUS: Final[str] = Col("chem_status", "str", isin=STATUSES)
    REASON: Final[str] = Col("chem_reason", "str")
    QED_BASIS: Final[str] = Col("qed_basis", "str", isin=CHEM_BASES)  # chembl | computed | ""
    ALERTS_BASIS: Final[str] = Col("alerts_basis", "str", isin=CHEM_BASES)
    #: whose standardised structure and parent: the release's (chembl) or the pipeline's
    STRUCTURE_BASIS: Final[str] = Col("structure_basis", "str", isin=CHEM_BASES)


class ParentCols(Table):
    """Molecule -> parent compound map used for aggregation."""

    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    PARENT_CHEMBL_ID: Final[str] = Col("parent_chembl_id", "str")
    PARENT_BASIS: Final[str] = Col("parent_basis", "str", isin=PARENT_BASES)


class EvidenceCols(Table):
    """``evidence.csv``: one row per (parent compound, target, standard_type).

    A ChEMBL drug_mechanism record with no measurement on the same (parent, target) gets a row of
    its own with ``standard_type`` :data:`MECHANISM_ONLY` and zero measurements.
    """

    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    TARGET_CHEMBL_ID: Final[str] = Col("target_chembl_id", "str")
    GENE_SYMBOLS: Final[str] = Col("gene_symbols", "str")
    STANDARD_TYPE: Final[str] = Col("standard_type", "str")
    MEDIAN_PCHEMBL: Final[str] = Col("median_pchembl", "float64")
    N_MEASUREMENTS: Final[str] = Col("n_measurements", "int64")
    N_ASSAYS: Final[str] = Col("n_assays", "int64")
    N_DOCUMENTS: Final[str] = Col(
        "n_documents", "Int64"
    )  # distinct known documents; missing when every counted row lacks a document id
    CENSORED_INACTIVE: Final[str] = Col("censored_inactive", "int64")
    ACTION_TYPE: Final[str] = Col("action_type", "str")
    FLAGS: Final[str] = Col("flags", "str")
    TARGET_TYPE: Final[str] = Col("target_type", "str")
    MECHANISM_ACTION_TYPE: Final[str] = Col("mechanism_action_type", "str")
    ACTIVITY_ACTION_TYPE: Final[str] = Col("activity_action_type", "str")
    N_ACTIVE_CENSORED: Final[str] = Col("n_active_censored", "int64")
    N_EXCLUDED: Final[str] = Col("n_excluded", "int64")
    ACTIVATION_ASSAY: Final[str] = Col(
        "activation_assay", "bool"
    )  # an EC50/AC50 assay described as activation
    MECHANISM_OF_ACTION: Final[str] = Col("mechanism_of_action", "str")
    MECHANISM_MOLECULES: Final[str] = Col(
        "mechanism_molecules", "str"
    )  # molecules the mechanism is recorded on
    SOURCE_MOLECULES: Final[str] = Col(
        "source_molecules", "str"
    )  # molecules whose activities were aggregated
    ASSAY_KINDS: Final[str] = Col(
        "assay_kinds", "str"
    )  # ";"-joined AssayKind of the counted rows' assays, e.g. "biochemical;cell-based"
    N_DOCUMENTS_UNKNOWN: Final[str] = Col(
        "n_documents_unknown", "int64"
    )  # counted assays whose rows have no document id (each could be one more document)
    N_UNTRUSTED: Final[str] = Col(
        "n_untrusted", "int64"
    )  # counted '=' values set aside by an evidence rule (see curate.RULES), not potency


class SupportCols(Table):
    """Distinct (parent, target, assay, document) of the rows that count, for exact counts."""

    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    TARGET_CHEMBL_ID: Final[str] = Col("target_chembl_id", "text")
    ASSAY_CHEMBL_ID: Final[str] = Col("assay_chembl_id", "text")
    DOCUMENT_CHEMBL_ID: Final[str] = Col("document_chembl_id", "text")


MECHANISM_ONLY: Final = "MECHANISM"


class CallCols(Table):
    """Classify output: one row per (parent compound, panel entry, gene) with evidence."""

    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    LABEL: Final[str] = Col("label", "str")
    GENE_SYMBOL: Final[str] = Col("gene_symbol", "str")
    STRATEGIES: Final[str] = Col("strategies", "str")
    WANTED: Final[str] = Col("wanted_direction", "str", isin=DIRECTIONS)
    DIRECTION: Final[str] = Col(
        "direction", "str", isin=("", *DIRECTION_BASES)
    )  # DirectionBasis, or "" when the evidence gives no direction
    DIRECTION_SOURCE: Final[str] = Col("direction_source", "str")
    ACTION_TYPES: Final[str] = Col("action_types", "str")
    BEST_PCHEMBL: Final[str] = Col("best_pchembl", "float64")
    BEST_TYPE: Final[str] = Col("best_standard_type", "str")
    N_ASSAYS: Final[str] = Col("n_assays", "int64")
    N_DOCUMENTS: Final[str] = Col("n_documents", "int64")
    HAS_MECHANISM: Final[str] = Col("has_mechanism", "bool")
    MEETS_POTENCY: Final[str] = Col("meets_potency", "bool")
    INACTIVE_ONLY: Final[str] = Col("inactive_only", "bool")
    QUALIFIES: Final[str] = Col("qualifies", "bool")
    EVIDENCE_TEXT: Final[str] = Col("evidence_text", "str")
    CAUTION: Final[str] = Col("caution", "str")
    FLAGS: Final[str] = Col("flags", "str")
    TARGET_IDS: Final[str] = Col("target_chembl_ids", "str")


class CandidateCols(Table):
    """``candidates.csv``: one row per (compound, strategy), sorted by strategy then rank."""

    STRATEGY: Final[str] = Col("strategy", "str", isin=STRATEGIES)
    RANK: Final[str] = Col("rank", "int64")
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    PREF_NAME: Final[str] = Col("pref_name", "str")
    SCORE: Final[str] = Col("score", "float64")
    PRIMARY_LABEL: Final[str] = Col("primary_label", "str")
    LABELS: Final[str] = Col("labels", "str")
    POTENCY: Final[str] = Col("potency", "float64")
    EVIDENCE: Final[str] = Col("evidence", "float64")
    MATURITY: Final[str] = Col("maturity", "float64")
    DIRECTION_CERTAINTY: Final[str] = Col("direction_certainty", "float64")
    BREADTH: Final[str] = Col("breadth", "float64")
    DRUGLIKENESS: Final[str] = Col("druglikeness", "float64")
    ALERT_PENALTY: Final[str] = Col("alert_penalty", "float64")
    DIRECTION: Final[str] = Col("direction", "str")
    ACTION_TYPES: Final[str] = Col("action_types", "str")
    TARGETS: Final[str] = Col("targets", "str")
    BEST_PCHEMBL: Final[str] = Col("best_pchembl", "float64")
    N_ASSAYS: Final[str] = Col("n_assays", "int64")
    N_DOCUMENTS: Final[str] = Col("n_documents", "int64")
    N_DOCUMENTS_UNKNOWN: Final[str] = Col(
        "n_documents_unknown", "int64"
    )  # distinct assays whose rows carry no document id
    MAX_PHASE: Final[str] = Col("max_phase", "float64")
    EVIDENCE_TEXT: Final[str] = Col("evidence_text", "str")
    CAUTION: Final[str] = Col("caution", "str")
    FLAGS: Final[str] = Col("flags", "str")
    CANONICAL_SMILES: Final[str] = Col("canonical_smiles", "str")
    IS_CANDIDATE: Final[str] = Col("is_candidate", "bool")
    HAS_MECHANISM: Final[str] = Col("has_mechanism", "bool")
    MEETS_POTENCY: Final[str] = Col("meets_potency", "bool")
    DIRECTION_OK: Final[str] = Col("direction_ok", "bool")
    PARENT_BASIS: Final[str] = Col("parent_basis", "str", isin=PARENT_BASES)
    SCAFFOLD: Final[str] = Col("murcko_scaffold", "str")
    CLUSTER: Final[str] = Col(
        "cluster", "str"
    )  # ChEMBL id of the cluster's leader (stages.cluster); "" without a structure
    QED: Final[str] = Col("qed", "float64")
    PAINS: Final[str] = Col("pains", "str")
    BRENK: Final[str] = Col("brenk", "str")
    QED_BASIS: Final[str] = Col("qed_basis", "str", isin=CHEM_BASES)  # where qed came from
    ALERTS_BASIS: Final[str] = Col("alerts_basis", "str", isin=CHEM_BASES)
    STRUCTURE_BASIS: Final[str] = Col("structure_basis", "str", isin=CHEM_BASES)
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


class RankingCols(Table):
    """``rankings.csv``: one row per (scope, key, compound), sorted by scope, key, then rank.

    ``scope`` is ``strategy`` (``key`` a strategy: candidates.csv's rank, repeated so the table
    stands alone), ``entry`` (``key`` a panel entry's label) or ``gene`` (``key`` a panel gene);
    entry and gene ranks score each compound on that entry's or gene's qualifying calls only
    (:mod:`senotarget.stages.rank`). ``strategies``: the strategy, or the entry's (the gene's)
    strategies; ``n_ranked``: how many compounds rank under the same scope and key.
    """

    #: The scopes a compound is ranked in, in table order.
    SCOPES: Final = ("strategy", "entry", "gene")
    SCOPE: Final[str] = Col("scope", "str", isin=SCOPES)
    KEY: Final[str] = Col("key", "str")
    STRATEGIES: Final[str] = Col("strategies", "str")
    RANK: Final[str] = Col("rank", "int64")
    N_RANKED: Final[str] = Col("n_ranked", "int64")
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    PREF_NAME: Final[str] = Col("pref_name", "str")
    SCORE: Final[str] = Col("score", "float64")
    POTENCY: Final[str] = Col("potency", "float64")
    EVIDENCE: Final[str] = Col("evidence", "float64")
    MATURITY: Final[str] = Col("maturity", "float64")
    DIRECTION_CERTAINTY: Final[str] = Col("direction_certainty", "float64")
    BREADTH: Final[str] = Col("breadth", "float64")
    DRUGLIKENESS: Final[str] = Col("druglikeness", "float64")
    ALERT_PENALTY: Final[str] = Col("alert_penalty", "float64")
    DIRECTION: Final[str] = Col("direction", "str", isin=("mechanism", "action_type", "inferred"))
    BEST_PCHEMBL: Final[str] = Col("best_pchembl", "float64")
    N_ASSAYS: Final[str] = Col("n_assays", "int64")
    N_DOCUMENTS: Final[str] = Col("n_documents", "int64")
    N_DOCUMENTS_UNKNOWN: Final[str] = Col(
        "n_documents_unknown", "int64"
    )  # distinct assays whose rows carry no document id
    MAX_PHASE: Final[str] = Col("max_phase", "float64")
    TARGETS: Final[str] = Col("targets", "str")  # ";"-joined genes of the qualifying calls
    ENTRIES: Final[str] = Col("entries", "str")  # ";"-joined panel entries of those calls
    CLUSTER: Final[str] = Col("cluster", "str")  # as in candidates.csv
    #: The score components, in the order they are summed: the same names as candidates.csv's.
    COMPONENTS: Final = CandidateCols.COMPONENTS


class SelectivityCols(Table):
    """``selectivity.csv``: one row per (compound, resolved panel gene), for top compounds.

    The compounds are those in the top ``report_top`` of any panel entry or strategy
    (:func:`senotarget.stages.rank.selectivity`).

    ``state``: ``potent`` (best median pChEMBL >= active_pchembl), ``active_weak`` (measured,
    below it), ``inactive`` (inactive-side evidence only: censored '>' values, "Not Active"
    verdicts), ``contrary`` (a call that moves the gene against the panel's direction),
    ``mechanism_only`` (a drug_mechanism record, no measurement), ``unquantified`` (evidence rows
    that give neither a potency nor an inactive verdict: '<' bounds, single-point readouts, rows
    curation set aside) or ``not_tested`` (no evidence row on the gene's targets).
    """

    #: The selectivity states, from strongest evidence of activity to none.
    STATES: Final = (
        "potent",
        "active_weak",
        "mechanism_only",
        "contrary",
        "unquantified",
        "inactive",
        "not_tested",
    )
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    PREF_NAME: Final[str] = Col("pref_name", "str")
    GENE_SYMBOL: Final[str] = Col("gene_symbol", "str")
    ENTRIES: Final[str] = Col("entries", "str")  # ";"-joined panel entries holding the gene
    STATE: Final[str] = Col("state", "str", isin=STATES)
    BEST_PCHEMBL: Final[str] = Col("best_pchembl", "float64")  # NaN unless measured
    N_ASSAYS: Final[str] = Col("n_assays", "int64")
    N_MEASUREMENTS: Final[str] = Col("n_measurements", "int64")
    CENSORED_INACTIVE: Final[str] = Col("censored_inactive", "int64")
    DIRECTION: Final[str] = Col(
        "direction", "str", isin=("", *DIRECTION_BASES)
    )  # the best call on the gene, or "" when the evidence gives none
    TOP_OF: Final[str] = Col(
        "top_of", "str"
    )  # ";"-joined "<scope>:<key>" rankings whose top report_top hold the compound


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


class ChangeCols(Table):
    """``changes.csv``: what moved between two runs (:mod:`senotarget.stages.changes`), a row each.

    ``before`` / ``after`` hold the compared value in each run (a rank, a label set, a
    direction, an evidence summary; empty when absent); ``detail`` says it in words.
    """

    CHANGE: Final[str] = Col("change", "str", isin=CHANGE_KINDS)
    STRATEGY: Final[str] = Col("strategy", "str")
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    PREF_NAME: Final[str] = Col("pref_name", "str")
    TARGET_CHEMBL_ID: Final[str] = Col("target_chembl_id", "str")
    STANDARD_TYPE: Final[str] = Col("standard_type", "str")
    BEFORE: Final[str] = Col("before", "str")
    AFTER: Final[str] = Col("after", "str")
    DETAIL: Final[str] = Col("detail", "str")


ValidationStatus: TypeAlias = Literal[
    "found",
    "wrong_label",
    "wrong_direction",
    "filtered",
    "no_evidence",
    "not_in_release",
    "negative_ok",
    "negative_failed",
]
VALIDATION_STATUSES: Final[tuple[ValidationStatus, ...]] = get_args(ValidationStatus)

#: What a known compound must do in a run: be a candidate for its strategy (``candidate``, the
#: default), be no candidate through its listed targets (``not_candidate``: a negative control),
#: or move them against the panel's direction (``contrary``: a negative control).
KnownExpectation: TypeAlias = Literal["candidate", "not_candidate", "contrary"]
KNOWN_EXPECTATIONS: Final[tuple[KnownExpectation, ...]] = get_args(KnownExpectation)


class KnownCols(Table):
    """``known_senotherapeutics.csv``: compounds the literature already calls senotherapeutic."""

    COMPOUND: Final[str] = Col("compound", "str")
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    STRATEGY: Final[str] = Col("strategy", "str", isin=STRATEGIES)
    TARGETS: Final[str] = Col("targets", "str")
    CITATION: Final[str] = Col("citation", "str")
    CLAIM: Final[str] = Col("claim", "str")
    EXPECT: Final[str] = Col(
        "expect", "str", isin=KNOWN_EXPECTATIONS
    )  # optional in a list file: a missing column or empty cell means "candidate"


class ValidationCols(Table):
    """``validation.csv``: how a run ranks each known compound (:mod:`senotarget.stages.validate`).

    ``status``: ``found`` (a candidate with the expected label), ``wrong_label`` (a candidate,
    not for the expected strategy), ``wrong_direction`` (a contrary row: it moves the target the
    other way), ``filtered`` (evidence on the panel's targets, but curation flags or weak potency
    kept it out), ``no_evidence`` (in the release, no evidence on the panel's targets),
    ``not_in_release`` (the source does not have the molecule). A negative control (``expect``
    ``not_candidate`` or ``contrary``) is ``negative_ok`` when the run does what it must,
    ``negative_failed`` when it does not (``no_evidence`` / ``not_in_release`` when there is
    nothing to judge).

    ``entry``: the panel entry holding the listed targets; ``entry_rank``: the compound's place
    among that entry's candidates for the expected strategy, in strategy-rank order, of
    ``entry_size`` (missing without the run's calls, or where no entry holds the targets).
    """

    COMPOUND: Final[str] = Col("compound", "str")
    MOLECULE_CHEMBL_ID: Final[str] = Col("molecule_chembl_id", "str")
    EXPECTED: Final[str] = Col("expected_strategy", "str", isin=STRATEGIES)
    STATUS: Final[str] = Col("status", "str", isin=VALIDATION_STATUSES)
    LABELS: Final[str] = Col("labels", "str")
    RANK: Final[str] = Col("rank", "Int64")
    N_CANDIDATES: Final[str] = Col("n_candidates", "int64")
    PERCENTILE: Final[str] = Col("percentile", "float64")
    SCORE: Final[str] = Col("score", "float64")
    DIRECTION: Final[str] = Col("direction", "str")
    REASON: Final[str] = Col("reason", "str")
    TARGETS: Final[str] = Col("targets", "str")
    CITATION: Final[str] = Col("citation", "str")
    EXPECT: Final[str] = Col("expect", "str", isin=KNOWN_EXPECTATIONS)
    ENTRY: Final[str] = Col("entry", "str")
    ENTRY_RANK: Final[str] = Col("entry_rank", "Int64")
    ENTRY_SIZE: Final[str] = Col("entry_size", "Int64")


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
