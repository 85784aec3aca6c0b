"""classify: direction-aware calls from aggregated evidence (hand-built tables), and the
mechanism-partner cases of the fixture through the stages (FKBP1A for MTOR)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest

from senotarget.config import Thresholds, load_settings
from senotarget.panels.load import parse_panel
from senotarget.schema import (
    MECHANISM_ONLY,
    ActionTypeCols,
    CallCols,
    CandidateCols,
    EvidenceCols,
    MechanismPartner,
    Panel,
    PanelEntry,
    SupportCols,
    TargetCols,
)
from senotarget.sources.sql import SqlSource
from senotarget.stages.aggregate import aggregate_evidence
from senotarget.stages.chemistry import standardise
from senotarget.stages.classify import action_signs, classify_calls
from senotarget.stages.curate import flag_activities, flag_groups
from senotarget.stages.fetch import Evidence, fetch_evidence
from senotarget.stages.parents import assign_parents
from senotarget.stages.resolve import resolve_targets
from senotarget.stages.score import score_candidates
from tests.chembl_fixture import PARTNER_PANEL_TOML, build_chembl_db

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
        PanelEntry("shared", ("GENEM",), ("senomorphic", "senoreverter"), "inhibit", "", "c"),
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
        {
            TargetCols.LABEL: "shared",
            TargetCols.GENE_SYMBOL: "GENEM",
            TargetCols.STRATEGIES: "senomorphic;senoreverter",
            TargetCols.DIRECTION: "inhibit",
            TargetCols.TARGET_CHEMBL_ID: "CHEMBL3",
            TargetCols.TARGET_TYPE: "SINGLE PROTEIN",
            TargetCols.STATUS: "resolved",
            TargetCols.CAUTION: "",
            TargetCols.TARGET_PREF_NAME: "M",
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
        ("action_type", "activity_action_type", True, 7.0),
    ),
    (
        "unlisted degrader action type is negative",
        [evidence_row("CHEMBL1", "DC50", 7.0, activity_action_type="DEGRADER")],
        "GENEI",
        ("action_type", "activity_action_type", True, 7.0),
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


# -- the label rules, one exact call row per (compound, entry, gene) ------------------------------
#
# Evidence rows have the shapes aggregate_evidence writes for the fixture's compounds (the
# comment names the one each case mirrors); the expected rows list every CallCols column.

ON_INHIB = {
    CallCols.LABEL: "inhib",
    CallCols.GENE_SYMBOL: "GENEI",
    CallCols.STRATEGIES: "senolytic",
    CallCols.WANTED: "inhibit",
    CallCols.CAUTION: "",
    CallCols.TARGET_IDS: "CHEMBL1",
}
ON_ACTIV = {
    CallCols.LABEL: "activ",
    CallCols.GENE_SYMBOL: "GENEA",
    CallCols.STRATEGIES: "senoreverter",
    CallCols.WANTED: "activate",
    CallCols.CAUTION: "careful",
    CallCols.TARGET_IDS: "CHEMBL2",
}
ON_SHARED = {
    CallCols.LABEL: "shared",
    CallCols.GENE_SYMBOL: "GENEM",
    CallCols.STRATEGIES: "senomorphic;senoreverter",
    CallCols.WANTED: "inhibit",
    CallCols.CAUTION: "",
    CallCols.TARGET_IDS: "CHEMBL3",
}


def expected_call(on: Mapping[str, object], **values: object) -> dict[str, object]:
    """A full expected call row: no call, no evidence counted, unless ``values`` say otherwise."""
    row: dict[str, object] = {
        CallCols.MOLECULE_CHEMBL_ID: "CHEMBL100",
        CallCols.LABEL: None,
        CallCols.GENE_SYMBOL: None,
        CallCols.STRATEGIES: None,
        CallCols.WANTED: None,
        CallCols.DIRECTION: "",
        CallCols.DIRECTION_SOURCE: "",
        CallCols.ACTION_TYPES: "",
        CallCols.BEST_PCHEMBL: None,
        CallCols.BEST_TYPE: "",
        CallCols.N_ASSAYS: 0,
        CallCols.N_DOCUMENTS: 0,
        CallCols.HAS_MECHANISM: False,
        CallCols.MEETS_POTENCY: False,
        CallCols.INACTIVE_ONLY: False,
        CallCols.QUALIFIES: False,
        CallCols.EVIDENCE_TEXT: None,
        CallCols.CAUTION: None,
        CallCols.FLAGS: "",
        CallCols.TARGET_IDS: None,
    }
    assert list(row) == list(CallCols.ORDER)
    unknown = set(on) | set(values)
    assert unknown <= set(row), unknown - set(row)
    return {**row, **on, **values}


def _call_records(calls: pd.DataFrame) -> list[dict[str, object]]:
    """Call rows as plain dicts: NaN as None, numpy scalars as Python ones."""
    records = []
    for row in calls.to_dict("records"):
        records.append(
            {
                str(k): None
                if isinstance(v, float) and math.isnan(v)
                else (v.item() if hasattr(v, "item") else v)
                for k, v in row.items()
            }
        )
    return records


Support = list[tuple[str, str, str]]
LABEL_RULES: list[tuple[str, list[dict[str, object]], Support, list[dict[str, object]]]] = [
    (
        "inhibitor mechanism on a pro-survival target: senolytic candidate",  # BCLINIB
        [
            evidence_row(
                "CHEMBL1",
                "IC50",
                8.0,
                action_type="INHIBITOR",
                mechanism_action_type="INHIBITOR",
                mechanism_of_action="Bcl-2 inhibitor",
                mechanism_molecules="CHEMBL100",
            )
        ],
        [("CHEMBL1", "A1", "D1"), ("CHEMBL1", "A2", "D2")],
        [
            expected_call(
                ON_INHIB,
                direction="mechanism",
                direction_source="drug_mechanism",
                action_types="INHIBITOR",
                best_pchembl=8.0,
                best_standard_type="IC50",
                n_assays=2,
                n_documents=2,
                has_mechanism=True,
                meets_potency=True,
                qualifies=True,
                evidence_text="inhibits GENEI (median pIC50 8.0, 2 assays, mechanism: INHIBITOR)",
            )
        ],
    ),
    (
        "the same potency without a mechanism: inferred inhibition",  # QUERCETIN
        [evidence_row("CHEMBL1", "IC50", 8.0)],
        [("CHEMBL1", "A1", "D1")],
        [
            expected_call(
                ON_INHIB,
                direction="inferred",
                direction_source="inferred_inhibition",
                best_pchembl=8.0,
                best_standard_type="IC50",
                n_assays=1,
                n_documents=1,
                meets_potency=True,
                qualifies=True,
                evidence_text="inhibits GENEI (median pIC50 8.0, 1 assay, inferred inhibition)",
            )
        ],
    ),
    (
        "agonist mechanism on a pro-survival target: contrary, no label",  # MTORACT on BCL2
        [
            evidence_row(
                "CHEMBL1",
                MECHANISM_ONLY,
                NAN,
                action_type="AGONIST",
                mechanism_action_type="AGONIST",
                mechanism_of_action="Bcl-2 agonist",
                mechanism_molecules="CHEMBL100",
                source_molecules="",
            )
        ],
        [],
        [
            expected_call(
                ON_INHIB,
                direction="contrary",
                direction_source="drug_mechanism",
                action_types="AGONIST",
                has_mechanism=True,
                evidence_text=(
                    "activates GENEI (mechanism: AGONIST) "
                    "[contrary: the panel wants GENEI inhibited]"
                ),
            )
        ],
    ),
    (
        "activator mechanism with a potent activation EC50: contrary, no label",  # MTORACT
        [
            evidence_row(
                "CHEMBL1",
                "EC50",
                6.52,
                action_type="ACTIVATOR",
                mechanism_action_type="ACTIVATOR",
                activation_assay=True,
                mechanism_molecules="CHEMBL100",
            )
        ],
        [("CHEMBL1", "A7", "D1")],
        [
            expected_call(
                ON_INHIB,
                direction="contrary",
                direction_source="drug_mechanism",
                action_types="ACTIVATOR",
                best_pchembl=6.52,
                best_standard_type="EC50",
                n_assays=1,
                n_documents=1,
                has_mechanism=True,
                meets_potency=True,
                evidence_text=(
                    "activates GENEI (median pEC50 6.5, 1 assay, mechanism: ACTIVATOR) "
                    "[contrary: the panel wants GENEI inhibited]"
                ),
            )
        ],
    ),
    (
        "potent inhibitor of an activate target: contrary, no label",  # NAMPTIN
        [evidence_row("CHEMBL2", "IC50", 9.0)],
        [("CHEMBL2", "A6", "D3")],
        [
            expected_call(
                ON_ACTIV,
                direction="contrary",
                direction_source="inferred_inhibition",
                best_pchembl=9.0,
                best_standard_type="IC50",
                n_assays=1,
                n_documents=1,
                meets_potency=True,
                evidence_text=(
                    "inhibits GENEA (median pIC50 9.0, 1 assay, inferred inhibition) "
                    "[contrary: the panel wants GENEA activated]"
                ),
            )
        ],
    ),
    (
        "activator mechanism on an activate target needs no potency",  # NAMPTACT (pEC50 5.7)
        [
            evidence_row(
                "CHEMBL2",
                "EC50",
                5.7,
                action_type="ACTIVATOR",
                mechanism_action_type="ACTIVATOR",
                mechanism_molecules="CHEMBL100",
            )
        ],
        [("CHEMBL2", "A6", "D3")],
        [
            expected_call(
                ON_ACTIV,
                direction="mechanism",
                direction_source="drug_mechanism",
                action_types="ACTIVATOR",
                best_pchembl=5.7,
                best_standard_type="EC50",
                n_assays=1,
                n_documents=1,
                has_mechanism=True,
                qualifies=True,
                evidence_text="activates GENEA (median pEC50 5.7, 1 assay, mechanism: ACTIVATOR)",
            )
        ],
    ),
    (
        "one potency, two entries: inhibit candidate, activate contrary",
        [evidence_row("CHEMBL1", "IC50", 9.0), evidence_row("CHEMBL2", "IC50", 9.0)],
        [],
        [
            expected_call(
                ON_INHIB,
                direction="inferred",
                direction_source="inferred_inhibition",
                best_pchembl=9.0,
                best_standard_type="IC50",
                meets_potency=True,
                qualifies=True,
                evidence_text="inhibits GENEI (median pIC50 9.0, inferred inhibition)",
            ),
            expected_call(
                ON_ACTIV,
                direction="contrary",
                direction_source="inferred_inhibition",
                best_pchembl=9.0,
                best_standard_type="IC50",
                meets_potency=True,
                evidence_text=(
                    "inhibits GENEA (median pIC50 9.0, inferred inhibition) "
                    "[contrary: the panel wants GENEA activated]"
                ),
            ),
        ],
    ),
    (
        "activity-level inhibitor at the potency threshold: the action_type tier",
        [
            evidence_row(
                "CHEMBL1", "IC50", 6.0, action_type="INHIBITOR", activity_action_type="INHIBITOR"
            )
        ],
        [],
        [
            expected_call(
                ON_INHIB,
                direction="action_type",
                direction_source="activity_action_type",
                action_types="INHIBITOR",
                best_pchembl=6.0,
                best_standard_type="IC50",
                meets_potency=True,
                qualifies=True,
                evidence_text="inhibits GENEI (median pIC50 6.0, activity action type: INHIBITOR)",
            )
        ],
    ),
    (
        "activity-level activator on an inhibit target: contrary, no label",
        [
            evidence_row(
                "CHEMBL1", "EC50", 7.0, action_type="ACTIVATOR", activity_action_type="ACTIVATOR"
            )
        ],
        [],
        [
            expected_call(
                ON_INHIB,
                direction="contrary",
                direction_source="activity_action_type",
                action_types="ACTIVATOR",
                best_pchembl=7.0,
                best_standard_type="EC50",
                meets_potency=True,
                evidence_text=(
                    "activates GENEI (median pEC50 7.0, activity action type: ACTIVATOR) "
                    "[contrary: the panel wants GENEI inhibited]"
                ),
            )
        ],
    ),
    (
        "a shared target's call carries both strategies",
        [evidence_row("CHEMBL3", "Ki", 7.0)],
        [],
        [
            expected_call(
                ON_SHARED,
                direction="inferred",
                direction_source="inferred_inhibition",
                best_pchembl=7.0,
                best_standard_type="Ki",
                meets_potency=True,
                qualifies=True,
                evidence_text="inhibits GENEM (median pKi 7.0, inferred inhibition)",
            )
        ],
    ),
    (
        "censored values only: no call",  # CHEMBL900008
        [evidence_row("CHEMBL1", "IC50", NAN, censored_inactive=2, flags="censored_inactive")],
        [("CHEMBL1", "A5", "D3")],
        [
            expected_call(
                ON_INHIB,
                n_assays=1,
                n_documents=1,
                inactive_only=True,
                flags="censored_inactive",
                evidence_text="weak or inactive on GENEI (1 assay, inactive-side values only)",
            )
        ],
    ),
    (
        "'Not Active' comments only: no call",  # CHEMBL900009
        [
            evidence_row(
                "CHEMBL1",
                "IC50",
                NAN,
                censored_inactive=1,
                flags="confidence_unknown;inactive_comment",
            )
        ],
        [("CHEMBL1", "A4", "D1")],
        [
            expected_call(
                ON_INHIB,
                n_assays=1,
                n_documents=1,
                inactive_only=True,
                flags="confidence_unknown;inactive_comment",
                evidence_text="weak or inactive on GENEI (1 assay, inactive-side values only)",
            )
        ],
    ),
    (
        "inactive-side values beside a mechanism: the mechanism decides",
        [
            evidence_row(
                "CHEMBL1",
                "IC50",
                NAN,
                censored_inactive=2,
                action_type="INHIBITOR",
                mechanism_action_type="INHIBITOR",
                mechanism_molecules="CHEMBL100",
            )
        ],
        [],
        [
            expected_call(
                ON_INHIB,
                direction="mechanism",
                direction_source="drug_mechanism",
                action_types="INHIBITOR",
                has_mechanism=True,
                qualifies=True,
                evidence_text="inhibits GENEI (mechanism: INHIBITOR)",
            )
        ],
    ),
    (
        "weak potency: no call",  # CHEMBL900010
        [evidence_row("CHEMBL1", "IC50", 4.3, flags="confidence_unknown")],
        [("CHEMBL1", "A4", "D1")],
        [
            expected_call(
                ON_INHIB,
                best_pchembl=4.3,
                best_standard_type="IC50",
                n_assays=1,
                n_documents=1,
                flags="confidence_unknown",
                evidence_text="weak or inactive on GENEI (median pIC50 4.3, 1 assay)",
            )
        ],
    ),
    (
        "just below the potency threshold: no call",
        [evidence_row("CHEMBL1", "IC50", 5.99)],
        [],
        [
            expected_call(
                ON_INHIB,
                best_pchembl=5.99,
                best_standard_type="IC50",
                evidence_text="weak or inactive on GENEI (median pIC50 6.0)",
            )
        ],
    ),
    (
        "at the potency threshold: inferred inhibition",
        [evidence_row("CHEMBL1", "IC50", 6.0)],
        [],
        [
            expected_call(
                ON_INHIB,
                direction="inferred",
                direction_source="inferred_inhibition",
                best_pchembl=6.0,
                best_standard_type="IC50",
                meets_potency=True,
                qualifies=True,
                evidence_text="inhibits GENEI (median pIC50 6.0, inferred inhibition)",
            )
        ],
    ),
    (
        "excluded rows only: no call",  # CHEMBL900012 (low confidence), CHEMBL900013
        [evidence_row("CHEMBL1", "IC50", NAN, n_excluded=1, flags="low_confidence")],
        [],
        [
            expected_call(
                ON_INHIB,
                flags="low_confidence",
                evidence_text="weak or inactive on GENEI (1 measurement excluded by curation)",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("rows", "support", "expected"),
    [c[1:] for c in LABEL_RULES],
    ids=[c[0] for c in LABEL_RULES],
)
def test_label_rules(
    rows: list[dict[str, object]], support: Support, expected: list[dict[str, object]]
) -> None:
    evidence = pd.DataFrame(rows, columns=list(EvidenceCols.ORDER))
    support_table = pd.DataFrame(
        [("CHEMBL100", *s) for s in support], columns=list(SupportCols.ORDER)
    )
    calls = classify_calls(
        evidence, support_table, TARGETS, PANEL, action_signs(LOOKUP), Thresholds()
    )
    assert list(calls.columns) == list(CallCols.ORDER)
    assert _call_records(calls) == expected


@pytest.mark.parametrize(
    ("active_pchembl", "direction"),
    [(6.0, "inferred"), (7.0, "inferred"), (7.01, ""), (8.0, "")],
    ids=["default", "at the threshold", "just above", "far above"],
)
def test_potency_threshold_comes_from_the_settings(active_pchembl: float, direction: str) -> None:
    evidence = pd.DataFrame(
        [evidence_row("CHEMBL1", "IC50", 7.0)], columns=list(EvidenceCols.ORDER)
    )
    calls = classify_calls(
        evidence,
        pd.DataFrame(columns=list(SupportCols.ORDER)),
        TARGETS,
        PANEL,
        action_signs(LOOKUP),
        Thresholds(active_pchembl=active_pchembl),
    )
    row = calls.iloc[0]
    assert (
        row[CallCols.DIRECTION],
        bool(row[CallCols.MEETS_POTENCY]),
        bool(row[CallCols.QUALIFIES]),
    ) == (direction, direction == "inferred", direction == "inferred")


@pytest.mark.parametrize(
    ("median", "direction", "caution"),
    [
        (9.0, "contrary", "NAMPT-like note"),  # an inhibitor of an activate target: the note
        (float("nan"), "", "careful"),  # no call: the entry's own caution
    ],
    ids=["contrary call takes the contrary note", "no call keeps the caution"],
)
def test_contrary_note_replaces_the_caution_on_contrary_calls(
    median: float, direction: str, caution: str
) -> None:
    entries = tuple(
        replace(e, contrary_note="NAMPT-like note") if e.label == "activ" else e
        for e in PANEL.entries
    )
    panel = replace(PANEL, entries=entries)
    rows = [evidence_row("CHEMBL2", "IC50", median)]
    evidence = pd.DataFrame(rows, columns=list(EvidenceCols.ORDER))
    support = pd.DataFrame(columns=list(SupportCols.ORDER))
    calls = classify_calls(evidence, support, TARGETS, panel, action_signs(LOOKUP), Thresholds())
    activ = calls[calls[CallCols.GENE_SYMBOL] == "GENEA"]
    assert activ[[CallCols.DIRECTION, CallCols.CAUTION]].values.tolist() == [[direction, caution]]


# -- mechanism partners (FKBP1A for MTOR) and the kind of ligand -----------------------------------

#: PANEL with a conditional partner for GENEI and an unconditional one for GENEA.
PARTNER_PANEL = Panel(
    "t",
    (
        replace(
            PANEL.entries[0],
            partners=(
                MechanismPartner(
                    "PARTP",
                    "GENEI",
                    "inhibition via P",
                    "rapamycin_site",
                    "doc",
                    "ATP-competitive: not a rapamycin-site ligand",
                ),
            ),
        ),
        replace(
            PANEL.entries[1], partners=(MechanismPartner("PARTQ", "GENEA", "via Q", None, "doc"),)
        ),
        PANEL.entries[2],
    ),
    "test",
)
#: TARGETS plus the partners' single proteins, as resolve writes them (gene: the one they act on).
PARTNER_TARGETS = pd.concat(
    [
        TARGETS.assign(partner="", partner_requires=""),
        pd.DataFrame(
            [
                {
                    **TARGETS.iloc[0].to_dict(),
                    TargetCols.TARGET_CHEMBL_ID: "CHEMBL50",
                    TargetCols.TARGET_PREF_NAME: "P",
                    TargetCols.PARTNER: "PARTP",
                    TargetCols.PARTNER_REQUIRES: "rapamycin_site",
                },
                {
                    **TARGETS.iloc[2].to_dict(),
                    TargetCols.TARGET_CHEMBL_ID: "CHEMBL51",
                    TargetCols.TARGET_PREF_NAME: "Q",
                    TargetCols.PARTNER: "PARTQ",
                    TargetCols.PARTNER_REQUIRES: "",
                },
            ]
        ),
    ],
    ignore_index=True,
)
VIA_P = "inhibition via P (mechanism on PARTP: INHIBITOR)"
#: (case, evidence rows, gene, direction, direction_source, qualifies, best, evidence text)
PARTNER_CASES: list[tuple[str, list[dict[str, object]], str, str, str, bool, float, str]] = [
    (
        "partner inhibitor record only",
        [evidence_row("CHEMBL50", MECHANISM_ONLY, NAN, mechanism_action_type="INHIBITOR")],
        "GENEI",
        "mechanism",
        "drug_mechanism_via_PARTP",
        True,
        NAN,
        f"inhibits GENEI ({VIA_P})",
    ),
    (
        "partner record and weak direct potency",
        [
            evidence_row("CHEMBL50", MECHANISM_ONLY, NAN, mechanism_action_type="INHIBITOR"),
            evidence_row("CHEMBL1", "IC50", 5.7),
        ],
        "GENEI",
        "mechanism",
        "drug_mechanism_via_PARTP",
        True,
        5.7,
        f"inhibits GENEI (median pIC50 5.7, {VIA_P})",  # no support rows: no assay count
    ),
    (
        "a direct record names the direct source",
        [
            evidence_row("CHEMBL50", MECHANISM_ONLY, NAN, mechanism_action_type="INHIBITOR"),
            evidence_row("CHEMBL1", MECHANISM_ONLY, NAN, mechanism_action_type="INHIBITOR"),
        ],
        "GENEI",
        "mechanism",
        "drug_mechanism",
        True,
        NAN,
        f"inhibits GENEI (mechanism: INHIBITOR, {VIA_P})",
    ),
    (
        "a partner record that is no inhibition counts for nothing",
        [
            evidence_row("CHEMBL50", MECHANISM_ONLY, NAN, mechanism_action_type="ACTIVATOR"),
            evidence_row("CHEMBL1", "IC50", 7.0),
        ],
        "GENEI",
        "inferred",
        "inferred_inhibition",
        True,
        7.0,
        "inhibits GENEI (median pIC50 7.0, inferred inhibition)",
    ),
    (
        "measurements on a partner's target never count",
        [evidence_row("CHEMBL50", "Ki", 9.4)],
        "GENEI",
        "",
        "",
        False,
        NAN,
        "weak or inactive on GENEI ()",
    ),
    (
        "partner inhibition of an activate target is contrary",
        [evidence_row("CHEMBL51", MECHANISM_ONLY, NAN, mechanism_action_type="INHIBITOR")],
        "GENEA",
        "contrary",
        "drug_mechanism_via_PARTQ",
        False,
        NAN,
        (
            "inhibits GENEA (via Q (mechanism on PARTQ: INHIBITOR)) [contrary: the panel wants "
            "GENEA activated]"
        ),
    ),
]


@pytest.mark.parametrize(
    ("rows", "gene", "direction", "source", "qualifies", "best", "text"),
    [c[1:] for c in PARTNER_CASES],
    ids=[c[0] for c in PARTNER_CASES],
)
def test_partner_mechanism_calls(
    rows: list[dict[str, object]],
    gene: str,
    direction: str,
    source: str,
    qualifies: bool,
    best: float,
    text: str,
) -> None:
    evidence = pd.DataFrame(rows, columns=list(EvidenceCols.ORDER))
    support = pd.DataFrame(columns=list(SupportCols.ORDER))
    calls = classify_calls(
        evidence, support, PARTNER_TARGETS, PARTNER_PANEL, action_signs(LOOKUP), Thresholds()
    )
    (call,) = calls.to_dict("records")
    assert call[CallCols.GENE_SYMBOL] == gene
    assert (call[CallCols.DIRECTION], call[CallCols.DIRECTION_SOURCE]) == (direction, source)
    assert bool(call[CallCols.QUALIFIES]) is qualifies
    assert bool(call[CallCols.HAS_MECHANISM]) is (source.startswith("drug_mechanism"))
    got = call[CallCols.BEST_PCHEMBL]
    assert (math.isnan(best) and math.isnan(got)) or got == best
    assert call[CallCols.EVIDENCE_TEXT] == text


@dataclass(frozen=True)
class StagedRun:
    """The partner fixture through the pipeline's stages, calls with and without molecules."""

    targets: pd.DataFrame
    evidence: Evidence
    aggregated: pd.DataFrame
    calls: pd.DataFrame
    calls_without_molecules: pd.DataFrame
    candidates: pd.DataFrame


