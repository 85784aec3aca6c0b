"""report.html (senotarget/report/html.py): exact page structure, escaping, self-containment and
re-rendering from the run's files.

Pages are parsed with the standard library's :mod:`html.parser` into a small tree, so every check
reads elements, attributes and text, never a substring of the markup.
"""

from __future__ import annotations

import base64
import json
import math
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from senotarget.cli import app
from senotarget.report import html as render
from senotarget.report.files import read_table_file
from senotarget.schema import (
    CandidateCols,
    EvidenceCols,
    RankingCols,
    RunResult,
    SelectivityCols,
    TargetCols,
)
from senotarget.stages import curate

WEIGHTS = {
    "potency": 0.30,
    "evidence": 0.15,
    "maturity": 0.15,
    "direction_certainty": 0.20,
    "breadth": 0.10,
    "druglikeness": 0.10,
    "alert_penalty": -0.05,
}
STRATEGY_SECTIONS = ["senolytic", "senomorphic", "senoreverter"]


# -- a parsed page ----------------------------------------------------------------------------

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})


@dataclass
class Node:
    """One element of a parsed page: tag, attributes and children (elements or text)."""

    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def elements(self) -> list[Node]:
        """The direct child elements."""
        return [c for c in self.children if isinstance(c, Node)]

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        """Descendants (and self) with this tag, class and attribute values (``_`` for ``-``)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes())
            and all(n.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} class={cls} {attrs}>"
        return found[0]

    def text(self) -> str:
        """The text content, whitespace collapsed (``<br>`` is a space)."""
        parts: list[str] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag == "br":
                    parts.append(" ")
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def texts(self) -> list[str]:
        """Every non-blank text node under this element, stripped, in document order."""
        out: list[str] = []
        for child in self.children:
            if isinstance(child, Node):
                out.extend(child.texts())
            elif child.strip():
                out.append(child.strip())
        return out

    def own_text(self) -> str:
        """The element's own text, without its child elements' text."""
        return " ".join("".join(c for c in self.children if isinstance(c, str)).split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        raise AssertionError(f"</{tag}> closes nothing")

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], [n.tag for n in builder.stack]  # every tag closed
    return builder.root


def _copy_run(run: RunResult, tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    shutil.copytree(run.run_dir, folder)
    return folder


def _html(folder: Path) -> str:
    return (folder / render.REPORT_HTML).read_text(encoding="utf-8")


def _page(folder: Path) -> Node:
    return parse(_html(folder))


def _rows(doc: Node, table_id: str) -> list[Node]:
    return doc.one("table", id=table_id).one("tbody").find_all("tr")


def _cells(row: Node) -> list[str]:
    return [td.text() for td in row.find_all("td")]


# -- score bars -------------------------------------------------------------------------------

#: (id, component values, expected (component, weight, value, contribution, width, colour) of the
#: six positive segments, expected penalty segment or None)
Seg = tuple[str, float, float, float, float, str]
SEGMENT_CASES: list[tuple[str, dict[str, Any], list[Seg], Seg | None]] = [
    (
        "every component at 1, no alert",
        {
            "potency": 1.0,
            "evidence": 1.0,
            "maturity": 1.0,
            "direction_certainty": 1.0,
            "breadth": 1.0,
            "druglikeness": 1.0,
            "alert_penalty": 0.0,
        },
        [
            ("potency", 0.30, 1.0, 0.30, 30.0, "#0072B2"),
            ("evidence", 0.15, 1.0, 0.15, 15.0, "#E69F00"),
            ("maturity", 0.15, 1.0, 0.15, 15.0, "#009E73"),
            ("direction_certainty", 0.20, 1.0, 0.20, 20.0, "#CC79A7"),
            ("breadth", 0.10, 1.0, 0.10, 10.0, "#56B4E9"),
            ("druglikeness", 0.10, 1.0, 0.10, 10.0, "#F0E442"),
        ],
        None,
    ),
    (
        "mixed values, PAINS alert",
        {
            "potency": 0.5,
            "evidence": 0.0,
            "maturity": 0.25,
            "direction_certainty": 0.5,
            "breadth": 1.0,
            "druglikeness": 0.4,
            "alert_penalty": 1.0,
        },
        [
            ("potency", 0.30, 0.5, 0.15, 15.0, "#0072B2"),
            ("evidence", 0.15, 0.0, 0.0, 0.0, "#E69F00"),
            ("maturity", 0.15, 0.25, 0.0375, 3.75, "#009E73"),
            ("direction_certainty", 0.20, 0.5, 0.10, 10.0, "#CC79A7"),
            ("breadth", 0.10, 1.0, 0.10, 10.0, "#56B4E9"),
            ("druglikeness", 0.10, 0.4, 0.04, 4.0, "#F0E442"),
        ],
        ("alert_penalty", -0.05, 1.0, -0.05, 5.0, "#D55E00"),
    ),
    (
        "a real row (BCLINIB): widths round to 2 decimals",
        {
            "potency": 0.66,
            "evidence": 0.4567,
            "maturity": 1.0,
            "direction_certainty": 1.0,
            "breadth": 1.0,
            "druglikeness": 0.595,
            "alert_penalty": 0.5,
        },
        [
            ("potency", 0.30, 0.66, 0.198, 19.8, "#0072B2"),
            ("evidence", 0.15, 0.4567, 0.068505, 6.85, "#E69F00"),
            ("maturity", 0.15, 1.0, 0.15, 15.0, "#009E73"),
            ("direction_certainty", 0.20, 1.0, 0.20, 20.0, "#CC79A7"),
            ("breadth", 0.10, 1.0, 0.10, 10.0, "#56B4E9"),
            ("druglikeness", 0.10, 0.595, 0.0595, 5.95, "#F0E442"),
        ],
        ("alert_penalty", -0.05, 0.5, -0.025, 2.5, "#D55E00"),
    ),
    (  # missing values count as 0, not as a crash
        "missing values count as 0",
        {"potency": float("nan"), "alert_penalty": 0.5},
        [
            ("potency", 0.30, 0.0, 0.0, 0.0, "#0072B2"),
            ("evidence", 0.15, 0.0, 0.0, 0.0, "#E69F00"),
            ("maturity", 0.15, 0.0, 0.0, 0.0, "#009E73"),
            ("direction_certainty", 0.20, 0.0, 0.0, 0.0, "#CC79A7"),
            ("breadth", 0.10, 0.0, 0.0, 0.0, "#56B4E9"),
            ("druglikeness", 0.10, 0.0, 0.0, 0.0, "#F0E442"),
        ],
        ("alert_penalty", -0.05, 0.5, -0.025, 2.5, "#D55E00"),
    ),
]


def _segment(s: render.Segment) -> tuple[str, float, float, float, float, str]:
    return (s.component, s.weight, s.value, round(s.contribution, 9), s.width, s.colour)


@pytest.mark.parametrize(
    ("row", "segments", "penalty"),
    [c[1:] for c in SEGMENT_CASES],
    ids=[c[0] for c in SEGMENT_CASES],
)
def test_score_segments_are_weight_times_value(
    row: dict[str, Any], segments: list[Seg], penalty: Seg | None
) -> None:
    got, alert = render.score_segments(row, WEIGHTS)
    assert [_segment(s) for s in got] == segments
    assert (None if alert is None else _segment(alert)) == penalty


def test_segment_widths_are_percent_of_the_positive_weights() -> None:
    """With positive weights summing to 2, a full bar is still 100%."""
    doubled = {k: 2 * v for k, v in WEIGHTS.items()}
    got, alert = render.score_segments({"potency": 1.0, "alert_penalty": 1.0}, doubled)
    assert [s.width for s in got] == [30.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert alert is not None and alert.width == 5.0


def _svg_root(uri: str) -> ET.Element:
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return ET.fromstring(base64.b64decode(uri.removeprefix(prefix)))  # noqa: S314  # our own SVG


@pytest.mark.parametrize(
    ("smiles", "drawn"),
    [
        ("CC(=O)Oc1ccccc1C(=O)O", True),
        ("[Na+].[Cl-]", True),
        ("", False),
        ("C1CC", False),  # unclosed ring: unparsable
        ("not a smiles", False),
    ],
)
def test_structure_data_uri(smiles: str, drawn: bool) -> None:
    uri = render.structure_data_uri(smiles)
    assert (uri is not None) is drawn
    if uri is not None:
        root = _svg_root(uri)
        assert (root.tag, root.get("width"), root.get("height"), root.get("viewBox")) == (
            "{http://www.w3.org/2000/svg}svg",
            "220px",
            "160px",
            "0 0 220 160",
        )


# -- a small hand-built run: exact rows ---------------------------------------------------------

NAN = float("nan")


def _candidate(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "strategy": None,
        "rank": None,
        "molecule_chembl_id": None,
        "pref_name": NAN,
        "score": 0.0,
        "primary_label": "",
        "labels": "",
        "potency": 0.0,
        "evidence": 0.0,
        "maturity": 0.0,
        "direction_certainty": 0.0,
        "breadth": 0.0,
        "druglikeness": 0.0,
        "alert_penalty": 0.0,
        "direction": None,
        "action_types": "",
        "targets": None,
        "best_pchembl": NAN,
        "n_assays": 0,
        "n_documents": 0,
        "n_documents_unknown": 0,
        "max_phase": NAN,
        "evidence_text": "",
        "caution": "",
        "flags": "",
        "canonical_smiles": "",
        "is_candidate": True,
        "has_mechanism": False,
        "meets_potency": False,
        "direction_ok": True,
        "parent_basis": "self",
        "murcko_scaffold": "",
        "cluster": "",
        "qed": NAN,
        "pains": "",
        "brenk": "",
        "qed_basis": "",
        "alerts_basis": "",
        "structure_basis": "",
    }
    assert list(row) == list(CandidateCols.ORDER)
    assert set(values) <= set(row), set(values) - set(row)
    return {**row, **values}


GAMMA = {
    "molecule_chembl_id": "CHEMBL13",
    "pref_name": "GAMMA",
    "labels": "senomorphic;senoreverter",
    "primary_label": "senoreverter",
    "maturity": 0.75,
    "direction_certainty": 1.0,
    "direction": "mechanism",
    "action_types": "INHIBITOR",
    "targets": "MTOR",
    "max_phase": 3.0,
    "evidence_text": "inhibits MTOR (mechanism: INHIBITOR)",
    "flags": "no_potency;no_structure",
    "has_mechanism": True,
}
SMALL_CANDIDATES = pd.DataFrame(
    [
        _candidate(
            strategy="senolytic",
            rank=1,
            molecule_chembl_id="CHEMBL11",
            pref_name="ALPHA",
            score=0.751,
            labels="senolytic",
            primary_label="senolytic",
            potency=0.66,
            evidence=0.4567,
            maturity=1.0,
            direction_certainty=1.0,
            breadth=1.0,
            druglikeness=0.595,
            alert_penalty=0.5,
            direction="mechanism",
            action_types="INHIBITOR",
            targets="BCL2;BCL2L1",
            best_pchembl=7.96,
            n_assays=3,
            n_documents=2,
            max_phase=4.0,
            evidence_text="inhibits BCL2 (median pIC50 8.0, 2 assays, mechanism: INHIBITOR)",
            flags="brenk_alert;censored_active",
            canonical_smiles="CCO",
            brenk="ester",
        ),
        _candidate(
            strategy="senolytic",
            rank=2,
            molecule_chembl_id="CHEMBL12",
            score=0.061,
            direction="contrary",
            targets="BCL2",
            is_candidate=False,
            direction_ok=False,
            canonical_smiles="CCN",
        ),
        _candidate(
            strategy="senomorphic",
            rank=1,
            molecule_chembl_id="CHEMBL14",
            score=0.3721,
            labels="senomorphic",
            primary_label="senomorphic",
            potency=0.6667,
            evidence=0.2584,
            direction_certainty=0.5,
            breadth=0.3333,
            direction="inferred",
            targets="JAK2",
            best_pchembl=8.0,
            n_assays=1,
            n_documents=1,
            evidence_text="inhibits JAK2 (median pIC50 8.0, 1 assay, inferred inhibition)",
            flags="invalid_smiles",
            canonical_smiles="C1CC(",
        ),
        _candidate(strategy="senomorphic", rank=2, score=0.3458, breadth=0.3333, **GAMMA),
        _candidate(
            strategy="senoreverter",
            rank=1,
            score=0.3626,
            breadth=0.5,
            caution="Relapse risk (test).",
            **GAMMA,
        ),
    ]
)


def _target(label: str, gene: str, strategies: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(TargetCols.ORDER, "")
    row.update(
        label=label,
        gene_symbol=gene,
        strategies=strategies,
        direction="inhibit",
        status="resolved",
        target_type="SINGLE PROTEIN",
        n_components=1,
        confidence_min=8,
    )
    row.update(values)
    return row


SMALL_TARGETS = pd.DataFrame(
    [
        _target("BCL-2 family", "BCL2", "senolytic", target_chembl_id="CHEMBL1"),
        _target("BCL-2 family", "BCL2L1", "senolytic", target_chembl_id="CHEMBL2"),
        _target("JAK-STAT", "JAK2", "senomorphic", target_chembl_id="CHEMBL3"),
        _target(
            "JAK-STAT",
            "JAK2",
            "senomorphic",
            target_chembl_id="CHEMBL4",
            target_type="PROTEIN FAMILY",
        ),
        _target(
            "JAK-STAT",
            "FAKE1",
            "senomorphic",
            status="unresolved",
            target_type="",
            reason="no ChEMBL target component has gene symbol or accession FAKE1",
        ),
        _target("mTOR", "MTOR", "senomorphic;senoreverter", target_chembl_id="CHEMBL5"),
        _target(
            "NAD+ restoration",
            "NAMPT",
            "senoreverter",
            direction="activate",
            status="ambiguous",
            target_chembl_id="CHEMBL6",
            target_type="PROTEIN FAMILY",
            reason="two targets match",
            caution="NAD+ caution (test).",
        ),
    ]
)


def _evidence(molecule: str, target: str, gene: str, kind: str, median: float) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(EvidenceCols.ORDER, "")
    row.update(
        molecule_chembl_id=molecule,
        target_chembl_id=target,
        gene_symbols=gene,
        standard_type=kind,
        median_pchembl=median,
        n_measurements=0 if math.isnan(median) else 1,
        n_assays=1,
        n_documents=1,
        censored_inactive=0,
        n_active_censored=0,
        n_excluded=0,
        activation_assay=False,
    )
    return row


SMALL_EVIDENCE = pd.DataFrame(
    [
        _evidence("CHEMBL11", "CHEMBL1", "BCL2", "IC50", 8.0),
        _evidence("CHEMBL11", "CHEMBL2", "BCL2L1", "Ki", 7.0),
        _evidence("CHEMBL12", "CHEMBL1", "BCL2", "IC50", 6.0),
        _evidence("CHEMBL14", "CHEMBL3", "JAK2", "IC50", 8.0),
        _evidence("CHEMBL14", "CHEMBL4", "JAK2", "IC50", 7.0),
        _evidence("CHEMBL13", "CHEMBL5", "MTOR", "MECHANISM", NAN),
    ]
)
SMALL_MANIFEST: dict[str, Any] = {
    "run_id": "small",
    "created_utc": "2025-01-02T03:04:05Z",
    "tool": {"name": "senotarget", "version": "9.9.9"},
    "chembl": {
        "release": "ChEMBL_99",
        "source": "sql",
        "location": "fixture.sqlite",
        "source_reason": "--source sql (argument)",
    },
    "panel": {"name": "small", "source": "small.toml", "sha256": "0123456789abcdef" * 4},
    "settings": {"weights": WEIGHTS, "thresholds": {"active_pchembl": 6.0}},
    "counts": {
        "panel_genes": 6,
        "targets_resolved": 5,
        "activities": 1234,
        "activities_excluded": 5,
        "parent_compounds": 4,
    },
    "curation_rule_hits": {"censored_inactive": 3},
    "timings_seconds": {"resolve": 0.5, "fetch": 1.25},
}


@pytest.fixture(scope="module")
def small_page() -> Node:
    return parse(
        render.render_html(SMALL_CANDIDATES, SMALL_EVIDENCE, SMALL_TARGETS, SMALL_MANIFEST)
    )


def test_small_page_outline(small_page: Node) -> None:
    assert small_page.one("title").text() == "senotarget report: small"
    assert small_page.one("header").one("h1").text() == "senotarget: small panel"
    assert (
        small_page.one("header").one("p").text()
        == "Run small · 2025-01-02T03:04:05Z · ChEMBL_99 (sql source) · senotarget 9.9.9"
    )
    assert [(a.attrs["href"], a.text()) for a in small_page.one("nav").find_all("a")] == [
        ("#summary", "Summary"),
        ("#targets", "Targets"),
        ("#senolytic", "Senolytics"),
        ("#senomorphic", "Senomorphics"),
        ("#senoreverter", "Senoreverters"),
        ("#potency", "Potency"),
        ("#curation", "Curation"),
        ("#methods", "Methods"),
        ("#provenance", "Provenance"),
    ]
    sections = small_page.one("main").elements()
    assert [(s.tag, s.attrs.get("id")) for s in sections] == [
        ("section", name)
        for name in (
            "summary",
            "targets",
            *STRATEGY_SECTIONS,
            "potency",
            "curation",
            "methods",
            "provenance",
        )
    ]
    assert [s.one("h2").text() for s in sections] == [
        "Summary",
        "Targets",
        "Senolytic candidates",
        "Senomorphic candidates",
        "Senoreverter candidates",
        "Potency per target",
        "Curation",
        "Methods",
        "Provenance",
    ]


def test_small_page_summary_cards(small_page: Node) -> None:
    summary = small_page.one("section", id="summary")
    cards = summary.find_all("div", cls="card")
    assert [c.attrs["data-strategy"] for c in cards] == STRATEGY_SECTIONS
    assert [[d.text() for d in c.elements()] for c in cards] == [
        [
            "Senolytics — kill senescent cells by inhibiting anti-apoptotic pathways",
            "1",
            "candidates; 1 contrary rows (move a target the wrong way)",
            "genes resolved: BCL2, BCL2L1",
        ],
        [
            "Senomorphics — suppress the senescence-associated secretory phenotype (SASP)",
            "2",
            "candidates",
            "genes resolved: JAK2, MTOR",
            "not resolved: FAKE1",
        ],
        [
            "Senoreverters — restore a pre-senescent state through key regulators",
            "1",
            "candidates",
            "genes resolved: MTOR",
            "not resolved: NAMPT",
        ],
    ]
    assert summary.one("p").text() == (
        "Counts: 6 panel genes, 5 ChEMBL targets resolved, 1,234 activities (5 excluded by "
        "curation), 4 parent compounds with evidence. Every candidate, every score component and "
        "every evidence row is in candidates.csv and evidence.csv beside this page."
    )


def _structure(cell: Node) -> str:
    images = cell.find_all("img", cls="structure")
    if images:
        assert len(images) == 1
        return f"img:{images[0].attrs['alt']}"
    return f"none:{cell.one('div', cls='nostructure').text()}"


def _candidate_row(row: Node) -> dict[str, Any]:
    """One top-table row, cell by cell, as the reader sees it."""
    (rank, structure, compound, score, direction, targets, best, assays, phase, evidence) = (
        row.find_all("td")
    )
    also = compound.find_all("div", cls="muted")
    return {
        "rank": (rank.attrs["data-v"], rank.text()),
        "structure": _structure(structure),
        "compound": (
            compound.one("b").text(),
            compound.one("a").text(),
            compound.one("a").attrs["href"],
            also[0].text() if also else "",
        ),
        "score": (score.attrs["data-v"], score.one("b").text()),
        "direction": (
            direction.one("span", cls="tag").attrs["class"],
            direction.one("span").text(),
            direction.one("div").text(),
        ),
        "targets": [s.text() for s in targets.find_all("span", cls="tag")],
        "best": (best.attrs["data-v"], best.text()),
        "assays": (assays.attrs["data-v"], assays.own_text(), assays.one("div").text()),
        "phase": (phase.attrs["data-v"], phase.text()),
        "flags": [s.text() for s in evidence.find_all("span", cls="flag")],
        "caution": [d.text() for d in evidence.find_all("div", cls="caution")],
        "evidence": (evidence.one("summary").text(), evidence.one("details").own_text()),
    }


def _gamma_row(rank: str, score: tuple[str, str], caution: list[str]) -> dict[str, Any]:
    return {
        "rank": (rank, rank),
        "structure": "none:no small-molecule structure",
        "compound": (
            "GAMMA",
            "CHEMBL13",
            "https://www.ebi.ac.uk/chembl/explore/compound/CHEMBL13",
            "also: senomorphic, senoreverter",
        ),
        "score": score,
        "direction": ("tag mechanism", "mechanism", "inhibitor"),
        "targets": ["MTOR"],
        "best": ("None", ""),
        "assays": ("0", "0", "0 docs"),
        "phase": ("3.0", "3"),
        "flags": ["no_potency", "no_structure"],
        "caution": caution,
        "evidence": ("evidence", "inhibits MTOR (mechanism: INHIBITOR)"),
    }


SMALL_TOP: dict[str, list[dict[str, Any]]] = {
    "senolytic": [
        {
            "rank": ("1", "1"),
            "structure": "img:structure of ALPHA",
            "compound": (
                "ALPHA",
                "CHEMBL11",
                "https://www.ebi.ac.uk/chembl/explore/compound/CHEMBL11",
                "",
            ),
            "score": ("0.751", "0.751"),
            "direction": ("tag mechanism", "mechanism", "inhibitor"),
            "targets": ["BCL2", "BCL2L1"],
            "best": ("7.96", "7.96"),
            "assays": ("3", "3", "2 docs"),
            "phase": ("4.0", "4"),
            "flags": ["brenk_alert", "censored_active"],
            "caution": [],
            "evidence": (
                "evidence",
                "inhibits BCL2 (median pIC50 8.0, 2 assays, mechanism: INHIBITOR)",
            ),
        }
    ],
    "senomorphic": [
        {
            "rank": ("1", "1"),
            "structure": "none:SMILES could not be drawn",
            "compound": (
                "",
                "CHEMBL14",
                "https://www.ebi.ac.uk/chembl/explore/compound/CHEMBL14",
                "",
            ),
            "score": ("0.3721", "0.372"),
            "direction": ("tag inferred", "inferred", ""),
            "targets": ["JAK2"],
            "best": ("8.0", "8.00"),
            "assays": ("1", "1", "1 docs"),
            "phase": ("None", ""),
            "flags": ["invalid_smiles"],
            "caution": [],
            "evidence": (
                "evidence",
                "inhibits JAK2 (median pIC50 8.0, 1 assay, inferred inhibition)",
            ),
        },
        _gamma_row("2", ("0.3458", "0.346"), []),
    ],
    "senoreverter": [_gamma_row("1", ("0.3626", "0.363"), ["⚠ Relapse risk (test)."])],
}


@pytest.mark.parametrize("strategy", STRATEGY_SECTIONS)
def test_small_page_top_table_rows(small_page: Node, strategy: str) -> None:
    section = small_page.one("section", id=strategy)
    table = section.one("table", id=f"table-{strategy}")
    assert [th.text() for th in table.one("thead").find_all("th")] == [
        "Rank",
        "Structure",
        "Compound",
        "Score",
        "Direction",
        "Targets",
        "Best pChEMBL",
        "Assays",
        "Phase",
        "Evidence and cautions",
    ]
    assert [_candidate_row(r) for r in table.one("tbody").find_all("tr")] == SMALL_TOP[strategy]
    shown = len(SMALL_TOP[strategy])
    assert section.one("p").text() == (
        f"{strategy.capitalize()}s {render.STRATEGY_TEXT[strategy]}. Top {shown} of {shown} "
        "candidates by score; at most 3 of one chemical cluster are shown, the others are "
        "listed under their cluster's last shown member. The score is the sum of the bars' parts "
        "(hover a part for weight \u00d7 value)."
    )
    assert [s.text() for s in section.one("div", cls="legend").find_all("span")] == [
        "potency (0.30)",
        "evidence (0.15)",
        "maturity (0.15)",
        "direction_certainty (0.20)",
        "breadth (0.10)",
        "druglikeness (0.10)",
        "alert_penalty (-0.05)",
    ]


def test_small_page_structure_image_is_the_drawing(small_page: Node) -> None:
    image = small_page.one("table", id="table-senolytic").one("img", cls="structure")
    assert image.attrs["src"] == render.structure_data_uri("CCO")


#: (strategy, rank) -> (bar title, [(span style, span title)], penalty (style, title) or None);
#: segments of width 0 are not drawn.
SMALL_BARS: dict[tuple[str, int], tuple[str, list[tuple[str, str]], tuple[str, str] | None]] = {
    ("senolytic", 1): (
        "score 0.751",
        [
            ("width: 19.8%; background: #0072B2", "potency: 0.30 \u00d7 0.660 = 0.198"),
            ("width: 6.85%; background: #E69F00", "evidence: 0.15 \u00d7 0.457 = 0.069"),
            ("width: 15.0%; background: #009E73", "maturity: 0.15 \u00d7 1.000 = 0.150"),
            (
                "width: 20.0%; background: #CC79A7",
                "direction_certainty: 0.20 \u00d7 1.000 = 0.200",
            ),
            ("width: 10.0%; background: #56B4E9", "breadth: 0.10 \u00d7 1.000 = 0.100"),
            ("width: 5.95%; background: #F0E442", "druglikeness: 0.10 \u00d7 0.595 = 0.059"),
        ],
        ("width: 4.5px", "alert_penalty: -0.05 \u00d7 0.50 = -0.025"),
    ),
    ("senomorphic", 1): (
        "score 0.372",
        [
            ("width: 20.0%; background: #0072B2", "potency: 0.30 \u00d7 0.667 = 0.200"),
            ("width: 3.88%; background: #E69F00", "evidence: 0.15 \u00d7 0.258 = 0.039"),
            (
                "width: 10.0%; background: #CC79A7",
                "direction_certainty: 0.20 \u00d7 0.500 = 0.100",
            ),
            ("width: 3.33%; background: #56B4E9", "breadth: 0.10 \u00d7 0.333 = 0.033"),
        ],
        None,
    ),
    ("senomorphic", 2): (
        "score 0.346",
        [
            ("width: 11.25%; background: #009E73", "maturity: 0.15 \u00d7 0.750 = 0.112"),
            (
                "width: 20.0%; background: #CC79A7",
                "direction_certainty: 0.20 \u00d7 1.000 = 0.200",
            ),
            ("width: 3.33%; background: #56B4E9", "breadth: 0.10 \u00d7 0.333 = 0.033"),
        ],
        None,
    ),
    ("senoreverter", 1): (
        "score 0.363",
        [
            ("width: 11.25%; background: #009E73", "maturity: 0.15 \u00d7 0.750 = 0.112"),
            (
                "width: 20.0%; background: #CC79A7",
                "direction_certainty: 0.20 \u00d7 1.000 = 0.200",
            ),
            ("width: 5.0%; background: #56B4E9", "breadth: 0.10 \u00d7 0.500 = 0.050"),
        ],
        None,
    ),
}


@pytest.mark.parametrize(
    ("strategy", "rank"), list(SMALL_BARS), ids=[f"{s}-{r}" for s, r in SMALL_BARS]
)
def test_small_page_score_bars(small_page: Node, strategy: str, rank: int) -> None:
    row = small_page.one("table", id=f"table-{strategy}").one("tbody").find_all("tr")[rank - 1]
    cell = row.find_all("td")[3]
    bar = cell.one("div", cls="bar")
    penalty = cell.find_all("span", cls="penalty")
    title, segments, alert = SMALL_BARS[(strategy, rank)]
    assert bar.attrs["title"] == title
    assert [(s.attrs["style"], s.attrs["title"]) for s in bar.elements()] == segments
    assert [(p.attrs["style"], p.attrs["title"]) for p in penalty] == ([alert] if alert else [])


def test_small_page_targets_table(small_page: Node) -> None:
    table = small_page.one("table", id="targets-table")
    rows = table.one("tbody").find_all("tr")
    assert [_cells(r) for r in rows] == [
        [
            "BCL-2 family",
            "BCL2",
            "senolytic",
            "inhibit",
            "resolved",
            "CHEMBL1 single protein",
            "2",
            "1",
            "7.00",
            "",
        ],
        [
            "BCL-2 family",
            "BCL2L1",
            "senolytic",
            "inhibit",
            "resolved",
            "CHEMBL2 single protein",
            "1",
            "1",
            "7.00",
            "",
        ],
        [
            "JAK-STAT",
            "JAK2",
            "senomorphic",
            "inhibit",
            "resolved",
            "CHEMBL3 single protein CHEMBL4 protein family",
            "1",
            "1",
            "8.00",
            "",
        ],
        [
            "JAK-STAT",
            "FAKE1",
            "senomorphic",
            "inhibit",
            "unresolved",
            "",
            "0",
            "0",
            "",
            "no ChEMBL target component has gene symbol or accession FAKE1",
        ],
        [
            "mTOR",
            "MTOR",
            "senomorphic, senoreverter",
            "inhibit",
            "resolved",
            "CHEMBL5 single protein",
            "1",
            "1",
            "",
            "",
        ],
        [
            "NAD+ restoration",
            "NAMPT",
            "senoreverter",
            "activate",
            "ambiguous",
            "CHEMBL6 protein family",
            "0",
            "0",
            "",
            "two targets match⚠ NAD+ caution (test).",
        ],
    ]
    assert [r.find_all("td")[4].attrs["class"] for r in rows] == [
        "status-resolved",
        "status-resolved",
        "status-resolved",
        "status-unresolved",
        "status-resolved",
        "status-ambiguous",
    ]
    assert [[a.attrs["href"] for a in r.find_all("a")] for r in rows] == [
        ["https://www.ebi.ac.uk/chembl/explore/target/CHEMBL1"],
        ["https://www.ebi.ac.uk/chembl/explore/target/CHEMBL2"],
        [
            "https://www.ebi.ac.uk/chembl/explore/target/CHEMBL3",
            "https://www.ebi.ac.uk/chembl/explore/target/CHEMBL4",
        ],
        [],
        ["https://www.ebi.ac.uk/chembl/explore/target/CHEMBL5"],
        ["https://www.ebi.ac.uk/chembl/explore/target/CHEMBL6"],
    ]


def test_small_page_potency_plot_names_each_gene_with_evidence(small_page: Node) -> None:
    plot = small_page.one("section", id="potency").one("div", cls="plot")
    svg = plot.one("svg")
    assert [t for t in svg.texts() if "(n=" in t] == ["BCL2 (n=2)", "BCL2L1 (n=1)", "JAK2 (n=1)"]
    assert "best median pChEMBL per compound (dashed: active threshold 6)" in svg.texts()


def test_small_page_provenance_cards(small_page: Node) -> None:
    provenance = small_page.one("section", id="provenance")
    assert [c.text() for c in provenance.find_all("div", cls="card")] == [
        "ChEMBL release ChEMBL_99 sql source: fixture.sqlite --source sql (argument)",
        "Panel small small.toml sha256 0123456789abcdef…",
        "Timings (s) resolve 0.50 fetch 1.25",
    ]


# -- the page of the fixture run -----------------------------------------------------------------


def _manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def test_run_page_outline(fixture_run: RunResult) -> None:
    folder = Path(fixture_run.run_dir)
    doc = _page(folder)
    manifest = _manifest(folder)
    sections = doc.one("main").elements()
    assert [s.attrs.get("id") for s in sections] == [
        "summary",
        "targets",
        *STRATEGY_SECTIONS,
        "pathways",
        "genes",
        "validation",
        "potency",
        "curation",
        "methods",
        "provenance",
    ]
    assert [s.one("h2").text() for s in sections] == [
        "Summary",
        "Targets",
        "Senolytic candidates",
        "Senomorphic candidates",
        "Senoreverter candidates",
        "Candidates per pathway",
        "Candidates per gene",
        "Validation",
        "Potency per target",
        "Curation",
        "Methods",
        "Provenance",
    ]
    assert [a.attrs["href"] for a in doc.one("nav").find_all("a")] == [
        f"#{s.attrs['id']}" for s in sections
    ]
    version = manifest["tool"]["version"]
    assert doc.one("header").one("h1").text() == "senotarget: fixture panel"
    assert doc.one("header").one("p").text() == (
        f"Run fixture · {manifest['created_utc']} · ChEMBL_99 (sql source) · senotarget {version}"
    )
    assert doc.one("footer").text() == (
        "Data: ChEMBL (EMBL-EBI), release ChEMBL_99, licensed CC BY-SA 3.0; Zdrazil et al. 2024 "
        "Nucleic Acids Res 52:D1180. Structures drawn with RDKit, plots with matplotlib. "
        f"Generated by senotarget {version}; candidates are hypotheses for experimental testing, "
        "not recommendations."
    )
    # missing values are empty cells, never the words of a missing value
    assert not {"nan", "NaN", "None", "<NA>"} & set(doc.one("main").texts())


#: Per strategy, the rows of its top table: (rank, compound, how the structure is shown).
RUN_TOP: dict[str, list[tuple[str, str, str]]] = {
    "senolytic": [("1", "CHEMBL900001", "img"), ("2", "CHEMBL900015", "img")],
    "senomorphic": [
        ("1", "CHEMBL900003", "img"),
        ("2", "CHEMBL900011", "no small-molecule structure"),  # MTORMAB, a biologic
        ("3", "CHEMBL900016", "img"),
        ("4", "CHEMBL900014", "SMILES could not be drawn"),  # invalid SMILES
    ],
    "senoreverter": [
        ("1", "CHEMBL900011", "no small-molecule structure"),
        ("2", "CHEMBL900006", "img"),
    ],
}


@pytest.mark.parametrize("strategy", STRATEGY_SECTIONS)
def test_top_candidates_per_strategy_with_structures(fixture_run: RunResult, strategy: str) -> None:
    folder = Path(fixture_run.run_dir)
    rows = _rows(_page(folder), f"table-{strategy}")
    got = []
    for row in rows:
        cells = row.find_all("td")
        image = cells[1].find_all("img", cls="structure")
        shown = "img" if image else cells[1].one("div", cls="nostructure").text()
        got.append((cells[0].text(), cells[2].one("a").text(), shown))
    assert got == RUN_TOP[strategy]
    # every cell says what candidates.csv says
    candidates = read_table_file(folder / "candidates.csv")
    table = candidates[
        (candidates[CandidateCols.STRATEGY] == strategy)
        & candidates[CandidateCols.IS_CANDIDATE].astype(bool)
    ].sort_values(CandidateCols.RANK)
    for row, record in zip(rows, table.to_dict("records"), strict=True):
        cells = row.find_all("td")
        image = cells[1].find_all("img", cls="structure")
        if image:
            assert image[0].attrs["src"] == render.structure_data_uri(
                str(record[CandidateCols.CANONICAL_SMILES])
            )
        assert cells[3].one("b").text() == f"{record[CandidateCols.SCORE]:.3f}"
        assert cells[4].one("span").text() == record[CandidateCols.DIRECTION]
        assert [s.text() for s in cells[5].find_all("span")] == str(
            record[CandidateCols.TARGETS]
        ).split(";")


def test_targets_table_counts_and_unresolved(fixture_run: RunResult) -> None:
    rows = _rows(_page(Path(fixture_run.run_dir)), "targets-table")
    assert [_cells(r) for r in rows] == [
        [
            "BCL-2 family",
            "BCL2",
            "senolytic",
            "inhibit",
            "resolved",
            "CHEMBL90001 single protein",
            "5",
            "2",
            "7.23",
            "",
        ],
        [
            "BCL-2 family",
            "BCL2L1",
            "senolytic",
            "inhibit",
            "resolved",
            "CHEMBL90002 single protein",
            "1",
            "1",
            "7.00",
            "",
        ],
        [
            "JAK-STAT",
            "JAK1",
            "senomorphic",
            "inhibit",
            "resolved",
            "CHEMBL90003 single protein CHEMBL90005 protein family",
            "3",
            "1",
            "6.30",
            "",
        ],
        [
            "JAK-STAT",
            "JAK2",
            "senomorphic",
            "inhibit",
            "resolved",
            "CHEMBL90004 single protein CHEMBL90005 protein family",
            "4",
            "3",
            "7.70",
            "",
        ],
        [
            "JAK-STAT",
            "FAKE1",
            "senomorphic",
            "inhibit",
            "unresolved",
            "",
            "0",
            "0",
            "",
            "no ChEMBL target component has gene symbol or accession FAKE1 in taxon 9606",
        ],
        [
            "mTOR",
            "MTOR",
            "senomorphic, senoreverter",
            "inhibit",
            "resolved",
            "CHEMBL90007 single protein",
            "2",
            "1",
            "6.52",
            "",
        ],
        [
            "NAD+ restoration",
            "NAMPT",
            "senoreverter",
            "activate",
            "resolved",
            "CHEMBL90006 single protein",
            "2",
            "1",
            "7.35",
            "⚠ NAD+ caution (test).",
        ],
    ]


def test_curation_counts_come_from_the_manifest(fixture_run: RunResult) -> None:
    folder = Path(fixture_run.run_dir)
    hits = _manifest(folder)["curation_rule_hits"]
    rows = _rows(_page(folder), "curation-table")
    assert [_cells(r) for r in rows] == [
        [rule.id, rule.severity, f"{hits.get(rule.id, 0):,}", rule.explanation, rule.citation]
        for rule in curate.RULES
    ]
    assert [r.find_all("td")[2].attrs["data-v"] for r in rows] == [
        str(hits.get(rule.id, 0)) for rule in curate.RULES
    ]
    assert hits["pchembl_computed"] == 1  # the fixture's one computed pChEMBL is on the page


def test_methods_table_lists_every_rule_with_a_citation(fixture_run: RunResult) -> None:
    methods = render.methods()
    rows = _rows(_page(Path(fixture_run.run_dir)), "methods-table")
    assert [_cells(r) for r in rows] == [[m.stage, m.name, m.text, m.citation] for m in methods]
    assert [m.name for m in methods if m.stage == "curate"][-len(curate.RULES) :] == [
        f"{rule.id} ({rule.severity})" for rule in curate.RULES
    ]
    assert {m.stage for m in methods} == {
        "resolve",
        "curate",
        "chemistry",
        "classify",
        "score",
        "rank",
    }
    assert all(m.citation and m.text for m in methods)


def test_page_is_self_contained(fixture_run: RunResult) -> None:
    doc = _page(Path(fixture_run.run_dir))
    assert doc.find_all("link") == []
    scripts = doc.find_all("script")
    assert [s.attrs for s in scripts] == [{}]  # the page's own sorting and filtering code
    assert [s.attrs for s in doc.one("head").find_all("style")] == [{}]
    styles = [s.text() for s in doc.find_all("style")]  # the page's and the inline plot's
    assert len(styles) == 2
    assert not [s for s in styles if "@import" in s or "url(" in s]
    images = doc.find_all("img")
    assert len(images) == 10  # 5 in the strategy sections, 5 in the per-pathway section
    assert all((i.attrs["src"] or "").startswith("data:image/svg+xml;base64,") for i in images)
    for node in doc.iter():
        for name, value in node.attrs.items():
            if name in {"src", "style"}:
                assert "//" not in (value or "").split("base64,")[0], (node.tag, name, value)


# -- escaping and re-rendering ------------------------------------------------------------------


def test_chembl_text_is_escaped(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    candidates = read_table_file(folder / "candidates.csv")
    candidates[CandidateCols.PREF_NAME] = candidates[CandidateCols.PREF_NAME].astype(object)
    candidates.loc[0, CandidateCols.PREF_NAME] = "<script>alert('x')</script>"
    candidates.loc[0, CandidateCols.EVIDENCE_TEXT] = '<img src=x onerror="alert(1)">'
    candidates.to_csv(folder / "candidates.csv", index=False, lineterminator="\n")
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    doc = _page(folder)
    first = _rows(doc, "table-senolytic")[0].find_all("td")
    # the hostile text shows as text, exactly, and makes no element
    assert first[2].one("b").text() == "<script>alert('x')</script>"
    assert first[9].one("details").texts() == ["evidence", '<img src=x onerror="alert(1)">']
    assert first[1].one("img").attrs["alt"] == "structure of <script>alert('x')</script>"
    assert len(doc.find_all("script")) == 1
    assert [n.tag for n in doc.iter() if "onerror" in n.attrs] == []
    assert len(doc.find_all("img")) == 10


def test_report_command_rerenders_the_same_page(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    before = _html(folder)
    (folder / render.REPORT_HTML).unlink()
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    written = result.stderr.splitlines()[0].removeprefix("wrote ").split(", ")
    assert written[0] == render.REPORT_HTML
    assert result.stdout.strip() == str(folder)
    assert _html(folder) == before


def test_report_top_limits_rows_per_strategy(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    result = CliRunner().invoke(app, ["report", str(folder), "--top", "1"])
    assert result.exit_code == 0, result.output
    doc = _page(folder)
    assert {
        s: [r.find_all("td")[2].one("a").text() for r in _rows(doc, f"table-{s}")]
        for s in STRATEGY_SECTIONS
    } == {s: [rows[0][1]] for s, rows in RUN_TOP.items()}
    assert [doc.one("section", id=s).one("p").text().split(";")[0] for s in STRATEGY_SECTIONS] == [
        f"{s.capitalize()}s {render.STRATEGY_TEXT[s]}. Top 1 of {len(RUN_TOP[s])} candidates by "
        "score"
        for s in STRATEGY_SECTIONS
    ]


def test_report_top_below_one_is_a_user_error(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    result = CliRunner().invoke(app, ["report", str(folder), "--top", "0"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "senotarget: error: --top 0 is below 1: pass --top 1 or more"


def test_report_per_cluster_below_one_is_a_user_error(
    fixture_run: RunResult, tmp_path: Path
) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    before = (folder / render.REPORT_HTML).read_bytes()
    result = CliRunner().invoke(app, ["report", str(folder), "--per-cluster", "0"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "senotarget: error: --per-cluster 0 is below 1: pass --per-cluster 1 or more"
    )
    assert (folder / render.REPORT_HTML).read_bytes() == before


def test_report_per_cluster_is_said_on_the_page(fixture_run: RunResult, tmp_path: Path) -> None:
    folder = _copy_run(fixture_run, tmp_path)
    result = CliRunner().invoke(app, ["report", str(folder), "--per-cluster", "1"])
    assert result.exit_code == 0, result.output
    text = _page(folder).one("section", id="senolytic").one("p").text()
    assert "; at most 1 of one chemical cluster are shown," in text


def test_partial_manifest_still_renders(fixture_run: RunResult) -> None:
    folder = Path(fixture_run.run_dir)
    tables = {n: read_table_file(folder / n) for n in ("candidates.csv", "evidence.csv")}
    targets = read_table_file(folder / "targets.csv")
    doc = parse(render.render_html(tables["candidates.csv"], tables["evidence.csv"], targets, {}))
    # a missing manifest key is an empty cell, not a crash
    assert doc.one("header").one("p").text() == "Run · · ( source) · senotarget"
    provenance = doc.one("section", id="provenance")
    assert [c.text() for c in provenance.find_all("div", cls="card")] == [
        "ChEMBL release source:",
        "Panel sha256 …",
        "Timings (s)",
    ]
    assert [_cells(r) for r in _rows(doc, "settings-table")] == []
    assert [r.find_all("td")[0].text() for r in _rows(doc, "table-senolytic")] == ["1", "2"]


def test_empty_run_renders_without_candidates_or_plot() -> None:
    targets = pd.DataFrame(
        [["X", "FAKE1", "senolytic", "inhibit", "", "", "unresolved", "no target", ""]],
        columns=[*TargetCols.ORDER[:8], TargetCols.CAUTION],
    )
    # empty tables with their declared dtypes, as a run's files read back
    doc = parse(render.render_html(CandidateCols.empty(), EvidenceCols.empty(), targets, {}))
    for strategy in STRATEGY_SECTIONS:
        section = doc.one("section", id=strategy)
        assert section.find_all("table") == []
        assert [p.text() for p in section.find_all("p")] == [
            (
                f"{strategy.capitalize()}s {render.STRATEGY_TEXT[strategy]}. Top 0 of 0 "
                "candidates by score; at most 3 of one chemical cluster are shown, the others are "
                "listed under their cluster's last shown member. The score is the sum of the bars' "
                "parts (hover a part for weight \u00d7 value)."
            ),
            f"No {strategy} candidates in this run.",
        ]
    potency = doc.one("section", id="potency")
    assert potency.find_all("svg") == []
    assert [p.text() for p in potency.find_all("p")][-1] == "No potency measurements in this run."
    assert [_cells(r) for r in _rows(doc, "targets-table")] == [
        ["X", "FAKE1", "senolytic", "inhibit", "unresolved", "", "0", "0", "", "no target"]
    ]


# -- rankings within the panel entry and the gene, and the selectivity heat maps ----------------

#: Per panel entry of the fixture run: its heading and the rows of its top table (rank, compound,
#: entry score, strategy rank).
RUN_ENTRIES: list[tuple[str, str, list[tuple[str, str, str, str]]]] = [
    (
        "entry-bcl-2-family",
        "BCL-2 family · senolytic · genes BCL2, BCL2L1 · 2 ranked",
        [
            ("1", "CHEMBL900001", "0.692", "senolytic 1 / 2"),
            ("2", "CHEMBL900015", "0.271", "senolytic 2 / 2"),
        ],
    ),
    (
        "entry-jak-stat",
        "JAK-STAT · senomorphic · genes JAK1, JAK2 · 3 ranked",
        [
            ("1", "CHEMBL900003", "0.689", "senomorphic 1 / 4"),
            ("2", "CHEMBL900016", "0.396", "senomorphic 3 / 4"),
            ("3", "CHEMBL900014", "0.396", "senomorphic 4 / 4"),
        ],
    ),
    (
        "entry-mtor",
        "mTOR · senomorphic, senoreverter · genes MTOR · 1 ranked",
        [("1", "CHEMBL900011", "0.512", "senomorphic 2 / 4; senoreverter 1 / 2")],
    ),
    (
        "entry-nad-restoration",
        "NAD+ restoration · senoreverter · genes NAMPT · 1 ranked",
        [("1", "CHEMBL900006", "0.461", "senoreverter 2 / 2")],
    ),
]


def test_pathway_section_ranks_within_each_entry(fixture_run: RunResult) -> None:
    section = _page(Path(fixture_run.run_dir)).one("section", id="pathways")
    entries = section.find_all("div", cls="entry")
    assert [e.attrs["id"] for e in entries] == [e[0] for e in RUN_ENTRIES]
    for entry, (anchor, heading, rows) in zip(entries, RUN_ENTRIES, strict=True):
        assert entry.one("h3").text() == heading
        got = [
            (
                c[0].text(),
                c[2].one("a").text(),
                c[3].one("b").text(),
                "; ".join(d.text() for d in c[9].find_all("div")),
            )
            for c in (r.find_all("td") for r in _rows(entry, f"table-{anchor}"))
        ]
        assert got == rows, anchor
        # the score bar of the entry score, as in the strategy sections
        assert entry.one("table", id=f"table-{anchor}").find_all("div", cls="bar")
    # every structure drawn where the strategy sections draw it
    assert len(section.find_all("img", cls="structure")) == 5


#: The heat map of the JAK-STAT entry: per compound, the state class of each resolved gene.
JAK_HEATMAP = [
    ("1", "JAKTIVE", ["not_tested", "not_tested", "potent", "potent", "not_tested", "not_tested"]),
    ("2", "CHEMBL900016", ["not_tested"] * 3 + ["potent", "not_tested", "not_tested"]),
    ("3", "CHEMBL900014", ["not_tested"] * 3 + ["potent", "not_tested", "not_tested"]),
]


def test_selectivity_heat_map(fixture_run: RunResult) -> None:
    doc = _page(Path(fixture_run.run_dir))
    table = doc.one("table", id="heat-entry-jak-stat")
    head = table.one("thead").find_all("tr")
    groups = [(th.text(), th.attrs.get("colspan")) for th in head[0].find_all("th", cls="group")]
    assert groups == [
        ("BCL-2 family", "2"),
        ("JAK-STAT", "2"),
        ("mTOR", "1"),
        ("NAD+ restoration", "1"),
    ]
    assert [th.text() for th in head[1].find_all("th")] == [
        "BCL2",
        "BCL2L1",
        "JAK1",
        "JAK2",
        "MTOR",
        "NAMPT",
    ]
    # the entry's own genes are marked in the header and in every row
    assert [th.text() for th in head[1].find_all("th", cls="own")] == ["JAK1", "JAK2"]
    got = []
    for row in table.one("tbody").find_all("tr"):
        cells = row.find_all("td")
        states = [
            next(c.removeprefix("hm-") for c in td.classes() if c.startswith("hm-"))
            for td in cells[2:]
        ]
        got.append((cells[0].text(), cells[1].text(), states))
    assert got == JAK_HEATMAP
    first = table.one("tbody").find_all("tr")[0].find_all("td")
    assert [td.text() for td in first[2:]] == ["", "", "8.3", "7.7", "", ""]
    assert first[4].attrs["title"] == (
        "JAK1: potent: best median pChEMBL at or above the active threshold; "
        "best median pChEMBL 8.30; 2 assays"
    )
    mtor = doc.one("table", id="heat-entry-mtor").one("tbody").find_all("td")
    assert [(td.text(), td.classes()) for td in mtor if "own" in td.classes()] == [
        ("M", ["hm", "hm-mechanism_only", "own", "first"])
    ]


def test_heat_map_legend_tells_every_state_apart(fixture_run: RunResult) -> None:
    legend = (
        _page(Path(fixture_run.run_dir)).one("section", id="pathways").one("div", cls="hmlegend")
    )
    swatches = legend.find_all("span", cls="swatch")
    assert [s.classes()[1] for s in swatches] == [f"hm-{s}" for s in SelectivityCols.STATES]
    assert list(render.SELECTIVITY_STATES) == list(SelectivityCols.STATES)
    colours = [c for c, _symbol, _text in render.SELECTIVITY_STATES.values()]
    assert len(set(colours)) == len(colours)
    # inactive is a grey cell with a dash; not tested a hatched white cell with no text
    assert render.SELECTIVITY_STATES["inactive"][:2] == ("#A3A3A3", "\u2013")
    assert render.SELECTIVITY_STATES["not_tested"][:2] == ("#FFFFFF", "")
    style = _page(Path(fixture_run.run_dir)).one("head").one("style").text()
    assert (
        "td.hm-not_tested, .swatch.hm-not_tested { background: repeating-linear-gradient(" in style
    )


def test_gene_section_and_best_per_entry(fixture_run: RunResult) -> None:
    doc = _page(Path(fixture_run.run_dir))
    genes = doc.one("section", id="genes").find_all("details", cls="gene-ranking")
    assert [d.one("summary").text() for d in genes] == [
        "BCL2 · BCL-2 family · 2 ranked · best: BCLINIB",
        "BCL2L1 · BCL-2 family · 1 ranked · best: BCLINIB",
        "JAK1 · JAK-STAT · 1 ranked · best: JAKTIVE",
        "JAK2 · JAK-STAT · 3 ranked · best: JAKTIVE",
        "MTOR · mTOR · 1 ranked · best: MTORMAB",
        "NAMPT · NAD+ restoration · 1 ranked · best: NAMPTACT",
    ]
    assert [_cells(r)[:3] for r in _rows(doc, "gene-JAK2")] == [
        ["1", "JAKTIVE CHEMBL900003", "0.636"],
        ["2", "CHEMBL900016", "0.446"],
        ["3", "CHEMBL900014", "0.446"],
    ]
    best = [_cells(r) for r in _rows(doc, "best-per-entry")]
    assert best == [
        [
            "BCL-2 family",
            "senolytic",
            "2",
            "BCLINIB CHEMBL900001",
            "0.692",
            "mechanism",
            "senolytic 1 / 2",
        ],
        [
            "JAK-STAT",
            "senomorphic",
            "3",
            "JAKTIVE CHEMBL900003",
            "0.689",
            "mechanism",
            "senomorphic 1 / 4",
        ],
        [
            "mTOR",
            "senomorphic, senoreverter",
            "1",
            "MTORMAB CHEMBL900011",
            "0.512",
            "mechanism",
            "senomorphic 2 / 4; senoreverter 1 / 2",
        ],
        [
            "NAD+ restoration",
            "senoreverter",
            "1",
            "NAMPTACT CHEMBL900006",
            "0.461",
            "mechanism",
            "senoreverter 2 / 2",
        ],
    ]


def _ranked_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """A run's tables that report.html's ranking sections read, with their declared dtypes."""
    names = ("candidates.csv", "evidence.csv", "targets.csv", "rankings.csv", "selectivity.csv")
    return {n: read_table_file(folder / n) for n in names}


@pytest.mark.parametrize(
    ("rank_by", "order"),
    [
        ("strategy", ["summary", "targets", *STRATEGY_SECTIONS, "pathways", "genes"]),
        # the chosen ranking right after the summary; the strategies keep their place
        ("entry", ["summary", "pathways", "targets", *STRATEGY_SECTIONS, "genes"]),
        ("gene", ["summary", "genes", "targets", *STRATEGY_SECTIONS, "pathways"]),
    ],
)
def test_rank_by_chooses_the_ranking_the_page_leads_with(
    fixture_run: RunResult, rank_by: str, order: list[str]
) -> None:
    folder = Path(fixture_run.run_dir)
    tables = _ranked_tables(folder)
    manifest = _manifest(folder)
    manifest["settings"]["rank_by"] = rank_by
    doc = parse(
        render.render_html(
            tables["candidates.csv"],
            tables["evidence.csv"],
            tables["targets.csv"],
            manifest,
            rankings=tables["rankings.csv"],
            selectivity=tables["selectivity.csv"],
        )
    )
    ids = [s.attrs.get("id") for s in doc.one("main").elements()]
    assert ids[:7] == order
    nav = [a.attrs["href"] for a in doc.one("nav").find_all("a")]
    assert nav[:7] == [f"#{i}" for i in order]
    opened = ["open" in d.attrs for d in doc.find_all("details", cls="gene-ranking")]
    assert opened == [rank_by == "gene"] * 6


def test_a_run_without_rankings_has_no_ranking_sections(fixture_run: RunResult) -> None:
    folder = Path(fixture_run.run_dir)
    tables = {
        n: read_table_file(folder / n) for n in ("candidates.csv", "evidence.csv", "targets.csv")
    }
    doc = parse(
        render.render_html(
            tables["candidates.csv"],
            tables["evidence.csv"],
            tables["targets.csv"],
            _manifest(folder),
        )
    )
    ids = [s.attrs.get("id") for s in doc.one("main").elements()]
    assert "pathways" not in ids and "genes" not in ids
    assert doc.find_all("table", id="best-per-entry") == []


def test_heat_map_says_which_top_compounds_selectivity_lacks(fixture_run: RunResult) -> None:
    folder = Path(fixture_run.run_dir)
    tables = _ranked_tables(folder)
    selectivity = tables["selectivity.csv"]
    kept = selectivity[selectivity[SelectivityCols.MOLECULE_CHEMBL_ID] != "CHEMBL900014"]
    doc = parse(
        render.render_html(
            tables["candidates.csv"],
            tables["evidence.csv"],
            tables["targets.csv"],
            _manifest(folder),
            rankings=tables["rankings.csv"],
            selectivity=kept,
        )
    )
    entry = doc.one("div", id="entry-jak-stat")
    assert [r.find_all("td")[1].text() for r in _rows(entry, "heat-entry-jak-stat")] == [
        "JAKTIVE",
        "CHEMBL900016",
    ]
    assert entry.find_all("p", cls="muted")[-1].text() == (
        "1 of these compounds are beyond the run's own top 25 and have no row in selectivity.csv."
    )
    assert set(tables["rankings.csv"][RankingCols.SCOPE]) == {"strategy", "entry", "gene"}


# -- diverse top lists -----------------------------------------------------------------------------

#: m1-m4 in cluster L (leader m1), m5 in cluster M, n1 and n2 in no cluster
_CLUSTERS = render.Clusters(
    of={"m1": "m1", "m2": "m1", "m3": "m1", "m4": "m1", "m5": "m5"},
    size={"m1": 4, "m5": 1},
    name={"m1": "LEAD", "m5": "m5"},
)

#: (case, ranked molecules, top, per_cluster, shown positions, held back after each position)
DIVERSE_CASES: list[tuple[str, list[str], int, int, list[int], dict[int, list[int]]]] = [
    ("a cluster's third member waits", ["m1", "m2", "m3", "m5"], 3, 2, [0, 1, 3], {1: [2]}),
    ("list full before the cluster fills", ["m1", "m2", "m3", "m5"], 2, 2, [0, 1], {}),
    (
        "all held back when the list runs out",
        ["m1", "m2", "m3", "m5", "m4"],
        4,
        2,
        [0, 1, 3],
        {1: [2, 4]},
    ),
    ("one per cluster", ["m1", "m2", "m5", "m3"], 3, 1, [0, 2], {0: [1, 3]}),
    ("no cluster: a group of its own", ["n1", "n2", "m1"], 3, 1, [0, 1, 2], {}),
    ("a large cap changes nothing", ["m1", "m2", "m3", "m4"], 3, 25, [0, 1, 2], {}),
]


@pytest.mark.parametrize(
    ("ranked", "top", "per_cluster", "shown", "held"),
    [c[1:] for c in DIVERSE_CASES],
    ids=[c[0] for c in DIVERSE_CASES],
)
def test_diverse_top(
    ranked: list[str], top: int, per_cluster: int, shown: list[int], held: dict[int, list[int]]
) -> None:
    frame = pd.DataFrame({CandidateCols.MOLECULE_CHEMBL_ID: ranked})
    assert render.diverse_top(frame, top, per_cluster, _CLUSTERS) == (shown, held)


def test_cluster_notes_on_the_page() -> None:
    rows = [
        _candidate(
            strategy="senolytic",
            rank=rank,
            molecule_chembl_id=molecule,
            pref_name=name,
            score=1.0 - rank / 10,
            targets="BCL2",
            direction="inferred",
            cluster=cluster,
            n_assays=3,
            n_documents=documents,
            n_documents_unknown=unknown,
        )
        for rank, molecule, name, cluster, documents, unknown in (
            (1, "CHEMBL1", "LEAD", "CHEMBL1", 0, 3),
            (2, "CHEMBL2", "SECOND", "CHEMBL1", 1, 2),
            (3, "CHEMBL3", "THIRD", "CHEMBL1", 2, 0),
            (4, "CHEMBL4", "OTHER", "CHEMBL4", 2, 0),
            (5, "CHEMBL5", NAN, "", 0, 0),
        )
    ]
    candidates = CandidateCols.conform(pd.DataFrame(rows))
    targets = pd.DataFrame(
        [["X", "BCL2", "senolytic", "inhibit", "", "", "unresolved", "no target", ""]],
        columns=[*TargetCols.ORDER[:8], TargetCols.CAUTION],
    )
    page = render.render_html(candidates, EvidenceCols.empty(), targets, {}, 3, per_cluster=2)
    table = parse(page).one("table", id="table-senolytic")
    cells = [r.find_all("td")[2] for r in table.one("tbody").find_all("tr")]
    assert [c.find_all("a")[0].text() for c in cells] == ["CHEMBL1", "CHEMBL2", "CHEMBL4"]
    assert [[d.text() for d in c.find_all("div", cls="cluster")] for c in cells] == [
        ["leads a cluster of 3"],
        ["cluster of 3 led by LEAD"],
        [],
    ]
    # an unknown document is not zero documents
    assert [r.find_all("td")[7].text() for r in table.one("tbody").find_all("tr")] == [
        "3documents unknown",
        "31 docs + 2 unknown",
        "32 docs",
    ]
    held = cells[1].one("details", cls="held")
    assert held.one("summary").text() == "+1 more of this cluster"
    assert [d.text() for d in held.find_all("div")] == ["3. THIRD"]
    assert held.one("a").attrs["href"] == render.CHEMBL_COMPOUND_URL.format("CHEMBL3")
