"""A tiny ChEMBL-schema SQLite database, written for the tests (no row comes from ChEMBL).

The tables and columns are the official ChEMBL SQLite names that senotarget reads; the rows are
made up so that every rule has a case: a parent with a sodium salt whose mechanism must reach it by
structure, a citrate salt with a molecule_hierarchy row and a mechanism on a protein family, an
activator mechanism on an ``inhibit`` target, an activator of an ``activate`` target, an inhibitor
of it (contrary), censored-only and "Not Active"-only compounds, a low-confidence assay, a
data-validity comment, a biologic without structure, a garbage SMILES, a PAINS-carrying compound,
an activity-level action_type, and a row whose pChEMBL the release left empty.

``build_chembl_db(path, partners=True)`` adds the rows of the mechanism-partner cases (the
``PARTNER_*`` lists, used with :data:`PARTNER_PANEL_TOML`): FKBP1A with an FKBP12 complex, a
sirolimus-like rapalog whose only mechanism is on FKBP1A, a tacrolimus-like and an SLF-like FKBP
ligand with FKBP1A mechanisms too, FKBP12 binding assays that ChEMBL-style mapping puts on mTOR,
an "FKBP12-independent mTOR" assay that stays, a ridaforolimus-like rapalog and an ATP-site-like
inhibitor measured on mTOR itself. The structures are written here from the published compounds,
without stereochemistry (the partner condition ignores it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

SCHEMA: Final = """
CREATE TABLE version (name TEXT, creation_date TEXT, comments TEXT);
CREATE TABLE target_dictionary (tid INTEGER PRIMARY KEY, target_type TEXT, pref_name TEXT,
    tax_id INTEGER, organism TEXT, chembl_id TEXT, species_group_flag INTEGER);
CREATE TABLE component_sequences (component_id INTEGER PRIMARY KEY, component_type TEXT,
    accession TEXT, sequence TEXT, sequence_md5sum TEXT, description TEXT, tax_id INTEGER,
    organism TEXT, db_source TEXT, db_version TEXT);
CREATE TABLE target_components (tid INTEGER, component_id INTEGER, targcomp_id INTEGER,
    homologue INTEGER);
CREATE TABLE component_synonyms (compsyn_id INTEGER PRIMARY KEY, component_id INTEGER,
    component_synonym TEXT, syn_type TEXT);
CREATE TABLE docs (doc_id INTEGER PRIMARY KEY, chembl_id TEXT, year INTEGER);
CREATE TABLE assays (assay_id INTEGER PRIMARY KEY, doc_id INTEGER, description TEXT,
    assay_type TEXT, tid INTEGER, relationship_type TEXT, confidence_score INTEGER,
    chembl_id TEXT, bao_format TEXT);
CREATE TABLE molecule_dictionary (molregno INTEGER PRIMARY KEY, pref_name TEXT, chembl_id TEXT,
    max_phase NUMERIC, molecule_type TEXT);
CREATE TABLE compound_structures (molregno INTEGER PRIMARY KEY, molfile TEXT,
    standard_inchi TEXT, standard_inchi_key TEXT, canonical_smiles TEXT);
CREATE TABLE molecule_hierarchy (molregno INTEGER PRIMARY KEY, parent_molregno INTEGER,
    active_molregno INTEGER);
CREATE TABLE molecule_synonyms (molregno INTEGER, syn_type TEXT, molsyn_id INTEGER PRIMARY KEY,
    res_stem_id INTEGER, synonyms TEXT);
CREATE TABLE compound_properties (molregno INTEGER PRIMARY KEY, qed_weighted NUMERIC);
CREATE TABLE structural_alert_sets (alert_set_id INTEGER PRIMARY KEY, set_name TEXT,
    priority INTEGER);
CREATE TABLE structural_alerts (alert_id INTEGER PRIMARY KEY, alert_set_id INTEGER,
    alert_name TEXT, smarts TEXT);
CREATE TABLE compound_structural_alerts (cpd_str_alert_id INTEGER PRIMARY KEY, molregno INTEGER,
    alert_id INTEGER);
CREATE TABLE activities (activity_id INTEGER PRIMARY KEY, assay_id INTEGER, doc_id INTEGER,
    record_id INTEGER, molregno INTEGER, standard_relation TEXT, standard_value NUMERIC,
    standard_units TEXT, standard_flag INTEGER, standard_type TEXT, activity_comment TEXT,
    data_validity_comment TEXT, potential_duplicate INTEGER, pchembl_value NUMERIC,
    action_type TEXT);
