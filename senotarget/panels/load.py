"""Load and validate target panels (TOML) before any ChEMBL call.

A panel is data: entries naming a target group as a document writes it, its genes, the strategies
the document assigns, the direction a candidate must move the targets, and the citation (DESIGN §3).
An entry may also name mechanism partners (``[[entries.partners]]``: a protein whose
drug_mechanism records count for one of its genes, on a stated condition, e.g. FKBP1A for mTOR)
and assay descriptions that measure another protein (``[[entries.assay_exclusions]]``), each
with its citation (DESIGN §4).
Every rule is checked at load time and a violation raises :class:`PanelError` naming the file, the
line and the fix, because a wrong panel silently gives a wrong ranking.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, Final, cast

from senotarget.errors import PanelError
from senotarget.schema import (
    DIRECTIONS,
    GENE_PATTERN,
    PARTNER_CONDITIONS,
    STRATEGIES,
    UNIPROT_PATTERN,
    AssayExclusion,
    MechanismPartner,
    Panel,
    PanelEntry,
    PartnerCondition,
    Strategy,
)

__all__ = ["BUILTIN_PANELS", "load_panel", "parse_entry", "parse_panel"]

BUILTIN_PANELS: Final = ("default",)


_TOP_KEYS: Final = {
    "name",
    "description",
    "extends",
    "documents",
    "strategy_cautions",
    "entries",
    # written by `targets from-doc`: where the panel came from and what it could not place
    "source_document",
    "unassigned",
    "ungrounded",
    "ambiguous",
}
_ENTRY_KEYS: Final = {
    "label",
    "genes",
    "strategies",
    "direction",
    "pathway",
    "citation",
    "caution",
    "contrary_note",
    "evidence",
    "partners",
    "assay_exclusions",
}
#: Keys of an ``[[entries.partners]]`` table (:class:`MechanismPartner`).
_PARTNER_KEYS: Final = {"gene", "acts_on", "via", "requires", "citation", "otherwise"}
#: Keys of an ``[[entries.assay_exclusions]]`` table (:class:`AssayExclusion`).
_EXCLUSION_KEYS: Final = {"measures", "patterns", "unless", "citation"}
#: Spellings a document may use for a direction, mapped onto the two the rules know. ChEMBL counts
#: ANTAGONIST as a negative action type, so "antagonise" is "inhibit" for classification.
_DIRECTION_ALIASES: Final = {"antagonise": "inhibit", "antagonize": "inhibit"}


def load_panel(name_or_path: str | Path) -> Panel:
    """Load a built-in panel by name (``"default"``) or a panel TOML file by path.

    :raises PanelError: the file is missing, not TOML, or breaks a panel rule
    """
    text_name = str(name_or_path)
    if text_name in BUILTIN_PANELS:
        resource = resources.files("senotarget.panels").joinpath(f"{text_name}.toml")
        return parse_panel(resource.read_text(encoding="utf-8"), source=f"builtin:{text_name}")
    path = Path(name_or_path)
    if path.is_dir():
        raise PanelError(
            text_name,
            "is a folder, not a panel file",
            "pass --panel a panel TOML file (e.g. one written by `senotarget targets from-doc`), "
            f"or one of: {', '.join(BUILTIN_PANELS)}",
        )
    if not path.is_file():
        raise PanelError(
            text_name,
            "file not found",
            "pass an existing panel TOML file with --panel, "
            f"or one of: {', '.join(BUILTIN_PANELS)}",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PanelError(text_name, f"cannot be read ({error})", "pass a UTF-8 TOML file") from None
    return parse_panel(text, source=str(path))


def _entry_line(text: str, index: int) -> int | None:
    """1-based line of the ``index``-th ``[[entries]]`` header, for error messages."""
    count = -1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("[[entries]]"):
            count += 1
            if count == index:
                return number
    return None


def _key_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return None


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z_][\w.-]*)\s*\]\]?\s*(#.*)?$")


def _key_at(lines: list[str], start: int, end: int, key: str) -> int | None:
    """0-based index of the ``key = ...`` line in ``lines[start:end]``, or None."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    return next((i for i in range(start, end) if pattern.match(lines[i])), None)


