"""Label Studio's own front end, in headless Chromium: a selection made with the mouse after emoji
lands, through `labelstudio pull`, on exactly the selected characters of the normalized text.

The task is a fixture article of our own (tests/fixtures/browser/astral-crlf-combining.txt: a flag
and other emoji, CRLF line ends that normalization turns into paragraph breaks, a keycap sequence
with its combining marks, an NFD accent that normalization composes), added to a copy of the
corpus. The admin logs in through the login form, opens the task, picks a label and drags the
mouse over the words as an annotator does, fills the per-region values, and submits.

What the front end sends is recorded: Label Studio 1.23.2 sends code points (the UTF-16 offsets of
the same selections would be 3 and 4 units further on), which is what the corpus stores. Had it
sent UTF-16 units, ingest would refuse them: the export's offsets converted to UTF-16 are refused
by `corpus-tools validate`, naming each region: as `span-offsets-utf16` where the UTF-16 span lies
inside the text, as `offset-out-of-range` where it runs past the text's last code point.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from corpus_tools.annotations.consolidate import load_annotation_set
from corpus_tools.annotations.registry import load_registry
from corpus_tools.cli import cli
from corpus_tools.documents.index import DocumentIndex
from corpus_tools.labelstudio.server import read_connection
from corpus_tools.labelstudio.sync import resolve_project

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

from browser_fixture import DOC_ID, add_fixture_document

REPO = Path(__file__).resolve().parent.parent
PROJECT = "browser selection"

# (line of the task it is on, the words, label, per-region control, value); in the order made
REGIONS = (
    ("Damascus talks", "Damascus", "GPE", "entity_id", "damascus"),  # before any emoji: a control
    ("After the flag", "Bashar al-Assad", "PERSON", "entity_id", "bashar-al-assad"),  # after 🇸🇾 and 😀
    ("We will talk", "Monday", "DATE", "timex_value", "XXXX-WXX-1"),  # after 👍, 1️⃣ and two CRLF breaks
)

# The selection's first and last characters, located with a DOM Range in the line's text node
# (DOM offsets are UTF-16 units: that is the browser's business, the test only needs the pixels).
CHARACTER_BOXES = """(line, needle) => {
  const node = line.firstChild, start = node.data.indexOf(needle), end = start + needle.length;
  const range = document.createRange();
  range.setStart(node, start); range.setEnd(node, start + 1);
  const first = range.getBoundingClientRect();
  range.setStart(node, end - 1); range.setEnd(node, end);
  const last = range.getBoundingClientRect();
  return {x0: first.left + 1, x1: last.right - 1, y: (first.top + first.bottom) / 2};
}"""


def utf16_index(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def drag_select(page, line_text: str, needle: str, label: str) -> str:
    """Pick the label, then press, drag and release the mouse over ``needle``; the browser's own
    selection text at release."""
    page.locator(".lsf-label", has_text=label).first.click()
    line = page.locator(".lsf-richtext__line", has_text=line_text)
    box = line.evaluate(CHARACTER_BOXES, needle)
    page.mouse.move(box["x0"], box["y"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y"], steps=8)
    selected = page.evaluate("() => window.getSelection().toString()")
    page.mouse.up()
    return selected


def submitted_results(client, task_id: int, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        annotations = [a for a in client.annotations.list(id=task_id) if not a.was_cancelled]
        if annotations:
            return annotations[0].result
        time.sleep(0.5)
    raise AssertionError(f"no annotation was submitted on task {task_id} within {timeout:.0f} s")


def test_a_mouse_selection_after_emoji_is_ingested_at_the_selected_code_points(
        labelstudio, chromium, corpus_copy, tmp_path, capsys):
    root = corpus_copy.root
    add_fixture_document(root)
    text = DocumentIndex(corpus_copy)[DOC_ID].text
    assert "\r" not in text and "\n\n" in text and "\u20e3" in text and "🇸🇾" in text and "é" in text
    connection = ["--root", str(root), "--url", labelstudio.url, "--api-key", labelstudio.api_key, "--project", PROJECT]
    pushed = CliRunner().invoke(cli, ["labelstudio", "push", *connection])
    assert pushed.exit_code == 0, pushed.output
    project = resolve_project(labelstudio.client, PROJECT)
    [task] = [t for t in labelstudio.client.tasks.list(project=project.id) if t.data["doc_id"] == DOC_ID]
    assert task.data["text"] == text

    admin = read_connection(labelstudio.data_dir)
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{labelstudio.url}/user/login/")
        page.fill("#email", admin.username)
        page.fill("#password", admin.password)
        page.click("button.login-button")
        page.wait_for_load_state()
        page.goto(f"{labelstudio.url}/projects/{project.id}/data?task={task.id}")
        page.locator(".lsf-richtext__line", has_text="After the flag").wait_for(timeout=120_000)
        for line_text, needle, label, _, _ in REGIONS:
            assert drag_select(page, line_text, needle, label) == needle
        for _, needle, _, control, value in REGIONS:  # a region's values are typed with it selected
            page.locator(".lsf-outliner-item", has_text=needle).first.click()
            page.get_by_placeholder(control).fill(value)
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")  # unselect, so that the next label starts a new region
        screenshot = REPO / "build" / "screenshots" / "labelstudio-selection.png"
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot))
        if os.environ.get("CORPUS_TOOLS_WRITE_DOCS_SCREENSHOTS") == "1":  # how docs/ got its copy
            shutil.copy(screenshot, REPO / "docs" / screenshot.name)
        page.get_by_role("button", name="Submit").click()
        results = submitted_results(labelstudio.client, task.id)
    finally:
        context.close()
    assert errors == []

    # What the front end sent: code points, as the contract says; UTF-16 offsets would be larger.
    sent = {r["value"]["text"]: (r["value"]["start"], r["value"]["end"]) for r in results if r["type"] == "labels"}
    seen = {needle: {"sent": sent[needle], "code_points": (text.index(needle), text.index(needle) + len(needle)),
                     "utf16": (utf16_index(text, text.index(needle)), utf16_index(text, text.index(needle) + len(needle)))}
            for _, needle, _, _, _ in REGIONS}
    with capsys.disabled():  # the evidence, in the test run's output
        print(f"\nLabel Studio's front end sent, for a mouse selection: {seen}")
    assert seen == {
        "Damascus": {"sent": (0, 8), "code_points": (0, 8), "utf16": (0, 8)},
        "Bashar al-Assad": {"sent": (44, 59), "code_points": (44, 59), "utf16": (47, 62)},
        "Monday": {"sent": (136, 142), "code_points": (136, 142), "utf16": (140, 146)},
    }

    export = tmp_path / "export.json"
    pulled = CliRunner().invoke(cli, ["labelstudio", "pull", *connection, "-o", str(export)])
    assert pulled.exit_code == 0, pulled.output
    annotation_set = load_annotation_set(corpus_copy, DocumentIndex(corpus_copy), load_registry(corpus_copy))
    assert annotation_set.report.valid, [str(problem) for problem in annotation_set.report.errors]
    chosen = annotation_set.chosen[DOC_ID]
    assert [(m.span.start, m.span.end, m.span.of(text), m.label, m.entity_id) for m in chosen.entities] == [
        (0, 8, "Damascus", "GPE", "damascus"), (44, 59, "Bashar al-Assad", "PERSON", "bashar-al-assad")]
    assert [(t.span.start, t.span.end, t.span.of(text), t.label, t.value) for t in chosen.timexes] == [
        (136, 142, "Monday", "DATE", "XXXX-WXX-1")]

    # Had the front end sent UTF-16 units, validation would refuse them, naming each region.
    tasks = orjson.loads(export.read_bytes())
    [exported] = [t for t in tasks if t["data"]["doc_id"] == DOC_ID]
    shifted = {}
    for region in exported["annotations"][0]["result"]:
        value = region["value"]
        if "start" in value:
            value["start"], value["end"] = utf16_index(text, value["start"]), utf16_index(text, value["end"])
            if region["type"] == "labels" and value["start"] != text.index(value["text"]):
                shifted[value["text"]] = region["id"]
    utf16_export = tmp_path / "utf16-export.json"
    utf16_export.write_bytes(orjson.dumps(tasks))
    validated = CliRunner().invoke(cli, ["validate", str(utf16_export), "--root", str(root), "--json"])
    assert validated.exit_code == 1
    report = json.loads(validated.output)
    refused = {(p["location"].get("region_id"), p["code"]) for p in report["problems"] if p["severity"] == "error"}
    # Bashar al-Assad's UTF-16 offsets are recognised as such; Monday's UTF-16 end (146) lies past
    # the 143 code points of the text, so it is refused as out of range before any text is compared.
    assert refused == {(shifted["Bashar al-Assad"], "span-offsets-utf16"), (shifted["Monday"], "offset-out-of-range")}
