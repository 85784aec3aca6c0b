"""The one place that knows the order of the stages.

``panel -> resolve -> fetch -> curate (flags) -> chemistry (structures, parents) -> curate
(aggregation on the parent) -> classify -> score -> report``. Aggregation on the parent needs the
parents that the chemistry stage finds for molecules without a molecule_hierarchy row, so curation
runs in two steps around it.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from senotarget import chemistry, classify, curate, diff, fetch, report, resolve, score, validate
from senotarget.errors import ChemblSourceError, UnknownCompoundError, UnknownTargetError
from senotarget.panel import load_panel
from senotarget.schema import (
    STRATEGIES,
    CandidateCols,
    EvidenceCols,
    Panel,
    RunResult,
    StageTiming,
    TargetCols,
)
from senotarget.sources import open_source

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Settings

__all__ = [
    "Explanation",
    "Progress",
    "RefreshOutcome",
    "diff_runs",
    "explain",
    "fingerprint",
    "refresh",
    "resolve_genes",
    "run",
    "tool_version",
]

logger = logging.getLogger(__name__)


class Progress(Protocol):
    """Where a run reports what it is doing (the CLI draws bars or log lines; tests record)."""

    def stage(self, description: str, total: int | None = None) -> None:
        """A new stage or step starts; ``total`` units will be advanced (``None``: unknown)."""

    def advance(self, amount: int) -> None:
        """``amount`` more units of the current stage are done."""


class _Silent:
    def stage(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


def tool_version() -> str:
    """The installed senotarget version."""
    try:
        return version("senotarget")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


@contextmanager
def _timed(stage: str, timings: list[StageTiming]) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings.append(StageTiming(stage, round(time.perf_counter() - start, 3)))


def default_run_id(panel: Panel, now: datetime | None = None) -> str:
    """``<panel>-<UTC timestamp>``, e.g. ``default-20261124T101500Z``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in panel.name)
    return f"{safe}-{stamp}"


def _free_run_id(out_dir: Path, run_id: str) -> str:
    """``run_id``, or ``run_id-2``, ``-3`` ... when a run of the same second exists already."""
    candidate, n = run_id, 1
    while (out_dir / candidate).exists():
        n += 1
        candidate = f"{run_id}-{n}"
    return candidate


