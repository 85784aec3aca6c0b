"""Split a list of ids or structures into batches: the one chunking helper of senotarget."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["batched"]


def batched(
    items: Iterable[str], size: int | None = None, *, max_chars: int | None = None
) -> Iterator[list[str]]:
    """Yield the distinct ``items`` in first-seen order, in batches.

    A batch closes when it holds ``size`` items, or when one more item would make the
    comma-joined batch longer than ``max_chars`` (a URL's query string has a length limit, a SQL
    statement's parameter list a count limit). An item longer than ``max_chars`` gets a batch of
    its own rather than being dropped.

    :param items: ids or SMILES; repeats are sent once
    :param size: most items per batch (``None``: no count limit)
    :param max_chars: most characters per batch, counting one separator per item
    :raises ValueError: ``size`` below 1
    """
    if size is not None and size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    batch: list[str] = []
    chars = 0
    for item in dict.fromkeys(items):
        full = size is not None and len(batch) >= size
        too_long = max_chars is not None and chars + len(item) + 1 > max_chars
        if batch and (full or too_long):
            yield batch
            batch, chars = [], 0
        batch.append(item)
        chars += len(item) + 1
    if batch:
        yield batch
