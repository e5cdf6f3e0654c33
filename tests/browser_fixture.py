"""The fixture article of the browser tests, added to a corpus: a flag and other emoji (astral
characters), CRLF line ends that normalization turns into paragraph breaks, the keycap 1️⃣ with its
combining marks (U+FE0F U+20E3), an NFD accent that normalization composes, and an
"Advertisement" line that normalization removes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "browser" / "astral-crlf-combining.txt"
DOC_ID = "900_astral_fixture"
TITLE = "Damascus talks 🇸🇾 resume"


def add_fixture_document(root: Path) -> None:
    """Copy the article into ``root``/raw and append its record to the manifest (created if absent)."""
    data = FIXTURE.read_bytes()
    (root / "raw").mkdir(parents=True, exist_ok=True)
    (root / "raw" / f"{DOC_ID}.txt").write_bytes(data)
    none = {"kind": "none", "line": None, "quote": None, "reasoning": "a test fixture: nothing states it"}
    record = {"doc_id": DOC_ID, "file": f"{DOC_ID}.txt", "sha256": hashlib.sha256(data).hexdigest(),
              "size": len(data), "encoding": "utf-8", "title": TITLE, "publisher": None,
              "publisher_evidence": none, "publication_date": None, "publication_date_precision": None,
              "publication_date_evidence": none}
    with open(root / "raw" / "manifest.jsonl", "a", encoding="utf-8") as manifest:
        manifest.write(json.dumps(record, ensure_ascii=False) + "\n")
