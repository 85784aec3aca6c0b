"""score: the decomposable score, its components, and deterministic tie-breaking."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from senotarget.config import Weights, load_settings
from senotarget.schema import (
    CallCols,
    CandidateCols,
    ChemCols,
    MoleculeCols,
    Panel,
    PanelEntry,
    ParentCols,
    RunResult,
    SupportCols,
    TargetCols,
    split_tokens,
)
from senotarget.stages.score import LABEL_CONFLICT_NOTE, Contribution, breakdown, score_candidates


def round4(value: float) -> float:
    """Round to 4 decimals as the stage does (pandas/numpy rounding, not Python's ``round``:
    they differ on ties such as 0.29625)."""
    return float(np.round(value, 4))


def test_score_is_the_weighted_sum_of_its_components(fixture_run: RunResult) -> None:
    table = pd.read_csv(Path(fixture_run.run_dir) / "candidates.csv")
    weights = load_settings(env={}).weights
    for row in table.to_dict("records"):
        total = 0.0
        for component in CandidateCols.COMPONENTS:  # the order the stage adds them in
            total += getattr(weights, component) * row[component]
        assert row[CandidateCols.SCORE] == pytest.approx(round4(total), abs=1e-12), row
    for component in CandidateCols.COMPONENTS:
        assert table[component].between(0, 1).all(), component


def test_components_of_one_row(fixture_run: RunResult) -> None:
    table = pd.read_csv(Path(fixture_run.run_dir) / "candidates.csv").set_index(
        ["strategy", "molecule_chembl_id"]
    )
    row = table.xs(("senolytic", "CHEMBL900001")).to_dict()
    evidence = 0.5 * math.log1p(3) / math.log1p(20) + 0.5 * math.log1p(2) / math.log1p(10)
    assert (row["best_pchembl"], row["n_assays"], row["n_documents"], row["max_phase"]) == (
        7.96,
        3,
        2,
        4.0,
    )
    assert (
        row["potency"],
        row["evidence"],
        row["maturity"],
        row["direction_certainty"],
        row["breadth"],
        row["alert_penalty"],
    ) == (
        0.66,
        round(evidence, 4),
        1.0,
        1.0,
        1.0,
        0.5,
    )
    assert row["druglikeness"] == row["qed"]


Inputs = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]


def _inputs(calls: list[dict[str, object]], phases: dict[str, float]) -> Inputs:
    call_frame = pd.DataFrame(calls).reindex(columns=list(CallCols.ORDER))
    ids = sorted(phases)
    molecules = pd.DataFrame(
        {
            MoleculeCols.MOLECULE_CHEMBL_ID: ids,
            MoleculeCols.PREF_NAME: ids,
            MoleculeCols.MAX_PHASE: [phases[i] for i in ids],
            MoleculeCols.MOLECULE_TYPE: None,
            MoleculeCols.HIERARCHY_PARENT: None,
            MoleculeCols.CANONICAL_SMILES: "C",
        }
    )
    parents = pd.DataFrame(
        {
            ParentCols.MOLECULE_CHEMBL_ID: ids,
            ParentCols.PARENT_CHEMBL_ID: ids,
            ParentCols.PARENT_BASIS: "self",
        }
    )
    chem = pd.DataFrame(
        {
            ChemCols.MOLECULE_CHEMBL_ID: ids,
            ChemCols.STANDARD_SMILES: "C",
            ChemCols.PARENT_SMILES: "C",
            ChemCols.PARENT_INCHIKEY: "",
            ChemCols.QED: 0.5,
            ChemCols.PAINS: "",
            ChemCols.BRENK: "",
            ChemCols.SCAFFOLD: "",
            ChemCols.STATUS: "ok",
            ChemCols.REASON: "",
            ChemCols.QED_BASIS: "computed",
            ChemCols.ALERTS_BASIS: "computed",
            ChemCols.STRUCTURE_BASIS: "computed",
        }
    )
    targets = pd.DataFrame([target_row("l", "G", "resolved", "CHEMBL1")])
    support = pd.DataFrame(columns=list(SupportCols.ORDER))
    return call_frame, support, targets, molecules, parents, chem


def target_row(label: str, gene: str, status: str, target: str) -> dict[str, object]:
    """A targets.csv row of a senolytic ``inhibit`` entry (every TargetCols column)."""
    row: dict[str, object] = {
        TargetCols.LABEL: label,
        TargetCols.GENE_SYMBOL: gene,
        TargetCols.STRATEGIES: "senolytic",
        TargetCols.DIRECTION: "inhibit",
        TargetCols.TARGET_CHEMBL_ID: target,
        TargetCols.TARGET_TYPE: "SINGLE PROTEIN" if target else "",
        TargetCols.STATUS: status,
        TargetCols.REASON: "" if status == "resolved" else "not found",
        TargetCols.TARGET_PREF_NAME: "",
        TargetCols.ACCESSION: "",
        TargetCols.MATCHED_BY: "",
        TargetCols.N_COMPONENTS: 1,
        TargetCols.CONFIDENCE_MIN: 8,
        TargetCols.PATHWAY: "",
        TargetCols.CAUTION: "",
        TargetCols.PARTNER: "",
        TargetCols.PARTNER_REQUIRES: "",
        TargetCols.OTHER_PROTEIN_ASSAYS: "",
        TargetCols.OTHER_PROTEIN_UNLESS: "",
    }
    assert list(row) == list(TargetCols.ORDER)
    return row


def call(molecule: str, direction: str, best: float, qualifies: bool = True) -> dict[str, object]:
    return {
        CallCols.MOLECULE_CHEMBL_ID: molecule,
        CallCols.LABEL: "l",
        CallCols.GENE_SYMBOL: "G",
        CallCols.STRATEGIES: "senolytic",
        CallCols.WANTED: "inhibit",
        CallCols.DIRECTION: direction,
        CallCols.DIRECTION_SOURCE: "",
        CallCols.ACTION_TYPES: "",
        CallCols.BEST_PCHEMBL: best,
        CallCols.BEST_TYPE: "IC50",
        CallCols.N_ASSAYS: 1,
        CallCols.N_DOCUMENTS: 1,
        CallCols.HAS_MECHANISM: direction == "mechanism",
        CallCols.MEETS_POTENCY: best >= 6,
        CallCols.INACTIVE_ONLY: False,
        CallCols.QUALIFIES: qualifies,
        CallCols.EVIDENCE_TEXT: f"t {molecule}",
        CallCols.CAUTION: "",
        CallCols.FLAGS: "",
        CallCols.TARGET_IDS: "CHEMBL1",
    }


TIES = [
    (
        "same score: lower ChEMBL number first",
        [call("CHEMBL1000", "inferred", 7.0), call("CHEMBL25", "inferred", 7.0)],
        {"CHEMBL1000": 1.0, "CHEMBL25": 1.0},
        ["CHEMBL25", "CHEMBL1000"],
    ),
    (
        "contrary rows rank after candidates",
        [call("CHEMBL1", "contrary", 9.5, qualifies=False), call("CHEMBL2", "inferred", 6.0)],
        {"CHEMBL1": 4.0, "CHEMBL2": 0.0},
        ["CHEMBL2", "CHEMBL1"],
    ),
    (
        "higher score first",
        [call("CHEMBL1", "inferred", 6.5), call("CHEMBL2", "inferred", 8.0)],
        {"CHEMBL1": 0.0, "CHEMBL2": 0.0},
        ["CHEMBL2", "CHEMBL1"],
    ),
]


@pytest.mark.parametrize(
    ("calls", "phases", "order"), [t[1:] for t in TIES], ids=[t[0] for t in TIES]
)
def test_ranking_order(
    calls: list[dict[str, object]], phases: dict[str, float], order: list[str]
) -> None:
    inputs = _inputs(calls, phases)
    panel = Panel("t", (PanelEntry("l", ("G",), ("senolytic",), "inhibit", "", "c"),), "t")
    table = score_candidates(*inputs, panel, load_settings(env={}))
    assert list(table.columns) == list(CandidateCols.ORDER)
    assert list(table[CandidateCols.MOLECULE_CHEMBL_ID]) == order
    assert list(table[CandidateCols.RANK]) == list(range(1, len(order) + 1))


# -- components through the stage: one compound per case, every other input neutral -----------

NAN = math.nan
GENES = ("G1", "G2", "G3")
#: Weights given explicitly (the defaults of senotarget/config.py at the time of writing).
WEIGHTS_EXAMPLE: dict[str, float] = {
    "potency": 0.30,
    "evidence": 0.15,
    "maturity": 0.15,
    "direction_certainty": 0.20,
    "breadth": 0.10,
    "druglikeness": 0.10,
    "alert_penalty": -0.05,
}


@dataclass(frozen=True)
class Compound:
    """One compound's inputs to the score stage, one knob per component.

    ``genes``: the panel genes its calls are on (one call each); ``n_undocumented``: how many of
    the ``n_assays`` have no document id (all of them when ``n_documents`` is 0); ``qed``
    ``None``: the chemistry row of a molecule without a structure (``no_structure``, as the
    chemistry stage writes it).
    """

    molecule: str = "CHEMBL1"
    direction: str = "inferred"
    best: float = 7.0
    genes: tuple[str, ...] = ("G1",)
    n_assays: int = 1
    n_documents: int = 1
    n_undocumented: int = 0
    max_phase: float = NAN
    qed: float | None = 0.5
    pains: str = ""
    brenk: str = ""


#: gene -> (panel entry, strategies) of the hand-built panel; genes not listed are in "entry"
ENTRY_OF: dict[str, tuple[str, str]] = {
    "N1": ("one-gene entry", "senolytic"),
    "M1": ("senomorphic entry", "senomorphic"),
}


def _entry(gene: str) -> tuple[str, str]:
    return ENTRY_OF.get(gene, ("entry", "senolytic"))


def _calls(compound: Compound) -> list[dict[str, object]]:
    return [
        {
            CallCols.MOLECULE_CHEMBL_ID: compound.molecule,
            CallCols.LABEL: _entry(gene)[0],
            CallCols.GENE_SYMBOL: gene,
            CallCols.STRATEGIES: _entry(gene)[1],
            CallCols.WANTED: "inhibit",
            CallCols.DIRECTION: compound.direction,
            CallCols.DIRECTION_SOURCE: "",
            CallCols.ACTION_TYPES: "",
            CallCols.BEST_PCHEMBL: compound.best,
            CallCols.BEST_TYPE: "IC50",
            CallCols.N_ASSAYS: compound.n_assays,
            CallCols.N_DOCUMENTS: compound.n_documents,
            CallCols.HAS_MECHANISM: compound.direction == "mechanism",
            CallCols.MEETS_POTENCY: compound.best >= 6,
            CallCols.INACTIVE_ONLY: False,
            CallCols.QUALIFIES: compound.direction != "contrary",
            CallCols.EVIDENCE_TEXT: f"on {gene}",
            CallCols.CAUTION: "",
            CallCols.FLAGS: "",
            CallCols.TARGET_IDS: f"T_{gene}",
        }
        for gene in compound.genes
    ]


def _support(compound: Compound) -> list[tuple[str, str, str, str | None]]:
    """``n_assays`` distinct assays: the documented ones over ``n_documents`` distinct documents,
    then ``n_undocumented`` without a document id (every assay when ``n_documents`` is 0)."""
    documented = compound.n_assays - compound.n_undocumented if compound.n_documents else 0
    assert compound.n_documents <= documented or not compound.n_documents, "an assay, one document"
    return [
        (
            compound.molecule,
            f"T_{compound.genes[0]}",
            f"{compound.molecule}_A{i}",
            f"{compound.molecule}_D{min(i, compound.n_documents - 1)}" if i < documented else None,
        )
        for i in range(compound.n_assays)
    ]


def score_table(
    compounds: list[Compound],
    resolved: tuple[str, ...] = GENES,
    unresolved: tuple[str, ...] = (),
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Run :func:`score_candidates` on hand-built inputs: every compound is its own parent."""
    ids = [c.molecule for c in compounds]
    calls = pd.DataFrame(
        [row for c in compounds for row in _calls(c)], columns=list(CallCols.ORDER)
    )
    support = pd.DataFrame(
        [row for c in compounds for row in _support(c)], columns=list(SupportCols.ORDER)
    )
    targets = pd.DataFrame(
        [
            target_row(_entry(gene)[0], gene, status, f"T_{gene}" if status == "resolved" else "")
            | {TargetCols.STRATEGIES: _entry(gene)[1]}
            for genes, status in ((resolved, "resolved"), (unresolved, "unresolved"))
            for gene in genes
        ]
    )
    molecules = pd.DataFrame(
        [(c.molecule, c.molecule, c.max_phase, None, None, "C") for c in compounds],
        columns=list(MoleculeCols.ORDER),
    )
    parents = pd.DataFrame([(i, i, "self") for i in ids], columns=list(ParentCols.ORDER))
    chem = pd.DataFrame(
        [
            (
                c.molecule,
                "C",
                "C",
                "",
                c.qed,
                c.pains,
                c.brenk,
                "",
                "ok",
                "",
                "computed",
                "computed",
                "computed",
            )
            if c.qed is not None
            else (c.molecule, "", "", "", NAN, "", "", "", "flag", "no_structure", "", "", "")
            for c in compounds
        ],
        columns=list(ChemCols.ORDER),
    )
    panel = Panel("t", (PanelEntry("entry", GENES, ("senolytic",), "inhibit", "", "c"),), "t")
    settings = load_settings(env={}, weights=weights)
    return score_candidates(calls, support, targets, molecules, parents, chem, panel, settings)


