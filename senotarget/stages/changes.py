"""What changed between two runs: candidates, ranks, labels, directions and evidence.

A lab reruns its panels when ChEMBL publishes a release or the panel changes, and needs to see
what moved and why, not two long tables. The comparison reads only the runs' tables
(``candidates.csv`` and ``evidence.csv``), so any two runs compare, with or without ChEMBL:

Rows come by kind; candidate changes by rank (the top of the new ranking first).

* per (strategy, compound): ``new_candidate``, ``lost_candidate`` (not a candidate any more,
  absent, or now ``contrary``), ``rank_move`` (at least ``min_rank_move`` places, both runs a
  candidate) and ``direction_change`` (mechanism / inferred / contrary);
* per compound: ``label_change`` (its strategy labels or primary label);
* per (compound, target, standard_type) of evidence.csv: ``evidence_added`` (a new row, or more
  counted measurements) and ``evidence_withdrawn`` (a row gone, or fewer counted measurements, for
  example when a ChEMBL ``data_validity_comment`` appeared and the row is now excluded); the
  curation flags that appeared or went are in ``detail``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from senotarget.schema import (
    CHANGE_KINDS,
    CandidateCols,
    ChangeCols,
    EvidenceCols,
    cell_number,
    cell_text,
    split_tokens,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHANGE_WORDS",
    "change_counts",
    "describe_counts",
    "diff_runs",
]

_EVIDENCE_KEY: Final = (
    EvidenceCols.MOLECULE_CHEMBL_ID,
    EvidenceCols.TARGET_CHEMBL_ID,
    EvidenceCols.STANDARD_TYPE,
)


def _rank(value: Any) -> str:
    """A rank after an outer merge (a float, NaN where the run lacks the row) as text."""
    number = cell_number(value)
    return "" if number is None else str(int(number))


def _candidate_changes(
    before: pd.DataFrame, after: pd.DataFrame, min_rank_move: int
) -> list[dict[str, str]]:
    import pandas as pd

    keys = [CandidateCols.STRATEGY, CandidateCols.MOLECULE_CHEMBL_ID]
    columns = [
        *keys,
        CandidateCols.RANK,
        CandidateCols.DIRECTION,
        CandidateCols.PREF_NAME,
        CandidateCols.SCORE,
    ]
    a = before.loc[:, columns].assign(_cand=before[CandidateCols.IS_CANDIDATE].to_numpy())
    b = after.loc[:, columns].assign(_cand=after[CandidateCols.IS_CANDIDATE].to_numpy())
    both = pd.merge(a, b, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    rows: list[dict[str, str]] = []
    for record in both.to_dict("records"):
        strategy, molecule = str(record[keys[0]]), str(record[keys[1]])
        name = cell_text(record["pref_name_b"]) or cell_text(record["pref_name_a"])
        in_a, in_b = record["_merge"] != "right_only", record["_merge"] != "left_only"
        cand_a = in_a and bool(record["_cand_a"])
        cand_b = in_b and bool(record["_cand_b"])
        rank_a, rank_b = _rank(record["rank_a"]), _rank(record["rank_b"])
        dir_a, dir_b = cell_text(record["direction_a"]), cell_text(record["direction_b"])
        base = {
            ChangeCols.STRATEGY: strategy,
            ChangeCols.MOLECULE_CHEMBL_ID: molecule,
            ChangeCols.PREF_NAME: name,
        }
        if cand_b and not cand_a:
            was = "absent" if not in_a else f"{dir_a}, not a candidate"
            rows.append(
                {
                    **base,
                    ChangeCols.CHANGE: "new_candidate",
                    ChangeCols.BEFORE: "" if not in_a else dir_a,
                    ChangeCols.AFTER: rank_b,
                    ChangeCols.DETAIL: f"now rank {rank_b} ({dir_b}); before: {was}",
                }
            )
        elif cand_a and not cand_b:
            now = "absent" if not in_b else f"{dir_b}, not a candidate"
            rows.append(
                {
                    **base,
                    ChangeCols.CHANGE: "lost_candidate",
                    ChangeCols.BEFORE: rank_a,
                    ChangeCols.AFTER: "" if not in_b else dir_b,
                    ChangeCols.DETAIL: f"was rank {rank_a} ({dir_a}); now: {now}",
                }
            )
        elif cand_a and cand_b and abs(int(rank_b) - int(rank_a)) >= min_rank_move:
            moved = int(rank_a) - int(rank_b)
            rows.append(
                {
                    **base,
                    ChangeCols.CHANGE: "rank_move",
                    ChangeCols.BEFORE: rank_a,
                    ChangeCols.AFTER: rank_b,
                    ChangeCols.DETAIL: f"{'up' if moved > 0 else 'down'} {abs(moved)} places",
                }
            )
        if in_a and in_b and dir_a != dir_b:
            rows.append(
                {
                    **base,
                    ChangeCols.CHANGE: "direction_change",
                    ChangeCols.BEFORE: dir_a,
                    ChangeCols.AFTER: dir_b,
                    ChangeCols.DETAIL: f"direction {dir_a} -> {dir_b}",
                }
            )
    return rows


def _labels(frame: pd.DataFrame) -> dict[str, tuple[str, str, str]]:
    """Per compound: its label set, its primary label, its name (same on every strategy row)."""
    out: dict[str, tuple[str, str, str]] = {}
    for record in frame.drop_duplicates(CandidateCols.MOLECULE_CHEMBL_ID).to_dict("records"):
        out[str(record[CandidateCols.MOLECULE_CHEMBL_ID])] = (
            ";".join(sorted(split_tokens(cell_text(record[CandidateCols.LABELS])))),
            cell_text(record[CandidateCols.PRIMARY_LABEL]),
            cell_text(record[CandidateCols.PREF_NAME]),
        )
    return out


def _label_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[dict[str, str]]:
    a, b = _labels(before), _labels(after)
    rows: list[dict[str, str]] = []
    for molecule in sorted(set(a) & set(b)):
        (labels_a, primary_a, _), (labels_b, primary_b, name) = a[molecule], b[molecule]
        if labels_a == labels_b and primary_a == primary_b:
            continue
        gained = sorted(set(split_tokens(labels_b)) - set(split_tokens(labels_a)))
        lost = sorted(set(split_tokens(labels_a)) - set(split_tokens(labels_b)))
        words = [f"+{g}" for g in gained] + [f"-{g}" for g in lost]
        if primary_a != primary_b:
            words.append(f"primary {primary_a or 'none'} -> {primary_b or 'none'}")
        rows.append(
            {
                ChangeCols.CHANGE: "label_change",
                ChangeCols.STRATEGY: "",
                ChangeCols.MOLECULE_CHEMBL_ID: molecule,
                ChangeCols.PREF_NAME: name,
                ChangeCols.BEFORE: labels_a,
                ChangeCols.AFTER: labels_b,
                ChangeCols.DETAIL: "; ".join(words),
            }
        )
    return rows


def _counted(record: Mapping[Any, Any], suffix: str) -> int:
    """Measurements that count as evidence in one evidence row (mechanism rows count as one)."""
    if str(record[EvidenceCols.STANDARD_TYPE]) == "MECHANISM":
        return 1
    total = 0
    for column in (
        EvidenceCols.N_MEASUREMENTS,
        EvidenceCols.CENSORED_INACTIVE,
        EvidenceCols.N_ACTIVE_CENSORED,
    ):
        total += int(cell_number(record.get(f"{column}{suffix}")) or 0.0)
    return total


def _summary(record: Mapping[Any, Any], suffix: str) -> str:
    median = cell_number(record.get(f"{EvidenceCols.MEDIAN_PCHEMBL}{suffix}"))
    text = f"{_counted(record, suffix)} counted"
    if median is not None:
        text += f", median pChEMBL {median:.2f}"
    excluded = cell_number(record.get(f"{EvidenceCols.N_EXCLUDED}{suffix}"))
    if excluded:
        text += f", {int(excluded)} excluded"
    return text


def _evidence_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[dict[str, str]]:
    import pandas as pd

    keys = list(_EVIDENCE_KEY)
    wanted = [
        *keys,
        EvidenceCols.MEDIAN_PCHEMBL,
        EvidenceCols.N_MEASUREMENTS,
        EvidenceCols.CENSORED_INACTIVE,
        EvidenceCols.N_ACTIVE_CENSORED,
        EvidenceCols.N_EXCLUDED,
        EvidenceCols.FLAGS,
    ]
    a = before.loc[:, [c for c in wanted if c in before.columns]]
    b = after.loc[:, [c for c in wanted if c in after.columns]]
    both = pd.merge(a, b, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    rows: list[dict[str, str]] = []
    for record in both.to_dict("records"):
        base = {
            ChangeCols.STRATEGY: "",
            ChangeCols.MOLECULE_CHEMBL_ID: str(record[EvidenceCols.MOLECULE_CHEMBL_ID]),
            ChangeCols.PREF_NAME: "",
            ChangeCols.TARGET_CHEMBL_ID: str(record[EvidenceCols.TARGET_CHEMBL_ID]),
            ChangeCols.STANDARD_TYPE: str(record[EvidenceCols.STANDARD_TYPE]),
        }
        if record["_merge"] == "right_only":
            rows.append(
                {
                    **base,
                    ChangeCols.CHANGE: "evidence_added",
                    ChangeCols.BEFORE: "",
                    ChangeCols.AFTER: _summary(record, "_b"),
                    ChangeCols.DETAIL: "new evidence row",
                }
            )
            continue
        if record["_merge"] == "left_only":
            rows.append(
                {
                    **base,
                    ChangeCols.CHANGE: "evidence_withdrawn",
                    ChangeCols.BEFORE: _summary(record, "_a"),
                    ChangeCols.AFTER: "",
                    ChangeCols.DETAIL: "evidence row gone from the release",
                }
            )
            continue
        count_a, count_b = _counted(record, "_a"), _counted(record, "_b")
        flags_a = set(split_tokens(cell_text(record.get(f"{EvidenceCols.FLAGS}_a"))))
        flags_b = set(split_tokens(cell_text(record.get(f"{EvidenceCols.FLAGS}_b"))))
        if count_a == count_b and flags_a == flags_b:
            continue
        words = [f"counted {count_a} -> {count_b}"] if count_a != count_b else []
        words += [f"+{f}" for f in sorted(flags_b - flags_a)]
        words += [f"-{f}" for f in sorted(flags_a - flags_b)]
        if count_b > count_a:
            change = "evidence_added"
        elif count_b < count_a or (flags_b - flags_a):
            change = "evidence_withdrawn"
        else:
            change = "evidence_added"  # a flag went away: the evidence is cleaner
        rows.append(
            {
                **base,
                ChangeCols.CHANGE: change,
                ChangeCols.BEFORE: _summary(record, "_a"),
                ChangeCols.AFTER: _summary(record, "_b"),
                ChangeCols.DETAIL: "; ".join(words),
            }
        )
    return rows


def diff_runs(
    before_candidates: pd.DataFrame,
    before_evidence: pd.DataFrame,
    after_candidates: pd.DataFrame,
    after_evidence: pd.DataFrame,
    min_rank_move: int,
) -> pd.DataFrame:
    """Every change from one run's tables to another's, as :class:`ChangeCols` rows.

    :param min_rank_move: smallest rank move reported (places)
    :returns: rows sorted by change kind (the order of :data:`CHANGE_KINDS`), strategy, compound,
        target and standard type; names are filled from the candidates tables where known
    """
    import pandas as pd

    rows = [
        *_candidate_changes(before_candidates, after_candidates, min_rank_move),
        *_label_changes(before_candidates, after_candidates),
        *_evidence_changes(before_evidence, after_evidence),
    ]
    frame = pd.DataFrame(rows, columns=list(ChangeCols.ORDER), dtype=object).fillna("")
    names = _labels(before_candidates) | _labels(after_candidates)  # the later name wins
    missing = frame[ChangeCols.PREF_NAME] == ""
    frame.loc[missing, ChangeCols.PREF_NAME] = frame.loc[
        missing, ChangeCols.MOLECULE_CHEMBL_ID
    ].map(lambda m: names.get(m, ("", "", ""))[2])
    order = {kind: i for i, kind in enumerate(CHANGE_KINDS)}
    frame["_kind"] = frame[ChangeCols.CHANGE].map(order)
    # Candidate changes list the top of the ranking first (the new rank; the old one for a lost
    # candidate), so a page that shows only the first rows shows the ones a reader acts on.
    rank = frame[ChangeCols.AFTER].where(
        frame[ChangeCols.CHANGE] != "lost_candidate", frame[ChangeCols.BEFORE]
    )
    ranked = frame[ChangeCols.CHANGE].isin({"new_candidate", "lost_candidate", "rank_move"})
    frame["_rank"] = pd.to_numeric(rank.where(ranked), errors="coerce").fillna(0)
    frame = frame.sort_values(
        [
            "_kind",
            "_rank",
            ChangeCols.STRATEGY,
            ChangeCols.MOLECULE_CHEMBL_ID,
            ChangeCols.TARGET_CHEMBL_ID,
            ChangeCols.STANDARD_TYPE,
        ],
        kind="stable",
        ignore_index=True,
    )
    return ChangeCols.check(ChangeCols.conform(frame), "changes")


#: How each kind of change reads in a sentence, singular and plural.
CHANGE_WORDS: Final = {
    "new_candidate": ("new candidate", "new candidates"),
    "lost_candidate": ("lost candidate", "lost candidates"),
    "rank_move": ("rank move", "rank moves"),
    "label_change": ("label change", "label changes"),
    "direction_change": ("direction change", "direction changes"),
    "evidence_added": ("evidence row added", "evidence rows added"),
    "evidence_withdrawn": ("evidence row withdrawn", "evidence rows withdrawn"),
}


def describe_counts(counts: Mapping[str, int]) -> str:
    """``"3 new candidates, 1 lost candidate"`` (kinds with a zero count left out)."""
    words = [f"{n:,} {CHANGE_WORDS[kind][0 if n == 1 else 1]}" for kind, n in counts.items() if n]
    return ", ".join(words) or "no changes"


def change_counts(changes: pd.DataFrame) -> dict[str, int]:
    """Rows per change kind, every kind present (zero when none), in :data:`CHANGE_KINDS` order."""
    counts = changes[ChangeCols.CHANGE].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in CHANGE_KINDS}
