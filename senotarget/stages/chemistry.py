"""The chemistry stage: standardise structures, find parents, compute drug-likeness and alerts.

Every ChEMBL structure goes through the ChEMBL structure pipeline (Bento et al. 2020,
J Cheminform 12:51): ``standardize_molblock`` and then ``get_parent_molblock``, which strips salts
and solvents, removes isotopes and neutralises. Activities are aggregated on that salt-stripped
parent (DESIGN §4), so the parent InChIKey is what lets a salt form and its free base share
evidence when ChEMBL's ``molecule_hierarchy`` has no row for them. On the parent we compute

* QED, the quantitative estimate of drug-likeness (Bickerton et al. 2012, Nat Chem 4:90), which
  feeds the score's drug-likeness component;
* the PAINS (Baell & Holloway 2010, J Med Chem 53:2719) and Brenk (Brenk et al. 2008,
  ChemMedChem 3:435) structural alerts, which are flags with a small penalty, never a filter:
  known senolytics such as quercetin and fisetin carry them (DESIGN §4);
* the Bemis-Murcko scaffold (Bemis & Murcko 1996, J Med Chem 39:2887), so a report can group
  candidates by chemotype.

Problems are data, never exceptions: each row carries ``chem_status`` (``ok`` < ``flag`` <
``exclude``) and a ``;``-joined ``chem_reason``. Results are cached in SQLite keyed by the input
SMILES, in a file whose name carries the RDKit version, the structure pipeline version and
:data:`CHEMISTRY_VERSION`, because any of the three can change a parent, a QED value or an alert.
Misses are computed in a process pool. pandas and RDKit are imported inside the functions, so
importing this module costs nothing.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from senotarget.config import Settings
from senotarget.errors import ConfigError
from senotarget.schema import ChemblPropertyCols, ChemCols, Method, MoleculeCols, join_tokens
from senotarget.stages.structure_cache import Row, read_cache, write_cache
from senotarget.util.batches import batched
from senotarget.util.processes import die_with_parent, process_context
from senotarget.util.rdkit_log import without_rdkit_log

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.util.dask_tasks import Cluster

__all__ = [
    "CHEMISTRY_VERSION",
    "METHODS",
    "basis_counts",
    "chemistry_versions",
    "has_structure",
    "prefer_chembl",
    "require_columns",
    "standardise",
    "structure_cache_path",
]

#: The chemistry rules, for the report's Methods section.
METHODS: Final = (
    Method(
        "chemistry",
        "standardisation and parent",
        "Each structure goes through the ChEMBL structure pipeline (standardize, then get_parent: "
        "salts and solvents stripped, neutralised). Evidence is aggregated on ChEMBL's "
        "molecule_hierarchy parent, else on the molecule whose parent InChIKey matches.",
        "Bento et al. 2020 J Cheminform 12:51",
    ),
    Method(
        "chemistry",
        "drug-likeness",
        "QED on the parent structure.",
        "Bickerton et al. 2012 Nat Chem 4:90",
    ),
    Method(
        "chemistry",
        "structural alerts",
        "PAINS and Brenk substructure alerts (RDKit FilterCatalog) are flags with a small score "
        "penalty, never a filter.",
        "Baell & Holloway 2010 J Med Chem 53:2719; Brenk et al. 2008 ChemMedChem 3:435",
    ),
    Method(
        "chemistry",
        "scaffold",
        "Bemis-Murcko scaffold of the parent, to group candidates by chemotype.",
        "Bemis & Murcko 1996 J Med Chem 39:2887",
    ),
)

logger = logging.getLogger(__name__)

#: Version of what this module computes from a structure. Bump it whenever a computed column
#: changes (a new alert set, another SMILES flavour, a new reason token): the cache file name
#: carries it, so old cached rows are never read again.
CHEMISTRY_VERSION: Final = 1

#: SMILES per task sent to a worker process, at most (smaller when there are few misses, so
#: that the last task does not leave the other workers idle for long).
CHUNK_SIZE: Final = 256
#: Below this many structures to compute, starting worker processes costs more than it saves.
MIN_PARALLEL: Final = 200

#: The columns a computed row (and a cache row) holds; the basis columns are set afterwards.
_BASIS_COLS: Final = (ChemCols.QED_BASIS, ChemCols.ALERTS_BASIS, ChemCols.STRUCTURE_BASIS)
_COMPUTED: Final = tuple(c for c in ChemCols.ORDER[1:] if c not in _BASIS_COLS)
_TEXT_COLS: Final = tuple(c for c in ChemCols.ORDER if c != ChemCols.QED)
_NAN: Final = float("nan")
_NO_STRUCTURE: Final[Row] = ("", "", "", _NAN, "", "", "", "flag", "no_structure")
#: The longest SMILES the stage standardises. Longer ones are peptides, oligonucleotides or
#: polymers (well beyond 150 heavy atoms, past any small-molecule drug space, macrocycles
#: included: cyclosporin is 1.2 kDa), on which the structure pipeline takes minutes per molecule
#: (111 s for 3,000 characters, still running after 8 minutes for 10,000) or crashes the worker
#: (100,000 characters: SIGSEGV), and on which QED and the PAINS/Brenk filters mean nothing. They
#: are flagged ``too_large`` (kept, like biologics without a structure), never computed or cached.
MAX_SMILES_LENGTH: Final = 2000
_TOO_LARGE: Final[Row] = ("", "", "", _NAN, "", "", "", "flag", "too_large")
_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------
# Versions and the cache file


def chemistry_versions() -> dict[str, str]:
    """Versions that decide what this stage computes, for the run manifest (STYLE 20).

    :returns: ``{"rdkit": ..., "chembl_structure_pipeline": ..., "chemistry_version": ...}``
    """
    import chembl_structure_pipeline
    import rdkit

    return {
        "rdkit": str(rdkit.__version__),
        "chembl_structure_pipeline": str(chembl_structure_pipeline.__version__),
        "chemistry_version": str(CHEMISTRY_VERSION),
    }


def structure_cache_path(cache_dir: Path) -> Path:
    """Return the SQLite file that caches computed structures under ``cache_dir``.

    The cache is keyed by the SMILES string itself, so it holds across ChEMBL releases; what can
    change a result is the toolkit, so the name carries the RDKit and structure pipeline versions
    and :data:`CHEMISTRY_VERSION` (e.g. ``structures_rdkit-2025.09.6_csp-1.2.4_v1.sqlite``).

    :param cache_dir: the run's cache folder
    :returns: the path of the cache file (it may not exist yet)
    """
    v = chemistry_versions()
    name = (
        f"structures_rdkit-{v['rdkit']}_csp-{v['chembl_structure_pipeline']}"
        f"_v{v['chemistry_version']}.sqlite"
    )
    return cache_dir / name


class _Toolkit:
    """The library entry points and the PAINS + Brenk alert catalogue, built once per process."""

    def __init__(self) -> None:
        from chembl_structure_pipeline import standardizer
        from rdkit import Chem
        from rdkit.Chem import QED
        from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams
        from rdkit.Chem.Scaffolds import MurckoScaffold

        params = FilterCatalogParams()
        params.AddCatalog(FilterCatalogParams.FilterCatalogs.PAINS)
        params.AddCatalog(FilterCatalogParams.FilterCatalogs.BRENK)
        self.catalog: Any = FilterCatalog(params)
        self.chem: Any = Chem
        self.standardize_molblock: Callable[[str], str] = standardizer.standardize_molblock
        self.get_parent_molblock: Callable[[str], tuple[str, bool]] = (
            standardizer.get_parent_molblock
        )
        self.qed: Callable[[Any], float] = QED.qed
        self.murcko: Callable[..., str] = MurckoScaffold.MurckoScaffoldSmiles


#: This process's toolkit; built on first use, so each worker process builds its own once.
_TOOLKIT: _Toolkit | None = None


def _toolkit() -> _Toolkit:
    global _TOOLKIT  # one lazily built catalogue per process is the point
    if _TOOLKIT is None:
        _TOOLKIT = _Toolkit()
    return _TOOLKIT


def _excluded(reason: str) -> Row:
    return ("", "", "", _NAN, "", "", "", "exclude", reason)


def _guarded(flags: list[str], name: str, compute: Callable[[], _T], default: _T) -> _T:
    """Run one descriptor; a failure becomes the flag ``<name>_failed:<ExceptionClass>``."""
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - a failing descriptor is data (STYLE 7)
        flags.append(f"{name}_failed:{type(exc).__name__}")
        return default


def _alerts(kit: _Toolkit, mol: Any) -> tuple[str, str]:
    """PAINS and Brenk alert descriptions matched by ``mol``, each ``;``-joined."""
    pains: set[str] = set()
    brenk: set[str] = set()
    for entry in kit.catalog.GetMatches(mol):
        if str(entry.GetProp("FilterSet")).startswith("PAINS"):
            pains.add(str(entry.GetDescription()))
        else:
            brenk.add(str(entry.GetDescription()))
    return join_tokens(pains), join_tokens(brenk)


def _standardise_one(smiles: str, kit: _Toolkit) -> Row:
    """Run the structure pipeline on one SMILES and compute every column of the parent."""
    chem = kit.chem
    mol = chem.MolFromSmiles(smiles)
    if mol is None:
        return _excluded("invalid_smiles")
    try:
        standard_block = kit.standardize_molblock(chem.MolToMolBlock(mol))
        parent_block, parent_excluded = kit.get_parent_molblock(standard_block)
        standard = chem.MolFromMolBlock(standard_block)
        parent = chem.MolFromMolBlock(parent_block)
    except MemoryError:
        raise  # not a property of the structure: must not be cached as one
    except Exception as exc:  # noqa: BLE001 - a pipeline failure is data (STYLE 7)
        return _excluded(f"standardisation_failed:{type(exc).__name__}")
    if standard is None or parent is None:
        return _excluded("standardisation_failed:unparsable_molblock")

    flags: list[str] = []
    if parent_excluded:
        flags.append("parent_excluded")
    standard_smiles = str(chem.MolToSmiles(standard))
    parent_smiles = str(chem.MolToSmiles(parent))
    if "." in parent_smiles:
        flags.append("multi_fragment_parent")
    inchikey = _guarded(flags, "inchikey", lambda: str(chem.MolToInchiKey(parent)), "")
    if not inchikey and not any(f.startswith("inchikey") for f in flags):
        flags.append("inchikey_failed:empty")
    qed = _guarded(flags, "qed", lambda: float(kit.qed(parent)), _NAN)
    pains, brenk = _guarded(flags, "alerts", lambda: _alerts(kit, parent), ("", ""))
    scaffold = _guarded(flags, "scaffold", lambda: str(kit.murcko(mol=parent)), "")
    status = "flag" if flags else "ok"
    return (
        standard_smiles,
        parent_smiles,
        inchikey,
        qed,
        pains,
        brenk,
        scaffold,
        status,
        join_tokens(flags),
    )


def _compute_chunk(smiles: Sequence[str]) -> list[Row]:
    """Compute the rows of a batch of SMILES; the task a worker process runs (top level to pickle).

    The RDKit log is muted for the whole batch, not toggled per molecule.
    """
    kit = _toolkit()
    with without_rdkit_log():
        return [_standardise_one(s, kit) for s in smiles]


# --------------------------------------------------------------------------------------------
# Many structures


def has_structure(value: object) -> bool:
    """Whether a SMILES cell holds a structure (biologics and empty cells do not)."""
    return isinstance(value, str) and bool(value.strip())


def _start_worker() -> None:
    """Pool initializer: die with the run, and load the toolkit before the first task's clock."""
    die_with_parent()
    _toolkit()


