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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from senotarget.errors import (
    ChemblSourceError,
    ConfigError,
    OutputError,
    PanelError,
    UnknownTargetError,
)
from senotarget.panels.load import load_panel
from senotarget.report import exports, manifest
from senotarget.report import files as report
from senotarget.schema import (
    ActivityCols,
    MoleculeCols,
    Panel,
    PanelEntry,
    ParentCols,
    RunResult,
    StageTiming,
    TargetCols,
)
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
from senotarget.stages.support import Support
from senotarget.util.dask_tasks import KILLED
from senotarget.util.partitions import Spill, bucket_of, peak_rss_mb

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Settings
    from senotarget.panels.extract import Extraction
    from senotarget.util.dask_tasks import Cluster

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
    """Add the block's wall time to ``stage`` (a stage may run in several blocks)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _add_time(timings, stage, time.perf_counter() - start)


def _add_time(timings: list[StageTiming], stage: str, seconds: float) -> None:
    for i, timing in enumerate(timings):
        if timing.stage == stage:
            timings[i] = StageTiming(stage, round(timing.seconds + seconds, 3), peak_rss_mb())
            return
    timings.append(StageTiming(stage, round(seconds, 3), peak_rss_mb()))


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
    with (
        report.reserved_run(settings.out_dir, settings.run_id, default_id) as run_dir,
        Spill(settings.cache_dir / "partitions") as spill,
        _cluster(settings.scheduler) as dask_cluster,
    ):
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
            n_targets = len(resolve.own_targets(targets)[TargetCols.TARGET_CHEMBL_ID].unique())
            shown.stage(f"fetching and curating the activities on {n_targets} targets")
            first = _curate_in_partitions(
                source, targets, settings, spill, dask_cluster, shown, timings
            )
            say("fetching mechanisms and molecules")
            with _timed("fetch", timings):
                named = validate.names_to_find(known)
                if named:  # known-compounds rows given by name, not id
                    known = validate.resolve_names(known, source.molecules_by_name(named))
                lookups = fetch.fetch_lookups(source, targets, first.molecules, say)
                looked_up = fetch.fetch_molecules(
                    source, validate.known_ids(known), lookups.molecules
                )
                # what the release computed itself (QED, alerts): used where it has them
                chembl_chemistry = source.chembl_properties(
                    lookups.molecules[MoleculeCols.MOLECULE_CHEMBL_ID].astype(str).tolist()
                )
            _require_complete(source)
        finally:
            source.close()
        web_requests = getattr(source, "requests_made", None) if info.kind == "web" else None

        shown.stage("standardising structures", len(lookups.molecules))
        structure_cache: dict[str, int] = {}
        with _timed("chemistry", timings):
            # the release's own standardised structures, QED and alerts where it has them;
            # the structure pipeline for the rest
            chem = chemistry.describe(
                lookups.molecules,
                chembl_chemistry,
                cache_dir=settings.cache_dir / "structures",
                workers=settings.workers,
                scheduler=dask_cluster if dask_cluster is not None else "",
                time_limit=settings.structure_time_limit,
                progress=shown.advance,
                stats=structure_cache,
            )
            parent_map = parents.assign_parents(lookups.molecules, chem)
        with _timed("aggregate", timings):
            # the curation rules that judge a (parent, target) pair as a whole, once parents are
            # known (counted in the manifest's curation_rule_hits), then the aggregation, in
            # partitions that hold every row of a parent compound
            buckets = _deal_by_parent(spill, first, parent_map, settings.partition_rows)
            said_once = frozenset(curate.release_wide_flags(first.tally))
            shown.stage("aggregating evidence on parent compounds", len(buckets.pieces))
            curated_tally, parts, support = _aggregate_in_partitions(
                spill, buckets, parent_map, said_once, dask_cluster, shown
            )
            aggregated = aggregate.combine(parts, parent_map, lookups.mechanisms, targets)
        say("classifying and scoring")
        with _timed("classify", timings):
            calls = classify.classify_calls(
                aggregated,
                support,
                targets,
                panel,
                classify.action_signs(lookups.action_types),
                settings.thresholds,
                molecules=lookups.molecules,
            )
        with _timed("score", timings):
            candidates = score.score_candidates(
                calls, support, targets, lookups.molecules, parent_map, chem, panel, settings
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
        counts = manifest.run_counts(targets, curated_tally, aggregated, candidates, parent_map)
        record = manifest.build_manifest(
            settings,
            panel,
            info,
            run_id,
            started,
            timings,
            counts,
            curated_tally,
            parent_map,
            cache=manifest.cache_summary(settings, structure_cache, web_requests),
        )
        record["validation"] = validate.status_counts(validation)
        record["chemistry_basis"] = chemistry.basis_counts(chem)
        # flags on nearly every row say something about the release, not the row: said once
        record["release_wide_flags"] = curate.release_wide_flags(curated_tally)
        record["partitions"] = {
            "rows": settings.partition_rows,
            "fetched": len(first.names),
            "aggregated": len(buckets.pieces),
        }
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


@contextmanager
def _cluster(scheduler: str) -> Iterator[Cluster | None]:
    """The run's one connection to its Dask cluster, or ``None`` (and no Dask import) without."""
    if not scheduler:
        yield None
        return
    from senotarget.util.dask_tasks import Cluster

    with Cluster(scheduler) as cluster:
        yield cluster