CREATE TABLE drug_mechanism (mec_id INTEGER PRIMARY KEY, record_id INTEGER, molregno INTEGER,
    mechanism_of_action TEXT, tid INTEGER, action_type TEXT, direct_interaction INTEGER);
CREATE TABLE action_type (action_type TEXT PRIMARY KEY, description TEXT, parent_type TEXT);
"""

RELEASE: Final = "ChEMBL_99"

# tid, type, name, chembl_id, component ids
TARGETS: Final = [
    (1, "SINGLE PROTEIN", "Apoptosis regulator Bcl-2", "CHEMBL90001", [1]),
    (2, "SINGLE PROTEIN", "Apoptosis regulator Bcl-X", "CHEMBL90002", [2]),
    (3, "SINGLE PROTEIN", "Tyrosine-protein kinase JAK1", "CHEMBL90003", [3]),
    (4, "SINGLE PROTEIN", "Tyrosine-protein kinase JAK2", "CHEMBL90004", [4]),
    (5, "PROTEIN FAMILY", "Janus kinase family", "CHEMBL90005", [3, 4]),
    (6, "SINGLE PROTEIN", "Nicotinamide phosphoribosyltransferase", "CHEMBL90006", [5]),
    (7, "SINGLE PROTEIN", "Serine/threonine-protein kinase mTOR", "CHEMBL90007", [6]),
    (8, "SINGLE PROTEIN", "Mouse Bcl-2", "CHEMBL90008", [7]),  # another taxon: never matched
    (9, "SINGLE PROTEIN", "Tumor necrosis factor", "CHEMBL90009", [8]),  # in no panel
]
# component_id, accession, gene symbol, other symbols, tax_id
COMPONENTS: Final = [
    (1, "P10415", "BCL2", [], 9606),
    (2, "Q07817", "BCL2L1", ["BCLX"], 9606),
    (3, "P23458", "JAK1", [], 9606),
    (4, "O60674", "JAK2", [], 9606),
    (5, "P43490", "NAMPT", ["PBEF1"], 9606),
    (6, "P42345", "MTOR", ["FRAP"], 9606),
    (7, "P10417", "BCL2", [], 10090),
    (8, "P01375", "TNF", ["TNFA"], 9606),
]
# molregno, chembl_id, pref_name, max_phase, smiles (None: no structure), hierarchy parent molregno
MOLECULES: Final = [
    (1, "CHEMBL900001", "BCLINIB", 4, "CC(=O)Nc1ccc(O)cc1", None),
    (2, "CHEMBL900002", "BCLINIB SODIUM", 4, "CC(=O)Nc1ccc([O-])cc1.[Na+]", None),
    (3, "CHEMBL900003", "JAKTIVE", 2, "Cc1ccc(cc1)S(=O)(=O)N", 3),
    (
        4,
        "CHEMBL900004",
        "JAKTIVE CITRATE",
        3,
        "Cc1ccc(cc1)S(=O)(=O)N.OC(=O)CC(O)(CC(=O)O)C(=O)O",
        3,
    ),
    (5, "CHEMBL900005", "MTORACT", None, "OC(=O)c1ccccc1O", None),
    (6, "CHEMBL900006", "NAMPTACT", 1, "NC(=O)c1cccnc1", None),
    (7, "CHEMBL900007", "NAMPTIN", None, "O=C(NCc1ccncc1)c1ccccc1", None),
    (8, "CHEMBL900008", None, None, "c1ccc2ccccc2c1", None),
    (9, "CHEMBL900009", None, None, "CCOc1ccccc1", None),
    (10, "CHEMBL900010", None, None, "CCN(CC)CC", None),
    (11, "CHEMBL900011", "MTORMAB", 3, None, None),
    (12, "CHEMBL900012", None, None, "CC(C)Cc1ccc(cc1)C(C)C(=O)O", None),
    (13, "CHEMBL900013", None, None, "COc1ccc(cc1)C(=O)O", None),
    (14, "CHEMBL900014", None, None, "C1CC(", None),
    (15, "CHEMBL900015", "QUERCETIN", None, "O=c1c(O)c(-c2ccc(O)c(O)c2)oc2cc(O)cc(O)c12", None),
    (16, "CHEMBL900016", None, None, "Cn1cnc2c1c(=O)n(C)c(=O)n2C", None),
]
# doc_id, chembl_id
DOCS: Final = [(1, "CHEMBL800001"), (2, "CHEMBL800002"), (3, "CHEMBL800003")]
# assay_id, chembl_id, tid, type, confidence, doc, description
ASSAYS: Final = [
    (1, "CHEMBL700001", 1, "B", 9, 1, "Inhibition of Bcl-2"),
    (2, "CHEMBL700002", 1, "B", 9, 2, "Displacement from Bcl-2"),
    (3, "CHEMBL700003", 1, "B", 4, 2, "Bcl-2 in cell lysate"),
    (4, "CHEMBL700004", 3, "B", None, 1, "Inhibition of JAK1"),
    (5, "CHEMBL700005", 4, "B", 8, 3, "Inhibition of JAK2"),
    (6, "CHEMBL700006", 6, "B", 9, 3, "Inhibition of NAMPT"),
    (7, "CHEMBL700007", 7, "F", 9, 1, "Activation of mTOR kinase activity"),
    (8, "CHEMBL700008", 5, "B", 6, 2, "Inhibition of JAK family"),
    (9, "CHEMBL700009", 2, "B", 9, 1, "Inhibition of Bcl-xL"),
    (10, "CHEMBL700010", 4, "A", 8, 3, "Metabolic stability with JAK2"),
]
# assay, molregno, relation, value, units, type, pchembl, comment, validity, duplicate, action
ACTIVITIES: Final = [
    (1, 1, "=", 10.0, "nM", "IC50", 8.0, None, None, 0, None),
    (2, 1, "=", 12.0, "nM", "IC50", 7.92, None, None, 0, None),
    (9, 1, "=", 100.0, "nM", "Ki", 7.0, None, None, 0, None),
    (4, 3, "=", 5.0, "nM", "IC50", None, None, None, 0, None),  # pChEMBL left empty: computed 8.3
    (8, 3, "=", 20.0, "nM", "IC50", 7.7, None, None, 0, None),
    (7, 5, "=", 300.0, "nM", "EC50", 6.52, None, None, 0, None),
    (6, 6, "=", 2000.0, "nM", "EC50", 5.7, "active", None, 0, None),
    (6, 7, "=", 1.0, "nM", "IC50", 9.0, None, None, 0, None),
    (5, 8, ">", 10000.0, "nM", "IC50", None, None, None, 0, None),
    (5, 8, ">", 30000.0, "nM", "IC50", None, None, None, 0, None),
    (4, 9, None, None, None, "IC50", None, "Not Active", None, 0, None),
    (4, 10, "=", 50000.0, "nM", "IC50", 4.3, None, None, 0, None),
    (3, 12, "=", 1.0, "nM", "IC50", 9.0, None, None, 0, None),  # low confidence assay
    (1, 13, "=", 2.0, "nM", "IC50", 8.7, None, "Outside typical range", 0, None),
    (5, 14, "=", 10.0, "nM", "IC50", 8.0, None, None, 0, None),
    (1, 15, "=", 316.0, "nM", "IC50", 6.5, None, None, 0, None),
    (5, 16, "=", 100.0, "nM", "IC50", 7.0, None, None, 0, "INHIBITOR"),
    (5, 16, "=", 100.0, "nM", "IC50", 7.0, None, None, 1, "INHIBITOR"),  # potential duplicate
    (10, 16, "=", 5.0, "uM", "IC50", None, None, None, 0, None),  # ADMET assay, uM
    (1, 1, "<", 1.0, "nM", "IC50", None, None, None, 0, None),
]
# mec_id, molregno, tid, action_type, mechanism_of_action
MECHANISMS: Final = [
    (1, 1, 1, "INHIBITOR", "Bcl-2 inhibitor"),
    (2, 2, 2, "INHIBITOR", "Bcl-xL inhibitor"),  # on the sodium salt, no hierarchy row
    (3, 4, 5, "INHIBITOR", "JAK inhibitor"),  # on the citrate salt, on the family target
    (4, 5, 7, "ACTIVATOR", "mTOR activator"),
    (5, 5, 1, "AGONIST", "Bcl-2 agonist"),
    (6, 6, 6, "ACTIVATOR", "NAMPT activator"),
    (7, 11, 7, "INHIBITOR", "mTOR inhibitor"),
]
ACTION_TYPES: Final = [
    ("INHIBITOR", "NEGATIVE MODULATOR"),
    ("ANTAGONIST", "NEGATIVE MODULATOR"),
    ("ACTIVATOR", "POSITIVE MODULATOR"),
    ("AGONIST", "POSITIVE MODULATOR"),
    ("BINDING AGENT", "OTHER"),
]

#: A panel over the fixture's genes, one entry per strategy case, plus a gene the fixture lacks.
PANEL_TOML: Final = """
name = "fixture"

