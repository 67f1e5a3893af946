"""Execute one submission's cells in a fresh Jupyter kernel; run *inside* the grading sandbox.

This file is copied into the sandbox and started as a script, so it imports only the standard library and
``jupyter_client`` (never ``l2course``). Protocol, one JSON object per line on stdout:

1. it starts a kernel, warms it up (imports numpy and matplotlib) and prints ``{"ev": "ready"}``;
2. it reads one job from stdin: ``{"cells": [{"source": ...}, ...], "cell_timeout": s, "wall": s,
   "max_output": bytes, "keep_output": bytes}``;
3. it prints one ``{"ev": "cell", ...}`` line per executed cell and a final ``{"ev": "done", ...}``.

Nothing printed here decides points: the grader compares the probe values it receives with reference values
in its own process. The kernel's own stdout/stderr go to /dev/null so student code cannot write lines here
through file descriptors it inherited.
"""

from __future__ import annotations

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


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


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
            size = sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())
            self.total += size
            if PROBE_MIME in data:
                self.probe = data[PROBE_MIME] if size < 16_000_000 else {"error": "probe output too large"}
                return
            if self.kept + size > self.keep:
                self.truncated = True
                return
            self.kept += size
            out = {"output_type": "display_data", "data": data, "metadata": content.get("metadata", {})}
            self.outputs.append(out)
        elif msg_type == "error":
            tb = content.get("traceback", [])[:50]
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
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        msg_type = msg["msg_type"]
        content = msg["content"]
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


def main() -> None:
    t0 = time.monotonic()
    km, kc = start_kernel()
    warm = kc.execute(WARM_UP, silent=True, store_history=False)
    while True:  # wait for the warm-up to finish
        msg = kc.get_iopub_msg(timeout=120)
        if msg.get("parent_header", {}).get("msg_id") == warm and msg["msg_type"] == "status" \
                and msg["content"].get("execution_state") == "idle":
            break
    emit({"ev": "ready", "boot": round(time.monotonic() - t0, 3)})
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
