"""The one place that knows the order of the stages.

``panel -> resolve -> fetch -> curate -> chemistry -> parents -> aggregate -> classify -> score ->
cluster -> rank -> validate -> report``. Aggregation on the parent needs the parents that the
chemistry stage finds for molecules without a molecule_hierarchy row, so curation (per activity
row) and aggregation (per parent) run on either side of chemistry. The cluster stage groups the
scored compounds by chemical similarity (the best-scored member leads); the rank stage ranks
every candidate within its panel entry and gene as well as its strategy. Two shorter pipelines
run the first stages only: :func:`resolve_genes` (``targets resolve``) and
:func:`targets_from_document` (``targets from-doc``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from senotarget.errors import ChemblSourceError, OutputError, PanelError, UnknownTargetError
from senotarget.panels.load import load_panel
from senotarget.report import exports, manifest
from senotarget.report import files as report
from senotarget.schema import MoleculeCols, Panel, PanelEntry, RunResult, StageTiming, TargetCols
from senotarget.sources import open_source
from senotarget.stages import (
    aggregate,
    changes,
    chemistry,
    classify,
    cluster,
    curate,
    fetch,
    parents,
    rank,
    resolve,
    score,
    validate,
)

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Settings
    from senotarget.panels.extract import Extraction

__all__ = ["Progress", "resolve_genes", "run", "targets_from_document"]

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


@contextmanager
def _timed(stage: str, timings: list[StageTiming]) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings.append(StageTiming(stage, round(time.perf_counter() - start, 3)))


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
    if not panel.entries:
        raise PanelError(
            panel.source,
            "has no [[entries]]: its genes are under [[unassigned]], without a strategy",
            "move them into an [[entries]] table with strategies and a direction, "
            'or add extends = "default"',
        )
    known = validate.load_known(settings.known_compounds)
    if previous is not None:
        try:
            before = (
                report.read_run_table(previous, "candidates.csv"),
                report.read_run_table(previous, "evidence.csv"),
            )
        except OutputError as error:  # written by an older senotarget: rank anew, compare nothing
            logger.warning("not comparing with %s: %s", previous, error)
            previous = None
    default_id = report.default_run_id(panel.name, started)
    with report.reserved_run(settings.out_dir, settings.run_id, default_id) as run_dir:
        run_id = run_dir.name

        source, info = open_source(settings)
        try:
            say(f"resolving {len(panel.genes())} genes on {info.location} ({info.release})")
            with _timed("resolve", timings):
                components = source.search_targets(panel.genes(), settings.thresholds.tax_id)
                targets = resolve.resolve_targets(panel, components, settings.thresholds)
            _require_complete(source)
            resolve.require_resolved(targets, info.location)
            resolved = targets[TargetCols.STATUS] == "resolved"
            unresolved = sorted(
                set(targets[TargetCols.GENE_SYMBOL])
                - set(targets.loc[resolved, TargetCols.GENE_SYMBOL])
            )
            if unresolved:  # said once on stderr, not only in targets.csv
                logger.warning(
                    "%d panel gene(s) match no usable ChEMBL target in %s and are left out: %s "
                    "(reasons in targets.csv)",
                    len(unresolved),
                    info.release,
                    ", ".join(unresolved),
                )
            say("fetching evidence")
            with _timed("fetch", timings):
                named = validate.names_to_find(known)
                if named:  # known-compounds rows given by name, not id
                    known = validate.resolve_names(known, source.molecules_by_name(named))
                evidence = fetch.fetch_evidence(source, targets, say)
                looked_up = fetch.fetch_molecules(
                    source, validate.known_ids(known), evidence.molecules
                )
                # what the release computed itself (QED, alerts): used where it has them
                chembl_chemistry = source.chembl_properties(
                    evidence.molecules[MoleculeCols.MOLECULE_CHEMBL_ID].astype(str).tolist()
                )
            _require_complete(source)
        finally:
            source.close()
        web_requests = getattr(source, "requests_made", None) if info.kind == "web" else None

        with _timed("curate", timings):
            curated = curate.flag_activities(evidence.activities, targets, settings.thresholds)
        shown.stage("standardising structures", len(evidence.molecules))
        structure_cache: dict[str, int] = {}
        with _timed("chemistry", timings):
            chem = chemistry.standardise(
                evidence.molecules,
                cache_dir=settings.cache_dir / "structures",
                workers=settings.workers,
                scheduler=settings.scheduler,
                time_limit=settings.structure_time_limit,
                progress=shown.advance,
                stats=structure_cache,
            )
            chem = chemistry.prefer_chembl(chem, chembl_chemistry)
            parent_map = parents.assign_parents(evidence.molecules, chem)
        say("aggregating evidence on parent compounds")
        with _timed("aggregate", timings):
            # the curation rules that judge a (parent, target) pair as a whole, once parents are
            # known (counted in the manifest's curation_rule_hits)
            curated = curate.flag_groups(curated, parent_map)
            aggregated, support = aggregate.aggregate_evidence(
                curated, parent_map, evidence.mechanisms, targets
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
                molecules=evidence.molecules,
            )
        with _timed("score", timings):
            candidates = score.score_candidates(
                calls, support, targets, evidence.molecules, parent_map, chem, panel, settings
            )
        with _timed("cluster", timings):
            candidates = cluster.assign_clusters(candidates, settings.thresholds.cluster_similarity)
        with _timed("rank", timings):
            rankings = rank.rank_candidates(calls, support, targets, candidates, settings)
            selectivity = rank.selectivity(
                rankings,
                calls,
                aggregated,
                support,
                targets,
                settings.report_top,
                settings.thresholds,
            )

        with _timed("validate", timings):
            validation = validate.validate_run(
                known,
                candidates,
                aggregated,
                validate.known_parents(known, parent_map, looked_up),
                settings.thresholds.active_pchembl,
                calls=calls,
            )
        tables = {
            "candidates.csv": candidates,
            "evidence.csv": aggregated,
            "targets.csv": targets,
            "validation.csv": validation,
            "rankings.csv": rankings,
            "selectivity.csv": selectivity,
        }
        counts = manifest.run_counts(targets, curated, aggregated, candidates, parent_map)
        record = manifest.build_manifest(
            settings,
            panel,
            info,
            run_id,
            started,
            timings,
            counts,
            curated,
            parent_map,
            cache=manifest.cache_summary(settings, structure_cache, web_requests),
        )
        record["validation"] = validate.status_counts(validation)
        record["chemistry_basis"] = chemistry.basis_counts(chem)
        # flags on nearly every row say something about the release, not the row: said once
        record["release_wide_flags"] = curate.release_wide_flags(curated)
        if previous is not None:
            found = changes.diff_runs(*before, candidates, aggregated, settings.min_rank_move)
            tables["changes.csv"] = found
            record["previous_run"] = {
                "run_id": previous.name,
                "path": str(previous),
                "chembl_release": report.read_manifest(previous).get("chembl", {}).get("release"),
            }
            record["changes"] = changes.change_counts(found)
        if reasons:
            record["refresh_reasons"] = list(reasons)
        say("writing reports")
        with _timed("report", timings):
            exports.write_run(run_dir, tables, record)
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


def resolve_genes(settings: Settings, genes: list[str] | None = None) -> tuple[pd.DataFrame, str]:
    """Resolve the settings' panel, or only ``genes``, without fetching evidence.

    :returns: the targets table and the release it was resolved on
    :raises UnknownTargetError: a gene given explicitly matches no ChEMBL target
    """
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
                genes=unknown,
            )
    return targets, info.release


def targets_from_document(settings: Settings, document: Path) -> tuple[str, Extraction]:
    """Extract a panel from a document, grounded on the configured source, and validate it.

    :returns: the panel TOML text and the extraction (entries, unassigned, ungrounded)
    :raises SenotargetError: unreadable document, unusable source, or an invalid panel
    """
    from senotarget.panels import extract
    from senotarget.panels.load import parse_panel

    parsed = extract.read_document(document)
    source, _info = open_source(settings)
    try:
        extraction = extract.extract_panel(parsed, source, settings.thresholds.tax_id)
    finally:
        source.close()
    text = extract.panel_toml(extraction)
    parse_panel(text, source=f"extracted from {document}")  # the panel `run --panel` will read
    return text, extraction
