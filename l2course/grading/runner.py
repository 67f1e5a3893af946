"""Execute one submission's cells in a fresh Jupyter kernel; run *inside* the grading sandbox.

This file is copied into the sandbox and started as a script, so it imports only the standard library and
``jupyter_client`` (never ``l2course``). Protocol, one sealed JSON record per line on stdout:

0. it reads a per-run key from stdin (before any student code exists) and makes itself non-dumpable
   (``prctl(PR_SET_DUMPABLE, 0)``): another process of the same user, such as the kernel, can then neither
   open ``/proc/<runner>/fd/*`` nor read ``/proc/<runner>/mem`` nor ptrace it;
1. it starts a kernel, warms it up (imports numpy and matplotlib) and prints ``{"ev": "ready"}``;
2. it reads one job from stdin: ``{"cells": [{"source": ...}, ...], "cell_timeout": s, "wall": s,
   "max_output": bytes, "keep_output": bytes}``;
3. it prints one ``{"ev": "cell", ...}`` line per executed cell and a final ``{"ev": "done", ...}``.

Every line is ``<HMAC-SHA256 hex> <JSON>``, the MAC taken over the line's sequence number and its JSON with
the key of step 0 (:func:`seal`, checked by :func:`unseal` in the grader). A line the kernel manages to write
into the channel anyway (through some file descriptor it should not reach) fails the check and is dropped.

Nothing printed here decides points: the grader compares the probe values it receives with reference values
in its own process. The kernel's own stdout/stderr go to /dev/null so student code cannot write lines here
through file descriptors it inherited.

>>> key = bytes(32)
>>> line = seal(key, 0, {"ev": "ready"})
>>> unseal(key, 0, line), unseal(key, 1, line), unseal(key, 0, line.replace(b"ready", b"ready!"))
({'ev': 'ready'}, None, None)
"""

from __future__ import annotations

import ctypes
import hashlib
import hmac
import json
import os
import queue
import subprocess
import sys
import time

PROBE_MIME = "application/vnd.l2course.probe+json"
WARM_UP = (
    "def _l2course_warm_up():\n"
    "    import numpy, matplotlib, matplotlib.pyplot  # noqa: F401\n"
    "_l2course_warm_up()\n"
    "del _l2course_warm_up\n"
)
INTERRUPT_GRACE = 3.0
PR_SET_DUMPABLE = 4
MAX_METADATA = 10_000  # bytes of one output's metadata kept (the rest of it is dropped and counted)


def seal(key: bytes, seq: int, obj: dict) -> bytes:
    """One channel line: the MAC of (sequence number, JSON), a space, the JSON, a newline."""
    body = json.dumps(obj, ensure_ascii=True, default=str).encode("ascii")
    mac = hmac.new(key, str(seq).encode("ascii") + b":" + body, hashlib.sha256).hexdigest().encode("ascii")
    return mac + b" " + body + b"\n"


def unseal(key: bytes, seq: int, line: bytes) -> dict | None:
    """The record of a sealed line if its MAC is right for sequence number ``seq``, else None."""
    mac, _, body = line.rstrip(b"\n").partition(b" ")
    want = hmac.new(key, str(seq).encode("ascii") + b":" + body, hashlib.sha256).hexdigest().encode("ascii")
    if not hmac.compare_digest(mac, want):
        return None
    try:
        obj = json.loads(body)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


class Channel:
    """The runner's side of the channel: numbered, sealed lines on the stdout it was started with."""

    def __init__(self, key: bytes, stream):
        self.key, self.stream, self.seq = key, stream, 0

    def emit(self, obj: dict) -> None:
        self.stream.write(seal(self.key, self.seq, obj))
        self.stream.flush()
        self.seq += 1


