"""The grading sandbox: one bubblewrap container per submission, with a kernel started ahead of need.

Inside: a read-only view of the system and of the Python environment, an empty private ``/tmp``, no network
(the notebook client runs inside too, so the kernel's loopback link still works), its own PID namespace, an
unprivileged user, no capabilities and no inherited environment. The course repository, the gradebook and the
other submissions are simply not mounted: the student's code is sent over a pipe. Memory: ``RLIMIT_DATA`` per
process (``RLIMIT_AS`` would break OpenBLAS's import) plus, when the memory cgroup is writable, a cgroup
limit for the sandbox as a whole and a cap on its number of processes.

Where bubblewrap is missing, submissions still run (in a subprocess with the same limits and a scrubbed
environment) and every report says, loudly, that they were not isolated.

Everything that comes back is untrusted data: the runner's lines are read with a byte cap per line and per
submission (:class:`LineReader`), authenticated with the sandbox's own key (:func:`runner.unseal`: a line the
kernel wrote into the channel is dropped and counted) and checked against the record schema
(:func:`clean_record`) before the grader looks at them. The sandbox's ``/tmp`` is a tmpfs of at most
``Limits.disk_mb`` megabytes: files there live in memory, so they have a quota of their own.

>>> clean_record({"ev": "cell", "status": "ok", "outputs": [{"output_type": "display_data",
...               "data": {"text/markdown": 5, "text/plain": "x"}, "metadata": {}}]})["outputs"]
[{'output_type': 'display_data', 'data': {'text/plain': 'x'}, 'metadata': {}}]
>>> clean_record({"ev": "cell", "status": "rm -rf"})["status"], clean_record({"ev": "cell", "i": "0"})
('malformed', None)
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

from .runner import unseal

RUNNER = Path(__file__).with_name("runner.py")
CGROUP_ROOT = Path("/sys/fs/cgroup")
MAX_LINE_BYTES = 24 * 1024 * 1024  # one record: a probe reply (at most 16 MB) plus the cell's kept outputs
MAX_CHANNEL_BYTES = 128 * 1024 * 1024  # everything one submission's runner may send
MAX_STDERR_BYTES = 100_000
STATUSES = {"ok", "error", "timeout", "output-limit", "killed", "dead", "wall"}


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
                 max_procs=64, disk_mb=256):
        self.disk_mb = int(disk_mb)
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

    def command(self, workdir: Path, disk_mb: int = 256) -> list[str]:
        python = sys.executable
        if not self.isolated:
            return [python, str(self.scratch / "runner.py")]
        cmd = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1", "--cap-drop", "ALL",
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
        disk = str(int(disk_mb) * 1024 * 1024)
        cmd += ["--proc", "/proc", "--dev", "/dev", "--size", disk, "--tmpfs", "/tmp",
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


class LineReader:
    """Lines from a pipe with a cap per line and in total: a longer line is dropped (and counted), and after
    ``max_total`` bytes reading stops (``overflow``), so nothing a sandbox sends can grow the grader's memory.

    >>> import io
    >>> r = LineReader(io.BytesIO(b"ab\\n" + b"x" * 10 + b"\\ncd"), max_line=5, max_total=100)
    >>> list(r), r.dropped, r.overflow
    ([b'ab\\n', b'cd'], 1, False)
    """

    def __init__(self, stream, max_line: int, max_total: int, chunk: int = 65536):
        self.stream, self.max_line, self.max_total, self.chunk = stream, max_line, max_total, chunk
        self.dropped = 0
        self.total = 0
        self.overflow = False

    def __iter__(self):
        buffer = bytearray()
        skipping = False
        read = getattr(self.stream, "read1", self.stream.read)
        while True:
            data = read(self.chunk)
            if not data:
                break
            self.total += len(data)
            if self.total > self.max_total:
                self.overflow = True
                return
            start = 0
            while True:
                end = data.find(b"\n", start)
                if end < 0:
                    if not skipping:
                        buffer += data[start:]
                        if len(buffer) > self.max_line:
                            buffer.clear()
                            skipping = True
                            self.dropped += 1
                    break
                if skipping:
                    skipping = False
                else:
                    buffer += data[start:end + 1]
                    if len(buffer) <= self.max_line:
                        yield bytes(buffer)
                    else:
                        self.dropped += 1
                    buffer.clear()
                start = end + 1
        if buffer and not skipping:
            yield bytes(buffer)


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def _clean_output(out) -> dict | None:
    """One output in nbformat's shape with only text where text belongs, or None."""
    if not isinstance(out, dict):
        return None
    kind = out.get("output_type")
    if kind == "stream":
        if out.get("name") not in ("stdout", "stderr") or not isinstance(out.get("text"), str):
            return None
        return {"output_type": "stream", "name": out["name"], "text": out["text"]}
    if kind == "display_data":
        data, metadata = out.get("data"), out.get("metadata")
        if not isinstance(data, dict):
            return None
        data = {k: v for k, v in data.items() if isinstance(k, str) and "/" in k
                and (isinstance(v, str) or _is_json_mime(k) and isinstance(v, dict | list))}
        if not data:
            return None
        return {"output_type": "display_data", "data": data, "metadata": metadata if isinstance(metadata, dict)
                and all(isinstance(k, str) for k in metadata) else {}}
    if kind == "error":
        tb = out.get("traceback")
        if not isinstance(out.get("ename"), str) or not isinstance(out.get("evalue"), str):
            return None
        tb = [line for line in tb if isinstance(line, str)] if isinstance(tb, list) else []
        return {"output_type": "error", "ename": out["ename"], "evalue": out["evalue"], "traceback": tb}
    return None


