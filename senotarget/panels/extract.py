"""Turn a document (review text, PFOCR figure record, PubMed/PMC XML) into a validated panel.

What a document names is found two ways: pathway phrases ("BCL-2 family", "IL-6/JAK/STAT3",
"NF-κB", "NAD+") through the vocabulary file ``data/vocabulary.toml``, and gene-like tokens, which
are *grounded* against the gene symbols and accessions the configured ChEMBL source records
(component synonyms), after mapping protein names through ``data/aliases.toml`` (e.g. Bcl-w →
BCL2L2). Every finding keeps the sentence it came from. A grounded gene with no strategy rule goes
to ``unassigned``, never silently into a strategy; a token the source does not know goes to
``ungrounded`` with the reason, so a fuller ChEMBL release can ground it later.

Formats: plain text; Markdown with YAML front matter (PFOCR figure records: ``caption``,
``figtitle``, ``papertitle`` and the gene ``keywords`` of ``schema-jsonld``, plus the paper
``keywords``); PubMed XML (``ArticleTitle``, ``AbstractText``, ``Keyword``) and PMC JATS XML
(``article-title``, ``abstract``, ``p``, ``caption``, ``kwd``), as documented by NLM
(https://www.ncbi.nlm.nih.gov/pmc/pmcdoc/tagging-guidelines/article/style.html and the PubMed
DTD).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from senotarget.errors import ConfigError, DocumentError
from senotarget.panels.load import parse_entry
from senotarget.schema import GENE_PATTERN, UNIPROT_PATTERN, ComponentCols, PanelEntry

if TYPE_CHECKING:
    from senotarget.sources import ChemblSource

__all__ = ["Document", "Extraction", "extract_panel", "panel_toml", "read_document"]

#: A token that may be a gene symbol: capitals and digits (CCR2, NLRP3, IL-6), or a mouse-style
#: symbol with a digit (Mrc1, Klf4).
_GENE_LIKE: Final = re.compile(r"^(?:[A-Z][A-Z0-9]*(?:-?[0-9A-Z]+)*|[A-Z][a-z]+[0-9][a-z0-9]*)$")
_TOKEN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-αβγδκ+]*")
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


@dataclass(frozen=True)
class Document:
    """A document's text, split into the parts a finding can be traced to."""

    path: str
    kind: str  # "text" | "pfocr" | "pubmed-xml" | "pmc-xml"
    title: str
    passages: tuple[tuple[str, str], ...]  # (where, text)
    keywords: tuple[str, ...] = ()  # explicit gene keywords (PFOCR)


@dataclass(frozen=True)
class Finding:
    """One gene-like token or phrase, where it came from and what it became."""

    token: str
    symbol: str
    sentence: str
    reason: str = ""


@dataclass(frozen=True)
class ExtractedEntry:
    """A panel entry found in a document, with the sentences that support it."""

    entry: PanelEntry
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Phrase:
    """A vocabulary phrase: the panel entry it stands for and its compiled patterns."""

    entry: PanelEntry
    patterns: tuple[re.Pattern[str], ...]


def load_vocabulary() -> tuple[tuple[Phrase, ...], dict[str, str], dict[str, str]]:
    """The shipped vocabulary, validated like a panel: phrases, documents, strategy cautions.

    :raises ConfigError: an entry breaks a panel rule or a pattern is not a regular expression
        (shipped rule data fails at load time, never silently)
    """
    name = "vocabulary.toml"
    text = resources.files("senotarget.panels").joinpath("vocabulary", name).read_text("utf-8")
    data = tomllib.loads(text)
    phrases: list[Phrase] = []
    for index, raw in enumerate(data.get("phrases", [])):
        fields = {k: v for k, v in raw.items() if k != "patterns"}
        entry = parse_entry(fields, index, f"senotarget/data/{name}", text)
        try:
            patterns = tuple(
                re.compile(rf"(?<![\w]){p}(?![\w])", re.IGNORECASE) for p in raw["patterns"]
            )
        except (KeyError, re.error) as error:
            raise ConfigError(
                f"vocabulary {name}: phrase {entry.label!r} has a bad pattern ({error})",
                "give each phrase a list of valid regular expressions",
                path=f"senotarget/data/{name}",
            ) from None
        phrases.append(Phrase(entry, patterns))
    return tuple(phrases), dict(data.get("documents", {})), dict(data.get("strategy_cautions", {}))


