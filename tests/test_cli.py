"""The command line as a whole: version, and help with an example for every command."""

from __future__ import annotations

import click
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.version import __version__


def command_paths(group: click.Group, ctx: click.Context, prefix=()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, click.Context(command, parent=ctx), (*prefix, name))


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"corpus-tools, version {__version__}\n"


def test_every_command_has_help_with_an_example():
    paths = list(command_paths(cli, click.Context(cli)))
    assert {"check-raw", "normalize", "validate", "ingest", "lint", "release", "verify"} <= {p[0] for p in paths}
    assert ("labelstudio", "server", "start") in paths
    for path in paths:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.output and f"corpus-tools {' '.join(path)}" in result.output, path


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["publish"])
    assert result.exit_code == 2
    assert "No such command 'publish'" in result.output
