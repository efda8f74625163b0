"""The "Tài liệu" tab: upload documents, list and search what is indexed, delete, re-index.

:class:`Library` holds the logic over ``ingest`` and the document store (plain Python,
tested without a server); :func:`documents_tab` lays out the widgets. Uploaded files are
copied to ``<data_dir>/uploads/`` under a sanitised name (:func:`safe_name`), checked
against the supported types (``ingest.load.SUFFIXES``) and the size limit
(``DANVAN_UPLOAD_MAX_MB``), then indexed with ``ingest.add``. Writes share the API's lock
(:class:`ui.api.Api`), so an upload, a delete and a ``python -m ingest`` through the app
never interleave. Failures are explained in Vietnamese with the fix (:func:`explain`),
the underlying message kept below.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import gradio as gr

import ingest
import rag
from ingest.load import SUFFIXES
from rag.docstore import DocStore, StoredDocument, catalog_path
from ui.progress import progress_events
from ui.sources import render_document

log = logging.getLogger("danvan.app")
COLUMNS = ["Số hiệu", "Tên văn bản", "Ngày", "Loại", "Cơ quan ban hành", "Số đoạn", "Nạp lúc", "Mã văn bản"]
LIST_LIMIT = 500
#: (pattern in ingest's message, what an officer reads: the problem and the fix).
_FIXES = (
    (r"password-protected", "Tệp PDF có mật khẩu. Hãy lưu một bản không đặt mật khẩu rồi tải lên lại."),
    (r"no text layer|needs OCR", "Tệp PDF là bản quét (chỉ có ảnh, không có chữ). Hãy tải lên bản có lớp chữ, "
                                 "hoặc nhờ người quản trị bật nhận dạng chữ (DANVAN_OCR=on)."),
    (r"LibreOffice", "Tệp Word cũ (.doc) cần LibreOffice để đọc. Hãy mở tệp bằng Word, chọn “Lưu thành” định dạng "
                     ".docx rồi tải lên lại."),
    (r"not a valid \.docx|not a Word document|Word file cannot be read",
     "Tệp không phải tài liệu Word hợp lệ. Hãy mở bằng Word, lưu lại thành .docx rồi tải lên lại."),
    (r"damaged|cannot be read|no pages|không đọc được", "Tệp bị hỏng hoặc không đọc được. Hãy xuất lại tệp từ phần mềm gốc "
                                         "rồi tải lên lại."),
    (r"over the limit|would expand|vượt giới hạn", "Tệp quá lớn. Hãy tách thành nhiều tệp nhỏ hơn rồi tải lên."),
    (r"UTF-8", "Tệp văn bản không ở mã UTF-8. Hãy lưu lại với mã UTF-8 (trong Word: Lưu thành > Văn bản thuần)."),
    (r"missing (doc_id|text)|thiếu (doc_id|text)", "Tệp JSONL có dòng thiếu trường bắt buộc: mỗi dòng cần \"doc_id\" (mã văn bản, không trùng) "
                               "và \"text\" (nội dung văn bản). Hãy bổ sung các dòng đó rồi tải lên lại."),
    (r"invalid JSON|expected a JSON object|JSON không hợp lệ|đối tượng JSON|\.jsonl?:\d+", "Tệp JSONL có dòng sai định dạng (số dòng ghi trong chi "
                                                          "tiết). Hãy sửa các dòng đó rồi tải lên lại."),
    (r"empty|no text|tệp rỗng|không có chữ", "Tệp không có chữ. Hãy kiểm tra nội dung tệp, hoặc xuất lại tệp kèm chữ."),
    (r"unsupported file type|lock file", "Loại tệp không được hỗ trợ. Hỗ trợ: " + ", ".join(SUFFIXES) + "."),
    (r"already indexed from|owned by|another file", "Văn bản này đã được nạp từ một tệp khác. Hãy xóa bản cũ ở "
                                                    "danh sách bên dưới trước, hoặc đổi mã văn bản."),
)
GENERIC_FIX = "Không đọc được tệp. Hãy kiểm tra tệp rồi tải lên lại; nếu lỗi lặp lại, báo người quản trị hệ thống."


def safe_name(name: str) -> str:
    """A file name safe to store: no folders, no control or shell characters, NFC, at most 120 characters.

    >>> safe_name("../../etc/Kế hoạch số 15 (bản cuối).docx")
    'Kế_hoạch_số_15_bản_cuối.docx'
    >>> safe_name(".bashrc.txt"), safe_name("<script>.md")
    ('bashrc.txt', 'script.md')
    """
    base = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    suffix = next((s for s in SUFFIXES if base.lower().endswith(s)), "")
    stem = base[: len(base) - len(suffix)] if suffix else base
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._-")[:120 - len(suffix)] or "tai-lieu"
    return stem + suffix.lower()


def upload_name(name: str) -> str:
    """The name an uploaded file is stored under: :func:`safe_name`, with a short hash of the original
    name when sanitising changed it, so two different names never share one stored file (and the
    same name, uploaded again, updates it).

    >>> upload_name("ke_hoach_15.docx")
    'ke_hoach_15.docx'
    >>> upload_name("Kế hoạch (1).txt") != upload_name("Kế hoạch [1].txt")
    True
    """
    original = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    safe = safe_name(name)
    if safe == original:
        return safe
    suffix = next((s for s in SUFFIXES if safe.endswith(s)), "")
    digest = hashlib.sha256(original.encode("utf-8")).hexdigest()[:8]
    return f"{safe[: len(safe) - len(suffix)] if suffix else safe}-{digest}{suffix}"


def where_in_file(message: str) -> str:
    """Where in the file ingest's message puts the problem, in Vietnamese ("dòng 3, 7"); "" when it says not.

    >>> where_in_file("up.jsonl:3: missing doc_id and text. Every record needs …; up.jsonl:7: invalid JSON")
    'dòng 3, 7'
    """
    lines = list(dict.fromkeys(re.findall(r"\.jsonl?(?:\.gz)?:(\d+)", message or "")))
    return ("dòng " + ", ".join(lines[:20]) + (" …" if len(lines) > 20 else "")) if lines else ""


def explain(reason: str) -> str:
    """The Vietnamese problem and fix for one of ingest's failure messages."""
    return next((fix for pattern, fix in _FIXES if re.search(pattern, reason, re.IGNORECASE)), GENERIC_FIX)


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%d/%m/%Y %H:%M")


