"""A run's manifest.json: what ran, on what, with which settings, and what came out (DESIGN §6).

Also the run's fingerprint (release, panel, settings, known list), which ``refresh`` compares to
decide whether a panel needs a new run, the caches the run used (folder, structure-cache hits,
web requests sent). The ``report`` stage's own time is added where the run folder is written
(:func:`senotarget.report.exports.write_run`).
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from senotarget.schema import (
    STRATEGIES,
    CandidateCols,
    EvidenceCols,
    Panel,
    StageTiming,
    TargetCols,
)
from senotarget.stages import chemistry, curate, validate

if TYPE_CHECKING:
    import pandas as pd

    from senotarget.config import Settings

__all__ = [
    "build_manifest",
    "cache_summary",
    "fingerprint",
    "run_counts",
    "tool_version",
]


def tool_version() -> str:
    """The installed senotarget version."""
    try:
        return version("senotarget")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


def fingerprint(settings: Settings, panel: Panel, release: str) -> dict[str, str]:
    """What decides whether a refresh reruns a panel: the data, the panel, and the settings.

    Settings that change results (score weights, thresholds) and the known-compounds list are
    hashed; where the output goes, the cache and the worker count are not part of it.
    """
    import hashlib
    from dataclasses import asdict

    scoring = {"weights": asdict(settings.weights), "thresholds": asdict(settings.thresholds)}
    text = json.dumps(scoring, sort_keys=True)
    return {
        "chembl_release": release,
        "panel_sha256": panel.sha256,
        "settings_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "known_sha256": validate.known_sha256(settings.known_compounds),
    }


def run_counts(
    targets: pd.DataFrame,
    curated: curate.Tally,
    evidence: pd.DataFrame,
    candidates: pd.DataFrame,
    parents: pd.DataFrame,
) -> dict[str, int]:
    """The counts a manifest records: genes, targets, activities, evidence rows, candidates."""
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
        "activities": curated.rows,
        "activities_excluded": curated.excluded,
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


def build_manifest(
    settings: Settings,
    panel: Panel,
    info: Any,
    run_id: str,
    started: datetime,
    timings: list[StageTiming],
    counts: dict[str, int],
    curated: curate.Tally,
    parents: pd.DataFrame,
    cache: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The run's manifest.json as JSON-ready values (DESIGN §6).

    :param cache: the caches the run used (:func:`cache_summary`), recorded under ``cache``
    """
    record: dict[str, Any] = {
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
        "curation_rule_hits": dict(curated.hits),
        "timings_seconds": {t.stage: t.seconds for t in timings},
        "peak_rss_mb": {t.stage: t.peak_rss_mb for t in timings},
    }
    if cache is not None:
        record["cache"] = dict(cache)
    return record


def cache_summary(
    settings: Settings,
    structures: Mapping[str, int],
    web_requests: int | None = None,
) -> dict[str, Any]:
    """What the run's caches gave, for the manifest's ``cache`` entry.

    :param structures: the structure cache's counts from
        :func:`senotarget.stages.chemistry.standardise` (``unique_structures``, ``from_cache``,
        ``computed``)
    :param web_requests: HTTP requests the web source sent (pages and ``/status``; every other
        answer came from its requests-cache), or ``None`` when the source was not the web
    :returns: ``{"dir", "origin", "structures": {"file", ...counts}, ["web": {"requests_sent"}]}``
        with absolute paths
    """
    folder = settings.cache_dir.absolute()
    summary: dict[str, Any] = {
        "dir": str(folder),
        "origin": settings.origins.get("cache_dir", "default"),
        "structures": {
            "file": str(chemistry.structure_cache_path(folder / "structures")),
            **structures,
        },
    }
    if web_requests is not None:
        summary["web"] = {"requests_sent": web_requests}
    return summary