def run_partner_stages(root: Path) -> StagedRun:
    """resolve -> fetch -> curate -> chemistry -> parents -> aggregate -> classify -> score on the
    partner fixture (``build_chembl_db(partners=True)``, :data:`PARTNER_PANEL_TOML`), as
    :func:`senotarget.pipeline.run` chains them, classify also given the molecules."""
    db = build_chembl_db(root / "partner.sqlite", partners=True)
    panel = parse_panel(PARTNER_PANEL_TOML, source="fixture")
    settings = load_settings(
        env={}, source="sql", chembl_db=str(db), cache_dir=root / "cache", workers=1
    )
    thresholds = settings.thresholds
    source = SqlSource(str(db))
    try:
        targets = resolve_targets(panel, source.search_targets(panel.genes(), 9606), thresholds)
        fetched = fetch_evidence(source, targets)
    finally:
        source.close()
    curated = flag_activities(fetched.activities, targets, thresholds)
    chem = standardise(fetched.molecules, cache_dir=root / "structures", workers=1)
    parent_map = assign_parents(fetched.molecules, chem)
    aggregated, support = aggregate_evidence(
        flag_groups(curated, parent_map), parent_map, fetched.mechanisms, targets
    )
    signs = action_signs(fetched.action_types)
    calls = classify_calls(
        aggregated, support, targets, panel, signs, thresholds, molecules=fetched.molecules
    )
    plain = classify_calls(aggregated, support, targets, panel, signs, thresholds)
    candidates = score_candidates(
        calls, support, targets, fetched.molecules, parent_map, chem, panel, settings
    )
    return StagedRun(targets, fetched, aggregated, calls, plain, candidates)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> StagedRun:
    return run_partner_stages(tmp_path_factory.mktemp("staged"))