def run(
    settings: Settings,
    progress: Progress | None = None,
    previous: Path | None = None,
    reasons: tuple[str, ...] = (),
) -> RunResult:
    """Run the whole pipeline for the settings' panel and write ``<out>/<run-id>/``.

    :param settings: resolved settings (:func:`senotarget.config.load_settings`)
    :param progress: told as each stage starts, and as structures are standardised
    :param previous: an earlier run to compare with: the run then also writes ``changes.csv``
        and the report's "What changed" section
    :param reasons: why this run was started (a refresh records what changed)
    :returns: the run folder, counts and stage timings
    :raises SenotargetError: bad panel, known-compounds list, source or output folder, or no
        panel gene resolved
    """
    shown: Progress = progress or _Silent()
    say = shown.stage
    timings: list[StageTiming] = []
    started = datetime.now(UTC)
    panel = load_panel(settings.panel)
    known = validate.load_known(settings.known_compounds)
    if previous is not None:
        before = (
            report.read_run_table(previous, "candidates.csv"),
            report.read_run_table(previous, "evidence.csv"),
        )
    run_id = settings.run_id or _free_run_id(settings.out_dir, default_run_id(panel, started))
    run_dir = report.prepare_output(settings.out_dir, run_id)

    source, info = open_source(settings)
    try:
        say(f"resolving {len(panel.genes())} genes on {info.location} ({info.release})")
        with _timed("resolve", timings):
            components = source.search_targets(panel.genes(), settings.thresholds.tax_id)
            targets = resolve.resolve_targets(panel, components, settings.thresholds)
        _require_complete(source)
        _require_resolved(targets, info.location)
        say("fetching evidence")
        with _timed("fetch", timings):
            evidence = fetch.fetch_evidence(source, targets, say)
            looked_up = _lookup_known(source, known, evidence.molecules)
        _require_complete(source)
    finally:
        source.close()

    with _timed("curate", timings):
        curated = curate.flag_activities(evidence.activities, targets, settings.thresholds)
    shown.stage("standardising structures", len(evidence.molecules))
    with _timed("chemistry", timings):
        chem = chemistry.standardise(
            evidence.molecules,
            cache_dir=settings.cache_dir / "structures",
            workers=settings.workers,
            progress=shown.advance,
        )
        parents = chemistry.assign_parents(evidence.molecules, chem)
    say("aggregating evidence on parent compounds")
    with _timed("aggregate", timings):
        aggregated, support = curate.aggregate_evidence(
            curated, parents, evidence.mechanisms, targets
        )
    say("classifying and scoring")
    with _timed("classify", timings):
        calls = classify.classify_calls(
            aggregated,
            support,
            targets,
            panel,
            classify.action_signs(evidence.action_types),
            settings.thresholds,
        )
    with _timed("score", timings):
        candidates = score.score_candidates(
            calls, support, targets, evidence.molecules, parents, chem, panel, settings
        )

    with _timed("validate", timings):
        validation = validate.validate_run(
            known,
            candidates,
            aggregated,
            _known_parents(known, parents, looked_up),
            settings.thresholds.active_pchembl,
        )
    tables = {
        "candidates.csv": candidates,
        "evidence.csv": aggregated,
        "targets.csv": targets,
        "validation.csv": validation,
    }
    counts = _counts(targets, curated, aggregated, candidates, parents)
    manifest = _manifest(settings, panel, info, run_id, started, timings, counts, curated, parents)
    manifest["validation"] = validate.status_counts(validation)
    if previous is not None:
        changes = diff.diff_runs(*before, candidates, aggregated, settings.min_rank_move)
        tables["changes.csv"] = changes
        manifest["previous_run"] = {
            "run_id": previous.name,
            "path": str(previous),
            "chembl_release": report.read_manifest(previous).get("chembl", {}).get("release"),
        }
        manifest["changes"] = diff.change_counts(changes)
    if reasons:
        manifest["refresh_reasons"] = list(reasons)
    say("writing reports")
    with _timed("report", timings):
        report.write_run(run_dir, tables, manifest)
    return RunResult(str(run_dir), run_id, counts, tuple(timings))


def _lookup_known(source: Any, known: pd.DataFrame, molecules: pd.DataFrame) -> pd.DataFrame:
    """Molecule rows for the known compounds the fetch did not bring (one lookup, maybe empty)."""
    from senotarget.schema import MoleculeCols

    fetched = set(molecules[MoleculeCols.MOLECULE_CHEMBL_ID].astype(str))
    rest = [m for m in validate.known_ids(known) if m not in fetched]
    if not rest:
        return molecules.iloc[0:0]
    found: pd.DataFrame = source.molecules(rest)
    return found


def _known_parents(
    known: pd.DataFrame, parents: pd.DataFrame, looked_up: pd.DataFrame
) -> dict[str, str]:
    """Known id -> the parent id its evidence is aggregated on, for the ids the release has.

    A list may name a salt: its row then counts for the parent, as the run's evidence does.
    """
    from senotarget.schema import MoleculeCols, ParentCols

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
    return {m: parent_of[m] for m in validate.known_ids(known) if m in parent_of}


def fingerprint(settings: Settings, panel: Panel, release: str) -> dict[str, str]:
    """What decides whether a refresh reruns a panel: the data, the panel, and the settings.

    Settings that change results (score weights, thresholds) and the known-compounds list are
    hashed; where the output goes, the cache and the worker count are not part of it.
    """
    import hashlib
    import json
    from dataclasses import asdict

    scoring = {"weights": asdict(settings.weights), "thresholds": asdict(settings.thresholds)}
    text = json.dumps(scoring, sort_keys=True)
    return {
        "chembl_release": release,
        "panel_sha256": panel.sha256,
        "settings_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "known_sha256": validate.known_sha256(settings.known_compounds),
    }


@dataclass(frozen=True)
class RefreshOutcome:
    """What a refresh did for one panel.

    ``ran``: a new run was written; ``run_dir``: the panel's current run (the new one, or the
    previous one when nothing changed); ``reasons``: what changed since ``previous``;
    ``changes``: rows of changes.csv per kind (empty when nothing ran or nothing to compare).
    """

    panel: str
    ran: bool
    run_dir: str
    previous: str | None
    reasons: tuple[str, ...]
    changes: dict[str, int]


