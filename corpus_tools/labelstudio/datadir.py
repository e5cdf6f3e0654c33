"""The local Label Studio server's data dir: the default every command takes (``default_data_dir``)
and the commands that start or stop the server of a data dir, as messages give them
(``server_command``).

A module of its own, light enough for every command's options (corpus_tools.cli.options) to
import: corpus_tools.labelstudio.server, which the messages come from, imports the SDK's
neighbours (HTTP, subprocesses) that a command that never talks to a server should not load.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from corpus_tools.fsutil import resolved
from corpus_tools.layout import find_root

DEFAULT_DATA_DIR = ".labelstudio"  # in the checkout, git-ignored: the local server's database and key


def default_data_dir() -> str:
    """$CORPUS_TOOLS_LS_DATA, else .labelstudio in the corpus checkout the command runs in (found
    upwards, as --root is), else in the working directory."""
    if "CORPUS_TOOLS_LS_DATA" in os.environ:
        return os.environ["CORPUS_TOOLS_LS_DATA"]
    root = find_root(Path.cwd())
    return str(root / DEFAULT_DATA_DIR) if root is not None else DEFAULT_DATA_DIR


def server_command(verb: str, data_dir: str | os.PathLike) -> str:
    """``corpus-tools labelstudio server VERB`` ("start", "stop"), for the server of ``data_dir``,
    to be copied from a message and run where the command that said it ran: with ``--data-dir``
    (quoted for the shell) unless ``data_dir`` is the default there, which the command without it
    would use (a copied "server stop" stopped the default data dir's server, not the one named)."""
    try:
        default = resolved(data_dir) == resolved(default_data_dir())
    except OSError:  # a symbolic link loop: named, so the command is right whatever it is
        default = False
    given = "" if default else f" --data-dir {shlex.quote(os.fspath(data_dir))}"
    return f"corpus-tools labelstudio server {verb}{given}"
