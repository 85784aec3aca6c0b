"""The ``senotarget`` command line: parse, call one library function, render, exit.

Exit codes: 0 success, 1 a user or input error (one line on stderr naming the input and the fix),
2 a usage error (typer/click). This is the only module that prints or exits. Every user error
takes one path, :class:`_Commands`: the commands raise :class:`SenotargetError` and never print
an error themselves, so each error looks the same and none leaves a traceback.

Every command that has settings resolves them through :func:`senotarget.config.load_settings`
(flag > ``SENOTARGET_*`` variable > config file > default), so a setting means the same in each.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Self

import typer
from typer.core import TyperGroup

from senotarget.errors import SenotargetError


class _Commands(TyperGroup):
    """The command group whose :meth:`invoke` is the one error path of the CLI.

    Every command and sub-command (``targets ...``, ``cache ...``) runs inside this ``invoke``,
    so a :class:`SenotargetError` raised anywhere in one, while loading settings, working or
    rendering, becomes one line on stderr and exit code 1, with no traceback; no command needs
    (or can forget) its own ``try``. Other exceptions are bugs and keep their traceback.
    """

    def invoke(self, ctx: Any) -> Any:  # typer's click Context (typer._click) has no public name
        try:
            return super().invoke(ctx)
        except SenotargetError as error:
            typer.echo(f"senotarget: error: {error}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    name="senotarget",
    help="Rank ChEMBL compounds as senolytic, senomorphic or senoreverter candidates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Commands,
)
targets_app = typer.Typer(help="Inspect and resolve panel targets.", no_args_is_help=True)
app.add_typer(targets_app, name="targets")
cache_app = typer.Typer(help="Inspect or clear the local caches.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
db_app = typer.Typer(help="Load a ChEMBL release into PostgreSQL.", no_args_is_help=True)
app.add_typer(db_app, name="db")

# -- options shared by every command, declared once --------------------------------------------
PanelOpt = Annotated[
    str | None, typer.Option("--panel", help="Panel TOML file, or a built-in panel name (default).")
]
SourceOpt = Annotated[
    str | None, typer.Option("--source", help="ChEMBL source: auto, web or sql (default auto).")
]
ChemblDbOpt = Annotated[
    str | None,
    typer.Option(
        "--chembl-db", help="ChEMBL SQLite file or database URL (env SENOTARGET_CHEMBL_DB)."
    ),
]
ChemblUrlOpt = Annotated[
    str | None,
    typer.Option("--chembl-url", help="ChEMBL REST API base URL (env SENOTARGET_CHEMBL_URL)."),
]
OfflineOpt = Annotated[
    bool | None,
    typer.Option("--offline/--online", help="Answer only from the cache or local release."),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Config TOML file (env SENOTARGET_CONFIG).")
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Reports folder (default reports/).")]
RunIdOpt = Annotated[
    str | None,
    typer.Option("--run-id", help="Name of the run folder (default <panel>-<UTC time>)."),
]
CacheDirOpt = Annotated[
    Path | None, typer.Option("--cache-dir", help="Cache folder (default data/cache/).")
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="Processes for chemistry (0 = one per core).")
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help=(
            "Run the activity partitions and the chemistry on a dask.distributed cluster: "
            "tcp://HOST:PORT, or local:N."
        ),
    ),
]
PartitionRowsOpt = Annotated[
    int | None,
    typer.Option(
        "--partition-rows",
        help="Activity rows curated at a time; bounds the run's memory (default 200000).",
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")]
TopOpt = Annotated[
    int | None,
    typer.Option("--top", help="Candidates per strategy shown in report.html (default 25)."),
]
TimeLimitOpt = Annotated[
    float | None,
    typer.Option(
        "--structure-time-limit",
        help="Seconds one structure may take in a worker before it is excluded (default 60).",
    ),
]
PerClusterOpt = Annotated[
    int | None,
    typer.Option(
        "--per-cluster",
        help="Members of one chemical cluster shown in a report.html top list (default 3).",
    ),
]
KnownOpt = Annotated[
    str | None,
    typer.Option(
        "--known",
        help="Known-senotherapeutics CSV for the Validation section (default: the shipped list).",
    ),
]
RankByOpt = Annotated[
    str | None,
    typer.Option(
        "--rank-by",
        help="Ranking the summary and report.html lead with: strategy, entry or gene "
        "(default strategy; rankings.csv holds all three).",
    ),
]
MinMoveOpt = Annotated[
    int | None,
    typer.Option("--min-rank-move", help="Smallest rank move reported as a change (default 10)."),
]
RunDirOpt = Annotated[
    Path | None, typer.Option("--run", help="Run folder (default: the latest run under --out).")
]


def _settings(verbose: bool = False, **explicit: Any) -> Any:
    from senotarget.config import load_settings

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    config = explicit.pop("config", None)
    return load_settings(config=config, **explicit)


class _LogProgress:
    """``--verbose`` without a terminal: one line on stderr per stage."""

    def stage(self, description: str, total: int | None = None) -> None:
        suffix = f" ({total:,})" if total else ""
        typer.echo(f"senotarget: {description}{suffix}", err=True)

    def advance(self, amount: int) -> None:
        pass


class _RichProgress:
    """Progress bars on a terminal (rich): a spinner per step, a bar for counted stages.

    Used only when stderr is a terminal, so logs, pipes and cron jobs get no escape codes.
    """

    def __init__(self, console: Any, verbose: bool = False) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: Any = None
        self._verbose = verbose

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._finish()
        self._progress.stop()

    def _finish(self) -> None:
        if self._task is not None:
            task = self._progress.tasks[self._task]
            total = task.total if task.total is not None else 1
            self._progress.update(self._task, total=total, completed=total)

    def stage(self, description: str, total: int | None = None) -> None:
        self._finish()
        if self._verbose:
            self._progress.console.log(description)
        short = description if len(description) <= 44 else description[:43] + "…"
        self._task = self._progress.add_task(short, total=total)

    def advance(self, amount: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


@contextmanager
def _progress(verbose: bool) -> Iterator[Any]:
    """Bars when stderr is a terminal, stage lines with ``--verbose``, else nothing."""
    if sys.stderr.isatty():
        from rich.console import Console

        with _RichProgress(Console(stderr=True), verbose) as bars:
            yield bars
    else:
        yield _LogProgress() if verbose else None


@app.command()
def run(
    panel: PanelOpt = None,
    source: SourceOpt = None,
    chembl_db: ChemblDbOpt = None,
    chembl_url: ChemblUrlOpt = None,
    offline: OfflineOpt = None,
    config: ConfigOpt = None,
    out: OutOpt = None,
    run_id: RunIdOpt = None,
    cache_dir: CacheDirOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    partition_rows: PartitionRowsOpt = None,
    structure_time_limit: TimeLimitOpt = None,
    top: TopOpt = None,
    per_cluster: PerClusterOpt = None,
    known: KnownOpt = None,
    rank_by: RankByOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Rank candidates for a panel and write reports/<run-id>/ (prints the run folder last)."""
    from senotarget.pipeline import run as run_pipeline

    settings = _settings(
        verbose,
        panel=panel,
        source=source,
        chembl_db=chembl_db,
        chembl_url=chembl_url,
        offline=offline,
        config=config,
        out_dir=out,
        run_id=run_id,
        cache_dir=cache_dir,
        workers=workers,
        scheduler=scheduler,
        partition_rows=partition_rows,
        structure_time_limit=structure_time_limit,
        report_top=top,
        cluster_top=per_cluster,
        known_compounds=known,
        rank_by=rank_by,
    )
    with _progress(verbose) as progress:
        result = run_pipeline(settings, progress=progress)
    for line in _summary(Path(result.run_dir), result.counts, settings.rank_by):
        typer.echo(line, err=True)
    typer.echo(result.run_dir)


