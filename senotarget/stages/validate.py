"""Validation against compounds the literature already calls senotherapeutic.

Every ranking should show how it does on what the field knows. The known list
(``benchmarks/known_senotherapeutics.csv``, shipped as package data) names each compound with its
ChEMBL parent id, the strategy its paper shows, the targets, and the citation. A run reports for
each whether it was found with that label, at which rank and percentile, and, when it was not, why:
it moves the target the other way, curation flags or weak potency kept its evidence out, it has no
evidence on the panel's targets, or the release does not have it.

A large pathway buries a good compound in its strategy's ranking (thousands of PI3K and JAK
inhibitors beside a few hundred NLRP3 compounds, DESIGN §4), so each known compound is also judged
by its place within its panel entry: ``entry_rank`` of ``entry_size``, the entry's candidates for
the strategy in strategy-rank order, from the run's calls.

The list also holds negative controls (column ``expect``): compounds that must not be candidates
through their listed targets (``not_candidate``; tacrolimus binds FKBP12 but inhibits
calcineurin, not mTOR: Liu et al. 1991 Cell 66:807) or must move them against the panel's
direction (``contrary``). They are ``negative_ok`` or ``negative_failed``; ``no_evidence`` or
``not_in_release`` when the run has nothing to judge them on.
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
    KNOWN_EXPECTATIONS,
    STRATEGIES,
    VALIDATION_STATUSES,
    CallCols,
    CandidateCols,
    EvidenceCols,
    KnownCols,
    MoleculeCols,
    MoleculeNameCols,
    ParentCols,
    ValidationCols,
    cell_number,
    cell_text,
    join_tokens,
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
#: Columns a list file may leave out, with the value a missing column or empty cell means.
_OPTIONAL: Final = {KnownCols.EXPECT: "candidate"}


def _default_known_text() -> tuple[str, str]:
    resource = resources.files("senotarget.stages") / "data" / "known_senotherapeutics.csv"
    return resource.read_text(encoding="utf-8"), "senotarget/data/known_senotherapeutics.csv"


def load_known(location: str = DEFAULT_KNOWN) -> pd.DataFrame:
    """Read and check a known-compounds CSV (columns :data:`KnownCols.ORDER`).

    :param location: a CSV path, or ``"default"`` for the shipped list
    :raises ConfigError: unreadable file, missing column (``expect`` may be left out: every
        compound is then a positive control), unknown strategy or expectation, a ChEMBL id that
        is not one, or an empty citation; the message names the file and line
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
    missing = [
        c for c in KnownCols.ORDER if c not in (reader.fieldnames or []) and c not in _OPTIONAL
    ]
    if missing:
        raise ConfigError(
            f"known compounds file {name} lacks column(s) {', '.join(missing)}",
            "use the header " + ",".join(KnownCols.ORDER),
        )
    rows: list[dict[str, str]] = []
    for line, row in enumerate(reader, start=2):
        record = {c: (row.get(c) or "").strip() or _OPTIONAL.get(c, "") for c in KnownCols.ORDER}
        problem = _problem(record)
        if problem:
            raise ConfigError(f"known compounds file {name}:{line}: {problem[0]}", problem[1])
        rows.append(record)
    return pd.DataFrame(rows, columns=list(KnownCols.ORDER), dtype=object)


def _problem(record: dict[str, str]) -> tuple[str, str] | None:
    # an empty id: the row is found by its compound names (resolve_names), as a name a reader
    # can check is better than an id nobody could
    if record[KnownCols.MOLECULE_CHEMBL_ID] and not _CHEMBL_ID.match(
        record[KnownCols.MOLECULE_CHEMBL_ID]
    ):
        return (
            f"{record[KnownCols.MOLECULE_CHEMBL_ID]!r} is not a ChEMBL id",
            "write the parent compound's id, e.g. CHEMBL443684",
        )
    if record[KnownCols.STRATEGY] not in STRATEGIES:
        return (
            f"strategy {record[KnownCols.STRATEGY]!r} is not one of {', '.join(STRATEGIES)}",
            "use senolytic, senomorphic or senoreverter",
        )
    if record[KnownCols.EXPECT] not in KNOWN_EXPECTATIONS:
        return (
            f"expect {record[KnownCols.EXPECT]!r} is not one of {', '.join(KNOWN_EXPECTATIONS)}",
            "use candidate (or leave it empty), not_candidate or contrary",
        )
    for column in (KnownCols.COMPOUND, KnownCols.TARGETS, KnownCols.CITATION):
        if not record[column]:
            return (f"empty {column}", f"fill in {column} (every claim needs its source)")
    return None