def component(compound: Compound, name: str, **kwargs: Any) -> float:
    table = score_table([compound], **kwargs)
    assert len(table) == 1
    return float(table.iloc[0][name])


#: (id, compound, component, expected value); defaults: potency floor 4, ceiling 10, assays cap
#: 20, documents cap 10 (senotarget/config.py Thresholds), three resolved senolytic genes.
COMPONENT_CASES: list[tuple[str, Compound, str, float]] = [
    # potency: (best - 4) / (10 - 4), clipped to [0, 1], rounded to 4 decimals
    ("potency below floor", Compound(best=3.0), "potency", 0.0),
    ("potency at floor", Compound(best=4.0), "potency", 0.0),
    ("potency 5.0", Compound(best=5.0), "potency", 0.1667),
    ("potency 7.0 is the midpoint", Compound(best=7.0), "potency", 0.5),
    ("potency 7.96", Compound(best=7.96), "potency", 0.66),
    ("potency at ceiling", Compound(best=10.0), "potency", 1.0),
    ("potency above ceiling", Compound(best=11.5), "potency", 1.0),
    # a curated mechanism without any measurement: potency unknown, scored at active_pchembl 6
    (
        "potency unknown takes the threshold",
        Compound(direction="mechanism", best=NAN),
        "potency",
        0.3333,
    ),
    (
        "no potency and no mechanism counts 0",
        Compound(direction="contrary", best=NAN),
        "potency",
        0.0,
    ),
    # evidence: 0.5 * min(1, log1p(assays) / log1p(20)) + 0.5 * min(1, log1p(docs) / log1p(10));
    # for the share u of assays without a document id the document half is the assay half
    ("evidence none", Compound(n_assays=0, n_documents=0), "evidence", 0.0),
    ("evidence 1 assay, document unknown", Compound(n_assays=1, n_documents=0), "evidence", 0.2277),
    (
        "evidence 4 assays: 2 on 1 document, 2 document unknown",
        Compound(n_assays=4, n_documents=1, n_undocumented=2),
        "evidence",
        0.4687,
    ),
    (
        "evidence 20 assays, documents unknown",
        Compound(n_assays=20, n_documents=0),
        "evidence",
        1.0,
    ),
    ("evidence 1 assay 1 document", Compound(n_assays=1, n_documents=1), "evidence", 0.2584),
    ("evidence 2 assays 1 document", Compound(n_assays=2, n_documents=1), "evidence", 0.325),
    ("evidence 3 assays 2 documents", Compound(n_assays=3, n_documents=2), "evidence", 0.4567),
    ("evidence 19 assays 9 documents", Compound(n_assays=19, n_documents=9), "evidence", 0.9721),
    ("evidence at both caps", Compound(n_assays=20, n_documents=10), "evidence", 1.0),
    ("evidence assays capped", Compound(n_assays=20, n_documents=1), "evidence", 0.6445),
    ("evidence beyond caps", Compound(n_assays=40, n_documents=30), "evidence", 1.0),
    # maturity: max_phase (ChEMBL 32+: 4, 3, 2, 1, 0.5, -1 phase unknown, NULL preclinical)
    ("maturity phase 4", Compound(max_phase=4.0), "maturity", 1.0),
    ("maturity phase 3", Compound(max_phase=3.0), "maturity", 0.75),
    ("maturity phase 2", Compound(max_phase=2.0), "maturity", 0.5),
    ("maturity phase 1", Compound(max_phase=1.0), "maturity", 0.25),
    ("maturity early phase 1 (0.5)", Compound(max_phase=0.5), "maturity", 0.125),
    ("maturity clinical phase unknown (-1)", Compound(max_phase=-1.0), "maturity", 0.1),
    ("maturity phase 0", Compound(max_phase=0.0), "maturity", 0.0),
    # today's behaviour: a NULL max_phase scores as preclinical, the same as phase 0
    ("maturity NULL max_phase is phase unknown", Compound(max_phase=NAN), "maturity", 0.05),
    # a curated drug_mechanism record means at least clinical stage (scored as -1)
    (
        "maturity NULL max_phase with a mechanism record",
        Compound(max_phase=NAN, direction="mechanism"),
        "maturity",
        0.1,
    ),
    # direction certainty: the three tiers
    ("direction mechanism", Compound(direction="mechanism"), "direction_certainty", 1.0),
    ("direction action_type", Compound(direction="action_type"), "direction_certainty", 0.75),
    ("direction inferred", Compound(direction="inferred"), "direction_certainty", 0.5),
    ("direction contrary", Compound(direction="contrary"), "direction_certainty", 0.0),
    # breadth: genes acted on / resolved genes of the strategy (three here)
    ("breadth 1 of 3 genes", Compound(genes=("G1",)), "breadth", 0.3333),
    ("breadth 2 of 3 genes", Compound(genes=("G1", "G2")), "breadth", 0.6667),
    ("breadth 3 of 3 genes", Compound(genes=GENES), "breadth", 1.0),
    ("breadth of a contrary row is 0", Compound(direction="contrary", genes=GENES), "breadth", 0.0),
    # druglikeness: QED rounded to 4 decimals, 0 without a usable structure
    ("druglikeness qed 0.5", Compound(qed=0.5), "druglikeness", 0.5),
    ("druglikeness qed rounded", Compound(qed=0.61234), "druglikeness", 0.6123),
    ("druglikeness qed 0", Compound(qed=0.0), "druglikeness", 0.0),
    ("druglikeness qed missing", Compound(qed=NAN), "druglikeness", 0.0),
    ("druglikeness without a structure", Compound(qed=None), "druglikeness", 0.0),
    # alert penalty: PAINS 1, Brenk only 0.5, none 0
    ("alerts none", Compound(), "alert_penalty", 0.0),
    ("alerts Brenk only", Compound(brenk="michael_acceptor"), "alert_penalty", 0.5),
    ("alerts PAINS only", Compound(pains="catechol_A"), "alert_penalty", 1.0),
    (
        "alerts PAINS and Brenk",
        Compound(pains="catechol_A", brenk="catechol"),
        "alert_penalty",
        1.0,
    ),
]