def load_aliases() -> dict[str, str]:
    """The shipped protein-name aliases (name -> HGNC symbol), validated.

    :raises ConfigError: an alias maps to something that is not a gene symbol
    """
    aliases = {k: v["symbol"] for k, v in _data("aliases.toml")["aliases"].items()}
    for name, symbol in aliases.items():
        if not GENE_PATTERN.match(symbol) or symbol != symbol.upper():
            raise ConfigError(
                f"aliases.toml: {name!r} maps to {symbol!r}, not an HGNC symbol",
                "map each alias to an upper-case gene symbol",
                path="senotarget/data/aliases.toml",
            )
    return aliases


@dataclass(frozen=True)
class Extraction:
    """A document turned into panel entries, unassigned genes and ungrounded tokens."""

    document: Document
    release: str
    entries: tuple[ExtractedEntry, ...]
    unassigned: tuple[Finding, ...]
    ungrounded: tuple[Finding, ...]
    documents: dict[str, str] = field(default_factory=dict)
    strategy_cautions: dict[str, str] = field(default_factory=dict)


def _data(name: str) -> dict[str, Any]:
    text = resources.files("senotarget.panels").joinpath("vocabulary", name).read_text("utf-8")
    return tomllib.loads(text)


def read_document(path: str | Path) -> Document:
    """Read a document and split it into traceable passages.

    :raises DocumentError: the file is missing, a folder, unreadable, not UTF-8, malformed (front
        matter, XML), or has no text
    """
    file = Path(path)
    if file.is_dir():
        raise DocumentError(
            f"document {path} is a folder",
            "pass the path of a text, Markdown or XML file",
            path=path,
        )
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(
            f"document {path} does not exist",
            "pass the path of a text, Markdown or XML file",
            path=path,
        ) from None
    except UnicodeDecodeError as error:
        raise DocumentError(
            f"document {path} is not UTF-8 text ({error.reason} at byte {error.start})",
            "pass a UTF-8 text, Markdown or XML file (convert a PDF or Word file to text first)",
            path=path,
        ) from None
    except OSError as error:
        raise DocumentError(
            f"document {path} cannot be read ({error.strerror or error})",
            "check the file's permissions, or pass another file",
            path=path,
        ) from None
    stripped = text.lstrip()
    if stripped.startswith("---"):
        document = _read_front_matter(str(path), stripped)
    elif stripped.startswith("<"):
        document = _read_xml(str(path), text)
    else:
        # A reference list names authors, not targets: plain text is read up to its heading.
        body = re.split(r"(?m)^\s*(?:References|REFERENCES|Bibliography)\s*$", text, maxsplit=1)[0]
        lines = [line.strip() for line in body.splitlines()]
        title = next((line for line in lines if len(line) > 40), "")
        document = Document(str(path), "text", title, (("text", body),))
    if not any(t.strip() for _, t in document.passages) and not document.keywords:
        raise DocumentError(
            f"document {path} has no text", "pass a document that names targets", path=path
        )
    return document


def _read_front_matter(path: str, text: str) -> Document:
    import yaml

    parts = text.split("---", 2)
    if len(parts) < 3:
        raise DocumentError(
            f"document {path}: front matter has no closing '---'",
            "close the YAML block with ---",
            path=path,
        )
    try:
        meta = yaml.safe_load(parts[1]) or {}
    except yaml.YAMLError as error:
        raise DocumentError(
            f"document {path}: front matter is not valid YAML ({error})".replace("\n", " "),
            "fix the YAML",
            path=path,
        ) from None
    if not isinstance(meta, dict):
        raise DocumentError(
            f"document {path}: front matter is not a mapping",
            "write key: value lines",
            path=path,
        )
    passages: list[tuple[str, str]] = []
    for key in ("figtitle", "papertitle", "caption"):
        if isinstance(meta.get(key), str):
            passages.append((key, meta[key]))
    if parts[2].strip():
        passages.append(("body", parts[2]))
    jsonld = meta.get("schema-jsonld")
    keywords: list[str] = []
    if isinstance(jsonld, dict) and isinstance(jsonld.get("keywords"), list):
        keywords = [str(k) for k in jsonld["keywords"]]
    paper_keywords = meta.get("keywords")
    if isinstance(paper_keywords, str):
        passages.append(("keywords", paper_keywords.replace("|", ";")))
    title = str(meta.get("figtitle") or meta.get("papertitle") or "")
    return Document(path, "pfocr", title, tuple(passages), tuple(keywords))