class _InProcess:
    """The run's own process, with a cluster's ``map``: each task where the run is, in order."""

    def map(
        self,
        function: Callable[[Any], Any],
        items: Iterable[Any],
        done: Callable[[Any, Any], None],
        window: int | None = None,
    ) -> None:
        del window  # one task at a time
        for item in items:
            done(item, function(item))


def _runner(cluster: Cluster | None) -> Cluster | _InProcess:
    """Where the partitions run: the cluster, or (without one) this process."""
    return _InProcess() if cluster is None else cluster


def _window(cluster: Cluster | None) -> int:
    """Partitions in flight: two per worker, so each worker has the next one ready."""
    return 2 * max(1, cluster.workers) if cluster is not None else 1


def _seconds(timings: list[StageTiming], stage: str) -> float:
    return sum(t.seconds for t in timings if t.stage == stage)


@dataclass(frozen=True)
class _FirstPass:
    """What curating the activities partition by partition leaves: names in the spill, sums."""

    names: tuple[str, ...]
    tally: curate.Tally
    molecules: tuple[str, ...]


def _curate_task(item: tuple[int, pd.DataFrame], targets: pd.DataFrame, thresholds: Any) -> Any:
    """One partition of the first pass: its activity rows judged by the row rules."""
    index, batch = item
    return index, curate.flag_activities(batch, targets, thresholds)


def _killed(what: str) -> ConfigError:
    return ConfigError(
        f"the cluster's workers died running {what} (Dask retried it on other workers)",
        "give the workers more memory (dask worker --memory-limit) or lower --partition-rows",
        setting="scheduler",
    )


def _curate_in_partitions(
    source: Any,
    targets: pd.DataFrame,
    settings: Settings,
    spill: Spill,
    cluster: Cluster | None,
    shown: Progress,
    timings: list[StageTiming],
) -> _FirstPass:
    """Fetch the activities ``partition_rows`` at a time, curate each, and leave it in ``spill``.

    Only one partition (on a cluster, one per task in flight) is in memory at a time; the molecule
    ids and the rule counts are all that is kept of them. On a cluster the row rules run on the
    workers while the source streams the next partition.
    """
    from functools import partial

    import pandas as pd

    tally = curate.Tally()
    molecules: dict[str, None] = {}
    names: list[str] = []

    def take(index: int, curated: pd.DataFrame) -> None:
        nonlocal tally
        name = f"curated-{index:06d}"
        spill.put(name, curated)
        names.append(name)
        tally += curate.tally(curated)
        ids = pd.unique(curated[ActivityCols.MOLECULE_CHEMBL_ID].dropna())
        molecules.update(dict.fromkeys(str(m) for m in ids))
        shown.advance(len(curated))

    batches = fetch.activity_batches(source, targets, settings.partition_rows)
    task = partial(_curate_task, targets=targets, thresholds=settings.thresholds)

    def timed_batches() -> Iterator[tuple[int, pd.DataFrame]]:
        index = 0
        while True:
            with _timed("fetch", timings):
                batch = next(batches, None)
            if batch is None:
                return
            yield index, batch
            index += 1

    def done(item: tuple[int, pd.DataFrame], result: Any) -> None:
        if result is KILLED:
            raise _killed(f"partition {item[0] + 1} of the activities")
        take(*result)

    fetched_before = _seconds(timings, "fetch")
    started = time.perf_counter()
    try:
        _runner(cluster).map(task, timed_batches(), done, window=_window(cluster))
    finally:  # a failed run ends the source's query before the source is closed
        batches.close()
    # the pass interleaves reading and curating: what was not reading was curating
    fetching = _seconds(timings, "fetch") - fetched_before
    _add_time(timings, "curate", max(0.0, time.perf_counter() - started - fetching))
    if not names:  # no activity at all: one empty partition keeps the stages' tables typed
        take(0, curate.flag_activities(ActivityCols.empty(), targets, settings.thresholds))
    return _FirstPass(tuple(sorted(names)), tally, tuple(molecules))