class Library:
    """The documents of the app's collection: upload, list, open, delete, re-index."""

    def __init__(self, settings: rag.Settings, store: rag.Store, embedder: rag.Embedder,
                 lock: threading.Lock | None = None) -> None:
        self.settings, self.store, self.embedder = settings, store, embedder
        self.lock = lock or threading.Lock()
        self.uploads = Path(settings.data_dir) / "uploads"
        self.max_bytes = settings.upload_max_mb * 2**20
        self.docs = DocStore(catalog_path(settings.data_dir))

    # -- reading --
    def get(self, doc_id: str) -> StoredDocument | None:
        return self.docs.get(self.settings.collection, doc_id)

    def indexing(self, doc_id: str) -> bool:
        """Whether ``doc_id`` may be on its way into the index now: its file's manifest row is still
        *pending* (its passages are being written; the document store gets it last), or a write of the
        app holds the lock (a re-index takes a document out before it puts it back)."""
        from ingest.manifest import Manifest

        if self.lock.locked():
            return True
        manifest = Manifest(catalog_path(self.settings.data_dir))
        try:
            return any(r.status == "pending" and doc_id in r.doc_ids
                       for r in manifest.records(self.settings.collection).values())
        finally:
            manifest.close()

    def rows(self, search: str = "") -> list[list]:
        """The documents table: one row per document, most recently updated first (see :data:`COLUMNS`)."""
        found = self.docs.list(self.settings.collection, search=(search or "").strip(), limit=LIST_LIMIT)
        return [[d.document.number, d.document.title, d.document.date, d.document.doc_type, d.document.issuer,
                 d.chunks, _when(d.added_at), d.document.doc_id] for d in found]

    def choices(self) -> tuple[list[str], list[str]]:
        """Distinct document types and issuers of the collection (for the chat's filters)."""
        db, col = self.docs.db, self.settings.collection
        out = []
        for column in ("doc_type", "issuer"):
            rows = db.execute(f"SELECT DISTINCT {column} FROM documents WHERE collection=? AND {column}!='' "
                              f"ORDER BY {column} LIMIT 300", (col,)).fetchall()
            out.append([r[0] for r in rows])
        return out[0], out[1]

    # -- writing --
    def upload(self, files: Sequence[str] | None, progress: Callable[[rag.Progress], None] | None = None) -> str:
        """Store and index uploaded files; returns the Markdown report shown under the upload box."""
        if not files:
            return "**Chưa chọn tệp.** Hãy kéo thả hoặc chọn tệp rồi nhấn “Nạp vào chỉ mục”."
        self.uploads.mkdir(parents=True, exist_ok=True)
        accepted, refused, originals = [], [], {}
        for file in map(Path, files):
            name = upload_name(file.name)
            originals[name] = file.name
            if not any(file.name.lower().endswith(s) for s in SUFFIXES):
                refused.append((file.name, f"Loại tệp không được hỗ trợ. Hỗ trợ: {', '.join(SUFFIXES)}.", ""))
            elif file.stat().st_size > self.max_bytes:
                refused.append((file.name, f"Tệp lớn hơn giới hạn {self.settings.upload_max_mb} MB. Hãy tách thành "
                                           "nhiều tệp nhỏ hơn.", ""))
            else:
                target = self.uploads / name
                shutil.copyfile(file, target)
                accepted.append(target)
        report = None
        if accepted:
            with self.lock:
                report = ingest.add(self.settings, accepted, store=self.store, embedder=self.embedder,
                                    progress=progress, on_mismatch="raise")
            for name, why in report.failed + report.unsupported:
                refused.append((originals.get(Path(name).name, Path(name).name), explain(why), why))
                bad = self.uploads / Path(name).name
                if bad.is_file():
                    bad.unlink()  # only indexed documents stay in the uploads folder
        return self._upload_report(report, refused, originals)

    def _upload_report(self, report, refused: list[tuple[str, str, str]], originals: dict[str, str]) -> str:
        lines = []
        if report is not None:
            for label, names in (("Đã nạp", report.added), ("Đã cập nhật", report.updated),
                                 ("Không đổi (đã có trong chỉ mục)", report.unchanged)):
                if names:
                    lines.append(f"**{label}:** " + ", ".join(_md(originals.get(n, n)) for n in names))
        for name, fix, detail in refused:
            if detail:  # ingest's own words are English: kept in the log, the officer reads where
                log.info("upload %s not indexed: %s", name, self._short(detail))
            where = where_in_file(detail)
            lines.append(f"**Không nạp được {_md(name)}.** {fix}"
                         + (f"  \n<small>Vị trí lỗi: {where}</small>" if where else ""))
        return "\n\n".join(lines) or "Không có tệp nào được nạp."

    def _short(self, message: str) -> str:
        return message.replace(str(self.uploads) + "/", "").replace(str(self.settings.data_dir), "…")

    def delete(self, doc_id: str) -> str:
        """Remove a document (and the other documents of its file) from the index and the uploads folder."""
        doc_id = (doc_id or "").strip()
        stored = self.get(doc_id) if doc_id else None
        if stored is None:
            return "**Chưa chọn văn bản.** Hãy bấm vào một dòng trong danh sách rồi nhấn “Xóa”."
        with self.lock:
            names = ingest.remove(self.settings, [doc_id], store=self.store)
        for name in names:
            uploaded = self.uploads / Path(name).name
            if uploaded.is_file():
                uploaded.unlink()
        title = stored.document.title or doc_id
        note = ""
        if any((Path(self.settings.corpus_dir) / n).is_file() for n in names):
            note = (" Tệp gốc vẫn nằm trong thư mục tài liệu của ứng dụng nên sẽ được nạp lại khi khởi động; "
                    "hãy xóa tệp đó khỏi thư mục nếu không cần nữa.")
        return f"Đã xóa **{_md(title)}** khỏi chỉ mục.{note}"

    def reindex(self, doc_id: str, progress: Callable[[rag.Progress], None] | None = None) -> str:
        """Index a document's file again from scratch (its old passages removed first)."""
        doc_id = (doc_id or "").strip()
        stored = self.get(doc_id) if doc_id else None
        if stored is None:
            return "**Chưa chọn văn bản.** Hãy bấm vào một dòng trong danh sách rồi nhấn “Lập chỉ mục lại”."
        source = self._source_file(stored)
        if source is None:
            return ("**Không tìm thấy tệp gốc của văn bản này** nên không lập chỉ mục lại được. "
                    "Hãy tải tệp lên lại ở khung phía trên.")
        with self.lock:
            ingest.remove(self.settings, [doc_id], store=self.store)
            report = ingest.add(self.settings, [source], store=self.store, embedder=self.embedder,
                                progress=progress, on_mismatch="raise")
        if report.failed:
            name, why = report.failed[0]
            return f"**Không lập chỉ mục lại được {_md(Path(name).name)}.** {explain(why)}"
        return f"Đã lập chỉ mục lại **{_md(stored.document.title or doc_id)}** ({report.chunks} đoạn)."

    def _source_file(self, stored: StoredDocument) -> Path | None:
        source = stored.document.source
        name = Path(source).name if source else ""
        for candidate in (self.uploads / name, Path(self.settings.corpus_dir) / source, Path(source)):
            if name and candidate.is_file():
                return candidate
        return None


