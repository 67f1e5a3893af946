"""A throwaway PostgreSQL server for the tests and the benchmark: Debian's ``postgresql`` package, run by hand.

``initdb`` and ``pg_ctl`` refuse to run as root, and Debian keeps them outside PATH in
``/usr/lib/postgresql/<version>/bin``. As root, the server runs as the unprivileged user ``nobody`` in a
temporary directory it owns. It listens on loopback only, on a free port (the package's own cluster may
already hold 5432), with its socket in the temporary directory; it is stopped and deleted afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "install Debian's PostgreSQL server: apt-get install postgresql (.ci/run does)"


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path, port: int, bindir: Path, as_user: list[str]):
        self.root, self.port, self.bindir, self.as_user = root, port, bindir, as_user

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, str(self.bindir / tool), *args], cwd=self.root, check=check,
                              capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})

    def createdb(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL."""
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@contextlib.contextmanager
def throwaway_postgres():
    """Start a server; yield a :class:`Server`; stop and delete it whatever happens."""
    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError(f"no PostgreSQL server binaries: {INSTALL_HINT}")
    root = Path(tempfile.mkdtemp(prefix="l2course-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        os.chown(root, 65534, 65534)
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    server = None
    try:
        data = root / "data"
        result = subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                                 "--auth=trust", "-E", "UTF8", "--no-sync"], cwd=root, capture_output=True,
                                text=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        for attempt in range(3):  # another process may take the free port between our check and the start
            server = Server(root, free_port(), bindir, as_user)
            options = (f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
            started = server.run("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-o", options, "-w",
                                 "-t", "60", "start", check=False)
            if started.returncode == 0:
                break
            log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
            if attempt == 2:
                raise RuntimeError(f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{log[-2000:]}")
        yield server
    finally:
        if server is not None:
            server.run("pg_ctl", "-D", str(root / "data"), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)