#: Compounds named per ranking in the run summary.
SUMMARY_TOP = 3


def _summary(run_dir: Path, counts: dict[str, int], rank_by: str) -> list[str]:
    """The run's summary: per strategy, panel entry and gene, the best compounds, ``rank_by`` first.

    Each line names the key, how many compounds rank under it, and its best :data:`SUMMARY_TOP`
    by rank (rankings.csv); the strategy lines start as ``senolytic: N candidates``.
    """
    from senotarget.report.files import read_run_table
    from senotarget.schema import STRATEGIES, RankingCols

    rankings = (
        read_run_table(run_dir, "rankings.csv")
        if (run_dir / "rankings.csv").is_file()
        else RankingCols.empty()
    )
    best: dict[tuple[str, str], list[str]] = {}
    size: dict[tuple[str, str], int] = {}
    for row in rankings.to_dict("records"):
        key = (str(row[RankingCols.SCOPE]), str(row[RankingCols.KEY]))
        size[key] = int(row[RankingCols.N_RANKED])
        if int(row[RankingCols.RANK]) <= SUMMARY_TOP:
            name = row[RankingCols.PREF_NAME] or row[RankingCols.MOLECULE_CHEMBL_ID]
            best.setdefault(key, []).append(f"{name} {float(row[RankingCols.SCORE]):.3f}")
    blocks: dict[str, list[str]] = {"strategy": [], "entry": [], "gene": []}
    for strategy in STRATEGIES:
        top = best.get(("strategy", strategy))
        blocks["strategy"].append(
            f"{strategy}: {counts.get(f'candidates_{strategy}', 0)} candidates"
            + (f"; best: {', '.join(top)}" if top else "")
        )
    keys = list(
        dict.fromkeys(
            (str(s), str(k))
            for s, k in zip(rankings[RankingCols.SCOPE], rankings[RankingCols.KEY], strict=True)
        )
    )
    for scope, title in (("entry", "panel entry"), ("gene", "gene")):
        mine = [k for k in keys if k[0] == scope]
        if mine:
            blocks[scope].append(f"by {title}:")
        for key in mine:
            blocks[scope].append(f"  {key[1]}: {size[key]} ranked; best: {', '.join(best[key])}")
    if rank_by != "strategy":  # under a heading, as the other blocks
        blocks["strategy"] = ["by strategy:", *(f"  {line}" for line in blocks["strategy"])]
    order = [rank_by, *(s for s in blocks if s != rank_by)]
    return [line for scope in order for line in blocks[scope]]


