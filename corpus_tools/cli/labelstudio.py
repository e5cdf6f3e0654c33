"""``corpus-tools labelstudio``: the labeling config, a local server, tasks, push, pull, annotate."""

from __future__ import annotations

from pathlib import Path

import click

from corpus_tools.cli.options import (DEFAULT_PROJECT, data_dir_option, echo_notes, echo_problems, root_option,
                                      verbose_option)
from corpus_tools.cli.progress import (checking_export, downloading, progress, rechecking, stages,
                                       totalled)
from corpus_tools.errors import CorpusError, Location, quantity
from corpus_tools.layout import Layout


def _connection_options(function):
    function = click.option("--url", envvar="LABEL_STUDIO_URL", help="Server URL [env LABEL_STUDIO_URL].")(function)
    function = click.option("--api-key", envvar="LABEL_STUDIO_API_KEY",
                            help="API key [env LABEL_STUDIO_API_KEY]; default: the local server's.")(function)
    return data_dir_option(function)


def _email(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from corpus_tools.records import is_email

    if value is not None and not is_email(value):  # a usage error here; ensure_user refuses it too
        raise click.BadParameter(f"{value!r} is not an email address (NAME@DOMAIN)")
    return value


def _client(url, api_key, data_dir):
    from corpus_tools.labelstudio.sync import connect

    return connect(url, api_key, data_dir)


@click.group()
def labelstudio() -> None:
    """Label Studio: labeling config, a local server, tasks, push/pull, annotate.

    \b
    Example:
        corpus-tools labelstudio server start
        corpus-tools labelstudio push --project corpus_tools --predictions
        corpus-tools labelstudio pull --project corpus_tools     # export, then ingest
    """


@labelstudio.group()
def server() -> None:
    """Install, start, stop a local Label Studio server on 127.0.0.1.

    The server's venv is cached in $CORPUS_TOOLS_CACHE (default ~/.cache/corpus-tools); its data
    (database, log, connection file with the API key, mode 0600) in --data-dir.

    \b
    Example:
        corpus-tools labelstudio server install
        corpus-tools labelstudio server start --data-dir .labelstudio
    """


@server.command("install")
def server_install() -> None:
    """Install label-studio into its own cached venv (idempotent).

    \b
    Example:
        corpus-tools labelstudio server install
    """
    from corpus_tools.labelstudio import server as ls_server

    click.echo(ls_server.install(echo=click.echo))


@server.command("start")
@data_dir_option
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default, or 0: the previous start's when it is free, else a free one).")
@click.option("--database", envvar="CORPUS_TOOLS_LS_DATABASE", metavar="postgresql://USER:PASSWORD@HOST:PORT/NAME",
              help="Keep the server's data in this PostgreSQL database instead of the data dir's SQLite file "
                   "(a team server) [env CORPUS_TOOLS_LS_DATABASE]; remembered by later starts of the data dir.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs --i-know-this-exposes-the-server.")
@click.option("--i-know-this-exposes-the-server", "expose", is_flag=True,
              help="Allow --host beyond loopback: anyone who can reach it reaches the login page and the API.")
def server_start(data_dir: Path, port: int | None, database: str | None, host: str, expose: bool) -> None:
    """Start a server for --data-dir, wait until healthy, print its URL (never the key).

    The data dir is created 0700 (its SQLite database holds the API token in plain text).

    \b
    Example:
        corpus-tools labelstudio server start
        export LABEL_STUDIO_URL=$(corpus-tools labelstudio server status --url-only)
        corpus-tools labelstudio server start --database postgresql://ls:secret@127.0.0.1:5432/labelstudio
        corpus-tools labelstudio server start --host 0.0.0.0 --port 8080 --i-know-this-exposes-the-server
    """
    from corpus_tools.labelstudio import server as ls_server

    try:
        running = ls_server.start(data_dir, port=port,
                                  echo=lambda line: click.echo(line, err=line.startswith("WARNING")),
                                  database=database, host=host, expose=expose)
    except KeyboardInterrupt as interrupt:  # Ctrl-C while it waited: say what became of the server and data dir
        raise CorpusError("labelstudio-start-interrupted", "; ".join(["interrupted", *getattr(interrupt, "__notes__", ())]),
                          Location(file=str(data_dir))) from None
    connection = running.connection
    click.echo(f"Label Studio is running at {connection.url} (pid {connection.pid}); "
               f"login {connection.username}, password and API key in {Path(connection.data_dir) / 'connection.json'}")


@server.command("account")
@data_dir_option
@click.argument("email")
def server_account(data_dir: Path, email: str) -> None:
    """Make EMAIL an account of the local server that can log in in the browser: created when
    absent, given a new random password, printed once (and kept nowhere). Run it again to set
    another password.

    \b
    Example:
        corpus-tools labelstudio server account annotator-2@corpus-tools.local
    """
    import secrets

    from corpus_tools.labelstudio import server as ls_server

    password = secrets.token_urlsafe(12)
    user = ls_server.ensure_user(data_dir, email, password=password)
    click.echo(f"account {user.email} (user {user.id}) can log in with password {password}")


@server.command("stop")
@data_dir_option
def server_stop(data_dir: Path) -> None:
    """Stop the server of --data-dir (its whole process group).

    \b
    Example:
        corpus-tools labelstudio server stop
    """
    from corpus_tools.labelstudio import server as ls_server

    click.echo("stopped" if ls_server.stop(data_dir) else "no server was running for this data dir")


@server.command("status")
@data_dir_option
@click.option("--url-only", is_flag=True, help="Print only the URL.")
def server_status(data_dir: Path, url_only: bool) -> None:
    """Say whether the server of --data-dir runs, and where; exit 1 when it does not.

    \b
    Example:
        corpus-tools labelstudio server status
    """
    from corpus_tools.labelstudio import server as ls_server

    connection, answers = ls_server.server_state(data_dir)
    if connection is None:
        raise CorpusError("labelstudio-not-running", f"no server is running for this data dir: {ls_server.start_it(data_dir)}",
                          Location(file=str(data_dir)))
    if not answers:
        raise CorpusError("labelstudio-not-answering", ls_server.not_answering(connection),
                          Location(file=str(data_dir)))
    click.echo(connection.url if url_only else f"running at {connection.url} (pid {connection.pid})")


@labelstudio.command("config")
def config() -> None:
    """Print the labeling config generated from the annotation schema.

    \b
    Example:
        corpus-tools labelstudio config > labeling-config.xml
    """
    from corpus_tools.labelstudio.config import labeling_config

    click.echo(labeling_config())


def _task_inputs(layout: Layout, predictions: bool):
    from corpus_tools.labelstudio.sync import task_inputs

    with stages() as stage:
        inputs = task_inputs(layout, predictions, rechecking(stage))
    echo_notes(inputs.notes)
    return inputs


_predictions_option = click.option("--predictions", is_flag=True,
                                   help="Attach the corpus's current annotations as predictions, and pre-annotations "
                                        "(corpus-tools preannotate) to documents that have none.")


@labelstudio.command("tasks")
@root_option
@_predictions_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The import file to write (JSON list of tasks).")
def tasks(layout: Layout, predictions: bool, output: Path) -> None:
    """Write a Label Studio import file for the normalized documents.

    \b
    Example:
        corpus-tools labelstudio tasks --predictions -o build/tasks.json
    """
    from corpus_tools.labelstudio.sync import write_task_file

    inputs = _task_inputs(layout, predictions)
    with progress("writing tasks", total=len(inputs.documents), unit="task") as on_progress:
        count = write_task_file(inputs, output, on_progress)
    click.echo(f"wrote {quantity(count, 'task')} to {output}")


@labelstudio.command("push")
@_connection_options
@root_option
@_predictions_option
@click.option("--project", default=DEFAULT_PROJECT, show_default=True,
              help="Project title (not digits only: the other commands read those as a project id; no "
                   "whitespace at its ends, which Label Studio strips).")
def push(url, api_key, data_dir, layout, predictions, project) -> None:
    """Create or update the project and import the tasks it does not hold yet.

    Tasks are keyed on (doc_id, text_sha256): pushing twice imports nothing new. With
    --predictions, a task already there gets the prediction made now when it holds none of that
    model_version (none is changed or deleted; a note counts them). The project's tasks of
    documents removed from the corpus (corpus-tools remove) are counted in a note, never deleted.

    \b
    Example:
        corpus-tools labelstudio push --project corpus_tools --predictions
    """
    from corpus_tools.labelstudio.sync import push_corpus, push_line, push_notes

    client = _client(url, api_key, data_dir)
    with stages() as stage:
        result = push_corpus(client, layout, project, predictions, rechecking=rechecking(stage),
                             pushing=totalled(stage, "pushing tasks", "task"))
    echo_notes(push_notes(result, predictions))
    click.echo(push_line(result))


@labelstudio.command("pull")
@_connection_options
@root_option
@click.option("--project", default=DEFAULT_PROJECT, show_default=True, help="Project title or id.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the JSON export [default: build/labelstudio/<project>.json, --project as "
                   "given (a title or an id) with each character other than letters, digits, '-', '_' and '.' "
                   "as '-'].")
@click.option("--ingest/--no-ingest", default=True, show_default=True,
              help="Validate the export and store it in annotations/exports/ (as `corpus-tools ingest`).")
@click.option("--allow-partial", is_flag=True, help="As `corpus-tools ingest --allow-partial`.")
@verbose_option
def pull(url, api_key, data_dir, layout, project, output, ingest, allow_partial, verbose) -> None:
    """Export the project's JSON (snapshot export, streamed to disk), then ingest it.

    Exits 1 when ingest refuses the export (nothing stored; the export file stays for a look).

    \b
    Example:
        corpus-tools labelstudio pull --project corpus_tools
        corpus-tools labelstudio pull --project 3 -o export.json --no-ingest
    """
    from corpus_tools.labelstudio import sync

    if not ingest and output is None:
        raise click.UsageError("--no-ingest needs -o FILE")
    if not ingest and allow_partial:
        raise click.UsageError("--allow-partial is an option of ingest, which --no-ingest leaves out")
    client = _client(url, api_key, data_dir)
    if not ingest:
        with stages() as stage:
            written = sync.pull(client, project, output, downloading=downloading(stage))
        click.echo(f"wrote {written}")
        return
    from corpus_tools.cli.annotations import echo_outcome, exit_if_failed

    with stages() as stage:
        exported, result = sync.pull_and_ingest(
            client, project, layout, output, allow_partial,
            downloading=downloading(stage),
            checking=checking_export(stage), rechecking=rechecking(stage))
    click.echo(f"wrote {exported}")
    echo_problems(result.report, verbose)
    echo_outcome(result, layout)
    exit_if_failed(result, allow_partial)


@labelstudio.command("annotate")
@_connection_options
@click.option("--project", default=DEFAULT_PROJECT, show_default=True, help="Project title or id.")
@click.option("--as", "as_user", metavar="EMAIL", callback=_email,
              help="Annotate as this user of the local server (created if absent; refused with a --url of another "
                   "server, where the user's own --api-key is the way); default: the key's owner.")
@click.option("--results", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='JSON lines: {"doc_id": ..., "result": [...]} (or "task_id"; optional "text_sha256", '
                   '"was_cancelled", "ground_truth", "lead_time": docs/labelstudio.md).')
@click.option("--worksheets", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A directory of annotator worksheets (*.yaml; docs/annotation-guidelines.md), "
                   "resolved against the current texts.")
@click.option("--accept-predictions", is_flag=True,
              help="Accept each task's latest prediction unchanged (not the left-out units adjudicate --push adds "
                   "for a reviewer, unless --model-version names them).")
@click.option("--model-version", help="With --accept-predictions: only predictions of this model_version.")
@root_option
def annotate(url, api_key, data_dir, project, as_user, results, worksheets, accept_predictions, model_version,
             layout) -> None:
    """Submit annotations through the API, as an annotator would.

    \b
    Example:
        corpus-tools labelstudio annotate --as gold@corpus.local --results gold.jsonl
        corpus-tools labelstudio annotate --as gold@corpus.local --worksheets annotations/worksheets/round-1
        corpus-tools labelstudio annotate --accept-predictions
    """
    from corpus_tools.labelstudio import annotate as ls_annotate
    from corpus_tools.labelstudio.sync import resolve_project

    if [bool(results), bool(worksheets), accept_predictions].count(True) != 1:
        raise click.UsageError("give exactly one of --results FILE, --worksheets DIR and --accept-predictions")
    if model_version is not None and not accept_predictions:
        raise click.UsageError("--model-version goes with --accept-predictions")
    context = None
    if worksheets or results:  # read before the server is touched: an item that does not fit submits nothing
        items, source, context = ls_annotate.results_to_submit(layout, worksheets, results)
    if as_user is not None:
        from corpus_tools.labelstudio.server import check_user_request, ensure_user

        check_user_request(data_dir, as_user, url)  # a --url of another server: its accounts are not ours to make
    client = _client(url, api_key, data_dir)
    project_id = resolve_project(client, project).id  # before an account is made for a project not there
    # every item (every prediction's task) checked before an account is made: a refusal leaves no account behind
    if context is None:
        accepted = ls_annotate.plan_predictions(client, project_id, model_version)
    else:
        planned = ls_annotate.plan_results(client, project_id, items, source, context)
    user = None
    if as_user is not None:
        user = ensure_user(data_dir, as_user)
        client = _client(url, user.api_key, data_dir)
    # every task planned is submitted or skipped, one step each
    with progress("annotating", total=len(accepted if context is None else planned), unit="task") as on_progress:
        if context is not None:
            done = ls_annotate.submit_planned(client, planned, on_progress)
        else:
            done = ls_annotate.accept_planned(client, accepted, model_version, on_progress)
    click.echo(ls_annotate.submitted_line(done, project_id, user))
