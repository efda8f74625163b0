"""One contract for every store: the same data and queries give the same answers.

Runs the embedded arrangements (edge, local on tmp_path, memory) side by side, as
qdrant-client's own congruence tests do, and a Qdrant server too when
``DANVAN_QDRANT_URL`` is set in the environment that starts pytest.
"""

from __future__ import annotations

import os

import pytest
from conftest import MINI_DOCS
from fakes import HashingEmbedder

import rag
from ingest.chunk import chunk_document, index_text
from rag import sparse
from rag.errors import CollectionMismatchError
from rag.text import normalize
from rag.types import Document, SearchFilter

SERVER_URL = os.environ.get("DANVAN_QDRANT_URL", "")  # read before the autouse fixture clears DANVAN_*
KINDS = ["edge", "local", "memory"] + (["server"] if SERVER_URL else [])
QUERIES = ["công khai thông tin chậm nhất", "tổ hòa giải có bao nhiêu hòa giải viên", "hội nghị thôn",
           "tiếp công dân", "nhà văn hóa thôn niêm yết"]


def _chunks():
    docs = [Document(d["doc_id"], d["title"], d["text"], number=d["number"], issuer=d["issuer"], date=d["date"],
                     doc_type=d["type"]) for d in MINI_DOCS]
    return [c for doc in docs for c in chunk_document(doc, min_words=5, max_words=25)]


@pytest.fixture(params=KINDS)
def filled(request, settings):
    settings = settings.replace(store=request.param, qdrant_url=SERVER_URL,
                                collection=f"contract_{request.param}_{os.getpid()}")
    embedder = HashingEmbedder()
    chunks = _chunks()
    texts = [normalize(index_text(c)) for c in chunks]
    with rag.open_store(settings) as store:
        store.create(settings.collection, embedder.dim, {"embed_model": embedder.name, "dim": embedder.dim})
        store.upsert(settings.collection, chunks, embedder.embed_passages(texts), [sparse.encode_document(t) for t in texts])
        yield store, settings.collection, embedder, chunks
        store.drop(settings.collection)


def _search(store, name, embedder, question, mode, flt=None):
    q = normalize(question)
    hits = store.search(name, dense=embedder.embed_query(q), lexical=sparse.encode_query(q), limit=5, candidates=20,
                        mode=mode, filter=flt)
    return [(h.chunk.doc_id, h.chunk.chunk_index, round(h.score, 4)) for h in hits]


def _untied(rows):
    """The (doc_id, chunk_index) of rows whose score ties no other row and is above the cut-off's.

    Engines may order tied points differently (and a tie at the cut-off may swap which one is
    in the top k), so congruence is asserted on scores plus the ids outside ties.
    """
    return {(d, i) for d, i, s in rows if sum(abs(s - t) < 2e-3 for _, _, t in rows) == 1 and s > rows[-1][2] + 2e-3}


def _reference(settings):
    """The same searches on the in-memory qdrant-client store: the reference of congruence."""
    embedder = HashingEmbedder()
    chunks = _chunks()
    texts = [normalize(index_text(c)) for c in chunks]
    with rag.open_store(settings.replace(store="memory")) as ref:
        ref.create("ref", embedder.dim, {})
        ref.upsert("ref", chunks, embedder.embed_passages(texts), [sparse.encode_document(t) for t in texts])
        return {(q, m): _search(ref, "ref", embedder, q, m) for q in QUERIES for m in rag.store.MODES}


def test_basic_operations(filled):
    store, name, embedder, chunks = filled
    assert store.exists(name) and not store.exists("no_such_collection")
    assert store.count(name) == len(chunks)
    assert store.stamp(name) == {"embed_model": embedder.name, "dim": embedder.dim}
    store.update_stamp(name, note="x")
    assert store.stamp(name)["note"] == "x"
    store.check(name, {"dim": embedder.dim})
    with pytest.raises(CollectionMismatchError, match="dim"):
        store.check(name, {"dim": 3})
    payloads = list(store.iter_payloads(name, ["doc_id", "chunk_index"]))
    assert sorted((p["doc_id"], p["chunk_index"]) for p in payloads) == sorted((c.doc_id, c.chunk_index) for c in chunks)
    counts = store.chunk_counts(name)
    assert {d: len(v) for d, v in counts.items()} == {d: sum(c.doc_id == d for c in chunks) for d in counts}


def test_payload_round_trip(filled):
    store, name, embedder, chunks = filled
    hits = store.search(name, dense=embedder.embed_query("tổ hòa giải"), lexical=None, limit=len(chunks),
                        candidates=len(chunks), mode="dense")
    assert {h.chunk for h in hits} == set(chunks)  # every field, tuples included, survives the store


def test_deletes(filled):
    store, name, embedder, chunks = filled
    first = chunks[0]
    store.delete_points(name, [first.point_id])
    assert store.count(name) == len(chunks) - 1
    store.delete_documents(name, ["test:hoa-giai"])
    left = {p["doc_id"] for p in store.iter_payloads(name, ["doc_id"])}
    assert "test:hoa-giai" not in left and "test:tiep-dan" in left
    assert store.count(name) == len(chunks) - 1 - sum(c.doc_id == "test:hoa-giai" for c in chunks)