def _setting_changes(old: dict[str, Any], settings: Settings) -> list[str]:
    from dataclasses import asdict

    now = {"weights": asdict(settings.weights), "thresholds": asdict(settings.thresholds)}
    words = []
    for table, values in now.items():
        before = old.get(table, {}) if isinstance(old.get(table), dict) else {}
        for key, value in values.items():
            if before.get(key) != value:
                words.append(f"{table}.{key} {before.get(key)} -> {value}")
    return words


def refresh_reasons(
    previous: Path | None, current: dict[str, str], settings: Settings, panel: Panel
) -> tuple[str, ...]:
    """Why a panel needs a new run: empty when its latest run has the same fingerprint."""
    if previous is None:
        return (f"no earlier run of panel {panel.name} under {settings.out_dir}",)
    manifest = report.read_manifest(previous)
    old = manifest.get("fingerprint")
    if not isinstance(old, dict):
        return (f"run {previous.name} has no fingerprint (written by an older senotarget)",)
    reasons: list[str] = []
    if old.get("chembl_release") != current["chembl_release"]:
        reasons.append(f"ChEMBL release {old.get('chembl_release')} -> {current['chembl_release']}")
    if old.get("panel_sha256") != current["panel_sha256"]:
        reasons.append(f"panel file {panel.source} changed")
    if old.get("settings_sha256") != current["settings_sha256"]:
        changed = _setting_changes(manifest.get("settings", {}), settings)
        reasons.append("settings changed" + (f" ({'; '.join(changed)})" if changed else ""))
    if old.get("known_sha256") != current["known_sha256"]:
        reasons.append("known-compounds list changed")
    return tuple(reasons)


def refresh(settings: Settings, progress: Progress | None = None) -> list[RefreshOutcome]:
    """Rerun each configured panel whose ChEMBL release, panel file or settings changed.

    The panels are ``settings.refresh_panels`` (else ``settings.panel``). For each, the latest
    run of that panel under ``settings.out_dir`` is compared by fingerprint (:func:`fingerprint`);
    when nothing changed nothing runs, otherwise a new run is written beside the previous one
    (which is kept) with ``changes.csv`` against it.

    :raises SenotargetError: a bad panel, an unusable source or output folder
    """
    from dataclasses import replace

    names = settings.refresh_panels or (settings.panel,)
    source, info = open_source(settings)
    source.close()
    outcomes: list[RefreshOutcome] = []
    for name in names:
        panel = load_panel(name)
        mine = replace(settings, panel=name, run_id=None)
        previous = report.latest_run(settings.out_dir, panel.name)
        reasons = refresh_reasons(previous, fingerprint(mine, panel, info.release), mine, panel)
        if not reasons and previous is not None:  # no reasons: a comparable previous run
            outcomes.append(RefreshOutcome(panel.name, False, str(previous), str(previous), (), {}))
            continue
        result = run(mine, progress, previous=previous, reasons=reasons)
        changes = report.read_manifest(Path(result.run_dir)).get("changes", {})
        outcomes.append(
            RefreshOutcome(
                panel.name,
                True,
                result.run_dir,
                None if previous is None else str(previous),
                reasons,
                dict(changes),
            )
        )
    return outcomes


def _require_complete(source: Any) -> None:
    """Stop an offline run that the cache could not answer, listing what is missing."""
    missing = source.missing()
    if missing:
        shown = "; ".join(missing[:5]) + (
            f"; and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise ChemblSourceError(
            source.location,
            f"--offline: {len(missing)} page(s) are not in the cache ({shown})",
            "run once online (without --offline) to fill the cache",
        )


def _require_resolved(targets: pd.DataFrame, location: str) -> None:
    if not (targets[TargetCols.STATUS] == "resolved").any():
        genes = ", ".join(targets[TargetCols.GENE_SYMBOL].unique()[:6])
        raise UnknownTargetError(
            f"no panel gene resolved to a ChEMBL target in {location} ({genes} ...)",
            "check the gene symbols (HGNC) or accessions in the panel, "
            "and that the release covers them",
        )


