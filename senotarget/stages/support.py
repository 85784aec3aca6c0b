"""The support rows of a run's evidence, and the exact distinct counts later stages take of them.

A call, a candidate and a ranked row rest on several (parent, target) pairs: a gene's single
protein and the complexes or families that contain it, an entry's several genes. Their assays and
documents must be counted as *distinct* ids over those targets, not summed over the evidence rows,
or two genes sharing a family target count its assays twice. The aggregate stage therefore keeps,
beside the evidence, the distinct (parent, target, assay, document) of the rows that count
(:class:`SupportCols`).

That table grows with the measurements, not with the aggregated pairs: about one row per
(compound, assay) measured, 8 M rows and 1.75 GB at 8.3 M activities (``make bench-scale``), so a
run that reads a whole release cannot hold it. :class:`Support` holds it as the pieces the run's
partitions produced, each of whole parent compounds, and answers :meth:`Support.counts` one piece
at a time: only the asked pairs and one piece are in memory at once. Tests and small callers wrap a
whole table with :meth:`Support.whole`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from senotarget.schema import CandidateCols, SupportCols, chembl_number
from senotarget.util.partitions import bucket_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COUNTS", "Support"]

#: The columns :meth:`Support.counts` answers: distinct assays, distinct known documents, and the
#: distinct assays whose rows have no document id (each could be one more document).
COUNTS: Final = (
    CandidateCols.N_ASSAYS,
    CandidateCols.N_DOCUMENTS,
    CandidateCols.N_DOCUMENTS_UNKNOWN,
)


class Support:
    """The support rows (:class:`SupportCols`) of a run, in pieces of whole parent compounds.

    :param pieces: bucket number -> a function that loads that piece (the rows of the parents
        :func:`~senotarget.util.partitions.bucket_of` puts in the bucket); a missing bucket has
        no rows
    :param buckets: the number of buckets the parents were dealt into (1: one piece of all rows)
    """

    def __init__(self, pieces: Mapping[int, Callable[[], pd.DataFrame]], buckets: int) -> None:
        if buckets < 1:
            raise ValueError(f"buckets must be at least 1, got {buckets}")
        self._pieces = dict(pieces)
        self._buckets = buckets

    @classmethod
    def whole(cls, frame: pd.DataFrame) -> Support:
        """The support of one table held whole."""
        return cls({0: lambda: frame}, 1)

    @classmethod
    def of(cls, support: Support | pd.DataFrame) -> Support:
        """``support`` itself, or a whole table wrapped (the stages take either)."""
        return support if isinstance(support, Support) else cls.whole(support)

    def counts(self, pairs: pd.DataFrame, keys: list[str], target: str) -> pd.DataFrame:
        """Distinct assays and documents over the targets each group of ``pairs`` rests on.

        :param pairs: one row per (group, target): the ``keys`` columns, the compound's id first
            (a parent, as in the support rows), and ``target``, one ChEMBL target id
        :param keys: the columns that identify a group; ``keys[0]`` is the compound
        :param target: the column of target ids
        :returns: one row per group that has support rows, indexed by ``keys``, with the
            :data:`COUNTS` columns (int64); a group without support has no row
        """
        import numpy as np
        import pandas as pd

        asked = pairs[[*keys, target]].drop_duplicates()
        if self._buckets == 1:
            bucket = np.zeros(len(asked), dtype=np.int64)
        else:
            bucket = bucket_of(asked[keys[0]], self._buckets)
        answers = []
        for number in np.unique(bucket).tolist():
            load = self._pieces.get(number)
            if load is None:  # no parent of this bucket has support rows
                continue
            answers.append(_count(asked[bucket == number], load(), keys, target))
        answers = [a for a in answers if len(a)]
        if not answers:
            empty = pd.DataFrame({c: pd.Series(dtype="int64") for c in COUNTS})
            empty.index = pd.MultiIndex.from_arrays([[] for _ in keys], names=keys)
            return empty
        # a group's rows all share its compound, so they are all in one bucket's answer
        return answers[0] if len(answers) == 1 else pd.concat(answers)


def _count(asked: pd.DataFrame, piece: pd.DataFrame, keys: list[str], target: str) -> pd.DataFrame:
    """:meth:`Support.counts` on one piece."""
    merged = asked.merge(
        piece,
        left_on=[keys[0], target],
        right_on=[SupportCols.MOLECULE_CHEMBL_ID, SupportCols.TARGET_CHEMBL_ID],
    )
    documents = merged[SupportCols.DOCUMENT_CHEMBL_ID]
    merged["_undocumented"] = merged[SupportCols.ASSAY_CHEMBL_ID].where(
        documents.isna() | (documents.astype("string") == "")
    )
    return merged.groupby(keys).agg(
        **{
            CandidateCols.N_ASSAYS: (SupportCols.ASSAY_CHEMBL_ID, "nunique"),
            CandidateCols.N_DOCUMENTS: (SupportCols.DOCUMENT_CHEMBL_ID, "nunique"),
            CandidateCols.N_DOCUMENTS_UNKNOWN: ("_undocumented", "nunique"),
        }
    )


def sort_support(support: pd.DataFrame) -> pd.DataFrame:
    """Support rows by compound number, target number, assay and document, checked."""
    ordered = (
        support.assign(
            _m=chembl_number(support[SupportCols.MOLECULE_CHEMBL_ID]),
            _t=chembl_number(support[SupportCols.TARGET_CHEMBL_ID]),
        )
        .sort_values(
            ["_m", SupportCols.MOLECULE_CHEMBL_ID, "_t", *SupportCols.ORDER[2:]],
            kind="stable",
            na_position="first",
        )
        .reset_index(drop=True)
    )
    return SupportCols.check(ordered.loc[:, list(SupportCols.ORDER)], "aggregate (support)")
