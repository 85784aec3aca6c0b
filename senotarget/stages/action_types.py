"""The signs of ChEMBL action types: the one home of the rule, read from ``data/action_types.toml``.

An action type moves its target's function down (``negative``: INHIBITOR, ANTAGONIST, ...), up
(``positive``: AGONIST, ACTIVATOR, ...), or states no direction (``other``), as the ``parent_type``
of ChEMBL's action_type lookup says (NEGATIVE MODULATOR / POSITIVE MODULATOR / OTHER; ChEMBL
drug mechanism documentation,
https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions/drug-and-compound-questions).
The shipped table covers releases whose lookup lacks a type and the REST API; the classify stage
lets the source's own lookup override it, and the aggregate stage reads the positive types from
it to recognise activation assays.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Final

from senotarget.schema import ActionSign

__all__ = ["SIGNS", "positive_types", "shipped_signs"]

#: The signs, in the order the data file lists them.
SIGNS: Final[tuple[ActionSign, ...]] = ("negative", "positive", "other")


@cache
def shipped_signs() -> dict[str, ActionSign]:
    """Upper-case action type -> its sign, from the shipped ``data/action_types.toml``."""
    text = (
        resources.files("senotarget.stages")
        .joinpath("data", "action_types.toml")
        .read_text("utf-8")
    )
    shipped = tomllib.loads(text)
    return {name.upper(): sign for sign in SIGNS for name in shipped.get(sign, {})}


def positive_types() -> frozenset[str]:
    """The action types that move their target's function up (upper case)."""
    return frozenset(name for name, sign in shipped_signs().items() if sign == "positive")
