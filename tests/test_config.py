"""Tests of settings resolution: argument > SENOTARGET_* env > config TOML > default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import senotarget.config
from senotarget.config import (
    DEFAULT_CHEMBL_URL,
    Settings,
    Thresholds,
    Weights,
    default_cache_dir,
    load_settings,
)
from senotarget.errors import ConfigError, SenotargetError

#: Marker in expected values replaced by the config file's path.
CFG = "<config>"
#: The source checkout these tests run from (an editable install).
CHECKOUT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "senotarget.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _fill(value: str, config: Path | None) -> str:
    return value.replace(CFG, str(config)) if config is not None else value


# -- resolution order ---------------------------------------------------------------------------

#: (case, explicit argument, env value, config file value, expected value, expected origin)
TOP_LEVEL_ORDER: list[tuple[str, str | None, str | None, str | None, str, str]] = [
    ("argument_beats_all", "sql", "web", "auto", "sql", "argument"),
    ("argument_beats_env", "sql", "web", None, "sql", "argument"),
    ("argument_beats_config", "web", None, "sql", "web", "argument"),
    ("env_beats_config", None, "web", "sql", "web", "env:SENOTARGET_SOURCE"),
    ("env_alone", None, "sql", None, "sql", "env:SENOTARGET_SOURCE"),
    ("config_alone", None, None, "web", "web", f"config:{CFG}"),
    ("empty_env_is_unset", None, "", "web", "web", f"config:{CFG}"),
    ("default", None, None, None, "auto", "default"),
]


@pytest.mark.parametrize(
    ("explicit", "env_value", "file_value", "expected", "origin"),
    [case[1:] for case in TOP_LEVEL_ORDER],
    ids=[case[0] for case in TOP_LEVEL_ORDER],
)
def test_top_level_resolution_order(
    tmp_path: Path,
    explicit: str | None,
    env_value: str | None,
    file_value: str | None,
    expected: str,
    origin: str,
) -> None:
    config = _write(tmp_path, f'source = "{file_value}"\n') if file_value is not None else None
    env = {"SENOTARGET_SOURCE": env_value} if env_value is not None else {}
    settings = load_settings(config=config, env=env, source=explicit)
    assert settings.source == expected
    assert settings.origins["source"] == _fill(origin, config)


#: (case, explicit weight, env value, config value, expected weight, expected origin or None)
WEIGHT_ORDER: list[tuple[str, float | None, str | None, float | None, float, str | None]] = [
    ("argument_beats_all", 0.5, "0.4", 0.3, 0.5, "argument"),
    ("env_beats_config", None, "0.4", 0.3, 0.4, "env:SENOTARGET_WEIGHT_POTENCY"),
    ("env_alone", None, "0.4", None, 0.4, "env:SENOTARGET_WEIGHT_POTENCY"),
    ("config_alone", None, None, 0.3, 0.3, f"config:{CFG}"),
    ("default", None, None, None, 0.30, None),
]


@pytest.mark.parametrize(
    ("explicit", "env_value", "file_value", "expected", "origin"),
    [case[1:] for case in WEIGHT_ORDER],
    ids=[case[0] for case in WEIGHT_ORDER],
)
def test_weight_resolution_order(
    tmp_path: Path,
    explicit: float | None,
    env_value: str | None,
    file_value: float | None,
    expected: float,
    origin: str | None,
) -> None:
    config = (
        _write(tmp_path, f"[weights]\npotency = {file_value}\n") if file_value is not None else None
    )
    env = {"SENOTARGET_WEIGHT_POTENCY": env_value} if env_value is not None else {}
    weights = {"potency": explicit} if explicit is not None else None
    settings = load_settings(config=config, env=env, weights=weights)
    assert settings.weights.potency == expected
    assert settings.weights.evidence == Weights().evidence
    assert settings.origins.get("weights.potency") == (
        _fill(origin, config) if origin is not None else None
    )


#: (case, explicit threshold, env value, config value, expected threshold, expected origin)
THRESHOLD_ORDER: list[tuple[str, int | None, str | None, int | None, int, str | None]] = [
    ("argument_beats_all", 9, "7", 5, 9, "argument"),
    ("env_beats_config", None, "7", 5, 7, "env:SENOTARGET_CONFIDENCE_SINGLE"),
    ("env_alone", None, "7", None, 7, "env:SENOTARGET_CONFIDENCE_SINGLE"),
    ("config_alone", None, None, 5, 5, f"config:{CFG}"),
    ("default", None, None, None, 8, None),
]


@pytest.mark.parametrize(
    ("explicit", "env_value", "file_value", "expected", "origin"),
    [case[1:] for case in THRESHOLD_ORDER],
    ids=[case[0] for case in THRESHOLD_ORDER],
)
def test_threshold_resolution_order(
    tmp_path: Path,
    explicit: int | None,
    env_value: str | None,
    file_value: int | None,
    expected: int,
    origin: str | None,
) -> None:
    config = (
        _write(tmp_path, f"[thresholds]\nconfidence_single = {file_value}\n")
        if file_value is not None
        else None
    )
    env = {"SENOTARGET_CONFIDENCE_SINGLE": env_value} if env_value is not None else {}
    thresholds = {"confidence_single": explicit} if explicit is not None else None
    settings = load_settings(config=config, env=env, thresholds=thresholds)
    assert settings.thresholds.confidence_single == expected
    assert type(settings.thresholds.confidence_single) is int
    assert settings.thresholds.confidence_group == Thresholds().confidence_group
    assert settings.origins.get("thresholds.confidence_single") == (
        _fill(origin, config) if origin is not None else None
    )


def test_defaults_with_empty_env() -> None:
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.source == "auto"
    assert settings.chembl_db is None
    assert settings.chembl_url == DEFAULT_CHEMBL_URL
    assert settings.offline is False
    assert settings.panel == "default"
    assert settings.out_dir == Path("reports")
    assert settings.cache_dir == default_cache_dir() == CHECKOUT / "data" / "cache"
    assert settings.run_id is None
    assert settings.workers == 0
    assert settings.config_file is None
    assert settings.weights == Weights()
    assert settings.thresholds == Thresholds()
    assert dict(settings.origins) == {
        "source": "default",
        "chembl_db": "default",
        "chembl_url": "default",
        "offline": "default",
        "panel": "default",
        "out_dir": "default",
        "cache_dir": "default",
        "run_id": "default",
        "workers": "default",
        "scheduler": "default",
        "partition_rows": "default",
        "report_top": "default",
        "cluster_top": "default",
        "structure_time_limit": "default",
        "rank_by": "default",
        "known_compounds": "default",
        "min_rank_move": "default",
        "refresh_panels": "default",
    }


# -- the default cache folder ------------------------------------------------------------------


def _package(root: Path, pyproject: str | None, cache: bool) -> Path:
    """A package folder ``root/senotarget`` beside an optional pyproject.toml and data/cache."""
    (root / "senotarget").mkdir(parents=True)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    if cache:
        (root / "data" / "cache").mkdir(parents=True)
    return root / "senotarget"


def test_default_cache_dir_is_the_checkouts_data_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _package(tmp_path / "checkout", '[project]\nname = "senotarget"\n', cache=True)
    monkeypatch.setattr(senotarget.config, "PACKAGE_DIR", package)
    monkeypatch.chdir(tmp_path)  # the working folder does not matter
    expected = tmp_path / "checkout" / "data" / "cache"
    assert default_cache_dir() == expected
    settings = load_settings(env={})
    assert settings.cache_dir == expected
    assert settings.origins["cache_dir"] == "default"
    assert settings.public_dict()["cache_dir"] == str(expected)
    assert load_settings(env={}, cache_dir="mine").cache_dir == Path("mine")  # still overridable
    env = {"SENOTARGET_CACHE_DIR": "/tmp/env-cache"}
    assert load_settings(env=env).cache_dir == Path("/tmp/env-cache")


PYPROJECT_NOT_OURS = [
    ("site-packages", None, False),  # an installed wheel: no pyproject.toml beside the package
    ("other project", '[project]\nname = "other"\n', True),
    ("no data/cache", '[project]\nname = "senotarget"\n', False),
    ("broken pyproject", "[project\n", True),
]


@pytest.mark.parametrize(
    ("pyproject", "cache"),
    [c[1:] for c in PYPROJECT_NOT_OURS],
    ids=[c[0] for c in PYPROJECT_NOT_OURS],
)
def test_default_cache_dir_is_the_user_cache_outside_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pyproject: str | None, cache: bool
) -> None:
    monkeypatch.setattr(
        "platformdirs.user_cache_dir", lambda app: str(tmp_path / "user-cache" / app)
    )
    package = _package(tmp_path / "site", pyproject, cache)
    monkeypatch.setattr(senotarget.config, "PACKAGE_DIR", package)
    assert default_cache_dir() == tmp_path / "user-cache" / "senotarget"
    assert load_settings(env={}).cache_dir == tmp_path / "user-cache" / "senotarget"
    assert default_cache_dir(CHECKOUT / "senotarget") == CHECKOUT / "data" / "cache"


def test_default_cache_dir_from_a_config_file(tmp_path: Path) -> None:
    config = _write(tmp_path, 'cache_dir = "/srv/senotarget-cache"\n')
    settings = load_settings(config=config, env={})
    assert settings.cache_dir == Path("/srv/senotarget-cache")
    assert settings.origins["cache_dir"] == f"config:{config}"


#: (key, env string, parsed value)
ENV_VALUES: list[tuple[str, str, Any]] = [
    ("source", "web", "web"),
    ("chembl_db", "/data/chembl_35.db", "/data/chembl_35.db"),
    ("chembl_url", "https://example.org/api", "https://example.org/api"),
    ("offline", "yes", True),
    ("offline", "TRUE", True),
    ("offline", "1", True),
    ("offline", "off", False),
    ("offline", "0", False),
    ("panel", "my_panel.toml", "my_panel.toml"),
    ("out_dir", "out/reports", Path("out/reports")),
    ("cache_dir", "/tmp/cache", Path("/tmp/cache")),
    ("run_id", "run-1", "run-1"),
    ("workers", "4", 4),
    ("workers", "0", 0),
    ("report_top", "40", 40),
    ("cluster_top", "1", 1),
    ("structure_time_limit", "2.5", 2.5),
    ("rank_by", "entry", "entry"),
    ("rank_by", "gene", "gene"),
    ("rank_by", "strategy", "strategy"),
]


@pytest.mark.parametrize(("key", "raw", "expected"), ENV_VALUES)
def test_env_values_are_parsed(key: str, raw: str, expected: Any) -> None:
    env_name = f"SENOTARGET_{key.upper()}"
    settings = load_settings(env={env_name: raw})
    assert getattr(settings, key) == expected
    assert settings.origins[key] == f"env:{env_name}"


def test_config_file_values_and_origins(tmp_path: Path) -> None:
    config = _write(
        tmp_path,
        'source = "sql"\n'
        'chembl_db = "chembl.db"\n'
        "offline = true\n"
        "workers = 3\n"
        'out_dir = "out"\n'
        "[weights]\n"
        "breadth = 0.2\n"
        "alert_penalty = -0.1\n"
        "[thresholds]\n"
        "potency_floor = 5\n"
        "active_pchembl = 6.5\n"
        "tax_id = 10090\n",
    )
    settings = load_settings(config=config, env={"SENOTARGET_PANEL": "p.toml"}, workers=2)
    assert settings.source == "sql"
    assert settings.chembl_db == "chembl.db"
    assert settings.offline is True
    assert settings.workers == 2
    assert settings.out_dir == Path("out")
    assert settings.panel == "p.toml"
    assert settings.config_file == str(config)
    assert settings.weights == Weights(breadth=0.2, alert_penalty=-0.1)
    assert settings.thresholds == Thresholds(potency_floor=5.0, active_pchembl=6.5, tax_id=10090)
    assert type(settings.thresholds.potency_floor) is float
    origin = f"config:{config}"
    assert dict(settings.origins) == {
        "source": origin,
        "chembl_db": origin,
        "chembl_url": "default",
        "offline": origin,
        "panel": "env:SENOTARGET_PANEL",
        "out_dir": origin,
        "cache_dir": "default",
        "run_id": "default",
        "workers": "argument",
        "scheduler": "default",
        "partition_rows": "default",
        "report_top": "default",
        "cluster_top": "default",
        "structure_time_limit": "default",
        "rank_by": "default",
        "known_compounds": "default",
        "min_rank_move": "default",
        "refresh_panels": "default",
        "weights.breadth": origin,
        "weights.alert_penalty": origin,
        "thresholds.potency_floor": origin,
        "thresholds.active_pchembl": origin,
        "thresholds.tax_id": origin,
    }


def test_rank_by_from_each_origin(tmp_path: Path) -> None:
    config = _write(tmp_path, 'rank_by = "gene"\n')
    assert load_settings(env={}).rank_by == "strategy"
    from_file = load_settings(config=config, env={})
    assert (from_file.rank_by, from_file.origins["rank_by"]) == ("gene", f"config:{config}")
    from_env = load_settings(config=config, env={"SENOTARGET_RANK_BY": "entry"})
    assert (from_env.rank_by, from_env.origins["rank_by"]) == ("entry", "env:SENOTARGET_RANK_BY")
    explicit = load_settings(config=config, env={"SENOTARGET_RANK_BY": "entry"}, rank_by="strategy")
    assert (explicit.rank_by, explicit.origins["rank_by"]) == ("strategy", "argument")
    assert explicit.public_dict()["rank_by"] == "strategy"  # recorded in the manifest


#: (case, config given as argument, SENOTARGET_CONFIG set, expected source)
CONFIG_PATH_CASES: list[tuple[str, bool, bool, str]] = [
    ("from_env", False, True, "web"),
    ("argument_beats_env", True, True, "sql"),
    ("argument_only", True, False, "sql"),
    ("none", False, False, "auto"),
]


@pytest.mark.parametrize(
    ("as_argument", "as_env", "expected"),
    [case[1:] for case in CONFIG_PATH_CASES],
    ids=[case[0] for case in CONFIG_PATH_CASES],
)
def test_config_path_from_argument_or_env(
    tmp_path: Path, as_argument: bool, as_env: bool, expected: str
) -> None:
    by_argument = tmp_path / "argument.toml"
    by_argument.write_text('source = "sql"\n', encoding="utf-8")
    by_env = tmp_path / "env.toml"
    by_env.write_text('source = "web"\n', encoding="utf-8")
    env = {"SENOTARGET_CONFIG": str(by_env)} if as_env else {}
    settings = load_settings(config=by_argument if as_argument else None, env=env)
    assert settings.source == expected


#: (case, env) where the variable is set but empty: like an unset variable, it gives the default.
EMPTY_ENV_CASES: list[tuple[str, dict[str, str], str, Any]] = [
    ("workers", {"SENOTARGET_WORKERS": ""}, "workers", 0),
    ("source", {"SENOTARGET_SOURCE": ""}, "source", "auto"),
    ("chembl_db", {"SENOTARGET_CHEMBL_DB": ""}, "chembl_db", None),
    ("config", {"SENOTARGET_CONFIG": ""}, "source", "auto"),
]


@pytest.mark.parametrize(
    ("env", "attribute", "expected"),
    [case[1:] for case in EMPTY_ENV_CASES],
    ids=[case[0] for case in EMPTY_ENV_CASES],
)
def test_empty_env_variable_is_unset(env: dict[str, str], attribute: str, expected: Any) -> None:
    assert getattr(load_settings(env=env), attribute) == expected


#: (case, env, section, name, default)
EMPTY_NESTED_ENV_CASES: list[tuple[str, dict[str, str], str, str, float]] = [
    ("weight", {"SENOTARGET_WEIGHT_POTENCY": ""}, "weights", "potency", 0.30),
    ("threshold", {"SENOTARGET_CONFIDENCE_SINGLE": ""}, "thresholds", "confidence_single", 8),
]


@pytest.mark.parametrize(
    ("env", "section", "name", "default"),
    [case[1:] for case in EMPTY_NESTED_ENV_CASES],
    ids=[case[0] for case in EMPTY_NESTED_ENV_CASES],
)
def test_empty_nested_env_variable_is_unset(
    env: dict[str, str], section: str, name: str, default: float
) -> None:
    settings = load_settings(env=env)
    assert getattr(getattr(settings, section), name) == default
    assert f"{section}.{name}" not in settings.origins


def test_unknown_explicit_setting_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="unknown settings \\['colour'\\]"):
        load_settings(env={}, colour="red")


# -- errors ---------------------------------------------------------------------------------------

#: (case, config text or None (no file written) or "MISSING", env, explicit, weights,
#:  thresholds, substrings the message must contain)
ERROR_CASES: list[
    tuple[
        str,
        str | None,
        dict[str, str],
        dict[str, Any],
        dict[str, float] | None,
        dict[str, float] | None,
        list[str],
    ]
] = [
    (
        "missing_config_file",
        "MISSING",
        {},
        {},
        None,
        None,
        [f"config file {CFG} does not exist", "--config", "SENOTARGET_CONFIG"],
    ),
    (
        "invalid_toml",
        "source = \n",
        {},
        {},
        None,
        None,
        [f"config file {CFG} is not valid TOML", "line 1", "fix the syntax"],
    ),
    (
        "unknown_top_level_key",
        "colour = 1\n",
        {},
        {},
        None,
        None,
        [f"config file {CFG}: unknown key(s) colour", "use only cache_dir, chembl_db"],
    ),
    (
        "unknown_weight_key",
        "[weights]\nspeed = 1\n",
        {},
        {},
        None,
        None,
        ["unknown key(s) speed in [weights]", "use only potency, evidence"],
    ),
    (
        "unknown_threshold_key",
        "[thresholds]\nfoo = 1\n",
        {},
        {},
        None,
        None,
        ["unknown key(s) foo in [thresholds]", "use only confidence_single"],
    ),
    (
        "weights_not_a_table",
        "weights = 3\n",
        {},
        {},
        None,
        None,
        ["weights is not a table", "write [weights]"],
    ),
    (
        "bad_source_argument",
        None,
        {},
        {"source": "webby"},
        None,
        None,
        [
            "setting source from argument is invalid",
            "'webby' is not one of auto, web, sql",
            "pass --source, set SENOTARGET_SOURCE, or set source in the config file",
        ],
    ),
    (
        "bad_source_config",
        'source = "ftp"\n',
        {},
        {},
        None,
        None,
        [f"setting source from config {CFG} is invalid", "--source", "SENOTARGET_SOURCE"],
    ),
    (
        "bad_bool_env",
        None,
        {"SENOTARGET_OFFLINE": "maybe"},
        {},
        None,
        None,
        [
            "setting offline from SENOTARGET_OFFLINE is invalid",
            "'maybe' is not a boolean (use true or false)",
            "pass --offline, set SENOTARGET_OFFLINE",
        ],
    ),
    (
        "negative_workers",
        None,
        {},
        {"workers": -1},
        None,
        None,
        [
            "setting workers from argument is invalid",
            "'-1' is negative (use 0 for one worker per core)",
            "pass --workers, set SENOTARGET_WORKERS",
        ],
    ),
    (
        "bad_scheduler",
        None,
        {},
        {"scheduler": "127.0.0.1:8786"},
        None,
        None,
        [
            "setting scheduler from argument is invalid",
            "'127.0.0.1:8786' is not a scheduler address (use tcp://HOST:PORT, or local:N",
            "pass --scheduler, set SENOTARGET_SCHEDULER",
        ],
    ),
    (
        "empty_partitions",
        None,
        {"SENOTARGET_PARTITION_ROWS": "0"},
        {},
        None,
        None,
        [
            "setting partition_rows from SENOTARGET_PARTITION_ROWS is invalid",
            "'0' is below 1 (a partition holds at least one activity row)",
            "pass --partition-rows, set SENOTARGET_PARTITION_ROWS",
        ],
    ),
    (
        "zero_report_top",
        None,
        {},
        {"report_top": 0},
        None,
        None,
        [
            "setting report_top from argument is invalid",
            "'0' is below 1 (show at least one candidate per strategy)",
            "pass --top, set SENOTARGET_REPORT_TOP",
        ],
    ),
    (
        "zero_structure_time_limit",
        None,
        {},
        {"structure_time_limit": 0},
        None,
        None,
        [
            "setting structure_time_limit from argument is invalid",
            "'0' is not a positive number of seconds",
            "pass --structure-time-limit, set SENOTARGET_STRUCTURE_TIME_LIMIT",
        ],
    ),
    (
        "infinite_structure_time_limit_env",
        None,
        {"SENOTARGET_STRUCTURE_TIME_LIMIT": "inf"},
        {},
        None,
        None,
        ["setting structure_time_limit from SENOTARGET_STRUCTURE_TIME_LIMIT is invalid"],
    ),
    (
        "zero_cluster_top",
        None,
        {"SENOTARGET_CLUSTER_TOP": "0"},
        {},
        None,
        None,
        [
            "setting cluster_top from SENOTARGET_CLUSTER_TOP is invalid",
            "'0' is below 1 (show at least one compound of each cluster)",
            "pass --per-cluster, set SENOTARGET_CLUSTER_TOP",
        ],
    ),
    (
        "cluster_similarity_above_one",
        "[thresholds]\ncluster_similarity = 1.5\n",
        {},
        {},
        None,
        None,
        [
            "threshold cluster_similarity 1.5 is not a Tanimoto similarity",
            "set [thresholds] cluster_similarity above 0 and at most 1",
        ],
    ),
    (
        "cluster_similarity_zero_env",
        None,
        {"SENOTARGET_CLUSTER_SIMILARITY": "0"},
        {},
        None,
        None,
        ["threshold cluster_similarity 0.0 is not a Tanimoto similarity"],
    ),
    (
        "unknown_rank_by_env",
        None,
        {"SENOTARGET_RANK_BY": "pathway"},
        {},
        None,
        None,
        [
            "setting rank_by from SENOTARGET_RANK_BY is invalid",
            "'pathway' is not one of strategy, entry, gene",
            "pass --rank-by, set SENOTARGET_RANK_BY, or set rank_by in the config file",
        ],
    ),
    (
        "unknown_rank_by_config",
        'rank_by = "Entry"\n',
        {},
        {},
        None,
        None,
        ["setting rank_by from config", "'Entry' is not one of strategy, entry, gene"],
    ),
    (
        "non_integer_workers_env",
        None,
        {"SENOTARGET_WORKERS": "many"},
        {},
        None,
        None,
        ["setting workers from SENOTARGET_WORKERS is invalid", "pass --workers"],
    ),
    (
        "non_number_weight_env",
        None,
        {"SENOTARGET_WEIGHT_POTENCY": "abc"},
        {},
        None,
        None,
        [
            "setting potency from SENOTARGET_WEIGHT_POTENCY is invalid",
            "set a number with SENOTARGET_WEIGHT_POTENCY or [weights] potency",
        ],
    ),
    (
        "negative_weight_env",
        None,
        {"SENOTARGET_WEIGHT_POTENCY": "-0.1"},
        {},
        None,
        None,
        ["weight potency is negative", "use a weight >= 0", "SENOTARGET_WEIGHT_POTENCY"],
    ),
    (
        "negative_weight_config",
        "[weights]\nbreadth = -1\n",
        {},
        {},
        None,
        None,
        ["weight breadth is negative", "SENOTARGET_WEIGHT_BREADTH or [weights] breadth"],
    ),
    (
        "positive_alert_penalty",
        None,
        {},
        {},
        {"alert_penalty": 0.1},
        None,
        [
            "weight alert_penalty is positive",
            "use a weight <= 0",
            "SENOTARGET_WEIGHT_ALERT_PENALTY or [weights] alert_penalty",
        ],
    ),
    (
        "potency_ceiling_equal_floor",
        None,
        {},
        {},
        None,
        {"potency_ceiling": 4.0},
        [
            "threshold potency_ceiling is not above potency_floor",
            "set [thresholds] potency_floor < potency_ceiling",
        ],
    ),
    (
        "potency_ceiling_below_floor",
        "[thresholds]\npotency_floor = 9\npotency_ceiling = 5\n",
        {},
        {},
        None,
        None,
        ["threshold potency_ceiling is not above potency_floor"],
    ),
    (
        "confidence_single_above_9",
        None,
        {},
        {},
        None,
        {"confidence_single": 10},
        [
            "threshold confidence_single is outside ChEMBL's confidence scale 0-9",
            "set [thresholds] confidence_single between 0 and 9",
        ],
    ),
    (
        "confidence_group_below_0",
        None,
        {"SENOTARGET_CONFIDENCE_GROUP": "-1"},
        {},
        None,
        None,
        [
            "threshold confidence_group is outside ChEMBL's confidence scale 0-9",
            "set [thresholds] confidence_group between 0 and 9",
        ],
    ),
    (
        "non_integer_confidence",
        "[thresholds]\nconfidence_single = 7.5\n",
        {},
        {},
        None,
        None,
        [
            f"setting confidence_single from {CFG} is invalid",
            "SENOTARGET_CONFIDENCE_SINGLE or [thresholds] confidence_single",
        ],
    ),
]


@pytest.mark.parametrize(
    ("config_text", "env", "explicit", "weights", "thresholds", "expected"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_config_errors_name_key_and_fix(
    tmp_path: Path,
    config_text: str | None,
    env: dict[str, str],
    explicit: dict[str, Any],
    weights: dict[str, float] | None,
    thresholds: dict[str, float] | None,
    expected: list[str],
) -> None:
    config: Path | None = None
    if config_text == "MISSING":
        config = tmp_path / "missing.toml"
    elif config_text is not None:
        config = _write(tmp_path, config_text)
    with pytest.raises(ConfigError) as info:
        load_settings(config=config, env=env, weights=weights, thresholds=thresholds, **explicit)
    message = str(info.value)
    for part in expected:
        assert _fill(part, config) in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, SenotargetError)
    assert message == f"{info.value.what}: {info.value.fix}"
