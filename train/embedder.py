"""Fine-tune the e5-small embedder on question–passage triplets (issue 17, rung 1).

``triplets`` writes ``embedder.jsonl`` under ``--out`` (default ``data/train``): one
``{"qid", "source", "query", "positive", "negative"}`` a line, deterministic (seeded order, input
hashes in ``embedder-stamp.json``). Sources, each filtered by the rules of
``../shared/data/train/README.md`` (no ``eval_gold_overlap`` row, no positive that is a gold document
of an evaluation set, no question sharing half its words with an evaluation question):

- ``zalo`` and ``qa_aligned``: the question against the window of its positive passage that the
  page's answer quotes (or that shares most words with the question); the negative is the sibling
  article of the same law in Pháp điển (the previous or next unit: the near miss that hurts), at its
  window closest to the question.
- ``structure``: an article title of the civil-affairs units of Pháp điển turned into a question
  (:func:`train.pairs.structure_question`) against the article's body without its title; negative:
  its sibling unit.
- ``sections``: a Q&A page's question heading against the section that answers it (boilerplate lines
  that repeat the heading dropped); negative: the section answering another heading of the same page
  (same subject, other facts). Sections that quote 20 consecutive words of an evaluation set's gold
  document are left out, as positives and as negatives, like ``eval_gold_overlap`` rows.

``fit`` trains with sentence-transformers' trainer and ``MultipleNegativesRankingLoss`` (in-batch
negatives plus the hard one), the word embeddings and the lower layers frozen, and writes only the
trained layers (fp16 safetensors, a few MB a layer) and a stamp: the delta
:mod:`rag.tuned` lays over the base model the install converts.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from pathlib import Path

from rag.e5model import conversion_stamp
from rag.text import normalize
from train.pairs import (SEED, _eval_index, _keyed, _repeats, _rows, _sha256, _words, eval_sets, siblings,
                         structure_question)

#: Words in a passage window (the product's chunks run to ~150 words; 160 tokens hold ~110).
WINDOW = 110
#: Sections kept at most (a seeded sample; the CPU trains on ~10k triplets in an hour).
MAX_SECTIONS = 9000
#: Consecutive words a section must share with an evaluation gold document to be left out.
SHINGLE = 20
_WORD = re.compile(r"\w+")


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def window(text: str, probe: str, size: int = WINDOW) -> str:
    """The ``size``-word window of ``text`` (stepping by half a window) sharing most distinct words
    with ``probe``; the first window on ties, the whole text when it is short.

    >>> window("a b c d e f g h", "g h", size=4)
    'e f g h'
    """
    words = text.split()
    if len(words) <= size:
        return " ".join(words)
    wanted = set(_tokens(probe))
    best, best_score = 0, -1
    for start in range(0, len(words) - size // 2, size // 2):
        score = len(wanted.intersection(_tokens(" ".join(words[start:start + size]))))
        if score > best_score:
            best, best_score = start, score
    return " ".join(words[best:best + size])


def _body(text: str) -> str:
    """An article without its title line ("Điều N. ...")."""
    head, _, rest = text.partition("\n")
    return rest.strip() if rest.strip() else head


def _section(text: str, question: str) -> str:
    """A Q&A section without the lines that restate the heading or advertise (starred lines)."""
    keep = [line for line in text.split("\n")
            if line.strip() and not line.strip().startswith("*") and question[:40] not in line]
    return normalize("\n".join(keep))


def _shingles(text: str) -> set[int]:
    words = _tokens(text)
    return {hash(" ".join(words[i:i + SHINGLE])) for i in range(0, max(0, len(words) - SHINGLE + 1))}


def triplets(shared: Path, repo: Path, out: Path, *, with_overlap: bool = False, seed: int = SEED,
             max_sections: int = MAX_SECTIONS) -> dict:
    """Write ``embedder.jsonl`` and ``embedder-stamp.json`` under ``out``; return the stamp.

    Args:
        shared: the ``shared/data`` folder; repo: the repository root (its ``evals/sets``).
        with_overlap: keep rows flagged ``eval_gold_overlap`` (report figures that used them apart).
        max_sections: Q&A sections kept at most (seeded sample by qid).
    """
    train = shared / "train"
    inputs = [train / "zalo_legal_2021.jsonl.gz", train / "qa_pages_aligned.jsonl.gz",
              train / "qa_pages_sections.jsonl.gz", shared / "corpus" / "phapdien.jsonl.gz",
              shared / "corpus" / "civic.jsonl", shared / "corpus" / "alqac.jsonl", *eval_sets(shared, repo)]
    gold, eval_questions = _eval_index(eval_sets(shared, repo))
    phapdien = {r["doc_id"]: r["text"] for r in _rows(shared / "corpus" / "phapdien.jsonl.gz")}
    civic = {r["doc_id"]: r["text"] for r in _rows(shared / "corpus" / "civic.jsonl")}
    gold_shingles: set[int] = set()
    for doc_id in gold:
        text = civic.get(doc_id) or phapdien.get(doc_id)
        if text:
            gold_shingles |= _shingles(text)
    for row in _rows(shared / "corpus" / "alqac.jsonl"):
        if row["doc_id"] in gold:
            gold_shingles |= _shingles(row["text"])
    dropped = {"eval_gold_overlap": 0, "eval_gold_doc": 0, "repeats_eval_question": 0,
               "quotes_eval_gold": 0, "no_negative": 0}

    def sibling(doc_id: str, texts: dict[str, str], key: str) -> str | None:
        # the seeded choice between the previous and the next unit
        order = siblings(doc_id) if int(_keyed(seed, key)[:2], 16) % 2 else siblings(doc_id)[::-1]
        return next((texts[other] for other in order if other in texts and other not in gold), None)

    rows: list[dict] = []
    for source, path in (("zalo", inputs[0]), ("qa_aligned", inputs[1])):
        for row in _rows(path):
            positives = list(row["positive_doc_ids"])
            if row.get("eval_gold_overlap") and not with_overlap:
                dropped["eval_gold_overlap"] += 1
                continue
            if gold.intersection(positives):
                dropped["eval_gold_doc"] += 1
                continue
            question = normalize(row["question"])
            if _repeats(_words(question), eval_questions):
                dropped["repeats_eval_question"] += 1
                continue
            negative = sibling(positives[0], phapdien, row["qid"])
            if not negative:
                dropped["no_negative"] += 1
                continue
            probe = normalize(row.get("answer_text") or "") or question
            rows.append({"qid": row["qid"], "source": source, "query": question,
                         "positive": window(normalize(row["positive_text"]), probe),
                         "negative": window(normalize(negative), question)})
    asked: dict[str, int] = {}  # a title several laws share ("Hiệu lực thi hành") asks nothing
    for doc_id, text in civic.items():
        question = structure_question(text.split("\n", 1)[0])
        asked[question or ""] = asked.get(question or "", 0) + 1
    for doc_id, text in sorted(civic.items()):
        if not doc_id.startswith("phapdien:") or doc_id in gold:
            continue
        question = structure_question(text.split("\n", 1)[0])
        if not question or asked[question] > 1 or _repeats(_words(question), eval_questions):
            continue
        negative = sibling(doc_id, civic, doc_id)
        if not negative:
            dropped["no_negative"] += 1
            continue
        rows.append({"qid": f"structure:{doc_id}", "source": "structure", "query": question,
                     "positive": window(normalize(_body(text)), question),
                     "negative": window(normalize(_body(negative)), question)})
    pages: dict[str, list[dict]] = {}
    for row in _rows(inputs[2]):
        pages.setdefault(row["page"], []).append(row)
    sections = []
    for page, found in sorted(pages.items()):
        answers = {r["question"]: _section(r["answer_text"], r["question"]) for r in found}
        quoting = {q for q, text in answers.items() if _shingles(text) & gold_shingles}
        for row in found:
            question = normalize(row["question"])
            positive = answers[row["question"]]
            others = [answers[q] for q in sorted(answers)
                      if q != row["question"] and q not in quoting and len(answers[q].split()) >= 20]
            if _repeats(_words(question), eval_questions):
                dropped["repeats_eval_question"] += 1
                continue
            if row["question"] in quoting:  # neither a positive nor a negative quotes a gold document
                dropped["quotes_eval_gold"] += 1
                continue
            if len(positive.split()) < 20 or not others:
                dropped["no_negative"] += 1
                continue
            negative = others[int(_keyed(seed, row["qid"])[:8], 16) % len(others)]
            sections.append({"qid": row["qid"], "source": "sections", "query": question,
                             "positive": window(positive, question), "negative": window(negative, question)})
    sections = sorted(sections, key=lambda r: _keyed(seed, r["qid"]))[:max_sections]
    # one seeded order over every source, so any prefix (a shorter run) is a fair mix
    rows = sorted(rows + sections, key=lambda r: _keyed(seed, r["qid"]))
    out.mkdir(parents=True, exist_ok=True)
    with (out / "embedder.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    stamp = {
        "seed": seed, "with_overlap": with_overlap, "window_words": WINDOW, "max_sections": max_sections,
        "triplets": len(rows), "by_source": {s: sum(r["source"] == s for r in rows)
                                             for s in ("zalo", "qa_aligned", "structure", "sections")},
        "dropped": dropped,
        "inputs": {str(p.relative_to(p.parents[2]) if "shared" in p.parts else p.relative_to(repo)): _sha256(p)
                   for p in inputs},
        "triplets_sha256": _sha256(out / "embedder.jsonl"),
    }
    (out / "embedder-stamp.json").write_text(json.dumps(stamp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return stamp


def read_triplets(path: Path, limit: int | None = None) -> list[dict]:
    """The first ``limit`` triplets of an ``embedder.jsonl`` (all when None)."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
                if limit and len(rows) >= limit:
                    break
    return rows


