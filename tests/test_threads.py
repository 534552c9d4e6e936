"""Thread counts follow the free cores: the load average of other work leaves fewer threads."""

from __future__ import annotations

from pathlib import Path

import pytest

from rai._threads import free_cores, limit_threads


@pytest.mark.parametrize(("load", "cores", "expected"), [
    (0.0, 2, 2),    # idle
    (0.4, 2, 2),    # this process's own share of the load
    (1.0, 2, 1),    # the other core busy
    (1.6, 2, 1),
    (9.0, 2, 1),    # overloaded: still one thread
    (3.0, 8, 5),
])
def test_free_cores_from_the_load_average(load, cores, expected):
    assert free_cores(load=load, cores=cores) == expected


def two_cpus_no_quota(monkeypatch):
    import rai._cpu as cpu

    monkeypatch.setattr(cpu, "allowed_cpus", lambda: (0, 1))
    monkeypatch.setattr(cpu, "cpu_quota", lambda: None)
    monkeypatch.setattr(cpu, "usable_cores", lambda: 2)


def test_limit_threads_caps_the_openmp_and_blas_pools():
    from threadpoolctl import threadpool_info

    import numpy  # noqa: F401  (loads its BLAS, so there is a pool to cap)

    with limit_threads(1) as n:
        assert n == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())


def test_busy_cores_counts_other_processes_and_not_this_one(monkeypatch):
    import rai._threads as threads

    # (wall, CPU seconds on our CPUs, own CPU seconds, quota cgroup's): in 1 s the CPUs spent 1.8 s, 0.9 s of it ours
    samples = iter([(100.0, 50.0, 10.0, None), (101.0, 51.8, 10.9, None)])
    two_cpus_no_quota(monkeypatch)
    monkeypatch.setattr(threads, "_previous", None)
    monkeypatch.setattr(threads, "_last", None)
    monkeypatch.setattr(threads, "_sample", lambda: next(samples))
    monkeypatch.setattr(threads.time, "sleep", lambda _s: None)
    assert threads.busy_cores(2) == pytest.approx(0.9)
    assert threads.free_cores(load=0.9, cores=2) == 1


def test_busy_cores_sees_a_spinning_process():
    import subprocess
    import sys
    import time

    from rai._threads import busy_cores

    spin = "import time\nprint('spinning', flush=True)\nt = time.monotonic()\nwhile time.monotonic() - t < 60: pass"
    spinner = subprocess.Popen([sys.executable, "-c", spin], stdout=subprocess.PIPE, text=True)
    try:
        assert spinner.stdout.readline().strip() == "spinning"  # the event: it runs from here on
        busy_cores()
        time.sleep(0.5)  # the window measured, while this process sleeps
        # the spinner holds a whole core; whatever else the machine runs only adds to it
        assert busy_cores() >= 0.7
    finally:
        spinner.kill()
        spinner.wait()
        spinner.stdout.close()


def test_a_reading_moments_after_the_last_is_reused_without_a_pause(monkeypatch):
    import rai._threads as threads

    # the first reading at start (as the CLI takes it), then one after 2 s, then one 10 ms later
    samples = iter([(100.0, 50.0, 10.0, None), (102.0, 52.0, 11.0, None), (102.01, 52.02, 11.0, None)])
    two_cpus_no_quota(monkeypatch)
    monkeypatch.setattr(threads, "_previous", None)
    monkeypatch.setattr(threads, "_last", None)
    monkeypatch.setattr(threads, "_sample", lambda: next(samples))

    def no_pause(_s):
        raise AssertionError("busy_cores paused although it had a reading")

    monkeypatch.setattr(threads.time, "sleep", no_pause)
    threads.start_measuring()
    assert threads.busy_cores(2) == pytest.approx(0.5)  # (2.0 - 1.0) s of others' CPU over 2 s
    assert threads.busy_cores(2) == pytest.approx(0.5)  # 10 ms later: the same figure, no pause


# --- containers: the CPUs and the CPU quota a process may use (rai._cpu) ---------------------------

@pytest.fixture
def cgroup_fs(tmp_path, monkeypatch):
    """A cgroup file system of our own: (its root, the file that says this process's cgroups)."""
    import rai._cpu as cpu

    root, self_cgroup = tmp_path / "cgroup", tmp_path / "self-cgroup"
    root.mkdir()
    monkeypatch.setattr(cpu, "CGROUP_FS", root)
    monkeypatch.setattr(cpu, "SELF_CGROUP", self_cgroup)
    monkeypatch.setattr(cpu, "allowed_cpus", lambda: tuple(range(8)))
    for cached in (cpu.cpu_quota, cpu.usable_cores):
        cached.cache_clear()
    yield root, self_cgroup
    for cached in (cpu.cpu_quota, cpu.usable_cores):
        cached.cache_clear()


def _folder(path, **files):
    path.mkdir(parents=True, exist_ok=True)
    (path / "cgroup.procs").write_text("")
    for name, text in files.items():
        (path / name.replace("__", ".")).write_text(text)
    return path


