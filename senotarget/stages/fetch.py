"""Fetch the evidence for resolved targets through a ChEMBL source.

Activities and drug_mechanism records on every resolved target of the panel's genes (single
proteins and the complexes and families containing them), the drug_mechanism records (never the
activities) of the entries' mechanism partners (:class:`senotarget.schema.MechanismPartner`), then
the molecules they name, then the molecule_hierarchy parents of those molecules that the first
round did not bring (a mechanism recorded on a salt must reach its parent, DESIGN §4).

A partner's record counts for the entry's gene only for the ligands its condition admits
(:data:`PARTNER_CONDITIONS`), tested on the recorded molecule's structure: ChEMBL records the
rapalogs' mechanism on FKBP1A (FKBP12), and FKBP12 also binds tacrolimus, pimecrolimus and
synthetic FKBP ligands, which do not inhibit mTOR (Liu et al. 1991 Cell 66:807). Records the
condition does not admit are set aside (:attr:`Evidence.set_aside_mechanisms`), not counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from senotarget.schema import (
    ActionTypeCols,
    ActivityCols,
    MechanismCols,
    MoleculeCols,
    PartnerCondition,
    TargetCols,
)
from senotarget.stages.resolve import own_targets, partner_targets
from senotarget.util.rdkit_log import without_rdkit_log

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.sources import ChemblSource

__all__ = [
    "PARTNER_CONDITIONS",
    "Condition",
    "Evidence",
    "Lookups",
    "activity_batches",
    "fetch_evidence",
    "fetch_lookups",
    "fetch_molecules",
    "meets_condition",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Condition:
    """A ligand set a mechanism partner's records are restricted to, as substructures.

    :param name: the vocabulary value (:data:`senotarget.schema.PARTNER_CONDITIONS`)
    :param text: what a ligand that meets it is called in evidence text
    :param smarts: SMARTS patterns a structure must all match (stereochemistry ignored)
    :param explanation: what the patterns are and why they define the set
    :param citation: where the structural basis is shown
    """

    name: PartnerCondition
    text: str
    smarts: tuple[str, ...]
    explanation: str
    citation: str


#: The FKBP12-binding domain shared by rapamycin and FK506: the alpha-ketoamide on the ring
#: nitrogen of a cyclic amino-acid ester (pipecolate in both; proline in prolyl-rapamycin).
FKBP_BINDING_SMARTS: Final = "O=C-C(=O)-[N;R]@[C;R]-C(=O)-O"
#: Rapamycin's C16-C23 region, in a ring: the C17-methyl-branched conjugated triene C17-C22 between
#: the sp3 ring carbons C16 and C23. FK506 and pimecrolimus have no triene; seco-rapamycin has it
#: outside any ring.
FRB_TRIENE_SMARTS: Final = "[C;R;X4]-[C;R](-[CH3])=[CH1;R]-[CH1;R]=[CH1;R]-[CH1;R]=[CH1;R]-[C;R;X4]"
_RAPAMYCIN_CITATION: Final = (
    "Choi et al. 1996 Science 273:239 (rapamycin occupies binding pockets on FKBP12 and on the "
    "FRB domain of FRAP/mTOR at once); Edwards & Wandless 2007 J Biol Chem 282:13395 (C16 lies in "
    "the FRB-binding interface); Guo et al. 2019 Nat Chem, PMC6435255 (rapamycin and FK506 share "
    "the FKBP-binding domain; their effector domains choose mTOR or calcineurin)"
)
#: Conditions by name: every value of :data:`senotarget.schema.PARTNER_CONDITIONS` has one.
PARTNER_CONDITIONS: Final[Mapping[str, Condition]] = {
    "rapamycin_site": Condition(
        "rapamycin_site",
        "rapamycin-site ligand",
        (FKBP_BINDING_SMARTS, FRB_TRIENE_SMARTS),
        "the rapamycin macrocycle: the FKBP12-binding alpha-ketoamide of a cyclic amino-acid "
        "ester (shared with FK506) together with the FRB-binding C16-C23 region, a "
        "methyl-branched conjugated triene inside the ring. Sirolimus, everolimus, temsirolimus, "
        "ridaforolimus and zotarolimus meet it; tacrolimus (FK506), pimecrolimus, synthetic FKBP "
        "ligands (SLF, shield-1, GPI-1046) and ring-opened seco-rapamycin do not.",
        _RAPAMYCIN_CITATION,
    ),
}


@cache
def _patterns(name: str) -> tuple[Any, ...]:
    from rdkit import Chem

    return tuple(Chem.MolFromSmarts(s) for s in PARTNER_CONDITIONS[name].smarts)


def meets_condition(name: str, smiles: object) -> bool:
    """Whether a structure meets a partner condition (:data:`PARTNER_CONDITIONS`).

    :param name: a condition name
    :param smiles: a SMILES string; a missing or unparsable one meets no condition
    :raises KeyError: an unknown condition name
    """
    patterns = _patterns(name)
    if not isinstance(smiles, str) or not smiles:
        return False
    from rdkit import Chem

    with without_rdkit_log():
        molecule = Chem.MolFromSmiles(smiles)
    return molecule is not None and all(molecule.HasSubstructMatch(p) for p in patterns)


def _empty_mechanisms() -> pd.DataFrame:
    return MechanismCols.empty()


@dataclass(frozen=True)
class Lookups:
    """What a run fetches besides the activities: mechanisms, molecules, action types.

    ``set_aside_mechanisms``: mechanism partners' records whose molecule does not meet the
    partner's condition (they are not in ``mechanisms``).
    """

    mechanisms: pd.DataFrame
    molecules: pd.DataFrame
    action_types: pd.DataFrame
    set_aside_mechanisms: pd.DataFrame = field(default_factory=_empty_mechanisms)


@dataclass(frozen=True)
class Evidence(Lookups):
    """Everything fetched for a small run at once: the :class:`Lookups` and the activities."""

    activities: pd.DataFrame = field(default_factory=ActivityCols.empty)


def fetch_evidence(
    source: ChemblSource,
    targets: pd.DataFrame,
    progress: Callable[[str], None] | None = None,
) -> Evidence:
    """Fetch activities, mechanisms, molecules and the action_type lookup for resolved targets.

    Every activity at once; a run reads them in batches (:func:`activity_batches`) and fetches
    the rest with :func:`fetch_lookups`.

    :param source: an open ChEMBL source
    :param targets: :func:`senotarget.stages.resolve.resolve_targets` output; its mechanism
        partners' targets bring their drug_mechanism records only
    :param progress: called with a short message before each step (for progress display)
    """
    import pandas as pd

    say = progress or (lambda _message: None)
    own_ids = sorted(set(own_targets(targets)[TargetCols.TARGET_CHEMBL_ID]))
    say(f"activities on {len(own_ids)} targets")
    activities = source.activities(own_ids)
    lookups = fetch_lookups(
        source, targets, pd.unique(activities[ActivityCols.MOLECULE_CHEMBL_ID]).tolist(), say
    )
    return Evidence(
        lookups.mechanisms,
        lookups.molecules,
        lookups.action_types,
        lookups.set_aside_mechanisms,
        ActivityCols.check(activities, "fetch (activities)"),
    )


def activity_batches(
    source: ChemblSource, targets: pd.DataFrame, rows: int
) -> Generator[pd.DataFrame]:
    """The activities on the resolved targets (not on mechanism partners), ``rows`` at a time.

    :param source: an open ChEMBL source
    :param targets: :func:`senotarget.stages.resolve.resolve_targets` output
    :param rows: the most rows in one frame
    """
    own_ids = sorted(set(own_targets(targets)[TargetCols.TARGET_CHEMBL_ID]))
    batches = source.activity_batches(own_ids, rows)
    try:
        for batch in batches:
            yield ActivityCols.check(batch, "fetch (activities)")
    finally:  # closing this generator ends the source's query too
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def fetch_lookups(
    source: ChemblSource,
    targets: pd.DataFrame,
    activity_molecules: Sequence[object],
    progress: Callable[[str], None] | None = None,
) -> Lookups:
    """Fetch mechanisms, the molecules the activities and mechanisms name, and action types.

    :param source: an open ChEMBL source
    :param targets: :func:`senotarget.stages.resolve.resolve_targets` output
    :param activity_molecules: the distinct molecule ids of the activities, in their order
    :param progress: called with a short message before each step (for progress display)
    """
    import pandas as pd

    say = progress or (lambda _message: None)
    own_ids = sorted(set(own_targets(targets)[TargetCols.TARGET_CHEMBL_ID]))
    partners = partner_targets(targets)
    partner_ids = sorted(set(partners[TargetCols.TARGET_CHEMBL_ID]) - set(own_ids))
    say("mechanisms")
    mechanisms = source.mechanisms(sorted({*own_ids, *partner_ids}))
    wanted = list(
        dict.fromkeys([*activity_molecules, *mechanisms[MechanismCols.MOLECULE_CHEMBL_ID].tolist()])
    )
    wanted = [m for m in wanted if isinstance(m, str)]
    say(f"{len(wanted)} molecules")
    molecules = source.molecules(wanted)
    parents = set(molecules[MoleculeCols.HIERARCHY_PARENT].dropna()) - set(
        molecules[MoleculeCols.MOLECULE_CHEMBL_ID]
    )
    if parents:
        say(f"{len(parents)} hierarchy parents")
        molecules = pd.concat([molecules, source.molecules(sorted(parents))], ignore_index=True)
    if molecules[MoleculeCols.MOLECULE_CHEMBL_ID].duplicated().any():
        molecules = molecules.drop_duplicates(MoleculeCols.MOLECULE_CHEMBL_ID, ignore_index=True)
    mechanisms, set_aside = _partner_records(mechanisms, partners, partner_ids, molecules)
    logger.info(
        "fetched %d mechanisms (%d partner records set aside), %d molecules on %d targets",
        len(mechanisms),
        len(set_aside),
        len(molecules),
        len(own_ids) + len(partner_ids),
    )
    return Lookups(
        MechanismCols.check(mechanisms, "fetch (mechanisms)"),
        MoleculeCols.check(molecules, "fetch (molecules)"),
        ActionTypeCols.check(source.action_types(), "fetch (action types)"),
        MechanismCols.check(set_aside, "fetch (set-aside partner mechanisms)"),
    )


def _partner_records(
    mechanisms: pd.DataFrame,
    partners: pd.DataFrame,
    partner_ids: list[str],
    molecules: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the records on partner targets into those the partner's condition admits and not.

    A partner target named by several entries keeps a record only if it meets every condition
    they state (the strictest reading). The structure tested is the recorded molecule's, or its
    hierarchy parent's where it has none.
    """
    on_partner = mechanisms[MechanismCols.TARGET_CHEMBL_ID].isin(partner_ids)
    if not on_partner.any():
        return mechanisms, mechanisms.iloc[0:0]
    conditions = (
        partners.groupby(TargetCols.TARGET_CHEMBL_ID)[TargetCols.PARTNER_REQUIRES]
        .agg(lambda s: sorted({str(c) for c in s.fillna("") if c}))
        .to_dict()
    )
    smiles = dict(
        zip(
            molecules[MoleculeCols.MOLECULE_CHEMBL_ID],
            molecules[MoleculeCols.CANONICAL_SMILES],
            strict=True,
        )
    )
    parent = dict(
        zip(
            molecules[MoleculeCols.MOLECULE_CHEMBL_ID],
            molecules[MoleculeCols.HIERARCHY_PARENT],
            strict=True,
        )
    )

    def structure(molecule: str) -> object:
        own = smiles.get(molecule)
        return own if isinstance(own, str) and own else smiles.get(parent.get(molecule, ""))

    keep = []
    for target, molecule, partner_row in zip(
        mechanisms[MechanismCols.TARGET_CHEMBL_ID],
        mechanisms[MechanismCols.MOLECULE_CHEMBL_ID],
        on_partner,
        strict=True,
    ):
        keep.append(
            not partner_row
            or all(meets_condition(c, structure(str(molecule))) for c in conditions[target])
        )
    kept = mechanisms[keep].reset_index(drop=True)
    set_aside = mechanisms[[not k for k in keep]].reset_index(drop=True)
    return kept, set_aside


def fetch_molecules(
    source: ChemblSource, wanted: Sequence[str], molecules: pd.DataFrame
) -> pd.DataFrame:
    """Molecule rows for ``wanted`` ids that ``molecules`` lacks (one lookup, maybe empty).

    The validation stage needs the known compounds' hierarchy parents even when the panel's
    evidence did not bring them.
    """
    fetched = set(molecules[MoleculeCols.MOLECULE_CHEMBL_ID].astype(str))
    rest = [m for m in wanted if m not in fetched]
    if not rest:
        return molecules.iloc[0:0]
    return MoleculeCols.check(source.molecules(rest), "fetch (known molecules)")