@pytest.mark.parametrize(
    ("compound", "name", "expected"),
    [c[1:] for c in COMPONENT_CASES],
    ids=[c[0] for c in COMPONENT_CASES],
)
def test_component_values(compound: Compound, name: str, expected: float) -> None:
    assert component(compound, name) == pytest.approx(expected, abs=1e-9)


def test_breadth_counts_only_resolved_genes() -> None:
    value = component(Compound(genes=("G1",)), "breadth", resolved=("G1", "G2"), unresolved=("G3",))
    assert value == pytest.approx(0.5, abs=1e-9)


#: (id, inputs from weakest to strongest, component, strictly larger at every step)
MONOTONIC: list[tuple[str, list[Compound], str, bool]] = [
    ("potency", [Compound(best=b) for b in (4.0, 4.5, 6.0, 8.0, 10.0)], "potency", True),
    (
        "potency across floor and ceiling",
        [Compound(best=b) for b in (2.0, 4.0, 7.0, 10.0, 12.0)],
        "potency",
        False,
    ),
    (
        "evidence",
        [
            Compound(n_assays=a, n_documents=d)
            for a, d in ((0, 0), (1, 0), (1, 1), (2, 1), (3, 2), (5, 3), (19, 9), (20, 10))
        ],
        "evidence",
        True,
    ),
    (
        "evidence beyond caps",
        [Compound(n_assays=a, n_documents=d) for a, d in ((19, 9), (20, 10), (40, 10), (40, 30))],
        "evidence",
        False,
    ),
    (
        "maturity: preclinical < phase unknown < 0.5 < 1 < 2 < 3 < 4",
        [Compound(max_phase=p) for p in (NAN, -1.0, 0.5, 1.0, 2.0, 3.0, 4.0)],
        "maturity",
        True,
    ),
    (
        "maturity: phase 0 < 0.5",
        [Compound(max_phase=p) for p in (0.0, 0.5)],
        "maturity",
        True,
    ),
    (
        "direction certainty",
        [Compound(direction=d) for d in ("contrary", "inferred", "mechanism")],
        "direction_certainty",
        True,
    ),
    (
        "breadth",
        [Compound(genes=g) for g in (("G1",), ("G1", "G2"), GENES)],
        "breadth",
        True,
    ),
    (
        "druglikeness",
        [Compound(qed=q) for q in (0.0, 0.1, 0.5, 0.9)],
        "druglikeness",
        True,
    ),
    (
        "alert penalty",
        [Compound(), Compound(brenk="michael_acceptor"), Compound(pains="catechol_A")],
        "alert_penalty",
        True,
    ),
]