#: Reason tokens of a structure whose worker ran out of time or died: excluded in this run, never
#: cached (the next run computes them again: a fault of the run is not a property of the structure).
TRANSIENT_REASONS: Final = ("timeout", "toolkit_crash")


def _compute_all(
    todo: list[str],
    workers: int,
    weight: Counter[str],
    progress: Callable[[int], None] | None,
    time_limit: float,
    compute: Callable[[Sequence[str]], list[Row]] | None = None,
) -> tuple[dict[str, Row], int]:
    """Compute ``todo`` in-process or in a pool; returns the rows and the processes used.

    :param compute: the task (default :func:`_compute_chunk`; a test passes one that misbehaves)
    """
    compute = compute or _compute_chunk
    if workers == 1 or len(todo) < MIN_PARALLEL:
        out: dict[str, Row] = {}
        for chunk in batched(todo, CHUNK_SIZE):
            out.update(zip(chunk, compute(chunk), strict=True))
            if progress is not None:
                progress(sum(weight[s] for s in chunk))
        return out, 1
    return _compute_parallel(todo, workers, weight, progress, time_limit, compute)


def _compute_on_cluster(
    todo: list[str],
    scheduler: str | Cluster,
    weight: Counter[str],
    progress: Callable[[int], None] | None,
    compute: Callable[[Sequence[str]], list[Row]],
) -> tuple[dict[str, Row], int]:
    """Compute ``todo`` on a dask.distributed cluster, chunked as the process pool chunks it.

    A chunk whose task killed its workers (Dask reschedules a task whose worker dies, and gives
    up after its ``allowed-failures``) is computed again one structure per task; the structure
    that still kills a worker is excluded as ``toolkit_crash``. The per-task time limit of the
    process pool does not apply on a cluster: Dask cannot end a running task.
    """
    from senotarget.util.dask_tasks import KILLED, map_tasks

    ordered = sorted(todo, key=len, reverse=True)
    size = max(32, min(CHUNK_SIZE, math.ceil(len(ordered) / 32)))
    out: dict[str, Row] = {}
    retry: list[str] = []

    def done(chunk: list[str], rows: Any) -> None:
        if rows is KILLED:
            retry.extend(chunk)
            return
        out.update(zip(chunk, rows, strict=True))
        if progress is not None:
            progress(sum(weight[s] for s in chunk))

    workers = map_tasks(scheduler, compute, list(batched(ordered, size)), done)
    if retry:
        logger.warning(
            "a chemistry task killed its cluster workers; computing its %d structures one at a "
            "time",
            len(retry),
        )

        def single(chunk: list[str], rows: Any) -> None:
            (smiles,) = chunk
            out[smiles] = _excluded(TRANSIENT_REASONS[1]) if rows is KILLED else rows[0]
            if progress is not None:
                progress(weight[smiles])

        map_tasks(scheduler, compute, [[s] for s in retry], single)
    return out, workers


