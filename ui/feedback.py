"""Officers' feedback on answers, kept in SQLite, and its export as eval cases.

Each row: when, who (the login name, "" without login), the question, the answer text,
the verdict (``dung`` đúng, ``sai`` sai, ``nguon_sai`` nguồn sai), a comment, and the
cited documents and quotes. The file is ``<data_dir>/feedback.sqlite`` (WAL, so the app
writes while an export reads).

:meth:`FeedbackStore.export_cases` turns rows into lines of the eval dataset format
(``evals/dataset.py``): a correct answer gives a case whose gold is what it cited; a
wrong one gives a case with no gold and kind ``feedback_wrong`` for a person to fill in
(``gold_doc_ids``/``gold_quotes`` empty would make it an *unanswerable* case, so such
lines carry ``"needs_gold": true`` and are best reviewed before use).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import rag

#: ``verdict`` -> label shown to the officer.
VERDICTS = {"dung": "Đúng", "sai": "Sai", "nguon_sai": "Nguồn sai"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, user TEXT NOT NULL, question TEXT NOT NULL,
    answer TEXT NOT NULL, verdict TEXT NOT NULL, comment TEXT NOT NULL, doc_ids TEXT NOT NULL, quotes TEXT NOT NULL,
    refused INTEGER NOT NULL)
"""


def feedback_path(data_dir: Path) -> Path:
    return Path(data_dir) / "feedback.sqlite"


class FeedbackStore:
    """Append-only feedback rows.

    >>> fb = FeedbackStore(Path(tmp) / "feedback.sqlite")       # doctest: +SKIP
    >>> fb.add(answer, "dung", "rõ ràng", user="lan")           # doctest: +SKIP
    1
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._db.commit()
        self._lock = threading.Lock()

    def add(self, answer: rag.Answer, verdict: str, comment: str = "", *, user: str = "") -> int:
        """Store one verdict on ``answer``; returns the row id.

        Raises:
            ValueError: ``verdict`` is not one of :data:`VERDICTS`.
        """
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} is not one of {sorted(VERDICTS)}")
        docs = list(dict.fromkeys(c.doc_id for c in answer.citations))
        quotes = [c.quote for c in answer.citations]
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO feedback (at, user, question, answer, verdict, comment, doc_ids, quotes, refused) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (time.time(), user, answer.question, answer.text, verdict, comment.strip()[:2000],
                 json.dumps(docs, ensure_ascii=False), json.dumps(quotes, ensure_ascii=False), int(answer.refused)),
            )
            self._db.commit()
        return int(cur.lastrowid)

    def rows(self) -> list[dict]:
        """Every row as a dict, oldest first (``doc_ids``/``quotes`` as lists)."""
        with self._lock:
            cur = self._db.execute("SELECT id, at, user, question, answer, verdict, comment, doc_ids, quotes, refused "
                                   "FROM feedback ORDER BY id")
            names = [d[0] for d in cur.description]
            out = [dict(zip(names, row)) for row in cur.fetchall()]
        for row in out:
            row["doc_ids"], row["quotes"] = json.loads(row["doc_ids"]), json.loads(row["quotes"])
            row["refused"] = bool(row["refused"])
        return out

    def export_cases(self) -> list[dict]:
        """The rows as eval dataset lines (see the module docstring)."""
        cases = []
        for row in self.rows():
            case = {"qid": f"feedback-{row['id']}", "question": row["question"], "answer": row["answer"]}
            if row["verdict"] == "dung" and not row["refused"]:
                case |= {"gold_doc_ids": row["doc_ids"], "gold_quotes": row["quotes"], "kind": "feedback"}
            elif row["verdict"] == "dung":  # a correct refusal: the question is outside the documents
                case |= {"kind": "unanswerable"}
            else:
                case |= {"kind": f"feedback_{row['verdict']}", "needs_gold": True, "comment": row["comment"]}
            cases.append(case)
        return cases

    def export_jsonl(self, path: Path) -> Path:
        """Write :meth:`export_cases` as JSONL; returns ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in self.export_cases()),
                        encoding="utf-8")
        return path

    def close(self) -> None:
        self._db.close()