def test_filters(filled):
    store, name, embedder, _ = filled
    q = "ủy ban nhân dân xã"
    only_plans = _search(store, name, embedder, q, "hybrid", SearchFilter(doc_types=("Kế hoạch",)))
    assert only_plans and {d for d, _, _ in only_plans} == {"test:hop-dan"}
    by_year = _search(store, name, embedder, q, "lexical", SearchFilter(year_from=2026, year_to=2026))
    assert by_year
    none = _search(store, name, embedder, q, "dense", SearchFilter(year_from=2030))
    assert none == []
    issuer = _search(store, name, embedder, q, "hybrid", SearchFilter(issuers=("Ủy ban Mặt trận Tổ quốc xã Thử Nghiệm",)))
    assert {d for d, _, _ in issuer} == {"test:hoa-giai"}


def test_results_are_congruent_with_the_reference(filled, settings):
    store, name, embedder, _ = filled
    reference = _reference(settings)
    for (question, mode), expected in reference.items():
        if mode == "hybrid":
            continue  # fusion depends on how each leg orders its ties: checked against the store's own legs below
        got = _search(store, name, embedder, question, mode)
        assert [d for d, _, _ in got] and len(got) == len(expected), (question, mode)
        # Same scores at every rank; ids may differ only inside a tie.
        assert [s for _, _, s in got] == pytest.approx([s for _, _, s in expected], abs=2e-3), (question, mode)
        assert _untied(got) == _untied(expected), (question, mode, got, expected)


def test_hybrid_is_rrf_of_the_stores_own_legs(filled):
    store, name, embedder, _ = filled
    k = rag.store.RRF_K
    for question in QUERIES:
        q = normalize(question)
        legs = [store.search(name, dense=embedder.embed_query(q), lexical=sparse.encode_query(q), limit=20,
                             candidates=20, mode=mode) for mode in ("dense", "lexical")]
        fused: dict = {}
        for leg in legs:
            for hit in leg:
                key = (hit.chunk.doc_id, hit.chunk.chunk_index)
                fused[key] = fused.get(key, 0.0) + 1.0 / (hit.rank + k - 1)
        got = _search(store, name, embedder, question, "hybrid")
        assert [s for _, _, s in got] == pytest.approx(sorted(fused.values(), reverse=True)[:5], abs=1e-3), question
        assert all(fused[(d, i)] == pytest.approx(s, abs=1e-3) for d, i, s in got), question


def test_drop_and_recreate(filled):
    store, name, embedder, _ = filled
    store.create(name, 8, {"dim": 8})
    assert store.count(name) == 0 and store.stamp(name) == {"dim": 8}
    store.drop(name)
    assert not store.exists(name)


def test_an_embedded_folder_admits_one_process_and_says_so(settings):
    import subprocess
    import sys

    settings = settings.replace(store="edge")
    with rag.open_store(settings):
        code = "import rag; rag.open_store(rag.Settings.from_env())"
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               env={**os.environ, "DANVAN_STORE": "edge"})
        assert other.returncode != 0 and "StoreBusyError" in other.stderr and "đang được một tiến trình khác dùng" in other.stderr
    with rag.open_store(settings):  # released on close
        pass


def test_an_index_of_an_earlier_version_is_migrated_with_a_message(settings, caplog):
    """Earlier versions kept the index in <data_dir>/qdrant (qdrant-client local mode)."""
    embedder = HashingEmbedder()
    chunks = _chunks()
    texts = [normalize(index_text(c)) for c in chunks]
    with rag.open_store(settings.replace(store="local")) as old:
        old.create("danvan", embedder.dim, {"embed_model": embedder.name, "dim": embedder.dim})
        old.upsert("danvan", chunks, embedder.embed_passages(texts), [sparse.encode_document(t) for t in texts])
        before = _search(old, "danvan", embedder, QUERIES[0], "hybrid")
    with caplog.at_level("WARNING"), rag.open_store(settings.replace(store="edge")) as edge:
        assert "Migrating collection danvan" in caplog.text and "the old folder is kept" in caplog.text
        assert edge.count("danvan") == len(chunks)
        assert edge.stamp("danvan")["embed_model"] == embedder.name
        after = _search(edge, "danvan", embedder, QUERIES[0], "hybrid")
        assert [s for _, _, s in after] == pytest.approx([s for _, _, s in before], abs=2e-3)
        assert _untied(after) == _untied(before), (after, before)
        moved = sorted((p["doc_id"], p["chunk_index"], p["text"]) for p in edge.iter_payloads("danvan", ["doc_id", "chunk_index", "text"]))
        assert moved == sorted((c.doc_id, c.chunk_index, c.text) for c in chunks)
    assert (settings.data_dir / "qdrant").is_dir()  # nothing deleted


def test_the_same_search_gives_the_same_order_every_time(filled):
    """Fused scores tie often (RRF k=2); ties are settled by (doc_id, chunk_index), not by the engine."""
    store, name, embedder, _ = filled
    for question in QUERIES:
        for mode in rag.store.MODES:
            first = _search(store, name, embedder, question, mode)
            assert all(_search(store, name, embedder, question, mode) == first for _ in range(20)), (question, mode)
            tied = [(d, i) for (d, i, s), (_, _, t) in zip(first, first[1:]) if abs(s - t) < 1e-9]
            assert all(a <= b for a, b in zip(tied, tied[1:])) or not tied