def not_dumpable() -> bool:
    """``prctl(PR_SET_DUMPABLE, 0)``: this process's /proc files become root's, unreadable to the kernel."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def start_kernel():
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name="python3")
    km.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=os.getcwd())
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc


class Cell:
    """Outputs of one execution, kept within a byte budget."""

    def __init__(self, keep: int):
        self.keep = keep
        self.kept = 0
        self.total = 0
        self.outputs: list[dict] = []
        self.truncated = False
        self.probe = None
        self.error = None

    def add(self, msg_type: str, content: dict) -> None:
        if msg_type == "stream":
            text = content.get("text", "")
            text = text if isinstance(text, str) else str(text)
            if content.get("name") not in ("stdout", "stderr"):
                content = {**content, "name": "stdout"}
            self.total += len(text)
            room = self.keep - self.kept
            if room <= 0:
                self.truncated = True
                return
            if len(text) > room:
                text, self.truncated = text[:room], True
            self.kept += len(text)
            last = self.outputs[-1] if self.outputs else {}
            if last.get("output_type") == "stream" and last.get("name") == content.get("name"):
                self.outputs[-1]["text"] += text
            else:
                self.outputs.append({"output_type": "stream", "name": content.get("name", "stdout"), "text": text})
        elif msg_type in ("display_data", "execute_result"):
            data = content.get("data", {})
            metadata = content.get("metadata", {})
            if not isinstance(data, dict):
                data = {}
            if not isinstance(metadata, dict):
                metadata = {}
            size = sum(_size(k) + _size(v) for k, v in data.items())
            meta_size = _size(metadata)
            self.total += size + meta_size  # metadata counts against the output limit like the data
            if PROBE_MIME in data:
                self.probe = data[PROBE_MIME] if size < 16_000_000 else {"error": "probe output too large"}
                return
            if meta_size > MAX_METADATA:
                metadata = {}
                meta_size = 0
            if self.kept + size + meta_size > self.keep:
                self.truncated = True
                return
            self.kept += size + meta_size
            out = {"output_type": "display_data", "data": data, "metadata": metadata}
            self.outputs.append(out)
        elif msg_type == "error":
            tb = content.get("traceback", [])
            tb = [str(line) for line in tb[:50]] if isinstance(tb, list) else []
            self.error = {"ename": str(content.get("ename", ""))[:200], "evalue": str(content.get("evalue", ""))[:2000]}
            self.outputs.append({"output_type": "error", **self.error, "traceback": [line[:4000] for line in tb]})
            self.total += sum(len(line) for line in tb)


def run_cell(km, kc, source: str, timeout: float, wall_deadline: float, max_output: int, keep: int) -> dict:
    """Execute one cell; return its record. status: ok, error, timeout, output-limit, killed, dead, wall."""
    msg_id = kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=False)
    cell = Cell(keep)
    start = time.monotonic()
    deadline = min(start + timeout, wall_deadline)
    interrupted_for = None
    interrupt_time = None
    status = None
    while True:
        now = time.monotonic()
        if interrupted_for is None and now > deadline:
            interrupted_for = "wall" if wall_deadline <= start + timeout else "timeout"
            interrupt_time = now
            km.interrupt_kernel()
        elif interrupted_for is None and cell.total > max_output:
            interrupted_for = "output-limit"
            interrupt_time = now
            km.interrupt_kernel()
        if interrupt_time is not None and now - interrupt_time > INTERRUPT_GRACE:
            status = "killed"
            km.shutdown_kernel(now=True)
            break
        try:
            msg = kc.get_iopub_msg(timeout=0.05)
        except queue.Empty:
            if not km.is_alive():
                status = "dead"
                break
            continue
        parent = msg.get("parent_header")
        if not isinstance(parent, dict) or parent.get("msg_id") != msg_id:
            continue
        msg_type = msg.get("msg_type")
        content = msg.get("content")
        if not isinstance(content, dict):
            continue
        if msg_type == "status" and content.get("execution_state") == "idle":
            break
        cell.add(msg_type, content)
    if status is None:
        status = interrupted_for or ("error" if cell.error else "ok")
    record = {"ev": "cell", "status": status, "outputs": cell.outputs, "truncated": cell.truncated,
              "output_chars": cell.total, "probe": cell.probe, "seconds": round(time.monotonic() - start, 3)}
    if status == "killed":
        record["killed_for"] = interrupted_for
    if cell.error:
        record.update(cell.error)
    return record


def _size(obj) -> int:
    """Bytes ``obj`` takes as JSON, without building a copy of a huge string."""
    if isinstance(obj, str):
        return len(obj)
    try:
        return len(json.dumps(obj, default=str))
    except (TypeError, ValueError, RecursionError):
        return 0


def main() -> None:
    t0 = time.monotonic()
    dumpable = not not_dumpable()
    key = bytes.fromhex(json.loads(sys.stdin.readline())["key"])
    out = Channel(key, sys.stdout.buffer)
    emit = out.emit
    km, kc = start_kernel()
    warm = kc.execute(WARM_UP, silent=True, store_history=False)
    while True:  # wait for the warm-up to finish
        msg = kc.get_iopub_msg(timeout=120)
        if msg.get("parent_header", {}).get("msg_id") == warm and msg["msg_type"] == "status" \
                and msg["content"].get("execution_state") == "idle":
            break
    emit({"ev": "ready", "boot": round(time.monotonic() - t0, 3), "dumpable": dumpable})
    job = json.loads(sys.stdin.readline())
    wall_deadline = time.monotonic() + job["wall"]
    stopped = None
    for index, cell in enumerate(job["cells"]):
        record = run_cell(km, kc, cell["source"], job["cell_timeout"], wall_deadline, job["max_output"],
                          job["keep_output"])
        record["i"] = index
        emit(record)
        if record["status"] in ("killed", "dead"):
            stopped = {"at": index, "why": record["status"]}
            break
        if record["status"] == "wall" or time.monotonic() > wall_deadline:
            stopped = {"at": index, "why": "wall"}
            break
    emit({"ev": "done", "stopped": stopped})
    try:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 -- the sandbox is torn down anyway
        pass


if __name__ == "__main__":
    main()