def clean_record(rec) -> dict | None:
    """A runner record checked against its schema: a ``cell`` record with a known ``status``, typed fields and
    well-formed outputs (malformed outputs are dropped); an unknown status becomes ``malformed``. None for a
    record that is not a record at all."""
    if not isinstance(rec, dict) or rec.get("ev") not in ("ready", "cell", "done"):
        return None
    if rec["ev"] == "ready":
        return {"ev": "ready", "dumpable": bool(rec.get("dumpable"))}
    if rec["ev"] == "done":
        stopped = rec.get("stopped")
        if stopped is not None and not (isinstance(stopped, dict) and isinstance(stopped.get("at"), int)
                                        and stopped.get("why") in ("killed", "dead", "wall")):
            return None
        return {"ev": "done", "stopped": stopped}
    if "i" in rec and (not isinstance(rec["i"], int) or isinstance(rec["i"], bool)):
        return None
    status = rec.get("status")
    outputs = rec.get("outputs") if isinstance(rec.get("outputs"), list) else []
    clean = {"ev": "cell", "status": status if status in STATUSES else "malformed",
             "outputs": [o for o in map(_clean_output, outputs) if o is not None],
             "truncated": bool(rec.get("truncated")),
             "probe": rec.get("probe") if isinstance(rec.get("probe"), str | list | dict) else None}
    for key in ("ename", "evalue", "killed_for"):
        if isinstance(rec.get(key), str):
            clean[key] = rec[key]
    if "i" in rec:
        clean["i"] = rec["i"]
    return clean