@pytest.mark.parametrize(
    ("compounds", "name", "strict"), [m[1:] for m in MONOTONIC], ids=[m[0] for m in MONOTONIC]
)
def test_components_are_monotonic(compounds: list[Compound], name: str, strict: bool) -> None:
    """A stronger input gives a larger component, and moves the score the way its weight says
    (every weight non-zero here, so every component counts)."""
    named = [replace(c, molecule=f"CHEMBL{i + 1}") for i, c in enumerate(compounds)]
    table = score_table(named, weights=WEIGHTS_EXAMPLE).set_index(CandidateCols.MOLECULE_CHEMBL_ID)
    ordered = table.loc[[c.molecule for c in named]]
    values = ordered[name].tolist()
    scores = ordered[CandidateCols.SCORE].tolist()
    steps = list(itertools.pairwise(values))
    score_steps = list(itertools.pairwise(scores))
    penalty = name == CandidateCols.ALERT_PENALTY
    if strict:
        assert all(a < b for a, b in steps), values
        assert all((a > b) if penalty else (a < b) for a, b in score_steps), scores
    else:
        assert all(a <= b for a, b in steps), values
        assert values[0] < values[-1], values
        assert all((a >= b) if penalty else (a <= b) for a, b in score_steps), scores
    # the stronger candidate ranks first (the penalty: the more alerts, the later)
    by_rank = ordered.sort_values(CandidateCols.RANK).index.tolist()
    if strict and name != CandidateCols.DIRECTION_CERTAINTY:
        expected = [c.molecule for c in named]
        assert by_rank == (expected if penalty else expected[::-1])


