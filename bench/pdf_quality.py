"""PDF text and header-metadata quality on the shared gazette PDFs, against congbao.jsonl.gz.

    .venv/bin/python bench/pdf_quality.py [--pdfs ../shared/data/raw/pdf] [--compare]

Each PDF ``<slug>.pdf`` is matched to the congbao record whose URL ends in ``<slug>.htm``
(the file name *is* the gazette's slug; congbao's ``number`` field holds the slug, not the số
hiệu, for its văn bản hợp nhất, so the slug is the reliable key; the số hiệu match is reported).

* Text similarity: token F1 over syllables (``rag.text.syllables``: NFC, lower case, numbers
  kept whole) and over syllable bigrams, which also score word order (a table read column by
  column loses bigrams), as multisets: P = shared / ours, R = shared / congbao's. congbao's text is
  itself a raw PDF extraction that keeps running headers and the title block, which we remove
  on purpose, so R < 1 is expected. ``--compare`` also scores the raw page text of pypdf,
  pdfminer.six and pdfplumber (no cleanup), which is how the extractor was chosen.
* Metadata precision per field: of the documents where we found a value and congbao has a
  real one, the share that equals congbao's (case-insensitive, spaces folded); coverage is
  where we found a value. congbao's ``title`` is a topic label ("Hợp đồng khoán"), so for
  the title we report instead how often it is the document type plus a trích yếu that occurs
  word for word in congbao's text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.lines import DOC_TYPES  # noqa: E402
from ingest.load import read_file  # noqa: E402
from rag.text import syllables  # noqa: E402

_TYPES = {"NQ": "Nghị quyết", "VB HN": "Văn bản hợp nhất", "NĐ": "Nghị định", "TT": "Thông tư"}


def token_f1(ours: str, theirs: str, n: int = 1) -> tuple[float, float, float]:
    """Multiset P/R/F1 of syllable n-grams (n=2 also scores the order: table rows, joined lines)."""
    x, y = syllables(ours), syllables(theirs)
    a = Counter(zip(*(x[i:] for i in range(n))))
    b = Counter(zip(*(y[i:] for i in range(n))))
    shared = sum((a & b).values())
    p = shared / max(sum(a.values()), 1)
    r = shared / max(sum(b.values()), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _congbao(path: Path) -> dict[str, dict]:
    records = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            slug = record["url"].split("/van-ban/")[-1].split("/")[0].removesuffix(".htm")
            records[slug] = record
    return records


def _raw_texts(pdf: Path) -> dict[str, str]:
    import pdfplumber
    import pypdf
    from pdfminer.high_level import extract_text

    with pdfplumber.open(pdf) as doc:
        plumber = "\n".join(page.extract_text() or "" for page in doc.pages)
    return {
        "pypdf": "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages),
        "pdfminer": extract_text(pdf),
        "pdfplumber": plumber,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdfs", type=Path, default=ROOT.parent / "shared/data/raw/pdf")
    parser.add_argument("--congbao", type=Path, default=ROOT.parent / "shared/data/corpus/congbao.jsonl.gz")
    parser.add_argument("--compare", action="store_true", help="also score raw pypdf/pdfminer/pdfplumber text")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    records = _congbao(args.congbao)
    f1s: list[float] = []
    raw_scores: dict[str, list[tuple[float, float, float]]] = {}
    fields = ("number", "date", "doc_type", "issuer")
    hit = Counter()
    found = Counter()
    judged = Counter()
    titles = 0
    start = time.perf_counter()
    pdfs = sorted(args.pdfs.glob("*.pdf"))
    scored: list[tuple[float, float, float]] = []
    bigrams: list[tuple[float, float, float]] = []
    reading, pages = 0.0, 0
    for pdf in pdfs:
        record = records.get(pdf.stem)
        if record is None:
            print(f"{pdf.name}: no congbao record", file=sys.stderr)
            continue
        began = time.perf_counter()
        (doc,) = read_file(pdf, pdf.name)
        reading += time.perf_counter() - began
        pages += len(doc.page_starts)
        p, r, f = token_f1(doc.text, record["text"])
        scored.append((p, r, f))
        bigrams.append(token_f1(doc.text, record["text"], 2))
        f1s.append(f)
        if args.compare:
            for name, text in _raw_texts(pdf).items():
                raw_scores.setdefault(name, []).append(token_f1(text, record["text"]))
                raw_scores.setdefault(name + " bigrams", []).append(token_f1(text, record["text"], 2))
        truth = {
            "number": record["number"].removeprefix("Văn bản hợp nhất số ") if "/" in record["number"] else "",
            "date": record["date"],
            "doc_type": _TYPES.get(record["type"], record["type"]),
            "issuer": record["issuer"],
        }
        ours = {"number": doc.number, "date": doc.date, "doc_type": doc.doc_type if doc.doc_type != "Tài liệu" else "",
                "issuer": doc.issuer}
        for name in fields:
            found[name] += bool(ours[name])
            if ours[name] and truth[name]:
                judged[name] += 1
                hit[name] += _fold(ours[name]) == _fold(truth[name])
        kind = next((t for t in sorted(DOC_TYPES, key=len, reverse=True) if doc.title.startswith(t)), "")
        summary = doc.title[len(kind):].strip() if kind else ""
        grounded = bool(doc.doc_type and len(summary.split()) >= 2
                        and _fold(summary)[:60] in _fold(record["text"]))
        titles += grounded
        if args.verbose:
            print(f"{pdf.name}: F1 {f:.3f} | " + " | ".join(f"{k}={ours[k]!r}/{truth[k]!r}" for k in fields)
                  + f" | title={doc.title[:70]!r} {'ok' if grounded else 'NOT FOUND'}")
    n = len(scored)
    elapsed = time.perf_counter() - start
    mean = lambda xs: sum(xs) / max(len(xs), 1)  # noqa: E731
    print(f"PDFs matched: {n} of {len(pdfs)} ({elapsed:.1f} s); read_file: {pages} pages in {reading:.1f} s "
          f"= {pages / max(reading, 1e-9):.1f} pages/s")
    print(f"text vs congbao, token P/R/F1 (ours, cleaned): {mean([s[0] for s in scored]):.3f} / "
          f"{mean([s[1] for s in scored]):.3f} / {mean([s[2] for s in scored]):.3f}  (min F1 {min(f1s):.3f})")
    print(f"text vs congbao, bigram P/R/F1 (ours, cleaned): {mean([s[0] for s in bigrams]):.3f} / "
          f"{mean([s[1] for s in bigrams]):.3f} / {mean([s[2] for s in bigrams]):.3f}")
    for name, scores in raw_scores.items():
        print(f"text vs congbao, token P/R/F1 (raw {name}): {mean([s[0] for s in scores]):.3f} / "
              f"{mean([s[1] for s in scores]):.3f} / {mean([s[2] for s in scores]):.3f}")
    for name in fields:
        print(f"{name:9s} precision {hit[name]}/{judged[name]} = {hit[name] / max(judged[name], 1):.2f}; "
              f"found in {found[name]}/{n}")
    print(f"title     type + trích yếu found in congbao text: {titles}/{n} = {titles / max(n, 1):.2f}")


if __name__ == "__main__":
    main()
