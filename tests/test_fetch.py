"""fetch: evidence for resolved targets, hierarchy parents outside the first round, and the
mechanism records of partners (FKBP1A for MTOR) for the ligands their condition admits."""

from __future__ import annotations

from pathlib import Path

import pytest

from senotarget import schema
from senotarget.config import Thresholds
from senotarget.panels.load import parse_panel
from senotarget.schema import ActionTypeCols, ActivityCols, MechanismCols, MoleculeCols
from senotarget.sources.sql import SqlSource
from senotarget.stages.fetch import PARTNER_CONDITIONS, Evidence, fetch_evidence, meets_condition
from senotarget.stages.resolve import resolve_targets
from tests.chembl_fixture import (
    PANEL_TOML,
    PARTNER_PANEL_TOML,
    RIDAFOROLIMUS_SMILES,
    SIROLIMUS_SMILES,
    SLF_SMILES,
    TACROLIMUS_SMILES,
    TORKIN_SMILES,
    build_chembl_db,
)


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


# -- mechanism partners: FKBP1A for MTOR, rapamycin-site ligands only -----------------------------

PIMECROLIMUS_SMILES = (
    "COC1CC(CCC1Cl)C=C(C)C1OC(=O)C2CCCCN2C(=O)C(=O)C2(O)OC(C(CC(C)CC(C)=CC(CC)C(=O)CC(O)C1C)OC)"
    "C(CC2C)OC"
)
#: Sirolimus with its lactone opened (acid and alcohol): the triene is in no ring any more.
SECO_RAPAMYCIN_SMILES = (
    "COC(CC1CCC(C)C(O)(O1)C(=O)C(=O)N1CCCCC1C(=O)O)C(C)=CC=CC=CC(C)CC(C)C(=O)C(OC)C(O)"
    "C(C)=CC(C)C(=O)CC(O)C(C)CC1CCC(O)C(OC)C1"
)
#: Stereo-free structures written for these tests from the published compounds (Choi et al. 1996
#: Science 273:239: rapamycin binds FKBP12 and the FRB domain of mTOR; Liu et al. 1991 Cell
#: 66:807: FK506 binds FKBP12 and inhibits calcineurin). (name, SMILES, meets rapamycin_site)
RAPAMYCIN_SITE_CASES: list[tuple[str, object, bool]] = [
    ("sirolimus", SIROLIMUS_SMILES, True),
    ("everolimus", SIROLIMUS_SMILES.replace("CCC(O)C(OC)C2", "CCC(OCCO)C(OC)C2"), True),
    (
        "temsirolimus",
        SIROLIMUS_SMILES.replace("CCC(O)C(OC)C2", "CCC(OC(=O)C(C)(CO)CO)C(OC)C2"),
        True,
    ),
    ("ridaforolimus", RIDAFOROLIMUS_SMILES, True),
    ("zotarolimus", SIROLIMUS_SMILES.replace("CCC(O)C(OC)C2", "CCC(n3cnnn3)C(OC)C2"), True),
    ("sirolimus sodium-salt form", SIROLIMUS_SMILES + ".[Na+].[Cl-]", True),
    ("tacrolimus (FK506)", TACROLIMUS_SMILES, False),
    (
        "pimecrolimus",
        PIMECROLIMUS_SMILES,
        False,
    ),
    ("SLF", SLF_SMILES, False),
    (
        "shield-1",
        "CCC(C(=O)N1CCCCC1C(=O)OC(CCc1ccc(OC)c(OC)c1)c1cccc(OCCN2CCOCC2)c1)c1cc(OC)c(OC)c(OC)c1",
        False,
    ),
    ("GPI-1046", "CCC(C)(C)C(=O)C(=O)N1CCCC1C(=O)OCCCc1cccnc1", False),
    (
        "seco-rapamycin (lactone opened)",
        SECO_RAPAMYCIN_SMILES,
        False,
    ),
    ("an ATP-site-like inhibitor", TORKIN_SMILES, False),
    ("unparsable", "C1CC(", False),
    ("no structure", None, False),
]


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [case[1:] for case in RAPAMYCIN_SITE_CASES],
    ids=[case[0] for case in RAPAMYCIN_SITE_CASES],
)
def test_rapamycin_site_rule(smiles: object, expected: bool) -> None:
    assert meets_condition("rapamycin_site", smiles) is expected


