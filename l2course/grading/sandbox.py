"""The grading sandbox: one bubblewrap container per submission, with a kernel started ahead of need.

Inside: a read-only view of the system and of the Python environment, an empty private ``/tmp``, no network
(the notebook client runs inside too, so the kernel's loopback link still works), its own PID namespace, an
unprivileged user, no capabilities and no inherited environment. The course repository, the gradebook and the
other submissions are simply not mounted: the student's code is sent over a pipe. Memory: ``RLIMIT_DATA`` per
process (``RLIMIT_AS`` would break OpenBLAS's import) plus, when the memory cgroup is writable, a cgroup
limit for the sandbox as a whole and a cap on its number of processes.

Where bubblewrap is missing, submissions still run (in a subprocess with the same limits and a scrubbed
environment) and every report says, loudly, that they were not isolated.
"""

from __future__ import annotations

import json
import os
import queue
import resource
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

RUNNER = Path(__file__).with_name("runner.py")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def bwrap_path() -> str | None:
    path = shutil.which("bwrap")
    if not path:
        return None
    try:
        ok = subprocess.run([path, "--unshare-all", "--ro-bind", "/", "/", "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if ok.returncode == 0 else None


def _python_roots() -> list[str]:
    """Directories the sandbox must see read-only to run this Python: the venv and its base interpreter."""
    roots = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))}
    return sorted(r for r in roots if not r.startswith(("/usr/", "/bin", "/lib")) and r != "/usr")


def _cgroup_v1_writable() -> bool:
    probe = CGROUP_ROOT / "memory" / f"l2grade-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
        return (CGROUP_ROOT / "pids").is_dir()
    except OSError:
        return False


class Limits:
    def __init__(self, cell_timeout=60.0, wall=600.0, memory_mb=2048, max_output=5_000_000, keep_output=20_000,
                 max_procs=64):
        self.cell_timeout = float(cell_timeout)
        self.wall = float(wall)
        self.memory_mb = int(memory_mb)
        self.max_output = int(max_output)
        self.keep_output = int(keep_output)
        self.max_procs = int(max_procs)


class Environment:
    """What this machine offers; decided once per grading run."""

    def __init__(self, isolate: bool = True):
        self.bwrap = bwrap_path() if isolate else None
        self.cgroups = _cgroup_v1_writable()
        self.scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"l2grade-{uuid.uuid4().hex[:10]}"
        self.scratch.mkdir(parents=True)
        shutil.copy(RUNNER, self.scratch / "runner.py")
        os.chmod(self.scratch, 0o755)
        self.mpl_cache = self._font_cache()

    @property
    def isolated(self) -> bool:
        return self.bwrap is not None

    def warning(self) -> str | None:
        if self.isolated:
            return None
        return ("WARNING: no sandbox (bubblewrap is not installed or --no-isolation was given): student code runs "
                "WITHOUT isolation and can read any file this user can read. Install bubblewrap "
                "(apt-get install bubblewrap) for a trustworthy run.")

    def _font_cache(self) -> Path | None:
        """Matplotlib's font list, copied so kernels do not rebuild it (seconds) in their empty home."""
        try:
            import matplotlib

            found = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
        except Exception:  # noqa: BLE001
            return None
        if not found:
            return None
        target = self.scratch / "mpl"
        target.mkdir()
        for f in found:
            shutil.copy(f, target / f.name)
        return target

    def env(self) -> dict:
        venv_bin = str(Path(sys.executable).parent)
        return {
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp/home",
            "MPLCONFIGDIR": "/tmp/mpl",
            "IPYTHONDIR": "/tmp/ipython",
            "JUPYTER_RUNTIME_DIR": "/tmp/runtime",
            "JUPYTER_CONFIG_DIR": "/tmp/jupyter",
            "JUPYTER_DATA_DIR": "/tmp/jupyter-data",
            "JUPYTER_PLATFORM_DIRS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "LANG": "C.UTF-8",
        }

    def command(self, workdir: Path) -> list[str]:
        python = sys.executable
        if not self.isolated:
            return [python, str(self.scratch / "runner.py")]
        cmd = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
               "--uid", "65534", "--gid", "65534", "--clearenv",
               "--ro-bind", "/usr", "/usr"]
        for name in ("bin", "lib", "lib64", "sbin"):
            p = Path("/") / name
            if p.is_symlink():
                cmd += ["--symlink", os.readlink(p), str(p)]
            elif p.is_dir():
                cmd += ["--ro-bind", str(p), str(p)]
        for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf"):
            if os.path.exists(etc):
                cmd += ["--ro-bind", etc, etc]
        cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--ro-bind", str(self.scratch / "runner.py"), "/opt/l2grade/runner.py",
                "--dir", "/tmp/home", "--dir", "/tmp/work", "--dir", "/tmp/mpl"]
        # After the private /tmp: a checkout (and its .venv) may itself live under /tmp.
        for root in _python_roots():
            cmd += ["--ro-bind", root, root]
        if self.mpl_cache:
            for f in sorted(self.mpl_cache.iterdir()):
                cmd += ["--ro-bind", str(f), f"/tmp/mpl/{f.name}"]
        for key, value in self.env().items():
            cmd += ["--setenv", key, value]
        cmd += ["--chdir", "/tmp/work", python, "/opt/l2grade/runner.py"]
        return cmd

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


