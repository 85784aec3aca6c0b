"""schema: the cell helpers every stage reading a run's tables shares."""

from __future__ import annotations

import pandas as pd
import pytest

from senotarget.schema import (
    candidate_mask,
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


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ([True, False], [True, False]),  # in memory
        (["True", "False"], [True, False]),  # read back from CSV as text
        (["true", "1", "0", ""], [True, True, False, False]),
    ],
)
def test_candidate_mask(column: list[object], expected: list[bool]) -> None:
    frame = pd.DataFrame({"is_candidate": column})
    assert candidate_mask(frame).tolist() == expected


def test_tokens_round_trip() -> None:
    assert join_tokens(["b", "a", "", "b"]) == "a;b"
    assert split_tokens("a;b") == ["a", "b"]
    assert split_tokens(float("nan")) == []
    with pytest.raises(TypeError):
        join_tokens("ab")