def known_ids(known: pd.DataFrame) -> list[str]:
    """The distinct ChEMBL ids of the list, in list order (rows still without one left out)."""
    ids = known[KnownCols.MOLECULE_CHEMBL_ID].astype(str)
    return list(dict.fromkeys(i for i in ids if i))


def _names(record: Mapping[Any, Any]) -> list[str]:
    """A row's compound names: the ``;``-separated spellings of its ``compound`` cell."""
    return [n.strip() for n in str(record[KnownCols.COMPOUND]).split(";") if n.strip()]


def names_to_find(known: pd.DataFrame) -> list[str]:
    """The compound names of the rows given without a ChEMBL id, to look up in the source."""
    rows = known[known[KnownCols.MOLECULE_CHEMBL_ID].astype(str) == ""]
    return list(dict.fromkeys(n for record in rows.to_dict("records") for n in _names(record)))


def resolve_names(known: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """Fill the id of each row given by name: the one molecule its first matching name names.

    The names are tried in the row's order; a name that matches several molecules leaves the
    row without an id (reported as not in the release, with its names), never a guess.

    :param found: the source's :class:`~senotarget.schema.MoleculeNameCols` answer
    """
    by_name: dict[str, set[str]] = {}
    for name, molecule in zip(
        found[MoleculeNameCols.NAME], found[MoleculeNameCols.MOLECULE_CHEMBL_ID], strict=True
    ):
        by_name.setdefault(str(name).upper(), set()).add(str(molecule))
    out = known.copy()
    for index, record in zip(out.index, out.to_dict("records"), strict=True):
        if record[KnownCols.MOLECULE_CHEMBL_ID]:
            continue
        for name in _names(record):
            hits = by_name.get(name.upper(), set())
            if hits:
                if len(hits) == 1:
                    out.loc[index, KnownCols.MOLECULE_CHEMBL_ID] = next(iter(hits))
                break
    return out


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
    *,
    calls: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """How a run treats each known compound: :class:`ValidationCols` rows, in list order.

    :param known: :func:`load_known` output
    :param candidates: the run's candidates table
    :param evidence: the run's evidence table
    :param in_release: known id -> its parent id, for the known ids the source has (a salt's
        row counts for its parent, as its evidence does)
    :param active_pchembl: the run's active threshold, to explain weak-potency misses
    :param calls: the run's calls (:class:`CallCols`): give the panel entry of the listed
        targets and each compound's rank within it (``entry``, ``entry_rank``, ``entry_size``),
        and judge negative controls on the listed genes; without them the entry columns are
        missing and negatives are judged on the strategy's candidates
    """
    import pandas as pd

    is_candidate = candidates[CandidateCols.IS_CANDIDATE]
    sizes = candidates[is_candidate].groupby(CandidateCols.STRATEGY).size()
    entries = _Entries(candidates, calls)
    rows: list[dict[str, Any]] = []
    for record in known.to_dict("records"):
        listed = str(record[KnownCols.MOLECULE_CHEMBL_ID])
        molecule = in_release.get(listed, listed)
        unnamed = (
            ""
            if listed
            else f"no single molecule is named {' or '.join(_names(record))} in the release"
        )
        expected = str(record[KnownCols.STRATEGY])
        expect = cell_text(record.get(KnownCols.EXPECT)) or "candidate"
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
            ValidationCols.EXPECT: expect,
            **entries.place(molecule, expected, genes),
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
                    ValidationCols.RANK: rank,
                    ValidationCols.PERCENTILE: round(100.0 * (1 - (rank - 1) / size), 2),
                    ValidationCols.SCORE: cell_number(first[CandidateCols.SCORE]),
                    ValidationCols.DIRECTION: cell_text(first[CandidateCols.DIRECTION]),
                }
            )
        if unnamed:  # a row given by name that the release does not know by that name
            row[ValidationCols.STATUS] = "not_in_release"
            row[ValidationCols.REASON] = unnamed
        elif expect != "candidate":
            status, reason = _judge_negative(
                expect,
                molecule,
                genes,
                expected_rows,
                evidence,
                calls,
                active_pchembl,
                in_release=listed in in_release,
            )
            row[ValidationCols.STATUS] = status
            row[ValidationCols.REASON] = reason
            if not reason.startswith("a candidate via"):  # rank and score only of a failure
                row.update(
                    {
                        ValidationCols.RANK: None,
                        ValidationCols.PERCENTILE: None,
                        ValidationCols.SCORE: None,
                        ValidationCols.DIRECTION: (
                            "contrary" if reason.startswith("moves") else ""
                        ),
                    }
                )
        elif not hit.empty:
            first = hit.iloc[0]
            row.update(
                {
                    ValidationCols.STATUS: "found",
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
                    ValidationCols.REASON: _moves_other_way(first),
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
            ValidationCols.ENTRY_RANK: "Int64",
            ValidationCols.ENTRY_SIZE: "Int64",
        }
    )
    return ValidationCols.check(frame, "validate")


