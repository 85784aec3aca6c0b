"""action_types: the one table of ChEMBL action-type signs, read by classify and aggregate."""

from __future__ import annotations

import pytest

from senotarget.stages.action_types import positive_types, shipped_signs


@pytest.mark.parametrize(
    ("action_type", "sign"),
    [
        ("INHIBITOR", "negative"),
        ("ANTAGONIST", "negative"),
        ("DEGRADER", "negative"),
        ("INVERSE AGONIST", "negative"),
        ("AGONIST", "positive"),
        ("ACTIVATOR", "positive"),
        ("PARTIAL AGONIST", "positive"),
        ("POSITIVE ALLOSTERIC MODULATOR", "positive"),
        ("EXOGENOUS PROTEIN", "positive"),
        ("EXOGENOUS GENE", "positive"),
        ("MODULATOR", "other"),
        ("BINDING AGENT", "other"),
    ],
)
def test_shipped_sign(action_type: str, sign: str) -> None:
    assert shipped_signs()[action_type] == sign


def test_positive_types_are_exactly_the_positive_section() -> None:
    assert positive_types() == {
        "AGONIST",
        "ACTIVATOR",
        "OPENER",
        "POSITIVE MODULATOR",
        "POSITIVE ALLOSTERIC MODULATOR",
        "PARTIAL AGONIST",
        "EXOGENOUS PROTEIN",
        "EXOGENOUS GENE",
    }


def test_every_type_has_one_sign() -> None:
    signs = shipped_signs()
    assert len(signs) == 26  # 11 negative, 8 positive, 7 other
    assert set(signs.values()) == {"negative", "positive", "other"}
