"""Tests of resolving panel genes to ChEMBL targets (single proteins, complexes, families)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from senotarget.config import Thresholds
from senotarget.resolve import confidence_threshold, resolve_targets, resolved_only
from senotarget.schema import ComponentCols, Panel, PanelEntry, TargetCols

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

#: The expected rows in TargetCols.ORDER; None is a missing confidence_min.
EXPECTED: list[tuple[Any, ...]] = [
    ("BCL-2 family", "BCL2", "senolytic", "inhibit", "CHEMBL4860", S, "resolved",
     "single protein matched by gene symbol", "Bcl-2", "P10415", "gene_symbol", 1, 8,
     "apoptosis", ""),
    ("BCL-2 family", "FAKE1", "senolytic", "inhibit", "", "", "unresolved",
     NO_TARGET.format("FAKE1"), "", "", "", 0, None, "apoptosis", ""),
    ("JAK-STAT", "JAK1", "senomorphic;senoreverter", "inhibit", "CHEMBL2835", S, "resolved",
     "single protein matched by gene symbol", "JAK1", "P23458", "gene_symbol", 1, 8, "JAK",
     "careful"),
    ("JAK-STAT", "JAK1", "senomorphic;senoreverter", "inhibit", "CHEMBL2363062", FAM, "resolved",
     "protein family of 4 components containing JAK1", "JAK family", "P23458", "gene_symbol", 4,
     6, "JAK", "careful"),
    ("JAK-STAT", "JAK1", "senomorphic;senoreverter", "inhibit", "CHEMBL3301390", CPX, "resolved",
     "protein complex of 2 components containing JAK1", "JAK1/JAK2", "P23458", "gene_symbol", 2,
     6, "JAK", "careful"),
    ("twins", "GENEX", "senolytic", "activate", "CHEMBL11", S, "ambiguous",
     "GENEX matches several single-protein targets (CHEMBL12 too); not fetched", "X one",
     "P00001", "gene_symbol", 1, 8, "", ""),
    ("twins", "GENEX", "senolytic", "activate", "CHEMBL12", S, "ambiguous",
     "GENEX matches several single-protein targets (CHEMBL11 too); not fetched", "X two",
     "P00002", "gene_symbol", 1, 8, "", ""),
    ("aliases", "BCL2L1", "senolytic", "inhibit", "CHEMBL4625", S, "resolved",
     "single protein matched by gene symbol", "Bcl-xL", "Q07817", "gene_symbol", 1, 8, "", ""),
    ("aliases", "Q07817", "senolytic", "inhibit", "CHEMBL4625", S, "resolved",
     "single protein matched by accession", "Bcl-xL", "Q07817", "accession", 1, 8, "", ""),
]  # fmt: skip


def _records(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(None if v is pd.NA else v for v in row) for row in frame.itertuples(index=False)]


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
    assert _records(frame) == [(1,), (None,)]

