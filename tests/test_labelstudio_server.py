"""The local server's lifecycle and the CLI commands that talk to it (one server per session)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import stat
import tempfile

import pytest
from pathlib import Path

from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.documents.index import load_documents
from corpus_tools.errors import CorpusError, Location
from corpus_tools.labelstudio import server
from corpus_tools.labelstudio.sync import push

from corpus_tools.labelstudio.tasks import to_ls_results

from labelstudio_samples import NEWS_TEXT, news_annotations


def fake_server_cache(cache, script):
    """A cache whose installed "Label Studio" is a shell script: how start fails, without a real server."""
    env = server.env_path(cache)
    (env / "bin").mkdir(parents=True)
    python = server.env_python(env)
    # `python -c ...` is the check that the venv's interpreter finds label_studio: it does
    python.write_text('#!/bin/sh\n[ "$1" = -c ] && exit 0\n' + script)
    python.chmod(0o755)
    (env / server.INSTALLED_STAMP).write_text(server.LABEL_STUDIO_VERSION + "\n")
    return cache


def test_no_server_for_an_empty_data_dir(tmp_path):
    """status said only that no server ran, with no next step (push, pull and annotate name it);
    then the step it named left out --data-dir, so it started the default data dir's server."""
    assert server.status(tmp_path) is None
    assert server.stop(tmp_path) is False
    result = CliRunner().invoke(cli, ["labelstudio", "server", "status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path}: [labelstudio-not-running] no server is running for this data dir: "
                             f"start it with corpus-tools labelstudio server start --data-dir {tmp_path}\n")


def test_the_start_command_a_message_gives_names_a_data_dir_only_when_it_is_not_the_default(tmp_path, monkeypatch):
    """Copied from a message, the command starts the server of the data dir the message is about:
    the default one (in the checkout, or $CORPUS_TOOLS_LS_DATA) needs no --data-dir, any other does,
    quoted for the shell."""
    from conftest import REPO
    from corpus_tools.labelstudio.datadir import server_command

    monkeypatch.delenv("CORPUS_TOOLS_LS_DATA", raising=False)
    monkeypatch.chdir(REPO / "docs")  # in the checkout: its .labelstudio is the default
    said = CliRunner().invoke(cli, ["labelstudio", "server", "status", "--data-dir", str(REPO / ".labelstudio")])
    assert said.output.endswith(": start it with corpus-tools labelstudio server start\n"), said.output
    assert server_command("start", "../.labelstudio") == "corpus-tools labelstudio server start"
    spaced = tmp_path / "my data"
    assert server_command("start", spaced) == f"corpus-tools labelstudio server start --data-dir '{spaced}'"
    monkeypatch.setenv("CORPUS_TOOLS_LS_DATA", str(spaced))
    assert server_command("start", spaced) == "corpus-tools labelstudio server start"
    assert server_command("start", REPO / ".labelstudio") == (
        f"corpus-tools labelstudio server start --data-dir {REPO / '.labelstudio'}")


def test_stop_refuses_a_data_dir_that_does_not_exist(tmp_path):
    missing = tmp_path / "labelstudoi"
    result = CliRunner().invoke(cli, ["labelstudio", "server", "stop", "--data-dir", str(missing)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {missing}: [labelstudio-not-running] no such data dir: nothing was stopped "
                             "(is --data-dir mistyped?)\n")
    assert not missing.exists()
    result = CliRunner().invoke(cli, ["labelstudio", "server", "stop", "--data-dir", str(tmp_path)])
    assert (result.exit_code, result.output) == (0, "no server was running for this data dir\n")


def test_client_commands_need_a_url_and_key(tmp_path, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    result = CliRunner().invoke(cli, ["labelstudio", "pull", "--data-dir", str(tmp_path), "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 1
    assert "[labelstudio-no-connection]" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.json").exists()


@pytest.mark.labelstudio
def test_install_is_cached_and_idempotent(labelstudio):
    env = server.install()
    assert server.is_installed(env)
    assert env == server.env_path() and env.name == "label-studio-1.23.2"


@pytest.mark.labelstudio
def test_connection_file_is_private_and_the_key_is_never_logged(labelstudio):
    connection_file = labelstudio.data_dir / server.CONNECTION_FILE
    assert stat.S_IMODE(connection_file.stat().st_mode) == 0o600
    stored = json.loads(connection_file.read_text())
    assert stored["url"] == labelstudio.url and stored["api_key"] == labelstudio.api_key
    assert labelstudio.api_key not in (labelstudio.data_dir / server.LOG_FILE).read_text(errors="replace")
    assert labelstudio.api_key not in repr(server.read_connection(labelstudio.data_dir))


@pytest.mark.labelstudio
def test_status_finds_the_server_and_start_refuses_a_second_one(labelstudio):
    assert server.status(labelstudio.data_dir).url == labelstudio.url
    result = CliRunner().invoke(cli, ["labelstudio", "server", "status", "--data-dir", str(labelstudio.data_dir)])
    assert result.exit_code == 0 and labelstudio.url in result.output
    assert labelstudio.api_key not in result.output
    with pytest.raises(CorpusError) as refused:
        server.start(labelstudio.data_dir)
    assert refused.value.code == "labelstudio-already-running"


@pytest.mark.labelstudio
def test_cli_annotate_as_a_user_then_pull(labelstudio, corpus_copy, tmp_path):
    # a document of the corpus: annotate checks each result against it, as pull would
    (tmp_path / "news.txt").write_text(NEWS_TEXT)
    added = CliRunner().invoke(cli, ["add", "--root", str(corpus_copy.root), "--doc-id", "cli-news",
                                     str(tmp_path / "news.txt")])
    assert added.exit_code == 0, added.output
    doc = load_documents(corpus_copy)["cli-news"]
    result = push(labelstudio.client, [doc], None, "cli project")
    results_file = tmp_path / "gold.jsonl"
    gold = to_ls_results(news_annotations(doc))
    results_file.write_text(json.dumps({"doc_id": "cli-news", "result": gold}) + "\n")
    runner = CliRunner()
    data_dir = str(labelstudio.data_dir)
    annotated = runner.invoke(cli, ["labelstudio", "annotate", "--data-dir", data_dir, "--project", "cli project",
                                    "--as", "gold@corpus-tools.local", "--results", str(results_file),
                                    "--root", str(corpus_copy.root)])
    assert annotated.exit_code == 0, annotated.output
    gold_user = server.ensure_user(labelstudio.data_dir, "Gold@Corpus-Tools.local")  # one person, whatever the case
    assert gold_user.email == "gold@corpus-tools.local"
    *notes, summary = annotated.output.splitlines()
    assert summary == (f"submitted 1 annotation to project {result.project_id} as gold@corpus-tools.local "
                       f"(user {gold_user.id})")
    # the corpus's stored exports are by users 2, 3 and 4: a new account with one of their ids is noted
    assert len(notes) <= 1 and all(note.startswith(f"note: the new account gold@corpus-tools.local is user "
                                                   f"{gold_user.id}, and user {gold_user.id} is an annotator")
                                   and gold_user.id in (2, 3, 4) for note in notes)
    # a project that is not there: refused before an account is made for the new name
    wrong = runner.invoke(cli, ["labelstudio", "annotate", "--data-dir", data_dir, "--project", "no such project",
                                "--as", "newcomer@corpus-tools.local", "--results", str(results_file),
                                "--root", str(corpus_copy.root)])
    assert wrong.exit_code == 1 and "no project titled 'no such project'" in wrong.output
    assert "newcomer@corpus-tools.local" not in {user.email for user in labelstudio.client.users.list()}
    # nor an id (the server answers 404): it was "[labelstudio-api-error] ... HTTP 404", while the
    # codes' table has labelstudio-unknown-project for an id as for a title
    missing = tmp_path / "missing.json"
    wrong = runner.invoke(cli, ["labelstudio", "pull", "--url", labelstudio.url, "--api-key", labelstudio.api_key,
                                "--project", "99999", "-o", str(missing), "--no-ingest"])
    assert (wrong.exit_code, wrong.output) == (1, "Error: [labelstudio-unknown-project] no project with id 99999\n")
    assert not missing.exists()
    # a digit of no number (str.isdigit takes "²", int() does not: a ValueError traceback) is a title
    wrong = runner.invoke(cli, ["labelstudio", "pull", "--url", labelstudio.url, "--api-key", labelstudio.api_key,
                                "--project", "\u00b2", "-o", str(missing), "--no-ingest"])
    assert (wrong.exit_code, wrong.output) == (1, "Error: [labelstudio-unknown-project] no project titled '\u00b2'\n")

    out = tmp_path / "export.json"
    pulled = runner.invoke(cli, ["labelstudio", "pull", "--url", labelstudio.url, "--api-key", labelstudio.api_key,
                                 "--project", "cli project", "-o", str(out), "--no-ingest"])
    assert pulled.exit_code == 0, pulled.output
    [task] = json.loads(out.read_bytes())
    [annotation] = task["annotations"]
    assert annotation["completed_by"] == gold_user.id and annotation["result"] == gold

    refused = runner.invoke(cli, ["labelstudio", "pull", "--url", labelstudio.url, "--api-key", "0" * 40,
                                  "--project", "cli project", "-o", str(tmp_path / "never.json"), "--no-ingest"])
    assert refused.exit_code == 1
    assert "[labelstudio-api-error] looking up project 'cli project' failed: HTTP 401: Invalid token. (the server " \
        "knows no such API key: a key from --api-key or LABEL_STUDIO_API_KEY is sent before the one in the data " \
        "dir's connection.json)\n" in refused.output
    assert not (tmp_path / "never.json").exists()


@pytest.mark.parametrize("command", ["status", "stop"])
def test_a_connection_file_with_a_wrong_typed_field_is_a_bad_connection_file(tmp_path, command):
    (tmp_path / server.CONNECTION_FILE).write_text(json.dumps({
        "url": "http://127.0.0.1:1", "api_key": "k", "username": "u", "password": "p", "port": 1, "pid": 1,
        "data_dir": 5}))
    result = CliRunner().invoke(cli, ["labelstudio", "server", command, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == (f"Error: {tmp_path / server.CONNECTION_FILE}: [labelstudio-bad-connection-file] "
                             "unreadable connection file: Expected `str`, got `int` - at `$.data_dir`\n")


def _browser_login(url: str, email: str, password: str) -> bool:
    """Label Studio's own login form, as a browser posts it: True when it lets the user in."""
    import http.cookiejar
    import re
    import urllib.parse
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    page = opener.open(f"{url}/user/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": email, "password": password}).encode()
    request = urllib.request.Request(f"{url}/user/login/", data=form, headers={"Referer": f"{url}/user/login/"})
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as answer:  # the redirect into the app, not followed
        return answer.code == 302
    return False  # the form again, with its error


@pytest.mark.labelstudio
def test_server_account_gives_an_account_a_password_it_can_log_in_with(labelstudio, tmp_path, monkeypatch):
    """Accounts made by annotate --as have no password: an annotator in the browser needs one."""
    monkeypatch.chdir(tmp_path)  # in no corpus: no stored annotators to compare the new id with
    data_dir = str(labelstudio.data_dir)
    made = CliRunner().invoke(cli, ["labelstudio", "server", "account", "browser@corpus-tools.local",
                                    "--data-dir", data_dir])
    assert made.exit_code == 0, made.output
    user = server.ensure_user(labelstudio.data_dir, "Browser@Corpus-Tools.local")  # the same account
    prefix = f"account browser@corpus-tools.local (user {user.id}) can log in with password "
    assert made.output.startswith(prefix)
    password = made.output[len(prefix):].strip()
    assert len(password) >= 16 and password not in (labelstudio.data_dir / server.LOG_FILE).read_text()
    assert _browser_login(labelstudio.url, "browser@corpus-tools.local", password)
    assert not _browser_login(labelstudio.url, "browser@corpus-tools.local", password + "x")
    again = CliRunner().invoke(cli, ["labelstudio", "server", "account", "browser@corpus-tools.local",
                                     "--data-dir", data_dir])
    assert again.output.startswith(prefix) and not _browser_login(labelstudio.url, "browser@corpus-tools.local",
                                                                  password)  # a new one replaced it


@pytest.mark.parametrize("argv", [["pull", "--no-ingest", "-o", "x.json"], ["push"], ["annotate", "--accept-predictions"]])
def test_a_stopped_server_is_said_to_be_not_running(tmp_path, monkeypatch, argv):
    """Not a refused connection to a port nobody listens on any more: the fix is to start it."""
    from conftest import REPO

    (tmp_path / server.CONNECTION_FILE).write_text(json.dumps({
        "url": "http://127.0.0.1:9", "api_key": "k", "username": "u", "password": "p", "port": 9,
        "pid": 2 ** 22 + 1, "data_dir": str(tmp_path)}))  # above Linux's pid_max: no such process
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["labelstudio", *argv, "--data-dir", str(tmp_path), "--root", str(REPO)])
    assert result.exit_code == 1, result.output
    assert result.output == (f"Error: {tmp_path}: [labelstudio-not-running] the server this data dir's "
                             "connection.json names is not running: start it with corpus-tools labelstudio server "
                             f"start --data-dir {tmp_path}\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == [server.CONNECTION_FILE]


@pytest.mark.parametrize("email", ["not an email", "", "a@b@c", "@corpus.local", "gold@", "gold @corpus.local"])
def test_annotate_as_refuses_what_is_no_email_address(tmp_path, email):
    data_dir = tmp_path / "never"
    result = CliRunner().invoke(cli, ["labelstudio", "annotate", "--as", email, "--data-dir", str(data_dir),
                                      "--accept-predictions", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert f"Error: Invalid value for '--as': {email!r} is not an email address (NAME@DOMAIN)\n" in result.output
    assert not data_dir.exists()


def test_annotate_as_refuses_a_data_dir_no_server_was_set_up_in(tmp_path):
    data_dir = tmp_path / "never"
    result = CliRunner().invoke(cli, ["labelstudio", "annotate", "--as", "gold@corpus.local", "--data-dir",
                                      str(data_dir), "--accept-predictions", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {data_dir / server.CONNECTION_FILE}: [labelstudio-not-started] no local "
                             "server was set up in this data dir (run `corpus-tools labelstudio server start "
                             f"--data-dir {data_dir}`)\n")
    assert not data_dir.exists()


CRASH = """echo 'Traceback (most recent call last):'
echo '  File "server.py", line 1, in <module>'
echo 'OverflowError: bind(): port must be 0-65535.'
echo
exit 1
"""


def test_a_server_that_dies_while_starting_is_named_by_one_line_of_its_log(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / server.LOG_FILE).write_text("an earlier start's last line\n")
    with pytest.raises(CorpusError) as failed:
        server.start(data_dir, cache=fake_server_cache(tmp_path / "cache", CRASH), port=server.free_port())
    assert failed.value.code == "labelstudio-start-failed"
    assert str(failed.value) == (f"{data_dir / server.LOG_FILE}: [labelstudio-start-failed] the server exited with "
                                 "code 1: OverflowError: bind(): port must be 0-65535.")
    assert (data_dir / server.LOG_FILE).read_text().startswith("an earlier start's last line\n")  # a dir kept


def test_a_failed_start_removes_the_data_dir_it_made_and_keeps_its_log_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    data_dir = tmp_path / "new" / "data"
    with pytest.raises(CorpusError) as failed:
        server.start(data_dir, cache=fake_server_cache(tmp_path / "cache", CRASH), port=server.free_port())
    [kept] = (tmp_path / "tmp").iterdir()
    assert str(failed.value) == (f"{data_dir}: [labelstudio-start-failed] the server exited with code 1: "
                                 f"OverflowError: bind(): port must be 0-65535.; {tmp_path / 'new'} did not exist "
                                 f"before this start and was removed; its log is kept in {kept}")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cache", "tmp"]
    assert kept.name.startswith("corpus-tools-labelstudio-") and kept.stat().st_mode & 0o777 == 0o600
    assert "OverflowError: bind(): port must be 0-65535." in kept.read_text()


def _corpus(root):
    (root / "raw").mkdir(parents=True)
    (root / "raw" / "manifest.jsonl").write_text("")
    return root


@pytest.mark.parametrize("inside", ["dist/1.0.0/lsd", "raw/lsd", "annotations/exports/lsd", "release/lsd"])
def test_start_refuses_a_data_dir_inside_a_corpus_source_or_a_release(tmp_path, monkeypatch, inside):
    # were the data dir not refused, this fake server would fail to start; no real one is started
    monkeypatch.setenv("CORPUS_TOOLS_CACHE", str(fake_server_cache(tmp_path / "cache", CRASH)))
    corpus = _corpus(tmp_path / "corpus")
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "SHA256SUMS").write_text("")
    data_dir = (corpus if inside != "release/lsd" else tmp_path) / inside
    result = CliRunner().invoke(cli, ["labelstudio", "server", "start", "--data-dir", str(data_dir)])
    assert result.exit_code == 1 and "[output-protected]" in result.output and f"Error: {data_dir}: " in result.output
    assert len(result.output.splitlines()) == 1
    assert not data_dir.exists()


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_start_refuses_a_port_out_of_range(tmp_path, port):
    result = CliRunner().invoke(cli, ["labelstudio", "server", "start", "--data-dir", str(tmp_path / "d"),
                                      "--port", port])
    assert result.exit_code == 2
    assert f"Error: Invalid value for '--port': {port} is not in the range 0<=x<=65535.\n" in result.output
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2"])
def test_start_refuses_a_port_another_process_listens_on(tmp_path, host):
    """On another --host too: Label Studio tests its port on localhost whatever --host is, and with
    the port held there it listened on the next one, where nothing looked for it, and the start
    waited its whole timeout."""
    data_dir = tmp_path / "data"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(CorpusError) as refused:
            # were the port not checked, the fake server would be waited for until the timeout
            server.start(data_dir, cache=fake_server_cache(tmp_path / "cache", BOOTING), port=port, timeout=5,
                         host=host, expose=host != "127.0.0.1")
    reason = ("Address already in use" if host == "127.0.0.1" else
              f"another program listens on 127.0.0.1 port {port}, which makes Label Studio move to the next port")
    assert str(refused.value) == (f"--port: [labelstudio-port-unavailable] cannot listen on {host} port {port}: "
                                  f"{reason}; choose another --port, or leave it out for a free one")
    assert not data_dir.exists()


@pytest.mark.parametrize("title", ["", "  ", "12345"])
def test_push_refuses_a_title_other_commands_would_read_as_an_id(title):
    """Refused before the client is used: `pull --project 12345` would look up project id 12345."""
    with pytest.raises(CorpusError) as refused:
        push(None, [], None, title)
    assert refused.value.code == "labelstudio-bad-project-title" and refused.value.location.file == "--project"


@pytest.mark.labelstudio
@pytest.mark.parametrize("title", ["spaced project ", " spaced project", "spaced project\u00a0"])
def test_push_refuses_a_title_with_whitespace_at_its_ends(labelstudio, corpus_copy, title):
    """Label Studio stores a title stripped: `push --project 'spaced project '` created a project
    titled 'spaced project' beside the one pushed before (which every command then found
    ambiguous), and another at each push of that title, as it found none titled exactly that."""
    runner = CliRunner()
    connection = ["--url", labelstudio.url, "--api-key", labelstudio.api_key, "--root", str(corpus_copy.root)]
    first = runner.invoke(cli, ["labelstudio", "push", *connection, "--project", "spaced project"])
    assert first.exit_code == 0, first.output

    def spaced() -> list[int]:
        return [p.id for p in labelstudio.client.projects.list(page_size=500) if p.title.strip() == "spaced project"]

    before = spaced()
    again = runner.invoke(cli, ["labelstudio", "push", *connection, "--project", title])
    assert (again.exit_code, again.output) == (1, (
        f"Error: --project: [labelstudio-bad-project-title] a project title must not begin or end with whitespace, "
        f"not {title!r}: Label Studio stores it as 'spaced project', and every push would create another project\n"))
    assert spaced() == before and len(before) == 1


def test_the_local_server_s_key_goes_to_its_own_url_only(tmp_path, monkeypatch):
    """--url (or LABEL_STUDIO_URL) of another server without a key took the data dir's admin key
    from connection.json and sent it there, to be refused with a bare 'HTTP 401'."""
    from corpus_tools.labelstudio.sync import connect

    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    server._write_connection(server.Connection("http://127.0.0.1:8080", "k" * 40, "admin@example.org", "pw",
                                               8080, os.getpid(), str(tmp_path)))
    with pytest.raises(CorpusError) as refused:
        connect("https://team.example.org", None, tmp_path)
    assert refused.value.code == "labelstudio-no-connection" and "https://team.example.org" in refused.value.message
    assert connect("http://127.0.0.1:8080/", None, tmp_path).projects is not None  # its own URL: its key
    assert connect("https://team.example.org", "t" * 40, tmp_path).projects is not None  # a key of its own


def test_api_errors_are_short_and_name_where_they_went():
    """Label Studio's own message, not its error object; the start of an HTML page, not all of it;
    the URL a connection failed to reach."""
    import httpx
    from label_studio_sdk.core.api_error import ApiError

    from corpus_tools.labelstudio.sync import api_errors

    with pytest.raises(CorpusError) as caught, api_errors("looking up project 3"):
        raise ApiError(status_code=404, body={"id": "0f3e", "status_code": 404, "version": "1.23.2",
                                              "detail": "No Project matches the given query.", "exc_info": None})
    assert str(caught.value) == ("[labelstudio-api-error] looking up project 3 failed: HTTP 404: No Project "
                                 "matches the given query.")
    # what Label Studio 1.23.2 answers a project title of two characters: the field and why
    with pytest.raises(CorpusError) as caught, api_errors("setting up project 'p2'"):
        raise ApiError(status_code=400, body={"id": "5dc4", "status_code": 400, "version": "1.23.2",
                                              "detail": "Validation error", "exc_info": None,
                                              "validation_errors": {"title": ["Ensure this field has at least 3 "
                                                                              "characters."]}})
    assert str(caught.value) == ("[labelstudio-api-error] setting up project 'p2' failed: HTTP 400: Validation error: "
                                 "title: Ensure this field has at least 3 characters.")
    with pytest.raises(CorpusError) as caught, api_errors("looking up project 'x'"):
        raise ApiError(status_code=401, body="")  # no body: not 'HTTP 401: '
    assert str(caught.value) == ("[labelstudio-api-error] looking up project 'x' failed: HTTP 401 (the server knows "
                                 "no such API key: a key from --api-key or LABEL_STUDIO_API_KEY is sent before the "
                                 "one in the data dir's connection.json)")
    with pytest.raises(CorpusError) as caught, api_errors("listing projects"):
        raise ApiError(status_code=500, body="<html>\n" + "<p>Server Error</p>\n" * 300)
    assert len(str(caught.value)) < 300 and "\n" not in str(caught.value) and str(caught.value).endswith("...")
    with pytest.raises(CorpusError) as caught, api_errors("listing projects"):
        raise httpx.ConnectError("[Errno 111] Connection refused",
                                 request=httpx.Request("GET", "http://127.0.0.1:1/api/projects?page=1"))
    assert str(caught.value) == ("[labelstudio-unreachable] listing projects failed at http://127.0.0.1:1/api/projects: "
                                 "ConnectError: [Errno 111] Connection refused")


def test_a_server_gone_while_a_pull_asks_who_a_user_is_is_an_error_not_a_traceback():
    """server_accounts asks for each user the list leaves out by id; a user the server does not
    know has no email, but a server gone at that moment ended the pull in a traceback (found by a
    hunt)."""
    import types

    import httpx
    from label_studio_sdk.core.api_error import ApiError

    from corpus_tools.labelstudio.sync import server_accounts

    def get(user_id):
        if user_id == 7:
            raise ApiError(status_code=404, body={"detail": "Not found."})
        raise httpx.ConnectError("[Errno 111] Connection refused",
                                 request=httpx.Request("GET", f"http://127.0.0.1:1/api/users/{user_id}"))

    users = types.SimpleNamespace(list=lambda: [types.SimpleNamespace(id=1, email="one@corpus-tools.local")], get=get)
    client = types.SimpleNamespace(users=users)
    assert server_accounts(client, ["1", "7"]) == {"1": "one@corpus-tools.local"}
    with pytest.raises(CorpusError) as caught:
        server_accounts(client, ["1", "8"])
    assert str(caught.value) == ("[labelstudio-unreachable] asking the server who user 8 is failed at "
                                 "http://127.0.0.1:1/api/users/8: ConnectError: [Errno 111] Connection refused")


@pytest.mark.parametrize("email", ["not an email", "reviewer", "a@b@c"])
def test_ensure_user_refuses_what_is_no_email_address_whoever_calls_it(tmp_path, corpus_copy, email):
    """The library's own rule (adjudicate --reviewer reaches it without annotate's usage check)."""
    with pytest.raises(CorpusError) as refused:
        server.ensure_user(tmp_path / "data", email)
    assert refused.value.code == "labelstudio-bad-email" and not (tmp_path / "data").exists()
    result = CliRunner().invoke(cli, ["adjudicate", "--strategy", "majority", "--push", "--reviewer", email, "--data-dir",
                                      str(tmp_path / "data"), "--root", str(corpus_copy.root)])
    assert result.exit_code == 1 and "[labelstudio-bad-email]" in result.output, result.output


BOOTING = "sleep 30\n"  # a "server" that runs and never answers, as Label Studio while it migrates


def _wait_for(predicate, seconds=10.0):
    import time

    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_two_starts_of_one_data_dir_at_once_run_one_server(tmp_path):
    """Both used to launch a server on the one database (Label Studio's migrations clashed, both
    failed, and one removed the data dir the other was using)."""
    import threading

    cache = fake_server_cache(tmp_path / "cache", BOOTING)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    codes = []

    def one_start():
        try:
            server.start(data_dir, cache=cache, timeout=3)
        except CorpusError as error:
            codes.append(error.code)

    threads = [threading.Thread(target=one_start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # one waited for its server (which never answers), the other was refused: never two servers
    assert sorted(codes) in (["labelstudio-already-running", "labelstudio-start-timeout"],
                             ["labelstudio-already-starting", "labelstudio-start-timeout"])


def test_a_start_under_way_refuses_another_at_once(tmp_path):
    cache = fake_server_cache(tmp_path / "cache", CRASH)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with server._start_lock(data_dir), pytest.raises(CorpusError) as refused:
        server.start(data_dir, cache=cache, port=server.free_port())
    assert str(refused.value) == (f"{data_dir}: [labelstudio-already-starting] another `corpus-tools labelstudio "
                                  "server start` of this data dir is under way; wait for it to finish")
    assert list(data_dir.iterdir()) == []  # nothing launched, nothing written


def test_a_start_refused_by_the_lock_leaves_the_data_dir_the_other_start_made(tmp_path, monkeypatch):
    """Both starts found the data dir missing; the first made it and locked it. The second,
    refused at once, removed it as its own: the first start's dir, under its server."""
    import fcntl

    cache = fake_server_cache(tmp_path / "cache", CRASH)
    data_dir = tmp_path / "parent" / "data"
    private_dir, held = server._private_dir, []

    def made_and_locked_by_the_other_start(path):
        private_dir(path)
        held.append(os.open(path, os.O_RDONLY | os.O_DIRECTORY))
        fcntl.flock(held[0], fcntl.LOCK_EX | fcntl.LOCK_NB)

    monkeypatch.setattr(server, "_private_dir", made_and_locked_by_the_other_start)
    try:
        with pytest.raises(CorpusError) as refused:
            server.start(data_dir, cache=cache, port=server.free_port())
        assert refused.value.code == "labelstudio-already-starting"
        assert data_dir.is_dir()
    finally:
        for descriptor in held:
            os.close(descriptor)


def test_a_start_refused_for_a_server_another_start_launched_leaves_its_data_dir(tmp_path, monkeypatch):
    """Both found the data dir missing; the other made it, launched its server and let go of the
    lock before this one took it: this one, refused as already running, removed the live server's
    data dir as its own (found by a review)."""
    cache = fake_server_cache(tmp_path / "cache", CRASH)
    data_dir = tmp_path / "parent" / "data"
    refuse_running, asked = server._refuse_running, []

    def launched_meanwhile(path):
        asked.append(path)
        if len(asked) == 2:  # asked again under the lock
            raise CorpusError("labelstudio-already-running", "a server for this data dir is running",
                              Location(file=str(path)))
        refuse_running(path)

    monkeypatch.setattr(server, "_refuse_running", launched_meanwhile)
    with pytest.raises(CorpusError) as refused:
        server.start(data_dir, cache=cache, port=server.free_port())
    assert refused.value.code == "labelstudio-already-running" and len(asked) == 2
    assert data_dir.is_dir()


def test_a_data_dir_removed_by_a_failing_start_refuses_the_start_that_waited_on_it(tmp_path, monkeypatch):
    """A failed start removes the data dir it made; a start that had just made sure it exists
    met a traceback (FileNotFoundError) when it locked the removed dir."""
    cache = fake_server_cache(tmp_path / "cache", CRASH)
    data_dir = tmp_path / "data"
    private_dir = server._private_dir

    def removed_by_the_other_start(path):
        private_dir(path)
        path.rmdir()

    monkeypatch.setattr(server, "_private_dir", removed_by_the_other_start)
    with pytest.raises(CorpusError) as refused:
        server.start(data_dir, cache=cache, port=server.free_port())
    assert str(refused.value) == (f"{data_dir}: [labelstudio-already-starting] another `corpus-tools labelstudio "
                                  "server start` of this data dir failed and removed it while this one began; "
                                  "start again")
    assert not data_dir.exists()


def test_a_server_whose_start_was_killed_while_it_booted_is_seen_and_stopped(tmp_path):
    """status said "no server is running" and a second start launched another server on the same
    database, taking connection.json: the first one was left running where stop could not reach it."""
    cache = fake_server_cache(tmp_path / "cache", BOOTING)
    data_dir = tmp_path / "data"
    starter = subprocess.Popen([sys.executable, "-c", "import sys; from pathlib import Path; "
                                "from corpus_tools.labelstudio import server; "
                                "server.start(Path(sys.argv[1]), cache=Path(sys.argv[2]), timeout=60)",
                                str(data_dir), str(cache)])
    _wait_for(lambda: (data_dir / server.CONNECTION_FILE).exists())
    starter.kill()  # SIGKILL: no clean-up; the server, in its own session, goes on booting
    starter.wait()
    connection = server.read_connection(data_dir)
    try:
        _a_booting_server_is_seen(data_dir, cache, connection)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(connection.pid, signal.SIGKILL)


def _a_booting_server_is_seen(data_dir, cache, connection):
    assert server.is_running(connection) and server.status(data_dir) is None
    runner = CliRunner()
    said = runner.invoke(cli, ["labelstudio", "server", "status", "--data-dir", str(data_dir)])
    assert said.exit_code == 1
    assert said.output == (f"Error: {data_dir}: [labelstudio-not-answering] the server of this data dir runs (pid "
                           f"{connection.pid}) but does not answer at {connection.url}: it may still be starting "
                           f"(see {data_dir / server.LOG_FILE})\n")
    again = runner.invoke(cli, ["labelstudio", "server", "start", "--data-dir", str(data_dir)],
                          env={"CORPUS_TOOLS_CACHE": str(cache)})
    assert again.exit_code == 1
    assert again.output == (f"Error: {data_dir}: [labelstudio-already-running] the server of this data dir runs (pid "
                            f"{connection.pid}) but does not answer at {connection.url}: it may still be starting "
                            f"(see {data_dir / server.LOG_FILE}); stop it with `corpus-tools labelstudio server "
                            f"stop --data-dir {data_dir}`\n")
    assert server.read_connection(data_dir) == connection  # still names the one server
    stopped = runner.invoke(cli, ["labelstudio", "server", "stop", "--data-dir", str(data_dir)])
    assert stopped.output == "stopped\n"
    with pytest.raises(ProcessLookupError):
        os.killpg(connection.pid, 0)


def test_a_data_dir_with_a_database_but_no_connection_file_is_refused_at_once(tmp_path):
    """Label Studio keeps an existing admin's key: the new key a start generated was refused until
    the start timed out (600 s, saying nothing), and connection.json then named credentials the
    server never had."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "label_studio.sqlite3").write_bytes(b"SQLite format 3\0")
    with pytest.raises(CorpusError) as refused:
        server.start(data_dir, cache=fake_server_cache(tmp_path / "cache", BOOTING), timeout=60)
    assert str(refused.value) == (f"{data_dir}: [labelstudio-key-refused] this data dir holds a Label Studio database "
                                  "(label_studio.sqlite3) but no connection.json: its admin's API key and password "
                                  "are not known here, and Label Studio would refuse new ones; put back the data "
                                  "dir's own connection.json, or use a new --data-dir")
    assert sorted(path.name for path in data_dir.iterdir()) == ["label_studio.sqlite3"]


# A healthy Label Studio whose database knows another key: /health says UP, whoami says 401.
REFUSING = """import http.server, json, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        up = self.path == "/health"
        body = json.dumps({"status": "UP"} if up else {"detail": "Invalid token."}).encode()
        self.send_response(200 if up else 401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def test_a_server_that_refuses_the_key_fails_the_start_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the failed start's copy of its log

    (tmp_path / "refusing.py").write_text(REFUSING)
    cache = fake_server_cache(tmp_path / "cache", f'exec {sys.executable} {tmp_path / "refusing.py"} "$@"\n')
    data_dir = tmp_path / "data"
    with pytest.raises(CorpusError) as refused:
        # at once, not at the end of a wait of two hours, past the suite's per-test timeout (pyproject.toml)
        server.start(data_dir, cache=cache, timeout=7200)
    assert refused.value.code == "labelstudio-key-refused"
    url = refused.value.message.split(" ")[3]
    assert refused.value.message.startswith(
        f"the server at {url} is up but refuses the API key of {data_dir / server.CONNECTION_FILE}: its database was "
        f"set up with another key; put back the data dir's own connection.json, or use a new --data-dir; {data_dir} "
        "did not exist before this start and was removed")
    assert not data_dir.exists()


def test_a_postgresql_database_set_up_by_another_data_dir_is_named_when_it_refuses_the_key(tmp_path, monkeypatch):
    """A new data dir's start on a PostgreSQL database another data dir set up: the refusal said to
    put back connection.json or use a new --data-dir, neither of which helps (the database keeps
    the admin's key, whatever the data dir)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the failed start's copy of its log
    (tmp_path / "refusing.py").write_text(REFUSING)
    cache = fake_server_cache(tmp_path / "cache", f'exec {sys.executable} {tmp_path / "refusing.py"} "$@"\n')
    data_dir = tmp_path / "data"
    with pytest.raises(CorpusError) as refused:
        server.start(data_dir, cache=cache, timeout=60, database="postgresql://corpus:secret@127.0.0.1:5432/ls")
    assert refused.value.code == "labelstudio-key-refused"
    assert (f"refuses the API key of {data_dir / server.CONNECTION_FILE}: its PostgreSQL database (--database) was "
            "set up with another key, by the start of another data dir; use that data dir, or another database; "
            in refused.value.message)
    assert "secret" not in refused.value.message


def test_a_venv_whose_python_was_upgraded_is_not_installed(tmp_path):
    """Its stamp stayed, so install did nothing and every start failed with "No module named
    'label_studio'": the venv's python links to the Python that built it, and after an upgrade
    that link names another version, which reads another lib/pythonX.Y/site-packages."""
    import venv

    env = server.env_path(tmp_path / "cache")
    venv.create(env, with_pip=False, symlinks=True)
    [lib] = (env / "lib").iterdir()
    (lib / "site-packages" / "label_studio").mkdir()
    (lib / "site-packages" / "label_studio" / "__init__.py").write_text("")
    (env / server.INSTALLED_STAMP).write_text(server.LABEL_STUDIO_VERSION + "\n")
    assert server.is_installed(env)
    assert server.server_python(tmp_path / "cache") == server.env_python(env)
    lib.rename(lib.with_name("python3.0"))  # what an interpreter of another version finds
    assert not server.is_installed(env)
    with pytest.raises(CorpusError) as refused:
        server.server_python(tmp_path / "cache")
    assert refused.value.code == "labelstudio-not-installed"
    server.env_python(env).unlink()  # the link dangles: the Python that built it is gone
    assert not server.is_installed(env)


def test_a_venv_whose_python_is_slow_to_answer_is_not_rebuilt(tmp_path, monkeypatch):
    """A check that timed out counted as not installed: install then removed the venv, which every
    checkout shares and servers run from, to build it again."""
    cache = tmp_path / "cache"
    env = server.env_path(cache)
    (env / "bin").mkdir(parents=True)
    server.env_python(env).write_text("#!/bin/sh\nexec sleep 5\n")  # exec: killed at the timeout
    server.env_python(env).chmod(0o755)
    (env / server.INSTALLED_STAMP).write_text(server.LABEL_STUDIO_VERSION + "\n")
    monkeypatch.setattr(server, "FIND_TIMEOUT", 0.2)

    def no_build(path):
        raise AssertionError("rebuilt")

    monkeypatch.setattr(server, "_build_env", no_build)
    assert server.install(cache) == env and server.env_python(env).exists()


def test_ctrl_c_while_a_first_start_installs_says_nothing_was_installed(tmp_path, monkeypatch):
    """It said only "interrupted", after minutes of pip: not whether label-studio was installed."""
    cache = tmp_path / "cache"

    def interrupted(path):
        (path / "bin").mkdir(parents=True)  # pip was half way
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "_build_env", interrupted)
    monkeypatch.setenv("CORPUS_TOOLS_CACHE", str(cache))
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(cli, ["labelstudio", "server", "start", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {data_dir}: [labelstudio-start-interrupted] interrupted; label-studio=={server.LABEL_STUDIO_VERSION} "
        "was not installed; the next start (or `corpus-tools labelstudio server install`) installs it")
    assert sorted(path.name for path in cache.iterdir()) == [f".label-studio-{server.LABEL_STUDIO_VERSION}.lock"]
    assert not data_dir.exists()


def test_ctrl_c_while_the_server_starts_says_what_became_of_it(tmp_path):
    """It said only "Aborted!": not that the server was stopped, nor that the data dir it made was
    removed, nor where the copy of its log went (left unnamed in the temporary directory)."""
    cache = fake_server_cache(tmp_path / "cache", BOOTING)
    (tmp_path / "tmp").mkdir()
    data_dir = tmp_path / "new" / "data"
    starter = subprocess.Popen([str(Path(sys.executable).with_name("corpus-tools")), "labelstudio", "server", "start",
                                "--data-dir", str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "CORPUS_TOOLS_CACHE": str(cache), "TMPDIR": str(tmp_path / "tmp")})
    _wait_for(lambda: (data_dir / server.CONNECTION_FILE).exists())
    pid = server.read_connection(data_dir).pid
    starter.send_signal(signal.SIGINT)  # as Ctrl-C does (the server, in its own session, gets none)
    out, err = starter.communicate(timeout=30)
    [kept] = (tmp_path / "tmp").iterdir()
    assert starter.returncode == 1
    assert err == (f"Error: {data_dir}: [labelstudio-start-interrupted] interrupted; the server was stopped; "
                   f"{tmp_path / 'new'} did not exist before this start and was removed; its log is kept in {kept}\n")
    assert out.startswith("starting Label Studio at http://127.0.0.1:")
    assert not (tmp_path / "new").exists()
    _wait_for(lambda: not _group_alive(pid))


def _group_alive(pid):
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_start_says_it_is_still_waiting(tmp_path, monkeypatch):
    """A first start is silent for its minute of migrations, and up to the 600 s timeout."""
    monkeypatch.setattr(server, "PROGRESS_EVERY", 1.0)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the failed start's copy of its log
    lines = []
    with pytest.raises(CorpusError) as failed:
        server.start(tmp_path / "data", cache=fake_server_cache(tmp_path / "cache", BOOTING), timeout=2.5,
                     echo=lines.append)
    assert failed.value.code == "labelstudio-start-timeout"
    assert lines[0].startswith("starting Label Studio at http://127.0.0.1:")
    assert lines[1:] == [f"still waiting for the server after {seconds} s (a first start migrates its database, "
                         "about a minute; gives up after 2 s)" for seconds in (1, 2)]


@pytest.mark.parametrize("host", ["::1", "::"])
def test_start_refuses_an_ipv6_address_label_studio_cannot_listen_on(tmp_path, host):
    """--host ::1 was taken for loopback, and Label Studio then died on '"::1:PORT" is not a valid
    port number or address:port pair' (it hands Django "HOST:PORT")."""
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(cli, ["labelstudio", "server", "start", "--data-dir", str(data_dir), "--host", host,
                                      "--i-know-this-exposes-the-server"],
                                env={"CORPUS_TOOLS_CACHE": str(fake_server_cache(tmp_path / "cache", CRASH))})
    assert result.exit_code == 1
    assert result.output == (f"Error: --host: [labelstudio-port-unavailable] cannot listen on {host}: Label Studio "
                             "1.23.2 cannot listen on an IPv6 address; use 127.0.0.1 (or an IPv4 address)\n")
    assert not data_dir.exists()


@contextlib.contextmanager
def _booting_server(data_dir, cache):
    """A fake server of ``data_dir`` left booting by a start that was killed; killed at the end."""
    starter = subprocess.Popen([sys.executable, "-c", "import sys, os; from pathlib import Path; "
                                "from corpus_tools.labelstudio import server; "
                                "server.start(Path(os.fsdecode(sys.argv[1].encode('utf-8', 'surrogateescape'))), "
                                "cache=Path(sys.argv[2]), timeout=60)", data_dir, str(cache)])
    _wait_for(lambda: (data_dir / server.CONNECTION_FILE).exists())
    starter.kill()
    starter.wait()
    connection = server.read_connection(data_dir)
    try:
        yield connection
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(connection.pid, signal.SIGKILL)


def test_a_copied_data_dir_is_not_the_original_s_server(tmp_path):
    """A copy (a backup) holds the original's connection.json: status of the copy said the
    original's server ran, start refused it, and stop stopped the original's server."""
    import shutil

    from corpus_tools.labelstudio.sync import connect

    cache = fake_server_cache(tmp_path / "cache", BOOTING)
    original, copy = tmp_path / "original", tmp_path / "copy"
    with _booting_server(original, cache) as connection:
        shutil.copytree(original, copy)
        assert server.is_running(connection, original) and not server.is_running(connection, copy)
        assert server.server_state(copy) == (None, False) and server.status(copy) is None
        runner = CliRunner()
        said = runner.invoke(cli, ["labelstudio", "server", "status", "--data-dir", str(copy)])
        assert said.output == (f"Error: {copy}: [labelstudio-not-running] no server is running for this data dir: "
                               f"start it with corpus-tools labelstudio server start --data-dir {copy}\n")
        stopped = runner.invoke(cli, ["labelstudio", "server", "stop", "--data-dir", str(copy)])
        assert stopped.output == "no server was running for this data dir\n"
        assert _group_alive(connection.pid)  # the original's server was left alone
        with pytest.raises(CorpusError) as refused:
            connect(None, None, copy)
        assert refused.value.code == "labelstudio-not-running"
        assert server.server_state(original) == (connection, False)


def test_a_data_dir_whose_name_is_not_utf8(tmp_path):
    """Its server was looked for with str.encode, which raised UnicodeEncodeError (a traceback)."""
    data_dir = Path(os.fsdecode(os.fsencode(tmp_path) + b"/data-\xff"))
    with _booting_server(data_dir, fake_server_cache(tmp_path / "cache", BOOTING)) as connection:
        assert server.server_state(data_dir) == (connection, False)
        assert server.stop(data_dir) is True
        _wait_for(lambda: not _group_alive(connection.pid))


def test_console_scripts_point_at_the_installed_venv_with_a_relative_cache(tmp_path, monkeypatch):
    """CORPUS_TOOLS_CACHE=.cache: the shebangs pip writes name the building venv by its absolute
    path, the relative one was looked for, and bin/label-studio kept naming the removed building dir."""
    def fake_build(path):  # what venv + pip leave: a python, and a console script naming it absolutely
        (path / "bin").mkdir()
        (path / "bin" / "python").write_text("#!/bin/sh\n")
        (path / "bin" / "python").chmod(0o755)
        (path / "bin" / "label-studio").write_text(f"#!{os.path.abspath(path)}/bin/python\nimport sys\n")

    monkeypatch.setattr(server, "_build_env", fake_build)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CORPUS_TOOLS_CACHE", "cache")
    env = server.install()
    final = tmp_path / "cache" / "label-studio-1.23.2"
    assert (final / "bin" / "label-studio").read_text() == f"#!{final}/bin/python\nimport sys\n"
    assert env == final


@pytest.mark.parametrize("cache", ["../cache", "../work/../cache"])
def test_console_scripts_point_at_the_installed_venv_with_a_cache_path_through_dot_dot(tmp_path, monkeypatch, cache):
    """CORPUS_TOOLS_CACHE=../cache: venv builds in, and pip's shebangs name, the path without
    "..", while the path with it was looked for, so bin/label-studio kept naming the removed
    building dir."""
    def fake_build(path):  # as venv + pip: the venv's sys.executable is normalized
        (path / "bin").mkdir()
        (path / "bin" / "python").write_text("#!/bin/sh\n")
        (path / "bin" / "python").chmod(0o755)
        (path / "bin" / "label-studio").write_text(f"#!{os.path.normpath(os.path.abspath(path))}/bin/python\n")

    monkeypatch.setattr(server, "_build_env", fake_build)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("CORPUS_TOOLS_CACHE", cache)
    final = tmp_path / "cache" / "label-studio-1.23.2"
    assert server.install() == final
    assert (final / "bin" / "label-studio").read_text() == f"#!{final}/bin/python\n"


def test_a_data_dir_on_a_filesystem_without_locks_still_starts(tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(descriptor, operation):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with pytest.raises(CorpusError) as failed:  # the fake server's own failure: it was started
        server.start(data_dir, cache=fake_server_cache(tmp_path / "cache", CRASH), port=server.free_port())
    assert failed.value.code == "labelstudio-start-failed"


def test_a_lock_that_fails_for_another_reason_is_reported_not_ignored(tmp_path, monkeypatch):
    """Every OSError of flock was taken for a filesystem without locks, and the start went on
    unlocked. (Found by a review.)"""
    import errno
    import fcntl

    def broken(descriptor, operation):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(fcntl, "flock", broken)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    cache = fake_server_cache(tmp_path / "cache", CRASH)
    with pytest.raises(CorpusError) as failed:
        server.start(data_dir, cache=cache, port=server.free_port())
    assert (failed.value.code, failed.value.message, failed.value.location.file) == (
        "file-error", f"cannot lock the data dir for this start: {os.strerror(errno.EIO)}", str(data_dir))
    assert data_dir.is_dir()  # the user's own: kept
    made = tmp_path / "new" / "data"
    with pytest.raises(CorpusError):
        server.start(made, cache=cache, port=server.free_port())
    assert not (tmp_path / "new").exists()  # refused before the launch: what this start made goes


def test_a_restart_takes_the_previous_port_when_it_is_free(tmp_path):
    """A restart took a new free port: the URL annotators had bookmarked, and the one `status
    --url-only` had exported, named nothing. (Found by a hunt.)"""
    import socket

    data_dir = tmp_path / "ls"
    data_dir.mkdir()
    previous = server.free_port()
    server._write_connection(server.Connection(f"http://127.0.0.1:{previous}", "k" * 40, "admin@example.org", "pw",
                                               previous, 1, str(data_dir)))
    assert server._port_for(data_dir, "127.0.0.1") == previous
    with socket.socket() as holder:  # another program has it now: a free one instead
        holder.bind(("127.0.0.1", previous))
        holder.listen()
        assert server._port_for(data_dir, "127.0.0.1") not in (previous, 0)
    assert not list(data_dir.glob("*.tmp"))  # connection.json written through a temporary of its own
    assert oct((data_dir / server.CONNECTION_FILE).stat().st_mode & 0o777) == "0o600"


def test_the_port_is_taken_after_the_install_right_before_the_launch(tmp_path, monkeypatch):
    """It was chosen before a first install's minutes: a server that took it meanwhile made Label
    Studio move to the next port, and the start then met the other server there. (Found by a
    review.)"""
    import socket
    import subprocess

    data_dir = tmp_path / "ls"
    data_dir.mkdir(mode=0o700)
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid no process has: the previous server is not running
    previous = server.free_port()
    server._write_connection(server.Connection(f"http://127.0.0.1:{previous}", "k" * 40, "admin@example.org", "pw",
                                               previous, gone.pid, str(data_dir)))
    holder = socket.socket()
    launched = []

    def install(cache=None, echo=None):  # another server takes the port while we install
        holder.bind(("127.0.0.1", previous))
        holder.listen()
        return tmp_path / "venv"

    monkeypatch.setattr(server, "install", install)
    monkeypatch.setattr(server, "_launch", lambda data_dir, created, env, port, *rest: launched.append(port))
    with holder:
        server.start(data_dir)
    assert len(launched) == 1 and launched[0] not in (previous, 0)


@pytest.mark.labelstudio
def test_the_local_server_is_its_own_however_its_url_is_written(labelstudio, monkeypatch):
    """connection.json records http://127.0.0.1:PORT; --url (or LABEL_STUDIO_URL) written
    http://localhost:PORT, as Label Studio's docs write it, was another server: `annotate --as`
    and `adjudicate --push --reviewer` refused it (labelstudio-account-remote) and a command
    without --api-key was refused its key (labelstudio-no-connection), though it is the same server."""
    from urllib.parse import urlsplit

    from corpus_tools.labelstudio.sync import connect

    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    port = urlsplit(labelstudio.url).port
    assert labelstudio.url == f"http://127.0.0.1:{port}"
    admin = labelstudio.client.users.whoami().id
    for url in (f"http://localhost:{port}", f"HTTP://LocalHost:{port}/", f"http://127.0.0.1:{port}/"):
        assert server.check_user_request(labelstudio.data_dir, "anyone@corpus-tools.local", url).url == labelstudio.url
        assert connect(url, None, labelstudio.data_dir).users.whoami().id == admin  # the admin key, answered there
    for url in (f"https://127.0.0.1:{port}", f"http://localhost:{port + 1}", "http://localhost",
                f"http://127.0.0.2:{port}", f"http://team.example.org:{port}"):
        with pytest.raises(CorpusError) as refused:
            server.check_user_request(labelstudio.data_dir, "anyone@corpus-tools.local", url)
        assert refused.value.code == "labelstudio-account-remote", url
        with pytest.raises(CorpusError) as refused:
            connect(url, None, labelstudio.data_dir)
        assert refused.value.code == "labelstudio-no-connection", url
