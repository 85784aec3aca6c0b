"""Fetch the evidence for resolved targets through a ChEMBL source.

Activities and drug_mechanism records on every resolved target (single proteins and the complexes
and families containing them), then the molecules they name, then the molecule_hierarchy parents of
those molecules that the first round did not bring (a mechanism recorded on a salt must reach its
parent, DESIGN §4).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from senotarget.schema import (
    ActionTypeCols,
    ActivityCols,
    MechanismCols,
    MoleculeCols,
    TargetCols,
)
from senotarget.stages.resolve import resolved_only

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.sources import ChemblSource

__all__ = ["Evidence", "fetch_evidence", "fetch_molecules"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evidence:
    """Everything fetched for a run, in the source contracts' columns."""

    activities: pd.DataFrame
    mechanisms: pd.DataFrame
    molecules: pd.DataFrame
    action_types: pd.DataFrame


def fetch_evidence(
    source: ChemblSource,
    targets: pd.DataFrame,
    progress: Callable[[str], None] | None = None,
) -> Evidence:
    """Fetch activities, mechanisms, molecules and the action_type lookup for resolved targets.

    :param source: an open ChEMBL source
    :param targets: :func:`senotarget.stages.resolve.resolve_targets` output
    :param progress: called with a short message before each step (for progress display)
    """
    import pandas as pd

    say = progress or (lambda _message: None)
    target_ids = sorted(set(resolved_only(targets)[TargetCols.TARGET_CHEMBL_ID]))
    say(f"activities on {len(target_ids)} targets")
    activities = source.activities(target_ids)
    say("mechanisms")
    mechanisms = source.mechanisms(target_ids)
    wanted = list(
        dict.fromkeys(
            [
                *pd.unique(activities[ActivityCols.MOLECULE_CHEMBL_ID]).tolist(),
                *mechanisms[MechanismCols.MOLECULE_CHEMBL_ID].tolist(),
            ]
        )
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
    logger.info(
        "fetched %d activities, %d mechanisms, %d molecules on %d targets",
        len(activities),
        len(mechanisms),
        len(molecules),
        len(target_ids),
    )
    return Evidence(
        ActivityCols.check(activities, "fetch (activities)"),
        MechanismCols.check(mechanisms, "fetch (mechanisms)"),
        MoleculeCols.check(molecules, "fetch (molecules)"),
        ActionTypeCols.check(source.action_types(), "fetch (action types)"),
    )


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
