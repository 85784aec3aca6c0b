"""Settings, resolved in one documented order.

Every setting comes from the first of these that gives it (the order pystow's ``get_config`` uses):

1. an explicit argument (a CLI flag, or a keyword to :func:`load_settings`);
2. an environment variable ``SENOTARGET_<NAME>`` (weights: ``SENOTARGET_WEIGHT_<NAME>``);
3. the config TOML file (``--config`` / ``SENOTARGET_CONFIG``): top-level keys, plus the
   ``[weights]`` and ``[thresholds]`` tables;
4. the defaults below.

Score weights and curation thresholds live here, so a lab changes them in a TOML file rather than
in code; :class:`Settings` records where each value came from for the run manifest.

The default cache folder is one place whichever folder a run starts from
(:func:`default_cache_dir`): ``data/cache/`` of the source checkout when senotarget runs from one,
otherwise the user cache folder (``platformdirs.user_cache_dir("senotarget")``). The default
reports folder, ``reports/``, stays relative to the working directory (DESIGN §6).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from senotarget.errors import ConfigError
from senotarget.schema import SOURCE_KINDS, RankingCols, SourceKind

__all__ = [
    "DEFAULT_CHEMBL_URL",
    "ENV_PREFIX",
    "Settings",
    "Thresholds",
    "Weights",
    "default_cache_dir",
    "load_settings",
]

ENV_PREFIX: Final = "SENOTARGET_"
DEFAULT_CHEMBL_URL: Final = "https://www.ebi.ac.uk/chembl/api/data"

#: The installed package's folder: what :func:`default_cache_dir` looks at (tests replace it).
PACKAGE_DIR: Path = Path(__file__).resolve().parent


def _is_source_checkout(root: Path) -> bool:
    """Whether ``root`` is a senotarget source checkout.

    It is when its pyproject.toml names the senotarget project and it has a ``data/cache`` folder.
    """
    try:
        with (root / "pyproject.toml").open("rb") as handle:
            project = tomllib.load(handle).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return (
        isinstance(project, dict)
        and project.get("name") == "senotarget"
        and (root / "data" / "cache").is_dir()
    )


def default_cache_dir(package_dir: Path | None = None) -> Path:
    """The cache folder used when no flag, variable or config key sets one.

    ``data/cache/`` of the source checkout when senotarget runs from one (the package folder's
    parent has a pyproject.toml naming senotarget and a ``data/cache`` folder, as in an editable
    install), otherwise the user cache folder, ``platformdirs.user_cache_dir("senotarget")``
    (e.g. ``~/.cache/senotarget`` on Linux). Either way an absolute path, so every run shares one
    structure cache whichever folder it starts from.

    :param package_dir: the package folder to look from (default :data:`PACKAGE_DIR`)
    :returns: the default cache folder (it may not exist yet)
    """
    root = (PACKAGE_DIR if package_dir is None else package_dir).parent
    if _is_source_checkout(root):
        return root / "data" / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("senotarget"))


@dataclass(frozen=True)
class Weights:
    """Weight of each score component (DESIGN §5); the score is their weighted sum.

    Components are in [0, 1]; the alert weight is negative, so structural alerts are a small
    penalty and never a filter (many known senolytics, e.g. quercetin, carry PAINS alerts).
    """

    potency: float = 0.30
    evidence: float = 0.15
    maturity: float = 0.15
    direction_certainty: float = 0.20
    breadth: float = 0.10
    druglikeness: float = 0.0  # opt in: QED penalises BH3 mimetics, macrocycles (score.py)
    alert_penalty: float = -0.05


@dataclass(frozen=True)
class Thresholds:
    """Curation and classification thresholds (DESIGN §4).

    ``confidence_single`` / ``confidence_group``: minimum assay ``confidence_score`` for single
    protein targets (8: homologous or direct single protein) and for complexes, families and groups
    (6: homologous protein complex subunits), on the ChEMBL confidence score scale
    (https://chembl.gitbook.io/chembl-interface-documentation/frequently-asked-questions).
    ``active_pchembl``: median pChEMBL from which inferred potency counts as activity (6 = 1 µM).
    ``potency_floor`` / ``potency_ceiling``: pChEMBL mapped to 0 and 1 by the potency component.
    ``assays_cap`` / ``documents_cap``: counts at which the evidence component saturates.
    ``cluster_similarity``: Morgan-fingerprint Tanimoto similarity from which a compound joins a
    cluster's leader (:mod:`senotarget.stages.cluster`: about twice the fingerprint's 0.27 noise
    level between random ChEMBL compounds).
    """

    confidence_single: int = 8
    confidence_group: int = 6
    active_pchembl: float = 6.0
    potency_floor: float = 4.0
    potency_ceiling: float = 10.0
    assays_cap: int = 20
    documents_cap: int = 10
    cluster_similarity: float = 0.5
    tax_id: int = 9606


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on. Build it with :func:`load_settings`.

    ``origins`` maps each top-level setting to where its value came from
    (``argument``, ``env:SENOTARGET_X``, ``config:FILE``, ``default``). ``cache_dir`` defaults
    to :func:`default_cache_dir`, ``out_dir`` to ``reports`` in the working directory.
    """

    source: SourceKind = "auto"
    chembl_db: str | None = None
    chembl_url: str = DEFAULT_CHEMBL_URL
    offline: bool = False
    panel: str = "default"
    out_dir: Path = Path("reports")
    cache_dir: Path = field(default_factory=default_cache_dir)  # see default_cache_dir
    run_id: str | None = None
    workers: int = 0  # 0: one per CPU core
    scheduler: str = ""  # a dask.distributed scheduler ("" none, local:N, tcp://)
    partition_rows: int = 200_000  # activity rows curated at a time (bounds the run's memory)
    structure_time_limit: float = 60.0  # seconds one structure (task) may take in a worker
    report_top: int = 25  # candidates per strategy shown with structures in report.html
    cluster_top: int = 3  # members of one cluster shown in a report.html top list
    rank_by: str = "strategy"  # the ranking the summary and report.html lead with (RankingCols)
    known_compounds: str = (
        "default"  # known-senotherapeutics CSV for validation ("default": shipped)
    )
    min_rank_move: int = 10  # smallest rank move a diff or refresh reports
    refresh_panels: tuple[str, ...] = ()  # panels `refresh` reruns (empty: the panel setting)
    config_file: str | None = None
    weights: Weights = field(default_factory=Weights)
    thresholds: Thresholds = field(default_factory=Thresholds)
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)

    def public_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values (for the run manifest)."""
        out = asdict(self)
        out["out_dir"] = str(self.out_dir)
        out["cache_dir"] = str(self.cache_dir)
        out["origins"] = dict(self.origins)
        return out


T = TypeVar("T")


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{value!r} is not a boolean (use true or false)")


def _parse_source(value: str) -> SourceKind:
    if value not in SOURCE_KINDS:
        raise ValueError(f"{value!r} is not one of {', '.join(SOURCE_KINDS)}")
    return value


def _parse_workers(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"{value!r} is negative (use 0 for one worker per core)")
    return number


def _parse_scheduler(value: str) -> str:
    from senotarget.util.dask_tasks import check_scheduler  # plain text checks: no Dask import

    return check_scheduler(value.strip())


def _parse_time_limit(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{value!r} is not a positive number of seconds")
    return number


def _at_least_one(why: str) -> Callable[[str], int]:
    """A parser of whole numbers >= 1; ``why`` ends the message of a smaller one."""

    def parse(value: str) -> int:
        number = int(value)
        if number < 1:
            raise ValueError(f"{value!r} is below 1 ({why})")
        return number

    return parse


_parse_top = _at_least_one("show at least one candidate per strategy")
_parse_cluster_top = _at_least_one("show at least one compound of each cluster")
_parse_min_move = _at_least_one("a rank move is at least one place")
_parse_partition_rows = _at_least_one("a partition holds at least one activity row")


def _parse_rank_by(value: str) -> str:
    if value not in RankingCols.SCOPES:
        raise ValueError(f"{value!r} is not one of {', '.join(RankingCols.SCOPES)}")
    return value


def _parse_panels(value: str) -> tuple[str, ...]:
    panels = tuple(p.strip() for p in value.split(",") if p.strip())
    if not panels:
        raise ValueError(f"{value!r} names no panel (use a comma-separated list)")
    return panels


_TOP_LEVEL: Final[dict[str, Callable[[str], Any]]] = {
    "source": _parse_source,
    "chembl_db": str,
    "chembl_url": str,
    "offline": _parse_bool,
    "panel": str,
    "out_dir": Path,
    "cache_dir": Path,
    "run_id": str,
    "workers": _parse_workers,
    "scheduler": _parse_scheduler,
    "partition_rows": _parse_partition_rows,
    "structure_time_limit": _parse_time_limit,
    "report_top": _parse_top,
    "cluster_top": _parse_cluster_top,
    "rank_by": _parse_rank_by,
    "known_compounds": str,
    "min_rank_move": _parse_min_move,
    "refresh_panels": _parse_panels,
}
_FLAG_OF: Final = {
    "source": "--source",
    "chembl_db": "--chembl-db",
    "chembl_url": "--chembl-url",
    "offline": "--offline",
    "panel": "--panel",
    "out_dir": "--out",
    "cache_dir": "--cache-dir",
    "run_id": "--run-id",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "partition_rows": "--partition-rows",
    "structure_time_limit": "--structure-time-limit",
    "report_top": "--top",
    "cluster_top": "--per-cluster",
    "rank_by": "--rank-by",
    "known_compounds": "--known",
    "min_rank_move": "--min-rank-move",
    "refresh_panels": "--panel (refresh)",
}


def _env_name(key: str, table: str | None = None) -> str:
    if table == "weights":
        return f"{ENV_PREFIX}WEIGHT_{key.upper()}"
    return f"{ENV_PREFIX}{key.upper()}"


def _read_config_file(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            f"config file {path} does not exist",
            f"pass an existing TOML file with --config or {ENV_PREFIX}CONFIG, or drop the option",
        )
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"config file {path} is not valid TOML ({error})", "fix the syntax"
        ) from None


def _finite_float(text: str) -> float:
    """A float that is a number; NaN, infinities and overflowing literals (``1e400``) are refused.

    A score weighted by them is blank or infinite, and NaN is not valid JSON in the manifest.
    """
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


def _weight_env_names() -> set[str]:
    return {_env_name(f.name, "weights") for f in fields(Weights)}


def _coerce(value: Any, parser: Callable[[str], T], key: str, where: str, fix: str) -> T:
    try:
        if isinstance(value, bool) and parser is _parse_bool:
            return cast(T, value)
        if isinstance(value, (list, tuple)) and parser is _parse_panels:  # a TOML list
            return parser(",".join(str(v) for v in value))
        return parser(str(value))
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"setting {key} from {where} is invalid ({error})", fix, setting=key
        ) from None


def _nested(
    cls: type[Weights | Thresholds],
    table: str,
    explicit: Mapping[str, Any],
    env: Mapping[str, str],
    file_table: Mapping[str, Any],
    config_path: str | None,
) -> tuple[Any, dict[str, str]]:
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    known = {f.name: f for f in fields(cls)}
    unknown = set(file_table) - set(known)
    if unknown:
        raise ConfigError(
            f"config file {config_path}: unknown key(s) {', '.join(sorted(unknown))} in [{table}]",
            f"use only {', '.join(known)}",
        )
    if table == "weights":  # a misspelt weight variable must not be ignored silently
        stray = sorted(
            k for k in env if k.startswith(f"{ENV_PREFIX}WEIGHT_") and k not in _weight_env_names()
        )
        if stray:
            raise ConfigError(
                f"environment variable {stray[0]} names no score weight",
                "use one of " + ", ".join(sorted(_weight_env_names())),
                setting=stray[0],
            )
    for name, spec in known.items():
        parser: Callable[[str], Any] = _finite_float if spec.type in ("float", float) else int
        env_name = _env_name(name, table)
        fix = f"set a number with {env_name} or [{table}] {name} in the config file"
        if name in explicit and explicit[name] is not None:
            values[name] = _coerce(explicit[name], parser, name, "argument", fix)
            origins[f"{table}.{name}"] = "argument"
        elif env.get(env_name, "") != "":  # an empty variable is unset, as for top-level keys
            values[name] = _coerce(env[env_name], parser, name, env_name, fix)
            origins[f"{table}.{name}"] = f"env:{env_name}"
        elif name in file_table:
            values[name] = _coerce(file_table[name], parser, name, f"{config_path}", fix)
            origins[f"{table}.{name}"] = f"config:{config_path}"
    return cls(**values), origins


def load_settings(
    *,
    config: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
    thresholds: Mapping[str, float] | None = None,
    **explicit: Any,
) -> Settings:
    """Resolve settings: explicit argument > ``SENOTARGET_*`` env > config TOML > default.

    :param config: path of a config TOML file (else ``SENOTARGET_CONFIG``, else none)
    :param env: the environment to read (default :data:`os.environ`; tests pass a dict)
    :param weights: explicit score weights by component name
    :param thresholds: explicit thresholds by name
    :param explicit: explicit top-level settings; ``None`` values count as not given
    :returns: frozen :class:`Settings` with ``origins`` filled in
    :raises ConfigError: an unknown key, an unreadable config file or an invalid value; the
        message names the setting, where it came from, and the flag or variable that fixes it
    """
    environ = dict(os.environ if env is None else env)
    unknown_args = set(explicit) - set(_TOP_LEVEL)
    if unknown_args:
        raise TypeError(f"load_settings() got unknown settings {sorted(unknown_args)}")
    config_path = str(config) if config is not None else environ.get(f"{ENV_PREFIX}CONFIG")
    document = _read_config_file(config_path) if config_path else {}

    allowed = set(_TOP_LEVEL) | {"weights", "thresholds"}
    unknown = set(document) - allowed
    if unknown:
        raise ConfigError(
            f"config file {config_path}: unknown key(s) {', '.join(sorted(unknown))}",
            f"use only {', '.join(sorted(allowed))}",
        )

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, parser in _TOP_LEVEL.items():
        env_name = _env_name(key)
        fix = f"pass {_FLAG_OF[key]}, set {env_name}, or set {key} in the config file"
        if explicit.get(key) is not None:
            values[key] = _coerce(explicit[key], parser, key, "argument", fix)
            origins[key] = "argument"
        elif env_name in environ and environ[env_name] != "":
            values[key] = _coerce(environ[env_name], parser, key, env_name, fix)
            origins[key] = f"env:{env_name}"
        elif key in document:
            values[key] = _coerce(document[key], parser, key, f"config {config_path}", fix)
            origins[key] = f"config:{config_path}"
        else:
            origins[key] = "default"

    for table in ("weights", "thresholds"):
        if table in document and not isinstance(document[table], dict):
            raise ConfigError(
                f"config file {config_path}: {table} is not a table", f"write [{table}]"
            )
    weight_values, weight_origins = _nested(
        Weights, "weights", weights or {}, environ, document.get("weights", {}), config_path
    )
    threshold_values, threshold_origins = _nested(
        Thresholds,
        "thresholds",
        thresholds or {},
        environ,
        document.get("thresholds", {}),
        config_path,
    )
    origins.update(weight_origins)
    origins.update(threshold_origins)
    settings = Settings(
        **values,
        config_file=config_path,
        weights=weight_values,
        thresholds=threshold_values,
        origins=origins,
    )
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    positive = [w for w in fields(Weights) if w.name != "alert_penalty"]
    for spec in positive:
        if getattr(settings.weights, spec.name) < 0:
            raise ConfigError(
                f"weight {spec.name} is negative",
                f"use a weight >= 0 ({_env_name(spec.name, 'weights')} or [weights] {spec.name})",
            )
    if settings.weights.alert_penalty > 0:
        raise ConfigError(
            "weight alert_penalty is positive (alerts would raise the score)",
            f"use a weight <= 0 ({ENV_PREFIX}WEIGHT_ALERT_PENALTY or [weights] alert_penalty)",
        )
    th = settings.thresholds
    if th.potency_ceiling <= th.potency_floor:
        raise ConfigError(
            "threshold potency_ceiling is not above potency_floor",
            "set [thresholds] potency_floor < potency_ceiling",
        )
    if not 0 < th.cluster_similarity <= 1:
        raise ConfigError(
            f"threshold cluster_similarity {th.cluster_similarity} is not a Tanimoto similarity",
            "set [thresholds] cluster_similarity above 0 and at most 1",
        )
    for name in ("confidence_single", "confidence_group"):
        if not 0 <= getattr(th, name) <= 9:
            raise ConfigError(
                f"threshold {name} is outside ChEMBL's confidence scale 0-9",
                f"set [thresholds] {name} between 0 and 9",
            )


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """Return a copy of ``settings`` with ``changes`` applied and recorded as arguments."""
    origins = dict(settings.origins)
    origins.update(dict.fromkeys(changes, "argument"))
    return replace(settings, origins=origins, **changes)