VIA_FKBP12 = "allosteric mTORC1 inhibition via FKBP12 (mechanism on FKBP1A: INHIBITOR)"
ATP_SITE = "ATP-competitive: not a rapamycin-site ligand"
RAPAMYCIN_SITE = "rapamycin-site ligand: allosteric mTORC1 inhibition via FKBP12"
#: mTOR calls of the partner fixture: (molecule, direction, direction_source, qualifies, evidence
#: text with the molecules, evidence text without them)
MTOR_CALLS: list[tuple[str, str, str, bool, str, str]] = [
    (
        "CHEMBL900005",  # MTORACT: an activator mechanism is contrary, whatever its structure
        "contrary",
        "drug_mechanism",
        False,
        (
            "activates MTOR (median pEC50 6.5, 1 assay, mechanism: ACTIVATOR) [contrary: the "
            "panel wants MTOR inhibited]"
        ),
        "",
    ),
    (
        "CHEMBL900011",  # MTORMAB: no structure, so the kind of ligand is not judged
        "mechanism",
        "drug_mechanism",
        True,
        "inhibits MTOR (mechanism: INHIBITOR)",
        "",
    ),
    (
        "CHEMBL900017",  # RAPALOG: its FKBP1A record counts; its FKBP12 SPA row is excluded
        "mechanism",
        "drug_mechanism_via_FKBP1A",
        True,
        f"inhibits MTOR (median pIC50 5.7, 1 assay, {VIA_FKBP12})",
        "",
    ),
    (
        "CHEMBL900018",  # TACROLIKE: FKBP12 binding rows excluded, FKBP1A record set aside
        "",
        "",
        False,
        "weak or inactive on MTOR (2 measurements excluded by curation)",
        "",
    ),
    (
        "CHEMBL900019",  # SLFLIKE: its censored FKBP12 row is not inactive-side on mTOR
        "",
        "",
        False,
        "weak or inactive on MTOR (1 measurement excluded by curation)",
        "",
    ),
    (
        "CHEMBL900020",  # TORKIN: direct potency, not a rapamycin-site ligand
        "inferred",
        "inferred_inhibition",
        True,
        f"inhibits MTOR (median pIC50 8.0, 1 assay, inferred inhibition, {ATP_SITE})",
        "inhibits MTOR (median pIC50 8.0, 1 assay, inferred inhibition)",
    ),
    (
        "CHEMBL900021",  # RIDALOG: direct potency of a rapalog; its BINDING AGENT record is none
        "inferred",
        "inferred_inhibition",
        True,
        f"inhibits MTOR (median pIC50 9.0, 1 assay, inferred inhibition, {RAPAMYCIN_SITE})",
        "inhibits MTOR (median pIC50 9.0, 1 assay, inferred inhibition)",
    ),
]


