"""The index follows the folder: add, change, delete, rename, bad files, and recovery from a crash."""

from __future__ import annotations

import pytest
from fakes import HashingEmbedder

import ingest
import rag
from rag.docstore import DocStore, catalog_path

QUY_CHE_V1 = "QUY CHẾ\nPhối hợp công khai thông tin\nĐiều 3. Thời hạn\nXã công khai thông tin chậm nhất 07 ngày làm việc."
QUY_CHE_V2 = "QUY CHẾ\nPhối hợp công khai thông tin\nĐiều 3. Thời hạn\nXã công khai thông tin chậm nhất 05 ngày làm việc."


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "corpus"
    (path / "sub").mkdir(parents=True)
    (path / "quy-che.txt").write_text(QUY_CHE_V1, encoding="utf-8")
    (path / "sub" / "hoa-giai.md").write_text("# Hòa giải\nTổ hòa giải có từ 03 hòa giải viên trở lên.", encoding="utf-8")
    return path


def _doc_ids(store, settings):
    return {p["doc_id"] for p in store.iter_payloads(settings.collection, ["doc_id"])}


def _sync(settings, store, paths, **kw):
    return ingest.sync(settings, paths, store=store, embedder=HashingEmbedder(), **kw)


def test_add_change_delete_and_rename(settings, store, folder):
    first = _sync(settings, store, [folder])
    assert sorted(first.added) == ["quy-che.txt", "sub/hoa-giai.md"] and first.documents == 2
    assert _doc_ids(store, settings) == {"file:quy-che.txt", "file:sub/hoa-giai.md"}

    again = _sync(settings, store, [folder])
    assert not again.reingested and sorted(again.unchanged) == ["quy-che.txt", "sub/hoa-giai.md"]

    (folder / "sub" / "hoa-giai.md").write_text("# Hòa giải\nTổ hòa giải có 05 thành viên.", encoding="utf-8")
    changed = _sync(settings, store, [folder])
    assert changed.updated == ["sub/hoa-giai.md"] and changed.unchanged == ["quy-che.txt"]

    # The officer replaces the file by a renamed new version (field case 20).
    (folder / "quy-che.txt").unlink()
    (folder / "quy-che-2026.txt").write_text(QUY_CHE_V2, encoding="utf-8")
    renamed = _sync(settings, store, [folder])
    assert renamed.removed == ["quy-che.txt"] and renamed.added == ["quy-che-2026.txt"]
    assert _doc_ids(store, settings) == {"file:quy-che-2026.txt", "file:sub/hoa-giai.md"}
    texts = " ".join(p["text"] for p in store.iter_payloads(settings.collection, ["text"]))
    assert "07 ngày" not in texts and "05 ngày" in texts
    docs = DocStore(catalog_path(settings.data_dir))
    assert docs.doc_ids(settings.collection) == {"file:quy-che-2026.txt", "file:sub/hoa-giai.md"}
    assert docs.get(settings.collection, "file:quy-che-2026.txt").document.text.endswith("05 ngày làm việc.")


def test_documents_added_from_elsewhere_are_kept(settings, store, folder, mini_corpus):
    _sync(settings, store, [folder])
    ingest.add(settings, [mini_corpus], store=store, embedder=HashingEmbedder())
    (folder / "quy-che.txt").unlink()
    _sync(settings, store, [folder])
    ids = _doc_ids(store, settings)
    assert "file:quy-che.txt" not in ids and "test:cong-khai" in ids and "file:sub/hoa-giai.md" in ids


def test_bad_files_never_stop_the_batch(settings, store, folder):
    (folder / "ghi-chu-hop.txt").write_bytes(b"")
    (folder / "anh.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "bang-tinh.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "tên lạ (bản 2) #1.txt").write_text("Ghi chú về hội nghị thôn năm 2026.", encoding="utf-8")
    report = _sync(settings, store, [folder])
    failed = dict(report.failed)
    assert "ghi-chu-hop.txt" in failed and "tệp rỗng" in failed["ghi-chu-hop.txt"]
    assert "anh.txt" in failed
    assert [name for name, _ in report.unsupported] == [str(folder / "bang-tinh.xlsx")]
    assert "tên lạ (bản 2) #1.txt" in report.added and not report.ok
    ids = _doc_ids(store, settings)
    assert "file:ghi-chu-hop.txt" not in ids and "file:tên lạ (bản 2) #1.txt" in ids


def test_a_changed_file_that_fails_keeps_its_previous_version(settings, store, folder):
    _sync(settings, store, [folder])
    before = store.count(settings.collection)
    (folder / "quy-che.txt").write_bytes(b"")
    report = _sync(settings, store, [folder])
    assert [n for n, _ in report.failed] == ["quy-che.txt"]
    assert store.count(settings.collection) == before and "file:quy-che.txt" in _doc_ids(store, settings)


