"""A real PostgreSQL server on loopback for the tests, from the system's binaries (Debian's
``postgresql`` package: ``make test`` installs it when it runs as root and it is missing).

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user the
package creates, in a data directory of its own under the system's temporary directory (the
pytest temporary directories are 0700 and root's). It listens on 127.0.0.1 only (no Unix
socket), on a free port, with password (scram-sha-256) authentication.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from corpus_tools.labelstudio.server import free_port


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


@dataclass
class PostgreSQL:
    bin: Path
    directory: Path
    port: int
    password: str
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/labelstudio"

    def __repr__(self) -> str:
        return f"PostgreSQL(port={self.port})"

    def psql(self, sql: str, database: str = "labelstudio") -> str:
        result = subprocess.run([str(self.bin / "psql"), "-X", "-A", "-t", "-h", "127.0.0.1", "-p", str(self.port),
                                 "-U", "postgres", "-d", database, "-c", sql],
                                env={**os.environ, "PGPASSWORD": self.password}, capture_output=True, text=True,
                                check=True)
        return result.stdout.strip()

    def stop(self) -> None:
        subprocess.run(self.as_user + [str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "stop",
                                       "-m", "fast", "-w"], capture_output=True)
        shutil.rmtree(self.directory, ignore_errors=True)


def start() -> PostgreSQL:
    """initdb, start on a free loopback port, create the database ``labelstudio``."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries in /usr/lib/postgresql (make test installs Debian's "
                           "postgresql package when run as root)")
    directory = Path(tempfile.mkdtemp(prefix="corpus-tools-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(directory, postgres.pw_uid, postgres.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    password = secrets.token_hex(12)
    password_file = directory / "password"
    password_file.write_text(password + "\n")
    if as_user:
        os.chown(password_file, pwd.getpwnam("postgres").pw_uid, -1)
    port = free_port()
    run = lambda *command: subprocess.run(as_user + list(command), capture_output=True, text=True, check=True)  # noqa: E731
    run(str(bin_dir / "initdb"), "-D", str(directory / "data"), "-U", "postgres", "-A", "scram-sha-256",
        f"--pwfile={password_file}", "-E", "UTF8", "--no-instructions")
    run(str(bin_dir / "pg_ctl"), "-D", str(directory / "data"), "-l", str(directory / "server.log"), "-w",
        "-o", f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", "start")
    server = PostgreSQL(bin_dir, directory, port, password, as_user)
    server.psql("CREATE DATABASE labelstudio", database="postgres")
    return server