[strategy_cautions]
senoreverter = "Relapse risk (test)."

[[entries]]
label = "BCL-2 family"
genes = ["BCL2", "BCL2L1"]
strategies = ["senolytic"]
direction = "inhibit"
citation = "test"

[[entries]]
label = "JAK-STAT"
genes = ["JAK1", "JAK2", "FAKE1"]
strategies = ["senomorphic"]
direction = "inhibit"
citation = "test"

[[entries]]
label = "mTOR"
genes = ["MTOR"]
strategies = ["senomorphic", "senoreverter"]
direction = "inhibit"
citation = "test"

[[entries]]
label = "NAD+ restoration"
genes = ["NAMPT"]
strategies = ["senoreverter"]
direction = "activate"
citation = "test"
caution = "NAD+ caution (test)."
"""


#: Stereo-free structures of the partner cases (written for these tests from the published
#: compounds; none is copied from ChEMBL).
SIROLIMUS_SMILES: Final = (
    "COC1CC2CCC(C)C(O)(O2)C(=O)C(=O)N2CCCCC2C(=O)OC(C(C)CC2CCC(O)C(OC)C2)CC(=O)C(C)C=C(C)C(O)"
    "C(OC)C(=O)C(C)CC(C)C=CC=CC=C1C"
)
RIDAFOROLIMUS_SMILES: Final = SIROLIMUS_SMILES.replace("CCC(O)C(OC)C2", "CCC(OP(C)(C)=O)C(OC)C2")
TACROLIMUS_SMILES: Final = (
    "COC1CC(CCC1O)C=C(C)C1OC(=O)C2CCCCN2C(=O)C(=O)C2(O)OC(C(CC(C)CC(C)=CC(CC=C)C(=O)CC(O)C1C)OC)"
    "C(CC2C)OC"
)
SLF_SMILES: Final = "CCC(C)(C)C(=O)C(=O)N1CCCCC1C(=O)OC(CCc1ccc(OC)c(OC)c1)c1cccc(O)c1"
#: A made-up ATP-site-like kinase inhibitor (a 4-aminopyrrolopyrimidine).
TORKIN_SMILES: Final = "Nc1ncnc2[nH]cc(-c3ccc(O)cc3)c12"

# Partner rows, added by build_chembl_db(partners=True); ids continue the lists above.
PARTNER_TARGETS: Final = [
    (10, "SINGLE PROTEIN", "FK506-binding protein 1A", "CHEMBL90010", [9]),
    (11, "PROTEIN COMPLEX", "FKBP12/TNF test complex", "CHEMBL90011", [8, 9]),
]
PARTNER_COMPONENTS: Final = [(9, "P62942", "FKBP1A", ["FKBP12"], 9606)]
PARTNER_MOLECULES: Final = [
    (17, "CHEMBL900017", "RAPALOG", 4, SIROLIMUS_SMILES, None),
    (18, "CHEMBL900018", "TACROLIKE", 4, TACROLIMUS_SMILES, None),
    (19, "CHEMBL900019", "SLFLIKE", None, SLF_SMILES, None),
    (20, "CHEMBL900020", "TORKIN", 1, TORKIN_SMILES, None),
    (21, "CHEMBL900021", "RIDALOG", 3, RIDAFOROLIMUS_SMILES, None),
]
PARTNER_ASSAYS: Final = [
    (
        11,
        "CHEMBL700011",
        7,
        "B",
        8,
        1,
        "The inhibitory activity by using FK506 binding protein 12 SPA binding assay",
    ),
    (12, "CHEMBL700012", 7, "B", 9, 2, "Inhibitory activity against macrophilin (FKBP-12)"),
    (13, "CHEMBL700013", 7, "B", 9, 3, "Inhibition of FKBP12-independent human recombinant mTOR"),
    (14, "CHEMBL700014", 7, "B", 9, 1, "Inhibition of mTOR kinase"),
    (15, "CHEMBL700015", 10, "B", 9, 2, "Binding affinity to FKBP12"),  # on the partner itself
]
PARTNER_ACTIVITIES: Final = [
    (11, 18, "=", 3.0, "nM", "IC50", 8.52, None, None, 0, None),  # FKBP12 binding on "mTOR"
    (12, 18, "=", 1.0, "nM", "IC50", 9.0, None, None, 0, None),
    (11, 17, "=", 3.5, "nM", "IC50", 8.46, None, None, 0, None),
    (13, 17, "=", 2000.0, "nM", "IC50", 5.7, None, None, 0, None),  # kept: names mTOR
    (11, 19, ">", 10000.0, "nM", "IC50", None, None, None, 0, None),  # not inactive on mTOR
    (14, 20, "=", 10.0, "nM", "IC50", 8.0, None, None, 0, None),
    (14, 21, "=", 1.0, "nM", "IC50", 9.0, None, None, 0, None),
    (15, 18, "=", 0.4, "nM", "Ki", 9.4, None, None, 0, None),  # a partner's: never fetched
]
PARTNER_MECHANISMS: Final = [
    (8, 17, 10, "INHIBITOR", "FK506-binding protein 1A inhibitor"),
    (9, 18, 10, "INHIBITOR", "FK506-binding protein 1A inhibitor"),  # tacrolimus-like
    (10, 19, 10, "INHIBITOR", "FK506-binding protein 1A inhibitor"),  # SLF-like
    (11, 17, 11, "INHIBITOR", "FKBP12 complex inhibitor"),  # a partner's complex: not fetched
    (12, 21, 10, "BINDING AGENT", "FK506-binding protein 1A binding agent"),  # not negative
]

#: :data:`PANEL_TOML` with FKBP1A as the mTOR entry's mechanism partner and FKBP12 binding
#: assays kept out of mTOR's evidence (the default panel's rules, on the fixture).
PARTNER_PANEL_TOML: Final = PANEL_TOML.replace(
    """label = "mTOR"