def _read_xml(path: str, text: str) -> Document:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(text)  # noqa: S314 - a local file the user chose, parsed without entities
    except ET.ParseError as error:
        raise DocumentError(
            f"document {path} is not well-formed XML ({error})",
            "pass PubMed or PMC XML",
            path=path,
        ) from None

    def texts(*tags: str) -> list[str]:
        return [" ".join("".join(e.itertext()).split()) for tag in tags for e in root.iter(tag)]

    if root.find(".//ArticleTitle") is not None:
        title = (texts("ArticleTitle") or [""])[0]
        passages = [("title", title), *(("abstract", t) for t in texts("AbstractText"))]
        passages += [("keywords", "; ".join(texts("Keyword")))]
        return Document(path, "pubmed-xml", title, tuple(passages))
    title = (texts("article-title") or [""])[0]
    passages = [("title", title), *(("abstract", t) for t in texts("abstract"))]
    passages += [("body", t) for t in texts("p")] + [("caption", t) for t in texts("caption")]
    passages += [("keywords", "; ".join(texts("kwd")))]
    return Document(path, "pmc-xml", title, tuple(passages))


def _sentences(document: Document) -> list[str]:
    out: list[str] = []
    for where, text in document.passages:
        for sentence in _SENTENCE_END.split(" ".join(text.split())):
            if sentence:
                out.append(sentence if where in ("text", "body") else f"[{where}] {sentence}")
    return out


def _normalise(token: str) -> str:
    """IL-6 -> IL6, Mrc1 -> MRC1; accessions are kept as they are."""
    if UNIPROT_PATTERN.match(token):
        return token
    return re.sub(r"(?<=[A-Za-z])-(?=[0-9])", "", token).upper()