#: One compound with every component away from 0 and 1 where it can be:
#: potency 0.66, evidence 0.4567, maturity 0.75, direction 1, breadth 0.6667, QED 0.6, Brenk 0.5.
RICH = Compound(
    direction="mechanism",
    best=7.96,
    genes=("G1", "G2"),
    n_assays=3,
    n_documents=2,
    max_phase=3.0,
    qed=0.6,
    brenk="michael_acceptor",
)
RICH_COMPONENTS: dict[str, float] = {
    "potency": 0.66,
    "evidence": 0.4567,
    "maturity": 0.75,
    "direction_certainty": 1.0,
    "breadth": 0.6667,
    "druglikeness": 0.6,
    "alert_penalty": 0.5,
}


def _only(name: str) -> dict[str, float]:
    """Weights that keep one component (the penalty's weight is negative by contract)."""
    return {
        c: (-1.0 if c == "alert_penalty" else 1.0) if c == name else 0.0
        for c in CandidateCols.COMPONENTS
    }


#: (id, weights given to load_settings (empty: the defaults), expected score)
WEIGHTED: list[tuple[str, dict[str, float], float]] = [
    # 0.3*0.66 + 0.15*0.4567 + 0.15*0.75 + 0.2*1 + 0.1*0.6667 + 0.1*0.6 - 0.05*0.5 = 0.680675
    ("example weights", WEIGHTS_EXAMPLE, 0.6807),
    (
        "configured weights",
        {
            "potency": 0.5,
            "evidence": 0.1,
            "maturity": 0.1,
            "direction_certainty": 0.1,
            "breadth": 0.1,
            "druglikeness": 0.1,
            "alert_penalty": -0.2,
        },
        0.5773,
    ),
    ("all weights 0", dict.fromkeys(RICH_COMPONENTS, 0.0), 0.0),
    *(
        (f"only {name}", _only(name), -value if name == "alert_penalty" else value)
        for name, value in RICH_COMPONENTS.items()
    ),
]