def test_every_partner_condition_is_implemented() -> None:
    assert set(PARTNER_CONDITIONS) == set(schema.PARTNER_CONDITIONS)
    for name, condition in PARTNER_CONDITIONS.items():
        assert condition.name == name and condition.citation and condition.smarts
    with pytest.raises(KeyError):
        meets_condition("macrolide", SIROLIMUS_SMILES)


@pytest.fixture(scope="module")
def partner_evidence(tmp_path_factory: pytest.TempPathFactory) -> tuple[Evidence, list[str]]:
    db = build_chembl_db(tmp_path_factory.mktemp("partner") / "p.sqlite", partners=True)
    source = SqlSource(str(db))
    panel = parse_panel(PARTNER_PANEL_TOML, source="fixture")
    targets = resolve_targets(panel, source.search_targets(panel.genes(), 9606), Thresholds())
    messages: list[str] = []
    evidence = fetch_evidence(source, targets, messages.append)
    source.close()
    return evidence, messages


def test_partner_target_brings_mechanisms_not_activities(
    partner_evidence: tuple[Evidence, list[str]],
) -> None:
    evidence, messages = partner_evidence
    assert messages == ["activities on 7 targets", "mechanisms", "21 molecules"]
    activities = evidence.activities
    assert "CHEMBL90010" not in set(activities[ActivityCols.TARGET_CHEMBL_ID])  # FKBP1A's Ki
    assert len(activities) == 27  # the 20 base rows and the 7 partner-case rows on mTOR
    # mec 11 is on an FKBP12 complex (not a partner row: not fetched)
    assert sorted(evidence.mechanisms[MechanismCols.MEC_ID]) == [1, 2, 3, 4, 5, 6, 7, 8, 12]


#: (mec_id, molecule, kept for MTOR) of the records on FKBP1A
PARTNER_RECORDS: list[tuple[int, str, bool]] = [
    (8, "CHEMBL900017", True),  # RAPALOG: a rapamycin-site ligand
    (9, "CHEMBL900018", False),  # TACROLIKE: binds FKBP12, inhibits calcineurin
    (10, "CHEMBL900019", False),  # SLFLIKE: a synthetic FKBP ligand
    (12, "CHEMBL900021", True),  # RIDALOG: kept here; classify counts only negative records
]


@pytest.mark.parametrize(("mec_id", "molecule", "kept"), PARTNER_RECORDS)
def test_partner_records_kept_only_for_rapamycin_site_ligands(
    partner_evidence: tuple[Evidence, list[str]], mec_id: int, molecule: str, kept: bool
) -> None:
    evidence, _ = partner_evidence
    where = evidence.mechanisms if kept else evidence.set_aside_mechanisms
    other = evidence.set_aside_mechanisms if kept else evidence.mechanisms
    row = where[where[MechanismCols.MEC_ID] == mec_id]
    assert row[MechanismCols.MOLECULE_CHEMBL_ID].tolist() == [molecule]
    assert row[MechanismCols.TARGET_CHEMBL_ID].tolist() == ["CHEMBL90010"]
    assert mec_id not in set(other[MechanismCols.MEC_ID])


def test_no_partner_no_set_aside(chembl_db: Path) -> None:
    source = SqlSource(str(chembl_db))
    panel = parse_panel(PANEL_TOML, source="fixture")
    targets = resolve_targets(panel, source.search_targets(panel.genes(), 9606), Thresholds())
    evidence = fetch_evidence(source, targets)
    source.close()
    assert list(evidence.set_aside_mechanisms.columns) == list(MechanismCols.ORDER)
    assert evidence.set_aside_mechanisms.empty