def _counts(
    targets: pd.DataFrame,
    curated: pd.DataFrame,
    evidence: pd.DataFrame,
    candidates: pd.DataFrame,
    parents: pd.DataFrame,
) -> dict[str, int]:
    counts: dict[str, int] = {
        "panel_genes": int(targets[TargetCols.GENE_SYMBOL].nunique()),
        "targets_resolved": int(
            targets.loc[
                targets[TargetCols.STATUS] == "resolved", TargetCols.TARGET_CHEMBL_ID
            ].nunique()
        ),
        "genes_unresolved": int(
            targets.loc[
                targets[TargetCols.STATUS] == "unresolved", TargetCols.GENE_SYMBOL
            ].nunique()
        ),
        "activities": len(curated),
        "activities_excluded": int((curated["status"] == "exclude").sum()),
        "evidence_rows": len(evidence),
        "parent_compounds": int(evidence[EvidenceCols.MOLECULE_CHEMBL_ID].nunique()),
        "molecules": len(parents),
    }
    is_candidate = candidates[CandidateCols.IS_CANDIDATE].astype(bool)
    for strategy in STRATEGIES:
        mine = candidates[CandidateCols.STRATEGY] == strategy
        counts[f"candidates_{strategy}"] = int((mine & is_candidate).sum())
        counts[f"contrary_{strategy}"] = int((mine & ~is_candidate).sum())
    for basis, n in parents["parent_basis"].value_counts().items():
        counts[f"parent_basis_{basis}"] = int(n)
    return counts


def _manifest(
    settings: Settings,
    panel: Panel,
    info: Any,
    run_id: str,
    started: datetime,
    timings: list[StageTiming],
    counts: dict[str, int],
    curated: pd.DataFrame,
    parents: pd.DataFrame,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "tool": {"name": "senotarget", "version": tool_version()},
        "created_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "chembl": {
            "release": info.release,
            "source": info.kind,
            "location": info.location,
            "source_reason": info.reason,
        },
        "panel": {"name": panel.name, "source": panel.source, "sha256": panel.sha256},
        "fingerprint": fingerprint(settings, panel, info.release),
        "settings": settings.public_dict(),
        "versions": {**chemistry.chemistry_versions(), "python": platform.python_version()},
        "counts": counts,
        "curation_rule_hits": curate.rule_counts(curated),
        "timings_seconds": {t.stage: t.seconds for t in timings},
    }


def resolve_genes(settings: Settings, genes: list[str] | None = None) -> tuple[pd.DataFrame, str]:
    """Resolve the settings' panel, or only ``genes``, without fetching evidence.

    :returns: the targets table and the release it was resolved on
    :raises UnknownTargetError: a gene given explicitly matches no ChEMBL target
    """
    from senotarget.schema import Panel, PanelEntry

    panel = load_panel(settings.panel)
    if genes:
        entries = tuple(
            PanelEntry(g, (g.strip(),), ("senolytic",), "inhibit", "", "command line")
            for g in genes
        )
        panel = Panel("command line", entries, "command line")
    source, info = open_source(settings)
    try:
        components = source.search_targets(panel.genes(), settings.thresholds.tax_id)
    finally:
        source.close()
    targets = resolve.resolve_targets(panel, components, settings.thresholds)
    if genes:
        targets = targets.assign(
            **{TargetCols.STRATEGIES: "", TargetCols.DIRECTION: "", TargetCols.LABEL: ""}
        )
        unknown = sorted(
            set(targets.loc[targets[TargetCols.STATUS] == "unresolved", TargetCols.GENE_SYMBOL])
        )
        if unknown:
            raise UnknownTargetError(
                f"gene {', '.join(unknown)} matches no ChEMBL target "
                f"in {info.location} ({info.release})",
                "check the HGNC symbol or UniProt accession (e.g. BCL2L1, P10415)",
            )
    return targets, info.release


def targets_from_document(settings: Settings, document: Path) -> tuple[str, Any]:
    """Extract a panel from a document, grounded on the configured source, and validate it.

    :returns: the panel TOML text and the extraction (entries, unassigned, ungrounded)
    :raises SenotargetError: unreadable document, unusable source, or an invalid panel
    """
    from senotarget import extract
    from senotarget.panel import parse_panel

    parsed = extract.read_document(document)
    source, _info = open_source(settings)
    try:
        extraction = extract.extract_panel(parsed, source, settings.thresholds.tax_id)
    finally:
        source.close()
    text = extract.panel_toml(extraction)
    parse_panel(text, source=f"extracted from {document}")  # the panel `run --panel` will read
    return text, extraction