def extract_panel(document: Document, source: ChemblSource, tax_id: int = 9606) -> Extraction:
    """Find phrases and genes in a document and ground the genes on the source.

    :param document: from :func:`read_document`
    :param source: an open ChEMBL source (its component synonyms ground the genes)
    :param tax_id: taxon whose targets count as grounding
    :raises DocumentError: nothing in the document could become a panel entry or a finding,
        or no gene it names is a panel gene (none is a target of the source, or none has a
        strategy rule): its panel would have no entry, and the error lists what it did name
    """
    phrases, documents, strategy_cautions = load_vocabulary()
    aliases = load_aliases()
    sentences = _sentences(document)

    phrase_hits: dict[str, list[str]] = {}
    tokens: dict[str, tuple[str, str]] = {}  # normalised -> (token as written, first sentence)
    for sentence in sentences:
        covered: list[tuple[int, int]] = []
        for phrase in phrases:
            for pattern in phrase.patterns:
                for match in pattern.finditer(sentence):
                    hits_here = phrase_hits.setdefault(phrase.entry.label, [])
                    if sentence not in hits_here:
                        hits_here.append(sentence)
                    covered.append(match.span())
        for alias, symbol in aliases.items():
            if re.search(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", sentence):
                tokens.setdefault(symbol, (alias, sentence))
        for match in _TOKEN.finditer(sentence):
            token = match.group().rstrip("-+")
            inside = any(a <= match.start() and match.end() <= b for a, b in covered)
            if inside or not (_GENE_LIKE.match(token) or UNIPROT_PATTERN.match(token)):
                continue
            if len(token) < 2 or token.isdigit():
                continue
            tokens.setdefault(_normalise(token), (token, sentence))
    for keyword in document.keywords:
        tokens.setdefault(
            _normalise(keyword.strip()), (keyword.strip(), f"[keywords] {keyword.strip()}")
        )

    vocab_genes = {g: p.entry for p in phrases for g in p.entry.genes}
    queries = sorted(set(tokens) | set(vocab_genes))
    hits = source.search_targets(queries, tax_id)
    hits = hits[hits[ComponentCols.MATCHED_BY] != ""]
    accession_of: dict[str, str] = {}
    for query, accession in zip(
        hits[ComponentCols.QUERY], hits[ComponentCols.ACCESSION], strict=True
    ):
        accession_of.setdefault(str(query), str(accession))
    vocab_by_accession = {accession_of[g]: g for g in vocab_genes if g in accession_of}
    release = source.release()

    found_genes: dict[str, list[tuple[str, str]]] = {}  # entry label -> [(symbol, sentence)]
    unassigned: list[Finding] = []
    ungrounded: list[Finding] = []
    for normalised, (token, sentence) in sorted(tokens.items()):
        accession = accession_of.get(normalised)
        if accession is None:
            ungrounded.append(
                Finding(
                    token,
                    normalised,
                    sentence,
                    f"not a gene symbol or accession of a taxon {tax_id} target in {release}",
                )
            )
            continue
        symbol = vocab_by_accession.get(accession, normalised)
        rule = vocab_genes.get(symbol)
        if rule is None:
            unassigned.append(
                Finding(
                    token,
                    symbol,
                    sentence,
                    f"grounded ({accession}) but no strategy rule in the vocabulary",
                )
            )
            continue
        found_genes.setdefault(rule.label, [])
        if symbol not in [s for s, _ in found_genes[rule.label]]:
            found_genes[rule.label].append((symbol, sentence))

    entries: list[ExtractedEntry] = []
    for phrase in phrases:
        entry = phrase.entry
        if entry.label not in phrase_hits and entry.label not in found_genes:
            continue
        genes_here = [s for s, _ in found_genes.get(entry.label, [])]
        if entry.label not in phrase_hits:  # only genes named: keep just those
            entry = replace(entry, genes=tuple(g for g in entry.genes if g in genes_here))
        evidence = list(phrase_hits.get(entry.label, []))
        evidence += [
            f"{s}: {sent}" for s, sent in found_genes.get(entry.label, []) if sent not in evidence
        ]
        entries.append(ExtractedEntry(entry, tuple(evidence[:5])))
    if not entries and not unassigned and not ungrounded:
        raise DocumentError(
            f"document {document.path} names no pathway phrase or gene-like token",
            "pass a document that names targets (gene symbols, or pathways such as mTOR)",
            path=document.path,
        )
    if not any(e.entry.genes for e in entries):
        # Said here, with what the document did name, rather than later as a panel with no
        # [[entries]], which would leave the user guessing why.
        named = [
            _named(ungrounded, f"is not a target in {release}", f"are not targets in {release}"),
            _named(unassigned, "has no strategy rule", "have no strategy rule"),
        ]
        raise DocumentError(
            f"document {document.path} names no gene of a panel target "
            f"({'; '.join(n for n in named if n)})",
            "name genes or pathways the vocabulary knows (e.g. BCL2L1, JAK-STAT, mTOR), "
            "or write the panel TOML by hand",
            path=document.path,
            tokens=[f.token for f in (*ungrounded, *unassigned)],
        )
    used: set[str] = {s for e in entries for s in e.entry.strategies}
    cautions = {k: v for k, v in strategy_cautions.items() if k in used}
    return Extraction(
        document,
        release,
        tuple(entries),
        tuple(unassigned),
        tuple(ungrounded),
        documents,
        cautions,
    )


def _named(findings: list[Finding], one: str, many: str, shown: int = 5) -> str:
    """``"TREM2, KRAS and 3 more are not targets in ChEMBL_35"``, for an error message."""
    if not findings:
        return ""
    names = ", ".join(f.token for f in findings[:shown])
    more = f" and {len(findings) - shown} more" if len(findings) > shown else ""
    return f"{names}{more} {one if len(findings) == 1 else many}"


def panel_toml(extraction: Extraction) -> str:
    """The extraction as a panel TOML that ``senotarget run --panel`` accepts as it is."""
    import tomli_w

    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(extraction.document.path).stem)
    document: dict[str, Any] = {
        "name": f"from-{stem}",
        "description": (
            f"Extracted by `senotarget targets from-doc` from {extraction.document.path} "
            f"({extraction.document.kind}); genes grounded on {extraction.release}"
        ),
        "source_document": extraction.document.path,
    }
    if extraction.documents:
        document["documents"] = extraction.documents
    if extraction.strategy_cautions:
        document["strategy_cautions"] = extraction.strategy_cautions
    document["entries"] = [
        {
            "label": e.entry.label,
            "genes": list(e.entry.genes),
            "strategies": list(e.entry.strategies),
            "direction": e.entry.direction,
            "pathway": e.entry.pathway,
            "citation": e.entry.citation,
            **({"caution": e.entry.caution} if e.entry.caution else {}),
            "evidence": list(e.evidence),
        }
        for e in extraction.entries
        if e.entry.genes
    ]
    document["unassigned"] = [
        {"symbol": f.symbol, "token": f.token, "sentence": f.sentence, "reason": f.reason}
        for f in extraction.unassigned
    ]
    document["ungrounded"] = [
        {"token": f.token, "sentence": f.sentence, "reason": f.reason}
        for f in extraction.ungrounded
    ]
    return str(tomli_w.dumps(document))
