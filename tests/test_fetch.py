"""fetch: evidence for resolved targets, including hierarchy parents outside the first round."""

from __future__ import annotations

from pathlib import Path

from senotarget.config import Thresholds
from senotarget.panels.load import parse_panel
from senotarget.schema import ActionTypeCols, ActivityCols, MechanismCols, MoleculeCols
from senotarget.sources.sql import SqlSource
from senotarget.stages.fetch import fetch_evidence
from senotarget.stages.resolve import resolve_targets
from tests.chembl_fixture import PANEL_TOML


def test_fetch_brings_activities_mechanisms_molecules(chembl_db: Path) -> None:
    source = SqlSource(str(chembl_db))
    panel = parse_panel(PANEL_TOML, source="fixture")
    targets = resolve_targets(panel, source.search_targets(panel.genes(), 9606), Thresholds())
    messages: list[str] = []
    evidence = fetch_evidence(source, targets, messages.append)
    source.close()
    assert list(evidence.activities.columns) == list(ActivityCols.ORDER)
    assert len(evidence.activities) == 20
    assert sorted(evidence.mechanisms[MechanismCols.MEC_ID]) == [1, 2, 3, 4, 5, 6, 7]
    # Every molecule named by an activity or a mechanism, once each (sorted: no duplicate).
    assert sorted(evidence.molecules[MoleculeCols.MOLECULE_CHEMBL_ID]) == [
        f"CHEMBL9000{n:02d}" for n in range(1, 17)
    ]
    hierarchy = evidence.molecules.set_index(MoleculeCols.MOLECULE_CHEMBL_ID)[
        MoleculeCols.HIERARCHY_PARENT
    ]
    assert hierarchy.dropna().to_dict() == {
        "CHEMBL900003": "CHEMBL900003",
        "CHEMBL900004": "CHEMBL900003",
    }
    assert messages == ["activities on 7 targets", "mechanisms", "16 molecules"]
    # The whole action_type lookup of the fixture release, as the source orders it.
    assert list(evidence.action_types.columns) == list(ActionTypeCols.ORDER)
    assert evidence.action_types.values.tolist() == [
        ["ACTIVATOR", "POSITIVE MODULATOR"],
        ["AGONIST", "POSITIVE MODULATOR"],
        ["ANTAGONIST", "NEGATIVE MODULATOR"],
        ["BINDING AGENT", "OTHER"],
        ["INHIBITOR", "NEGATIVE MODULATOR"],
    ]


def test_hierarchy_parent_without_activities_is_fetched(chembl_db: Path) -> None:
    """A mechanism on a salt whose parent has no activity: the parent row is fetched too."""

    class OnlySalt:
        """Wraps the fixture source so that only the citrate salt's mechanism comes back."""

        def __init__(self) -> None:
            self.inner = SqlSource(str(chembl_db))
            self.location = self.inner.location

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def activities(self, ids: list[str]) -> object:
            return self.inner.activities(ids).iloc[0:0]

        def mechanisms(self, ids: list[str]) -> object:
            table = self.inner.mechanisms(ids)
            return table[table[MechanismCols.MOLECULE_CHEMBL_ID] == "CHEMBL900004"]

    panel = parse_panel(PANEL_TOML, source="fixture")
    source = OnlySalt()
    targets = resolve_targets(panel, source.inner.search_targets(panel.genes(), 9606), Thresholds())
    evidence = fetch_evidence(source, targets)  # type: ignore[arg-type]
    assert sorted(evidence.molecules[MoleculeCols.MOLECULE_CHEMBL_ID]) == [
        "CHEMBL900003",
        "CHEMBL900004",
    ]