def test_partner_fixture_mtor_calls_are_these(staged: StagedRun) -> None:
    mtor = staged.calls[staged.calls[CallCols.LABEL] == "mTOR"]
    assert mtor[CallCols.MOLECULE_CHEMBL_ID].tolist() == [case[0] for case in MTOR_CALLS]
    assert set(mtor[CallCols.GENE_SYMBOL]) == {"MTOR"}  # never the partner's gene


@pytest.mark.parametrize(
    ("molecule", "direction", "source", "qualifies", "text", "plain"),
    MTOR_CALLS,
    ids=[case[0] for case in MTOR_CALLS],
)
def test_partner_fixture_mtor_call(
    staged: StagedRun,
    molecule: str,
    direction: str,
    source: str,
    qualifies: bool,
    text: str,
    plain: str,
) -> None:
    def one(calls: pd.DataFrame) -> dict[str, object]:
        (call,) = calls[
            (calls[CallCols.LABEL] == "mTOR") & (calls[CallCols.MOLECULE_CHEMBL_ID] == molecule)
        ].to_dict("records")
        return {str(k): v for k, v in call.items()}

    call = one(staged.calls)
    assert (call[CallCols.DIRECTION], call[CallCols.DIRECTION_SOURCE]) == (direction, source)
    assert bool(call[CallCols.QUALIFIES]) is qualifies
    assert call[CallCols.EVIDENCE_TEXT] == text
    assert one(staged.calls_without_molecules)[CallCols.EVIDENCE_TEXT] == (plain or text)


def test_tacrolimus_like_is_no_mtor_candidate_and_the_rapalog_is(staged: StagedRun) -> None:
    mtor = staged.candidates[staged.candidates[CandidateCols.TARGETS] == "MTOR"]
    chosen = mtor[mtor[CandidateCols.IS_CANDIDATE]]
    assert "CHEMBL900018" not in set(staged.candidates[CandidateCols.MOLECULE_CHEMBL_ID])
    rapalog = chosen[chosen[CandidateCols.MOLECULE_CHEMBL_ID] == "CHEMBL900017"]
    assert sorted(rapalog[CandidateCols.STRATEGY]) == ["senomorphic", "senoreverter"]
    assert set(rapalog[CandidateCols.DIRECTION]) == {"mechanism"}