def _locate(
    text: str,
    index: int,
    key: str | None = None,
    *,
    value: object = None,
    table: str | None = None,
    nth: int = 0,
) -> int | None:
    """1-based line to fix in the ``index``-th ``[[entries]]``: a key's line, else the header.

    :param key: the key whose line is wanted (the header's line when the table lacks it)
    :param value: a value of that key (a gene in a multi-line list): the line that holds it
    :param table: ``partners`` or ``assay_exclusions``: look in the entry's ``nth`` such table
    """
    lines = text.splitlines()
    headers = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _HEADER.match(line))]
    entries = [i for i, name in headers if name == "entries"]
    if index >= len(entries):
        return None
    start = entries[index]
    if table is not None:
        later = [i for i, name in headers if i > start and name == "entries"]
        stop = later[0] if later else len(lines)
        subs = [i for i, name in headers if start < i < stop and name == f"entries.{table}"]
        if nth >= len(subs):
            return start + 1
        start = subs[nth]
    end = next((i for i, _ in headers if i > start), len(lines))
    found = _key_at(lines, start + 1, end, key) if key is not None else None
    if found is None:
        return start + 1
    if value is not None:
        literal = repr(value) if not isinstance(value, str) else value
        nxt = next(
            (i for i in range(found + 1, end) if re.match(r"^\s*[A-Za-z_][\w-]*\s*=", lines[i])),
            end,
        )
        hit = next((i for i in range(found, nxt) if literal in lines[i]), None)
        if hit is not None:
            return hit + 1
    return found + 1


