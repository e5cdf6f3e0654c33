"""A real Label Studio server on 127.0.0.1: install, start, stop, status.

Label Studio pins its own pyarrow and SDK, which clash with ours, so it lives in its own
virtual environment, cached outside the checkout (``$CORPUS_TOOLS_CACHE``, default
``~/.cache/corpus-tools``) and shared by every checkout and test run on the machine.

A server owns one data directory, created 0700: its SQLite database (which holds the API
token in plain text), uploaded files, its log (``server.log``) and its connection file
(``connection.json``, mode 0600: URL, admin user, password and API key, and the database URL
when the server uses PostgreSQL). The key is generated here, handed to Label Studio through the
environment at first start, and never printed.

A team server: ``database="postgresql://user:password@host:port/name"`` makes Label Studio keep
its data in PostgreSQL (its own settings: ``DJANGO_DB=default`` and ``POSTGRE_NAME``, ``_USER``,
``_PASSWORD``, ``_HOST``, ``_PORT``), and ``host`` other than loopback makes it listen there,
which ``start`` refuses unless ``expose=True`` (the CLI's ``--i-know-this-exposes-the-server``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import msgspec

from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import first_missing, resolved, staging_dir
from corpus_tools.labelstudio.datadir import server_command
from corpus_tools.layout import check_output
from corpus_tools.records import is_email

LABEL_STUDIO_VERSION = "1.23.2"
CONNECTION_FILE = "connection.json"
LOG_FILE = "server.log"
INSTALLED_STAMP = ".corpus-tools-installed"
ADMIN_EMAIL = "admin@corpus-tools.local"
START_TIMEOUT = 600.0  # seconds; first start (migrations) takes ~60 s on an idle 2-core machine
STOP_TIMEOUT = 30.0

# Label Studio phones home (Sentry, analytics, PyPI version check) unless told not to; the
# test machines have no network but package registries, so each attempt would only slow it.
QUIET_ENVIRONMENT = {
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "COLLECT_ANALYTICS": "false",
    "LATEST_VERSION_CHECK": "false",
    "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    "PYTHONUNBUFFERED": "1",
}


def cache_root() -> Path:
    """Where the server's virtual environment is cached (``$CORPUS_TOOLS_CACHE``)."""
    configured = os.environ.get("CORPUS_TOOLS_CACHE")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "corpus-tools"


def env_path(cache: Path | None = None) -> Path:
    # absolute and normalized (os.path.abspath: no "..", as venv makes the path it builds in, and
    # the venv's sys.executable): pip writes the console scripts' shebangs with that path, which
    # _retarget_scripts must find to point them at the final place
    return Path(os.path.abspath(cache or cache_root())) / f"label-studio-{LABEL_STUDIO_VERSION}"


def env_python(env: Path) -> Path:
    return env / "bin" / "python"


def is_installed(env: Path) -> bool:
    """The venv was built to the end (its stamp names the version) and its interpreter still runs
    and finds label_studio: a venv's python is a link to the Python that built it, which an upgrade
    can remove or replace with another version that does not read the venv's site-packages."""
    stamp = env / INSTALLED_STAMP
    if not (env_python(env).exists() and stamp.exists() and stamp.read_text().strip() == LABEL_STUDIO_VERSION):
        return False
    try:  # find_spec only looks for the package: no import of Django, a few milliseconds
        return subprocess.run([str(env_python(env)), "-c", _FINDS_LABEL_STUDIO], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=FIND_TIMEOUT).returncode == 0
    except OSError:
        return False
    except subprocess.TimeoutExpired:  # a slow machine, not a broken venv: not installed would make
        return True  # install remove the venv shared by every checkout, under the servers running from it


