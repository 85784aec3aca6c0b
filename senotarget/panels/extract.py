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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from senotarget.errors import ConfigError, DocumentError
from senotarget.panels.load import parse_entry
from senotarget.panels.mentions import (
    Findings,
    Lexicon,
    Mention,
    Reader,
    abbreviations,
    author_line,
    clean_text,
    key,
    load_aliases,
    load_families,
    load_not_genes,
)
from senotarget.schema import PanelEntry

if TYPE_CHECKING:
    from senotarget.sources import ChemblSource

__all__ = ["Document", "Extraction", "extract_panel", "panel_toml", "read_document"]

#: A sentence ends at . ! or ? before a capital or an opening bracket.
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
    ambiguous: tuple[Ambiguous, ...] = ()
    filtered_by: dict[str, int] = field(default_factory=dict)  # filter group -> tokens dropped

    @property
    def filtered(self) -> int:
        """How many gene-shaped tokens the filter kept out of the ungrounded list."""
        return sum(self.filtered_by.values())


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
    for name in ("figtitle", "papertitle", "caption"):
        if isinstance(meta.get(name), str):
            passages.append((name, meta[name]))
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


#: Identifiers and addresses, removed before tokens are read (counted as filtered).
_IDENTIFIER: Final = re.compile(
    r"https?://\S+|www\.\S+|\bdoi:\s*\S+|\b10\.\d{4,9}/\S+|\bPMC\d+|\bPMID:?\s*\d+|"
    r"\bNIHMS\d+",
    re.IGNORECASE,
)


def _lines(document: Document) -> list[tuple[str, str]]:
    """``(where, line)`` of every line, hard-wrapped lines rejoined.

    A line break ends a line unless the line ends without sentence punctuation and the next
    line starts in lower case (a wrapped sentence).
    """
    out: list[tuple[str, str]] = []
    for where, text in document.passages:
        lines = [line.strip() for line in clean_text(text).splitlines()]
        joined: list[str] = []
        for line in lines:
            if not line:
                continue
            if joined and not re.search(r"[.!?:;]$", joined[-1]) and line[0].islower():
                joined[-1] = f"{joined[-1]} {line}"
            else:
                joined.append(line)
        out.extend((where, " ".join(line.split())) for line in joined)
    return out


def _sentences(where: str, line: str) -> list[str]:
    """The sentences of a line, those outside the body marked with where they come from."""
    out = []
    for sentence in _SENTENCE_END.split(line):
        if sentence:
            out.append(sentence if where in ("text", "body") else f"[{where}] {sentence}")
    return out


@dataclass(frozen=True)
class Ambiguous:
    """A mention whose name the release records for two or more genes: never picked."""

    token: str
    candidates: tuple[str, ...]
    sentence: str
    reason: str


def _phrase_test(phrases: tuple[Phrase, ...]) -> Callable[[str], bool]:
    """Whether a whole token is one of the vocabulary's phrases (NF-κB, JAK-STAT, mTORC1)."""
    either = re.compile(
        "|".join(f"(?:{p.pattern})" for ph in phrases for p in ph.patterns), re.IGNORECASE
    )

    def test(text: str) -> bool:
        return either.fullmatch(text) is not None

    return test