def _on_genes(rows: pd.DataFrame, column: str, genes: list[str]) -> pd.DataFrame:
    """The rows whose ``;``-joined gene column names one of ``genes``."""
    wanted = set(genes)
    cells = rows[column].fillna("").astype(str).tolist()
    return rows.loc[[bool(set(split_tokens(cell)) & wanted) for cell in cells]]


def _judge_negative(
    expect: str,
    molecule: str,
    genes: list[str],
    expected_rows: pd.DataFrame,
    evidence: pd.DataFrame,
    calls: pd.DataFrame | None,
    active_pchembl: float,
    *,
    in_release: bool,
) -> tuple[str, str]:
    """(status, reason) of a negative control (``expect`` not_candidate or contrary).

    With the calls, "a candidate" means a qualifying call on a listed gene, in any entry and so
    for every strategy of that entry; without them, a candidate row of the expected strategy
    whose targets hold a listed gene. A contrary control needs a contrary call (row) on a listed
    gene and no qualifying one.
    """
    listed = ", ".join(genes)
    if calls is not None:
        mine = _on_genes(
            calls[calls[CallCols.MOLECULE_CHEMBL_ID] == molecule], CallCols.GENE_SYMBOL, genes
        )
        candidate_via = sorted(set(mine.loc[mine[CallCols.QUALIFIES], CallCols.GENE_SYMBOL]))
        contrary = mine[mine[CallCols.DIRECTION] == "contrary"]
        contrary_via = sorted(set(contrary[CallCols.GENE_SYMBOL]))
        how = join_tokens(
            [t for cell in contrary[CallCols.ACTION_TYPES] for t in split_tokens(cell)]
        )
    else:
        rows = _on_genes(expected_rows, CandidateCols.TARGETS, genes)
        chosen = rows[rows[CandidateCols.IS_CANDIDATE]]
        contrary = rows[rows[CandidateCols.DIRECTION] == "contrary"]
        candidate_via = sorted(
            {g for c in chosen[CandidateCols.TARGETS] for g in split_tokens(c) if g in genes}
        )
        contrary_via = sorted(
            {g for c in contrary[CandidateCols.TARGETS] for g in split_tokens(c) if g in genes}
        )
        how = join_tokens(
            [t for cell in contrary[CandidateCols.ACTION_TYPES] for t in split_tokens(cell)]
        )
    if candidate_via:
        must = "not be a candidate" if expect == "not_candidate" else "move it the other way"
        return (
            "negative_failed",
            f"a candidate via {', '.join(candidate_via)}: this negative control must {must}",
        )
    if expect == "contrary" and contrary_via:
        return (
            "negative_ok",
            (
                f"moves {', '.join(contrary_via)} the other way "
                f"({how or 'inferred from potency'}), as it must"
            ),
        )
    on_genes = _on_genes(
        evidence[evidence[EvidenceCols.MOLECULE_CHEMBL_ID] == molecule],
        EvidenceCols.GENE_SYMBOLS,
        genes,
    )
    if on_genes.empty:
        if not in_release:
            return "not_in_release", "the ChEMBL source has no molecule with this id"
        return (
            "no_evidence",
            (
                f"in the release, but no activity or mechanism on {listed}: the negative control "
                "is not exercised"
            ),
        )
    described = _filtered_reason(on_genes, genes, active_pchembl)
    if expect == "not_candidate":
        return "negative_ok", f"no qualifying call on {listed}, as it must: {described}"
    return "negative_failed", f"not contrary on {listed}, which it must be: {described}"


