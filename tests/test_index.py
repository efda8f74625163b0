import json

import pytest

import ingest
from fakes import HashingEmbedder
from rag.errors import CollectionMismatchError


def test_reingest_is_idempotent(settings, store, embedder, mini_corpus):
    first = ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    count = store.count(settings.collection)
    second = ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    assert first.chunks == second.chunks == count == store.count(settings.collection) >= 4


def test_a_document_that_shrinks_loses_its_extra_chunks(settings, store, embedder, tmp_path):
    path = tmp_path / "one.jsonl"
    long_text = "\n".join(f"Điều {n}. Quy định\n" + "dân " * 120 for n in range(1, 5))
    path.write_text(json.dumps({"doc_id": "d", "text": long_text}) + "\n", encoding="utf-8")
    ingest.ingest_paths(settings, [path], store=store, embedder=embedder)
    assert store.count(settings.collection) == 4
    path.write_text(json.dumps({"doc_id": "d", "text": "Chỉ còn một dòng."}) + "\n", encoding="utf-8")
    report = ingest.ingest_paths(settings, [path], store=store, embedder=embedder)
    assert store.count(settings.collection) == 1 and report.updated == ["one.jsonl"] and report.chunks == 1


def test_bad_input_loses_nothing_already_stored(settings, store, embedder, mini_corpus, tmp_path):
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    before = store.count(settings.collection)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "x", "text": "ok"}\nnot json\n', encoding="utf-8")
    report = ingest.ingest_paths(settings, [bad], store=store, embedder=embedder)
    assert [name for name, _ in report.failed] == ["bad.jsonl"] and "bad.jsonl:2" in report.failed[0][1]
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"doc_id": "x", "text": "a"}\n{"doc_id": "x", "text": "b"}\n', encoding="utf-8")
    report = ingest.ingest_paths(settings, [dup], store=store, embedder=embedder)
    assert "doc_id 'x' xuất hiện hai lần" in report.failed[0][1]
    clash = tmp_path / "clash.jsonl"
    clash.write_text('{"doc_id": "test:cong-khai", "text": "khác"}\n', encoding="utf-8")
    report = ingest.ingest_paths(settings, [clash], store=store, embedder=embedder)
    assert "cả trong mini.jsonl" in report.failed[0][1]
    assert store.count(settings.collection) == before


def test_sync_skips_fresh_index_and_follows_changes(settings, store, embedder, tmp_path, mini_corpus):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.md").write_text("# Tài liệu A\nNội dung về hòa giải ở cơ sở.", encoding="utf-8")
    (folder / "b.md").write_text("# Tài liệu B\nNội dung về tiếp công dân.", encoding="utf-8")
    first = ingest.sync(settings, [folder], store=store, embedder=embedder)
    assert first.reingested and first.documents == 2
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)  # added by hand
    assert not ingest.sync(settings, [folder], store=store, embedder=embedder).reingested
    (folder / "b.md").unlink()
    third = ingest.sync(settings, [folder], store=store, embedder=embedder)
    assert third.reingested and third.documents == 1
    ids = set(store.chunk_counts(settings.collection))
    assert "file:b.md" not in ids and "file:a.md" in ids and "test:cong-khai" in ids


def test_collection_stamp_is_checked(settings, store, embedder, mini_corpus):
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    stamp = store.stamp(settings.collection)
    assert stamp["embed_model"] == embedder.name and stamp["chunker"] == ingest.CHUNKER_VERSION
    with pytest.raises(CollectionMismatchError, match="embed_model.*--recreate"):
        ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=HashingEmbedder(dim=64))
    # a model change makes sync rebuild instead of mixing vectors
    report = ingest.sync(settings, [mini_corpus], store=store, embedder=HashingEmbedder(dim=64))
    assert report.reingested and store.stamp(settings.collection)["dim"] == 64


@pytest.mark.parametrize("kind, folder", [("edge", "edge"), ("local", "qdrant")])
def test_on_disk_store_survives_reopen(settings, embedder, mini_corpus, kind, folder):
    import rag

    settings = settings.replace(store=kind)
    with rag.open_store(settings) as store:
        ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
        count = store.count(settings.collection)
    with rag.open_store(settings) as store:
        assert store.count(settings.collection) == count
    assert (settings.data_dir / folder).is_dir()
