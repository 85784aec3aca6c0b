"""mentions: the normaliser, the tokeniser for joined names, family words, grounding, filters."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from senotarget.panels.extract import Document, extract_panel, panel_toml
from senotarget.panels.mentions import (
    Findings,
    Lexicon,
    Reader,
    abbreviations,
    author_line,
    gene_like,
    key,
    load_aliases,
    load_families,
    load_not_genes,
    split_token,
)
from senotarget.schema import SynonymCols

#: A source's synonym table, written for these tests: (synonym, syn_type, accession, symbol).
SYNONYMS = [
    ("BCL2", "GENE_SYMBOL", "P10415", "BCL2"),
    ("Apoptosis regulator Bcl-2", "UNIPROT", "P10415", "BCL2"),
    ("BCL2L1", "GENE_SYMBOL", "Q07817", "BCL2L1"),
    ("BCLX", "GENE_SYMBOL", "Q07817", "BCL2L1"),
    ("Bcl-2-like protein 1", "UNIPROT", "Q07817", "BCL2L1"),
    ("BCL2L2", "GENE_SYMBOL", "Q92843", "BCL2L2"),
    ("BCLW", "GENE_SYMBOL", "Q92843", "BCL2L2"),
    ("MCL1", "GENE_SYMBOL", "Q07820", "MCL1"),
    ("PIK3CD", "GENE_SYMBOL", "O00329", "PIK3CD"),
    ("PI3K-delta", "UNIPROT", "O00329", "PIK3CD"),
    ("PI3Kdelta", "UNIPROT", "O00329", "PIK3CD"),
    ("p110delta", "UNIPROT", "O00329", "PIK3CD"),
    ("PIK3CA", "GENE_SYMBOL", "P42336", "PIK3CA"),
    ("AKT1", "GENE_SYMBOL", "P31749", "AKT1"),
    ("PKB", "GENE_SYMBOL", "P31749", "AKT1"),
    ("RAC", "GENE_SYMBOL", "P31749", "AKT1"),
    ("Protein kinase B", "UNIPROT", "P31749", "AKT1"),
    ("AKT2", "GENE_SYMBOL", "P31751", "AKT2"),
    ("AKT3", "GENE_SYMBOL", "Q9Y243", "AKT3"),
    ("JAK1", "GENE_SYMBOL", "P23458", "JAK1"),
    ("Janus kinase 1", "UNIPROT", "P23458", "JAK1"),
    ("JAK2", "GENE_SYMBOL", "O60674", "JAK2"),
    ("JAK3", "GENE_SYMBOL", "P52333", "JAK3"),
    ("TYK2", "GENE_SYMBOL", "P29597", "TYK2"),
    ("STAT3", "GENE_SYMBOL", "P40763", "STAT3"),
    ("CCR2", "GENE_SYMBOL", "P41597", "CCR2"),
    ("CHUK", "GENE_SYMBOL", "O15111", "CHUK"),
    ("IKBKB", "GENE_SYMBOL", "O14920", "IKBKB"),
    ("IKK-beta", "UNIPROT", "O14920", "IKBKB"),
    ("MTOR", "GENE_SYMBOL", "P42345", "FRAP"),
    ("FRAP", "GENE_SYMBOL", "P42345", "FRAP"),
    ("Serine/threonine-protein kinase mTOR", "UNIPROT", "P42345", "FRAP"),
    ("SIRT1", "GENE_SYMBOL", "Q96EB6", "SIRT1"),
    ("NLRP3", "GENE_SYMBOL", "Q96P20", "NLRP3"),
    ("NACHT, LRR and PYD domains-containing protein 3", "UNIPROT", "Q96P20", "NLRP3"),
    ("FKBP12", "GENE_SYMBOL", "P62942", "FKBP12"),
    ("FKBP1A", "GENE_SYMBOL", "P62942", "FKBP12"),
    ("Peptidyl-prolyl cis-trans isomerase FKBP1A", "UNIPROT", "P62942", "FKBP12"),
    # one name, two genes: PDK1 is pyruvate dehydrogenase kinase 1 and an old name of PDPK1
    ("PDK1", "GENE_SYMBOL", "Q15118", "PDK1"),
    ("PDK1", "GENE_SYMBOL_OTHER", "O15530", "PDPK1"),
    ("PDPK1", "GENE_SYMBOL", "O15530", "PDPK1"),
    ("CD_antigen=CD220", "UNIPROT", "P06213", "INSR"),
]
PANEL_GENES = ("BCL2", "BCL2L1", "BCL2L2", "MCL1", "PIK3CD", "AKT1", "MTOR", "JAK1", "STAT3")


def synonym_frame(rows: list[tuple[str, str, str, str]] = SYNONYMS) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(SynonymCols.ORDER), dtype=object)
    accessions = sorted({r[2] for r in rows})
    extra = pd.DataFrame(
        [(a, "ACCESSION", a, next(r[3] for r in rows if r[2] == a)) for a in accessions],
        columns=list(SynonymCols.ORDER),
        dtype=object,
    )
    return pd.concat([frame, extra], ignore_index=True)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(load_families(), load_aliases(), synonym_frame(), PANEL_GENES, "ChEMBL_99")


@pytest.mark.parametrize(
    "spellings",
    [
        ("BCL-xL", "BCL-XL", "BCLXL", "Bcl xL", "bcl_xl"),
        ("PI3Kδ", "PI3K-delta", "PI3Kdelta", "PI3K delta", "PI3KΔ"),
        ("p110δ", "p110-delta", "P110DELTA"),
        ("NF-κB", "NF‐κB", "NF-kappaB", "nf kappa b"),
        ("IKKβ", "IKK-beta", "IKKß", "IKK beta"),
        ("IL-6R", "IL6R", "il-6r"),
    ],
    ids=["bclxl", "pi3kdelta", "p110delta", "nfkb", "ikkbeta", "il6r"],
)
def test_key_is_one_form_for_every_spelling(spellings: tuple[str, ...]) -> None:
    assert len({key(s) for s in spellings}) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [("BCL2", "BCL2L1"), ("PI3K", "PI3Kδ"), ("NFKB1", "NF-κB"), ("IL6", "IL6R"), ("JAK1", "JAK")],
)
def test_key_keeps_different_names_apart(a: str, b: str) -> None:
    assert key(a) != key(b)


KNOWN = {"JAK1", "JAK2", "STAT3", "CCR2", "BCL-2", "PI3K-delta", "JAK", "NF-κB", "AKT1", "AKT2",
         "AKT3", "PI3Kδ", "PI3Kγ", "AKT", "IL-6R", "BCL-xL"}  # fmt: skip


@pytest.mark.parametrize(
    ("token", "parts"),
    [
        ("JAK1/JAK2-STAT3", [("JAK1", True), ("JAK2", True), ("STAT3", True)]),
        ("IL-6/JAK/STAT3", [("IL-6", False), ("JAK", True), ("STAT3", True)]),
        ("CCL2-CCR2", [("CCL2", False), ("CCR2", True)]),
        ("PI3Kδ/AKT", [("PI3Kδ", True), ("AKT", True)]),
        ("BCL-2", [("BCL-2", True)]),
        ("NF-κB", [("NF-κB", True)]),
        ("IL-6R", [("IL-6R", True)]),
        ("PI3K-delta", [("PI3K-delta", True)]),
        ("BCL-2-dependent", [("BCL-2", True), ("dependent", False)]),
        ("anti-BCL-xL", [("anti", False), ("BCL-xL", True)]),
        ("AKT1-3", [("AKT1", True), ("AKT2", True), ("AKT3", True)]),
        ("JAK1/2", [("JAK1", True), ("JAK2", True)]),
        ("AKT1/2/3", [("AKT1", True), ("AKT2", True), ("AKT3", True)]),
        ("PI3Kδ/γ", [("PI3Kδ", True), ("PI3Kγ", True)]),
        ("JAK1/9", [("JAK1", True), ("9", False)]),  # JAK9 is not known: no sibling guessed
        ("TREM2-Rac1", [("TREM2-Rac1", False)]),
        ("NAD+", [("NAD", False)]),
    ],
)
def test_split_token(token: str, parts: list[tuple[str, bool]]) -> None:
    assert split_token(token, KNOWN.__contains__) == parts


@pytest.mark.parametrize(
    ("name", "kind", "symbols"),
    [
        ("BCL-XL", "alias", ("BCL2L1",)),
        ("BCLXL", "alias", ("BCL2L1",)),
        ("Bcl-xL", "alias", ("BCL2L1",)),
        ("BCLX", "alias", ("BCL2L1",)),
        ("Bcl-2-like protein 1", "synonym", ("BCL2L1",)),
        ("BCL-w", "alias", ("BCL2L2",)),
        ("BCLW", "alias", ("BCL2L2",)),
        ("PI3Kδ", "alias", ("PIK3CD",)),
        ("PI3K-delta", "alias", ("PIK3CD",)),
        ("p110δ", "alias", ("PIK3CD",)),
        ("PI3K", "family", ("PIK3CA", "PIK3CB", "PIK3CD", "PIK3CG")),
        ("AKT", "family", ("AKT1", "AKT2", "AKT3")),
        ("protein kinase B", "family", ("AKT1", "AKT2", "AKT3")),
        ("JAKs", "family", ("JAK1", "JAK2", "JAK3", "TYK2")),
        ("Janus kinase 1", "synonym", ("JAK1",)),
        ("IKK", "family", ("CHUK", "IKBKB")),
        ("IKK complex", "family", ("CHUK", "IKBKB", "IKBKG")),
        ("sirtuins", "family", tuple(f"SIRT{n}" for n in range(1, 8))),
        ("mTORC1", "alias", ("MTOR",)),
        ("mTORC2", "alias", ("MTOR",)),
        ("FRAP", "synonym", ("MTOR",)),
        ("NEMO", "alias", ("IKBKG",)),
        ("FKBP12", "synonym", ("FKBP1A",)),
        ("PDK1", "synonym", ("PDK1", "PDPK1")),
        ("RAC", "synonym", ("AKT1",)),
        ("p21", "alias", ("CDKN1A",)),
    ],
)
def test_ground(lexicon: Lexicon, name: str, kind: str, symbols: tuple[str, ...]) -> None:
    grounding = lexicon.ground(name)
    assert grounding is not None
    assert (grounding.kind, grounding.symbols) == (kind, symbols)


def test_ground_reports_an_ambiguous_name_with_both_candidates(lexicon: Lexicon) -> None:
    grounding = lexicon.ground("PDK1")
    assert grounding is not None and grounding.ambiguous
    assert grounding.accessions == ("Q15118", "O15530")


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("RAC", "matched through ChEMBL's short name 'RAC' of AKT1"),
        ("PKB", ""),  # a family word: curated, no note
        ("AKT1", ""),
    ],
)
def test_short_names_carry_a_note(lexicon: Lexicon, name: str, note: str) -> None:
    grounding = lexicon.ground(name)
    assert grounding is not None and grounding.note == note


@pytest.mark.parametrize("name", ["Rac", "rac", "Pkb2", "CLL", "LRR", "CD_antigen=CD220", "CD220"])
def test_names_that_do_not_ground(lexicon: Lexicon, name: str) -> None:
    assert lexicon.ground(name) is None


def test_near_miss_says_why_rac_is_not_akt1(lexicon: Lexicon) -> None:
    assert lexicon.near_miss("Rac") == (
        "matches ChEMBL's name 'RAC' of AKT1 only ignoring case; names of 3 characters or fewer "
        "are matched as written"
    )
    assert lexicon.near_miss("Rac1") == ""


@pytest.mark.parametrize(
    ("sentence", "grounded", "ungrounded", "filtered"),
    [
        (
            "JAK1/JAK2-STAT3 signalling rises.",
            ["JAK1", "JAK2", "STAT3"],
            [],
            {},
        ),
        ("IL-6/JAK/STAT3 drives the SASP.", ["IL6", "JAK", "STAT3"], [], {"senescence_terms": 1}),
        ("The CCL2-CCR2 axis recruits monocytes.", ["CCR2"], ["CCL2"], {}),
        ("PI3Kδ/AKT keeps them alive.", ["PIK3CD", "AKT"], [], {}),
        (
            "BH3 mimetics bind BCL-XL, BCLXL and BCL-w.",
            ["BCL2L1", "BCL2L1", "BCL2L2"],
            [],
            {"domains": 1},
        ),
        ("CLL cells carry an LRR domain.", [], [], {"diseases": 1, "domains": 1}),
        ("Rac1-GTP rose in IMR90 cells.", [], ["Rac1"], {"molecules": 1, "cell_lines": 1}),
        ("Rac activity was unchanged.", [], ["Rac"], {}),
        (
            "The IKKβ inhibitor TPCA-1 (1 µM) lowered NEMO binding.",
            ["IKBKB", "IKBKG"],
            [],
            {"compound names": 1, "units": 1},
        ),
        ("A1331852 and ABT-263 are senolytic.", [], [], {"compound names": 2}),
        ("Phospho-p65 (Ser536) rose.", ["RELA"], [], {"residues": 1}),
        ("NACHT, LRR and PYD domains-containing protein 3 is NLRP3.", ["NLRP3", "NLRP3"], [], {}),
        ("Protein kinase B and Janus kinase 1 were active.", ["AKT", "JAK1"], [], {}),
        ("HSP90 inhibitors such as 17-DMAG work.", [], ["HSP90"], {}),
    ],
    ids=[
        "slash-hyphen", "il6-jak-stat3", "ccl2-ccr2", "pi3kdelta-akt", "bcl-spellings",
        "not-genes", "rac1-gtp", "rac", "compound-context", "compound-codes", "residue",
        "uniprot-name", "multi-word", "locant",
    ],
)  # fmt: skip
def test_reader(
    lexicon: Lexicon,
    sentence: str,
    grounded: list[str],
    ungrounded: list[str],
    filtered: dict[str, int],
) -> None:
    reader = Reader(lexicon, lambda text: text in {"NF-κB", "JAK-STAT"}, load_not_genes())
    found = Findings()
    reader.read(sentence, found)
    names = []
    for mention in found.mentions:
        assert mention.grounding is not None
        g = mention.grounding
        names.append(g.name if g.kind == "family" else g.symbols[0])
    assert names == grounded
    assert [m.text for m in found.ungrounded] == ungrounded
    assert found.filtered == filtered


@pytest.mark.parametrize(
    ("token", "words", "defined", "authors", "group"),
    [
        ("FINDINGS", {"findings"}, {}, False, "words in capitals"),
        ("NMR", set(), {"nmr": "nuclear magnetic resonance"}, False, "methods"),
        ("OGTX", set(), {"ogtx": "oral glucose tolerance extra"}, False,
         "abbreviations defined as something else"),
        ("NEMX", set(), {"nemx": "NF-κB essential modulator"}, False, ""),
        ("Zhu2", set(), {}, True, "author lists and affiliations"),
        ("Zhu2", set(), {}, False, ""),
    ],
)  # fmt: skip
def test_document_level_filters(
    lexicon: Lexicon,
    token: str,
    words: set[str],
    defined: dict[str, str],
    authors: bool,
    group: str,
) -> None:
    reader = Reader(lexicon, lambda _t: False, load_not_genes(), frozenset(words), defined)
    found = Findings()
    reader.read(f"Here {token} was seen.", found, authors=authors)
    if group:
        assert found.filtered == {group: 1} and not found.ungrounded
    else:
        assert [m.text for m in found.ungrounded] == [token] and not found.filtered


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("TREM2", True), ("NEMO", True), ("IL-6R", True), ("p16INK4a", True), ("IKKε", True),
        ("Bcl-w", True), ("cGAS", True), ("Ercc1", True), ("Zmpste24", True), ("KRAS", True),
        ("Navitoclax", False), ("senescence", False), ("1995", False), ("A", False),
        ("In", False), ("It", False), ("We", False),
    ],
)  # fmt: skip
def test_gene_like(token: str, expected: bool) -> None:
    assert gene_like(token) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Yi Zhu 1,#, Ewald J Doornebal 1,2,#, Tamar Pirtskhalava 1, Nino Giorgadze 1", True),
        ("Ann Example1, Ben Sample2, Chen Zhu2, Li Wang1", True),
        ("Department of Pharmacology, Virginia Commonwealth University, Richmond, VA 23298", True),
        ("BCL2, BCL-xL, MCL1 and BCL-w are bound.", False),
        ("Senescent cells accumulate with age, in tissues, and in tumours.", False),
    ],
)
def test_author_line(line: str, expected: bool) -> None:
    assert author_line(line) is expected


def test_abbreviations_in_text_lists_and_legends() -> None:
    assert abbreviations(
        [
            "the NF-κB essential modulator (NEMO) and nuclear magnetic resonance (NMR)",
            "- OGTT",
            "oral glucose tolerance test",
            "SASP, senescence-associated secretory phenotype; IL, interleukin.",
        ]
    ) == {
        "nemo": "NF-κB essential modulator",
        "nmr": "nuclear magnetic resonance",
        "ogtt": "oral glucose tolerance test",
        "sasp": "senescence-associated secretory phenotype",
        "il": "interleukin",
    }


class FrameSource:
    """A source that only lists synonyms: enough for ``extract_panel``."""

    location = "test"

    def release(self) -> str:
        return "ChEMBL_99"

    def synonyms(self, tax_id: int) -> pd.DataFrame:
        return synonym_frame()


def extract_text(text: str) -> dict[str, object]:
    document = Document("doc.txt", "text", "", (("text", text),))
    return tomllib.loads(panel_toml(extract_panel(document, FrameSource())))  # type: ignore[arg-type]


def entries_of(panel: dict[str, object]) -> dict[str, list[str]]:
    return {e["label"]: e["genes"] for e in panel["entries"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        ("PI3Kδ inhibitors kill senescent B cells.", {"PI3K/AKT": ["PIK3CD"]}),
        ("AKT inhibition is senolytic.", {"PI3K/AKT": ["AKT1", "AKT2", "AKT3"]}),
        ("BH3 mimetics are senolytic.", {"BCL-2 family": ["BCL2", "BCL2L1", "BCL2L2", "MCL1"]}),
        ("JAK inhibitors are senomorphic.", {"JAK-STAT": ["JAK1", "JAK2", "JAK3", "TYK2"]}),
        ("Rapalogs block mTORC1.", {"mTOR": ["MTOR"]}),
    ],
)
def test_family_words_expand_through_the_vocabulary(
    text: str, entries: dict[str, list[str]]
) -> None:
    assert entries_of(extract_text(text)) == entries


def test_family_evidence_keeps_the_sentence() -> None:
    panel = extract_text("AKT inhibition is senolytic.")
    entry = panel["entries"][0]  # type: ignore[index]
    assert entry["evidence"] == ["AKT1, AKT2, AKT3: AKT inhibition is senolytic."]


def test_ambiguous_and_missing_members_are_reported_not_picked() -> None:
    panel = extract_text("PDK1 and the IKK complex were studied; BCL2 is senolytic.")
    assert panel["ambiguous"] == [
        {
            "token": "PDK1",
            "candidates": ["PDK1", "PDPK1"],
            "sentence": "PDK1 and the IKK complex were studied; BCL2 is senolytic.",
            "reason": "ChEMBL component synonym PDK1 (gene_symbol), PDK1 (gene_symbol_other) in "
            "ChEMBL_99 names 2 genes (PDK1, PDPK1); name the one meant",
        }
    ]
    ungrounded: dict[str, str] = panel["ungrounded"][0]  # type: ignore[index]
    assert len(panel["ungrounded"]) == 1  # type: ignore[arg-type]
    assert ungrounded["token"] == "IKK complex"  # noqa: S105 - a document token, not a secret
    assert ungrounded["reason"].endswith("IKBKG is not a target of taxon 9606 in ChEMBL_99")
    assert entries_of(panel) == {"BCL-2 family": ["BCL2"], "NF-κB": ["IKBKB", "CHUK"]}


def test_genes_without_a_rule_make_a_panel_of_unassigned_genes() -> None:
    panel = extract_text("FKBP12 and PDPK1 were measured.")
    assert panel["entries"] == []
    assert [u["symbol"] for u in panel["unassigned"]] == ["FKBP1A", "PDPK1"]  # type: ignore[attr-defined]


def test_shipped_rule_files_load() -> None:
    families = {f.name: f for f in load_families()}
    assert set(families) == {"AKT", "PI3K", "JAK", "STAT", "IKK", "IKK complex", "sirtuins"}
    assert all(f.source for f in families.values())
    aliases = load_aliases()
    assert aliases[key("BCL-XL")].symbol == "BCL2L1" and aliases[key("NEMO")].symbol == "IKBKG"
    groups = load_not_genes()
    assert groups.groups[key("CLL")] == "diseases" and groups.groups[key("LRR")] == "domains"
    assert set(groups.reasons) == {
        "publishing", "cell_lines", "methods", "molecules", "diseases", "domains",
        "senescence_terms", "receptor_classes", "units",
    }  # fmt: skip


SHARED_DOCUMENTS = Path(__file__).resolve().parents[2] / "shared" / "documents"


def test_shared_documents_reach_the_recall_target(shared_db: Path) -> None:
    """The development set: every groundable gene a reader finds is found (issue 11)."""
    from benchmarks import bench_from_doc

    if not SHARED_DOCUMENTS.is_dir():
        pytest.skip("../shared/documents not found beside the repository")
    scored, entries = bench_from_doc.run(shared_db)
    for item in scored:
        assert item.recall == 1.0, (item.name, sorted(item.groundable - item.found))
    by_set = {e["benchmark"]: e for e in entries}
    assert by_set["from_doc_recall_shared"]["measured"] == 1.0
    assert by_set["from_doc_recall_own"]["measured"] >= 0.95