def parse_panel(text: str, *, source: str) -> Panel:
    """Parse and validate panel TOML text.

    :param text: the TOML document
    :param source: where it came from (a path, or ``builtin:NAME``), used in messages and the
        manifest
    :raises PanelError: malformed TOML, an unknown key, an empty gene list, an unknown strategy or
        direction, a malformed gene symbol, or a duplicate label
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python 3.14 gives error.lineno; earlier versions only say "(at line N, column M)".
        found = re.search(r"\(at line (\d+)", str(error))
        line = getattr(error, "lineno", None) or (int(found.group(1)) if found else None)
        message = str(error).split(" (at line")[0]
        raise PanelError(
            source, f"is not valid TOML ({message})", "fix the TOML syntax", line
        ) from None
    unknown = set(document) - _TOP_KEYS
    if unknown:
        key = min(unknown)
        raise PanelError(
            source,
            f"unknown key {key!r}",
            f"use only {', '.join(sorted(_TOP_KEYS))}",
            _key_line(text, key),
        )

    base: Panel | None = None
    extends = document.get("extends")
    if extends is not None:
        if extends not in BUILTIN_PANELS:
            raise PanelError(
                source,
                f"extends {extends!r}, which is not a built-in panel",
                f'use extends = "{BUILTIN_PANELS[0]}" or drop the key',
                _key_line(text, "extends"),
            )
        base = load_panel(str(extends))

    name = document.get("name", Path(source).stem if base is None else f"{extends}+{source}")
    if not isinstance(name, str) or not name.strip():
        raise PanelError(
            source, "name is empty", 'give the panel a name = "..."', _key_line(text, "name")
        )
    documents = _string_table(document, "documents", source, text)
    cautions = _string_table(document, "strategy_cautions", source, text)
    for key in cautions:
        if key not in STRATEGIES:
            raise PanelError(
                source,
                f"strategy_cautions names unknown strategy {key!r}",
                f"use one of {', '.join(STRATEGIES)}",
                _key_line(text, key),
            )

    for section in ("unassigned", "ungrounded", "ambiguous"):
        notes = document.get(section, [])
        if not isinstance(notes, list) or not all(isinstance(n, dict) for n in notes):
            raise PanelError(
                source,
                f"{section} is not a list of tables",
                f"write [[{section}]] tables",
                _key_line(text, section),
            )
    raw_entries = document.get("entries", [])
    # A from-doc panel whose genes have no strategy rule holds them under [[unassigned]] only:
    # valid to read and edit, refused by `run` until an entry gives them a strategy.
    if not isinstance(raw_entries, list) or (
        not raw_entries and base is None and not document.get("unassigned")
    ):
        raise PanelError(source, "has no [[entries]]", "add at least one [[entries]] table")
    entries = [parse_entry(raw, i, source, text) for i, raw in enumerate(raw_entries)]

    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if entry.label in seen:
            raise PanelError(
                source,
                f"duplicate label {entry.label!r} (entries {seen[entry.label] + 1} and {i + 1})",
                "give each entry its own label",
                _entry_line(text, i),
            )
        seen[entry.label] = i

    if base is not None:
        own = {e.label for e in entries}
        merged = [e for e in base.entries if e.label not in own] + entries
        documents = {**base.documents, **documents}
        cautions = {**base.strategy_cautions, **cautions}
    else:
        merged = entries
    _check_partner_genes(merged, source, text)
    return Panel(
        name=name.strip(),
        entries=tuple(merged),
        source=source,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        description=str(document.get("description", "")),
        documents=documents,
        strategy_cautions=cautions,
    )


def _check_partner_genes(entries: list[PanelEntry], source: str, text: str) -> None:
    """Stop a panel that ranks a gene it also uses as a mechanism partner.

    Its target would then hold both the entry's own evidence and, on a condition, another
    entry's, and the condition could not tell which a record serves.
    """
    ranked = {gene: entry.label for entry in entries for gene in entry.genes}
    for entry in entries:
        for partner in entry.partners:
            if partner.gene in ranked:
                raise PanelError(
                    source,
                    f"entry {entry.label!r} names {partner.gene} as a mechanism partner, but it "
                    f"is a gene of entry {ranked[partner.gene]!r}",
                    "rank the gene in one entry or use it as a partner, not both",
                    _partner_line(text, partner.gene),
                )


def _partner_line(text: str, gene: str) -> int | None:
    """1-based line of a partner's ``gene = "..."`` line, for error messages."""
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf'^\s*gene\s*=\s*["\']{re.escape(gene)}["\']', line, re.IGNORECASE):
            return number
    return None


def _tables(raw: dict[str, Any], key: str, where: str, source: str, line: int | None) -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise PanelError(
            source, f"{where}: {key} is not a list of tables", f"write [[entries.{key}]]", line
        )
    return value


def _text(
    table: dict[str, Any], key: str, where: str, source: str, line: int | None, *, required: bool
) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise PanelError(source, f"{where}: {key} is not a string", f'write {key} = "..."', line)
    if required and not value.strip():
        raise PanelError(source, f"{where} has no {key}", f'add {key} = "..."', line)
    return value.strip()


def _substrings(
    table: dict[str, Any], key: str, where: str, source: str, line: int | None, *, required: bool
) -> tuple[str, ...]:
    value = table.get(key, [])
    if (
        not isinstance(value, list)
        or not all(isinstance(v, str) and v.strip() and ";" not in v for v in value)
        or (required and not value)
    ):
        raise PanelError(
            source,
            f"{where}: {key} is not a{' non-empty' if required else ''} list of "
            "non-empty strings without ';'",
            f'write {key} = ["..."] (case-insensitive description substrings)',
            line,
        )
    return tuple(dict.fromkeys(v.strip() for v in value))


