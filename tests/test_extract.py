"""extract: documents -> panels, grounded on a ChEMBL source (fixture database and the seeds)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from senotarget.errors import ConfigError
from senotarget.panels.extract import extract_panel, panel_toml, read_document
from senotarget.panels.load import parse_panel
from senotarget.sources.sql import SqlSource

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
REVIEW = SEEDS / "000_472801818b4ff4cc.txt"
PFOCR = SEEDS / "002_ce64d58b115e8e08.txt"


def extract(path: Path, db: Path) -> dict[str, object]:
    source = SqlSource(str(db))
    try:
        text = panel_toml(extract_panel(read_document(path), source))
    finally:
        source.close()
    parse_panel(text, source="test")  # every extracted panel is a valid panel
    return tomllib.loads(text)


def labels(panel: dict[str, object]) -> list[str]:
    return [e["label"] for e in panel["entries"]]  # type: ignore[attr-defined]


def tokens(panel: dict[str, object], section: str) -> list[str]:
    key = "symbol" if section == "unassigned" else "token"
    return [n[key] for n in panel[section]]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def seeds(shared_db: Path) -> dict[str, dict[str, object]]:
    if not REVIEW.is_file() or not PFOCR.is_file():
        pytest.skip("seed documents not found beside the repository")
    return {"review": extract(REVIEW, shared_db), "pfocr": extract(PFOCR, shared_db)}


def test_review_yields_every_strategy_entry(seeds: dict[str, dict[str, object]]) -> None:
    assert labels(seeds["review"]) == [
        "BCL-2 family",
        "PI3K/AKT",
        "insulin/IGF-1 signalling",
        "NF-κB",
        "JAK-STAT",
        "mTOR",
        "NLRP3 inflammasome",
        "CCR2 (infiltration)",
        "NAD+ restoration",
    ]
    entries = {e["label"]: e for e in seeds["review"]["entries"]}  # type: ignore[attr-defined]
    assert entries["NAD+ restoration"]["direction"] == "activate"
    assert "Eggert" in entries["CCR2 (infiltration)"]["caution"]
    assert "diminished NAD+ levels" in entries["NAD+ restoration"]["evidence"][0]
    # the reference list (author initials) is not read as genes
    assert "MJ" not in tokens(seeds["review"], "ungrounded")


def test_pfocr_grounds_its_gene_keywords(seeds: dict[str, dict[str, object]]) -> None:
    panel = seeds["pfocr"]
    entries = {e["label"]: e for e in panel["entries"]}  # type: ignore[attr-defined]
    assert labels(panel) == ["JAK-STAT", "NAD+ restoration"]
    assert {"JAK1", "JAK2", "JAK3", "TYK2"} <= set(entries["JAK-STAT"]["genes"])
    assert entries["NAD+ restoration"]["genes"] == ["NAMPT", "SIRT1"]
    ungrounded = tokens(panel, "ungrounded")
    assert ungrounded == [
        "ARAF", "ASPRV1", "BRAF", "CXCR1", "EPHB2", "HRAS", "IL6", "KRAS", "MAPK1", "MAPK3",
        "NRAS", "RAF1", "SPINK5", "SYK", "TREM2", "TYROBP", "ZHX2",
    ]  # fmt: skip
    reason = panel["ungrounded"][0]["reason"]  # type: ignore[index]
    assert "ChEMBL_35" in reason


ALIASES = [
    ("Bcl-w", "BCL2L2", "BCL-2 family"),
    ("IKKα", "CHUK", "NF-κB"),
    ("p110α", "PIK3CA", "PI3K/AKT"),
    ("PKBα", "AKT1", "PI3K/AKT"),
    ("Mcl-1", "MCL1", "BCL-2 family"),
]


@pytest.mark.parametrize(("alias", "symbol", "label"), ALIASES)
def test_aliases_ground_to_symbols(
    shared_db: Path, tmp_path: Path, alias: str, symbol: str, label: str
) -> None:
    doc = tmp_path / "alias.txt"
    doc.write_text(
        f"Senescent cells depend on {alias} for survival in this model.\n", encoding="utf-8"
    )
    panel = extract(doc, shared_db)
    entries = {e["label"]: e for e in panel["entries"]}  # type: ignore[attr-defined]
    assert entries[label]["genes"] == [symbol]
    assert entries[label]["evidence"] == [
        f"{symbol}: Senescent cells depend on {alias} for survival in this model."
    ]


def test_chembl_synonym_grounds_to_the_vocabulary_symbol(chembl_db: Path, tmp_path: Path) -> None:
    doc = tmp_path / "syn.txt"
    doc.write_text(
        "PBEF1 is upregulated. FRAP controls growth. BCLX keeps cells alive.\n", encoding="utf-8"
    )
    panel = extract(doc, chembl_db)
    genes = {e["label"]: e["genes"] for e in panel["entries"]}  # type: ignore[attr-defined]
    assert genes == {"BCL-2 family": ["BCL2L1"], "mTOR": ["MTOR"], "NAD+ restoration": ["NAMPT"]}


def test_grounded_gene_without_rule_is_unassigned(chembl_db: Path, tmp_path: Path) -> None:
    doc = tmp_path / "tnf.txt"
    doc.write_text(
        "Senescent macrophages secrete TNF. NAMPT is low. NAMPT again.\n", encoding="utf-8"
    )
    panel = extract(doc, chembl_db)
    assert panel["unassigned"] == [
        {
            "symbol": "TNF",
            "token": "TNF",
            "sentence": "Senescent macrophages secrete TNF.",
            "reason": "grounded (P01375; TNF = ChEMBL component synonym TNF (gene_symbol) in "
            "ChEMBL_99) but no strategy rule in the vocabulary",
        },
    ]
    assert labels(panel) == ["NAD+ restoration"]


PUBMED_XML = """<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation><Article>
<ArticleTitle>JAK2 inhibition in senescent cells</ArticleTitle>
<Abstract><AbstractText>Blocking the JAK-STAT pathway lowers the SASP.</AbstractText></Abstract>
</Article><KeywordList><Keyword>mTOR</Keyword></KeywordList></MedlineCitation>
</PubmedArticle></PubmedArticleSet>
"""
PMC_XML = """<?xml version="1.0"?>
<article><front><article-meta>
<title-group><article-title>NAMPT in ageing</article-title></title-group>
<abstract><p>NAD+ declines with age.</p></abstract>
<kwd-group><kwd>BCL2</kwd></kwd-group></article-meta></front>
<body><p>We studied Bcl-xL.</p><fig><caption><p>JAK1 levels.</p></caption></fig></body></article>
"""


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        (
            PUBMED_XML,
            "pubmed-xml",
            {"JAK-STAT": ["JAK1", "JAK2", "JAK3", "TYK2", "STAT3"], "mTOR": ["MTOR"]},
        ),
        (
            PMC_XML,
            "pmc-xml",
            {
                "BCL-2 family": ["BCL2", "BCL2L1"],
                "JAK-STAT": ["JAK1"],
                "NAD+ restoration": ["NAMPT", "SIRT1"],
            },
        ),
    ],
    ids=["pubmed", "pmc"],
)
def test_xml_formats(
    chembl_db: Path, tmp_path: Path, text: str, kind: str, expected: dict[str, list[str]]
) -> None:
    doc = tmp_path / "doc.xml"
    doc.write_text(text, encoding="utf-8")
    assert read_document(doc).kind == kind
    panel = extract(doc, chembl_db)
    assert {e["label"]: e["genes"] for e in panel["entries"]} == expected  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("   \n", "has no text"),
        ("---\nkeywords: [unclosed\n---\nbody\n", "front matter is not valid YAML"),
        ("<article><p>broken</article>", "is not well-formed XML"),
        ("just words here, nothing more.\n", "names no gene that ChEMBL_99 can ground"),
        ("TREM2 and KRAS are up.\n", r"names no gene .*\(KRAS, TREM2 are not targets in"),
    ],
    ids=["missing", "empty", "bad yaml", "bad xml", "nothing found", "nothing grounded"],
)
def test_document_errors(
    chembl_db: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    doc = tmp_path / "doc.txt"
    if content is not None:
        doc.write_text(content, encoding="utf-8")
    source = SqlSource(str(chembl_db))
    with pytest.raises(ConfigError, match=message) as caught:
        extract_panel(read_document(doc), source)
    source.close()
    assert "\n" not in str(caught.value)


def test_mtor_complex_names_ground_to_mtor(shared_db: Path, tmp_path: Path) -> None:
    doc = tmp_path / "mtorc2.txt"
    doc.write_text("Rapalogs spare mTORC2 in senescent macrophages.\n", encoding="utf-8")
    panel = extract(doc, shared_db)
    entries = {e["label"]: e for e in panel["entries"]}  # type: ignore[attr-defined]
    assert list(entries) == ["mTOR"]
    assert entries["mTOR"]["genes"] == ["MTOR"]
    assert entries["mTOR"]["evidence"] == ["Rapalogs spare mTORC2 in senescent macrophages."]


def test_shipped_vocabulary_and_aliases_load_and_agree_with_the_default_panel() -> None:
    from senotarget.panels.extract import load_vocabulary
    from senotarget.panels.load import load_panel
    from senotarget.panels.mentions import load_aliases

    phrases, documents, cautions = load_vocabulary()
    default = {e.label: e for e in load_panel("default").entries}
    assert [p.entry.label for p in phrases] == list(default)
    for phrase in phrases:
        entry = default[phrase.entry.label]
        assert (phrase.entry.genes, phrase.entry.strategies, phrase.entry.direction) == (
            entry.genes,
            entry.strategies,
            entry.direction,
        )
        assert phrase.patterns and phrase.entry.citation
    assert set(documents) == {"wang2025", "wang2025ccs"}
    assert set(cautions) == {"senoreverter"}
    aliases = load_aliases()
    assert aliases["bclw"].symbol == "BCL2L2" and aliases["mtorc2"].symbol == "MTOR"
