"""classify: direction-aware calls from aggregated evidence (hand-built tables)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from senotarget.config import Thresholds
from senotarget.schema import (
    MECHANISM_ONLY,
    ActionTypeCols,
    CallCols,
    EvidenceCols,
    Panel,
    PanelEntry,
    SupportCols,
    TargetCols,
)
from senotarget.stages.classify import action_signs, classify_calls

LOOKUP = pd.DataFrame(
    [
        ("INHIBITOR", "NEGATIVE MODULATOR"),
        ("ACTIVATOR", "POSITIVE MODULATOR"),
        ("AGONIST", "POSITIVE MODULATOR"),
        ("BINDING AGENT", "OTHER"),
    ],
    columns=list(ActionTypeCols.ORDER),
)
PANEL = Panel(
    "t",
    (
        PanelEntry("inhib", ("GENEI",), ("senolytic",), "inhibit", "", "c"),
        PanelEntry("activ", ("GENEA",), ("senoreverter",), "activate", "", "c", caution="careful"),
    ),
    "test",
)
TARGETS = pd.DataFrame(
    [
        {
            TargetCols.LABEL: "inhib",
            TargetCols.GENE_SYMBOL: "GENEI",
            TargetCols.STRATEGIES: "senolytic",
            TargetCols.DIRECTION: "inhibit",
            TargetCols.TARGET_CHEMBL_ID: "CHEMBL1",
            TargetCols.TARGET_TYPE: "SINGLE PROTEIN",
            TargetCols.STATUS: "resolved",
            TargetCols.CAUTION: "",
            TargetCols.TARGET_PREF_NAME: "I",
        },
        {
            TargetCols.LABEL: "inhib",
            TargetCols.GENE_SYMBOL: "GENEI",
            TargetCols.STRATEGIES: "senolytic",
            TargetCols.DIRECTION: "inhibit",
            TargetCols.TARGET_CHEMBL_ID: "CHEMBL9",
            TargetCols.TARGET_TYPE: "PROTEIN FAMILY",
            TargetCols.STATUS: "resolved",
            TargetCols.CAUTION: "",
            TargetCols.TARGET_PREF_NAME: "Fam",
        },
        {
            TargetCols.LABEL: "activ",
            TargetCols.GENE_SYMBOL: "GENEA",
            TargetCols.STRATEGIES: "senoreverter",
            TargetCols.DIRECTION: "activate",
            TargetCols.TARGET_CHEMBL_ID: "CHEMBL2",
            TargetCols.TARGET_TYPE: "SINGLE PROTEIN",
            TargetCols.STATUS: "resolved",
            TargetCols.CAUTION: "careful",
            TargetCols.TARGET_PREF_NAME: "A",
        },
    ]
)


def evidence_row(
    target: str, standard_type: str, median: float, **extra: object
) -> dict[str, object]:
    row: dict[str, object] = {
        EvidenceCols.MOLECULE_CHEMBL_ID: "CHEMBL100",
        EvidenceCols.TARGET_CHEMBL_ID: target,
        EvidenceCols.GENE_SYMBOLS: "",
        EvidenceCols.STANDARD_TYPE: standard_type,
        EvidenceCols.MEDIAN_PCHEMBL: median,
        EvidenceCols.N_MEASUREMENTS: 0 if math.isnan(median) else 1,
        EvidenceCols.N_ASSAYS: 1,
        EvidenceCols.N_DOCUMENTS: 1,
        EvidenceCols.CENSORED_INACTIVE: 0,
        EvidenceCols.ACTION_TYPE: "",
        EvidenceCols.FLAGS: "",
        EvidenceCols.TARGET_TYPE: "",
        EvidenceCols.MECHANISM_ACTION_TYPE: "",
        EvidenceCols.ACTIVITY_ACTION_TYPE: "",
        EvidenceCols.N_ACTIVE_CENSORED: 0,
        EvidenceCols.N_EXCLUDED: 0,
        EvidenceCols.ACTIVATION_ASSAY: False,
        EvidenceCols.MECHANISM_OF_ACTION: "",
        EvidenceCols.MECHANISM_MOLECULES: "",
        EvidenceCols.SOURCE_MOLECULES: "CHEMBL100",
    }
    row.update(extra)
    return row


NAN = math.nan
CASES = [
    # id, evidence rows, gene, expected (direction, direction_source, qualifies, best_pchembl)
    (
        "mechanism inhibitor",
        [evidence_row("CHEMBL1", MECHANISM_ONLY, NAN, mechanism_action_type="INHIBITOR")],
        "GENEI",
        ("mechanism", "drug_mechanism", True, NAN),
    ),
    (
        "family mechanism reaches gene",
        [evidence_row("CHEMBL9", MECHANISM_ONLY, NAN, mechanism_action_type="INHIBITOR")],
        "GENEI",
        ("mechanism", "drug_mechanism", True, NAN),
    ),
    (
        "activator mechanism on inhibit target",
        [evidence_row("CHEMBL1", "EC50", 7.0, mechanism_action_type="ACTIVATOR")],
        "GENEI",
        ("contrary", "drug_mechanism", False, 7.0),
    ),
    (
        "agonist mechanism, potent IC50 too",
        [evidence_row("CHEMBL1", "IC50", 8.0, mechanism_action_type="AGONIST")],
        "GENEI",
        ("contrary", "drug_mechanism", False, 8.0),
    ),
    (
        "binding agent falls back to potency",
        [evidence_row("CHEMBL1", "IC50", 7.0, mechanism_action_type="BINDING AGENT")],
        "GENEI",
        ("inferred", "inferred_inhibition", True, 7.0),
    ),
    (
        "inferred inhibition",
        [evidence_row("CHEMBL1", "IC50", 7.5)],
        "GENEI",
        ("inferred", "inferred_inhibition", True, 7.5),
    ),
    (
        "weak inhibition gives no call",
        [evidence_row("CHEMBL1", "IC50", 5.0)],
        "GENEI",
        ("", "", False, 5.0),
    ),
    (
        "threshold is inclusive",
        [evidence_row("CHEMBL1", "Ki", 6.0)],
        "GENEI",
        ("inferred", "inferred_inhibition", True, 6.0),
    ),
    (
        "censored only gives no call",
        [evidence_row("CHEMBL1", "IC50", NAN, censored_inactive=3)],
        "GENEI",
        ("", "", False, NAN),
    ),
    (
        "activity action type needs potency",
        [evidence_row("CHEMBL1", "IC50", 5.5, activity_action_type="INHIBITOR")],
        "GENEI",
        ("", "", False, 5.5),
    ),
    (
        "activity action type with potency",
        [evidence_row("CHEMBL1", "IC50", 7.0, activity_action_type="INHIBITOR")],
        "GENEI",
        ("mechanism", "activity_action_type", True, 7.0),
    ),
    (
        "unlisted degrader action type is negative",
        [evidence_row("CHEMBL1", "DC50", 7.0, activity_action_type="DEGRADER")],
        "GENEI",
        ("mechanism", "activity_action_type", True, 7.0),
    ),
    (
        "inhibitor of activate target is contrary",
        [evidence_row("CHEMBL2", "IC50", 9.0)],
        "GENEA",
        ("contrary", "inferred_inhibition", False, 9.0),
    ),
    (
        "EC50 without activation assay gives nothing",
        [evidence_row("CHEMBL2", "EC50", 7.0)],
        "GENEA",
        ("", "", False, 7.0),
    ),
    (
        "activation assay EC50 is inferred activation",
        [evidence_row("CHEMBL2", "EC50", 7.0, activation_assay=True)],
        "GENEA",
        ("inferred", "inferred_activation", True, 7.0),
    ),
    (
        "activator mechanism on activate target",
        [evidence_row("CHEMBL2", MECHANISM_ONLY, NAN, mechanism_action_type="ACTIVATOR")],
        "GENEA",
        ("mechanism", "drug_mechanism", True, NAN),
    ),
    (
        "inhibitor mechanism on activate target",
        [evidence_row("CHEMBL2", MECHANISM_ONLY, NAN, mechanism_action_type="INHIBITOR")],
        "GENEA",
        ("contrary", "drug_mechanism", False, NAN),
    ),
]


@pytest.mark.parametrize(
    ("rows", "gene", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_direction_calls(
    rows: list[dict[str, object]], gene: str, expected: tuple[str, str, bool, float]
) -> None:
    evidence = pd.DataFrame(rows, columns=list(EvidenceCols.ORDER))
    support = pd.DataFrame(columns=list(SupportCols.ORDER))
    calls = classify_calls(evidence, support, TARGETS, PANEL, action_signs(LOOKUP), Thresholds())
    assert list(calls.columns) == list(CallCols.ORDER)
    assert len(calls) == 1
    call = calls.iloc[0]
    assert call[CallCols.GENE_SYMBOL] == gene
    direction, source, qualifies, best = expected
    assert (
        call[CallCols.DIRECTION],
        call[CallCols.DIRECTION_SOURCE],
        bool(call[CallCols.QUALIFIES]),
    ) == (
        direction,
        source,
        qualifies,
    )
    assert (math.isnan(best) and math.isnan(call[CallCols.BEST_PCHEMBL])) or call[
        CallCols.BEST_PCHEMBL
    ] == best


def test_family_evidence_counts_assays_once_per_gene() -> None:
    evidence = pd.DataFrame(
        [evidence_row("CHEMBL1", "IC50", 8.0), evidence_row("CHEMBL9", "IC50", 7.0)],
        columns=list(EvidenceCols.ORDER),
    )
    support = pd.DataFrame(
        [("CHEMBL100", "CHEMBL1", "A1", "D1"), ("CHEMBL100", "CHEMBL9", "A2", "D1")],
        columns=list(SupportCols.ORDER),
    )
    calls = classify_calls(evidence, support, TARGETS, PANEL, action_signs(LOOKUP), Thresholds())
    call = calls.iloc[0]
    assert (call[CallCols.N_ASSAYS], call[CallCols.N_DOCUMENTS]) == (2, 1)
    assert call[CallCols.TARGET_IDS] == "CHEMBL1;CHEMBL9"
    assert (
        call[CallCols.EVIDENCE_TEXT]
        == "inhibits GENEI (median pIC50 8.0, 2 assays, inferred inhibition)"
    )


@pytest.mark.parametrize(
    ("mechanism", "expected_text"),
    [
        (
            "INHIBITOR",
            (
                "inhibits GENEI (mechanism: INHIBITOR on Fam (protein family CHEMBL9), "
                "recorded on CHEMBL555)"
            ),
        ),
        (
            "AGONIST",
            (
                "activates GENEI (mechanism: AGONIST on Fam (protein family CHEMBL9), "
                "recorded on CHEMBL555) [contrary: the panel wants GENEI inhibited]"
            ),
        ),
    ],
)
def test_evidence_text_names_family_and_salt(mechanism: str, expected_text: str) -> None:
    row = evidence_row(
        "CHEMBL9",
        MECHANISM_ONLY,
        NAN,
        mechanism_action_type=mechanism,
        mechanism_molecules="CHEMBL555",
        n_assays=0,
        source_molecules="",
    )
    evidence = pd.DataFrame([row], columns=list(EvidenceCols.ORDER))
    support = pd.DataFrame(columns=list(SupportCols.ORDER))
    calls = classify_calls(evidence, support, TARGETS, PANEL, action_signs(LOOKUP), Thresholds())
    assert calls.iloc[0][CallCols.EVIDENCE_TEXT] == expected_text


def test_lookup_overrides_shipped_signs() -> None:
    signs = action_signs(pd.DataFrame([("DEGRADER", "OTHER")], columns=list(ActionTypeCols.ORDER)))
    assert (signs["DEGRADER"], signs["INVERSE AGONIST"], signs["PARTIAL AGONIST"]) == (
        "other",
        "negative",
        "positive",
    )


def test_no_evidence_on_panel_targets_gives_empty_table() -> None:
    evidence = pd.DataFrame(
        [evidence_row("CHEMBL404", "IC50", 9.0)], columns=list(EvidenceCols.ORDER)
    )
    calls = classify_calls(
        evidence,
        pd.DataFrame(columns=list(SupportCols.ORDER)),
        TARGETS,
        PANEL,
        action_signs(LOOKUP),
        Thresholds(),
    )
    assert calls.empty and list(calls.columns) == list(CallCols.ORDER)
