"""Protein mentions in a document: one normaliser, a tokeniser for joined names, and grounding.

A document names a protein in many spellings: ``BCL-xL``, ``BCL-XL``, ``BCLXL``; ``PI3Kδ``,
``PI3K-delta``, ``p110δ``; ``IKKβ``; joined by slashes and hyphens (``JAK1/JAK2-STAT3``); as a
family word (``AKT``, ``JAKs``, ``sirtuins``) or a complex (``mTORC1``, ``IKK complex``). This
module turns sentences into :class:`Mention` records, each grounded (or not) through a
:class:`Lexicon` built from three homes, tried in this order:

1. the family and complex words of ``vocabulary.toml`` (curated, each with its source);
2. the protein-name aliases of ``aliases.toml`` (UniProt names, accession given);
3. every synonym the ChEMBL release records for its components (``component_synonyms``: gene
   symbols, other symbols, UniProt names) and the UniProt accessions.

Every name on every side goes through one normaliser, :func:`key`: Unicode NFKC, Greek letters
spelled out (α → alpha, κ → kappa; ``ß`` read as β, the usual substitute in converted PDFs),
case-folded, with hyphens, dashes, spaces and underscores removed. ``IKKβ``, ``IKK-beta`` and
``ikk beta`` are one key. A ChEMBL synonym of at most three characters (``RAC``, ``PKB``) is
matched only as written, since short names collide with other proteins ("Rac" is the Rac GTPase,
not AKT1, whose old symbol is RAC); a mention that matches one only ignoring case is reported with
that note. A key that names two genes is *ambiguous* and reported with both candidates, never
picked.

A token joined by ``/``, ``+`` or ``-`` is split into the longest parts that ground (a small
dynamic programme over the joins): ``JAK1/JAK2-STAT3`` → JAK1, JAK2, STAT3; ``CCL2-CCR2`` → CCL2,
CCR2; while ``BCL-2``, ``NF-κB``, ``IL-6R`` and ``PI3K-delta`` ground whole and stay whole.
A number range after a symbol (``AKT1-3``) stands for each member.

A token that does not ground is a *candidate* for the ungrounded list only if it looks like a gene
or protein name (:func:`gene_like`), and is then filtered when ``not_genes.toml`` lists it (article
furniture, identifiers, cell lines, methods, metabolites, diseases, domains), when it is a research
compound code (``ABT-263``, ``SR12343``), when it is an ordinary word set in capitals (its lower
case form is a word of the same document: ``REVIEW``), when the document defines it as an
abbreviation of something that is not a protein (``NMR (nuclear magnetic resonance)``, found with
the rule of Schwartz & Hearst 2003 Pac Symp Biocomput 8:451), or when it sits in an author list.
"""

from __future__ import annotations

import itertools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Final

from senotarget.errors import ConfigError
from senotarget.schema import GENE_PATTERN, SynonymCols

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GREEK",
    "Family",
    "Lexicon",
    "Mention",
    "clean_text",
    "gene_like",
    "key",
    "load_families",
    "load_not_genes",
    "split_token",
    "tokens",
]

#: Greek letters as protein names use them, spelled out (lower case; capitals fold to these).
GREEK: Final[Mapping[str, str]] = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "ϰ": "kappa", "λ": "lambda", "μ": "mu",
    "µ": "mu", "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma",
    "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # fmt: skip
_GREEK_LETTERS: Final = "".join(GREEK)
#: Hyphen-like characters that converted text uses inside names (‐ ‑ ‒ – −), read as "-".
_DASHES: Final = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2212\u00ad"})
_DROPPED_IN_KEY: Final = re.compile(r"[\s\-_]+")
#: ChEMBL synonyms this short are matched only as written (case-sensitive).
SHORT: Final = 3


