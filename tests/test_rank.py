"""rank: ranks within the panel entry and the gene, and the selectivity view, on hand-built calls.

The score stage's own output (:func:`score_candidates` on the same calls) feeds the rank stage,
as in a run. The expected values are the score's formulas worked out by hand: potency
``(p - 4) / 6``; evidence ``0.5 log(1 + assays) / log(21) + 0.5 log(1 + documents) / log(11)``;
maturity 1 for phase 4, 0.1 for an unknown phase with a mechanism record, else 0.05; direction
certainty 1 / 0.75 / 0.5; breadth the share of the entry's resolved genes; the weights are the
defaults (0.30, 0.15, 0.15, 0.20, 0.10, 0, -0.05).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import pytest

from senotarget.config import load_settings
from senotarget.schema import (
    MECHANISM_ONLY,
    CallCols,
    ChemCols,
    EvidenceCols,
    MoleculeCols,
    Panel,
    PanelEntry,
    ParentCols,
    RankingCols,
    SelectivityCols,
    SupportCols,
    TargetCols,
)
from senotarget.stages.rank import rank_candidates, selectivity
from senotarget.stages.score import score_candidates
from tests.test_score import target_row

NAN = math.nan

#: The hand-built panel: a one-gene entry and a three-gene entry with one gene unresolved.
ENTRIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # label: (strategies, resolved genes, unresolved genes)
    "NLRP3 inflammasome": ("senomorphic", ("NLRP3",), ()),
    "JAK-STAT": ("senomorphic", ("JAK1", "JAK2", "JAK3"), ("FAKE1",)),
}
ENTRY_OF = {g: label for label, (_s, genes, _u) in ENTRIES.items() for g in genes}


@dataclass(frozen=True)
class Call:
    """One call of a compound on a gene: its direction, best pChEMBL and support."""

    gene: str
    direction: str = "inferred"
    best: float = 7.0
    assays: int = 1
    documents: int = 1
    qualifies: bool = True


@dataclass(frozen=True)
class Compound:
    molecule: str
    name: str
    calls: tuple[Call, ...]
    max_phase: float = NAN
    pains: str = ""
    extra: dict[str, str] = field(default_factory=dict)


COMPOUNDS = [
    Compound("CHEMBL1", "NLRPIN", (Call("NLRP3", best=7.0, assays=2, documents=2),)),
    Compound(
        "CHEMBL2",
        "PANJAK",
        (
            Call("JAK1", "mechanism", 8.0, assays=4, documents=2),
            Call("JAK2", "mechanism", 7.5, assays=2, documents=1),
        ),
        max_phase=4.0,
    ),
    Compound(
        "CHEMBL3",
        "DUAL",
        (Call("NLRP3", best=6.5), Call("JAK1", best=8.0, assays=3, documents=2)),
        pains="catechol_A",
    ),
    Compound("CHEMBL4", "WEAK", (Call("JAK2", "", 5.0, qualifies=False),)),
    Compound("CHEMBL5", "MECH", (Call("JAK3", "mechanism", NAN, assays=0, documents=0),)),
    Compound("CHEMBL10", "TWIN B", (Call("NLRP3", best=6.0),)),
    Compound("CHEMBL9", "TWIN A", (Call("NLRP3", best=6.0),)),
]


def _calls() -> pd.DataFrame:
    rows = []
    for compound in COMPOUNDS:
        for c in compound.calls:
            label = ENTRY_OF[c.gene]
            rows.append(
                {
                    CallCols.MOLECULE_CHEMBL_ID: compound.molecule,
                    CallCols.LABEL: label,
                    CallCols.GENE_SYMBOL: c.gene,
                    CallCols.STRATEGIES: ENTRIES[label][0],
                    CallCols.WANTED: "inhibit",
                    CallCols.DIRECTION: c.direction,
                    CallCols.DIRECTION_SOURCE: "",
                    CallCols.ACTION_TYPES: "INHIBITOR" if c.direction == "mechanism" else "",
                    CallCols.BEST_PCHEMBL: c.best,
                    CallCols.BEST_TYPE: "IC50",
                    CallCols.N_ASSAYS: c.assays,
                    CallCols.N_DOCUMENTS: c.documents,
                    CallCols.HAS_MECHANISM: c.direction == "mechanism",
                    CallCols.MEETS_POTENCY: c.best >= 6,
                    CallCols.INACTIVE_ONLY: False,
                    CallCols.QUALIFIES: c.qualifies,
                    CallCols.EVIDENCE_TEXT: f"on {c.gene}",
                    CallCols.CAUTION: "",
                    CallCols.FLAGS: "",
                    CallCols.TARGET_IDS: f"T_{c.gene}",
                }
            )
    return pd.DataFrame(rows, columns=list(CallCols.ORDER))


def _support() -> pd.DataFrame:
    """``assays`` distinct assays per call, spread over ``documents`` documents."""
    rows = [
        (
            compound.molecule,
            f"T_{c.gene}",
            f"{compound.molecule}_{c.gene}_A{i}",
            f"{compound.molecule}_{c.gene}_D{min(i, c.documents - 1)}",
        )
        for compound in COMPOUNDS
        for c in compound.calls
        for i in range(c.assays)
    ]
    return pd.DataFrame(rows, columns=list(SupportCols.ORDER))


def _targets() -> pd.DataFrame:
    rows = []
    for label, (strategies, resolved, unresolved) in ENTRIES.items():
        for gene, status in [
            *((g, "resolved") for g in resolved),
            *((g, "unresolved") for g in unresolved),
        ]:
            target = f"T_{gene}" if status == "resolved" else ""
            rows.append(
                target_row(label, gene, status, target) | {TargetCols.STRATEGIES: strategies}
            )
    return pd.DataFrame(rows, columns=list(TargetCols.ORDER))


def _candidates(calls: pd.DataFrame, support: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    ids = [c.molecule for c in COMPOUNDS]
    molecules = pd.DataFrame(
        [(c.molecule, c.name, c.max_phase, None, None, "C") for c in COMPOUNDS],
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
                0.5,
                c.pains,
                "",
                "",
                "ok",
                "",
                "computed",
                "computed",
                "computed",
            )
            for c in COMPOUNDS
        ],
        columns=list(ChemCols.ORDER),
    )
    panel = Panel(
        "t",
        tuple(
            PanelEntry(label, (*resolved, *unresolved), (strategies,), "inhibit", "", "c")  # type: ignore[arg-type]
            for label, (strategies, resolved, unresolved) in ENTRIES.items()
        ),
        "t",
    )
    return score_candidates(calls, support, targets, molecules, parents, chem, panel, SETTINGS)


SETTINGS = load_settings(env={})


@pytest.fixture(scope="module")
def rankings() -> pd.DataFrame:
    calls, support, targets = _calls(), _support(), _targets()
    return rank_candidates(calls, support, targets, _candidates(calls, support, targets), SETTINGS)


def _rows(table: pd.DataFrame, scope: str, key: str) -> list[tuple[object, ...]]:
    mine = table[(table[RankingCols.SCOPE] == scope) & (table[RankingCols.KEY] == key)]
    return [
        (
            r.rank,
            r.molecule_chembl_id,
            r.score,
            r.potency,
            r.evidence,
            r.maturity,
            r.direction_certainty,
            r.breadth,
            r.alert_penalty,
            r.direction,
            r.targets,
            r.n_assays,
        )
        for r in mine.itertuples()
    ]


# evidence of (assays, documents): (1, 1) 0.2584, (2, 1) 0.325, (2, 2) 0.4095, (3, 2) 0.4567,
# (4, 2) 0.4934, (6, 3) 0.6086
#: (scope, key, rows): rank, molecule, score, potency, evidence, maturity, direction_certainty,
#: breadth, alert_penalty, direction, targets, n_assays
EXPECTED: list[tuple[str, str, list[tuple[object, ...]]]] = [
    (
        "entry",
        "NLRP3 inflammasome",
        [
            # one-gene entry: a selective compound covers all of it
            (1, "CHEMBL1", 0.4189, 0.5, 0.4095, 0.05, 0.5, 1.0, 0.0, "inferred", "NLRP3", 2),
            # a tie in every part: the lower ChEMBL number first (9 before 10, not as text)
            (2, "CHEMBL9", 0.3462, 0.3333, 0.2584, 0.05, 0.5, 1.0, 0.0, "inferred", "NLRP3", 1),
            (3, "CHEMBL10", 0.3462, 0.3333, 0.2584, 0.05, 0.5, 1.0, 0.0, "inferred", "NLRP3", 1),
            # the dual compound, 2nd in the strategy on its JAK1 potency, is scored here on its
            # NLRP3 call only (pChEMBL 6.5, 1 assay) and carries a PAINS alert
            (4, "CHEMBL3", 0.3213, 0.4167, 0.2584, 0.05, 0.5, 1.0, 1.0, "inferred", "NLRP3", 1),
        ],
    ),
    (
        "entry",
        "JAK-STAT",
        [
            # 2 of the 3 resolved genes (FAKE1 is unresolved, so not counted)
            (
                1,
                "CHEMBL2",
                0.708,
                0.6667,
                0.6086,
                1.0,
                1.0,
                0.6667,
                0.0,
                "mechanism",
                "JAK1;JAK2",
                6,
            ),
            (2, "CHEMBL3", 0.3593, 0.6667, 0.4567, 0.05, 0.5, 0.3333, 1.0, "inferred", "JAK1", 3),
            # a mechanism record without a measurement: potency unknown, scored at pChEMBL 6, and
            # an unknown phase with a mechanism record is clinical (0.1)
            (3, "CHEMBL5", 0.3483, 0.3333, 0.0, 0.1, 1.0, 0.3333, 0.0, "mechanism", "JAK3", 0),
        ],
    ),
    (
        "gene",
        "JAK1",
        [
            (1, "CHEMBL2", 0.724, 0.6667, 0.4934, 1.0, 1.0, 1.0, 0.0, "mechanism", "JAK1", 4),
            (2, "CHEMBL3", 0.426, 0.6667, 0.4567, 0.05, 0.5, 1.0, 1.0, "inferred", "JAK1", 3),
        ],
    ),
    (
        "gene",
        "JAK2",
        # the weak call (qualifies False) of CHEMBL4 does not rank
        [(1, "CHEMBL2", 0.6737, 0.5833, 0.325, 1.0, 1.0, 1.0, 0.0, "mechanism", "JAK2", 2)],
    ),
    (
        "gene",
        "JAK3",
        [(1, "CHEMBL5", 0.415, 0.3333, 0.0, 0.1, 1.0, 1.0, 0.0, "mechanism", "JAK3", 0)],
    ),
    (
        "strategy",
        "senomorphic",
        [
            (
                1,
                "CHEMBL2",
                0.708,
                0.6667,
                0.6086,
                1.0,
                1.0,
                0.6667,
                0.0,
                "mechanism",
                "JAK1;JAK2",
                6,
            ),
            (
                2,
                "CHEMBL3",
                0.4405,
                0.6667,
                0.5534,
                0.05,
                0.5,
                1.0,
                1.0,
                "inferred",
                "JAK1;NLRP3",
                4,
            ),
            (3, "CHEMBL1", 0.4189, 0.5, 0.4095, 0.05, 0.5, 1.0, 0.0, "inferred", "NLRP3", 2),
            (4, "CHEMBL5", 0.3483, 0.3333, 0.0, 0.1, 1.0, 0.3333, 0.0, "mechanism", "JAK3", 0),
            (5, "CHEMBL9", 0.3462, 0.3333, 0.2584, 0.05, 0.5, 1.0, 0.0, "inferred", "NLRP3", 1),
            (6, "CHEMBL10", 0.3462, 0.3333, 0.2584, 0.05, 0.5, 1.0, 0.0, "inferred", "NLRP3", 1),
        ],
    ),
]


@pytest.mark.parametrize(
    ("scope", "key", "expected"), EXPECTED, ids=[f"{s} {k}" for s, k, _e in EXPECTED]
)
def test_scope_ranks_and_components(
    rankings: pd.DataFrame, scope: str, key: str, expected: list[tuple[object, ...]]
) -> None:
    assert _rows(rankings, scope, key) == expected


def test_score_is_the_weighted_sum_of_the_components(rankings: pd.DataFrame) -> None:
    weights = SETTINGS.weights
    for row in rankings.to_dict("records"):
        total = sum(getattr(weights, c) * row[c] for c in RankingCols.COMPONENTS)
        assert row[RankingCols.SCORE] == pytest.approx(total, abs=1e-4), row


def test_a_compound_in_two_entries_gets_a_row_in_each(rankings: pd.DataFrame) -> None:
    dual = rankings[rankings[RankingCols.MOLECULE_CHEMBL_ID] == "CHEMBL3"]
    assert [(r.scope, r.key, r.rank, r.n_ranked, r.entries) for r in dual.itertuples()] == [
        ("strategy", "senomorphic", 2, 6, "NLRP3 inflammasome;JAK-STAT"),
        ("entry", "NLRP3 inflammasome", 4, 4, "NLRP3 inflammasome"),
        ("entry", "JAK-STAT", 2, 3, "JAK-STAT"),
        ("gene", "NLRP3", 4, 4, "NLRP3 inflammasome"),
        ("gene", "JAK1", 2, 2, "JAK-STAT"),
    ]


def test_strategy_scope_repeats_the_candidates_rank(rankings: pd.DataFrame) -> None:
    calls, support, targets = _calls(), _support(), _targets()
    candidates = _candidates(calls, support, targets)
    strategy = rankings[rankings[RankingCols.SCOPE] == "strategy"]
    shown = candidates[candidates["is_candidate"]]
    columns = ["molecule_chembl_id", "rank", "score", *RankingCols.COMPONENTS, "targets"]
    assert strategy[columns].reset_index(drop=True).equals(shown[columns].reset_index(drop=True))
    assert list(strategy[RankingCols.KEY]) == ["senomorphic"] * 6
    assert "CHEMBL4" not in set(rankings[RankingCols.MOLECULE_CHEMBL_ID])


def test_table_order_and_keys(rankings: pd.DataFrame) -> None:
    assert list(rankings.columns) == list(RankingCols.ORDER)
    pairs = zip(rankings[RankingCols.SCOPE], rankings[RankingCols.KEY], strict=True)
    keys = list(dict.fromkeys(pairs))
    assert keys == [
        ("strategy", "senomorphic"),
        ("entry", "NLRP3 inflammasome"),
        ("entry", "JAK-STAT"),
        ("gene", "NLRP3"),
        ("gene", "JAK1"),
        ("gene", "JAK2"),
        ("gene", "JAK3"),
    ]
    assert set(rankings[RankingCols.STRATEGIES]) == {"senomorphic"}


def test_deterministic_whatever_the_input_order() -> None:
    calls, support, targets = _calls(), _support(), _targets()
    candidates = _candidates(calls, support, targets)
    first = rank_candidates(calls, support, targets, candidates, SETTINGS)
    shuffled = rank_candidates(
        calls.sample(frac=1, random_state=3),
        support.sample(frac=1, random_state=4),
        targets,
        candidates.sample(frac=1, random_state=5),
        SETTINGS,
    )
    assert first.equals(shuffled)


def test_no_qualifying_call_gives_an_empty_table() -> None:
    calls = _calls()
    calls[CallCols.QUALIFIES] = False
    calls[CallCols.DIRECTION] = ""
    support, targets = _support(), _targets()
    table = rank_candidates(calls, support, targets, _candidates(calls, support, targets), SETTINGS)
    assert table.empty and list(table.columns) == list(RankingCols.ORDER)


# -- selectivity -------------------------------------------------------------------------------

STATE_GENES = ("G1", "G2", "G3", "G4", "G5", "G6", "G7")


def _evidence_row(gene: str, median: float, **counts: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(EvidenceCols.ORDER, "")
    row.update(
        molecule_chembl_id="CHEMBL1",
        target_chembl_id=f"T_{gene}",
        gene_symbols=gene,
        standard_type="IC50",
        median_pchembl=median,
        n_measurements=0 if math.isnan(median) else 2,
        n_assays=1,
        n_documents=1,
        censored_inactive=0,
        n_active_censored=0,
        n_excluded=0,
        activation_assay=False,
    )
    row.update(counts)
    return row


#: gene -> (evidence rows, call direction or None, expected state, best_pchembl, n_assays)
STATES: list[tuple[str, list[dict[str, object]], str | None, str, float, int]] = [
    ("G1", [_evidence_row("G1", 7.25)], "inferred", "potent", 7.25, 2),
    ("G2", [_evidence_row("G2", 5.5)], "", "active_weak", 5.5, 2),
    (
        "G3",
        [_evidence_row("G3", NAN, censored_inactive=3)],
        "",
        "inactive",
        NAN,
        2,
    ),
    ("G4", [_evidence_row("G4", 8.0)], "contrary", "contrary", 8.0, 2),
    (
        "G5",
        [
            _evidence_row(
                "G5",
                NAN,
                standard_type=MECHANISM_ONLY,
                n_assays=0,
                mechanism_action_type="INHIBITOR",
            )
        ],
        "mechanism",
        "mechanism_only",
        NAN,
        0,
    ),
    ("G6", [_evidence_row("G6", NAN, n_excluded=2, n_assays=0)], None, "unquantified", NAN, 0),
    ("G7", [], None, "not_tested", NAN, 0),
]


def _selectivity_inputs() -> tuple[pd.DataFrame, ...]:
    evidence = pd.DataFrame(
        [row for _g, rows, *_rest in STATES for row in rows], columns=list(EvidenceCols.ORDER)
    )
    support = pd.DataFrame(
        [
            ("CHEMBL1", f"T_{gene}", f"A_{gene}_{i}", "D1")
            for gene, rows, _d, _s, _b, n in STATES
            for i in range(n)
        ],
        columns=list(SupportCols.ORDER),
    )
    calls = pd.DataFrame(
        [
            {
                **dict.fromkeys(CallCols.ORDER, ""),
                CallCols.MOLECULE_CHEMBL_ID: "CHEMBL1",
                CallCols.LABEL: "E",
                CallCols.GENE_SYMBOL: gene,
                CallCols.DIRECTION: direction,
            }
            for gene, _rows, direction, *_rest in STATES
            if direction is not None
        ],
        columns=list(CallCols.ORDER),
    )
    targets = pd.DataFrame(
        [
            {
                **dict.fromkeys(TargetCols.ORDER, ""),
                TargetCols.LABEL: "E" if gene != "G7" else "F",
                TargetCols.GENE_SYMBOL: gene,
                TargetCols.TARGET_CHEMBL_ID: f"T_{gene}",
                TargetCols.STATUS: "resolved",
            }
            for gene in STATE_GENES
        ]
        + [
            {
                **dict.fromkeys(TargetCols.ORDER, ""),
                TargetCols.LABEL: "F",
                TargetCols.GENE_SYMBOL: "G8",
                TargetCols.STATUS: "unresolved",
            }
        ]
    )
    ranked = pd.DataFrame(
        [
            # scope, key, rank, molecule, name
            ("entry", "E", 1, "CHEMBL1", "ONE"),
            ("strategy", "senolytic", 3, "CHEMBL1", "ONE"),
            ("entry", "E", 3, "CHEMBL3", "THIRD"),  # beyond the top 2: not shown
            ("gene", "G1", 1, "CHEMBL4", "GENE ONLY"),  # the gene scope does not select
            ("entry", "F", 2, "CHEMBL2", "TWO"),
        ],
        columns=["scope", "key", "rank", "molecule_chembl_id", "pref_name"],
    )
    return ranked, calls, evidence, support, targets


def test_selectivity_states() -> None:
    ranked, calls, evidence, support, targets = _selectivity_inputs()
    table = selectivity(ranked, calls, evidence, support, targets, 2, SETTINGS.thresholds)
    assert list(table.columns) == list(SelectivityCols.ORDER)
    one = table[table[SelectivityCols.MOLECULE_CHEMBL_ID] == "CHEMBL1"]
    got = [
        (r.gene_symbol, r.state, r.best_pchembl, r.n_assays, r.direction) for r in one.itertuples()
    ]
    expected = [
        (gene, state, best, n, direction or "") for gene, _rows, direction, state, best, n in STATES
    ]
    assert [g[:2] for g in got] == [e[:2] for e in expected]
    for g, e in zip(got, expected, strict=True):
        got_best, expected_best = float(g[2]), float(e[2])  # type: ignore[arg-type]
        assert got_best == expected_best or (math.isnan(got_best) and math.isnan(expected_best)), g
        assert g[3:] == e[3:], g
    assert set(SelectivityCols.STATES) == {e[1] for e in expected}
    assert list(one[SelectivityCols.CENSORED_INACTIVE]) == [0, 0, 3, 0, 0, 0, 0]
    assert list(one[SelectivityCols.ENTRIES]) == ["E"] * 6 + ["F"]


def test_selectivity_compounds_are_the_top_of_entries_and_strategies() -> None:
    ranked, calls, evidence, support, targets = _selectivity_inputs()
    table = selectivity(ranked, calls, evidence, support, targets, 2, SETTINGS.thresholds)
    compounds = list(dict.fromkeys(table[SelectivityCols.MOLECULE_CHEMBL_ID]))
    assert compounds == ["CHEMBL1", "CHEMBL2"]  # first appearance; CHEMBL3 is 3rd, CHEMBL4 a gene
    assert list(dict.fromkeys(table[SelectivityCols.TOP_OF])) == ["entry:E", "entry:F"]
    # every resolved gene once per compound (G8 is unresolved); CHEMBL2 has no evidence at all
    assert list(table[SelectivityCols.GENE_SYMBOL]) == list(STATE_GENES) * 2
    two = table[table[SelectivityCols.MOLECULE_CHEMBL_ID] == "CHEMBL2"]
    assert set(two[SelectivityCols.STATE]) == {"not_tested"}
    wider = selectivity(ranked, calls, evidence, support, targets, 3, SETTINGS.thresholds)
    assert list(dict.fromkeys(wider[SelectivityCols.TOP_OF])) == [
        "entry:E;strategy:senolytic",
        "entry:E",
        "entry:F",
    ]