def _compute_parallel(
    todo: list[str],
    workers: int,
    weight: Counter[str],
    progress: Callable[[int], None] | None,
    time_limit: float,
    compute: Callable[[Sequence[str]], list[Row]] | None = None,
) -> tuple[dict[str, Row], int]:
    """Compute ``todo`` in a process pool; results are keyed by SMILES, so order is irrelevant.

    Large structures go first (longest-task-first), and chunks are small enough that each worker
    gets about 16, so no worker idles long at the end. The pool is pebble's ``ProcessPool``,
    which ends a task that outlives its timeout by terminating its worker and replaces a worker
    that dies (a segfault in native code, the OOM killer); the standard library's pool can do
    neither (a hung task blocks it, a dead worker breaks it). A chunk that takes longer than
    ``time_limit`` or whose worker dies is computed again one structure per task, each with
    ``time_limit``: the structure that still fails is excluded as ``timeout`` or
    ``toolkit_crash`` and the rest of its chunk is kept. Workers die with the run
    (:func:`die_with_parent`), so a killed run leaves no process behind, and load RDKit and the
    structure pipeline before their first task, so the import does not count against a task's
    time.
    """
    from concurrent.futures.process import BrokenProcessPool

    compute = compute or _compute_chunk
    ordered = sorted(todo, key=len, reverse=True)
    size = max(32, min(CHUNK_SIZE, math.ceil(len(ordered) / (workers * 16))))
    chunks = list(batched(ordered, size))
    n_procs = min(workers, len(chunks))
    out: dict[str, Row] = {}
    try:
        _run_pool(chunks, n_procs, weight, progress, time_limit, compute, out)
    except BrokenProcessPool as error:
        rest = [s for s in ordered if s not in out]
        logger.warning(
            "the chemistry worker processes could not start (%s); computing %d structures in "
            "this process, without a time limit (a script that calls senotarget must guard its "
            'entry point with `if __name__ == "__main__":`, as multiprocessing requires)',
            error,
            len(rest),
        )
        for chunk in batched(rest, CHUNK_SIZE):
            out.update(zip(chunk, compute(chunk), strict=True))
            if progress is not None:
                progress(sum(weight[s] for s in chunk))
    return out, n_procs