def test_rich_compound_components() -> None:
    row = score_table([RICH]).iloc[0]
    assert {c: float(row[c]) for c in CandidateCols.COMPONENTS} == pytest.approx(
        RICH_COMPONENTS, abs=1e-9
    )


@pytest.mark.parametrize(
    ("weights", "expected"), [w[1:] for w in WEIGHTED], ids=[w[0] for w in WEIGHTED]
)
def test_score_is_the_configured_weighted_sum(weights: dict[str, float], expected: float) -> None:
    row = score_table([RICH], weights=weights).iloc[0]
    assert float(row[CandidateCols.SCORE]) == pytest.approx(expected, abs=1e-9)


def test_default_weights_come_from_the_settings() -> None:
    """Without weights given, the score is the sum with senotarget/config.py's default weights."""
    row = score_table([RICH]).iloc[0]
    defaults = Weights()
    total = 0.0
    for component in CandidateCols.COMPONENTS:
        total += getattr(defaults, component) * RICH_COMPONENTS[component]
    assert float(row[CandidateCols.SCORE]) == pytest.approx(round4(total), abs=1e-12)


#: (id, compounds, expected (molecule, is_candidate, direction, direction_ok, labels, primary))
LABELS: list[tuple[str, list[Compound], list[tuple[str, bool, str, bool, str, str]]]] = [
    (
        "a qualifying call labels the strategy",
        [Compound(direction="inferred")],
        [("CHEMBL1", True, "inferred", True, "senolytic", "senolytic")],
    ),
    (
        "a contrary row carries no label",
        [Compound(direction="contrary", best=9.5)],
        [("CHEMBL1", False, "contrary", False, "", "")],
    ),
    (
        "mechanism outranks inferred, contrary comes last",
        [
            Compound("CHEMBL1", direction="contrary", best=9.9, max_phase=4.0),
            Compound("CHEMBL2", direction="inferred"),
            Compound("CHEMBL3", direction="mechanism"),
        ],
        [
            ("CHEMBL3", True, "mechanism", True, "senolytic", "senolytic"),
            ("CHEMBL2", True, "inferred", True, "senolytic", "senolytic"),
            ("CHEMBL1", False, "contrary", False, "", ""),
        ],
    ),
]