def _moves_other_way(row: pd.Series) -> str:
    return (
        "moves "
        + ", ".join(split_tokens(cell_text(row[CandidateCols.TARGETS])))
        + " the other way ("
        + (cell_text(row[CandidateCols.ACTION_TYPES]) or "inferred from potency")
        + ")"
    )


class _Entries:
    """Each known compound's panel entry and its rank there, from the run's calls."""

    def __init__(self, candidates: pd.DataFrame, calls: pd.DataFrame | None) -> None:
        self.calls = calls
        self.labels_of: dict[str, list[str]] = {}
        self.strategies: dict[str, set[str]] = {}
        self.members: dict[str, set[str]] = {}
        self.ranks: dict[str, dict[str, int]] = {}
        if calls is None:
            return
        for gene, label, strategies in zip(
            calls[CallCols.GENE_SYMBOL],
            calls[CallCols.LABEL],
            calls[CallCols.STRATEGIES],
            strict=True,
        ):
            labels = self.labels_of.setdefault(str(gene), [])
            if label not in labels:
                labels.append(str(label))
            self.strategies.setdefault(str(label), set()).update(split_tokens(strategies))
        qualifying = calls[calls[CallCols.QUALIFIES]]
        for label, molecule in zip(
            qualifying[CallCols.LABEL], qualifying[CallCols.MOLECULE_CHEMBL_ID], strict=True
        ):
            self.members.setdefault(str(label), set()).add(str(molecule))
        chosen = candidates[candidates[CandidateCols.IS_CANDIDATE]]
        for strategy, molecule, rank in zip(
            chosen[CandidateCols.STRATEGY],
            chosen[CandidateCols.MOLECULE_CHEMBL_ID],
            chosen[CandidateCols.RANK],
            strict=True,
        ):
            self.ranks.setdefault(str(strategy), {})[str(molecule)] = int(rank)

    def place(self, molecule: str, strategy: str, genes: list[str]) -> dict[str, Any]:
        """``entry``, ``entry_rank`` and ``entry_size`` of a compound listed for ``genes``.

        The entry is the one holding a listed gene (for the strategy) where the compound ranks
        best; where it is a candidate in none, the first such entry the calls name.
        ``entry_rank``: one plus the entry's candidates for the strategy that rank above it.
        """
        empty: dict[str, Any] = {
            ValidationCols.ENTRY: "",
            ValidationCols.ENTRY_RANK: None,
            ValidationCols.ENTRY_SIZE: None,
        }
        if self.calls is None:
            return empty
        labels = list(
            dict.fromkeys(
                label
                for gene in genes
                for label in self.labels_of.get(gene, [])
                if strategy in self.strategies.get(label, set())
            )
        )
        if not labels:
            return empty
        ranks = self.ranks.get(strategy, {})
        best: dict[str, Any] | None = None
        for label in labels:
            members = [m for m in self.members.get(label, set()) if m in ranks]
            own = ranks.get(molecule) if molecule in self.members.get(label, set()) else None
            place = {
                ValidationCols.ENTRY: label,
                ValidationCols.ENTRY_RANK: (
                    None if own is None else 1 + sum(ranks[m] < own for m in members)
                ),
                ValidationCols.ENTRY_SIZE: len(members),
            }
            if best is None or (
                place[ValidationCols.ENTRY_RANK] is not None
                and (
                    best[ValidationCols.ENTRY_RANK] is None
                    or place[ValidationCols.ENTRY_RANK] < best[ValidationCols.ENTRY_RANK]
                )
            ):
                best = place
        return best if best is not None else empty


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
