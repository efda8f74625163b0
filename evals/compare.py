"""Compare two eval runs: a regression is a diff, not an argument.

``compare`` lines up every quality metric of run A (the baseline) and run B,
overall and per kind, and flags each one that got worse by more than the
tolerance. "Worse" means a drop for every metric except ``false_refusal_rate``,
where a rise is worse. Latency is shown but never gates: it depends on the
machine, not on the change under test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import rag

from evals.metrics import ANSWER_KEYS, LOWER_IS_BETTER, RETRIEVAL_KEYS

DEFAULT_TOLERANCE = 0.01
OVERALL = "overall"


@dataclass(frozen=True)
class MetricDelta:
    """One metric of one scope (``overall`` or a kind) in runs A and B."""

    scope: str
    metric: str  # "retrieval/recall@10", "answer/quote_recall", "latency_ms/p50"
    a: float | None
    b: float | None
    regressed: bool

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


def load_metrics(run_dir: str | Path) -> dict:
    """Read ``metrics.json`` from a run folder.

    Raises:
        rag.InputError: the folder has no readable ``metrics.json``.
    """
    path = Path(run_dir) / "metrics.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise rag.InputError(f"không tìm thấy {path}. Hãy chỉ đến thư mục do `python -m evals run --out DIR` ghi ra.") from None
    except json.JSONDecodeError as exc:
        raise rag.InputError(f"{path} không phải JSON hợp lệ ({exc.msg}); hãy chạy lại lần đánh giá để ghi lại tệp.") from None


def compare(a: Mapping, b: Mapping, tolerance: float = DEFAULT_TOLERANCE) -> list[MetricDelta]:
    """Every metric of runs ``a`` and ``b``, overall then per kind, with regressions flagged.

    A metric missing or ``None`` on either side is listed but never flagged.

    >>> a = {"retrieval": {"recall@10": 0.80}, "answer": {}}
    >>> b = {"retrieval": {"recall@10": 0.70}, "answer": {}}
    >>> [d.regressed for d in compare(a, b) if d.metric == "retrieval/recall@10"]
    [True]
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    deltas = _scope(OVERALL, a, b, tolerance)
    for name in ("p50", "p95"):
        deltas.append(MetricDelta(OVERALL, f"latency_ms/{name}", _get(a, "latency_ms", name),
                                  _get(b, "latency_ms", name), regressed=False))
    kinds_a, kinds_b = a.get("by_kind") or {}, b.get("by_kind") or {}
    for kind in sorted(set(kinds_a) | set(kinds_b)):
        deltas += _scope(kind, kinds_a.get(kind) or {}, kinds_b.get(kind) or {}, tolerance)
    return deltas


def _scope(scope: str, a: Mapping, b: Mapping, tolerance: float) -> list[MetricDelta]:
    rows = []
    for block, keys in (("retrieval", RETRIEVAL_KEYS), ("answer", ANSWER_KEYS)):
        for key in keys:
            va, vb = _get(a, block, key), _get(b, block, key)
            regressed = False
            if va is not None and vb is not None:
                worse = (vb - va) if key in LOWER_IS_BETTER else (va - vb)
                # A hair of slack so 0.8 -> 0.79 with tolerance 0.01 is not flagged by float noise.
                regressed = worse > tolerance + 1e-9
            rows.append(MetricDelta(scope, f"{block}/{key}", va, vb, regressed))
    return rows


def _get(metrics: Mapping, block: str, key: str) -> float | None:
    value = (metrics.get(block) or {}).get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def format_table(deltas: Sequence[MetricDelta], a_label: str = "A", b_label: str = "B") -> str:
    """A plain-text table of the deltas; regressions are marked ``REGRESSION``."""
    header = ("phạm vi", "chỉ số", a_label, b_label, "chênh lệch", "")
    lines = [header]
    for d in deltas:
        lines.append((
            "tổng thể" if d.scope == OVERALL else d.scope, d.metric, _fmt(d.a), _fmt(d.b),
            "" if d.delta is None else f"{d.delta:+.4f}",
            "KÉM ĐI" if d.regressed else "",
        ))
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(header))]
    out = []
    for row in lines:
        out.append("  ".join(str(cell).ljust(w) if i < 2 else str(cell).rjust(w)
                             for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
    return "\n".join(out)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.4f}"


def compare_dirs(dir_a: str | Path, dir_b: str | Path, tolerance: float = DEFAULT_TOLERANCE) -> tuple[str, bool]:
    """Compare two run folders; returns the printable report and whether anything regressed.

    >>> report, regressed = compare_dirs("runs/base", "runs/new")   # doctest: +SKIP
    """
    a, b = load_metrics(dir_a), load_metrics(dir_b)
    deltas = compare(a, b, tolerance)
    regressions = [d for d in deltas if d.regressed]
    lines = [f"A = {dir_a} (n={a.get('n')})", f"B = {dir_b} (n={b.get('n')})"]
    if a.get("n") != b.get("n"):
        lines.append("cảnh báo: hai lần chạy có số câu hỏi khác nhau; chênh lệch có thể không so sánh được. "
                     "Hãy chạy lại cả hai trên cùng bộ câu hỏi (cùng --dataset, --limit).")
    lines += ["", format_table(deltas), ""]
    if regressions:
        lines.append(f"{len(regressions)} chỉ số kém đi quá ngưỡng {tolerance}:")
        lines += [f"  {'tổng thể' if d.scope == OVERALL else d.scope} {d.metric}: {_fmt(d.a)} -> {_fmt(d.b)}"
                  for d in regressions]
    else:
        lines.append(f"Không chỉ số nào kém đi quá ngưỡng {tolerance}.")
    return "\n".join(lines), bool(regressions)
