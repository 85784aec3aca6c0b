"""Measuring one process from outside: its wall time, and the memory of its process tree.

Every benchmark that runs a tool in a fresh process (a senotarget run, the CAPRICHO peer) measures
it here, the same way: wall time from spawn to exit, the peak of the summed resident memory of the
process and all its live descendants sampled from /proc every :data:`SAMPLE_EVERY` seconds (both
tools run worker processes), and the kernel's exact ``ru_maxrss`` of the largest single process
(``os.wait4``).
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = ["SAMPLE_EVERY", "Measured", "run_sampled", "tree_rss"]

#: How often the process tree's memory is sampled (seconds).
SAMPLE_EVERY = 0.2


def tree_rss(root: int) -> int:
    """Summed resident memory (bytes) of ``root`` and every live descendant, from /proc."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        try:
            pid = int(fields["Pid"])
            parent[pid] = int(fields["PPid"])
        except (KeyError, ValueError):
            continue
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, up in parent.items() if up == pid)
    return total


@dataclass(frozen=True)
class Measured:
    """What :func:`run_sampled` saw of one process."""

    returncode: int
    seconds: float
    peak_tree_bytes: int  # the peak of the summed RSS of the process tree
    max_process_bytes: int  # ru_maxrss: the largest single process of the tree


def run_sampled(
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    stdout: IO[Any] | int | None = None,
    stderr: IO[Any] | int | None = None,
) -> Measured:
    """Run ``command`` to its end while sampling its process tree's memory."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
    peak = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, tree_rss(child.pid))
        time.sleep(SAMPLE_EVERY)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measured(child.returncode, seconds, peak, usage.ru_maxrss * 1024)