def _refuse_unknown_keys(
    table: dict[str, Any],
    allowed: set[str],
    subject: str,
    source: str,
    line_of: Callable[[str], int | None],
) -> None:
    """Refuse the first key of ``table`` (alphabetically) that ``allowed`` does not hold.

    :param line_of: key -> the line to name in the message
    """
    unknown = set(table) - allowed
    if unknown:
        raise PanelError(
            source,
            f"{subject} unknown key {min(unknown)!r}",
            f"use only {', '.join(sorted(allowed))}",
            line_of(min(unknown)),
        )


def _partners(
    raw: dict[str, Any], genes: list[str], where: str, source: str, text: str, index: int
) -> tuple[MechanismPartner, ...]:
    """Validate the ``[[entries.partners]]`` tables of one entry (the ``index``-th)."""
    partners: list[MechanismPartner] = []
    header = _locate(text, index, "partners")
    for nth, table in enumerate(_tables(raw, "partners", where, source, header)):

        def at(key: str | None = None, nth: int = nth) -> int | None:
            return _locate(text, index, key, table="partners", nth=nth)

        _refuse_unknown_keys(table, _PARTNER_KEYS, f"{where}: a partner has", source, at)
        gene = table.get("gene")
        if not isinstance(gene, str) or not GENE_PATTERN.match(gene.strip()):
            raise PanelError(
                source,
                f"{where} has a partner with malformed gene symbol {gene!r}",
                'name the partner by its HGNC symbol: gene = "FKBP1A"',
                at("gene"),
            )
        gene = gene.strip() if UNIPROT_PATTERN.match(gene.strip()) else gene.strip().upper()
        here = f"{where}, partner {gene}"
        if gene in genes:
            raise PanelError(
                source,
                f"{here} is also a gene of the entry",
                "a partner's records count for the entry's genes; list it in one place",
                at("gene"),
            )
        if any(p.gene == gene for p in partners):
            raise PanelError(
                source, f"{here} is listed twice", "list each partner once", at("gene")
            )
        acts_on = str(table.get("acts_on", genes[0] if len(genes) == 1 else "")).strip().upper()
        if acts_on not in genes:
            raise PanelError(
                source,
                f"{here}: acts_on {table.get('acts_on', '')!r} is not a gene of the entry",
                f"write acts_on = one of {', '.join(genes)}",
                at("acts_on"),
            )
        requires = table.get("requires")
        if requires is not None and requires not in PARTNER_CONDITIONS:
            raise PanelError(
                source,
                f"{here}: requires {requires!r} is not a known condition",
                f"use one of {', '.join(PARTNER_CONDITIONS)}, or leave it out to count every "
                "record",
                at("requires"),
            )
        partners.append(
            MechanismPartner(
                gene=gene,
                acts_on=acts_on,
                via=_text(table, "via", here, source, at("via"), required=True),
                requires=cast("PartnerCondition | None", requires),
                citation=_text(table, "citation", here, source, at("citation"), required=True),
                otherwise=_text(table, "otherwise", here, source, at("otherwise"), required=False),
            )
        )
    return tuple(partners)


def _exclusions(
    raw: dict[str, Any], where: str, source: str, text: str, index: int
) -> tuple[AssayExclusion, ...]:
    """Validate the ``[[entries.assay_exclusions]]`` tables of one entry (the ``index``-th)."""
    exclusions: list[AssayExclusion] = []
    header = _locate(text, index, "assay_exclusions")
    for nth, table in enumerate(_tables(raw, "assay_exclusions", where, source, header)):

        def at(key: str | None = None, nth: int = nth) -> int | None:
            return _locate(text, index, key, table="assay_exclusions", nth=nth)

        _refuse_unknown_keys(table, _EXCLUSION_KEYS, f"{where}: an assay exclusion has", source, at)
        here = f"{where}, assay exclusion"
        exclusions.append(
            AssayExclusion(
                measures=_text(table, "measures", here, source, at("measures"), required=True),
                patterns=_substrings(
                    table, "patterns", here, source, at("patterns"), required=True
                ),
                unless=_substrings(table, "unless", here, source, at("unless"), required=False),
                citation=_text(table, "citation", here, source, at("citation"), required=False),
            )
        )
    return tuple(exclusions)


