"""Validation against compounds the literature already calls senotherapeutic.

Every ranking should show how it does on what the field knows. The known list
(``benchmarks/known_senotherapeutics.csv``, shipped as package data) names each compound with its
ChEMBL parent id, the strategy its paper shows, the targets, and the citation. A run reports for
each whether it was found with that label, at which rank and percentile, and, when it was not, why:
it moves the target the other way, curation flags or weak potency kept its evidence out, it has no
evidence on the panel's targets, or the release does not have it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from senotarget.errors import ConfigError
from senotarget.schema import (
    STRATEGIES,
    VALIDATION_STATUSES,
    CandidateCols,
    EvidenceCols,
    KnownCols,
    MoleculeCols,
    ParentCols,
    ValidationCols,
    cell_number,
    cell_text,
    split_tokens,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_KNOWN",
    "known_ids",
    "known_parents",
    "known_sha256",
    "load_known",
    "status_counts",
    "validate_run",
]

#: The setting value that selects the list shipped with senotarget.
DEFAULT_KNOWN: Final = "default"
_CHEMBL_ID: Final = re.compile(r"^CHEMBL\d+$")


def _default_known_text() -> tuple[str, str]:
    resource = resources.files("senotarget.stages") / "data" / "known_senotherapeutics.csv"
    return resource.read_text(encoding="utf-8"), "senotarget/data/known_senotherapeutics.csv"


def load_known(location: str = DEFAULT_KNOWN) -> pd.DataFrame:
    """Read and check a known-compounds CSV (columns :data:`KnownCols.ORDER`).

    :param location: a CSV path, or ``"default"`` for the shipped list
    :raises ConfigError: unreadable file, missing column, unknown strategy, a ChEMBL id that is not
        one, or an empty citation; the message names the file and line
    """
    import pandas as pd

    if location == DEFAULT_KNOWN:
        text, name = _default_known_text()
    else:
        path = Path(location)
        try:
            text, name = path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(
                f"known compounds file {location} cannot be read ({error})",
                "pass --known a CSV with columns " + ", ".join(KnownCols.ORDER),
            ) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in KnownCols.ORDER if c not in (reader.fieldnames or [])]
    if missing:
        raise ConfigError(
            f"known compounds file {name} lacks column(s) {', '.join(missing)}",
            "use the header " + ",".join(KnownCols.ORDER),
        )
    rows: list[dict[str, str]] = []
    for line, row in enumerate(reader, start=2):
        record = {c: (row.get(c) or "").strip() for c in KnownCols.ORDER}
        problem = _problem(record)
        if problem:
            raise ConfigError(f"known compounds file {name}:{line}: {problem[0]}", problem[1])
        rows.append(record)
    return pd.DataFrame(rows, columns=list(KnownCols.ORDER), dtype=object)


def _problem(record: dict[str, str]) -> tuple[str, str] | None:
    if not _CHEMBL_ID.match(record[KnownCols.MOLECULE_CHEMBL_ID]):
        return (
            f"{record[KnownCols.MOLECULE_CHEMBL_ID]!r} is not a ChEMBL id",
            "write the parent compound's id, e.g. CHEMBL443684",
        )
    if record[KnownCols.STRATEGY] not in STRATEGIES:
        return (
            f"strategy {record[KnownCols.STRATEGY]!r} is not one of {', '.join(STRATEGIES)}",
            "use senolytic, senomorphic or senoreverter",
        )
    for column in (KnownCols.COMPOUND, KnownCols.TARGETS, KnownCols.CITATION):
        if not record[column]:
            return (f"empty {column}", f"fill in {column} (every claim needs its source)")
    return None


def known_ids(known: pd.DataFrame) -> list[str]:
    """The distinct ChEMBL ids of the list, in list order."""
    return list(dict.fromkeys(known[KnownCols.MOLECULE_CHEMBL_ID].astype(str)))


def _filtered_reason(rows: pd.DataFrame, genes: list[str], active_pchembl: float) -> str:
    """Why evidence that exists did not make a candidate: flags, weak potency, or other genes."""
    on_genes = rows[
        rows[EvidenceCols.GENE_SYMBOLS]
        .fillna("")
        .astype(str)
        .map(lambda cell: bool(set(split_tokens(cell)) & set(genes)))
    ]
    shown = on_genes if not on_genes.empty else rows
    where = "the listed targets" if not on_genes.empty else "other panel targets only"
    flags = sorted(
        {f for cell in shown[EvidenceCols.FLAGS].map(cell_text) for f in split_tokens(cell)}
    )
    counted = shown[EvidenceCols.N_MEASUREMENTS].fillna(0).astype(float).sum()
    excluded = shown[EvidenceCols.N_EXCLUDED].fillna(0).astype(float).sum()
    best = shown[EvidenceCols.MEDIAN_PCHEMBL].dropna()
    parts = [f"{len(shown)} evidence row(s) on {where}"]
    if counted == 0 and excluded > 0:
        parts.append(f"all {int(excluded)} measurement(s) excluded by curation")
    elif not best.empty and float(best.astype(float).max()) < active_pchembl:
        parts.append(
            f"best median pChEMBL {float(best.astype(float).max()):.2f} is below the active "
            f"threshold {active_pchembl:g}"
        )
    elif counted == 0:
        parts.append("no usable potency value (inactive or censored only)")
    if flags:
        parts.append("flags: " + ", ".join(flags))
    return "; ".join(parts)


def validate_run(
    known: pd.DataFrame,
    candidates: pd.DataFrame,
    evidence: pd.DataFrame,
    in_release: Mapping[str, str],
    active_pchembl: float,
) -> pd.DataFrame:
    """How a run treats each known compound: :class:`ValidationCols` rows, in list order.

    :param known: :func:`load_known` output
    :param candidates: the run's candidates table
    :param evidence: the run's evidence table
    :param in_release: known id -> its parent id, for the known ids the source has (a salt's
        row counts for its parent, as its evidence does)
    :param active_pchembl: the run's active threshold, to explain weak-potency misses
    """
    import pandas as pd

    is_candidate = candidates[CandidateCols.IS_CANDIDATE]
    sizes = candidates[is_candidate].groupby(CandidateCols.STRATEGY).size()
    rows: list[dict[str, Any]] = []
    for record in known.to_dict("records"):
        listed = str(record[KnownCols.MOLECULE_CHEMBL_ID])
        molecule = in_release.get(listed, listed)
        expected = str(record[KnownCols.STRATEGY])
        genes = split_tokens(str(record[KnownCols.TARGETS]).replace(",", ";").replace(" ", ""))
        mine = candidates[candidates[CandidateCols.MOLECULE_CHEMBL_ID] == molecule]
        chosen = mine[is_candidate.loc[mine.index]]
        expected_rows = mine[mine[CandidateCols.STRATEGY] == expected]
        row: dict[str, Any] = {
            ValidationCols.COMPOUND: record[KnownCols.COMPOUND],
            ValidationCols.MOLECULE_CHEMBL_ID: listed,
            ValidationCols.EXPECTED: expected,
            ValidationCols.LABELS: "",
            ValidationCols.RANK: None,
            ValidationCols.N_CANDIDATES: int(sizes.get(expected, 0)),
            ValidationCols.PERCENTILE: None,
            ValidationCols.SCORE: None,
            ValidationCols.DIRECTION: "",
            ValidationCols.TARGETS: record[KnownCols.TARGETS],
            ValidationCols.CITATION: record[KnownCols.CITATION],
        }
        if not chosen.empty:
            row[ValidationCols.LABELS] = cell_text(chosen.iloc[0][CandidateCols.LABELS])
        hit = expected_rows[is_candidate.loc[expected_rows.index]]
        if not hit.empty:
            first = hit.iloc[0]
            rank = int(first[CandidateCols.RANK])
            size = row[ValidationCols.N_CANDIDATES]
            row.update(
                {
                    ValidationCols.STATUS: "found",
                    ValidationCols.RANK: rank,
                    ValidationCols.PERCENTILE: round(100.0 * (1 - (rank - 1) / size), 2),
                    ValidationCols.SCORE: cell_number(first[CandidateCols.SCORE]),
                    ValidationCols.DIRECTION: cell_text(first[CandidateCols.DIRECTION]),
                    ValidationCols.REASON: f"{expected} candidate via "
                    + ", ".join(split_tokens(cell_text(first[CandidateCols.TARGETS]))),
                }
            )
        elif not expected_rows.empty:  # a contrary row: it moves the target the other way
            first = expected_rows.iloc[0]
            row.update(
                {
                    ValidationCols.STATUS: "wrong_direction",
                    ValidationCols.DIRECTION: cell_text(first[CandidateCols.DIRECTION]),
                    ValidationCols.REASON: "moves "
                    + ", ".join(split_tokens(cell_text(first[CandidateCols.TARGETS])))
                    + " the other way ("
                    + (cell_text(first[CandidateCols.ACTION_TYPES]) or "inferred from potency")
                    + ")",
                }
            )
        elif not chosen.empty:
            row.update(
                {
                    ValidationCols.STATUS: "wrong_label",
                    ValidationCols.DIRECTION: cell_text(chosen.iloc[0][CandidateCols.DIRECTION]),
                    ValidationCols.REASON: f"a candidate for {row[ValidationCols.LABELS]}, "
                    f"not {expected}",
                }
            )
        else:
            on_molecule = evidence[evidence[EvidenceCols.MOLECULE_CHEMBL_ID] == molecule]
            if not on_molecule.empty:
                row[ValidationCols.STATUS] = "filtered"
                row[ValidationCols.REASON] = _filtered_reason(on_molecule, genes, active_pchembl)
            elif listed in in_release:
                row[ValidationCols.STATUS] = "no_evidence"
                row[ValidationCols.REASON] = (
                    "in the release, but no activity or mechanism on the panel's targets"
                )
            else:
                row[ValidationCols.STATUS] = "not_in_release"
                row[ValidationCols.REASON] = "the ChEMBL source has no molecule with this id"
        if molecule != listed:
            row[ValidationCols.REASON] += f" (as parent {molecule})"
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(ValidationCols.ORDER))
    frame = frame.astype(
        {
            ValidationCols.RANK: "Int64",
            ValidationCols.PERCENTILE: "float64",
            ValidationCols.SCORE: "float64",
        }
    )
    return ValidationCols.check(frame, "validate")


def status_counts(validation: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per expected strategy: how many known compounds got each status (for the manifest)."""
    out: dict[str, dict[str, int]] = {}
    for strategy, rows in validation.groupby(ValidationCols.EXPECTED, sort=False):
        counts = rows[ValidationCols.STATUS].value_counts()
        out[str(strategy)] = {"known": len(rows)} | {
            status: int(counts.get(status, 0)) for status in VALIDATION_STATUSES
        }
    return out


def known_sha256(location: str = DEFAULT_KNOWN) -> str:
    """SHA-256 of the known-compounds list's text (a refresh reruns when the list changes)."""
    import hashlib

    if location == DEFAULT_KNOWN:
        text, _ = _default_known_text()
    else:
        try:
            text = Path(location).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def known_parents(
    known: pd.DataFrame, parents: pd.DataFrame, looked_up: pd.DataFrame
) -> dict[str, str]:
    """Known id -> the parent id its evidence is aggregated on, for the ids the release has.

    A list may name a salt: its row then counts for the parent, as the run's evidence does.
    """
    parent_of = dict(
        zip(
            parents[ParentCols.MOLECULE_CHEMBL_ID].astype(str),
            parents[ParentCols.PARENT_CHEMBL_ID].astype(str),
            strict=True,
        )
    )
    for record in looked_up.to_dict("records"):
        molecule = str(record[MoleculeCols.MOLECULE_CHEMBL_ID])
        hierarchy = record.get(MoleculeCols.HIERARCHY_PARENT)
        parent_of.setdefault(molecule, hierarchy if isinstance(hierarchy, str) else molecule)
    return {m: parent_of[m] for m in known_ids(known) if m in parent_of}
