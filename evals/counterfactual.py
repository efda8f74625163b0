"""Many unanswerable questions, built rather than hand-labelled, to calibrate refusals.

Two sets:

* **counterfactual** — every answerable question of a dataset, asked against the
  corpus *without its gold documents* (nor any passage holding a gold quote): the
  right behaviour is now the refusal. Retrieval runs once on the full index and the
  excluded passages are dropped from the ranking, which is what an index without
  them would return (ranks of the others keep their order).
* **out of subject** — everyday questions no civic corpus answers (gold prices,
  weather, football, recipes, ...), :data:`OUT_OF_SUBJECT`, written for this purpose.

``python -m evals.counterfactual collect`` retrieves once and pickles the hits of all
three sets (dataset, counterfactual, out of subject); ``calibrate`` then replays only
the answerer over them for every candidate threshold, choosing it by k-fold
cross-validation and on a held-apart split, so the figures reported are measured on
questions the threshold was not chosen on.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import rag
from evals.dataset import Example, load_dataset
from evals.metrics import citation_correct, contains_quote, quote_recalled

OUT_OF_SUBJECT = (
    "Giá vàng hôm nay bao nhiêu?", "Thời tiết Hà Nội ngày mai thế nào?", "Tỷ giá đô la Mỹ hôm nay là bao nhiêu?",
    "Đội tuyển bóng đá Việt Nam đá trận tiếp theo khi nào?", "Cách nấu phở bò ngon tại nhà?",
    "Giá xăng RON 95 hiện nay là bao nhiêu một lít?", "Rạp nào chiếu phim hoạt hình cuối tuần này?",
    "Làm sao để giảm cân nhanh trong một tháng?", "Thủ đô của nước Pháp là thành phố nào?",
    "Điện thoại iPhone mới nhất giá bao nhiêu?", "Bệnh sốt xuất huyết có những triệu chứng gì?",
    "Làm thế nào để trồng hoa hồng leo?", "Chỉ số VN-Index hôm nay tăng hay giảm?",
    "Vé máy bay đi Đà Nẵng tháng sau giá bao nhiêu?", "Công thức tính diện tích hình tròn là gì?",
    "Ai là người phát minh ra bóng đèn điện?", "Mùa mưa ở Thành phố Hồ Chí Minh bắt đầu từ tháng mấy?",
    "Cách đổi mật khẩu Facebook trên điện thoại?", "Lãi suất tiết kiệm kỳ hạn 12 tháng ở ngân hàng là bao nhiêu?",
    "Trẻ 6 tháng tuổi nên ăn dặm những món gì?", "Xe máy điện nào đi được quãng đường xa nhất?",
    "Kết quả xổ số miền Bắc hôm qua là gì?", "Ngày mai có bão đổ bộ vào miền Trung không?",
    "Làm bánh chưng cần chuẩn bị những nguyên liệu gì?", "Cách chữa đau dạ dày bằng mật ong?",
    "Giá thịt lợn hơi tuần này tăng hay giảm?", "Đi Sa Pa mùa nào đẹp nhất?",
    "Máy giặt cửa trước và cửa trên loại nào tiết kiệm điện hơn?", "Học tiếng Anh giao tiếp ở đâu tốt?",
    "Bao nhiêu tuổi thì được thi bằng lái xe ô tô hạng B?", "Mức phạt vượt đèn đỏ với xe máy là bao nhiêu?",
    "Thủ tục làm hộ chiếu phổ thông mất bao lâu?", "Giá cước gửi bưu phẩm đi Mỹ là bao nhiêu?",
    "Con mèo nhà tôi bỏ ăn thì phải làm sao?", "Ai vô địch giải bóng đá ngoại hạng Anh mùa trước?",
    "Nhiệt độ sôi của nước ở đỉnh núi là bao nhiêu độ?", "Cách cài đặt máy in trên Windows?",
    "Bài hát nào đang đứng đầu bảng xếp hạng tuần này?", "Chợ Bến Thành mở cửa lúc mấy giờ?",
    "Nên mua cổ phiếu ngân hàng nào năm nay?", "Cà phê sữa đá pha thế nào cho ngon?",
    "Vịnh Hạ Long có bao nhiêu hòn đảo?", "Tàu hỏa Hà Nội đi Lào Cai chạy mấy tiếng?",
    "Cây lúa bị rầy nâu thì phun thuốc gì?", "Cách tính điểm xét tuyển đại học năm nay?",
    "Giá phòng khách sạn ở Đà Lạt dịp Tết bao nhiêu?", "Trái Đất cách Mặt Trời bao nhiêu ki-lô-mét?",
    "Làm sao để con ngủ ngon hơn vào ban đêm?", "Phim bộ Hàn Quốc nào hay nhất năm nay?",
    "Tiêm vắc-xin cúm cho người lớn giá bao nhiêu?", "Mua ô tô cũ cần kiểm tra những gì?",
    "Cách làm sạch vết mốc trên tường nhà?", "Máy tính xách tay nào pin lâu nhất?",
    "Sông nào dài nhất Việt Nam?", "Chó con mấy tháng tuổi thì tiêm phòng dại?",
    "Hôm nay là ngày bao nhiêu âm lịch?", "Ăn gì để tăng sức đề kháng mùa đông?",
    "Giá điện sinh hoạt bậc 1 là bao nhiêu một số?", "Cách luộc trứng lòng đào mấy phút?",
    "Đường từ Hà Nội đi Hải Phòng dài bao nhiêu ki-lô-mét?",
)


@dataclasses.dataclass
class Record:
    """One question with the hits an answerer sees and what the right behaviour is."""

    qid: str
    set: str  # "dataset", "counterfactual" or "out_of_subject"
    question: str
    answerable: bool
    hits: list
    kind: str = ""
    gold_doc_ids: tuple[str, ...] = ()
    gold_quotes: tuple[str, ...] = ()
    history: tuple = ()


def without(hits: Sequence[rag.Hit], doc_ids: Sequence[str], quotes: Sequence[str], k: int) -> list[rag.Hit]:
    """``hits`` without the given documents and any passage holding a quote, re-ranked 1..k."""
    kept = [h for h in hits if h.chunk.doc_id not in doc_ids and not contains_quote(h.chunk.text, quotes)]
    return [dataclasses.replace(h, rank=i) for i, h in enumerate(kept[:k], start=1)]


def collect(retrieve: Callable[[str, tuple], list], examples: Sequence[Example], *, k: int = 10,
            depth: int = 40, out_of_subject: Sequence[str] = OUT_OF_SUBJECT) -> list[Record]:
    """Retrieve once per question; returns the records of the three sets.

    Args:
        retrieve: ``(question, history) -> hits`` ranked, ``depth`` of them.
        examples: the dataset; its answerable questions also make the counterfactual set.
        k: hits kept per question (what the pipeline gives the answerer).
    """
    records = []
    for ex in examples:
        hits = retrieve(ex.question, ex.history)
        records.append(Record(ex.qid, "dataset", ex.question, ex.answerable, list(hits[:k]), ex.kind,
                              ex.gold_doc_ids, ex.gold_quotes, ex.history))
        if ex.answerable:
            rest = without(hits, ex.gold_doc_ids, ex.gold_quotes, k)
            records.append(Record("cf-" + ex.qid, "counterfactual", ex.question, False, rest, ex.kind, (), (), ex.history))
    for i, question in enumerate(out_of_subject, start=1):
        records.append(Record(f"oos-{i:03d}", "out_of_subject", question, False, list(retrieve(question, ())[:k]), "oos"))
    return records


def replay(records: Sequence[Record], answerer) -> list[dict]:
    """Answer every record once; each row keeps the evidence so any threshold can be applied later."""
    return [_row(r.qid, r.set, r.answerable, answerer.answer(r.question, r.hits, r.history), r.gold_doc_ids,
                 r.gold_quotes) for r in records]


def _row(qid: str, name: str, answerable: bool, answer, gold_doc_ids=(), gold_quotes=()) -> dict:
    """One replayed answer as :func:`scores` reads it (the evidence kept, so any threshold applies later)."""
    cites = [(c.doc_id, c.quote) for c in answer.citations]
    return {"qid": qid, "set": name, "answerable": answerable, "evidence": answer.evidence,
            "hard_refusal": answer.refused, "has_quotes": bool(gold_quotes),
            "correct_citations": sum(citation_correct(d, q, gold_doc_ids, gold_quotes) for d, q in cites),
            "citations": len(cites),
            "quote_recall": bool(gold_quotes) and not answer.refused and quote_recalled(answer.text, gold_quotes)}


def measure(pipe, examples: Sequence[Example], *, k: int = 10, depth: int = 40,
            out_of_subject: Sequence[str] = OUT_OF_SUBJECT) -> list[dict]:
    """Rows as :func:`replay` writes them, each answered by the whole answer stage of ``pipe``
    (the answerer, then the reader's decision when ``DANVAN_READER`` is on: :meth:`rag.Pipeline.answer`),
    so the refusals are the product's own. Retrieval (the reader's order included) runs once per
    question; the counterfactual list is it less the gold documents and quotes."""
    rows = []
    row = _row
    for ex in examples:
        q = pipe.query(ex.question, ex.history)
        hits = pipe.retrieve(q, ex.history, depth)
        rows.append(row(ex.qid, "dataset", ex.answerable, pipe.answer(q, hits[:k], ex.history),
                        ex.gold_doc_ids, ex.gold_quotes))
        if ex.answerable:
            rest = without(hits, ex.gold_doc_ids, ex.gold_quotes, k)
            rows.append(row("cf-" + ex.qid, "counterfactual", False, pipe.answer(q, rest, ex.history)))
    for i, question in enumerate(out_of_subject, start=1):
        q = pipe.query(question)
        rows.append(row(f"oos-{i:03d}", "out_of_subject", False, pipe.answer(q, pipe.retrieve(q, (), depth)[:k])))
    return rows


def scores(rows: Sequence[dict], threshold: float) -> dict:
    """Refusal accuracy per unanswerable set, false refusals, citation precision, quote recall at ``threshold``."""
    def refused(row):
        return row["hard_refusal"] or row["evidence"] < threshold

    out: dict[str, float | int | None] = {}
    for name in ("dataset", "counterfactual", "out_of_subject"):
        neg = [r for r in rows if r["set"] == name and not r["answerable"]]
        out[f"refusal_accuracy[{name}]"] = _mean(refused(r) for r in neg)
    unans = [r for r in rows if not r["answerable"]]
    out["refusal_accuracy"] = _mean(refused(r) for r in unans)
    pos = [r for r in rows if r["answerable"]]
    out["false_refusal_rate"] = _mean(refused(r) for r in pos)
    shown = [r for r in pos if not refused(r)]
    n_cites = sum(r["citations"] for r in shown)
    out["citation_precision"] = sum(r["correct_citations"] for r in shown) / n_cites if n_cites else None
    out["quote_recall"] = _mean(r["quote_recall"] and not refused(r) for r in pos if r["has_quotes"])
    out["n_answerable"], out["n_unanswerable"] = len(pos), len(unans)
    return out


def _mean(values) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else None


def choose(rows: Sequence[dict], grid: Sequence[float], max_false_refusal: float = 0.05) -> float:
    """The threshold refusing most unanswerable questions while false refusals stay within the bound.

    Ties (a plateau of equally good thresholds) are broken by the middle of the
    plateau, the choice that moves least when the questions change.
    """
    keyed = []
    for t in grid:
        s = scores(rows, t)
        ok = (s["false_refusal_rate"] or 0.0) <= max_false_refusal
        keyed.append(((ok, s["refusal_accuracy"] or 0.0, -(s["false_refusal_rate"] or 0.0)), t))
    best = max(k for k, _ in keyed)
    plateau = [t for k, t in keyed if k == best]
    return plateau[len(plateau) // 2]


def _fold(qid: str, folds: int) -> int:
    base = qid.removeprefix("cf-")  # a question and its counterfactual stay in one fold
    return int(hashlib.sha256(base.encode()).hexdigest(), 16) % folds


def calibrate(rows: Sequence[dict], grid: Sequence[float], folds: int = 5) -> dict:
    """Threshold chosen on all rows, the k-fold cross-validated figures, and a held-apart 30 % split."""
    cv_rows, chosen = [], []
    for f in range(folds):
        train = [r for r in rows if _fold(r["qid"], folds) != f]
        test = [r for r in rows if _fold(r["qid"], folds) == f]
        t = choose(train, grid)
        chosen.append(t)
        cv_rows.extend(dict(r, _t=t) for r in test)
    cv = _scores_each(cv_rows)
    held = [r for r in rows if _fold(r["qid"], 10) < 3]
    tune = [r for r in rows if _fold(r["qid"], 10) >= 3]
    t_split = choose(tune, grid)
    t_all = choose(rows, grid)
    return {"threshold": t_all, "tuned": scores(rows, t_all), "cv_thresholds": chosen, "cross_validated": cv,
            "split_threshold": t_split, "split_tuned": scores(tune, t_split), "held_apart": scores(held, t_split)}


def calibrate_bar(records: Sequence[Record], make_answerer: Callable[[float], object], grid: Sequence[float],
                  threshold: float, folds: int = 5) -> dict:
    """Choose the out-of-subject bar (``DANVAN_MIN_DENSE_SIMILARITY``) for an embedding model.

    The rule of EVALS.md ("Out-of-subject questions"), made a procedure: replay the answerer with each
    bar of ``grid`` (``make_answerer(bar)``; 0 = no bar) over the collected records, scored at the
    refusal ``threshold``; in each of ``folds`` folds (a question and its counterfactual in one fold)
    pick the highest bar whose false-refusal rate on the other folds stays at the rate without a bar;
    the setting is one grid step below the lowest fold's pick (the edge is steep above it).
    Returns the per-bar scores, the fold picks, the setting and the cross-validated figures (each
    fold's held-out rows scored at that fold's pick).
    """
    bars = sorted(set(grid) | {0.0})
    # The bar refuses a question when the best dense cosine of its top 3 passages is under it and
    # the answerer's other checks (bar-independent) agree; so two replays give every bar's rows: with
    # no bar, and with a bar above every cosine (what the bar refuses when it applies).
    plain, barred = replay(records, make_answerer(0.0)), replay(records, make_answerer(1.01))
    tops = [max((h.dense_score for h in r.hits[:3] if h.dense_score is not None), default=None) for r in records]
    rows = {bar: [b if bar > 0 and top is not None and top < bar else p for p, b, top in zip(plain, barred, tops)]
            for bar in bars}
    picks, held = [], []
    for f in range(folds):
        def part(bar, inside):
            return [r for r in rows[bar] if (_fold(r["qid"], folds) == f) == inside]

        base = scores(part(0.0, False), threshold)["false_refusal_rate"] or 0.0
        ok = [b for b in bars if b > 0 and (scores(part(b, False), threshold)["false_refusal_rate"] or 0.0) <= base]
        pick = max(ok, default=0.0)
        picks.append(pick)
        held.extend(part(pick, True))
    lowest = min(picks)
    setting = max((b for b in bars if b < lowest), default=0.0) if lowest > 0 else 0.0
    return {"threshold": threshold, "grid": bars, "fold_picks": picks, "setting": setting,
            "cross_validated": scores(held, threshold), "at_setting": scores(rows[setting], threshold),
            "per_bar": {str(b): scores(rows[b], threshold) for b in bars}}


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Area under the ROC curve: the chance that a random positive scores above a random negative
    (ties count half; the Mann-Whitney U statistic over ``len(p) * len(n)``).

    >>> auc([3, 2], [1, 2])
    0.875
    """
    if not positives or not negatives:
        raise ValueError("auc needs at least one positive and one negative")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def signals(records: Sequence[Record], answerer) -> dict[str, dict[str, float]]:
    """How well each candidate refusal signal tells an answerable question from its counterfactual.

    Per signal: ``auc`` (answerable vs counterfactual) and its mean on each set. Signals: the
    answer's ``evidence``; the cited passage's dense cosine (``dense_cited``), lexical score
    (``sparse_cited``) and rank (``rank_cited``); the best dense cosine of the top 3 (``dense_top3``).
    """
    rows = []
    for r in records:
        a = answerer.answer(r.question, r.hits, r.history)
        cited = {c.doc_id for c in a.citations}
        first = next((h for h in r.hits if h.chunk.doc_id in cited), None)
        top = [h.dense_score for h in r.hits[:3] if h.dense_score is not None]
        rows.append({"set": r.set, "answerable": r.answerable, "evidence": a.evidence,
                     "dense_cited": first.dense_score if first and first.dense_score is not None else 0.0,
                     "sparse_cited": (first.sparse_score or 0.0) if first else 0.0,
                     "rank_cited": first.rank if first else len(r.hits) + 1,
                     "dense_top3": max(top, default=0.0)})
    out = {}
    for name in ("evidence", "dense_cited", "dense_top3", "sparse_cited", "rank_cited"):
        pos = [r[name] for r in rows if r["set"] == "dataset" and r["answerable"]]
        neg = [r[name] for r in rows if r["set"] == "counterfactual"]
        oos = [r[name] for r in rows if r["set"] == "out_of_subject"]
        out[name] = {"auc": round(auc(pos, neg), 3), "answerable": _mean(pos), "counterfactual": _mean(neg),
                     "out_of_subject": _mean(oos)}
    return out