def _string_table(document: dict[str, Any], key: str, source: str, text: str) -> dict[str, str]:
    table = document.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise PanelError(
            source,
            f"{key} is not a table of strings",
            f'write [{key}] with name = "text" lines',
            _key_line(text, key),
        )
    return cast(dict[str, str], table)


def parse_entry(raw: object, index: int, source: str, text: str) -> PanelEntry:
    """Validate one ``[[entries]]`` table (also used for the shipped vocabulary)."""
    line = _entry_line(text, index)

    def at(key: str | None = None, value: object = None) -> int | None:
        return _locate(text, index, key, value=value)

    where = f"entry {index + 1}"
    if not isinstance(raw, dict):
        raise PanelError(
            source, f"{where} is not a table", "write entries as [[entries]] tables", line
        )
    _refuse_unknown_keys(raw, _ENTRY_KEYS, f"{where} has", source, at)
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise PanelError(
            source, f"{where} has no label", 'add label = "..." as the document writes it', line
        )
    where = f"entry {label!r}"

    genes = raw.get("genes")
    if not isinstance(genes, list) or not genes:
        raise PanelError(
            source,
            f"{where} has an empty gene list",
            'list its genes: genes = ["BCL2"]',
            at("genes"),
        )
    cleaned: list[str] = []
    for gene in genes:
        if not isinstance(gene, str) or not GENE_PATTERN.match(gene.strip()):
            raise PanelError(
                source,
                f"{where} has malformed gene symbol {gene!r}",
                "use an HGNC gene symbol (e.g. BCL2L1) or a UniProt accession (e.g. P10415)",
                at("genes", gene),
            )
        symbol = gene.strip()
        symbol = symbol if UNIPROT_PATTERN.match(symbol) else symbol.upper()
        if symbol not in cleaned:
            cleaned.append(symbol)

    strategies = raw.get("strategies")
    if not isinstance(strategies, list) or not strategies:
        raise PanelError(
            source,
            f"{where} has no strategies",
            f"list one or more of {', '.join(STRATEGIES)}",
            at("strategies"),
        )
    for strategy in strategies:
        if strategy not in STRATEGIES:
            raise PanelError(
                source,
                f"{where} has unknown strategy {strategy!r}",
                f"use one of {', '.join(STRATEGIES)}",
                at("strategies", strategy),
            )

    direction = raw.get("direction")
    direction = _DIRECTION_ALIASES.get(str(direction), direction)
    if direction not in DIRECTIONS:
        raise PanelError(
            source,
            f"{where} has unknown direction {raw.get('direction')!r}",
            f"use one of {', '.join(DIRECTIONS)}",
            at("direction"),
        )
    evidence = raw.get("evidence", [])
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise PanelError(
            source,
            f"{where}: evidence is not a list of strings",
            'write evidence = ["..."]',
            at("evidence"),
        )
    for key in ("pathway", "citation", "caution", "contrary_note"):
        if key in raw and not isinstance(raw[key], str):
            raise PanelError(
                source, f"{where}: {key} is not a string", f'write {key} = "..."', at(key)
            )
    citation = str(raw.get("citation", "")).strip()
    if not citation:
        raise PanelError(
            source,
            f"{where} has no citation",
            'add citation = "document, figure" it comes from',
            at("citation"),
        )
    return PanelEntry(
        label=label.strip(),
        genes=tuple(cleaned),
        strategies=tuple(dict.fromkeys(cast(list[Strategy], strategies))),
        direction=direction,
        pathway=str(raw.get("pathway", "")).strip(),
        citation=citation,
        caution=str(raw.get("caution", "")).strip(),
        contrary_note=str(raw.get("contrary_note", "")).strip(),
        partners=_partners(raw, cleaned, where, source, text, index),
        assay_exclusions=_exclusions(raw, where, source, text, index),
    )