def _run_pool(
    chunks: list[list[str]],
    n_procs: int,
    weight: Counter[str],
    progress: Callable[[int], None] | None,
    time_limit: float,
    compute: Callable[[Sequence[str]], list[Row]],
    out: dict[str, Row],
) -> None:
    """The pool of :func:`_compute_parallel`: fills ``out`` as the tasks finish.

    On any exception (Ctrl-C, SIGTERM raised as SystemExit by the CLI) the pool is stopped, which
    terminates its workers, instead of being closed: pebble's own ``with`` would wait for every
    pending task first.

    :raises BrokenProcessPool: the workers could not start (``out`` holds what was done)
    """
    from concurrent.futures import Future, as_completed
    from concurrent.futures import TimeoutError as TaskTimeout

    from pebble import ProcessExpired, ProcessPool

    retry: list[str] = []
    pool = ProcessPool(max_workers=n_procs, context=process_context(), initializer=_start_worker)
    try:
        futures: dict[Future[list[Row]], list[str]] = {
            pool.schedule(compute, args=(c,), timeout=time_limit): c for c in chunks
        }
        for future in as_completed(futures):
            chunk = futures[future]
            try:
                out.update(zip(chunk, future.result(), strict=True))
            except (TaskTimeout, ProcessExpired):
                retry.extend(chunk)
                continue
            if progress is not None:
                progress(sum(weight[s] for s in chunk))
        if retry:
            logger.warning(
                "a chemistry task ran out of time (%.0f s) or its worker died; computing its %d "
                "structures one at a time",
                time_limit,
                len(retry),
            )
        singles: dict[Future[list[Row]], str] = {
            pool.schedule(compute, args=([s],), timeout=time_limit): s for s in retry
        }
        for future in as_completed(singles):
            smiles = singles[future]
            try:
                (out[smiles],) = future.result()
            except TaskTimeout:
                out[smiles] = _excluded(TRANSIENT_REASONS[0])
            except ProcessExpired:
                out[smiles] = _excluded(TRANSIENT_REASONS[1])
            if progress is not None:
                progress(weight[smiles])
    except BaseException:  # Ctrl-C, SIGTERM (SystemExit), a broken pool: end the workers now
        pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves stop() unannotated
        pool.join()
        raise
    pool.close()  # type: ignore[no-untyped-call]  # every task is done: the workers exit
    pool.join()


