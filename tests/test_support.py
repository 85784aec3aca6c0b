"""support: exact distinct counts over the support rows, held whole or in pieces by parent."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import pytest

from senotarget.schema import SupportCols
from senotarget.stages.support import COUNTS, Support, sort_support
from senotarget.util.partitions import bucket_of

# (parent, target, assay, document): CHEMBL2 rests on a single protein (T1) and a family (T9)
# that share assay A2's document D1; CHEMBL3 has an assay without a document (None) and one
# whose document id is empty (a source that writes "" for none)
ROWS = [
    ("CHEMBL2", "CHEMBL_T1", "A1", "D1"),
    ("CHEMBL2", "CHEMBL_T1", "A2", "D1"),
    ("CHEMBL2", "CHEMBL_T9", "A3", "D1"),
    ("CHEMBL2", "CHEMBL_T9", "A4", "D2"),
    ("CHEMBL3", "CHEMBL_T1", "A5", None),
    ("CHEMBL3", "CHEMBL_T1", "A6", ""),
    ("CHEMBL3", "CHEMBL_T1", "A7", "D3"),
    ("CHEMBL10", "CHEMBL_T9", "A8", "D4"),
]
SUPPORT = pd.DataFrame(ROWS, columns=list(SupportCols.ORDER), dtype=object).astype(
    {SupportCols.MOLECULE_CHEMBL_ID: "str"}
)
KEYS = ["molecule_chembl_id", "gene_symbol"]


def _pairs(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[*KEYS, "target"])


def _dealt(buckets: int) -> Support:
    """SUPPORT dealt into pieces by parent, as a run deals its partitions."""
    bucket = bucket_of(SUPPORT[SupportCols.MOLECULE_CHEMBL_ID], buckets)
    pieces: dict[int, Callable[[], pd.DataFrame]] = {}
    for number in sorted(set(bucket.tolist())):
        pieces[number] = partial(_piece, bucket, number)
    return Support(pieces, buckets)


def _piece(bucket: Any, number: int) -> pd.DataFrame:
    piece: pd.DataFrame = SUPPORT[bucket == number].reset_index(drop=True)
    return piece


# (why, asked (molecule, gene, target) rows, expected {(molecule, gene): (assays, docs, unknown)})
CASES = [
    (
        "one gene on its single protein",
        [("CHEMBL2", "G1", "CHEMBL_T1")],
        {("CHEMBL2", "G1"): (2, 1, 0)},
    ),
    (
        "a gene on its protein and a family: the shared document counts once",
        [("CHEMBL2", "G1", "CHEMBL_T1"), ("CHEMBL2", "G1", "CHEMBL_T9")],
        {("CHEMBL2", "G1"): (4, 2, 0)},
    ),
    (
        "two genes sharing the family target each count it",
        [("CHEMBL2", "G1", "CHEMBL_T9"), ("CHEMBL2", "G2", "CHEMBL_T9")],
        {("CHEMBL2", "G1"): (2, 2, 0), ("CHEMBL2", "G2"): (2, 2, 0)},
    ),
    (
        "a missing and an empty document id are unknown; the empty one still counts as a value",
        [("CHEMBL3", "G1", "CHEMBL_T1")],
        {("CHEMBL3", "G1"): (3, 2, 2)},
    ),
    (
        "asking the same pair twice changes nothing",
        [("CHEMBL3", "G1", "CHEMBL_T1"), ("CHEMBL3", "G1", "CHEMBL_T1")],
        {("CHEMBL3", "G1"): (3, 2, 2)},
    ),
    (
        "a group without support rows has no row",
        [("CHEMBL3", "G1", "CHEMBL_T9"), ("CHEMBL99", "G1", "CHEMBL_T1")],
        {},
    ),
    (
        "groups of several compounds, each on its own",
        [
            ("CHEMBL10", "G2", "CHEMBL_T9"),
            ("CHEMBL2", "G2", "CHEMBL_T9"),
            ("CHEMBL3", "G1", "CHEMBL_T1"),
        ],
        {
            ("CHEMBL10", "G2"): (1, 1, 0),
            ("CHEMBL2", "G2"): (2, 2, 0),
            ("CHEMBL3", "G1"): (3, 2, 2),
        },
    ),
]


@pytest.mark.parametrize("buckets", [None, 1, 2, 3, 7])
@pytest.mark.parametrize(("why", "asked", "expected"), CASES, ids=[c[0] for c in CASES])
def test_counts_are_exact_and_the_same_in_pieces(
    why: str,
    asked: list[tuple[str, str, str]],
    expected: dict[tuple[str, str], tuple[int, int, int]],
    buckets: int | None,
) -> None:
    support = Support.whole(SUPPORT) if buckets is None else _dealt(buckets)
    counts = support.counts(_pairs(asked), KEYS, "target")
    assert list(counts.columns) == list(COUNTS)
    assert list(counts.index.names) == KEYS
    assert all(str(counts[c].dtype) == "int64" for c in COUNTS)
    rows = zip(counts.index, counts.to_numpy(), strict=True)
    got = {key: tuple(int(v) for v in row) for key, row in rows}
    assert got == expected, why


def test_pieces_are_read_only_for_the_buckets_asked() -> None:
    bucket = bucket_of(SUPPORT[SupportCols.MOLECULE_CHEMBL_ID], 7)
    read: list[int] = []

    def loader(number: int) -> Callable[[], pd.DataFrame]:
        def load() -> pd.DataFrame:
            read.append(number)
            return _piece(bucket, number)

        return load

    support = Support({n: loader(n) for n in sorted(set(bucket.tolist()))}, 7)
    support.counts(_pairs([("CHEMBL3", "G1", "CHEMBL_T1")]), KEYS, "target")
    (number,) = bucket_of(pd.Series(["CHEMBL3"]), 7).tolist()
    assert read == [number]


def test_a_bucket_without_a_piece_has_no_support() -> None:
    counts = Support({}, 4).counts(_pairs([("CHEMBL2", "G1", "CHEMBL_T1")]), KEYS, "target")
    assert counts.empty
    assert list(counts.columns) == list(COUNTS)
    assert list(counts.index.names) == KEYS


def test_of_keeps_a_support_and_wraps_a_table() -> None:
    dealt = _dealt(3)
    assert Support.of(dealt) is dealt
    counts = Support.of(SUPPORT).counts(_pairs([("CHEMBL2", "G1", "CHEMBL_T1")]), KEYS, "target")
    assert counts.to_numpy().tolist() == [[2, 1, 0]]


def test_sort_support_orders_by_compound_and_target_number() -> None:
    ordered = sort_support(SUPPORT.iloc[::-1].reset_index(drop=True))
    assert list(ordered.columns) == list(SupportCols.ORDER)
    assert ordered[SupportCols.MOLECULE_CHEMBL_ID].tolist() == [
        *["CHEMBL2"] * 4,
        *["CHEMBL3"] * 3,
        "CHEMBL10",
    ]
    assert ordered[SupportCols.ASSAY_CHEMBL_ID].tolist() == [f"A{i}" for i in range(1, 9)]


def test_a_support_needs_one_bucket() -> None:
    with pytest.raises(ValueError, match="buckets must be at least 1, got 0"):
        Support({}, 0)