class _Crash(Exception):
    pass


class _CrashingEmbedder(HashingEmbedder):
    """Raises on the n-th passage batch: a process killed in the middle of a file."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after

    def embed_passages(self, texts):
        if self.calls >= self.after:
            raise _Crash()
        return super().embed_passages(texts)


@pytest.mark.parametrize("after", [0, 1, 2, 3])
def test_an_interrupted_sync_converges_to_a_clean_run(settings, tmp_path, folder, after):
    def long_text(word):
        return "\n".join(f"Điều {n}. Quy định {n}\n" + f"{word} " * 60 for n in range(1, 7))

    (folder / "long.txt").write_text(long_text("nhân dân"), encoding="utf-8")
    settings = settings.replace(embed_batch_size=2)
    clean = settings.replace(data_dir=tmp_path / "clean")
    with rag.open_store(clean) as store:
        _sync(clean, store, [folder])
        expected = sorted(map(sorted, (p.items() for p in store.iter_payloads(clean.collection))))
    with rag.open_store(settings) as store:
        _sync(settings, store, [folder])
        (folder / "quy-che.txt").write_text(QUY_CHE_V2, encoding="utf-8")  # changed, then the crash
        (folder / "sub" / "hoa-giai.md").unlink()
        (folder / "long.txt").write_text(long_text("công dân"), encoding="utf-8")
        with pytest.raises(_Crash):
            ingest.sync(settings, [folder], store=store, embedder=_CrashingEmbedder(after))
    (folder / "quy-che.txt").write_text(QUY_CHE_V1, encoding="utf-8")  # and back, before the rerun
    (folder / "long.txt").write_text(long_text("nhân dân"), encoding="utf-8")
    (folder / "sub" / "hoa-giai.md").write_text("# Hòa giải\nTổ hòa giải có từ 03 hòa giải viên trở lên.", encoding="utf-8")
    with rag.open_store(settings) as store:
        _sync(settings, store, [folder])
        got = sorted(map(sorted, (p.items() for p in store.iter_payloads(settings.collection))))
        assert got == expected
    records = ingest.manifest.Manifest(catalog_path(settings.data_dir)).records(settings.collection)
    assert {r.status for r in records.values()} == {"done"} and len(records) == 3


def test_a_model_change_rebuilds_and_a_cli_ingest_says_how(settings, store, folder):
    _sync(settings, store, [folder])
    other = HashingEmbedder(dim=64)
    with pytest.raises(rag.CollectionMismatchError, match="embed_model.*--recreate"):
        ingest.sync(settings, [folder], store=store, embedder=other, on_mismatch="raise")
    rebuilt = ingest.sync(settings, [folder], store=store, embedder=other)
    assert rebuilt.rebuilt and store.stamp(settings.collection)["dim"] == 64 and rebuilt.documents == 2


def test_remove_takes_the_file_and_its_points(settings, store, folder, mini_corpus):
    _sync(settings, store, [folder])
    ingest.add(settings, [mini_corpus], store=store, embedder=HashingEmbedder())
    names = ingest.remove(settings, ["test:hoa-giai"], store=store)
    assert names == ["mini.jsonl"]  # a JSONL file is one unit: its other documents go too
    ids = _doc_ids(store, settings)
    assert not any(i.startswith("test:") for i in ids) and "file:quy-che.txt" in ids


def test_parts_split_the_files_and_prune_only_their_own(settings, store, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for k in range(12):
        (folder / f"vb-{k}.txt").write_text(f"Văn bản số {k}\nNội dung về hội nghị thôn lần {k}.", encoding="utf-8")
    reports = [ingest.sync(settings, [folder], store=store, embedder=HashingEmbedder(), part=(i, 3)) for i in range(3)]
    added = [name for r in reports for name in r.added]
    assert sorted(added) == sorted(f"vb-{k}.txt" for k in range(12)) and all(r.added for r in reports)
    assert len(_doc_ids(store, settings)) == 12  # no part pruned another's files


@pytest.mark.parametrize("kind", ["edge", "local", "memory"])
def test_manifest_and_document_store_work_in_every_store(settings, folder, kind):
    settings = settings.replace(store=kind)
    with rag.open_store(settings) as store:
        assert _sync(settings, store, [folder]).documents == 2
        assert not _sync(settings, store, [folder]).reingested
        docs = DocStore(catalog_path(settings.data_dir))
        assert docs.count(settings.collection) == 2
    with rag.open_store(settings) as store:  # a new process: a memory store is empty, so all is indexed again
        again = _sync(settings, store, [folder])
        assert again.reingested == (kind == "memory") and store.count(settings.collection) > 0
