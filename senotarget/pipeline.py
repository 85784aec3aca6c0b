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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from senotarget import chemistry, classify, curate, fetch, report, resolve, score
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

__all__ = ["Explanation", "explain", "resolve_genes", "run", "tool_version"]

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


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


def run(settings: Settings, progress: Progress | None = None) -> RunResult:
    """Run the whole pipeline for the settings' panel and write ``<out>/<run-id>/``.

    :param settings: resolved settings (:func:`senotarget.config.load_settings`)
    :param progress: called with a short message as each stage starts
    :returns: the run folder, counts and stage timings
    :raises SenotargetError: bad panel, unusable source or output folder, or no panel gene resolved
    """
    say = progress or (lambda _m: None)
    timings: list[StageTiming] = []
    started = datetime.now(UTC)
    panel = load_panel(settings.panel)
    run_id = settings.run_id or default_run_id(panel, started)
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
        _require_complete(source)
    finally:
        source.close()

    with _timed("curate", timings):
        curated = curate.flag_activities(evidence.activities, targets, settings.thresholds)
    say(f"standardising {len(evidence.molecules)} structures")
    with _timed("chemistry", timings):
        chem = chemistry.standardise(
            evidence.molecules,
            cache_dir=settings.cache_dir / "structures",
            workers=settings.workers,
        )
        parents = chemistry.assign_parents(evidence.molecules, chem)
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

    counts = _counts(targets, curated, aggregated, candidates, parents)
    manifest = _manifest(settings, panel, info, run_id, started, timings, counts, curated, parents)
    with _timed("report", timings):
        report.write_run(
            run_dir,
            {"candidates.csv": candidates, "evidence.csv": aggregated, "targets.csv": targets},
            manifest,
        )
    return RunResult(str(run_dir), run_id, counts, tuple(timings))


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


def rerender(run_dir: Path) -> list[str]:
    """Rebuild a finished run's exports from its CSV tables, without touching ChEMBL.

    :returns: the files written
    :raises OutputError: the folder is not a finished run
    """
    for name in report.TABLES:
        report.read_run_table(run_dir, name)  # checks it is a finished run
    try:
        return report.write_exports(run_dir)
    except OSError as error:
        from senotarget.errors import OutputError

        raise OutputError(
            f"cannot write exports in {run_dir} ({error.strerror or error})",
            "check the folder's permissions",
        ) from None


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
    import json

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
    manifest = json.loads((folder / report.MANIFEST).read_text(encoding="utf-8"))
    return Explanation(
        run_dir=folder,
        molecule_chembl_id=molecule,
        pref_name="" if name == "nan" else name,
        candidates=candidates[candidates[CandidateCols.MOLECULE_CHEMBL_ID] == molecule],
        evidence=evidence[evidence[EvidenceCols.MOLECULE_CHEMBL_ID] == molecule],
        weights=dict(manifest.get("settings", {}).get("weights", {})),
    )
