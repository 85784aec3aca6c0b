"""Tests of resolving panel genes to ChEMBL targets (single proteins, complexes, families)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from senotarget.config import Thresholds
from senotarget.schema import (
    AssayExclusion,
    ComponentCols,
    MechanismPartner,
    Panel,
    PanelEntry,
    TargetCols,
)
from senotarget.stages.resolve import (
    confidence_threshold,
    own_targets,
    partner_targets,
    resolve_targets,
    resolved_only,
)

PANEL = Panel(
    name="test",
    source="test",
    entries=(
        PanelEntry(
            label="BCL-2 family",
            genes=("BCL2", "FAKE1"),
            strategies=("senolytic",),
            direction="inhibit",
            pathway="apoptosis",
            citation="doc",
        ),
        PanelEntry(
            label="JAK-STAT",
            genes=("JAK1",),
            strategies=("senoreverter", "senomorphic"),
            direction="inhibit",
            pathway="JAK",
            citation="doc",
            caution="careful",
        ),
        PanelEntry(
            label="twins",
            genes=("GENEX",),
            strategies=("senolytic",),
            direction="activate",
            pathway="",
            citation="doc",
        ),
        PanelEntry(
            label="aliases",
            genes=("BCL2L1", "Q07817"),
            strategies=("senolytic",),
            direction="inhibit",
            pathway="",
            citation="doc",
        ),
    ),
)

S, FAM, CPX = "SINGLE PROTEIN", "PROTEIN FAMILY", "PROTEIN COMPLEX"

#: Source rows in ComponentCols.ORDER (query, target, type, name, tax, accession, symbol, matched
#: by, n components).
COMPONENTS = pd.DataFrame(
    [
        ("BCL2", "CHEMBL4860", S, "Bcl-2", 9606, "P10415", "BCL2", "gene_symbol", 1),
        ("JAK1", "CHEMBL2835", S, "JAK1", 9606, "P23458", "JAK1", "gene_symbol", 1),
        ("JAK1", "CHEMBL2363062", FAM, "JAK family", 9606, "P23458", "JAK1", "gene_symbol", 4),
        ("JAK1", "CHEMBL3301390", CPX, "JAK1/JAK2", 9606, "P23458", "JAK1", "gene_symbol", 2),
        ("GENEX", "CHEMBL11", S, "X one", 9606, "P00001", "GENEX", "gene_symbol", 1),
        ("GENEX", "CHEMBL12", S, "X two", 9606, "P00002", "GENEX", "gene_symbol", 1),
        ("BCL2L1", "CHEMBL9999", S, "Other", 9606, "P99999", "OTHER", "gene_symbol_other", 1),
        ("BCL2L1", "CHEMBL4625", S, "Bcl-xL", 9606, "Q07817", "BCL2L1", "gene_symbol", 1),
        ("BCL2L1", "CHEMBL4625", S, "Bcl-xL", 9606, "Q07817", "BCL2L1", "gene_symbol_other", 1),
        ("Q07817", "CHEMBL4625", S, "Bcl-xL", 9606, "Q07817", "BCL2L1", "accession", 1),
    ],
    columns=list(ComponentCols.ORDER),
)

NO_TARGET = "no ChEMBL target component has gene symbol or accession {} in taxon 9606"

BCL2_ENTRY = {
    "label": "BCL-2 family",
    "strategies": "senolytic",
    "direction": "inhibit",
    "pathway": "apoptosis",
    "caution": "",
}
JAK_ENTRY = {
    "label": "JAK-STAT",
    "strategies": "senomorphic;senoreverter",
    "direction": "inhibit",
    "pathway": "JAK",
    "caution": "careful",
}
TWINS_ENTRY = {
    "label": "twins",
    "strategies": "senolytic",
    "direction": "activate",
    "pathway": "",
    "caution": "",
}
ALIASES_ENTRY = {**TWINS_ENTRY, "label": "aliases", "direction": "inhibit"}
BY_SYMBOL = "single protein matched by gene symbol"
TWIN = "GENEX matches several single-protein targets ({} too); not fetched"


def _row(entry: dict[str, str], gene: str, target: str, **values: Any) -> dict[str, Any]:
    """An expected targets row (TargetCols.ORDER) for a target with one matching component."""
    row: dict[str, Any] = {
        "label": entry["label"],
        "gene_symbol": gene,
        "strategies": entry["strategies"],
        "direction": entry["direction"],
        "target_chembl_id": target,
        "target_type": S,
        "status": "resolved",
        "reason": BY_SYMBOL,
        "target_pref_name": None,
        "accession": None,
        "matched_by": "gene_symbol",
        "n_components": 1,
        "confidence_min": 8,
        "pathway": entry["pathway"],
        "caution": entry["caution"],
        "partner": "",
        "partner_requires": "",
        "other_protein_assays": "",
        "other_protein_unless": "",
    }
    assert list(row) == list(TargetCols.ORDER)
    assert set(values) <= set(row), values
    return {**row, **values}


#: The expected rows, in order (None: a missing confidence_min).
EXPECTED: list[dict[str, Any]] = [
    _row(BCL2_ENTRY, "BCL2", "CHEMBL4860", target_pref_name="Bcl-2", accession="P10415"),
    _row(
        BCL2_ENTRY,
        "FAKE1",
        "",
        target_type="",
        status="unresolved",
        reason=NO_TARGET.format("FAKE1"),
        target_pref_name="",
        accession="",
        matched_by="",
        n_components=0,
        confidence_min=None,
    ),
    _row(JAK_ENTRY, "JAK1", "CHEMBL2835", target_pref_name="JAK1", accession="P23458"),
    _row(
        JAK_ENTRY,
        "JAK1",
        "CHEMBL2363062",
        target_type=FAM,
        reason="protein family of 4 components containing JAK1",
        target_pref_name="JAK family",
        accession="P23458",
        n_components=4,
        confidence_min=6,
    ),
    _row(
        JAK_ENTRY,
        "JAK1",
        "CHEMBL3301390",
        target_type=CPX,
        reason="protein complex of 2 components containing JAK1",
        target_pref_name="JAK1/JAK2",
        accession="P23458",
        n_components=2,
        confidence_min=6,
    ),
    _row(
        TWINS_ENTRY,
        "GENEX",
        "CHEMBL11",
        status="ambiguous",
        reason=TWIN.format("CHEMBL12"),
        target_pref_name="X one",
        accession="P00001",
    ),
    _row(
        TWINS_ENTRY,
        "GENEX",
        "CHEMBL12",
        status="ambiguous",
        reason=TWIN.format("CHEMBL11"),
        target_pref_name="X two",
        accession="P00002",
    ),
    # CHEMBL9999 (an alias match of another protein) is dropped: BCL2L1 has a symbol match.
    _row(ALIASES_ENTRY, "BCL2L1", "CHEMBL4625", target_pref_name="Bcl-xL", accession="Q07817"),
    _row(
        ALIASES_ENTRY,
        "Q07817",
        "CHEMBL4625",
        reason="single protein matched by accession",
        target_pref_name="Bcl-xL",
        accession="Q07817",
        matched_by="accession",
    ),
]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): None if v is pd.NA else v for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def test_resolve_targets_rows() -> None:
    targets = resolve_targets(PANEL, COMPONENTS, Thresholds())
    assert list(targets.columns) == list(TargetCols.ORDER)
    assert _records(targets) == EXPECTED
    assert targets[TargetCols.N_COMPONENTS].dtype == "int64"
    assert targets[TargetCols.CONFIDENCE_MIN].dtype == "Int64"


def test_resolved_only_keeps_resolved_rows() -> None:
    targets = resolved_only(resolve_targets(PANEL, COMPONENTS, Thresholds()))
    assert targets[TargetCols.TARGET_CHEMBL_ID].tolist() == [
        "CHEMBL4860",
        "CHEMBL2835",
        "CHEMBL2363062",
        "CHEMBL3301390",
        "CHEMBL4625",
        "CHEMBL4625",
    ]


def test_thresholds_and_taxon_come_from_settings() -> None:
    thresholds = Thresholds(confidence_single=9, confidence_group=5, tax_id=10090)
    targets = resolve_targets(PANEL, COMPONENTS, thresholds)
    by_target = dict(
        zip(targets[TargetCols.TARGET_CHEMBL_ID], targets[TargetCols.CONFIDENCE_MIN], strict=True)
    )
    assert by_target["CHEMBL4860"] == 9
    assert by_target["CHEMBL2363062"] == 5
    unresolved = targets[targets[TargetCols.STATUS] == "unresolved"]
    assert unresolved[TargetCols.REASON].tolist() == [
        "no ChEMBL target component has gene symbol or accession FAKE1 in taxon 10090"
    ]


#: (case, matched_by of two single-protein hits for gene G, expected statuses by target)
TWO_SINGLES: list[tuple[str, tuple[str, str], dict[str, str]]] = [
    ("both_gene_symbol", ("gene_symbol", "gene_symbol"), {"T1": "ambiguous", "T2": "ambiguous"}),
    ("symbol_and_alias", ("gene_symbol", "gene_symbol_other"), {"T1": "resolved"}),
    ("accession_and_alias", ("accession", "gene_symbol_other"), {"T1": "resolved"}),
    ("alias_and_symbol", ("gene_symbol_other", "gene_symbol"), {"T2": "resolved"}),
    (
        "both_alias",
        ("gene_symbol_other", "gene_symbol_other"),
        {"T1": "ambiguous", "T2": "ambiguous"},
    ),
]


@pytest.mark.parametrize(
    ("matched_by", "expected"),
    [case[1:] for case in TWO_SINGLES],
    ids=[case[0] for case in TWO_SINGLES],
)
def test_two_single_proteins(matched_by: tuple[str, str], expected: dict[str, str]) -> None:
    panel = Panel(
        name="g",
        source="g",
        entries=(
            PanelEntry(
                label="G",
                genes=("G",),
                strategies=("senolytic",),
                direction="inhibit",
                pathway="",
                citation="doc",
            ),
        ),
    )
    components = pd.DataFrame(
        [
            ("G", "T1", S, "one", 9606, "P00001", "G", matched_by[0], 1),
            ("G", "T2", S, "two", 9606, "P00002", "G2", matched_by[1], 1),
            ("G", "T3", FAM, "fam", 9606, "P00001", "G", "gene_symbol", 2),
        ],
        columns=list(ComponentCols.ORDER),
    )
    targets = resolve_targets(panel, components, Thresholds())
    assert dict(
        zip(targets[TargetCols.TARGET_CHEMBL_ID], targets[TargetCols.STATUS], strict=True)
    ) == {**expected, "T3": "resolved"}


def test_no_components_at_all() -> None:
    empty = pd.DataFrame(columns=list(ComponentCols.ORDER))
    targets = resolve_targets(PANEL, empty, Thresholds())
    assert list(targets.columns) == list(TargetCols.ORDER)
    assert targets[TargetCols.STATUS].tolist() == ["unresolved"] * 6
    assert targets[TargetCols.GENE_SYMBOL].tolist() == [
        "BCL2",
        "FAKE1",
        "JAK1",
        "GENEX",
        "BCL2L1",
        "Q07817",
    ]
    assert targets[TargetCols.CONFIDENCE_MIN].isna().all()


#: (target type, confidence threshold with default thresholds)
THRESHOLD_CASES: list[tuple[str, int]] = [
    ("SINGLE PROTEIN", 8),
    ("PROTEIN FAMILY", 6),
    ("PROTEIN COMPLEX", 6),
    ("PROTEIN COMPLEX GROUP", 6),
    ("SELECTIVITY GROUP", 6),
    ("", 6),
]


@pytest.mark.parametrize(("target_type", "expected"), THRESHOLD_CASES)
def test_confidence_threshold(target_type: str, expected: int) -> None:
    assert confidence_threshold(target_type, Thresholds()) == expected


def test_records_helper_sees_missing_as_none() -> None:
    frame = pd.DataFrame({"a": pd.array([1, None], dtype="Int64")})
    assert _records(frame) == [{"a": 1}, {"a": None}]


# -- mechanism partners and assay exclusions -------------------------------------------------------

MTOR_ENTRY = PanelEntry(
    label="mTOR",
    genes=("MTOR",),
    strategies=("senomorphic", "senoreverter"),
    direction="inhibit",
    pathway="mTOR",
    citation="doc",
    partners=(
        MechanismPartner("FKBP1A", "MTOR", "via FKBP12", "rapamycin_site", "Choi 1996"),
        MechanismPartner("FKBPX", "MTOR", "via X", None, "nowhere"),
    ),
    assay_exclusions=(
        AssayExclusion("FKBP12", ("macrophilin", "FKBP"), ("mTOR",)),
        AssayExclusion("other", ("FK506 binding protein",), ("FRB", "mTOR")),
    ),
)
PARTNER_COMPONENTS = pd.DataFrame(
    [
        ("MTOR", "CHEMBL2842", S, "mTOR", 9606, "P42345", "MTOR", "gene_symbol", 1),
        ("MTOR", "CHEMBL2221341", CPX, "FKBP12A/mTOR", 9606, "P42345", "MTOR", "gene_symbol", 2),
        ("FKBP1A", "CHEMBL1902", S, "FKBP12", 9606, "P62942", "FKBP1A", "gene_symbol", 1),
        # complexes holding the partner are not its rows: other biology, or reached via MTOR
        (
            "FKBP1A",
            "CHEMBL2221341",
            CPX,
            "FKBP12A/mTOR",
            9606,
            "P62942",
            "FKBP1A",
            "gene_symbol",
            2,
        ),
        ("FKBP1A", "CHEMBL4106135", CPX, "RyR1/FKBP12", 9606, "P62942", "FKBP1A", "gene_symbol", 2),
    ],
    columns=list(ComponentCols.ORDER),
)
MTOR = {
    "label": "mTOR",
    "strategies": "senomorphic;senoreverter",
    "direction": "inhibit",
    "pathway": "mTOR",
    "caution": "",
}
EXCLUDED = {
    "other_protein_assays": "FK506 binding protein;FKBP;macrophilin",
    "other_protein_unless": "FRB;mTOR",
}
PARTNER_REASON = (
    "mechanism partner {gene} of MTOR ({via}; {cite}): its drug_mechanism records count for "
    "MTOR, {condition}; its activities are not fetched; {how}"
)
#: The mTOR entry's rows: its own targets carry the exclusions; the partner's single protein
#: names MTOR (the gene it counts for) and the partner; an unresolved partner keeps its symbol.
PARTNER_EXPECTED: list[dict[str, Any]] = [
    _row(MTOR, "MTOR", "CHEMBL2842", target_pref_name="mTOR", accession="P42345", **EXCLUDED),
    _row(
        MTOR,
        "MTOR",
        "CHEMBL2221341",
        target_type=CPX,
        reason="protein complex of 2 components containing MTOR",
        target_pref_name="FKBP12A/mTOR",
        accession="P42345",
        n_components=2,
        confidence_min=6,
        **EXCLUDED,
    ),
    _row(
        MTOR,
        "MTOR",
        "CHEMBL1902",
        reason=PARTNER_REASON.format(
            gene="FKBP1A",
            via="via FKBP12",
            cite="Choi 1996",
            condition="rapamycin_site ligands only",
            how=BY_SYMBOL,
        ),
        target_pref_name="FKBP12",
        accession="P62942",
        partner="FKBP1A",
        partner_requires="rapamycin_site",
    ),
    _row(
        MTOR,
        "FKBPX",
        "",
        target_type="",
        status="unresolved",
        reason=PARTNER_REASON.format(
            gene="FKBPX",
            via="via X",
            cite="nowhere",
            condition="every ligand",
            how="no ChEMBL single-protein target has gene symbol or accession FKBPX in taxon 9606",
        ),
        target_pref_name="",
        accession="",
        matched_by="",
        n_components=0,
        confidence_min=None,
        partner="FKBPX",
    ),
]


def test_partners_resolve_to_their_single_protein_for_the_gene_they_act_on() -> None:
    panel = Panel(name="p", source="p", entries=(MTOR_ENTRY,))
    assert panel.genes() == ("MTOR", "FKBP1A", "FKBPX")
    targets = resolve_targets(panel, PARTNER_COMPONENTS, Thresholds())
    assert _records(targets) == PARTNER_EXPECTED
    assert own_targets(targets)[TargetCols.TARGET_CHEMBL_ID].tolist() == [
        "CHEMBL2842",
        "CHEMBL2221341",
    ]
    assert partner_targets(targets)[TargetCols.TARGET_CHEMBL_ID].tolist() == ["CHEMBL1902"]


def test_own_and_partner_targets_of_a_table_without_partner_columns() -> None:
    """Tables written before partners existed have no partner column: every row is own."""
    targets = resolve_targets(PANEL, COMPONENTS, Thresholds()).drop(columns=["partner"])
    assert len(own_targets(targets)) == len(resolved_only(targets)) == 6
    assert partner_targets(targets).empty