genes = ["MTOR"]
strategies = ["senomorphic", "senoreverter"]
direction = "inhibit"
citation = "test"
""",
    """label = "mTOR"
genes = ["MTOR"]
strategies = ["senomorphic", "senoreverter"]
direction = "inhibit"
citation = "test"

[[entries.partners]]
gene = "FKBP1A"
via = "allosteric mTORC1 inhibition via FKBP12"
requires = "rapamycin_site"
otherwise = "ATP-competitive: not a rapamycin-site ligand"
citation = "test partner"

[[entries.assay_exclusions]]
measures = "FKBP12"
patterns = ["FKBP", "FK506 binding protein", "macrophilin"]
unless = ["mTOR"]
""",
)


#: What a release that ships its own chemistry holds for two fixture molecules: QED for BCLINIB
#: (molregno 1) and NAMPTIN (7), and a Dundee alert on BCLINIB. Written for the tests (the values
#: are the fixture's, not ChEMBL's): they exercise which value wins, not its chemistry.
CHEMBL_CHEMISTRY: Final[dict[str, list[tuple[object, ...]]]] = {
    "compound_properties": [(1, 0.42), (7, 0.77)],
    "structural_alert_sets": [(1, "PAINS", 8), (2, "Dundee", 7)],
    "structural_alerts": [(10, 2, "Aliphatic long chain", "[R0;D2][R0;D2][R0;D2][R0;D2]")],
    "compound_structural_alerts": [(100, 1, 10)],
}
#: compound_structures.standard_inchi_key in a release with its own chemistry: JAKTIVE's (3), the
#: parent of JAKTIVE CITRATE (4) in molecule_hierarchy, so both take the release's structures.
CHEMBL_INCHIKEYS: Final = [(3, "LMYRWZFENFIFIT-UHFFFAOYSA-N")]


def build_chembl_db(path: Path, *, partners: bool = False, chembl_chemistry: bool = False) -> Path:
    """Write the fixture database to ``path`` and return it.

    :param partners: add the mechanism-partner rows (``PARTNER_*``) to the base rows
    :param chembl_chemistry: fill ``compound_properties``, the structural-alert tables
        (:data:`CHEMBL_CHEMISTRY`) and JAKTIVE's InChIKey (:data:`CHEMBL_INCHIKEYS`); without it
        they are empty, as in a release that lacks them
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    targets, components, molecules = list(TARGETS), list(COMPONENTS), list(MOLECULES)
    assays, activities, mechanisms = list(ASSAYS), list(ACTIVITIES), list(MECHANISMS)
    if partners:
        targets += PARTNER_TARGETS
        components += PARTNER_COMPONENTS
        molecules += PARTNER_MOLECULES
        assays += PARTNER_ASSAYS
        activities += PARTNER_ACTIVITIES
        mechanisms += PARTNER_MECHANISMS
    connection = sqlite3.connect(path)
    try:
        connection.executescript(SCHEMA)
        connection.execute(
            "INSERT INTO version VALUES (?, NULL, 'senotarget test fixture')", (RELEASE,)
        )
        for tid, kind, name, chembl_id, members in targets:
            tax = 10090 if chembl_id == "CHEMBL90008" else 9606
            connection.execute(
                "INSERT INTO target_dictionary VALUES (?, ?, ?, ?, NULL, ?, 0)",
                (tid, kind, name, tax, chembl_id),
            )
            for component in members:
                connection.execute(
                    "INSERT INTO target_components VALUES (?, ?, NULL, 0)", (tid, component)
                )
        synonym_id = 0
        for component_id, accession, symbol, others, tax in components:
            connection.execute(
                "INSERT INTO component_sequences (component_id, component_type, accession, tax_id) "
                "VALUES (?, 'PROTEIN', ?, ?)",
                (component_id, accession, tax),
            )
            for synonym, kind in [
                (symbol, "GENE_SYMBOL"),
                *((o, "GENE_SYMBOL_OTHER") for o in others),
            ]:
                synonym_id += 1
                connection.execute(
                    "INSERT INTO component_synonyms VALUES (?, ?, ?, ?)",
                    (synonym_id, component_id, synonym, kind),
                )
        connection.executemany("INSERT INTO docs VALUES (?, ?, 2020)", DOCS)
        connection.executemany(
            "INSERT INTO assays (assay_id, chembl_id, tid, assay_type, confidence_score, doc_id, "
            "description) VALUES (?, ?, ?, ?, ?, ?, ?)",
            assays,
        )
        if chembl_chemistry:
            for table, rows in CHEMBL_CHEMISTRY.items():
                marks = ", ".join("?" * len(rows[0]))
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        # research codes, as molecule_synonyms holds them (a known-compounds row by name)
        connection.executemany(
            "INSERT INTO molecule_synonyms VALUES (?, 'RESEARCH_CODE', ?, NULL, ?)",
            [(1, 1, "BCL-101"), (3, 2, "JK-7")],
        )
        for molregno, chembl_id, pref_name, phase, smiles, parent in molecules:
            connection.execute(
                "INSERT INTO molecule_dictionary VALUES (?, ?, ?, ?, NULL)",
                (molregno, pref_name, chembl_id, phase),
            )
            if smiles is not None:
                connection.execute(
                    "INSERT INTO compound_structures (molregno, canonical_smiles) VALUES (?, ?)",
                    (molregno, smiles),
                )
            if parent is not None:
                connection.execute(
                    "INSERT INTO molecule_hierarchy VALUES (?, ?, NULL)", (molregno, parent)
                )
        if chembl_chemistry:
            connection.executemany(
                "UPDATE compound_structures SET standard_inchi_key = ? WHERE molregno = ?",
                [(key, molregno) for molregno, key in CHEMBL_INCHIKEYS],
            )
        connection.executemany(
            "INSERT INTO activities (activity_id, assay_id, doc_id, molregno, standard_relation, "
            "standard_value, standard_units, standard_type, pchembl_value, activity_comment, "
            "data_validity_comment, potential_duplicate, action_type) "
            "VALUES (?, ?, (SELECT doc_id FROM assays WHERE assay_id = ?), "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(i + 1, a[0], a[0], *a[1:]) for i, a in enumerate(activities)],
        )
        connection.executemany(
            "INSERT INTO drug_mechanism (mec_id, molregno, tid, action_type, mechanism_of_action) "
            "VALUES (?, ?, ?, ?, ?)",
            mechanisms,
        )
        connection.executemany(
            "INSERT INTO action_type (action_type, parent_type) VALUES (?, ?)", ACTION_TYPES
        )
        connection.commit()
    finally:
        connection.close()
    return path
