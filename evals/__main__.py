"""``python -m evals run | compare | import-beir``: the command line of the eval harness.

Exit status: 0 on success, 1 when ``compare`` finds a regression, 2 on bad
input (unknown setting, malformed dataset line, missing file).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import rag

from evals.beir import import_beir
from evals.compare import DEFAULT_TOLERANCE, compare_dirs
from evals.metrics import ANSWER_KEYS, RETRIEVAL_KEYS
from evals.runner import run_eval

EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2

_RUN_HELP = """\
Ask every question of a dataset, score the answers and write DIR/metrics.json, rows.jsonl,
run.trec, qrels.trec, config.json and report.html. The pipeline is configured by the usual
DANVAN_* environment variables (e.g. DANVAN_RETRIEVAL_MODE=lexical for BM25 only)."""

_BEIR_HELP = """\
Convert a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) into a dataset JSONL
(--out) and a corpus JSONL in the shared corpus format, written next to it as
<out stem>.corpus.jsonl unless --corpus-out is given. Run it with
`python -m evals run --dataset OUT --corpus CORPUS_OUT --out DIR`."""


def build_parser() -> argparse.ArgumentParser:
    rag.errors.vietnamese_argparse()
    parser = argparse.ArgumentParser(
        prog="python -m evals",
        description="Đánh giá chất lượng hỏi đáp có trích dẫn trên một bộ câu hỏi, và so sánh các lần chạy.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi chi tiết tiến trình (INFO)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="đánh giá một bộ câu hỏi, ghi kết quả vào thư mục lần chạy", description=_RUN_HELP)
    run.add_argument("--dataset", required=True, type=Path, metavar="FILE.jsonl",
                     help="bộ câu hỏi, mỗi dòng một đối tượng JSON (qid, question, answer, gold_doc_ids, "
                          "gold_quotes, kind, history)")
    run.add_argument("--corpus", action="extend", nargs="+", type=Path, default=[], metavar="FILE_OR_DIR",
                     help="văn bản nạp vào bộ sưu tập riêng của lần đánh giá (trong "
                          "<data dir>/evals); dùng được nhiều lần. Không có nó thì đánh giá trên chỉ mục hiện tại.")
    run.add_argument("--out", required=True, type=Path, metavar="DIR", help="thư mục ghi kết quả lần chạy")
    run.add_argument("--name", help="tên lần chạy trong run.trec và báo cáo (mặc định: tên thư mục)")
    run.add_argument("--k", type=_positive, default=10,
                     help="số đoạn tìm cho mỗi câu hỏi (ít nhất DANVAN_TOP_K; mặc định 10)")
    run.add_argument("--limit", type=_positive, metavar="N", help="chỉ đánh giá N câu hỏi đầu tiên")

    cmp = commands.add_parser(
        "compare", help="so sánh hai thư mục lần chạy",
        description="In chênh lệch các chỉ số của B so với A, tổng thể và theo từng loại câu hỏi; thoát với mã 1 "
                    "khi một chỉ số kém đi quá ngưỡng cho phép (giảm, hoặc false_refusal_rate tăng). "
                    "Thời gian trả lời chỉ được hiển thị, không dùng để chặn.")
    cmp.add_argument("dir_a", type=Path, metavar="DIR_A", help="thư mục lần chạy gốc")
    cmp.add_argument("dir_b", type=Path, metavar="DIR_B", help="thư mục lần chạy cần so")
    cmp.add_argument("--tolerance", type=_non_negative, default=DEFAULT_TOLERANCE,
                     help=f"mức giảm lớn nhất cho phép, theo đơn vị của chỉ số (mặc định {DEFAULT_TOLERANCE})")

    beir = commands.add_parser("import-beir", help="chuyển một thư mục BEIR thành bộ câu hỏi + bộ văn bản",
                               description=_BEIR_HELP)
    beir.add_argument("beir_dir", type=Path, metavar="BEIR_DIR", help="thư mục chứa corpus.jsonl, queries.jsonl, qrels/")
    beir.add_argument("--out", required=True, type=Path, metavar="FILE.jsonl", help="tệp bộ câu hỏi cần ghi")
    beir.add_argument("--corpus-out", type=Path, metavar="FILE.jsonl",
                      help="tệp bộ văn bản cần ghi (mặc định: <out stem>.corpus.jsonl cạnh --out)")
    beir.add_argument("--split", help="phần qrels (mặc định: test, hoặc phần duy nhất có)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "compare":
            report, regressed = compare_dirs(args.dir_a, args.dir_b, args.tolerance)
            print(report)
            return EXIT_REGRESSION if regressed else 0
        result = import_beir(args.beir_dir, args.out, args.corpus_out, args.split)
        print(f"Đã ghi {result.queries} câu hỏi vào {result.dataset} và {result.documents} văn bản "
              f"vào {result.corpus} (phần qrels {result.split}).")
        print(f"Bước tiếp theo: python -m evals run --dataset {result.dataset} --corpus {result.corpus} --out DIR")
        return 0
    except (rag.InputError, rag.SettingsError) as exc:
        print(f"lỗi: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except rag.StoreBusyError as exc:  # the app (or an ingest) holds the index
        print(f"lỗi: {exc}\n{STORE_BUSY_HINT}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except rag.DanvanError as exc:  # a collection built with another model, ...: the message names the fix
        print(f"lỗi: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


#: What to do when the app holds the index (printed under the store's own message).
STORE_BUSY_HINT = (
    "Lỗi: ứng dụng (hoặc một lệnh nạp tài liệu) đang giữ chỉ mục nên không đánh giá được trên chỉ mục hiện tại.\n"
    "Cách khắc phục: đánh giá trên bộ tài liệu riêng của bộ câu hỏi, chạy được cả khi ứng dụng đang chạy:\n"
    "  python -m evals run --dataset Q.jsonl --corpus DOCS.jsonl --out DIR\n"
    "hoặc dừng ứng dụng rồi chạy lại lệnh; hoặc dùng thẻ Đánh giá của ứng dụng."
)


def _run(args: argparse.Namespace) -> int:
    settings = rag.Settings.from_env()
    bars = _ProgressBars()
    try:
        metrics = run_eval(settings, args.dataset, args.corpus, args.out, name=args.name, k=args.k,
                           limit=args.limit, progress=bars)
    finally:
        bars.close()
    print(summary(metrics))
    print(f"\nĐã ghi vào {args.out}/ (mở {args.out / 'report.html'} để xem báo cáo)")
    return 0


def summary(metrics: dict) -> str:
    """A few lines of the headline numbers, for the terminal."""
    def fmt(value: object) -> str:
        return "-" if value is None else f"{value:.3f}"

    retrieval = "  ".join(f"{k}={fmt(metrics['retrieval'][k])}" for k in RETRIEVAL_KEYS)
    answer = "  ".join(f"{k}={fmt(metrics['answer'][k])}" for k in ANSWER_KEYS)
    latency = metrics["latency_ms"]
    lines = [
        f"n={metrics['n']}  answerable={metrics['n_answerable']}",
        f"retrieval: {retrieval}",
        f"answer:    {answer}",
        f"latency:   p50={latency['p50'] or 0:.0f} ms  p95={latency['p95'] or 0:.0f} ms",
    ]
    if "judge" in metrics:
        lines.append(f"judge ({metrics['judge']['name']}): accuracy={fmt(metrics['judge']['accuracy'])}")
    return "\n".join(lines)


_UNITS = {"questions": "q", "embed": "chunk", "load": "doc"}


class _ProgressBars:
    """One tqdm bar per progress stage (ingest's load/embed, then the questions)."""

    def __init__(self) -> None:
        self.bars: dict = {}

    def __call__(self, event: rag.Progress) -> None:
        from tqdm import tqdm

        bar = self.bars.get(event.stage)
        if bar is None:
            unit = _UNITS.get(event.stage, "it")
            bar = self.bars[event.stage] = tqdm(total=event.total, desc=event.stage, unit=unit, leave=True)
        bar.total = event.total
        bar.update(event.done - bar.n)
        if event.message:
            bar.set_postfix_str(event.message, refresh=False)
        if event.total and event.done >= event.total:
            bar.close()  # a finished stage stops its clock
            del self.bars[event.stage]

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"phải >= 1, nhận được {value}")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"phải >= 0, nhận được {value}")
    return value


if __name__ == "__main__":
    sys.exit(main())