def standardise(
    molecules: pd.DataFrame,
    *,
    cache_dir: Path | None,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    stats: dict[str, int] | None = None,
    time_limit: float = Settings.structure_time_limit,
    scheduler: str | Cluster = "",
) -> pd.DataFrame:
    """Standardise every structure with the ChEMBL structure pipeline and describe its parent.

    Per molecule: RDKit parses the SMILES; ``standardize_molblock`` and ``get_parent_molblock``
    of the ChEMBL structure pipeline (Bento et al. 2020, J Cheminform 12:51) give the standardised
    structure and its salt- and solvent-stripped, neutralised parent; on the parent we compute QED
    (Bickerton et al. 2012, Nat Chem 4:90), PAINS (Baell & Holloway 2010, J Med Chem 53:2719) and
    Brenk (Brenk et al. 2008, ChemMedChem 3:435) alerts, and the Bemis-Murcko scaffold (Bemis &
    Murcko 1996, J Med Chem 39:2887). Nothing is dropped and nothing raises on bad input: each
    row says what happened in ``chem_status`` and ``chem_reason``.

    Each distinct SMILES is computed once: looked up in the cache first (one bulk query), the
    misses then computed in-process or in ``workers`` processes, and stored in one transaction.

    :param molecules: a table with ``molecule_chembl_id`` and ``canonical_smiles`` (the SMILES
        may be missing or empty, e.g. for biologics)
    :param cache_dir: folder of the structure cache (see :func:`structure_cache_path`), or
        ``None`` to compute everything without a cache
    :param workers: worker processes; ``0`` means one per CPU, and more than the CPUs are capped
        at one per CPU (with a warning). With ``1``, or fewer than
        :data:`MIN_PARALLEL` structures to compute, everything runs in this process (then no
        time limit applies and a crash in native code ends the run)
    :param progress: called after each batch with the number of input rows that batch finished
        (an increment, so ``tqdm.update`` fits; the calls add up to ``len(molecules)``)
    :param stats: if given, filled with the structure cache's counts for the run manifest:
        ``unique_structures`` (distinct SMILES), ``from_cache`` (read from the cache) and
        ``computed`` (the rest)
    :param time_limit: seconds one task of the worker pool may take (:func:`_compute_parallel`)
    :param scheduler: a dask.distributed scheduler (``tcp://HOST:PORT`` or ``local:N``), or
        the run's open :class:`~senotarget.util.dask_tasks.Cluster`, that computes the misses
        instead of the process pool (:func:`_compute_on_cluster`); ``""``: none, and nothing of
        Dask is imported
    :returns: one row per input row, in input order with a fresh index, columns
        :data:`ChemCols.ORDER`:

        - ``molecule_chembl_id``: from the input;
        - ``standard_smiles``: canonical SMILES of the standardised structure (salts kept);
        - ``parent_smiles``: canonical SMILES of the pipeline's parent;
        - ``parent_inchikey``: standard InChIKey of the parent;
        - ``qed``: QED of the parent in [0, 1] (NaN without a structure);
        - ``pains``, ``brenk``: sorted, ``;``-joined alert names matched by the parent (``""``
          when none), e.g. ``"catechol_A(92)"`` and ``"catechol"`` for quercetin;
        - ``murcko_scaffold``: SMILES of the parent's Bemis-Murcko scaffold (``""`` if acyclic);
        - ``chem_status``: ``ok``, ``flag`` or ``exclude``;
        - ``chem_reason``: ``;``-joined tokens: ``no_structure`` (flag; the molecule stays in,
          e.g. a biologic), ``parent_excluded`` (flag; the pipeline's exclusion rules hit, e.g.
          a metal complex, and the structure was left as it is), ``multi_fragment_parent`` (flag;
          e.g. a co-crystal, or a salt made only of listed counter-ions), ``invalid_smiles``
          (exclude), ``standardisation_failed:<ExceptionClass>`` (exclude; ``unparsable_molblock``
          when RDKit could not read the pipeline's output), ``timeout`` and ``toolkit_crash``
          (exclude; the structure alone outlived ``time_limit`` or killed its worker; not
          cached) and ``<descriptor>_failed:<Exception Class>`` (flag;
          the descriptor's column is left empty). Text columns are ``""`` and
          ``qed`` is NaN on excluded and structure-less rows.
    :raises ValueError: when a required column is missing
    :raises ConfigError: when ``workers`` is negative
    """
    import pandas as pd

    require_columns(
        molecules, (MoleculeCols.MOLECULE_CHEMBL_ID, MoleculeCols.CANONICAL_SMILES), "molecules"
    )
    if workers < 0:
        raise ConfigError(f"workers={workers}", "use 0 (one per CPU) or a number of processes >= 1")
    cores = os.cpu_count() or 1
    n_workers = min(workers or cores, cores)
    if workers > cores:  # more processes than cores only adds start-up time and memory
        logger.warning("workers=%d is more than the %d CPU cores; using %d", workers, cores, cores)
    started = time.perf_counter()

    ids = molecules[MoleculeCols.MOLECULE_CHEMBL_ID].tolist()
    raw = molecules[MoleculeCols.CANONICAL_SMILES].tolist()
    smiles: list[str | None] = [s if has_structure(s) else None for s in raw]
    too_large = {s for s in smiles if s is not None and len(s) > MAX_SMILES_LENGTH}
    smiles = [None if s in too_large else s for s in smiles]
    large_of = [r if isinstance(r, str) and r in too_large else None for r in raw]
    weight: Counter[str] = Counter(s for s in smiles if s is not None)
    unique = list(weight)

    cache = None if cache_dir is None else structure_cache_path(cache_dir)
    rows: dict[str, Row] = {}
    cache_ok = False
    if cache is not None and unique:
        rows, cache_ok = read_cache(cache, unique)
    todo = [s for s in unique if s not in rows]
    if stats is not None:
        stats.update(
            unique_structures=len(unique), from_cache=len(unique) - len(todo), computed=len(todo)
        )
    if progress is not None:
        done_already = len(smiles) - sum(weight[s] for s in todo)
        if done_already:
            progress(done_already)

    n_procs = 0
    if todo:
        if scheduler:
            computed, n_procs = _compute_on_cluster(
                todo, scheduler, weight, progress, _compute_chunk
            )
        else:
            computed, n_procs = _compute_all(todo, n_workers, weight, progress, time_limit)
        if cache is not None and cache_ok:
            write_cache(
                cache, {k: v for k, v in computed.items() if v[-1] not in TRANSIENT_REASONS}
            )
        rows.update(computed)

    table = [
        (_TOO_LARGE if big is not None else _NO_STRUCTURE) if s is None else rows[s]
        for s, big in zip(smiles, large_of, strict=True)
    ]
    columns = list(zip(*table, strict=True)) if table else [() for _ in _COMPUTED]
    data: dict[str, list[Any]] = {ChemCols.MOLECULE_CHEMBL_ID: ids}
    data.update({col: list(values) for col, values in zip(_COMPUTED, columns, strict=True)})
    frame = pd.DataFrame(data, columns=list(ChemCols.ORDER))
    valued = (frame[ChemCols.STATUS] != "exclude") & (frame[ChemCols.PARENT_SMILES] != "")
    frame[ChemCols.QED_BASIS] = (valued & frame[ChemCols.QED].notna()).map(
        {True: "computed", False: ""}
    )
    frame[ChemCols.ALERTS_BASIS] = valued.map({True: "computed", False: ""})
    frame[ChemCols.STRUCTURE_BASIS] = valued.map({True: "computed", False: ""})
    frame = frame.astype({ChemCols.QED: "float64"} | dict.fromkeys(_TEXT_COLS, "str"))

    _log_outcome(frame, len(unique) - len(todo), len(todo), n_procs, time.perf_counter() - started)
    return ChemCols.check(frame, "chemistry")


