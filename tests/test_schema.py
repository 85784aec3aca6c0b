"""schema: the declared tables (columns, dtypes, vocabularies) and the shared cell helpers."""

from __future__ import annotations

import pickle
from typing import Any

import pandas as pd
import pytest

from senotarget.schema import (
    ActivityCols,
    Col,
    CuratedCols,
    Table,
    TableContractError,
    TargetCols,
    cell_number,
    cell_text,
    join_tokens,
    split_tokens,
)


@pytest.mark.parametrize(
    ("value", "text", "number"),
    [
        (None, "", None),
        (float("nan"), "", None),
        ("", "", None),
        ("7.5", "7.5", 7.5),
        (3, "3", 3.0),
        (0.0, "0.0", 0.0),
        ("CHEMBL25", "CHEMBL25", None),
    ],
)
def test_cells(value: object, text: str, number: float | None) -> None:
    assert cell_text(value) == text
    assert cell_number(value) == number


class _Toy(Table):
    """A declared table for the contract tests."""

    NAME = Col("name", "str")
    KIND = Col("kind", "str", isin=("a", "b"))
    SCORE = Col("score", "float64")
    RANK = Col("rank", "int64")
    MAYBE = Col("maybe", "Int64")
    OK = Col("ok", "bool")
    NOTE = Col("note", "text")


def _toy(**changes: Any) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "name": pd.Series(["x", ""], dtype="str"),
            "kind": pd.Series(["a", "b"], dtype="str"),
            "score": [0.5, float("nan")],
            "rank": pd.Series([1, 2], dtype="int64"),
            "maybe": pd.array([3, None], dtype="Int64"),
            "ok": [True, False],
            "note": pd.Series(["n", None], dtype=object),
        }
    )
    return frame.assign(**changes)


def test_table_order_and_dtypes_follow_the_declarations() -> None:
    assert _Toy.ORDER == ("name", "kind", "score", "rank", "maybe", "ok", "note")
    assert _Toy.dtypes() == {
        "name": "str",
        "kind": "str",
        "score": "float64",
        "rank": "int64",
        "maybe": "Int64",
        "ok": "bool",
        "note": "object",
    }
    assert [c.nullable for c in _Toy.COLUMNS] == [False, False, True, False, True, False, True]
    assert _Toy.KIND.isin == ("a", "b")


def test_a_subclass_appends_its_columns_to_the_inherited_ones() -> None:
    assert CuratedCols.ORDER == (*ActivityCols.ORDER, "pchembl", "potency_use", "flags", "status")


def test_empty_has_the_declared_dtypes_and_passes() -> None:
    empty = _Toy.empty()
    assert list(empty.columns) == list(_Toy.ORDER)
    assert {c: str(t) for c, t in empty.dtypes.items()} == _Toy.dtypes()
    assert _Toy.check(empty, "test").empty


def test_a_matching_frame_passes_unchanged() -> None:
    frame = _toy()
    pd.testing.assert_frame_equal(_Toy.check(frame, "test"), frame)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": pd.Series(["a", "c"], dtype="str")}, "kind: isin(('a', 'b')) ('c')"),
        ({"rank": [1.0, 2.0]}, "rank: dtype('int64') ('float64')"),
        ({"ok": ["True", "False"]}, "ok: dtype('bool')"),
        ({"name": pd.Series(["x", None], dtype="str")}, "name: not_nullable"),
        ({"extra": [1, 2]}, "column_in_schema"),
    ],
    ids=["vocabulary", "float-rank", "text-bool", "missing-text", "extra-column"],
)
def test_a_broken_contract_names_the_table_and_column(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(TableContractError) as caught:
        _Toy.check(_toy(**changes), "stage x")
    assert str(caught.value).startswith("stage x: the _Toy table breaks its contract (")
    assert message in str(caught.value)


def test_columns_pickle_as_their_declaration() -> None:
    column = pickle.loads(pickle.dumps(TargetCols.STATUS))  # noqa: S301 - our own bytes
    assert (column, column.dtype, column.isin) == (
        "status",
        "str",
        ("resolved", "ambiguous", "unresolved"),
    )


def test_an_unknown_dtype_is_refused() -> None:
    with pytest.raises(ValueError, match="dtype 'string' is not one of"):
        Col("x", "string")  # type: ignore[arg-type]


def test_tokens_round_trip() -> None:
    assert join_tokens(["b", "a", "", "b"]) == "a;b"
    assert split_tokens("a;b") == ["a", "b"]
    assert split_tokens(float("nan")) == []
    with pytest.raises(TypeError):
        join_tokens("ab")