def _scores_each(rows: Sequence[dict]) -> dict:
    # each row carries the threshold chosen without it; score a row at its own threshold
    marked = [dict(r, evidence=r["evidence"] if r["evidence"] >= r["_t"] else -1.0) for r in rows]
    return scores(marked, 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.counterfactual", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="retrieve once, pickle the hits of the three sets")
    c.add_argument("--dataset", required=True)
    c.add_argument("--corpus", required=True, nargs="+")
    c.add_argument("--out", required=True)
    c.add_argument("--no-dataset", action="store_true", help="only the out-of-subject questions")
    k = sub.add_parser("calibrate", help="replay the answerer over collected hits, choose the refusal threshold")
    k.add_argument("pickles", nargs="+")
    k.add_argument("--out", required=True)
    b = sub.add_parser("bar", help="choose the out-of-subject bar (min dense similarity) by cross-validation")
    b.add_argument("pickles", nargs="+")
    b.add_argument("--out", required=True)
    b.add_argument("--grid", default="0.70:0.95:0.005", help="start:stop:step of the bars tried")
    g = sub.add_parser("signals", help="AUC of each candidate refusal signal, answerable vs counterfactual")
    g.add_argument("pickles", nargs="+")
    m = sub.add_parser("run", help="the product's own refusals (answerer and reader) on the three sets")
    m.add_argument("--dataset", required=True)
    m.add_argument("--corpus", required=True, nargs="+")
    m.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    settings = rag.Settings.from_env()
    if args.command == "run":
        with _pipeline(settings, [Path(p) for p in args.corpus]) as pipe:
            rows = measure(pipe, load_dataset(args.dataset))
        result = scores(rows, -1.0)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    if args.command == "collect":
        examples = [] if args.no_dataset else load_dataset(args.dataset)
        records = _collect_with_pipeline(settings, examples, [Path(p) for p in args.corpus])
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "wb") as fh:  # plain dicts: loadable whichever module name defined Record
            pickle.dump([{f.name: getattr(r, f.name) for f in dataclasses.fields(r)} for r in records], fh)
        print(f"{len(records)} records -> {args.out}")
        return 0
    records = [r if isinstance(r, Record) else Record(**r) for p in args.pickles for r in load(p)]
    answerer = rag.ExtractiveAnswerer(max_sentences=settings.answer_sentences, refusal_threshold=-1.0)
    if args.command == "bar":
        start, stop, step = (float(x) for x in args.grid.split(":"))
        grid = [round(start + i * step, 4) for i in range(int(round((stop - start) / step)) + 1)]

        def make(bar: float):
            return rag.ExtractiveAnswerer(max_sentences=settings.answer_sentences, refusal_threshold=-1.0,
                                          min_dense_similarity=bar)

        result = calibrate_bar(records, make, grid, settings.refusal_threshold)
        Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        print(json.dumps({k: v for k, v in result.items() if k != "per_bar"}, indent=2, ensure_ascii=False))
        return 0
    if args.command == "signals":
        print(json.dumps(signals(records, answerer), indent=2))
        return 0
    rows = replay(records, answerer)
    grid = [round(0.02 * i, 2) for i in range(0, 51)]
    result = calibrate(rows, grid)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def load(path: str | Path) -> list:
    """Records pickled by ``collect`` (older pickles of ``__main__.Record`` load too)."""

    class _Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            return Record if name == "Record" else super().find_class(module, name)

    with open(path, "rb") as fh:
        return _Unpickler(fh).load()


class _pipeline:
    """The eval's own cached collection, as ``python -m evals run`` builds it, opened in a pipeline."""

    def __init__(self, settings, corpus) -> None:
        from evals.runner import _prepare

        embedder = rag.load_embedder(settings)
        self.store = rag.open_store(settings.replace(data_dir=settings.data_dir / "evals"))
        collection, _ = _prepare(settings, corpus, self.store, embedder, None)
        self.pipe = rag.Pipeline(settings, store=self.store, embedder=embedder, collection=collection)

    def __enter__(self):
        return self.pipe

    def __exit__(self, *exc) -> None:
        self.store.close()


def _collect_with_pipeline(settings, examples, corpus) -> list[Record]:
    from evals.runner import _prepare  # the eval's own cached collection, as `python -m evals run` builds it

    embedder = rag.load_embedder(settings)
    with rag.open_store(settings.replace(data_dir=settings.data_dir / "evals")) as store:
        collection, _ = _prepare(settings, corpus, store, embedder, None)
        pipe = rag.Pipeline(settings, store=store, embedder=embedder, collection=collection)
        return collect(lambda q, h: pipe.retrieve(q, h, 40), examples)


if __name__ == "__main__":
    sys.exit(main())
