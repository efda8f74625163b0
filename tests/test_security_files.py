"""Files that must not be read or lost (SECURITY.md): links out of the corpus folder, and uploads
whose names differ only in what the sanitiser drops. Real sync and real library on tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import ingest
from ui.documents import Library, upload_name

BODY = "Điều 1. Phạm vi\n{}\n"


def _doc(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BODY.format(text), encoding="utf-8")
    return path


def test_a_link_out_of_the_folder_is_refused_by_name_and_never_indexed(settings, store, embedder, tmp_path):
    outside = _doc(tmp_path / "elsewhere" / "passwd.txt", "root:x:0:0:root:/root:/bin/bash")
    folder = tmp_path / "corpus"
    _doc(folder / "quy-che.txt", "Quy chế phối hợp giữa Ủy ban nhân dân xã và Mặt trận.")
    os.symlink(outside, folder / "x.txt")
    report = ingest.sync(settings, [folder], store=store, embedder=embedder)
    assert report.added == ["quy-che.txt"]
    assert [name for name, _ in report.failed] == ["x.txt"]
    assert "nằm ngoài thư mục" in report.failed[0][1] and str(outside) in report.failed[0][1]
    assert set(store.chunk_counts(settings.collection)) == {"file:quy-che.txt"}
    assert report.documents == 1


def test_a_link_inside_the_folder_is_indexed_and_goes_with_the_link(settings, store, embedder, tmp_path):
    folder = tmp_path / "corpus"
    target = _doc(folder / "goc" / "ke-hoach.txt", "Kế hoạch tổ chức hội nghị nhân dân thôn năm 2026.")
    os.symlink(target, folder / "ban-sao.txt")
    first = ingest.sync(settings, [folder], store=store, embedder=embedder)
    assert sorted(first.added) == ["ban-sao.txt", "goc/ke-hoach.txt"] and not first.failed
    (folder / "ban-sao.txt").unlink()
    second = ingest.sync(settings, [folder], store=store, embedder=embedder)
    assert second.removed == ["ban-sao.txt"] and second.documents == 1
    assert set(store.chunk_counts(settings.collection)) == {"file:goc/ke-hoach.txt"}


def test_a_link_row_of_an_earlier_version_is_pruned(settings, store, embedder, tmp_path):
    """Before the fix a link out of the folder was keyed by its target, outside every folder, so
    pruning never saw it: such a row goes at the next sync of the folder."""
    from ingest.manifest import Manifest
    from rag.docstore import catalog_path

    outside = _doc(tmp_path / "elsewhere" / "passwd.txt", "root:x:0:0:root:/root:/bin/bash")
    folder = tmp_path / "corpus"
    _doc(folder / "quy-che.txt", "Quy chế phối hợp giữa Ủy ban nhân dân xã và Mặt trận.")
    os.symlink(outside, folder / "x.txt")
    ingest.sync(settings, [folder], store=store, embedder=embedder)
    ingest.add(settings, [outside], store=store, embedder=embedder)  # a row keyed by the target, as before
    manifest = Manifest(catalog_path(settings.data_dir))
    rows = manifest.records(settings.collection)
    (key,) = [k for k in rows if k[1] == "passwd.txt"]
    rec = rows[key]
    manifest.delete(settings.collection, [key])
    manifest.put(settings.collection, type(rec)(rec.source, "x.txt", rec.hash, rec.status, rec.doc_ids, rec.chunks,
                                                rec.generation))
    manifest.close()
    report = ingest.sync(settings, [folder], store=store, embedder=embedder)
    assert "x.txt" in report.removed
    assert set(store.chunk_counts(settings.collection)) == {"file:quy-che.txt"}


class _Upload:
    """Files as Gradio hands them over: each in its own cache folder under its original name."""

    def __init__(self, base: Path) -> None:
        self.base, self.n = base, 0

    def __call__(self, name: str, text: str) -> str:
        self.n += 1
        return str(_doc(self.base / str(self.n) / name, text))


def test_two_uploads_whose_names_sanitise_alike_are_two_documents(settings, store, embedder, tmp_path):
    library = Library(settings, store, embedder)
    upload = _Upload(tmp_path / "gradio")
    first = upload("Kế hoạch (1).txt", "Kế hoạch thứ nhất: trồng cây xanh ở thôn Đông.")
    second = upload("Kế hoạch [1].txt", "Kế hoạch thứ hai: làm đường bê tông ở thôn Tây.")
    message = library.upload([first, second])
    assert "Đã cập nhật" not in message
    assert message == r"**Đã nạp:** Kế hoạch (1).txt, Kế hoạch \[1\].txt"  # the names as uploaded (Markdown-escaped)
    texts = sorted(library.get(row[-1]).document.text for row in library.rows())
    assert len(texts) == 2 and "thôn Đông" in texts[0] + texts[1] and "thôn Tây" in texts[0] + texts[1]
    assert len(list(library.uploads.iterdir())) == 2
    # The same name uploaded again updates its own document, not the other one.
    again = library.upload([upload("Kế hoạch [1].txt", "Kế hoạch thứ hai, sửa: làm đường ở thôn Tây và thôn Nam.")])
    assert again == r"**Đã cập nhật:** Kế hoạch \[1\].txt"
    assert len(library.rows()) == 2


def test_stored_upload_names_are_safe_and_distinct():
    names = ["Kế hoạch (1).txt", "Kế hoạch [1].txt", "Kế hoạch 1.txt", "Kế_hoạch_1.txt", "KẾ HOẠCH 1.TXT",
             "../../etc/Kế hoạch 1.txt"]
    stored = [upload_name(n) for n in names]
    assert len(set(stored[:5])) == 5
    assert stored[3] == "Kế_hoạch_1.txt"  # a name that is already safe is kept as it is
    assert all("/" not in s and s.endswith(".txt") for s in stored)