def clean_text(text: str) -> str:
    """NFKC-normalised text with hyphen-like characters read as ``-`` and em dashes as spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return text.replace("\u2014", " ").replace("\u200b", "")


def key(name: str) -> str:
    """The one normal form of a protein name: what aliases, families and synonyms are keyed on.

    >>> key("BCL-xL") == key("BCLXL") == key("Bcl xL")
    True
    >>> key("PI3Kδ") == key("PI3K-delta") == key("PI3Kdelta")
    True
    >>> key("NF‐κB")
    'nfkappab'
    """
    text = clean_text(name).replace("ß", "β")
    text = "".join(GREEK.get(c, c) for c in text.casefold())
    return _DROPPED_IN_KEY.sub("", text)


def _exact(name: str) -> str:
    """The case-sensitive form short synonyms are compared on (hyphens and spaces dropped)."""
    return _DROPPED_IN_KEY.sub("", clean_text(name))


# -- shipped rule data --------------------------------------------------------------------------


def _read(name: str) -> tuple[str, dict[str, object]]:
    text = resources.files("senotarget.panels").joinpath("vocabulary", name).read_text("utf-8")
    return text, tomllib.loads(text)


@dataclass(frozen=True)
class Family:
    """A family or complex word: the members a document means by it, and the source."""

    name: str
    forms: tuple[str, ...]
    members: tuple[str, ...]
    source: str


def load_families() -> tuple[Family, ...]:
    """The family and complex words of ``vocabulary.toml``, validated.

    :raises ConfigError: a family lacks forms, members or a source, a member is not an HGNC
        symbol, or two families share a form (one form has one meaning)
    """
    _, data = _read("vocabulary.toml")
    raw = data.get("families", [])
    where = "senotarget/panels/vocabulary/vocabulary.toml"
    families: list[Family] = []
    owner: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else []:
        name = str(item.get("name", ""))
        forms = tuple(str(f) for f in item.get("forms", []))
        members = tuple(str(m) for m in item.get("members", []))
        source = str(item.get("source", ""))
        bad = [m for m in members if not GENE_PATTERN.match(m) or m != m.upper()]
        if not name or not forms or not members or not source or bad:
            raise ConfigError(
                f"vocabulary.toml: family {name or '?'!r} needs forms, members (HGNC symbols) "
                f"and a source{f' ({bad[0]!r} is not a symbol)' if bad else ''}",
                "give each [[families]] item name, forms, members and source",
                path=where,
            )
        for form in forms:
            previous = owner.setdefault(key(form), name)
            if previous != name:
                raise ConfigError(
                    f"vocabulary.toml: form {form!r} belongs to families {previous!r} and {name!r}",
                    "give each family word one family",
                    path=where,
                )
        families.append(Family(name, forms, members, source))
    return tuple(families)


@dataclass(frozen=True)
class Alias:
    """A curated protein name: its HGNC symbol and the UniProt entry it comes from."""

    name: str
    symbol: str
    source: str


def load_aliases() -> dict[str, Alias]:
    """The shipped aliases, keyed by :func:`key` of the name.

    :raises ConfigError: an alias maps to something that is not an upper-case HGNC symbol, or two
        spellings of one key map to different symbols
    """
    _, data = _read("aliases.toml")
    where = "senotarget/panels/vocabulary/aliases.toml"
    table = data.get("aliases", {})
    out: dict[str, Alias] = {}
    for name, value in (table if isinstance(table, dict) else {}).items():
        symbol = str(value.get("symbol", "")) if isinstance(value, dict) else ""
        source = str(value.get("source", "")) if isinstance(value, dict) else ""
        if not GENE_PATTERN.match(symbol) or symbol != symbol.upper() or not source:
            raise ConfigError(
                f"aliases.toml: {name!r} maps to {symbol!r}, not an HGNC symbol with a source",
                "map each alias to an upper-case gene symbol and give its UniProt source",
                path=where,
            )
        previous = out.get(key(name))
        if previous is not None and previous.symbol != symbol:
            raise ConfigError(
                f"aliases.toml: {previous.name!r} and {name!r} are one name but map to "
                f"{previous.symbol} and {symbol}",
                "keep one spelling of each alias",
                path=where,
            )
        out.setdefault(key(name), Alias(str(name), symbol, source))
    return out


@dataclass(frozen=True)
class NotGenes:
    """The words ``not_genes.toml`` keeps out of the ungrounded list, keyed, with the group."""

    groups: Mapping[str, str]  # key -> group name
    reasons: Mapping[str, str]  # group name -> reason


def load_not_genes() -> NotGenes:
    """The shipped filter words, keyed by :func:`key`.

    :raises ConfigError: a group lacks a reason or words, or a word is in two groups
    """
    _, data = _read("not_genes.toml")
    where = "senotarget/panels/vocabulary/not_genes.toml"
    groups: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for group, value in data.items():
        words = value.get("words") if isinstance(value, dict) else None
        reason = value.get("reason") if isinstance(value, dict) else None
        if not isinstance(words, list) or not words or not isinstance(reason, str):
            raise ConfigError(
                f"not_genes.toml: group {group!r} needs a reason and a list of words",
                "give each group reason = '...' and words = [...]",
                path=where,
            )
        reasons[group] = reason
        for word in words:
            previous = groups.setdefault(key(str(word)), group)
            if previous != group:
                raise ConfigError(
                    f"not_genes.toml: {word!r} is in groups {previous!r} and {group!r}",
                    "list each word in one group",
                    path=where,
                )
    return NotGenes(groups, reasons)


# -- grounding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grounding:
    """What a normalised name stands for.

    ``kind`` is ``family`` (members), ``alias`` (one symbol, curated) or ``synonym`` (ChEMBL: one
    symbol, or several when the name is ambiguous); ``accessions`` holds the source's accession
    of each symbol it knows (``""`` when the release lacks that gene).
    """

    kind: str
    name: str
    symbols: tuple[str, ...]
    accessions: tuple[str, ...]
    source: str
    note: str = ""

    @property
    def ambiguous(self) -> bool:
        return self.kind == "synonym" and len(self.symbols) > 1


@dataclass
class Lexicon:
    """Every name a document's mentions are grounded on, keyed by :func:`key`.

    :param families: the curated family words
    :param aliases: the curated aliases (key -> :class:`Alias`)
    :param synonyms: the source's :class:`~senotarget.schema.SynonymCols` table
    :param preferred: symbols to report for an accession when the source knows it under several
        (the panel vocabulary's HGNC symbols)
    """

    families: Sequence[Family]
    aliases: Mapping[str, Alias]
    synonyms: pd.DataFrame
    preferred: Iterable[str] = ()
    release: str = "the release"
    _by_key: dict[str, dict[str, tuple[str, str]]] = field(init=False, default_factory=dict)
    _short: dict[str, list[tuple[str, str, str]]] = field(init=False, default_factory=dict)
    _symbol_of: dict[str, str] = field(init=False, default_factory=dict)
    _accession_of: dict[str, str] = field(init=False, default_factory=dict)
    _family_of: dict[str, Family] = field(init=False, default_factory=dict)
    _gene_symbols: dict[str, frozenset[str]] = field(init=False, default_factory=dict)
    _sure: set[str] = field(init=False, default_factory=set)
    _memo: dict[str, Grounding | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._family_of = {key(f): family for family in self.families for f in family.forms}
        frame = self.synonyms
        wanted = set(self.preferred)
        symbols: dict[str, set[str]] = {}
        rows = zip(
            frame[SynonymCols.SYNONYM],
            frame[SynonymCols.SYN_TYPE],
            frame[SynonymCols.ACCESSION],
            frame[SynonymCols.GENE_SYMBOL],
            strict=True,
        )
        records = [(str(s), str(t), str(a), None if g is None else str(g)) for s, t, a, g in rows]
        for synonym, kind, accession, symbol in records:
            if kind in ("GENE_SYMBOL", "GENE_SYMBOL_OTHER"):
                symbols.setdefault(accession, set()).add(synonym.upper())
            if symbol:
                self._symbol_of.setdefault(accession, symbol)
        names: dict[str, list[str]] = {}
        for synonym, kind, accession, _symbol in records:
            if kind == "UNIPROT":
                names.setdefault(accession, []).append(synonym.upper())
        for accession, known in symbols.items():
            # the panel's own symbol; else the symbol UniProt's names spell out ("Peptidyl-prolyl
            # cis-trans isomerase FKBP1A"); else the smallest, as ChEMBL's search reports it
            spelled = {
                s: sum(bool(re.search(rf"\b{re.escape(s)}\b", n)) for n in names.get(accession, []))
                for s in known
            }
            chosen = sorted(known & wanted) or sorted(
                (s for s, n in spelled.items() if n), key=lambda s: (-spelled[s], -len(s), s)
            )
            if chosen:
                self._symbol_of[accession] = chosen[0]
                self._sure.add(accession)
        self._gene_symbols = {a: frozenset(k) for a, k in symbols.items()}
        for accession, symbol in self._symbol_of.items():
            self._accession_of.setdefault(symbol, accession)
        for accession, known in symbols.items():
            for symbol in known:
                self._accession_of.setdefault(symbol, accession)
        for synonym, kind, accession, _symbol in records:
            if "=" in synonym:  # "CD_antigen=CD220": a UniProt cross-reference, not a name
                continue
            k = key(synonym)
            if len(k) <= SHORT and kind != "ACCESSION":
                self._short.setdefault(k, []).append((_exact(synonym), accession, kind))
                continue
            self._by_key.setdefault(k, {}).setdefault(accession, (synonym, kind))

    def accession(self, symbol: str) -> str:
        """The source's accession of a gene symbol (``""`` when the release lacks it)."""
        return self._accession_of.get(symbol.upper(), "")

    def symbol(self, accession: str) -> str:
        """The symbol reported for an accession."""
        return self._symbol_of.get(accession, accession)

    def symbol_for(self, accession: str, written: Iterable[str] = ()) -> str:
        """The symbol to report for an accession.

        The panel's or UniProt's when known, else one the document wrote (``PDK1`` rather than
        ``PDHK1``), else the smallest the source records.
        """
        if accession not in self._sure:
            mine = sorted(w.upper() for w in written if w.upper() in self.symbols(accession))
            if mine:
                return mine[0]
        return self.symbol(accession)

    def symbols(self, accession: str) -> frozenset[str]:
        """Every gene symbol the source records for an accession."""
        return self._gene_symbols.get(accession, frozenset())

    def ground(self, name: str) -> Grounding | None:
        """What ``name`` stands for: a family, an alias, or source synonyms; ``None`` if nothing."""
        if name not in self._memo:
            self._memo[name] = self._ground(name)
        return self._memo[name]

    def _ground(self, name: str) -> Grounding | None:
        k = key(name)
        if not k:
            return None
        family = self._family_of.get(k)
        if family is not None:
            return Grounding(
                "family",
                family.name,
                family.members,
                tuple(self.accession(m) for m in family.members),
                family.source,
            )
        alias = self.aliases.get(k)
        if alias is not None:
            return Grounding(
                "alias", alias.name, (alias.symbol,), (self.accession(alias.symbol),), alias.source
            )
        hits = self._by_key.get(k)
        if hits:
            return self._from_source(hits, "")
        exact = [(a, kind) for form, a, kind in self._short.get(k, []) if form == _exact(name)]
        if exact:
            found = {a: (name, kind) for a, kind in exact}
            others = sorted({self.symbol(a) for a, _ in exact} - {name.upper()})
            note = (
                f"matched through ChEMBL's short name {_exact(name)!r} of {', '.join(others)}"
                if others
                else ""
            )
            return self._from_source(found, note)
        return None

    def near_miss(self, name: str) -> str:
        """Why a name was not grounded although a short synonym matches it ignoring case."""
        k = key(name)
        for form, accession, _kind in self._short.get(k, []):
            if form != _exact(name):
                return (
                    f"matches ChEMBL's name {form!r} of {self.symbol(accession)} only ignoring "
                    f"case; names of {SHORT} characters or fewer are matched as written"
                )
        return ""

    def _from_source(self, hits: Mapping[str, tuple[str, str]], note: str) -> Grounding:
        by_symbol: dict[str, str] = {}
        for accession in sorted(hits):
            by_symbol.setdefault(self.symbol(accession), accession)
        names = sorted({f"{form} ({kind.lower()})" for form, kind in hits.values()})
        symbols = tuple(sorted(by_symbol))
        return Grounding(
            "synonym",
            next(iter(hits.values()))[0],
            symbols,
            tuple(by_symbol[s] for s in symbols),
            f"ChEMBL component synonym {', '.join(names)} in {self.release}",
            note,
        )


# -- tokens and their parts ---------------------------------------------------------------------

_WORD: Final = r"[^\W_]"
#: A token: letters, digits and Greek letters, joined by ``-``, ``/``, ``+`` or ``_``, with an
#: optional trailing ``+`` (NAD+, CD8+).
_TOKEN: Final = re.compile(rf"{_WORD}(?:{_WORD}|[-/+_.](?={_WORD}))*\+?")
_JOIN: Final = re.compile(r"([-/+])")
_RANGE: Final = re.compile(r"^([A-Za-z][A-Za-z0-9]*?[A-Za-z])(\d)-(\d)$")
#: A symbol with its siblings' suffixes after slashes: JAK1/2, CDK4/6, IKKα/β, PI3Kα/δ.
_SIBLINGS: Final = re.compile(
    rf"^([A-Za-z][A-Za-z0-9-]*?[A-Za-z])(\d+|[{_GREEK_LETTERS}])((?:/(?:\d+|[{_GREEK_LETTERS}]))+)$"
)
_MAX_PARTS: Final = 12


def tokens(sentence: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, token)`` of every token in a cleaned sentence.

    A dot ends a token unless a letter or digit follows: ``RAW264.7`` is one token, ``BCL-2.``
    is ``BCL-2``.
    """
    for match in _TOKEN.finditer(sentence):
        text = match.group()
        yield match.start(), match.start() + len(text), text


def split_token(token: str, known: Callable[[str], bool]) -> list[tuple[str, bool]]:
    """Split a joined token into its longest known parts: ``[(part, known), ...]``.

    The joins (``/``, ``+``, ``-``) cut the token into pieces; of every way to group neighbouring
    pieces, the one that covers the most pieces with known names wins, and among those the one
    with the fewest parts, so a token that is known whole stays whole (``BCL-2``, ``PI3K-delta``)
    and unknown neighbours stay joined as written (``IL-6R``, ``CCL2`` in ``CCL2-CCR2``). A symbol
    with a digit range (``AKT1-3``) stands for each member when every member is known.
    """
    if token.endswith("+") and not known(token):
        token = token.rstrip("+")
    ranged = _RANGE.match(token)
    if ranged:
        stem, low, high = ranged.group(1), int(ranged.group(2)), int(ranged.group(3))
        members = [f"{stem}{n}" for n in range(low, high + 1)] if low < high else []
        if members and all(known(m) for m in members):
            return [(m, True) for m in members]
    siblings = _SIBLINGS.match(token)
    if siblings and not known(token):
        stem, first, rest = siblings.groups()
        members = [f"{stem}{suffix}" for suffix in (first, *rest.strip("/").split("/"))]
        if all(known(m) for m in members):
            return [(m, True) for m in members]
    pieces = _JOIN.split(token)
    parts, joins = pieces[0::2], pieces[1::2]
    if len(parts) == 1 or len(parts) > _MAX_PARTS or not all(parts):
        return [(token, known(token))]

    def text(i: int, j: int) -> str:
        return "".join(parts[n] + (joins[n] if n < j - 1 else "") for n in range(i, j))

    # best[j]: (pieces covered, -parts used, [(i, j, known), ...]) over the first j pieces
    best: list[tuple[int, int, list[tuple[int, int, bool]]]] = [(0, 0, [])]
    for j in range(1, len(parts) + 1):
        options = []
        for i in range(j):
            is_known = known(text(i, j))
            covered, used, split = best[i]
            options.append(
                (covered + (j - i if is_known else 0), used - 1, [*split, (i, j, is_known)])
            )
        best.append(max(options, key=lambda o: (o[0], o[1])))
    merged: list[tuple[int, int, bool]] = []
    for i, j, is_known in best[-1][2]:
        if merged and not is_known and not merged[-1][2]:
            merged[-1] = (merged[-1][0], j, False)
        else:
            merged.append((i, j, is_known))
    return [(text(i, j), is_known) for i, j, is_known in merged]


# -- what is left: does it look like a gene? ----------------------------------------------------

_GREEK_CLASS: Final = f"[{_GREEK_LETTERS}{_GREEK_LETTERS.upper()}]"
#: Gene-symbol shape: a capital, then capitals/digits, joined by hyphens (TREM2, NEMO, IL-6R).
_SYMBOL_SHAPE: Final = re.compile(rf"^[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)*(?:{_GREEK_CLASS}|[a-z])?$")
#: Protein-name shape: a short stem with a number (p65, p16INK4a, Rac1, Mcl-1, Ercc1), a
#: lower-case prefix on a capital name (cGAS, iNOS, hTERT), a Greek-letter isoform (IKKε, IκBα,
#: TNF-α), or a stem with a one- or two-letter isoform (Bcl-w, Bcl-xL).
_NAME_SHAPES: Final = (
    re.compile(r"^[A-Za-z][A-Za-z]{0,6}-?[0-9]+[A-Za-z0-9]*$"),
    re.compile(r"^[a-z][A-Z]{2,}[A-Za-z0-9]*$"),
    re.compile(rf"^[A-Za-z0-9][A-Za-z0-9-]*{_GREEK_CLASS}[A-Za-z0-9]*$"),
    re.compile(r"^[A-Z][a-z]{1,3}-[a-zA-Z]{1,2}$"),
)
#: A research compound code: 1-5 letters and 3+ digits, hyphenated or not (A1331852, SR12343,
#: ABT-263, ABT263, UBX0101), unless the letters are the stem of an HGNC family whose members are
#: numbered past 99 (CD274, ZNF217, TMEM173, RNF168).
_COMPOUND_CODE: Final = re.compile(r"^([A-Z]{1,5})-?\d{3,}[A-Z]?$")
_NUMBERED_GENE_STEMS: Final = frozenset(
    {"CD", "TMEM", "ZNF", "KIAA", "FAM", "CCDC", "LOC", "MIR", "LINC", "SLC", "OR", "ANKRD",
     "RNF", "NUP", "USP", "TRIM", "ZBTB", "KLHL", "DDX", "DHX", "PCDH", "SNORD", "SNORA", "LRRC",
     "WDR", "PRR", "ZC3H", "C1QTNF", "GPR", "TAS2R", "KRTAP", "HIST", "RPL", "RPS"}
)  # fmt: skip


def gene_like(token: str) -> bool:
    """Whether an ungrounded token has the shape of a gene symbol or a protein name.

    >>> [gene_like(t) for t in ("TREM2", "IL-6R", "p16INK4a", "IKKε", "Bcl-w", "cGAS")]
    [True, True, True, True, True, True]
    >>> [gene_like(t) for t in ("Navitoclax", "senescence", "1995", "A")]
    [False, False, False, False]
    """
    if len(token) < 2 or not any(c.isalpha() for c in token) or token.isdigit():
        return False
    if _SYMBOL_SHAPE.match(token) and sum(c.isalpha() for c in token) >= 2:
        return True
    return any(shape.match(token) for shape in _NAME_SHAPES)


def compound_code(token: str) -> bool:
    """Whether a token is a research compound code (ABT-263, A1331852), not a gene."""
    match = _COMPOUND_CODE.match(token)
    return bool(match) and match is not None and match.group(1) not in _NUMBERED_GENE_STEMS


@dataclass(frozen=True)
class Mention:
    """One protein mention in a sentence: the text as written and what it grounds to."""

    text: str
    sentence: str
    grounding: Grounding | None
    note: str = ""


@dataclass
class Findings:
    """What :class:`Reader` found in a document's sentences."""

    mentions: list[Mention] = field(default_factory=list)
    ungrounded: list[Mention] = field(default_factory=list)
    filtered: dict[str, int] = field(default_factory=dict)

    def drop(self, group: str) -> None:
        self.filtered[group] = self.filtered.get(group, 0) + 1


#: The last word of a long form that names a protein (Schwartz & Hearst definitions).
_PROTEIN_WORD: Final = re.compile(
    r"(?:protein|proteins|kinase|kinases|receptor|receptors|factor|factors|ligand|modulator|"
    r"regulator|inhibitor|subunit|channel|transporter|antigen|enzyme|[a-z]+ase|[a-z]+in|"
    r"[a-z]*\d+[a-z]?|[αβγδεκ])$",
    re.IGNORECASE,
)
_NAME_ITEM: Final = re.compile(
    r"^(?:(?:[A-Z][a-z\u00c0-\u024f'’-]+|[A-Z]\.?)\s+){0,3}[A-Z][a-z\u00c0-\u024f'’-]+"
    r"\s*[\d,#*†‡§¶\s]*$"
)


_AFFILIATION: Final = re.compile(
    r"\b(?:Department|Dept\.|Universit(?:y|é|à|ät)|Institut(?:e)?|School of|Faculty of|"
    r"Hospital|Laborator(?:y|ies)|College|Cent(?:er|re)|Author to whom|Correspondence)\b"
)


def author_line(line: str) -> bool:
    """Whether a line is an author list (``Yi Zhu 1,#, Ewald J Doornebal 1,2,# ...``).

    An affiliation line (a department, university, institute, hospital or centre, in a line
    shorter than 400 characters) counts as one. Otherwise: three or more comma- or
    semicolon-separated items, seven in ten of them personal names (one to four capitalised
    words, optionally followed by affiliation markers).
    """
    if _AFFILIATION.search(line) and len(line) < 400:  # an affiliation: a place, not a gene
        return True
    items = [i.strip() for i in re.split(r"[,;]|\band\b", line) if i.strip()]
    items = [i for i in items if not re.fullmatch(r"[\d#*†‡§¶\s]+", i)]
    if len(items) < 3:
        return False
    names = sum(bool(_NAME_ITEM.match(i)) for i in items)
    return names >= 0.7 * len(items)


def _letters_match(short: str, long: str) -> bool:
    """Whether the short form's letters appear in order in the long form.

    The first letter must start a word (Schwartz & Hearst 2003 Pac Symp Biocomput 8:451, Fig. 2).
    """
    short = "".join(c for c in short.lower() if c.isalnum())
    long = long.lower()
    at_short, at_long = len(short) - 1, len(long) - 1
    while at_short >= 0:
        char = short[at_short]
        while at_long >= 0 and (
            long[at_long] != char or (at_short == 0 and at_long > 0 and long[at_long - 1].isalnum())
        ):
            at_long -= 1
        if at_long < 0:
            return False
        at_short, at_long = at_short - 1, at_long - 1
    return True


def abbreviations(lines: Iterable[str]) -> dict[str, str]:
    """Short forms the document defines, keyed by :func:`key`, with their long form.

    ``long form (SF)`` and ``SF (long form)`` in running text, and abbreviation lists (a line
    holding only the short form, the long form on the next line), checked with the letter rule
    of :func:`_letters_match`.
    """
    found: dict[str, str] = {}
    lines = list(lines)
    for line in lines:
        for match in re.finditer(r"\(([^()]{1,80})\)", line):
            inside = match.group(1).strip()
            before = line[: match.start()].split()
            if re.fullmatch(r"\S{2,12}", inside) and before:
                words = before[-min(len(before), len(inside) + 5, 2 * len(inside)) :]
                for start in range(len(words) - 1, -1, -1):
                    candidate = " ".join(words[start:])
                    if _letters_match(inside, candidate):
                        found.setdefault(key(inside), candidate)
                        break
            elif len(inside.split()) >= 2 and before and _letters_match(before[-1], inside):
                found.setdefault(key(before[-1]), inside)
    for line in lines:  # figure-legend lists: "SASP, senescence-associated ...; IL, interleukin"
        for match in re.finditer(r"(?:^|[;.]\s+)([^\s,;]{2,12}), ([^;]+?)(?=;|\.\s|\.?$)", line):
            if _letters_match(match.group(1), match.group(2)):
                found.setdefault(key(match.group(1)), match.group(2).strip())
    for line, following in itertools.pairwise(lines):
        item = re.fullmatch(r"[-•*]?\s*(\S{2,12})\s*", line)
        if item and following and _letters_match(item.group(1), following):
            found.setdefault(key(item.group(1)), following.strip())
    return found


#: A compound is named right after a drug word ("the IKKβ inhibitor TPCA-1") or before a dose in
#: brackets ("TPCA-1 (1 µM)"); such a token is a compound, not a gene.
_COMPOUND_BEFORE: Final = re.compile(
    r"\b(?:inhibitors?|agonists?|antagonists?|activators?|mimetics?|degraders?|drugs?|"
    r"compounds?|senolytics?|senomorphics?)\s+$",
    re.IGNORECASE,
)
_DOSE_AFTER: Final = re.compile(r"\s*\(\s*[\d.,]+\s*(?:[pnµμum]M|mg/kg|µg/mL|ng/mL)\b")
#: A phosphorylation site or residue (Ser536, Tyr705, S473), not a protein.
_RESIDUE: Final = re.compile(r"^(?:Ser|Thr|Tyr|Lys|Arg|Cys|His|S|T|Y|K)\d{1,4}$")


@dataclass
class Reader:
    """Reads sentences into mentions, with the document-level filters for what is left.

    :param lexicon: the names mentions are grounded on
    :param phrase: whether a text is one of the vocabulary's pathway phrases (NF-κB, JAK-STAT):
        known, so never ungrounded, but its genes come from the phrase, not from here
    :param not_genes: the shipped filter words
    :param words: the document's lower-case words (an all-capital token whose lower case is one
        of them is an ordinary word set in capitals)
    :param defined: the document's abbreviation definitions (:func:`abbreviations`)
    """

    lexicon: Lexicon
    phrase: Callable[[str], bool]
    not_genes: NotGenes
    words: frozenset[str] = frozenset()
    defined: Mapping[str, str] = field(default_factory=dict)
    window: int = 8

    _known: dict[str, bool] = field(init=False, default_factory=dict)

    def known(self, text: str) -> bool:
        """Whether a text grounds or is a vocabulary phrase (memoised per document)."""
        if text not in self._known:
            self._known[text] = self.lexicon.ground(text) is not None or self.phrase(text)
        return self._known[text]

    def read(self, sentence: str, found: Findings, *, authors: bool = False) -> None:
        """Add the sentence's mentions (and its gene-like leftovers) to ``found``."""
        spans = list(tokens(sentence))
        covered = self._windows(sentence, spans, found)
        for n, (start, end, token) in enumerate(spans):
            if n in covered:
                continue
            compound = bool(  # only the text next to the token: linear in the sentence
                _COMPOUND_BEFORE.search(sentence[max(0, start - 40) : start])
                or _DOSE_AFTER.match(sentence, end)
            )
            for part, is_known in split_token(token, self.known):
                grounding = self.lexicon.ground(part) if is_known else None
                if grounding is not None:
                    found.mentions.append(Mention(part, sentence, grounding, grounding.note))
                elif not is_known:
                    self._leftover(part, sentence, found, authors, compound)

    def _windows(
        self, sentence: str, spans: list[tuple[int, int, str]], found: Findings
    ) -> set[int]:
        """Multi-word names (``protein kinase B``, ``Janus kinase 2``): longest first."""
        covered: set[int] = set()
        n = 0
        while n < len(spans):
            for size in range(min(self.window, len(spans) - n), 1, -1):
                last = n + size - 1
                gaps = (sentence[spans[k][1] : spans[k + 1][0]] for k in range(n, last))
                if not all(g and not g.strip(" ,") for g in gaps):  # spaces (and commas)
                    continue
                text = sentence[spans[n][0] : spans[last][1]]
                grounding = self.lexicon.ground(text) if len(key(text)) >= 6 else None
                if grounding is not None:
                    found.mentions.append(Mention(text, sentence, grounding, grounding.note))
                    covered.update(range(n, last + 1))
                    n = last
                    break
            n += 1
        return covered

    def _leftover(
        self, part: str, sentence: str, found: Findings, authors: bool, compound: bool
    ) -> None:
        """Keep a part that does not ground as ungrounded only if it looks like a gene."""
        near = self.lexicon.near_miss(part)
        if near:  # "Rac": said, with why it was not grounded on AKT1's old symbol RAC
            found.ungrounded.append(Mention(part, sentence, None, near))
            return
        group = self.not_genes.groups.get(key(part))
        if group is None and "-" in part:  # "Ercc1-deficient": the gene without the word
            kept = [p for p in part.split("-") if not re.fullmatch(r"[a-z]{3,}", p)]
            if kept and len(kept) < len(part.split("-")):
                part = "-".join(kept)
                group = self.not_genes.groups.get(key(part))
        if group is not None:
            found.drop(group)
            return
        if not gene_like(part):
            pieces = [p for p in _JOIN.split(part)[0::2] if p]
            # "Rac1-GTP": each piece on its own (Rac1 kept, GTP filtered); not a chemical name
            # with a locant ("17-DMAG", "5-FU")
            if len(pieces) > 1 and not any(p.isdigit() for p in pieces):
                for piece in pieces:
                    self._leftover(piece, sentence, found, authors, compound)
            return
        if compound or compound_code(part):
            found.drop("compound names")
        elif authors:
            found.drop("author lists and affiliations")
        elif part.isalpha() and part.isupper() and len(part) >= 3 and part.lower() in self.words:
            found.drop("words in capitals")
        elif key(part) in self.defined and not _PROTEIN_WORD.search(self.defined[key(part)]):
            found.drop("abbreviations defined as something else")
        elif _RESIDUE.match(part):
            found.drop("residues")
        else:
            found.ungrounded.append(Mention(part, sentence, None))