def _log_outcome(frame: pd.DataFrame, hits: int, computed: int, procs: int, secs: float) -> None:
    """One INFO line for the stage, one WARNING with examples for excluded rows (STYLE 10)."""
    logger.info(
        "standardised %d molecules (%d structures from cache, %d computed with %d processes) "
        "in %.1f s",
        len(frame),
        hits,
        computed,
        procs,
        secs,
    )
    excluded = frame[frame[ChemCols.STATUS] == "exclude"]
    if len(excluded):
        examples = ", ".join(
            f"{mid} ({reason})"
            for mid, reason in zip(
                excluded[ChemCols.MOLECULE_CHEMBL_ID].head(5).tolist(),
                excluded[ChemCols.REASON].head(5).tolist(),
                strict=True,
            )
        )
        logger.warning(
            "%d of %d molecules have an unusable structure (chem_status=exclude), e.g. %s",
            len(excluded),
            len(frame),
            examples,
        )
    flagged = frame[frame[ChemCols.STATUS] == "flag"]
    if len(flagged):
        counts = Counter(t for r in flagged[ChemCols.REASON].tolist() for t in r.split(";"))
        logger.info("chemistry flags: %s", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))


def require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise :class:`ValueError` naming the columns ``frame`` lacks (a programming error)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}")