def extract_panel(document: Document, source: ChemblSource, tax_id: int = 9606) -> Extraction:
    """Find phrases and protein mentions in a document and ground them on the source.

    Phrases (``BCL-2 family``, ``IL-6/JAK/STAT3``) come from the vocabulary; protein mentions
    are read by :class:`~senotarget.panels.mentions.Reader` and grounded on the family words,
    the aliases and every component synonym the source records for the taxon's targets.

    :param document: from :func:`read_document`
    :param source: an open ChEMBL source (its component synonyms ground the genes)
    :param tax_id: taxon whose targets count as grounding
    :raises DocumentError: the document names no gene the source can ground (no phrase gene,
        no grounded mention): its panel would hold nothing, and the error lists what it did name
    """
    phrases, documents, strategy_cautions = load_vocabulary()
    release = source.release()
    vocab_genes = {g: p.entry for p in phrases for g in p.entry.genes}
    lexicon = Lexicon(
        load_families(), load_aliases(), source.synonyms(tax_id), vocab_genes, release
    )
    lines = _lines(document)
    words = frozenset(re.findall(r"\b[a-z]{3,}\b", " ".join(line for _, line in lines)))
    reader = Reader(
        lexicon,
        _phrase_test(phrases),
        load_not_genes(),
        words,
        abbreviations(text for _, text in lines),
    )
    found = Findings()
    phrase_hits: dict[str, list[str]] = {}
    for where, line in lines:
        authors = author_line(line)
        line, removed = _IDENTIFIER.subn(" ", line)
        for _ in range(removed):
            found.drop("identifiers")
        for sentence in _sentences(where, line):
            for phrase in phrases:
                if any(p.search(sentence) for p in phrase.patterns):
                    hits_here = phrase_hits.setdefault(phrase.entry.label, [])
                    if sentence not in hits_here:
                        hits_here.append(sentence)
            reader.read(sentence, found, authors=authors)
    for keyword in document.keywords:
        reader.read(f"[keywords] {clean_text(keyword.strip())}", found)

    by_accession: dict[str, tuple[str, str, str]] = {}  # accession -> (token, sentence, how)
    written: dict[str, set[str]] = {}  # accession -> the tokens that named it
    ungrounded: dict[str, Finding] = {}
    ambiguous: dict[str, Ambiguous] = {}
    missing: dict[str, tuple[Mention, Any, list[str]]] = {}  # family -> members the source lacks
    not_here = f"not a target of taxon {tax_id} in {release}"
    for mention in found.mentions:
        g = mention.grounding
        assert g is not None  # noqa: S101 - Reader only records grounded mentions here
        if g.ambiguous:
            ambiguous.setdefault(
                key(mention.text),
                Ambiguous(
                    mention.text,
                    g.symbols,
                    mention.sentence,
                    f"{g.source} names {len(g.symbols)} genes ({', '.join(g.symbols)}); "
                    "name the one meant",
                ),
            )
            continue
        how = {
            "family": f"{mention.text} = {g.name} family: {g.source}",
            "alias": f"{mention.text} = {g.symbols[0]}: {g.source}",
            "synonym": f"{mention.text} = {g.source}" + (f"; {g.note}" if g.note else ""),
        }[g.kind]
        for symbol, accession in zip(g.symbols, g.accessions, strict=True):
            if accession:
                by_accession.setdefault(
                    accession, (mention.text, mention.sentence, f"{accession}; {how}")
                )
                # what the document wrote, and the curated symbol an alias or family gives
                names = written.setdefault(accession, set())
                names.update((mention.text, symbol) if g.kind != "synonym" else (mention.text,))
            elif g.kind == "family":
                members = missing.setdefault(g.name, (mention, g, []))[2]
                if symbol not in members:
                    members.append(symbol)
            else:
                ungrounded.setdefault(
                    symbol,
                    Finding(
                        mention.text, symbol, mention.sentence, f"{how}; {symbol} is {not_here}"
                    ),
                )
    genes: dict[str, tuple[str, str, str]] = {}  # symbol -> (token, sentence, how)
    for accession, value in by_accession.items():
        genes.setdefault(lexicon.symbol_for(accession, written.get(accession, ())), value)
    for name, (mention, g, members) in missing.items():
        members = [m for m in members if m not in genes]
        if members:
            ungrounded.setdefault(
                f"family:{name}",
                Finding(
                    mention.text,
                    "",
                    mention.sentence,
                    f"{mention.text} = {name} family ({g.source}); "
                    f"{', '.join(members)} {'is' if len(members) == 1 else 'are'} {not_here}",
                ),
            )
    for leftover in found.ungrounded:
        reason = (
            f"not a gene symbol, protein name or accession of a taxon {tax_id} target in {release}"
        )
        if leftover.note:
            reason = f"{reason} ({leftover.note})"
        ungrounded.setdefault(
            key(leftover.text), Finding(leftover.text, "", leftover.sentence, reason)
        )
    # a gene the source lacks is not ungrounded when another mention grounded it
    ungrounded = {k: f for k, f in ungrounded.items() if not f.symbol or f.symbol not in genes}
    # a leftover token that is an alias's symbol written out (IL6 beside IL-6) is one gap
    symbols_named = {f.symbol for f in ungrounded.values() if f.symbol}
    ungrounded = {
        k: f for k, f in ungrounded.items() if f.symbol or key(f.token).upper() not in symbols_named
    }

    found_genes: dict[str, list[tuple[str, str]]] = {}  # entry label -> [(symbol, sentence)]
    unassigned: list[Finding] = []
    for symbol in sorted(genes):
        token, sentence, how = genes[symbol]
        rule = vocab_genes.get(symbol)
        if rule is None:
            unassigned.append(
                Finding(
                    token,
                    symbol,
                    sentence,
                    f"grounded ({how}) but no strategy rule in the vocabulary",
                )
            )
            continue
        found_genes.setdefault(rule.label, []).append((symbol, sentence))

    entries: list[ExtractedEntry] = []
    for phrase in phrases:
        entry = phrase.entry
        if entry.label not in phrase_hits and entry.label not in found_genes:
            continue
        genes_here = [s for s, _ in found_genes.get(entry.label, [])]
        if entry.label not in phrase_hits:  # only genes named: keep just those
            entry = replace(entry, genes=tuple(g for g in entry.genes if g in genes_here))
        evidence = list(phrase_hits.get(entry.label, []))
        by_sentence: dict[str, list[str]] = {}  # one line per sentence, with the genes it named
        for symbol, sentence in found_genes.get(entry.label, []):
            if sentence not in evidence:
                by_sentence.setdefault(sentence, []).append(symbol)
        evidence += [f"{', '.join(s)}: {sentence}" for sentence, s in by_sentence.items()]
        entries.append(ExtractedEntry(entry, tuple(evidence[:5])))
    named_genes = any(e.entry.genes for e in entries) or unassigned
    if not named_genes:
        # Said here, with what the document did name, rather than as a panel that holds nothing.
        shown = sorted(ungrounded.values(), key=lambda f: key(f.token))
        named = _named(shown, f"is not a target in {release}", f"are not targets in {release}")
        raise DocumentError(
            f"document {document.path} names no gene that {release} can ground"
            + (f" ({named})" if named else " (no gene or protein name found)"),
            "name genes, proteins or pathways (e.g. BCL2L1, JAK-STAT, mTOR), "
            "or write the panel TOML by hand",
            path=document.path,
            tokens=[f.token for f in shown],
        )
    used: set[str] = {s for e in entries for s in e.entry.strategies}
    cautions = {k: v for k, v in strategy_cautions.items() if k in used}
    return Extraction(
        document,
        release,
        tuple(entries),
        tuple(unassigned),
        tuple(sorted(ungrounded.values(), key=lambda f: (key(f.token), f.symbol))),
        documents,
        cautions,
        tuple(sorted(ambiguous.values(), key=lambda a: key(a.token))),
        dict(sorted(found.filtered.items())),
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
        {
            "token": f.token,
            **({"symbol": f.symbol} if f.symbol else {}),
            "sentence": f.sentence,
            "reason": f.reason,
        }
        for f in extraction.ungrounded
    ]
    document["ambiguous"] = [
        {
            "token": a.token,
            "candidates": list(a.candidates),
            "sentence": a.sentence,
            "reason": a.reason,
        }
        for a in extraction.ambiguous
    ]
    return str(tomli_w.dumps(document))
