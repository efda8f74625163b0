"""Checks of what a caller sends to ``/answer``: the question and its history, or a Vietnamese refusal.

The HTTP API takes JSON from any client, so its arguments may be anything: a string where a
list is expected, ``[["user", "…"]]`` instead of ``[{"role", "content"}]``, a number as the
question. Each is refused here with :class:`BadApiInput`, whose
message says what was wrong and what shape is expected, before anything reaches the pipeline;
nothing is logged with a traceback for it. A long history is cut to its last
:data:`MAX_HISTORY_TURNS` messages of at most :data:`MAX_TURN_CHARS` characters each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import rag

#: Longest question, as the chat's text box allows.
MAX_QUESTION_CHARS = 2000
#: Messages of a history kept, the last ones (a follow-up reads only the last user turn).
MAX_HISTORY_TURNS = 50
#: Characters of a history message kept (an answer quoting a whole article stays well under it).
MAX_TURN_CHARS = 20000
ROLES = ("user", "assistant")
HISTORY_SHAPE = 'history phải là một danh sách [{"role": "user" hoặc "assistant", "content": "…"}], có thể rỗng []'


class BadApiInput(rag.InputError):
    """An argument of an API call that cannot be used; the message (Vietnamese) names it and the fix."""


def api_question(question: Any) -> str:
    """The question of an API call, checked: a non-empty text of at most :data:`MAX_QUESTION_CHARS`.

    >>> api_question("  Xã họp mấy lần?  ")
    'Xã họp mấy lần?'
    """
    if not isinstance(question, str):
        raise BadApiInput(f"Câu hỏi phải là một chuỗi văn bản, không phải {_kind(question)}.")
    question = question.strip()
    if not question:
        raise BadApiInput("Câu hỏi trống. Hãy gửi nội dung câu hỏi.")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadApiInput(f"Câu hỏi dài {len(question)} ký tự, quá giới hạn {MAX_QUESTION_CHARS} ký tự. "
                          "Hãy hỏi ngắn gọn hơn.")
    return question


def api_turns(history: Any) -> list[rag.Turn]:
    """The history of an API call as ``rag.Turn``s, checked (``None`` or ``[]``: no history).

    >>> api_turns([{"role": "user", "content": "Xã họp mấy lần?"}])
    [Turn(role='user', content='Xã họp mấy lần?')]
    """
    if history is None:
        return []
    if not isinstance(history, list):
        raise BadApiInput(f"{HISTORY_SHAPE}; đã nhận {_kind(history)}.")
    turns = []
    first = max(len(history) - MAX_HISTORY_TURNS, 0)  # a follow-up reads only the last turns
    for n, turn in enumerate(history[first:], start=first + 1):
        if not isinstance(turn, Mapping):
            raise BadApiInput(f"Lượt thứ {n} của history là {_kind(turn)}; {HISTORY_SHAPE}.")
        role, content = turn.get("role"), turn.get("content")
        if role not in ROLES:
            raise BadApiInput(f"Lượt thứ {n} của history có role {_shown(role)}; role phải là "
                              '"user" hoặc "assistant".')
        if not isinstance(content, str):
            raise BadApiInput(f"Lượt thứ {n} của history có content là {_kind(content)}; content phải là "
                              "một chuỗi văn bản.")
        turns.append(rag.Turn(role, content[:MAX_TURN_CHARS]))
    return turns


_KINDS = {str: "một chuỗi", int: "một số", float: "một số", bool: "giá trị đúng/sai", list: "một danh sách",
          dict: "một đối tượng", type(None): "null"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), "một giá trị khác")


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "…"