class Sandbox:
    """One started runner (kernel booting or ready), waiting for its job."""

    def __init__(self, environment: Environment, limits: Limits):
        self.limits = limits
        self.environment = environment
        self.name = f"l2grade-{uuid.uuid4().hex[:12]}"
        self.lines: queue.Queue = queue.Queue()
        self.cgroups: list[Path] = []
        workdir = environment.scratch / self.name
        workdir.mkdir()
        self.workdir = workdir
        cmd = environment.command(workdir)
        if environment.cgroups:
            self._make_cgroups()
            procs = " ".join(str(g / "cgroup.procs") for g in self.cgroups)
            cmd = ["/bin/sh", "-c", f'for f in {procs}; do echo $$ > "$f"; done; exec "$@"', "sh", *cmd]
        memory = limits.memory_mb * 1024 * 1024

        def limit():  # runs in the child before exec: every process in the sandbox inherits it
            resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        env = None
        if not environment.isolated:  # private folders under the work folder instead of the sandbox's /tmp
            env = {k: v.replace("/tmp/", f"{workdir}/") for k, v in environment.env().items()}
            if environment.mpl_cache:
                env["MPLCONFIGDIR"] = str(environment.mpl_cache)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     cwd=str(workdir), env=env, preexec_fn=limit, start_new_session=True)
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _make_cgroups(self) -> None:
        mem = CGROUP_ROOT / "memory" / self.name
        mem.mkdir()
        # the whole sandbox: the kernel's own limit plus room for the runner and the kernel machinery
        (mem / "memory.limit_in_bytes").write_text(str((self.limits.memory_mb + 512) * 1024 * 1024))
        try:
            (mem / "memory.memsw.limit_in_bytes").write_text(str((self.limits.memory_mb + 512) * 1024 * 1024))
        except OSError:
            pass
        pids = CGROUP_ROOT / "pids" / self.name
        pids.mkdir()
        (pids / "pids.max").write_text(str(self.limits.max_procs))
        self.cgroups = [mem, pids]

    def memory_events(self) -> int:
        """How many times the sandbox's memory cgroup hit its limit (0 without cgroups)."""
        for g in self.cgroups:
            f = g / "memory.failcnt"
            if f.exists():
                try:
                    return int(f.read_text())
                except (OSError, ValueError):
                    return 0
        return 0

    def _read(self) -> None:
        for raw in self.proc.stdout:
            try:
                self.lines.put(json.loads(raw))
            except ValueError:
                continue
        self.lines.put(None)

    def _read_err(self) -> None:
        for raw in self.proc.stderr:
            if len(self.stderr) < 200:
                self.stderr.append(raw.decode("utf-8", "replace")[:500])

    def wait_ready(self, timeout: float = 180.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                return False
            if line.get("ev") == "ready":
                return True
        return False

    def run(self, cells: list[str]) -> tuple[list[dict], dict | None, str | None]:
        """Send the job; return (cell records, stop info, grader-side problem or None)."""
        limits = self.limits
        if not self.wait_ready():
            return [], None, "the grading kernel did not start: " + "".join(self.stderr[-5:])[-500:]
        job = {"cells": [{"source": s} for s in cells], "cell_timeout": limits.cell_timeout, "wall": limits.wall,
               "max_output": limits.max_output, "keep_output": limits.keep_output}
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.close()
        except OSError:
            return [], None, "the grading sandbox closed its input"
        records: list[dict] = []
        deadline = time.monotonic() + limits.wall + 3 * limits.cell_timeout + 30
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                return records, {"at": len(records), "why": "wall"}, None
            if line is None:  # the runner itself died (e.g. the sandbox ran out of memory)
                return records, {"at": len(records), "why": "dead"}, None
            if line.get("ev") == "cell":
                records.append(line)
            elif line.get("ev") == "done":
                return records, line.get("stopped"), None

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, 9)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for g in self.cgroups:
            procs = g / "cgroup.procs"
            for _ in range(50):
                try:
                    pids = [int(p) for p in procs.read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                time.sleep(0.05)
            try:
                g.rmdir()
            except OSError:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)