def prefer_chembl(chem: pd.DataFrame, chembl: pd.DataFrame) -> pd.DataFrame:
    """Take the release's own QED and alerts where it has them; say which value is whose.

    ChEMBL computes QED (RDKit's, ``compound_properties.qed_weighted``, two decimals) and screens
    every structure against alert sets including PAINS and Dundee (Brenk et al. 2008 ChemMedChem
    3:435, the Brenk set), on the structure of the molecule record (ChEMBL schema documentation).
    This stage computes them on the salt-stripped parent, so the release's values are used only
    for a molecule that is its own parent (standardised SMILES = parent SMILES), and the alerts
    only when the release holds alert rows at all (``alerts_screened``: a release without them
    has not screened, and no row there means unknown, not clean). ``qed_basis`` and
    ``alerts_basis`` say ``chembl`` or ``computed`` (``""`` without a structure or when the
    structure was excluded).

    :param chem: :func:`standardise` output
    :param chembl: the source's :class:`~senotarget.schema.ChemblPropertyCols` answer
    """
    frame = chem.copy()
    has_value = (frame[ChemCols.STATUS] != "exclude") & (frame[ChemCols.PARENT_SMILES] != "")
    own = frame[ChemCols.STANDARD_SMILES] == frame[ChemCols.PARENT_SMILES]
    props = chembl.drop_duplicates(ChemblPropertyCols.MOLECULE_CHEMBL_ID).set_index(
        ChemblPropertyCols.MOLECULE_CHEMBL_ID
    )
    ids = frame[ChemCols.MOLECULE_CHEMBL_ID]
    qed = ids.map(props[ChemblPropertyCols.QED_WEIGHTED]).astype("float64")
    screened = ids.map(props[ChemblPropertyCols.ALERTS_SCREENED]).fillna(0.0).astype(bool)
    use_qed = has_value & own & qed.notna()
    use_alerts = has_value & own & screened
    frame.loc[use_qed, ChemCols.QED] = qed[use_qed]
    for column, source in ((ChemCols.PAINS, ChemblPropertyCols.PAINS),
                           (ChemCols.BRENK, ChemblPropertyCols.BRENK)):  # fmt: skip
        frame.loc[use_alerts, column] = ids[use_alerts].map(props[source]).fillna("")
    frame[ChemCols.QED_BASIS] = [
        "" if not ok else ("chembl" if mine else "computed")
        for ok, mine in zip(has_value & frame[ChemCols.QED].notna(), use_qed, strict=True)
    ]
    frame[ChemCols.ALERTS_BASIS] = [
        "" if not ok else ("chembl" if mine else "computed")
        for ok, mine in zip(has_value, use_alerts, strict=True)
    ]
    return ChemCols.check(frame, "chemistry")


def _qed_of(kit: _Toolkit, mol: Any) -> float:
    return float(kit.qed(mol))


def _scaffold_of(kit: _Toolkit, mol: Any) -> str:
    return str(kit.murcko(mol=mol))