def _md(text: str) -> str:
    return html.escape(re.sub(r"([\\`*_\[\]#|~])", r"\\\1", text))


def documents_tab(library: Library, on_change: Callable[[], object] | None = None) -> None:
    """Lay out the tab; call inside a ``gr.Tab``."""
    gr.Markdown("Tải lên văn bản để hỏi đáp trên đó. Hỗ trợ: " + ", ".join(s.lstrip(".") for s in SUFFIXES)
                + f" (mỗi tệp tối đa {library.settings.upload_max_mb} MB). Văn bản có cùng tên tệp được cập nhật.")
    with gr.Row(equal_height=False):
        files = gr.File(label="Tệp văn bản", file_count="multiple", file_types=list(SUFFIXES), scale=3,
                        elem_id="doc-upload")
        with gr.Column(scale=1, min_width=200):
            start = gr.Button("Nạp vào chỉ mục", variant="primary", elem_id="doc-add")
    status = gr.Markdown("", elem_id="doc-status")
    with gr.Row():
        search = gr.Textbox(label="Tìm theo tên, số hiệu hoặc mã văn bản", scale=3, elem_id="doc-search")
        refresh = gr.Button("Làm mới danh sách", size="sm", scale=1, elem_id="doc-refresh")
    # value=library.rows (the function): read again at each page load, so a new page lists what is indexed now.
    table = gr.Dataframe(headers=COLUMNS, value=library.rows, interactive=False, wrap=True, elem_id="doc-table",
                         column_widths=["12%", "30%", "9%", "9%", "16%", "6%", "9%", "9%"], max_height=460)
    with gr.Row():
        chosen = gr.Textbox(label="Văn bản đã chọn (bấm vào một dòng)", interactive=False, scale=3,
                            elem_id="doc-chosen")
        view = gr.Button("Xem", size="sm", elem_id="doc-view")
        again = gr.Button("Lập chỉ mục lại", size="sm", elem_id="doc-reindex")
        delete = gr.Button("Xóa khỏi chỉ mục", size="sm", variant="stop", elem_id="doc-delete")
    viewer = gr.HTML("", elem_id="doc-viewer")

    def add(paths, query, progress=gr.Progress()):
        message = library.upload(paths, progress_events(progress))
        return message, library.rows(query), None

    def pick(data, event: gr.SelectData):
        row = event.row_value if event is not None else None
        return row[-1] if row else ""

    def remove(doc_id, query):
        return library.delete(doc_id), library.rows(query), "", ""

    def redo(doc_id, query, progress=gr.Progress()):
        return library.reindex(doc_id, progress_events(progress)), library.rows(query)

    def show(doc_id):
        stored = library.get(doc_id) if doc_id else None
        return render_document(stored) if stored else ""

    start.click(add, inputs=[files, search], outputs=[status, table, files], concurrency_id="index",
                concurrency_limit=1, api_name="upload")
    gr.on([search.submit, search.change, refresh.click], library.rows, inputs=[search], outputs=[table],
          show_progress="hidden")
    table.select(pick, inputs=[table], outputs=[chosen])
    view.click(show, inputs=[chosen], outputs=[viewer])
    delete.click(remove, inputs=[chosen, search], outputs=[status, table, chosen, viewer], concurrency_id="index",
                 concurrency_limit=1, api_name="delete_document")
    again.click(redo, inputs=[chosen, search], outputs=[status, table], concurrency_id="index", concurrency_limit=1)
