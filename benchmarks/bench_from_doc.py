"""``targets from-doc`` against documents whose target genes a reader has listed.

Each document ``NAME.txt`` (or ``.xml``/``.md``) has a ``NAME.expect`` beside it: the first line
holds the HGNC symbols a reader finds named as targets, the second line (a comment) the phrase
that names each. Two sets are read: the shared development set (``../shared/documents``) and the
repository's own documents (``benchmarks/documents``, written for the styles the shared set lacks).

Per document and per set:

* **recall**: expected genes the panel proposes (entry genes and unassigned genes), over the
  expected genes the source can ground (a gene that is not a component of a taxon-9606 target in
  the release cannot be found by any extractor, and is counted apart as ``not_in_source``);
* **precision**: proposed genes that the reader lists, over all proposed genes;
* the **ungrounded** tokens (each should be a plausible gene or protein name), and the count of
  tokens the filter dropped.

Run: ``python -m benchmarks.run --db ../shared/chembl/chembl_senotarget.sqlite --only from-doc``
(or ``python -m benchmarks.bench_from_doc --db ...`` to print the table only).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SETS: dict[str, Path] = {
    "shared": HERE.parents[1] / "shared" / "documents",
    "own": HERE / "documents",
}
SUFFIXES = (".txt", ".xml", ".md")


@dataclass(frozen=True)
class Scored:
    """One document's score."""

    set_name: str
    name: str
    expected: frozenset[str]
    groundable: frozenset[str]
    found: frozenset[str]
    ungrounded: tuple[str, ...]
    filtered: int
    outcome: str

    @property
    def hits(self) -> int:
        """Expected genes the source can ground that the panel proposes."""
        return len(self.found & self.groundable)

    @property
    def recall(self) -> float | None:
        """Hits over the groundable expected genes."""
        return self.hits / len(self.groundable) if self.groundable else None

    @property
    def precision(self) -> float | None:
        """Proposed genes the reader lists, over all proposed genes."""
        return len(self.found & self.expected) / len(self.found) if self.found else None


def read_expect(path: Path) -> frozenset[str]:
    """The expected genes: the first line of an ``.expect`` file."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    return frozenset(first.split())


def documents(folder: Path) -> list[tuple[Path, Path]]:
    """(document, expect) pairs in a folder, sorted by name."""
    if not folder.is_dir():
        return []
    pairs = []
    for expect in sorted(folder.glob("*.expect")):
        for suffix in SUFFIXES:
            doc = expect.with_suffix(suffix)
            if doc.is_file():
                pairs.append((doc, expect))
                break
    return pairs


def groundable(source: Any, genes: frozenset[str], tax_id: int = 9606) -> frozenset[str]:
    """The genes the source records as components of a target of the taxon."""
    from senotarget.schema import ComponentCols

    hits = source.search_targets(sorted(genes), tax_id)
    hits = hits[hits[ComponentCols.MATCHED_BY] != ""]
    return frozenset(str(q) for q in hits[ComponentCols.QUERY]) & genes


def score(set_name: str, doc: Path, expect: Path, source: Any) -> Scored:
    """Extract one document and score it against its expect file."""
    from senotarget.errors import SenotargetError
    from senotarget.panels.extract import extract_panel, read_document

    expected = read_expect(expect)
    can = groundable(source, expected)
    try:
        extraction = extract_panel(read_document(doc), source)
    except SenotargetError as error:
        return Scored(set_name, doc.name, expected, can, frozenset(), (), 0, str(error))
    found = {g for e in extraction.entries for g in e.entry.genes}
    found |= {f.symbol for f in extraction.unassigned}
    filtered = extraction.filtered
    ungrounded = tuple(f.token for f in extraction.ungrounded)
    return Scored(set_name, doc.name, expected, can, frozenset(found), ungrounded, filtered, "ok")


def run(db: Path, sets: dict[str, Path] | None = None) -> tuple[list[Scored], list[dict[str, Any]]]:
    """Score every document of every set; the results.json entries per set and overall."""
    from senotarget.sources.sql import SqlSource

    source = SqlSource(str(db))
    try:
        scored = [
            score(name, doc, expect, source)
            for name, folder in (sets or SETS).items()
            for doc, expect in documents(folder)
        ]
    finally:
        source.close()
    entries: list[dict[str, Any]] = []
    groups = {name: [s for s in scored if s.set_name == name] for name in (sets or SETS)}
    groups["all"] = scored
    for name, rows in groups.items():
        if not rows:
            continue
        hits = sum(s.hits for s in rows)
        can = sum(len(s.groundable) for s in rows)
        found = sum(len(s.found) for s in rows)
        right = sum(len(s.found & s.expected) for s in rows)
        recall = hits / can if can else 0.0
        worst = min((s.recall for s in rows if s.recall is not None), default=None)
        entries.append(
            {
                "benchmark": f"from_doc_recall_{name}",
                "measured": round(recall, 4),
                "floor": None,
                "ratio": None,
                "unit": "share",
                "target": ">= 0.95 on every set",
                "precision": round(right / found, 4) if found else None,
                "worst_document_recall": None if worst is None else round(worst, 4),
                "documents": [
                    {
                        "document": s.name,
                        "expected": sorted(s.expected),
                        "not_in_source": sorted(s.expected - s.groundable),
                        "found": sorted(s.found),
                        "missed": sorted(s.groundable - s.found),
                        "extra": sorted(s.found - s.expected),
                        "recall": None if s.recall is None else round(s.recall, 4),
                        "precision": None if s.precision is None else round(s.precision, 4),
                        "ungrounded": list(s.ungrounded),
                        "filtered": s.filtered,
                        "outcome": s.outcome,
                    }
                    for s in rows
                ],
            }
        )
    return scored, entries


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f} %"


def markdown(scored: list[Scored]) -> str:
    """The per-document table (set, document, recall, precision, missed, extra, ungrounded)."""
    lines = [
        "| set | document | recall | precision | missed | extra | ungrounded (filtered) |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in scored:
        missed = " ".join(sorted(s.groundable - s.found)) or "-"
        extra = " ".join(sorted(s.found - s.expected)) or "-"
        shown = " ".join(s.ungrounded) or "-"
        lines.append(
            f"| {s.set_name} | {s.name} | {_share(s.recall)} ({s.hits}/{len(s.groundable)}) "
            f"| {_share(s.precision)} | {missed} | {extra} | {shown} ({s.filtered}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the per-document table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="ChEMBL SQLite file")
    args = parser.parse_args(argv)
    if not args.db.is_file():
        sys.exit(f"bench_from_doc: {args.db} not found: pass --db a ChEMBL SQLite file")
    scored, entries = run(args.db)
    print(markdown(scored))
    for e in entries:
        print(f"{e['benchmark']}: recall {e['measured']}, precision {e['precision']}")


if __name__ == "__main__":
    main()