#: Encoder layers trained (the top ones); the word embeddings and the layers below stay the base's.
TRAINED_LAYERS = 6
#: Tokens a text is cut to in training (a query is far shorter; a window of 110 words fits).
MAX_LENGTH = 160
BATCH = 32
LEARNING_RATE = 3e-5


def trained(name: str, layers: int = TRAINED_LAYERS, total: int = 12) -> bool:
    """Whether a parameter (a Hugging Face BERT name) is trained: the top ``layers`` encoder layers.

    >>> trained("encoder.layer.11.output.dense.weight"), trained("embeddings.word_embeddings.weight")
    (True, False)
    """
    match = re.match(r"encoder\.layer\.(\d+)\.", name)
    return bool(match) and int(match.group(1)) >= total - layers


def fit(rows: list[dict], base: Path, out: Path, *, steps: int, seed: int = SEED, batch: int = BATCH,
        layers: int = TRAINED_LAYERS, max_length: int = MAX_LENGTH, learning_rate: float = LEARNING_RATE,
        stamp: dict | None = None, threads: int | None = None, bf16: bool = False) -> dict:
    """Train ``steps`` batches of ``batch`` triplets over ``rows`` and write the delta to ``out``.

    ``out`` is a ``.safetensors`` file holding the trained layers in fp16 under their Hugging Face
    names (``encoder.layer.N....``), and the stamp beside it (``out`` with ``.json``): seed, steps,
    the triplets' hash, the base model's stamp, seconds. Returns the stamp.

    Raises:
        ValueError: ``rows`` hold fewer triplets than one batch.
    """
    import torch
    from datasets import Dataset
    from safetensors.torch import save_file
    from sentence_transformers import (SentenceTransformer, SentenceTransformerTrainer,
                                       SentenceTransformerTrainingArguments)
    from sentence_transformers.sentence_transformer import losses
    from sentence_transformers.sentence_transformer.training_args import BatchSamplers

    if len(rows) < batch:
        raise ValueError(f"{len(rows)} triplets is less than one batch of {batch}: build them with "
                         "python -m train embedder-pairs")
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    started = time.monotonic()
    model = SentenceTransformer(str(base), device="cpu")
    model.max_seq_length = max_length
    inner = model[0].auto_model
    total = inner.config.num_hidden_layers
    for name, param in inner.named_parameters():
        param.requires_grad = trained(name, layers, total)
    data = Dataset.from_dict({
        "anchor": ["query: " + r["query"] for r in rows],
        "positive": ["passage: " + r["positive"] for r in rows],
        "negative": ["passage: " + r["negative"] for r in rows],
    })
    scratch = out.parent / f".{out.stem}-trainer"
    args = SentenceTransformerTrainingArguments(
        output_dir=str(scratch), max_steps=steps, per_device_train_batch_size=batch,
        learning_rate=learning_rate, warmup_ratio=0.1, seed=seed, data_seed=seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES, save_strategy="no", logging_steps=10,
        report_to="none", use_cpu=True, bf16=bf16, dataloader_num_workers=0, disable_tqdm=True)
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data,
                                         loss=losses.MultipleNegativesRankingLoss(model))
    result = trainer.train()
    delta = {name: param.detach().to(torch.float16).contiguous()
             for name, param in inner.named_parameters() if param.requires_grad}
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(delta, str(out), metadata={"format": "pt"})
    out.chmod(0o644)  # safetensors writes a private file; the delta ships in the package
    record = {**(stamp or {}), "seed": seed, "steps": steps, "batch": batch, "layers": layers,
              "max_length": max_length, "learning_rate": learning_rate, "bf16": bf16, "triplets_seen": steps * batch,
              "train_loss": round(float(result.training_loss), 4), "base": conversion_stamp(base),
              "delta_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
              "seconds": round(time.monotonic() - started)}
    out.with_suffix(".json").write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    shutil.rmtree(scratch, ignore_errors=True)
    return record
