"""A throwaway PostgreSQL + PostGIS cluster for the tests: Debian's packages, a free port, a
folder of its own; started once per session, stopped at the end. No mock.

Password authentication is real: connections over TCP need the password (scram-sha-256),
the Unix socket in the cluster's folder is trusted (used only to set the cluster up).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PASSWORD = "Hemlig-geo-9x!"  # the tests check that it never reaches an output or a message


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available() -> bool:
    return _bin("initdb") is not None and _bin("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """``initdb`` + ``pg_ctl start`` as the ``postgres`` user when run as root."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="geo-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_root:
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        self._run(
            _bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
            "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )  # fmt: skip
        self.psql("CREATE DATABASE geo_test")
        self.psql("CREATE EXTENSION postgis", db="geo_test")

    def _run(self, *cmd: str | None) -> str:
        args = [str(c) for c in cmd]
        if self.as_root:
            args = ["runuser", "-u", "postgres", "--", *args]
        out = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {out.stderr or out.stdout}")
        return out.stdout

    def psql(self, sql: str, *, db: str = "postgres") -> str:
        """Run SQL over the trusted socket; the output unaligned, tuples only."""
        return self._run(
            _bin("psql"), "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-d", db,
            "-v", "ON_ERROR_STOP=1", "-At", "-c", sql,
        ).strip()  # fmt: skip

    def url(
        self, table: str | None = None, *, password: bool = True, query: str | None = None
    ) -> str:
        auth = f"postgres:{PASSWORD}@" if password else "postgres@"
        base = f"postgresql://{auth}127.0.0.1:{self.port}/geo_test"
        if table is not None:
            return f"{base}?table={table}"
        if query is not None:
            from urllib.parse import quote

            return f"{base}?query={quote(query)}"
        return base

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            time.sleep(0.2)
            shutil.rmtree(self.dir, ignore_errors=True)