@pytest.mark.parametrize(
    ("compounds", "expected"), [c[1:] for c in LABELS], ids=[c[0] for c in LABELS]
)
def test_labels_from_calls(
    compounds: list[Compound], expected: list[tuple[str, bool, str, bool, str, str]]
) -> None:
    table = score_table(compounds)
    columns = [
        CandidateCols.MOLECULE_CHEMBL_ID,
        CandidateCols.IS_CANDIDATE,
        CandidateCols.DIRECTION,
        CandidateCols.DIRECTION_OK,
        CandidateCols.LABELS,
        CandidateCols.PRIMARY_LABEL,
    ]
    got = [
        (str(m), bool(c), str(d), bool(ok), str(lab), str(p))
        for m, c, d, ok, lab, p in table[columns].itertuples(index=False)
    ]
    assert got == expected
    assert list(table[CandidateCols.RANK]) == list(range(1, len(expected) + 1))


#: (id, candidates row, weights, expected parts (component, weight, value, contribution))
BREAKDOWNS: list[
    tuple[str, dict[str, Any], dict[str, float], list[tuple[str, float, float, float]]]
] = [
    (
        "every component, example weights",
        RICH_COMPONENTS,
        WEIGHTS_EXAMPLE,
        [
            ("potency", 0.30, 0.66, 0.198),
            ("evidence", 0.15, 0.4567, 0.068505),
            ("maturity", 0.15, 0.75, 0.1125),
            ("direction_certainty", 0.20, 1.0, 0.20),
            ("breadth", 0.10, 0.6667, 0.06667),
            ("druglikeness", 0.10, 0.6, 0.06),
            ("alert_penalty", -0.05, 0.5, -0.025),
        ],
    ),
    (
        "missing and NaN values count 0",
        {"potency": math.nan, "evidence": None, "maturity": 1.0},
        WEIGHTS_EXAMPLE,
        [
            ("potency", 0.30, 0.0, 0.0),
            ("evidence", 0.15, 0.0, 0.0),
            ("maturity", 0.15, 1.0, 0.15),
            ("direction_certainty", 0.20, 0.0, 0.0),
            ("breadth", 0.10, 0.0, 0.0),
            ("druglikeness", 0.10, 0.0, 0.0),
            ("alert_penalty", -0.05, 0.0, 0.0),
        ],
    ),
    (
        "a weight the manifest lacks counts 0",
        RICH_COMPONENTS,
        {"potency": 1.0},
        [
            ("potency", 1.0, 0.66, 0.66),
            ("evidence", 0.0, 0.4567, 0.0),
            ("maturity", 0.0, 0.75, 0.0),
            ("direction_certainty", 0.0, 1.0, 0.0),
            ("breadth", 0.0, 0.6667, 0.0),
            ("druglikeness", 0.0, 0.6, 0.0),
            ("alert_penalty", 0.0, 0.5, 0.0),
        ],
    ),
]


