"""``rag.Progress`` events (ingest, then an eval's questions) as labelled progress bars."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rag

#: Label and unit of each ``rag.Progress`` stage.
STAGE_LABELS = {
    "load": ("Đọc tài liệu", "văn bản"),
    "files": ("Lập chỉ mục", "tệp"),
    "embed": ("Lập chỉ mục", "đoạn"),
    "questions": ("Chạy câu hỏi", "câu"),
}


def progress_events(bar: Callable[..., Any]) -> Callable[[rag.Progress], None]:
    """Route ``rag.Progress`` events to a ``gr.Progress`` bar, labelled by stage."""

    def report(event: rag.Progress) -> None:
        desc, unit = STAGE_LABELS.get(event.stage, (event.stage, "bước"))
        if event.total:
            bar((event.done, event.total), desc=desc, unit=unit)

    return report