def test_the_tightest_quota_of_the_cgroup_and_its_ancestors_caps_the_cores(cgroup_fs):
    import rai._cpu as cpu

    root, self_cgroup = cgroup_fs
    _folder(root, cpu__max="max 100000\n")
    _folder(root / "ci", cpu__max="150000 100000\n", cpu__stat="usage_usec 2500000\nuser_usec 2000000\n")
    _folder(root / "ci" / "job", cpu__max="max 100000\n")
    self_cgroup.write_text("0::/ci/job\n")
    assert cpu.cpu_quota() == (1.5, root / "ci" / "cpu.stat")
    assert cpu.usable_cores() == 2  # 1.5 cores of 8 CPUs: two threads, not eight
    assert cpu.cgroup_usage(root / "ci" / "cpu.stat") == 2.5


def test_a_cgroup_v1_quota_in_a_container_is_read_at_the_mount_root(cgroup_fs):
    import rai._cpu as cpu

    root, self_cgroup = cgroup_fs
    # the host's path of the container's cgroup is not mounted inside it: its own cgroup is the root
    mount = _folder(root / "cpu,cpuacct", cpu__cfs_quota_us="100000\n", cpu__cfs_period_us="100000\n",
                    cpuacct__usage="4000000000\n")
    self_cgroup.write_text("12:pids:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n")
    assert cpu.cpu_quota() == (1.0, mount / "cpuacct.usage")
    assert cpu.usable_cores() == 1
    assert cpu.cgroup_usage(mount / "cpuacct.usage") == 4.0


def test_without_a_quota_the_cores_are_the_allowed_cpus(cgroup_fs):
    import rai._cpu as cpu

    root, self_cgroup = cgroup_fs
    _folder(root / "cpu", cpu__cfs_quota_us="-1\n", cpu__cfs_period_us="100000\n")
    self_cgroup.write_text("3:cpu:/\n")
    assert cpu.cpu_quota() is None
    assert cpu.usable_cores() == 8


def test_other_processes_of_the_quota_cgroup_count_against_it(monkeypatch):
    import rai._cpu as cpu
    import rai._threads as threads

    # 8 CPUs, a quota of 2 cores. In 1 s: 2.5 s spent on the CPUs, 1.0 s of it ours; the cgroup
    # spent 2.0 s, so another process of ours (a test worker, a build) took a whole core of the quota
    monkeypatch.setattr(cpu, "allowed_cpus", lambda: tuple(range(8)))
    monkeypatch.setattr(cpu, "cpu_quota", lambda: (2.0, None))
    monkeypatch.setattr(cpu, "usable_cores", lambda: 2)
    samples = iter([(100.0, 50.0, 10.0, 30.0), (101.0, 52.5, 11.0, 32.0)])
    monkeypatch.setattr(threads, "_previous", None)
    monkeypatch.setattr(threads, "_last", None)
    monkeypatch.setattr(threads, "_sample", lambda: next(samples))
    monkeypatch.setattr(threads.time, "sleep", lambda _s: None)
    assert threads.busy_cores() == pytest.approx(1.0)  # of the 2 usable cores, 1 is taken
    assert threads.free_cores(load=threads._last) == 1


def test_a_process_in_a_cgroup_with_a_one_core_quota_uses_one_thread(tmp_path):
    """The real thing: a cgroup (v1 or v2) with a quota of one core, a fresh process moved into it."""
    import os
    import subprocess
    import sys
    import uuid

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs at least 2 CPUs for a quota of 1 to make a difference")
    name = f"rai-test-{uuid.uuid4().hex[:8]}"
    folder = None
    for base, files in ((Path("/sys/fs/cgroup/cpu"), {"cpu.cfs_quota_us": "100000", "cpu.cfs_period_us": "100000"}),
                        (Path("/sys/fs/cgroup"), {"cpu.max": "100000 100000"})):
        if not (base / "cgroup.procs").is_file():
            continue
        try:
            (base / name).mkdir()
        except OSError:
            continue
        try:
            for file, text in files.items():
                (base / name / file).write_text(text)
            folder = base / name
            break
        except OSError:
            (base / name).rmdir()
    if folder is None:
        pytest.skip("cannot create a cgroup with a CPU quota here (needs root and a cpu controller)")
    try:
        code = ("import sys, os\n"
                "try:\n"
                f"    open({str(folder / 'cgroup.procs')!r}, 'w').write(str(os.getpid()))\n"
                "except OSError:\n"
                "    sys.exit(print('cannot move'))\n"
                "from rai._cpu import usable_cores\nfrom rai._threads import free_cores\n"
                "print(usable_cores(), free_cores())")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        if out.stdout.strip() == "cannot move":
            pytest.skip("cannot move a process into the new cgroup here")
        assert out.stdout.split() == ["1", "1"]
    finally:
        folder.rmdir()