_FINDS_LABEL_STUDIO = "import importlib.util, sys; sys.exit(importlib.util.find_spec('label_studio') is None)"
FIND_TIMEOUT = 60.0  # seconds for the venv's python to say whether it finds label_studio


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock, so two processes (two developers' test runs) never build at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install(cache: Path | None = None, echo: Callable[[str], None] = lambda _: None) -> Path:
    """Install ``label-studio==1.23.2`` into its own venv, once; return the venv's path.

    Idempotent and atomic: the venv is built in a temporary directory beside its final place
    and renamed into place only when pip has finished, so an interrupted install leaves
    nothing that looks installed.
    """
    target = env_path(cache)
    if is_installed(target):
        return target
    with _locked(target.parent / f".{target.name}.lock"):
        if is_installed(target):
            return target
        if (target / INSTALLED_STAMP).exists():
            echo(f"the venv in {target} no longer runs label_studio (was its Python upgraded or removed?): rebuilding it")
        echo(f"installing label-studio=={LABEL_STUDIO_VERSION} into {target} (takes a few minutes)")
        building = staging_dir(target.parent, f".{target.name}.building-")
        try:
            _build_env(building)
            _retarget_scripts(building, target)
            (building / INSTALLED_STAMP).write_text(LABEL_STUDIO_VERSION + "\n")
            if target.exists():  # a broken leftover from an older, non-atomic attempt
                shutil.rmtree(target)
            os.rename(building, target)
        except KeyboardInterrupt as interrupt:  # Ctrl-C in a first start's minutes of pip: say what it left
            interrupt.add_note(f"label-studio=={LABEL_STUDIO_VERSION} was not installed; the next start (or "
                               "`corpus-tools labelstudio server install`) installs it")
            raise
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return target


def _build_env(path: Path) -> None:
    base_python = getattr(sys, "_base_executable", None) or sys.executable
    steps = (
        [base_python, "-m", "venv", str(path)],
        [str(env_python(path)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"label-studio=={LABEL_STUDIO_VERSION}"],
    )
    for command in steps:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise CorpusError("labelstudio-install-failed", f"{' '.join(command[:4])} ... failed:\n{tail}")


def _retarget_scripts(building: Path, target: Path) -> None:
    """Point the console scripts' shebangs at the final path, so ``bin/label-studio`` works.

    The library never runs them (it runs ``python -m label_studio.server``); users may.
    """
    old, new = f"#!{building}/bin/", f"#!{target}/bin/"
    for script in (building / "bin").iterdir():
        if not script.is_file() or script.is_symlink():
            continue
        with open(script, "rb") as handle:
            head = handle.read(len(old) + 1)
        if head.startswith(old.encode()):
            script.write_text(script.read_text().replace(old, new, 1))


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach a running server; stored in the data dir's connection.json (mode 0600)."""

    url: str
    api_key: str
    username: str
    password: str
    port: int
    pid: int
    data_dir: str
    host: str = "127.0.0.1"  # the address the server listens on
    database: str | None = None  # postgresql://... when not the data dir's SQLite file

    def __repr__(self) -> str:  # keeps the key and passwords out of logs and tracebacks
        return (f"Connection(url={self.url!r}, username={self.username!r}, pid={self.pid}, data_dir={self.data_dir!r}, "
                f"host={self.host!r}, database={'postgresql' if self.database else 'sqlite'})")


def read_connection(data_dir: Path) -> Connection:
    path = Path(data_dir) / CONNECTION_FILE
    try:
        # typed, not Connection(**...): a "data_dir": 5 would fail later, far from the file
        return msgspec.convert(json.loads(path.read_text()), Connection)
    except FileNotFoundError:
        raise CorpusError("labelstudio-not-started", "no local server was set up in this data dir (run "
                          f"`{server_command('start', data_dir)}`)", Location(file=str(path))) from None
    except ValueError as error:  # msgspec.ValidationError is one
        raise CorpusError("labelstudio-bad-connection-file", f"unreadable connection file: {error}",
                          Location(file=str(path))) from None


def _write_connection(connection: Connection) -> None:
    path = Path(connection.data_dir) / CONNECTION_FILE
    # a name of its own: two starts on a filesystem without locks must not write one file
    descriptor, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)  # mode 0600
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(asdict(connection), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _port_for(data_dir: Path, host: str) -> int:
    """The port of the data dir's previous start when it is free again, else a free one: the
    annotators' bookmarks and an exported LABEL_STUDIO_URL keep working across a restart."""
    with contextlib.suppress(CorpusError):
        previous = read_connection(data_dir).port
        if previous > 0:  # 0 would bind any port, and the server be looked for on none
            _check_port_free(host, previous)
            return previous
    return free_port()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str
    api_key: str


def _credentials(data_dir: Path) -> Credentials:
    """The admin of this data dir: reused from an earlier start, generated at the first."""
    with contextlib.suppress(CorpusError):
        previous = read_connection(data_dir)
        return Credentials(previous.username, previous.password, previous.api_key)
    # 40 hex characters: the length of a Django REST framework token key
    return Credentials(ADMIN_EMAIL, secrets.token_urlsafe(18), secrets.token_hex(20))


LOOPBACK = ("127.0.0.1", "localhost")


def database_environment(database: str | None) -> dict[str, str]:
    """Label Studio's own PostgreSQL settings for ``postgresql://user:password@host:port/name``
    (none for SQLite). Raises ``labelstudio-bad-database`` for anything else."""
    if database is None:
        return {"DJANGO_DB": "sqlite"}
    parsed = urllib.parse.urlsplit(database)
    try:
        port = parsed.port or 5432
    except ValueError:
        port = None
    name = parsed.path.lstrip("/")
    if parsed.scheme not in ("postgresql", "postgres") or not parsed.hostname or not name or not parsed.username \
            or port is None:
        shown = urllib.parse.urlunsplit(parsed._replace(netloc=parsed.hostname or "")) if parsed.scheme else "?"
        raise CorpusError("labelstudio-bad-database", f"--database must be postgresql://USER:PASSWORD@HOST:PORT/NAME, "
                          f"got {shown!r} (credentials not shown)", Location(file="--database"))
    return {
        "DJANGO_DB": "default",  # Label Studio's name for its PostgreSQL settings
        "POSTGRE_NAME": urllib.parse.unquote(name),
        "POSTGRE_USER": urllib.parse.unquote(parsed.username),
        "POSTGRE_PASSWORD": urllib.parse.unquote(parsed.password or ""),
        "POSTGRE_HOST": parsed.hostname,
        "POSTGRE_PORT": str(port),
    }


def _private_dir(data_dir: Path) -> None:
    """The data dir, 0700: the SQLite database holds the API token in plain text."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data_dir, 0o700)


def _server_environment(data_dir: Path, port: int, credentials: Credentials, database: str | None = None,
                        public_url: str | None = None) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("LABEL_STUDIO_", "POSTGRE_", "DJANGO_DB"))}
    environment.update(QUIET_ENVIRONMENT)
    environment.update(database_environment(database))
    environment.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_HOST": public_url or f"http://127.0.0.1:{port}",
        "LABEL_STUDIO_USERNAME": credentials.username,
        "LABEL_STUDIO_PASSWORD": credentials.password,
        "LABEL_STUDIO_USER_TOKEN": credentials.api_key,
        # since 1.17 a new organization rejects legacy tokens unless this is set at its creation
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
    })
    return environment


@dataclass(frozen=True, slots=True)
class RunningServer:
    """A started server: its connection, and the process when this process started it."""

    connection: Connection
    process: subprocess.Popen | None = None


def start(data_dir: Path, *, cache: Path | None = None, port: int | None = None,
          timeout: float = START_TIMEOUT, echo: Callable[[str], None] = lambda _: None,
          database: str | None = None, host: str = "127.0.0.1", expose: bool = False) -> RunningServer:
    """Start a server for ``data_dir`` and wait until it answers with our key.

    Listens on 127.0.0.1 unless ``host`` says otherwise, which needs ``expose=True`` (anyone who
    reaches that address reaches the login page and the API). ``database``: a PostgreSQL URL
    (see ``database_environment``) instead of the data dir's SQLite file. Refuses when a server
    for this data dir is already running, and a data dir inside a corpus's raw/, annotations/ or
    dist/ or inside a release (``output-protected``). A start that fails stops the server and
    removes the data dir if it made it. The server runs in its own process group (so ``stop``
    ends it and its children together) and outlives this process.
    """
    data_dir = resolved(data_dir)
    # it would hold the database, the log and connection.json with the admin's password and key
    check_output(data_dir)
    database_environment(database)  # refuse a bad URL before anything starts
    if ":" in host:  # Label Studio hands Django's runserver "HOST:PORT", which it cannot read for "::1:8080"
        raise CorpusError("labelstudio-port-unavailable", f"cannot listen on {host}: Label Studio "
                          f"{LABEL_STUDIO_VERSION} cannot listen on an IPv6 address; use 127.0.0.1 (or an IPv4 "
                          "address)", Location(file="--host"))
    if host not in LOOPBACK and not expose:
        raise CorpusError("labelstudio-exposed", f"listening on {host!r} exposes the server beyond this machine; "
                          "say so explicitly (--i-know-this-exposes-the-server) if that is what you want",
                          Location(file="--host"))
    _refuse_running(data_dir)
    _refuse_unknown_key(data_dir, database)
    if port:
        _check_port_free(host, port)  # at once: a first install takes minutes
    env = install(cache, echo)
    created = first_missing(data_dir)
    with contextlib.ExitStack() as locked:
        try:
            _private_dir(data_dir)
            locked.enter_context(_start_lock(data_dir))
            _refuse_running(data_dir)  # again: a start that held the lock until now may have started one
            _refuse_unknown_key(data_dir, database)
            # the port is taken now, right before the launch: during an install another server may
            # have taken it, and Label Studio would move to the next port, where another answers
            if port:
                _check_port_free(host, port)
            else:
                port = _port_for(data_dir, host)
        except BaseException as error:  # refused before the launch: a data dir this start made goes,
            # but not one another start holds or removed (both found it missing), nor one whose server
            # runs (another start made it, launched and let go of the lock in between)
            theirs = isinstance(error, CorpusError) and error.code in ("labelstudio-already-starting",
                                                                       "labelstudio-already-running")
            if created is not None and not theirs:
                shutil.rmtree(created, ignore_errors=True)
            raise
        return _launch(data_dir, created, env, port, timeout, echo, database, host)


def _launch(data_dir: Path, created: Path | None, env: Path, port: int, timeout: float,
            echo: Callable[[str], None], database: str | None, host: str) -> RunningServer:
    process = None
    try:
        credentials = _credentials(data_dir)
        if database is None and (data_dir / CONNECTION_FILE).exists():
            with contextlib.suppress(CorpusError):
                database = read_connection(data_dir).database  # a restart keeps its database
        if host not in LOOPBACK:
            echo(f"WARNING: the server listens on {host}:{port}: anyone who can reach this address reaches its "
                 "login page and API; use strong passwords, a firewall or a TLS proxy")
        own_url = f"http://{'127.0.0.1' if host == '0.0.0.0' or host in LOOPBACK else host}:{port}"
        command = [str(env_python(env)), "-m", "label_studio.server", "start", "--no-browser",
                   "--internal-host", host, "--port", str(port), "--data-dir", str(data_dir)]
        with open(data_dir / LOG_FILE, "ab") as log:
            log_start = log.tell()  # the log is appended to: earlier starts' lines are not this one's
            process = subprocess.Popen(command, env=_server_environment(data_dir, port, credentials, database,
                                                                        own_url),
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        connection = Connection(own_url, credentials.api_key, credentials.username,
                                credentials.password, port, process.pid, str(data_dir), host, database)
        _write_connection(connection)
        echo(f"starting Label Studio at {connection.url} (log: {data_dir / LOG_FILE})")
        _wait_until_ready(connection, process, timeout, log_start, echo)
    except BaseException as error:
        if process is not None:
            _terminate_group(process.pid, process)
        removed = ""
        if created is not None:  # a half-made data dir would pass for a set-up one; a user's own dir is kept
            kept = _keep_log(data_dir / LOG_FILE)
            shutil.rmtree(created, ignore_errors=True)
            where = "" if kept is None else f"; its log is kept in {kept}"
            removed = f"{created} did not exist before this start and was removed{where}"
            if isinstance(error, CorpusError):
                raise CorpusError(error.code, f"{error.message}; {removed}", Location(file=str(data_dir))) from None
        if isinstance(error, KeyboardInterrupt):  # Ctrl-C: what became of the server, the data dir and its log
            error.add_note("the server was stopped" if process is not None else "no server was started")
            if removed:
                error.add_note(removed)
        raise
    return RunningServer(connection, process)


def _refuse_running(data_dir: Path) -> None:
    """Refuse a data dir whose recorded server process still runs, whether or not it answers yet
    (a start whose command was killed while the server booted leaves one that does not)."""
    connection, answers = server_state(data_dir)
    if connection is None:
        return
    if answers:
        raise CorpusError("labelstudio-already-running", f"a server for this data dir is running at "
                          f"{connection.url} (pid {connection.pid})", Location(file=str(data_dir)))
    raise CorpusError("labelstudio-already-running", f"{not_answering(connection)}; stop it with "
                      f"`{server_command('stop', data_dir)}`", Location(file=str(data_dir)))


def start_it(data_dir: Path) -> str:
    """The next step every message about a data dir whose server is not running ends with."""
    return f"start it with {server_command('start', data_dir)}"


def not_answering(connection: Connection) -> str:
    """What a server process that runs but does not answer is, as the messages say it."""
    return (f"the server of this data dir runs (pid {connection.pid}) but does not answer at {connection.url}: it "
            f"may still be starting (see {Path(connection.data_dir) / LOG_FILE})")


SQLITE_FILE = "label_studio.sqlite3"  # Label Studio's database in the data dir (DJANGO_DB=sqlite)


def _refuse_unknown_key(data_dir: Path, database: str | None) -> None:
    """Refuse a data dir that holds Label Studio's database but no connection.json: its admin
    exists with a key nobody here knows, Label Studio keeps an existing admin's key and password,
    so a new key would be refused until the start timed out (and its connection.json would name
    credentials the server never had)."""
    if database is None and not (data_dir / CONNECTION_FILE).exists() and (data_dir / SQLITE_FILE).exists():
        raise CorpusError("labelstudio-key-refused", f"this data dir holds a Label Studio database ({SQLITE_FILE}) but "
                          f"no {CONNECTION_FILE}: its admin's API key and password are not known here, and Label "
                          f"Studio would refuse new ones; put back the data dir's own {CONNECTION_FILE}, or use a "
                          "new --data-dir", Location(file=str(data_dir)))


@contextlib.contextmanager
def _start_lock(data_dir: Path) -> Iterator[None]:
    """An exclusive lock on the data dir itself while one start runs: two starts of one data dir
    at once would run two servers on one database (their migrations clash) and each would remove
    the dir the other made. The second is refused at once; nothing of the first is touched."""
    try:
        descriptor = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:  # made by another start that failed meanwhile and removed what it made
        raise CorpusError("labelstudio-already-starting", "another `corpus-tools labelstudio server start` of this "
                          "data dir failed and removed it while this one began; start again",
                          Location(file=str(data_dir))) from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CorpusError("labelstudio-already-starting", "another `corpus-tools labelstudio server start` of "
                              "this data dir is under way; wait for it to finish",
                              Location(file=str(data_dir))) from None
        except OSError as error:
            if error.errno not in _NO_LOCKS:
                raise CorpusError("file-error", f"cannot lock the data dir for this start: {error.strerror}",
                                  Location(file=str(data_dir))) from None
            # a filesystem without locks (some network ones): start as before, unlocked
        yield
    finally:
        os.close(descriptor)  # releases the lock


# what flock says on a filesystem that has no locks; any other failure is one to report
_NO_LOCKS = frozenset((errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL))


def _keep_log(log: Path) -> Path | None:
    """A copy of a failed start's log outside the data dir about to be removed (the whole
    traceback, where the error quotes one line), private like the dir; None when there is none."""
    if not log.is_file():
        return None
    handle, name = tempfile.mkstemp(prefix="corpus-tools-labelstudio-", suffix=".log")  # 0600
    os.close(handle)
    shutil.copyfile(log, name)  # into the file mkstemp made, keeping its mode
    return Path(name)


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port that cannot be listened on: Label Studio would quietly take the next free
    one, where nothing looks for it, and the wait would last its whole timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:  # IPv4: start refuses IPv6 addresses
        # as the server's own socket will: a closed connection's TIME_WAIT does not hold the port
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except (OSError, OverflowError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise CorpusError("labelstudio-port-unavailable", f"cannot listen on {host} port {port}: {reason}; "
                              "choose another --port, or leave it out for a free one",
                              Location(file="--port")) from None
    # Label Studio's own test: a port that answers on localhost is "in use", whatever --host is
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as knock:
        knock.settimeout(5.0)
        if knock.connect_ex(("127.0.0.1", port)) == 0:
            raise CorpusError("labelstudio-port-unavailable", f"cannot listen on {host} port {port}: another program "
                              f"listens on 127.0.0.1 port {port}, which makes Label Studio move to the next port; "
                              "choose another --port, or leave it out for a free one", Location(file="--port"))


def _get(url: str, api_key: str | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {api_key}"} if api_key else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _answers(connection: Connection) -> bool:
    """True when the server at the URL is ours: healthy and accepting our key."""
    return _probe(connection) == "ours"


def _probe(connection: Connection) -> str:
    """"ours" when the server at the URL is healthy and accepts our key, "refused" when it is
    healthy and refuses it (401/403), "down" otherwise."""
    try:
        status_code, body = _get(f"{connection.url}/health")
        if status_code != 200 or json.loads(body).get("status") != "UP":
            return "down"
        # another server could hold the port; only ours knows the generated key
        answer = _get(f"{connection.url}/api/current-user/whoami", connection.api_key)[0]
    except (OSError, ValueError):
        return "down"
    return "ours" if answer == 200 else "refused" if answer in (401, 403) else "down"


PROGRESS_EVERY = 15.0  # seconds between the lines that say a start is still waiting


def _wait_until_ready(connection: Connection, process: subprocess.Popen, timeout: float, log_start: int,
                      echo: Callable[[str], None] = lambda _: None) -> None:
    log = Path(connection.data_dir) / LOG_FILE
    began = time.monotonic()
    deadline, next_progress = began + timeout, began + PROGRESS_EVERY
    while time.monotonic() < deadline:
        if time.monotonic() >= next_progress:
            echo(f"still waiting for the server after {time.monotonic() - began:.0f} s (a first start migrates its "
                 f"database, about a minute; gives up after {timeout:.0f} s)")
            next_progress += PROGRESS_EVERY
        if process.poll() is not None:
            raise CorpusError("labelstudio-start-failed", f"the server exited with code {process.returncode}: "
                              f"{_last_log_line(log, log_start)}", Location(file=str(log)))
        answer = _probe(connection)
        if answer == "ours":
            return
        if answer == "refused":  # Label Studio makes its admin and token before it serves: final
            # a PostgreSQL database outlives data dirs: another data dir's start may have set it up
            remedy = ("its PostgreSQL database (--database) was set up with another key, by the start of another "
                      "data dir; use that data dir, or another database" if connection.database else
                      "its database was set up with another key; put back the data dir's own connection.json, or "
                      "use a new --data-dir")
            raise CorpusError("labelstudio-key-refused", f"the server at {connection.url} is up but refuses the API "
                              f"key of {Path(connection.data_dir) / CONNECTION_FILE}: {remedy}",
                              Location(file=str(Path(connection.data_dir) / CONNECTION_FILE)))
        time.sleep(1.0)
    raise CorpusError("labelstudio-start-timeout", f"the server did not become healthy at {connection.url} "
                      f"within {timeout:.0f} s; its log's last line: {_last_log_line(log, log_start)}",
                      Location(file=str(log)))


def _last_line(text: str) -> str:
    """The last line that is not blank: of a traceback, the exception, which says what went wrong."""
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), "(no output)")


def _last_log_line(log: Path, start: int) -> str:
    with contextlib.suppress(OSError), open(log, "rb") as handle:
        handle.seek(start)
        return _last_line(handle.read().decode(errors="replace"))
    return "(no log)"


def _is_our_process(pid: int, data_dir: str) -> bool:
    """True when ``pid`` is a Label Studio server of ``data_dir`` (not a recycled pid)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    # fsencode: a path's name need not be UTF-8 (its undecodable bytes are surrogates in a str)
    return b"label_studio.server" in arguments and os.fsencode(data_dir) in arguments


def is_running(connection: Connection, data_dir: Path | None = None) -> bool:
    """Whether the server process ``connection`` records is still running (not whether it answers);
    with ``data_dir``, only when it is that data dir's server: a copied data dir (a backup) holds
    the original's connection.json, which names the original's server."""
    if data_dir is not None and Path(connection.data_dir) != resolved(data_dir):
        return False
    return _is_our_process(connection.pid, connection.data_dir)


def server_state(data_dir: Path) -> tuple[Connection | None, bool]:
    """The connection of the server process recorded for ``data_dir`` when it runs (None when
    none does), and whether it answers: asked once, so a server that finishes booting meanwhile
    is not both not running and not silent."""
    data_dir = resolved(data_dir)
    if not (data_dir / CONNECTION_FILE).exists():
        return None, False
    connection = read_connection(data_dir)
    if not is_running(connection, data_dir):
        return None, False
    return connection, _answers(connection)


def status(data_dir: Path) -> Connection | None:
    """The connection of the server running and answering for ``data_dir``, or None."""
    connection, answers = server_state(data_dir)
    return connection if answers else None


def stop(data_dir: Path) -> bool:
    """Stop the server of ``data_dir`` (its whole process group); False when none was running.
    A data dir that does not exist is refused: it is a mistyped ``--data-dir`` far more often than
    a server already stopped, and "nothing was running" would leave the real server running."""
    data_dir = resolved(data_dir)
    if not data_dir.is_dir():
        raise CorpusError("labelstudio-not-running",
                          "no such data dir: nothing was stopped (is --data-dir mistyped?)",
                          Location(file=str(data_dir)))
    if not (data_dir / CONNECTION_FILE).exists():
        return False
    connection = read_connection(data_dir)
    if not is_running(connection, data_dir):
        return False
    _terminate_group(connection.pid)
    return True


def _terminate_group(pid: int, process: subprocess.Popen | None = None) -> None:
    """SIGTERM the server's process group, wait, then SIGKILL what is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    if _wait_gone(pid, process, STOP_TIMEOUT):
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _wait_gone(pid, process, STOP_TIMEOUT)


def _wait_gone(pid: int, process: subprocess.Popen | None, timeout: float) -> bool:
    if process is not None:  # our child: reap it, or it lingers as a zombie
        try:
            process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def server_python(cache: Path | None = None) -> Path:
    """The installed server's interpreter (for management scripts run against a data dir)."""
    env = env_path(cache)
    if not is_installed(env):
        raise CorpusError("labelstudio-not-installed", "Label Studio is not installed "
                          "(run `corpus-tools labelstudio server install` or `make labelstudio-env`)")
    return env_python(env)


# Run inside the server's venv against its data dir: Label Studio's API lets an admin create
# users but hands a token only to its owner, so annotator accounts are made through Django.
_ENSURE_USER_SCRIPT = r"""
import json, os, sys
import label_studio
sys.path.insert(0, os.path.dirname(label_studio.__file__))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "label_studio.core.settings.label_studio")
import django
django.setup()
from organizations.models import Organization
from rest_framework.authtoken.models import Token
from users.models import User
email = sys.argv[1]
# as one person: Annotator@X.org is annotator@x.org, not a second account (and a second user id)
user = User.objects.filter(email__iexact=email).order_by("id").first()
created = user is None
if created:
    user = User.objects.create_user(email=email, password=None)
if "--password-from-stdin" in sys.argv[2:]:  # not an argument: a command line is visible to every local user
    user.set_password(sys.stdin.read())
    user.save(update_fields=["password"])
organization = Organization.objects.order_by("id").first()
if organization is None:
    sys.exit("the server has no organization yet: start it once first")
if not organization.has_user(user):
    organization.add_user(user)
user.active_organization = organization
user.save(update_fields=["active_organization"])
token, _ = Token.objects.get_or_create(user=user)
sys.stdout.write("\n@corpus-tools-user " + json.dumps({"id": user.id, "email": user.email, "api_key": token.key, "created": created}) + "\n")
"""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    api_key: str
    created: bool = False  # made by this call

    def __repr__(self) -> str:  # keeps the key out of logs and tracebacks
        return f"User(id={self.id}, email={self.email!r})"


def serves(connection: Connection, url: str) -> bool:
    """Whether ``url`` is the URL of the server ``connection`` records: the one rule of what
    another server is, for its key and its accounts. The same scheme, host and port, however
    written: case aside, a scheme's default port written or not, a trailing slash or not, and
    the loopback names (``LOOPBACK``) one host, as the server's own URL writes 127.0.0.1 for
    any of them (``start``) where Label Studio's docs and users write localhost."""
    return _address(url) == _address(connection.url)


def _address(url: str) -> tuple:
    """What ``serves`` compares of a URL: scheme, host (a loopback name as 127.0.0.1), port
    (the scheme's default when none is written), path without its trailing slash."""
    parts = urllib.parse.urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:  # a port that is no number: as written (the client refuses it)
        return (url.strip().rstrip("/"),)
    host = parts.hostname or ""  # lower-cased
    return scheme, LOOPBACK[0] if host in LOOPBACK else host, port, parts.path.rstrip("/")


def check_user_request(data_dir: Path, email: str, url: str | None = None) -> Connection:
    """What ``ensure_user`` refuses before it asks the server anything: no email address, a data
    dir no server was set up in (else its connection), and, when the caller talks to the server
    at ``url`` (none or empty: the data dir's, as ``connect`` reads it), a ``url`` that is not
    the data dir's server: the account would be made in the data dir's database and its key
    sent to a server that does not know it (an HTTP 401 after the work). For a caller that
    looks up a project first."""
    if not is_email(email):
        raise CorpusError("labelstudio-bad-email", f"{email!r} is not an email address (NAME@DOMAIN): an account of "
                          "that name would be one nobody can log in to")
    data_dir = resolved(data_dir)
    try:
        connection = read_connection(data_dir)
    except CorpusError as error:
        if not url or error.code != "labelstudio-not-started":
            raise
        connection = None
    if url and (connection is None or not serves(connection, url)):
        local = "has no server" if connection is None else f"has its server at {connection.url}"
        raise CorpusError("labelstudio-account-remote", f"cannot act as {email!r} on {url}: accounts are made only "
                          f"on the server of --data-dir, through its database, and this data dir {local} (Label "
                          "Studio's API gives a user's key to that user alone); to act as that account on "
                          f"{url}, pass its own API key (--api-key) and no email",
                          Location(file=str(data_dir)))
    return connection


def ensure_user(data_dir: Path, email: str, cache: Path | None = None, *, password: str | None = None) -> User:
    """The user ``email`` of the local server of ``data_dir`` (found whatever the case of its
    letters; created, and added to its organization, when absent), with the API key to act as
    that user; with ``password``, that becomes the account's password for the browser's login
    (an account made without one cannot log in: Label Studio's API has no way to set it). Raises
    ``labelstudio-not-started`` when no server was ever started there (nothing is created), and
    ``labelstudio-bad-email`` for what is no email address (nothing is created)."""
    # first: in a data dir no server set up, Django would create an empty database and fail in it
    database = check_user_request(data_dir, email).database  # the server's own database, SQLite or PostgreSQL
    data_dir = resolved(data_dir)
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("LABEL_STUDIO_", "POSTGRE_", "DJANGO_DB"))}
    environment.update(QUIET_ENVIRONMENT, LABEL_STUDIO_BASE_DATA_DIR=str(data_dir))
    environment.update(database_environment(database))
    command = [str(server_python(cache)), "-c", _ENSURE_USER_SCRIPT, email]
    if password is not None:
        command.append("--password-from-stdin")
    result = subprocess.run(command, env=environment, capture_output=True, text=True,
                            input="" if password is None else password)
    marked = [line for line in result.stdout.splitlines() if line.startswith("@corpus-tools-user ")]
    if result.returncode != 0 or not marked:
        raise CorpusError("labelstudio-user-failed", f"could not create or read user {email!r}: "
                          f"{_last_line(result.stderr)}",
                          Location(file=str(data_dir)))
    return User(**json.loads(marked[-1].split(" ", 1)[1]))


def stop_running(running: RunningServer) -> None:
    """Stop a server this process started (reaping its process)."""
    _terminate_group(running.connection.pid, running.process)
