"""End to end on the real ChEMBL extract in ../shared/chembl (skips when it is absent).

The extract (its README) has few drug_mechanism rows, some on salts or family targets, partial
molecule_hierarchy, few confidence scores: every check here is on what a real user would see.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from senotarget.schema import STRATEGIES, CandidateCols, RunResult
from senotarget.stages.fetch import meets_condition

pytestmark = pytest.mark.realdata


def read_csv(run: RunResult, name: str) -> pd.DataFrame:
    """A table of the real run as plain CSV (empty cells missing, nothing else read as NA)."""
    return pd.read_csv(
        Path(run.run_dir) / name, keep_default_na=False, na_values=[""], low_memory=False
    )


@pytest.fixture(scope="module")
def candidates(real_run: RunResult) -> pd.DataFrame:
    return read_csv(real_run, "candidates.csv")


@pytest.fixture(scope="module")
def evidence(real_run: RunResult) -> pd.DataFrame:
    return read_csv(real_run, "evidence.csv")


def row(table: pd.DataFrame, strategy: str, name: str) -> pd.Series:
    mine = table[
        (table[CandidateCols.STRATEGY] == strategy) & (table[CandidateCols.PREF_NAME] == name)
    ]
    assert len(mine) == 1, f"{name} has {len(mine)} {strategy} rows"
    return mine.iloc[0]


def test_every_strategy_has_candidates(candidates: pd.DataFrame) -> None:
    counts = (
        candidates[candidates[CandidateCols.IS_CANDIDATE]].groupby(CandidateCols.STRATEGY).size()
    )
    assert set(counts.index) == set(STRATEGIES)
    assert (counts > 10).all()


@pytest.mark.parametrize(
    ("name", "genes"), [("NAVITOCLAX", ("BCL2", "BCL2L1")), ("VENETOCLAX", ("BCL2",))]
)
def test_bcl2_inhibitors_are_senolytic_from_their_mechanism(
    candidates: pd.DataFrame, name: str, genes: tuple[str, ...]
) -> None:
    hit = row(candidates, "senolytic", name)
    assert bool(hit[CandidateCols.IS_CANDIDATE])
    assert hit[CandidateCols.DIRECTION] == "mechanism"
    assert "senolytic" in hit[CandidateCols.LABELS].split(";")
    for gene in genes:
        assert f"inhibits {gene} (" in hit[CandidateCols.EVIDENCE_TEXT]
    assert "mechanism: INHIBITOR" in hit[CandidateCols.EVIDENCE_TEXT]


@pytest.mark.parametrize(
    ("strategy", "name", "target", "recorded_on"),
    [
        (
            "senomorphic",
            "TOFACITINIB",
            "CHEMBL2363062",
            "CHEMBL2103743",
        ),  # JAK family, on the citrate salt
        ("senomorphic", "PEFICITINIB", "CHEMBL2363062", None),  # JAK family
        ("senolytic", "CAPIVASERTIB", "CHEMBL2111353", None),  # AKT family
        ("senomorphic", "RUXOLITINIB", "CHEMBL2971", "CHEMBL1795071"),  # on the phosphate salt
    ],
)
def test_family_and_salt_mechanisms_reach_the_parent(
    candidates: pd.DataFrame,
    evidence: pd.DataFrame,
    strategy: str,
    name: str,
    target: str,
    recorded_on: str | None,
) -> None:
    hit = row(candidates, strategy, name)
    assert hit[CandidateCols.DIRECTION] == "mechanism"
    mine = evidence[
        (evidence.molecule_chembl_id == hit[CandidateCols.MOLECULE_CHEMBL_ID])
        & (evidence.target_chembl_id == target)
    ]
    assert not mine.empty and "INHIBITOR" in set(mine.mechanism_action_type)
    if recorded_on:
        assert recorded_on in set(mine.mechanism_molecules)
        assert f"recorded on {recorded_on}" in hit[CandidateCols.EVIDENCE_TEXT]


def test_nampt_inhibitors_are_contrary_not_senoreverters(candidates: pd.DataFrame) -> None:
    nampt = candidates[(candidates.strategy == "senoreverter") & (candidates.targets == "NAMPT")]
    assert len(nampt) > 100
    assert set(nampt[CandidateCols.DIRECTION]) == {"contrary"}
    assert not nampt[CandidateCols.IS_CANDIDATE].any()


def test_senoreverter_calls_carry_relapse_caution(candidates: pd.DataFrame) -> None:
    rows = candidates[(candidates.strategy == "senoreverter") & candidates.is_candidate]
    assert rows[CandidateCols.CAUTION].str.contains("Relapse risk").all()


def test_every_panel_gene_is_resolved_or_explained(real_run: RunResult) -> None:
    targets = pd.read_csv(Path(real_run.run_dir) / "targets.csv", keep_default_na=False)
    assert set(targets.status) <= {"resolved", "ambiguous", "unresolved"}
    assert (targets.reason != "").all()
    assert targets.gene_symbol.nunique() == 27


def test_known_senotherapeutics_present_in_the_data_get_their_label(real_run: RunResult) -> None:
    """The validation gate: a listed compound the run labels at all must carry the listed label.

    ``filtered``, ``no_evidence`` and ``not_in_release`` are misses the report explains; a
    ``wrong_label`` or ``wrong_direction`` means the classification contradicts the paper.
    """
    validation = pd.read_csv(Path(real_run.run_dir) / "validation.csv", keep_default_na=False)
    known = pd.read_csv(
        Path(__file__).resolve().parents[1] / "benchmarks" / "known_senotherapeutics.csv",
        keep_default_na=False,
    )
    assert validation["molecule_chembl_id"].tolist() == known["molecule_chembl_id"].tolist()
    # FK866 is listed by name: the extract holds no molecule of those names (README)
    fk866 = validation[validation["compound"].str.startswith("FK866")].iloc[0]
    assert (fk866["status"], fk866["reason"]) == (
        "not_in_release",
        "no single molecule is named FK866 or FK-866 or daporinad or APO866 in the release",
    )
    wrong = validation[
        validation["status"].isin(["wrong_label", "wrong_direction", "negative_failed"])
    ]
    assert wrong.empty, wrong[["compound", "expected_strategy", "status", "reason"]].to_string()
    found = validation[validation["status"] == "found"]
    assert {"navitoclax", "sirolimus", "ruxolitinib"} <= set(found["compound"])


# -- rapalogs through FKBP1A; tacrolimus is no mTOR inhibitor (Choi 1996; Liu 1991) ----------------

#: (ChEMBL id, what it is, meets rapamycin_site). Structures are read from the extract.
RAPAMYCIN_SITE_REAL: list[tuple[str, str, bool]] = [
    ("CHEMBL413", "sirolimus", True),
    ("CHEMBL1908360", "everolimus", True),
    ("CHEMBL1201182", "temsirolimus", True),
    ("CHEMBL2103839", "ridaforolimus", True),
    ("CHEMBL219410", "zotarolimus (C40 tetrazole; FKBP1A record, no name here)", True),
    ("CHEMBL269732", "tacrolimus (FK506; no name here)", False),
    ("CHEMBL265123", "an FK506 C21 analogue", False),
    ("CHEMBL6367", "GPI-1046, a synthetic FKBP ligand", False),
    ("CHEMBL371029", "a synthetic FKBP-binding macrocycle without the triene", False),
]


@pytest.mark.parametrize(
    ("chembl_id", "expected"),
    [(c[0], c[2]) for c in RAPAMYCIN_SITE_REAL],
    ids=[c[1] for c in RAPAMYCIN_SITE_REAL],
)
def test_rapamycin_site_rule_on_the_extract(
    shared_db: Path, chembl_id: str, expected: bool
) -> None:
    connection = sqlite3.connect(f"file:{shared_db}?mode=ro", uri=True)
    try:
        (smiles,) = connection.execute(
            "SELECT s.canonical_smiles FROM molecule_dictionary m JOIN compound_structures s "
            "ON s.molregno = m.molregno WHERE m.chembl_id = ?",
            (chembl_id,),
        ).fetchone()
    finally:
        connection.close()
    assert meets_condition("rapamycin_site", smiles) is expected


TACROLIMUS = "CHEMBL269732"
VIA_FKBP12 = "allosteric mTORC1 inhibition via FKBP12 (mechanism on FKBP1A: INHIBITOR)"


def test_tacrolimus_is_no_mtor_candidate(candidates: pd.DataFrame, evidence: pd.DataFrame) -> None:
    mine = candidates[candidates[CandidateCols.MOLECULE_CHEMBL_ID] == TACROLIMUS]
    assert mine.empty, mine[[CandidateCols.STRATEGY, CandidateCols.TARGETS]].to_string()
    on_mtor = evidence[
        (evidence.molecule_chembl_id == TACROLIMUS) & (evidence.gene_symbols == "MTOR")
    ]
    # its two "mTOR" rows are FKBP12 binding assays (SPA, macrophilin): excluded, not potency
    assert on_mtor[["n_measurements", "n_excluded", "flags"]].values.tolist() == [
        [0, 2, "other_protein_assay"]
    ]


@pytest.mark.parametrize("name", ["SIROLIMUS", "EVEROLIMUS", "TEMSIROLIMUS"])
def test_rapalogs_are_mtor_candidates_via_fkbp1a(
    candidates: pd.DataFrame, evidence: pd.DataFrame, name: str
) -> None:
    for strategy in ("senomorphic", "senoreverter"):
        hit = row(candidates, strategy, name)
        assert bool(hit[CandidateCols.IS_CANDIDATE])
        assert hit[CandidateCols.DIRECTION] == "mechanism"
        assert hit[CandidateCols.TARGETS] == "MTOR"
        assert VIA_FKBP12 in hit[CandidateCols.EVIDENCE_TEXT]
    record = evidence[
        (evidence.molecule_chembl_id == hit[CandidateCols.MOLECULE_CHEMBL_ID])
        & (evidence.target_chembl_id == "CHEMBL1902")
    ]
    assert record[["gene_symbols", "standard_type", "mechanism_action_type"]].values.tolist() == [
        ["MTOR", "MECHANISM", "INHIBITOR"]
    ]


def test_fkbp1a_is_resolved_as_mtor_partner_only(real_run: RunResult) -> None:
    targets = pd.read_csv(Path(real_run.run_dir) / "targets.csv", keep_default_na=False)
    partner = targets[targets.partner != ""]
    assert partner[
        ["label", "gene_symbol", "target_chembl_id", "status", "partner", "partner_requires"]
    ].values.tolist() == [["mTOR", "MTOR", "CHEMBL1902", "resolved", "FKBP1A", "rapamycin_site"]]


def test_tacrolimus_negative_control_holds(real_run: RunResult) -> None:
    validation = pd.read_csv(Path(real_run.run_dir) / "validation.csv", keep_default_na=False)
    (tacrolimus,) = validation[validation.compound == "tacrolimus"].to_dict("records")
    assert (tacrolimus["expect"], tacrolimus["status"]) == ("not_candidate", "negative_ok")
    assert "other_protein_assay" in tacrolimus["reason"]


@pytest.fixture(scope="module")
def rankings(real_run: RunResult) -> pd.DataFrame:
    return read_csv(real_run, "rankings.csv")


def entry_rank(rankings: pd.DataFrame, entry: str, molecule: str) -> tuple[int, int]:
    """(rank, compounds ranked) of ``molecule`` within the panel entry ``entry``."""
    mine = rankings[
        (rankings.scope == "entry")
        & (rankings.key == entry)
        & (rankings.molecule_chembl_id == molecule)
    ]
    assert len(mine) == 1, f"{molecule} has {len(mine)} rows in {entry}"
    return int(mine.iloc[0]["rank"]), int(mine.iloc[0]["n_ranked"])


def test_ruxolitinib_leads_jak_stat(rankings: pd.DataFrame) -> None:
    # ruxolitinib: JAK1/2 inhibitor that suppresses the SASP (Xu et al. 2015 PNAS 112:E6301)
    rank, n_ranked = entry_rank(rankings, "JAK-STAT", "CHEMBL1789941")
    assert rank <= 3 and n_ranked > 1000


def test_mcc950_in_the_top_5_percent_of_nlrp3(rankings: pd.DataFrame) -> None:
    # MCC950 (CHEMBL3183703), the selective NLRP3 inhibitor (Coll et al. 2015 Nat Med 21:248)
    rank, n_ranked = entry_rank(rankings, "NLRP3 inflammasome", "CHEMBL3183703")
    assert rank <= 0.05 * n_ranked


def test_unknown_documents_are_not_zero_documents(rankings: pd.DataFrame) -> None:
    # the extract's NLRP3 rows have no document ids: the evidence rests on the assays alone
    (mcc950,) = rankings[
        (rankings.scope == "entry") & (rankings.molecule_chembl_id == "CHEMBL3183703")
    ].to_dict("records")
    assert (mcc950["n_documents"], mcc950["n_documents_unknown"]) == (0, mcc950["n_assays"])
    assert mcc950["n_assays"] >= 20 and mcc950["evidence"] == 1.0


def test_clusters_lead_themselves_and_cover_every_structure(candidates: pd.DataFrame) -> None:
    compounds = candidates.drop_duplicates("molecule_chembl_id")
    with_structure = compounds.canonical_smiles.notna()
    assert compounds.loc[with_structure, "cluster"].notna().all()
    leaders = set(compounds.cluster.dropna())
    led = compounds[compounds.molecule_chembl_id.isin(leaders)]
    assert (led.cluster == led.molecule_chembl_id).all()
    assert 100 < len(leaders) < len(compounds)


def test_report_top_lists_are_diverse(candidates: pd.DataFrame) -> None:
    from senotarget.report.html import Clusters, diverse_top

    clusters = Clusters.from_candidates(candidates.fillna({"cluster": ""}))
    held_somewhere = False
    for strategy in STRATEGIES:
        ranked = candidates[(candidates.strategy == strategy) & candidates.is_candidate]
        ranked = ranked.sort_values("rank").reset_index(drop=True)
        shown, held = diverse_top(ranked, 25, 3, clusters)
        assert len(shown) == 25
        assert ranked.iloc[shown].cluster.value_counts().max() <= 3
        held_somewhere |= bool(held)
    assert held_somewhere  # the extract's analogue series do fill a cluster somewhere


def test_the_extract_has_no_chemistry_of_its_own_so_every_value_is_computed(
    real_run: RunResult,
) -> None:
    """compound_properties.qed_weighted is empty, compound_structural_alerts has no rows and
    compound_structures.standard_inchi_key is NULL in the extract (its README): every structure,
    QED and alert verdict is ours, and says so."""
    candidates = pd.read_csv(Path(real_run.run_dir) / "candidates.csv", keep_default_na=False)
    assert set(candidates["qed_basis"]) <= {"computed", ""}
    assert set(candidates["alerts_basis"]) <= {"computed", ""}
    assert (candidates["alerts_basis"] == "computed").mean() > 0.99
    assert set(candidates["structure_basis"]) <= {"computed", ""}
    manifest = json.loads((Path(real_run.run_dir) / "manifest.json").read_text())
    basis = manifest["chemistry_basis"]
    assert basis["qed_from_chembl"] == 0 and basis["alerts_from_chembl"] == 0
    assert basis["structure_from_chembl"] == 0
    assert basis["qed_computed"] > 20000