class Sandbox:
    """One started runner (kernel booting or ready), waiting for its job."""

    def __init__(self, environment: Environment, limits: Limits):
        self.limits = limits
        self.environment = environment
        self.name = f"l2grade-{uuid.uuid4().hex[:12]}"
        self.lines: queue.Queue = queue.Queue()
        self.cgroups: list[Path] = []
        self.key = os.urandom(32)
        self.forged = 0  # lines that failed authentication: written into the channel by someone else
        self.dropped = 0  # lines over the size cap
        self.overflow = False  # the runner sent more than MAX_CHANNEL_BYTES: reading stopped, sandbox killed
        self.dumpable = None  # the runner's report: True if it could not make itself non-dumpable
        workdir = environment.scratch / self.name
        workdir.mkdir()
        self.workdir = workdir
        cmd = environment.command(workdir, limits.disk_mb)
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
        try:  # the key goes first, before the runner has started any kernel that could read its input
            self.proc.stdin.write((json.dumps({"key": self.key.hex()}) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            pass
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
        reader = LineReader(self.proc.stdout, MAX_LINE_BYTES, MAX_CHANNEL_BYTES)
        seq = 0
        try:
            for raw in reader:
                # a genuine line lost on the way (dropped over the cap, read away by the kernel) shifts the
                # numbering: try a few numbers ahead; the record's own index then shows the gap
                found = next(((n, r) for n in range(seq, seq + 4) if (r := unseal(self.key, n, raw)) is not None),
                             None)
                if found is None:
                    self.forged += 1
                    continue
                seq, record = found[0] + 1, found[1]
                self.dropped = reader.dropped  # before the record is seen, so a finished run's count is complete
                record = clean_record(record)
                if record is None:
                    self.lines.put({"ev": "malformed"})
                    break
                self.lines.put(record)
        except (OSError, ValueError):
            pass
        finally:
            self.dropped = reader.dropped
            if reader.overflow:
                self.overflow = True
                self._kill()
            self.lines.put(None)

    def _read_err(self) -> None:
        reader = LineReader(self.proc.stderr, 2000, MAX_STDERR_BYTES)
        try:
            for raw in reader:
                if len(self.stderr) < 200:
                    self.stderr.append(raw.decode("utf-8", "replace")[:500])
        except (OSError, ValueError):
            pass

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
                self.dumpable = line.get("dumpable")
                return True
        return False

    def run(self, cells: list[str]) -> tuple[list[dict], dict | None, str | None]:
        """Send the job; return (cell records, stop info, grader-side problem or None)."""
        limits = self.limits
        if not self.wait_ready():
            return [], None, "the grading kernel did not start: " + "".join(self.stderr[-5:])[-500:]
        # lone surrogates (valid in a notebook's JSON, not in UTF-8) would stop the kernel protocol: replaced
        sources = [s.encode("utf-8", "replace").decode("utf-8") for s in cells]
        job = {"cells": [{"source": s} for s in sources], "cell_timeout": limits.cell_timeout, "wall": limits.wall,
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
            if line.get("ev") == "malformed":
                return records, {"at": len(records), "why": "malformed"}, None
            if line.get("ev") == "cell":
                if line.get("i", len(records)) != len(records):
                    return records, {"at": len(records), "why": "malformed"}, None
                records.append(line)
                if len(records) > len(cells):
                    return records[:len(cells)], {"at": len(cells), "why": "malformed"}, None
            elif line.get("ev") == "done":
                return records, line.get("stopped"), None

    def _kill(self) -> None:
        try:
            os.killpg(self.proc.pid, 9)
        except OSError:
            pass

    def close(self) -> None:
        self._kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except (OSError, ValueError):
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


class SandboxSupply:
    """Started sandboxes on demand, each booted ahead of need: :meth:`take` hands out the oldest waiting one
    (or starts one) and starts the next while fewer are waiting than ``expected`` takes remain
    (``expected=None``: always one more). Thread-safe; :meth:`close` stops the ones never taken."""

    def __init__(self, environment: Environment, limits: Limits, prestart: int = 0, expected: int | None = None):
        self.environment, self.limits = environment, limits
        self._lock = threading.Lock()
        self._left = expected
        self._waiting: list[Sandbox] = [Sandbox(environment, limits) for _ in range(prestart)]
        self._closed = False

    def expect(self, takes: int | None) -> None:
        """How many more sandboxes will be taken (None: unknown, always boot one ahead)."""
        with self._lock:
            self._left = takes

    def take(self) -> Sandbox:
        with self._lock:
            current = self._waiting.pop(0) if self._waiting else None
            if self._left is not None:
                self._left -= 1
            more = not self._closed and (self._left is None or self._left > len(self._waiting))
        current = current or Sandbox(self.environment, self.limits)
        if more:
            ahead = Sandbox(self.environment, self.limits)
            with self._lock:
                if self._closed:
                    ahead.close()
                else:
                    self._waiting.append(ahead)
        return current

    def close(self) -> None:
        with self._lock:
            waiting, self._waiting, self._closed = self._waiting, [], True
        for sandbox in waiting:
            sandbox.close()