def rerender(run_dir: Path, top: int | None = None) -> list[str]:
    """Rebuild a finished run's report.html and exports from its CSV tables, without ChEMBL.

    :param top: candidates per strategy in report.html (default: the run's ``report_top``)
    :returns: the files written
    :raises OutputError: the folder is not a finished run
    """
    for name in report.TABLES:
        report.read_run_table(run_dir, name)  # checks it is a finished run
    try:
        return report.write_exports(run_dir, top)
    except OSError as error:
        from senotarget.errors import OutputError

        raise OutputError(
            f"cannot write exports in {run_dir} ({error.strerror or error})",
            "check the folder's permissions",
        ) from None


def diff_runs(
    run_a: Path, run_b: Path, min_rank_move: int | None = None, output: Path | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Compare two finished runs (any two, offline); optionally write the changes CSV atomically.

    :raises OutputError: a folder is not a finished run, or the CSV cannot be written
    """
    changes = diff.diff_runs(
        report.read_run_table(run_a, "candidates.csv"),
        report.read_run_table(run_a, "evidence.csv"),
        report.read_run_table(run_b, "candidates.csv"),
        report.read_run_table(run_b, "evidence.csv"),
        min_rank_move or diff.DEFAULT_MIN_RANK_MOVE,
    )
    if output is not None:
        report.write_text_atomic(output, changes.to_csv(index=False, lineterminator="\n"))
    return changes, diff.change_counts(changes)


@dataclass(frozen=True)
class Explanation:
    """One compound's rows of a run: its candidate rows, its evidence rows, and the weights."""

    run_dir: Path
    molecule_chembl_id: str
    pref_name: str
    candidates: pd.DataFrame
    evidence: pd.DataFrame
    weights: dict[str, float]


def explain(compound: str, run_dir: Path | None, out_dir: Path) -> Explanation:
    """Find a compound (ChEMBL id or preferred name, any case) in a run and return its breakdown.

    :param run_dir: the run folder; ``None`` takes the latest run under ``out_dir``
    :raises OutputError: no finished run
    :raises UnknownCompoundError: the compound is not among the run's candidates or evidence
    """
    from senotarget.errors import OutputError

    folder = run_dir or report.latest_run(out_dir)
    if folder is None:
        raise OutputError(
            f"no finished run under {out_dir}", "run `senotarget run` first, or pass --run DIR"
        )
    candidates = report.read_run_table(folder, "candidates.csv")
    evidence = report.read_run_table(folder, "evidence.csv")
    wanted = compound.strip().upper()
    ids = candidates[CandidateCols.MOLECULE_CHEMBL_ID].astype(str).str.upper()
    names = candidates[CandidateCols.PREF_NAME].fillna("").astype(str).str.upper()
    match = candidates[(ids == wanted) | (names == wanted)]
    if match.empty:
        in_evidence = evidence[
            evidence[EvidenceCols.MOLECULE_CHEMBL_ID].astype(str).str.upper() == wanted
        ]
        if in_evidence.empty:
            raise UnknownCompoundError(
                f"compound {compound!r} is not in run {folder}",
                "give a ChEMBL id (e.g. CHEMBL443684) or preferred name from its candidates.csv",
            )
        molecule, name = str(in_evidence.iloc[0][EvidenceCols.MOLECULE_CHEMBL_ID]), ""
    else:
        molecule = str(match.iloc[0][CandidateCols.MOLECULE_CHEMBL_ID])
        name = str(match.iloc[0][CandidateCols.PREF_NAME] or "")
    manifest = report.read_manifest(folder)
    return Explanation(
        run_dir=folder,
        molecule_chembl_id=molecule,
        pref_name="" if name == "nan" else name,
        candidates=candidates[candidates[CandidateCols.MOLECULE_CHEMBL_ID] == molecule],
        evidence=evidence[evidence[EvidenceCols.MOLECULE_CHEMBL_ID] == molecule],
        weights=dict(manifest.get("settings", {}).get("weights", {})),
    )
