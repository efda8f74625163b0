"""The eval dataset: one question per JSONL line, read strictly.

A line looks like (see ``../shared/data/README.md``)::

    {"qid": "dev-001", "question": "...", "answer": "...", "gold_doc_ids": ["..."],
     "gold_quotes": ["..."], "kind": "factoid", "history": [{"role": "user", "content": "..."}]}

Only ``question`` is required; every other field has a default. A line that is
not a JSON object, or whose fields have the wrong type, is reported with its
file name and line number, all of them at once, so a hand-edited dataset can be
fixed in one pass.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import rag

#: Kind given to questions whose line names none.
DEFAULT_KIND = "other"

# More errors than this and the file is probably not a dataset at all.
_MAX_REPORTED = 20


class DatasetError(rag.InputError):
    """A dataset file is missing or has malformed lines (each named with its line number)."""


@dataclass(frozen=True)
class Example:
    """One eval question with its gold evidence.

    A question is *answerable* when it names any gold document or gold quote;
    otherwise the right behaviour is a refusal.
    """

    qid: str
    question: str
    answer: str = ""
    gold_doc_ids: tuple[str, ...] = ()
    gold_quotes: tuple[str, ...] = ()
    kind: str = DEFAULT_KIND
    history: tuple[rag.Turn, ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.gold_doc_ids or self.gold_quotes)


def open_text(path: Path) -> IO[str]:
    """Open a UTF-8 text file for reading, gunzipping ``*.gz`` transparently."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def iter_jsonl(path: Path) -> Iterator[tuple[int, object]]:
    """Yield ``(line_number, parsed_value)`` for each non-blank line of a JSONL file.

    Raises:
        DatasetError: on the first line that is not valid JSON (named with its number).
    """
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: JSON không hợp lệ ({exc.msg}, cột {exc.colno}).") from None


def load_dataset(path: str | Path, limit: int | None = None) -> list[Example]:
    """Read and validate a dataset; with ``limit``, keep the first ``limit`` questions.

    Every line is validated even with ``limit``, so a quick run does not hide a
    broken line further down.

    Raises:
        DatasetError: the file is missing, is not UTF-8, or has malformed lines;
            the message lists ``FILE:LINE: problem`` for each.

    >>> examples = load_dataset("../shared/data/eval/civic_dev.jsonl", limit=3)  # doctest: +SKIP
    >>> [e.qid for e in examples]                                                  # doctest: +SKIP
    ['dev-001', 'dev-002', 'dev-003']
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"Không có tệp bộ câu hỏi {path}. Hãy chỉ đúng một tệp JSONL bằng --dataset.")
    examples: list[Example] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    example = parse_example(json.loads(line), default_qid=f"line-{number}")
                except json.JSONDecodeError as exc:
                    problems.append(f"{path}:{number}: JSON không hợp lệ ({exc.msg}, cột {exc.colno})")
                    continue
                except ValueError as exc:
                    problems.append(f"{path}:{number}: {exc}")
                    continue
                if example.qid in seen:
                    problems.append(f"{path}:{number}: qid {example.qid!r} đã dùng ở dòng {seen[example.qid]}")
                    continue
                seen[example.qid] = number
                examples.append(example)
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: không phải văn bản UTF-8 ({exc.reason} tại byte {exc.start}). Hãy lưu lại với mã UTF-8.") from None
    if problems:
        shown = problems[:_MAX_REPORTED]
        more = len(problems) - len(shown)
        tail = f"\n  ... và {more} dòng nữa" if more else ""
        raise DatasetError(
            f"{len(problems)} dòng sai định dạng trong {path}:\n  " + "\n  ".join(shown) + tail
            + "\nMỗi dòng phải là một đối tượng JSON, ít nhất có \"question\" không rỗng; hãy sửa các dòng trên."
        )
    if not examples:
        raise DatasetError(f"Bộ câu hỏi {path} không có câu hỏi nào. Hãy thêm câu hỏi, mỗi dòng một đối tượng JSON.")
    return examples if limit is None else examples[:limit]


def parse_example(obj: object, default_qid: str = "") -> Example:
    """Build an :class:`Example` from one parsed JSON line.

    Raises:
        ValueError: naming the offending field, when a field is missing or mistyped.

    >>> parse_example({"qid": "q1", "question": "Ai?", "gold_doc_ids": ["d1"]}).answerable
    True
    """
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    question = obj.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError('"question" is missing or empty')
    qid = obj.get("qid", default_qid)
    if isinstance(qid, int) and not isinstance(qid, bool):
        qid = str(qid)
    if not isinstance(qid, str) or not qid.strip() or any(c.isspace() for c in qid):
        # Whitespace would break the run file's space-separated columns.
        raise ValueError(f'"qid" must be a non-empty string without spaces, got {qid!r}')
    return Example(
        qid=qid,
        question=question,
        answer=_string(obj, "answer", ""),
        gold_doc_ids=_strings(obj, "gold_doc_ids"),
        gold_quotes=_strings(obj, "gold_quotes"),
        kind=_string(obj, "kind", DEFAULT_KIND) or DEFAULT_KIND,
        history=_history(obj.get("history")),
    )


def _string(obj: dict, key: str, default: str) -> str:
    value = obj.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError(f'"{key}" must be a string, got {type(value).__name__}')
    return value


def _strings(obj: dict, key: str) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'"{key}" must be a list of strings')
    return tuple(v for v in value if v.strip())


def _history(value: object) -> tuple[rag.Turn, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError('"history" must be a list of {"role", "content"} objects')
    turns = []
    for i, item in enumerate(value):
        if (
            not isinstance(item, dict)
            or item.get("role") not in ("user", "assistant")
            or not isinstance(item.get("content"), str)
        ):
            raise ValueError(f'"history"[{i}] must be {{"role": "user"|"assistant", "content": "..."}}')
        turns.append(rag.Turn(role=item["role"], content=item["content"]))
    return tuple(turns)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (the dataset hash stamped in ``config.json``)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
