"""Regenerate round-1 worksheets from their anchored sources (anchors/round-1/<doc_id>.txt).

Why: a worksheet names regions by text + occurrence, and occurrences shift whenever the
normalizer changes the text. The anchors name each region by a context string that occurs once,
so after a normalizer change `python annotations/worksheets/anchors/build_worksheets.py <doc_id>...`
recomputes every occurrence (and fails loudly on a context that no longer occurs exactly once).
The decisions live in the anchors; the worksheets are generated from them.


Line format:  E LABEL entity_id | text | ctx      T LABEL value mod | text | ctx
              Q type | text | ctx   then  S speaker | text | ctx  /  S =prev   /  C | text | ctx / C =prev
ctx (optional) must occur exactly once in the normalized text; the region is the first
occurrence of text inside ctx. Without ctx, text must occur exactly once.
"""
import sys, pathlib, yaml
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3]))
from corpus_tools.labelstudio.worksheet import count_occurrences, find_occurrence

ROOT = pathlib.Path(__file__).resolve().parents[3]

def normalized(doc_id):
    raw = (ROOT / "raw" / f"{doc_id}.txt").read_bytes().decode("utf-8")
    from corpus_tools.documents.normalize import normalize
    return normalize(raw).text

def locate(text, needle, ctx, where):
    if ctx:
        n = count_occurrences(text, ctx)
        if n != 1:
            raise SystemExit(f"{where}: ctx {ctx!r} occurs {n} times")
        cstart = text.find(ctx)
        inner = ctx.find(needle)
        if inner < 0:
            raise SystemExit(f"{where}: {needle!r} not in ctx")
        start = cstart + inner
    else:
        n = count_occurrences(text, needle)
        if n != 1:
            raise SystemExit(f"{where}: {needle!r} occurs {n} times; give ctx")
        start = text.find(needle)
    occ, s = 0, -1
    while True:
        s = text.find(needle, s + 1)
        occ += 1
        if s == start:
            return occ

def build(doc_id):
    text = normalized(doc_id)
    regions, relations = [], []
    counters = {"e": 0, "t": 0, "q": 0, "s": 0, "c": 0}
    def nid(k):
        counters[k] += 1
        return f"{k}{counters[k]}"
    cur_q = prev_s = prev_c = None
    last_s = last_c = None
    for lineno, line in enumerate((ROOT / "annotations" / "worksheets" / "anchors" / "round-1" / f"{doc_id}.txt").read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{doc_id}:{lineno}"
        head, *rest = [p.strip() for p in line.strip().split(" | ")]
        kind, *args = head.split()
        if rest:
            needle = rest[0]
            ctx = rest[1].replace("\\n", "\n") if len(rest) > 1 else None
        if kind == "E":
            label, eid = args
            occ = locate(text, needle, ctx, where)
            regions.append({"id": nid("e"), "layer": "entity", "label": label, "text": needle, "occurrence": occ, "entity_id": eid})
        elif kind == "T":
            label, value, mod = args
            occ = locate(text, needle, ctx, where)
            regions.append({"id": nid("t"), "layer": "timex", "label": label, "text": needle, "occurrence": occ,
                            "timex_value": value, "timex_mod": None if mod == "-" else mod})
        elif kind == "Q":
            occ = locate(text, needle, ctx, where)
            cur_q = nid("q")
            prev_s, prev_c = last_s, last_c
            regions.append({"id": cur_q, "layer": "attribution", "label": "QUOTE", "text": needle, "occurrence": occ, "quote_type": args[0]})
        elif kind in ("S", "C"):
            if args and args[-1] == "=prev" or (not rest and args == ["=prev"]):
                target = prev_s if kind == "S" else prev_c
                relations.append([cur_q, "said_by" if kind == "S" else "cue", target])
                if kind == "S": last_s = target
                else: last_c = target
                continue
            occ = locate(text, needle, ctx, where)
            rid = nid(kind.lower())
            reg = {"id": rid, "layer": "attribution", "label": "SOURCE" if kind == "S" else "CUE", "text": needle, "occurrence": occ}
            if kind == "S":
                reg["speaker_id"] = None if args[0] == "-" else args[0]
                last_s = rid
            else:
                last_c = rid
            regions.append(reg)
            relations.append([cur_q, "said_by" if kind == "S" else "cue", rid])
        else:
            raise SystemExit(f"{where}: bad kind {kind}")
    return regions, relations

def dump(doc_id, regions, relations):
    def flow(d):
        parts = []
        for k, v in d.items():
            if v is None:
                parts.append(f"{k}: null")
            elif isinstance(v, int):
                parts.append(f"{k}: {v}")
            elif k in ("text", "timex_value"):
                parts.append(f"{k}: {yaml.safe_dump(v, default_style=chr(34), allow_unicode=True, width=10**6).strip()}")
            else:
                parts.append(f"{k}: {v}")
        return "  - {" + ", ".join(parts) + "}"
    out = [f"doc_id: {doc_id}", "regions:"] + [flow(r) for r in regions]
    out.append("relations:" if relations else "relations: []")
    out += [f"  - [{a}, {b}, {c}]" for a, b, c in relations]
    path = ROOT / "annotations" / "worksheets" / "round-1" / f"{doc_id}.yaml"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    back = yaml.safe_load(path.read_text(encoding="utf-8"))
    if back["regions"] != regions:
        raise SystemExit(f"{path}: YAML round trip changed the regions")
    return path

if __name__ == "__main__":
    for doc_id in sys.argv[1:]:
        regions, relations = build(doc_id)
        p = dump(doc_id, regions, relations)
        from collections import Counter
        print(p.name, dict(Counter((r["layer"], r["label"]) for r in regions)))
