"""The ``corpus-tools`` command line: a thin layer over the library.

Commands are registered by import path and imported only when run, so ``--help`` stays fast
and a command's heavy dependencies (datasets, the Label Studio SDK) load only for it. Each
command module lives beside this one; the library does the work, the command parses options,
calls it, and prints. A ``CorpusError`` from the library becomes a one-line message and exit 1
(with ``--json``: a JSON report of that one problem on stdout, and exit 1); so does an ``OSError``
(``file-error``: a path that is a directory, a full disk, a read-only target), and an operational
error of the SQLite stores (a full disk under build/cache/). A command line that
does not parse is click's usage message and exit 2, or under ``--json`` the JSON report of one
``usage-error``, still exit 2.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys

import click

from corpus_tools.cli.options import JSON_META, echo_error_json
from corpus_tools.errors import CorpusError
from corpus_tools.version import __version__

# command name -> "module:attribute" of a click command or group
COMMANDS = {
    "add": "corpus_tools.cli.add:add",
    "remove": "corpus_tools.cli.remove:remove",
    "check-raw": "corpus_tools.cli.raw:check_raw",
    "normalize": "corpus_tools.cli.raw:normalize",
    "labelstudio": "corpus_tools.cli.labelstudio:labelstudio",
    "validate": "corpus_tools.cli.annotations:validate",
    "ingest": "corpus_tools.cli.annotations:ingest",
    "lint": "corpus_tools.cli.lint:lint",
    "preannotate": "corpus_tools.cli.preannotate:preannotate",
    "release": "corpus_tools.cli.release:release",
    "verify": "corpus_tools.cli.release:verify",
    "diff": "corpus_tools.cli.diff:diff",
    "view": "corpus_tools.cli.view:view",
    "agreement": "corpus_tools.cli.agreement:agreement",
    "adjudicate": "corpus_tools.cli.agreement:adjudicate",
    "export": "corpus_tools.cli.export:export",
}


_LINE_META = "corpus_tools.command_line"


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, from a name -> import path dict."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands:
            module_name, attribute = self.lazy_commands[name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        ctx.meta.setdefault(_LINE_META, list(args))  # the command line after the group's options
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            # the command's --json option never ran (its line did not parse): look for it in the line
            if "--json" not in ctx.meta.get(_LINE_META, ())[1:]:
                raise
            command = error.ctx.command_path if error.ctx is not None else "corpus-tools"
            echo_error_json(CorpusError("usage-error", f"{command}: {error.format_message()}"))
            ctx.exit(error.exit_code)
        except CorpusError as error:
            failure = error
        except BrokenPipeError:  # the reader went away (`| head`): not a fault to report
            # Python's own advice: point stdout at devnull, so the flush at exit does not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(1)
        except OSError as error:  # a path the system refused: one line too, never a traceback
            failure = CorpusError.of_os_error(error)
        except sqlite3.OperationalError as error:  # the same for the SQLite stores (a full disk)
            failure = CorpusError("file-error", f"SQLite: {error} (a store in build/cache/ or the temporary "
                                  "directory)")
        if ctx.meta.get(JSON_META):
            echo_error_json(failure)
            ctx.exit(1)
        raise click.ClickException(str(failure)) from None


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corpus-tools")
def cli() -> None:
    """Build, annotate and release the US-Syria news corpus.

    \b
    Example:
        corpus-tools check-raw          # every raw file against raw/manifest.jsonl
        corpus-tools normalize --doc 000_cbeedfbee8440207
    """


def main() -> None:
    """The console script. It writes UTF-8 whatever the locale, as Python's UTF-8 mode does: its
    output is text of a UTF-8 corpus and JSON (which RFC 8259 says is UTF-8), and a locale that
    cannot encode a curly quote must not turn a report into a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # not when replaced by something else
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    cli(prog_name="corpus-tools")