@targets_app.command("list")
def targets_list(panel: PanelOpt = None, config: ConfigOpt = None) -> None:
    """Print the panel's entries: label, genes, strategies, direction, citation."""
    from senotarget.panels.load import load_panel

    loaded = load_panel(_settings(panel=panel, config=config).panel)
    rows = [
        (e.label, " ".join(e.genes), ";".join(e.strategies), e.direction, e.citation)
        for e in loaded.entries
    ]
    _table(
        f"panel {loaded.name} ({loaded.source})",
        ("label", "genes", "strategies", "direction", "citation"),
        rows,
    )


@targets_app.command("resolve")
def targets_resolve(
    genes: Annotated[
        list[str] | None, typer.Argument(help="Gene symbols or accessions (default: the panel's).")
    ] = None,
    panel: PanelOpt = None,
    source: SourceOpt = None,
    chembl_db: ChemblDbOpt = None,
    chembl_url: ChemblUrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Resolve genes (or the panel) to ChEMBL targets and print the targets table."""
    from senotarget.pipeline import resolve_genes

    settings = _settings(
        panel=panel, source=source, chembl_db=chembl_db, chembl_url=chembl_url, config=config
    )
    table, release = resolve_genes(settings, genes or None)
    columns = ("label", "gene_symbol", "target_chembl_id", "target_type", "status", "reason")
    rows = [tuple(str(v) for v in r) for r in table.loc[:, list(columns)].itertuples(index=False)]
    _table(f"targets on {release}", columns, rows)


@targets_app.command("from-doc")
def targets_from_doc(
    document: Annotated[
        Path, typer.Argument(help="Text, Markdown (PFOCR) or PubMed/PMC XML file.")
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the panel TOML here.")
    ] = None,
    source: SourceOpt = None,
    chembl_db: ChemblDbOpt = None,
    chembl_url: ChemblUrlOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Extract a panel from a document: entries, unassigned genes, ungrounded tokens."""
    from senotarget.pipeline import targets_from_document
    from senotarget.report.files import write_text_atomic

    settings = _settings(source=source, chembl_db=chembl_db, chembl_url=chembl_url, config=config)
    text, found = targets_from_document(settings, document)
    if output is not None:
        write_text_atomic(output, text)
    summary = (
        f"{len(found.entries)} entries, {len(found.unassigned)} unassigned, "
        f"{len(found.ungrounded)} ungrounded, {len(found.ambiguous)} ambiguous, "
        f"{found.filtered} gene-shaped tokens filtered (grounded on {found.release})"
    )
    if not found.entries:
        summary = (
            f"no strategy rule matched: the {len(found.unassigned)} grounded genes are written "
            f"under [[unassigned]]; give them an [[entries]] table before `run` ({summary})"
        )
    typer.echo(summary, err=True)
    typer.echo(str(output) if output is not None else text.rstrip("\n"))


@app.command()
def explain(
    compound: Annotated[str, typer.Argument(help="ChEMBL id or preferred name.")],
    run_dir: RunDirOpt = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print a compound's score breakdown, evidence per target and flags."""
    from senotarget.runs.explain import explain as explain_compound

    settings = _settings(out_dir=out, config=config)
    result = explain_compound(compound, run_dir, settings.out_dir)
    typer.echo(f"{result.molecule_chembl_id} {result.pref_name}  (run {result.run_dir})")
    for row in result.candidates.to_dict("records"):
        rows = [
            (p.component, f"{p.weight:+.2f}", f"{p.value:.3f}", f"{p.contribution:+.4f}")
            for p in result.breakdowns[str(row["strategy"])]
        ]
        _table(
            f"{row['strategy']}: rank {row['rank']}, score {row['score']:.4f}, "
            f"direction {row['direction']}",
            ("component", "weight", "value", "contribution"),
            rows,
        )
        typer.echo(f"evidence: {row['evidence_text']}")
        for label, key in (("caution", "caution"), ("flags", "flags")):
            if isinstance(row.get(key), str) and row[key]:
                typer.echo(f"{label}: {row[key]}")
    columns = (
        "target_chembl_id",
        "gene_symbols",
        "standard_type",
        "median_pchembl",
        "n_measurements",
        "n_assays",
        "censored_inactive",
        "action_type",
        "flags",
    )
    evidence = [
        tuple("" if str(v) == "nan" else str(v) for v in r)
        for r in result.evidence.loc[:, list(columns)].itertuples(index=False)
    ]
    _table("evidence per target", columns, evidence)


@app.command("report")
def report_command(
    run_dir: Annotated[
        Path | None,
        typer.Argument(help="A run folder written by `senotarget run` (default: the latest)."),
    ] = None,
    top: TopOpt = None,
    per_cluster: PerClusterOpt = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Re-render report.html and the exports (Parquet, SDF) from a run's CSVs, offline."""
    from senotarget.runs.diff import rerender

    if top is not None and top < 1:
        from senotarget.errors import ConfigError

        raise ConfigError(f"--top {top} is below 1", "pass --top 1 or more", setting="report_top")
    if per_cluster is not None and per_cluster < 1:
        from senotarget.errors import ConfigError

        raise ConfigError(
            f"--per-cluster {per_cluster} is below 1",
            "pass --per-cluster 1 or more",
            setting="cluster_top",
        )
    folder = run_dir
    if folder is None:
        from senotarget.errors import OutputError
        from senotarget.report.files import latest_run

        out_dir = _settings(out_dir=out, config=config).out_dir
        folder = latest_run(out_dir)
        if folder is None:
            raise OutputError(
                f"no finished run under {out_dir}",
                "run `senotarget run` first, or pass a run folder",
                path=out_dir,
                setting="out_dir",
            )
    written = rerender(folder, top, per_cluster)
    typer.echo(f"wrote {', '.join(written)}", err=True)
    typer.echo(str(folder))


@app.command()
def refresh(
    panel: Annotated[
        list[str] | None,
        typer.Option(
            "--panel",
            help="A panel to keep fresh (repeat for several; default: refresh_panels or --panel "
            "of the config).",
        ),
    ] = None,
    source: SourceOpt = None,
    chembl_db: ChemblDbOpt = None,
    chembl_url: ChemblUrlOpt = None,
    offline: OfflineOpt = None,
    config: ConfigOpt = None,
    out: OutOpt = None,
    cache_dir: CacheDirOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    partition_rows: PartitionRowsOpt = None,
    min_rank_move: MinMoveOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Rerun panels whose ChEMBL release, panel file or settings changed; say so when none did.

    Prints one line per panel on stderr and each panel's current run folder on stdout. The
    previous run is kept; a new run carries changes.csv and a "What changed" report section.
    Exit 0 whether or not anything ran, 1 on an error (for cron).
    """
    from senotarget.runs.refresh import refresh as refresh_panels
    from senotarget.stages.changes import describe_counts

    settings = _settings(
        verbose,
        source=source,
        chembl_db=chembl_db,
        chembl_url=chembl_url,
        offline=offline,
        config=config,
        out_dir=out,
        cache_dir=cache_dir,
        workers=workers,
        scheduler=scheduler,
        partition_rows=partition_rows,
        min_rank_move=min_rank_move,
        refresh_panels=",".join(panel) if panel else None,
    )
    with _progress(verbose) as progress:
        outcomes = refresh_panels(settings, progress=progress)
    for outcome in outcomes:
        if not outcome.ran:
            typer.echo(
                f"{outcome.panel}: up to date (run {outcome.run_dir}: same ChEMBL release, "
                "panel and settings); nothing to do",
                err=True,
            )
        else:
            moved = describe_counts(outcome.changes)
            typer.echo(
                f"{outcome.panel}: {'; '.join(outcome.reasons)}; new run"
                + (
                    f" ({moved or 'no changes'} since {Path(outcome.previous).name})"
                    if outcome.previous
                    else ""
                ),
                err=True,
            )
        typer.echo(outcome.run_dir)


@app.command("diff")
def diff_command(
    run_a: Annotated[Path, typer.Argument(help="The earlier run folder.")],
    run_b: Annotated[Path, typer.Argument(help="The later run folder.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write every change to this CSV.")
    ] = None,
    min_rank_move: MinMoveOpt = None,
    config: ConfigOpt = None,
) -> None:
    """What changed from RUN_A to RUN_B: candidates, ranks, labels, directions, evidence.

    The smallest rank move reported is the ``min_rank_move`` setting, resolved like every other
    (``--min-rank-move`` > ``SENOTARGET_MIN_RANK_MOVE`` > config file > default), so ``diff``
    and ``refresh`` report the same changes for the same settings.
    """
    from senotarget.runs.diff import diff_runs
    from senotarget.stages.changes import describe_counts

    settings = _settings(min_rank_move=min_rank_move, config=config)
    changes, counts = diff_runs(run_a, run_b, settings.min_rank_move, output)
    typer.echo(f"{run_a.name} -> {run_b.name}: {describe_counts(counts)}", err=True)
    if output is not None:
        typer.echo(str(output))
        return
    _table(
        f"changes {run_a.name} -> {run_b.name}",
        list(changes.columns),
        [[str(v) for v in row] for row in changes.itertuples(index=False)],
    )


@db_app.command("load")
def db_load(
    sqlite_file: Annotated[Path, typer.Argument(help="A ChEMBL SQLite release or extract.")],
    database_url: Annotated[
        str, typer.Argument(help="postgresql+psycopg://user:password@host:port/database")
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Drop tables of the same names first.")
    ] = False,
    verbose: VerboseOpt = False,
) -> None:
    """Copy every table of a ChEMBL SQLite file into PostgreSQL (COPY), with the query indexes."""
    from senotarget.sources.pgload import load_sqlite

    def copied(table: str, rows: int) -> None:
        typer.echo(f"senotarget: {table}: {rows:,} rows", err=True)

    report = load_sqlite(
        sqlite_file, database_url, replace=replace, progress=copied if verbose else None
    )
    typer.echo(
        f"loaded {report.tables} tables, {report.rows:,} rows and {report.indexes} indexes "
        f"in {report.seconds:.1f} s",
        err=True,
    )


@cache_app.command("info")
def cache_info(cache_dir: CacheDirOpt = None, config: ConfigOpt = None) -> None:
    """List the cache files: kind, entries, size, path."""
    from senotarget.runs.cache import cache_info as info

    settings = _settings(cache_dir=cache_dir, config=config)
    rows = [
        (f.kind, str(f.entries), f"{f.bytes / 1e6:.1f} MB", str(f.path))
        for f in info(settings.cache_dir)
    ]
    _table(f"caches under {settings.cache_dir}", ("kind", "entries", "size", "path"), rows)


@cache_app.command("clear")
def cache_clear(
    kind: Annotated[
        str | None, typer.Argument(help="web, structures or all (default: all).")
    ] = None,
    cache_dir: CacheDirOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Remove senotarget's cache files (by name; nothing else in the folder is touched).

    Prints how many files and bytes were removed, or that there was nothing to remove. A folder
    that holds files but no senotarget cache file is refused (exit 1), as a likely wrong
    --cache-dir.
    """
    from senotarget.runs.cache import ALL, KINDS, clear_cache

    settings = _settings(cache_dir=cache_dir, config=config)
    kinds = KINDS if kind is None or kind == ALL else (kind,)
    cleared = clear_cache(settings.cache_dir, kinds)
    count = len(cleared.files)
    if count == 0:
        typer.echo(f"nothing to remove from {settings.cache_dir}")
        return
    typer.echo(
        f"removed {count} {'file' if count == 1 else 'files'} ({cleared.bytes:,} bytes) "
        f"from {settings.cache_dir}"
    )


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Render a table with rich when stdout is a terminal, as tab-separated text otherwise."""
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    typer.echo(f"# {title}")
    typer.echo("\t".join(columns))
    for row in rows:
        typer.echo("\t".join(row))


def _terminated(signum: int, _frame: object) -> None:
    """End the run on SIGTERM (``kill``, a scheduler's timeout) as Ctrl-C does: by an exception.

    Every cleanup then runs (the staging folder and the run-id marker are removed, worker pools
    shut down) instead of the process vanishing mid-write.
    """
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    app()


if __name__ == "__main__":
    main()
