"""``senotarget refresh``: rerun each configured panel whose release, panel or settings changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from senotarget.panels.load import load_panel
from senotarget.pipeline import Progress, run
from senotarget.report import files as report
from senotarget.report.manifest import fingerprint
from senotarget.sources import open_source

if TYPE_CHECKING:
    from senotarget.config import Settings
    from senotarget.schema import Panel

__all__ = ["RefreshOutcome", "refresh", "refresh_reasons"]


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
