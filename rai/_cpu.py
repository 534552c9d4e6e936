"""The CPUs this process may use, and the CPU time spent on them: its affinity and its cgroup's quota.

``os.cpu_count()`` counts the machine's CPUs. A container (Docker's ``--cpus``, a Kubernetes CPU
limit, many CI runners) may give a process fewer: a set of CPUs (its affinity), or a quota of CPU
time per period (the cgroup's ``cpu.max``; ``cpu.cfs_quota_us`` in cgroup v1). Threads beyond the
quota run in turns, throttled, which is the slowness ``rai._threads`` exists to avoid.

joblib's loky reads the same limits. It is not used for this: importing joblib takes 0.3 s, about
what a data-only ``rai assess`` spends on its whole drift step.
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path

__all__ = ["allowed_cpus", "cpu_quota", "usable_cores", "cgroup_usage"]

#: Where cgroup hierarchies are mounted (pure v2 at the root; hybrid systems put v2 in "unified").
CGROUP_FS = Path("/sys/fs/cgroup")
#: The process's cgroups, one line per hierarchy: "id:controllers:path".
SELF_CGROUP = Path("/proc/self/cgroup")


@functools.lru_cache(maxsize=1)
def allowed_cpus() -> tuple[int, ...]:
    """The CPUs this process may run on (its affinity); all of the machine's where that cannot be told."""
    try:
        return tuple(sorted(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return tuple(range(os.cpu_count() or 1))


@functools.lru_cache(maxsize=1)
def cpu_quota() -> tuple[float, Path | None] | None:
    """The tightest CPU quota over this process's cgroup and its ancestors, in cores, with the
    file that counts the CPU time of that cgroup (``None`` when unknown); ``None`` without a quota."""
    best: tuple[float, Path | None] | None = None
    for version, controllers, path in _own_cgroups():
        if version == 2:
            roots = [CGROUP_FS, CGROUP_FS / "unified"]
        elif "cpu" in controllers:
            roots = [CGROUP_FS / ",".join(controllers), CGROUP_FS / "cpu", CGROUP_FS / "cpu,cpuacct"]
        else:
            continue
        root = next((r for r in roots if (r / "cgroup.procs").is_file()), None)
        if root is None:
            continue
        for folder in _up_to(root, path):
            cores = _quota_v2(folder) if version == 2 else _quota_v1(folder)
            if cores is not None and (best is None or cores < best[0]):
                best = cores, _usage_file(version, folder, root)
    return best


@functools.lru_cache(maxsize=1)
def usable_cores() -> int:
    """CPUs this process may use: its affinity, capped by its cgroup's quota rounded up (at least 1)."""
    n = len(allowed_cpus())
    quota = cpu_quota()
    if quota is not None:
        n = min(n, math.ceil(quota[0]))
    return max(1, n)


def cgroup_usage(file: Path | None) -> float | None:
    """CPU seconds spent by the processes of a cgroup (``cpu_quota``'s file), or ``None``."""
    if file is None:
        return None
    try:
        text = file.read_text()
    except OSError:
        return None
    if file.name == "cpu.stat":  # v2: "usage_usec N" among other lines
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec" and value.strip().isdigit():
                return int(value) / 1e6
        return None
    return int(text) / 1e9 if text.strip().isdigit() else None  # v1 cpuacct.usage, in nanoseconds


def _own_cgroups() -> list[tuple[int, list[str], str]]:
    """(version, controllers, path) of each hierarchy this process belongs to."""
    try:
        lines = SELF_CGROUP.read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        ident, controllers, path = parts
        version = 2 if ident == "0" and controllers == "" else 1
        out.append((version, [c for c in controllers.split(",") if c], path))
    return out


def _up_to(root: Path, path: str) -> list[Path]:
    """The cgroup's folder and its ancestors up to the mount's root.

    Inside a container without its own cgroup namespace the path names the host's folder, which
    is not mounted there: the container's own cgroup is then the mount's root.
    """
    folder = root / path.strip("/")
    if not folder.is_dir():
        return [root]
    out = [folder]
    while folder != root and root in folder.parents:
        folder = folder.parent
        out.append(folder)
    return out


def _quota_v2(folder: Path) -> float | None:
    try:
        quota, period = (folder / "cpu.max").read_text().split()[:2]
        return int(quota) / int(period) if quota != "max" and int(period) > 0 else None
    except (OSError, ValueError):
        return None


def _quota_v1(folder: Path) -> float | None:
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None  # -1: no quota


def _usage_file(version: int, folder: Path, root: Path) -> Path | None:
    if version == 2:
        return folder / "cpu.stat"
    # v1: the cpuacct controller may share the cpu hierarchy or have one of its own, with the same paths
    candidates = [folder / "cpuacct.usage", CGROUP_FS / "cpuacct" / folder.relative_to(root) / "cpuacct.usage"]
    return next((f for f in candidates if f.is_file()), None)