@dataclass(frozen=True)
class _Buckets:
    """The curated rows dealt out by parent compound.

    ``count`` buckets; ``pieces``: the spill names of each bucket that has rows, by bucket number.
    """

    count: int
    pieces: dict[int, list[str]]


def _deal_by_parent(
    spill: Spill, first: _FirstPass, parent_map: pd.DataFrame, rows: int
) -> _Buckets:
    """Deal the curated rows out again by parent compound: partitions of whole parents.

    As many buckets as the first pass had rows per ``rows``; a row goes to the bucket its
    parent hashes to (:func:`bucket_of`), so every row of a (parent, target) pair is in one.

    :returns: the buckets and, per bucket that has rows, the names of its pieces in the spill
    """
    import numpy as np

    count = max(1, -(-first.tally.rows // rows))
    if count == 1:
        return _Buckets(1, {0: list(first.names)})
    pieces: dict[int, list[str]] = {}
    for name in first.names:
        curated = spill.get(name)
        bucket = bucket_of(curate.parent_ids(curated, parent_map), count)
        for number in np.unique(bucket).tolist():
            piece = f"{name}-{number:06d}"
            spill.put(piece, curated[bucket == number].reset_index(drop=True))
            pieces.setdefault(number, []).append(piece)
        spill.drop(name)
    return _Buckets(count, dict(sorted(pieces.items())))


def _aggregate_task(
    item: tuple[int, pd.DataFrame, pd.DataFrame], said_once: frozenset[str]
) -> tuple[int, tuple[pd.DataFrame, pd.DataFrame], curate.Tally]:
    """One partition of the second pass: the group rules, then the aggregation of its rows."""
    index, curated, parents_of = item
    grouped = curate.flag_groups(curated, parents_of)
    part = aggregate.aggregate_activities(grouped, parents_of, said_once=said_once)
    return index, part, curate.tally(grouped)


def _aggregate_in_partitions(
    spill: Spill,
    buckets: _Buckets,
    parent_map: pd.DataFrame,
    said_once: frozenset[str],
    cluster: Cluster | None,
    shown: Progress,
) -> tuple[curate.Tally, list[pd.DataFrame], Support]:
    """Judge and aggregate each partition of whole parents.

    Only the aggregated evidence is kept in memory; each partition's support rows (which grow
    with the measurements) go back to the spill, one piece per bucket, for :class:`Support`.
    """
    from functools import partial

    import pandas as pd

    named = buckets.pieces

    def items() -> Iterator[tuple[int, pd.DataFrame, pd.DataFrame]]:
        for number, names in named.items():
            frames = [spill.get(n) for n in names]
            curated = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
            molecules = curated[ActivityCols.MOLECULE_CHEMBL_ID].unique()
            mine = parent_map[parent_map[ParentCols.MOLECULE_CHEMBL_ID].isin(molecules)]
            yield number, curated, mine.reset_index(drop=True)

    task = partial(_aggregate_task, said_once=said_once)
    parts: dict[int, pd.DataFrame] = {}
    pieces: dict[int, Callable[[], pd.DataFrame]] = {}
    tally = curate.Tally()

    def take(number: int, part: tuple[pd.DataFrame, pd.DataFrame], counted: curate.Tally) -> None:
        nonlocal tally
        evidence, support = part
        parts[number] = evidence
        name = f"support-{number:06d}"
        spill.put(name, support)
        pieces[number] = partial(spill.get, name)
        for used in named[number]:  # the partition's curated rows are not read again
            spill.drop(used)
        tally += counted
        shown.advance(1)

    def done(item: tuple[int, pd.DataFrame, pd.DataFrame], result: Any) -> None:
        if result is KILLED:
            raise _killed(f"partition {list(named).index(item[0]) + 1} of the aggregation")
        take(*result)

    _runner(cluster).map(task, items(), done, window=_window(cluster))
    return tally, [parts[i] for i in sorted(parts)], Support(pieces, buckets.count)


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