def from_release(molecules: pd.DataFrame, chembl: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """The rows the release answers without the structure pipeline, and which molecules it does.

    ChEMBL runs its structure pipeline on every structure it loads (Bento et al. 2020
    J Cheminform 12:51): ``compound_structures.canonical_smiles`` is the standardised structure
    and ``molecule_hierarchy`` names the parent, whose ``standard_inchi_key`` the release gives.
    For a molecule with a hierarchy parent whose structure and InChIKey the release holds, this
    stage takes them as they are (``structure_basis`` ``chembl``) and only reads the parent's
    SMILES with RDKit for what the release does not ship: the Murcko scaffold, and QED and the
    PAINS/Brenk alerts where the release has none of its own (``qed_basis`` / ``alerts_basis``
    ``computed``). The pipeline, 7.5 ms a molecule, runs only on the rest. A release without
    InChIKeys (the development extract) answers nothing here.

    :param molecules: :class:`MoleculeCols` rows (hierarchy parents included)
    :param chembl: the source's :class:`~senotarget.schema.ChemblPropertyCols` answer
    :returns: ``(rows, answered)``: :class:`ChemCols` rows for the molecules the release answers,
        and a boolean numpy array over ``molecules`` saying which they are
    """
    import numpy as np
    import pandas as pd

    ids = molecules[MoleculeCols.MOLECULE_CHEMBL_ID].astype(str).tolist()
    smiles_of = dict(zip(ids, molecules[MoleculeCols.CANONICAL_SMILES].tolist(), strict=True))
    props = chembl.drop_duplicates(ChemblPropertyCols.MOLECULE_CHEMBL_ID).set_index(
        ChemblPropertyCols.MOLECULE_CHEMBL_ID
    )
    key_of = props[ChemblPropertyCols.STANDARD_INCHI_KEY].dropna().astype(str).to_dict()
    qed_of = props[ChemblPropertyCols.QED_WEIGHTED].dropna().to_dict()
    screened = props[ChemblPropertyCols.ALERTS_SCREENED].fillna(0.0).astype(bool).to_dict()
    pains_of = props[ChemblPropertyCols.PAINS].fillna("").to_dict()
    brenk_of = props[ChemblPropertyCols.BRENK].fillna("").to_dict()
    answered = np.zeros(len(ids), dtype=bool)
    if not key_of:
        return ChemCols.empty(), answered
    kit = _toolkit()
    chem = kit.chem
    rows: list[tuple[Any, ...]] = []
    parents = molecules[MoleculeCols.HIERARCHY_PARENT].tolist()
    with without_rdkit_log():
        for i, (molecule, parent) in enumerate(zip(ids, parents, strict=True)):
            own, parent_smiles = smiles_of.get(molecule), smiles_of.get(str(parent))
            key = key_of.get(str(parent), "")
            if not (
                key
                and has_structure(own)
                and has_structure(parent_smiles)
                and len(str(own)) <= MAX_SMILES_LENGTH
                and len(str(parent_smiles)) <= MAX_SMILES_LENGTH
            ):
                continue
            mol, parent_mol = chem.MolFromSmiles(str(own)), chem.MolFromSmiles(str(parent_smiles))
            if mol is None or parent_mol is None:
                continue  # the pipeline says why (invalid_smiles)
            answered[i] = True
            flags: list[str] = []
            standard, parent_text = str(chem.MolToSmiles(mol)), str(chem.MolToSmiles(parent_mol))
            if "." in parent_text:
                flags.append("multi_fragment_parent")
            release_qed = qed_of.get(str(parent))
            qed_basis = "chembl" if release_qed is not None else "computed"
            if release_qed is not None:
                qed = float(release_qed)
            else:
                qed = _guarded(flags, "qed", partial(_qed_of, kit, parent_mol), _NAN)
            if screened.get(str(parent), False):
                pains, brenk = pains_of.get(str(parent), ""), brenk_of.get(str(parent), "")
            else:
                pains, brenk = _guarded(
                    flags, "alerts", partial(_alerts, kit, parent_mol), ("", "")
                )
            scaffold = _guarded(flags, "scaffold", partial(_scaffold_of, kit, parent_mol), "")
            rows.append(
                (
                    molecule,
                    standard,
                    parent_text,
                    key,
                    qed,
                    pains,
                    brenk,
                    scaffold,
                    "flag" if flags else "ok",
                    join_tokens(flags),
                    "" if math.isnan(qed) else qed_basis,
                    "chembl" if screened.get(str(parent), False) else "computed",
                    "chembl",
                )
            )
    frame = pd.DataFrame(rows, columns=list(ChemCols.ORDER)).astype(
        {ChemCols.QED: "float64"} | dict.fromkeys(_TEXT_COLS, "str")
    )
    return ChemCols.check(frame, "chemistry (from the release)"), answered


def describe(
    molecules: pd.DataFrame,
    chembl: pd.DataFrame,
    *,
    progress: Callable[[int], None] | None = None,
    **computing: Any,
) -> pd.DataFrame:
    """Every molecule's chemistry: the release's where it has it, computed for the rest.

    :func:`from_release` answers what it can; :func:`standardise` (with ``computing``, its
    keyword arguments) computes the rest, and :func:`prefer_chembl` takes the release's QED and
    alerts among those where they apply.

    :returns: :class:`ChemCols` rows in the order of ``molecules``
    """
    import pandas as pd

    taken, answered = from_release(molecules, chembl)
    if progress is not None and len(taken):
        progress(len(taken))
    rest = molecules[~answered].reset_index(drop=True)
    computed = prefer_chembl(standardise(rest, progress=progress, **computing), chembl)
    if not len(taken):
        return computed
    both = pd.concat([taken, computed], ignore_index=True)
    order = {m: i for i, m in enumerate(molecules[MoleculeCols.MOLECULE_CHEMBL_ID].astype(str))}
    both = both.iloc[both[ChemCols.MOLECULE_CHEMBL_ID].map(order).argsort(kind="stable")]
    return ChemCols.check(both.reset_index(drop=True), "chemistry")


def basis_counts(chem: pd.DataFrame) -> dict[str, int]:
    """For the manifest: how many molecules took QED and alerts from the release, how many ours."""
    counts: dict[str, int] = {}
    for name, column in (
        ("structure", ChemCols.STRUCTURE_BASIS),
        ("qed", ChemCols.QED_BASIS),
        ("alerts", ChemCols.ALERTS_BASIS),
    ):
        values = chem[column].value_counts()
        counts[f"{name}_from_chembl"] = int(values.get("chembl", 0))
        counts[f"{name}_computed"] = int(values.get("computed", 0))
    return counts