@pytest.mark.parametrize(
    ("row", "weights", "expected"), [b[1:] for b in BREAKDOWNS], ids=[b[0] for b in BREAKDOWNS]
)
def test_breakdown_parts(
    row: dict[str, Any], weights: dict[str, float], expected: list[tuple[str, float, float, float]]
) -> None:
    parts = breakdown(row, weights)
    assert all(isinstance(p, Contribution) for p in parts)
    got = [(p.component, p.weight, p.value, round(p.contribution, 12)) for p in parts]
    assert got == [(c, w, v, round(x, 12)) for c, w, v, x in expected]


def test_breakdown_adds_up_to_the_stored_score() -> None:
    row = score_table([RICH], weights=WEIGHTS_EXAMPLE).iloc[0].to_dict()
    parts = breakdown(row, WEIGHTS_EXAMPLE)
    assert round4(sum(p.contribution for p in parts)) == pytest.approx(row["score"], abs=1e-12)
    assert row["score"] == pytest.approx(0.6807, abs=1e-12)


@pytest.mark.parametrize(
    ("genes", "breadth"),
    [
        (("N1",), 1.0),  # a selective inhibitor covers all of its one-gene entry
        (("G1",), 0.3333),  # one of the three genes of the other entry
        (("G1", "G2", "G3"), 1.0),  # the whole three-gene entry
        (("N1", "G1"), 1.0),  # the best-covered entry counts, not the strategy's 4 genes
    ],
    ids=["one-gene entry", "one of three", "whole entry", "best entry"],
)
def test_breadth_is_the_best_coverage_of_one_entry(genes: tuple[str, ...], breadth: float) -> None:
    value = component(Compound(genes=genes), "breadth", resolved=(*GENES, "N1"))
    assert value == pytest.approx(breadth, abs=1e-9)


@pytest.mark.parametrize(
    ("genes", "conflict"),
    [(("G1",), False), (("M1",), False), (("G1", "M1"), True)],
    ids=["senolytic only", "senomorphic only", "senolytic and senomorphic"],
)
def test_a_label_conflict_is_said_on_every_row(genes: tuple[str, ...], conflict: bool) -> None:
    table = score_table([Compound(genes=genes)], resolved=(*GENES, "M1"))
    flags = [split_tokens(f) for f in table[CandidateCols.FLAGS]]
    assert [("label_conflict" in f) for f in flags] == [conflict] * len(table)
    assert [LABEL_CONFLICT_NOTE in c for c in table[CandidateCols.CAUTION]] == [conflict] * len(
        table
    )
