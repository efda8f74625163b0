import pytest

import ingest
import rag
from fakes import HashingEmbedder
from rag.pipeline import retrieval_query


@pytest.fixture
def pipe(settings, store, embedder, mini_corpus):
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    return rag.Pipeline(settings, store=store, embedder=embedder)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?", "test:cong-khai"),
        ("tổ hòa giải có bao nhiêu hòa giải viên", "test:hoa-giai"),
        ("to hoa giai co bao nhieu hoa giai vien", "test:hoa-giai"),  # no diacritics
        ("Chủ tịch xã tiếp công dân mấy ngày một tuần?", "test:tiep-dan"),
        ("hội nghị thôn tổ chức khi nào", "test:hop-dan"),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_retrieval_ranks_the_right_document_first(pipe, question, expected, mode):
    pipe.settings = pipe.settings.replace(retrieval_mode=mode)
    hits = pipe.retrieve(question)
    assert hits[0].chunk.doc_id == expected
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_hybrid_fuses_both_legs(pipe):
    # The dense fake sees bigrams without accents; the lexical leg sees "05".
    hits = pipe.retrieve("thời hạn công khai 05 ngày làm việc", k=4)
    assert hits[0].chunk.doc_id == "test:cong-khai"
    assert len({h.chunk.doc_id for h in hits}) >= 2


def test_run_yields_retrieved_then_final(pipe):
    events = list(pipe.run("Thời gian công khai ít nhất bao nhiêu ngày?"))
    assert [type(e) for e in events] == [rag.Retrieved, rag.Final]
    answer = events[-1].answer
    assert not answer.refused and "30 ngày" in answer.text
    assert answer.citations[0].doc_id == "test:cong-khai" and answer.citations[0].number == "01/QC-TEST"


def test_follow_up_uses_the_previous_question():
    history = [rag.Turn("user", "Tổ hòa giải có bao nhiêu người?"), rag.Turn("assistant", "Từ 03 người.")]
    assert retrieval_query("Còn tổ trưởng thì ai bầu?", history)[1] == "Tổ hòa giải có bao nhiêu người?"
    long_new = "Chủ tịch Ủy ban nhân dân xã phải tiếp công dân định kỳ bao nhiêu ngày trong một tuần tại trụ sở"
    assert retrieval_query(long_new, history)[1] is None


def test_follow_up_retrieves_with_context(pipe):
    history = [rag.Turn("user", "Tổ hòa giải có bao nhiêu hòa giải viên?"), rag.Turn("assistant", "...")]
    answer = pipe.ask("Còn tổ trưởng thì ai bầu?", history)
    assert answer.hits[0].chunk.doc_id == "test:hoa-giai"
    assert "bầu" in answer.text


def test_opening_a_collection_built_with_another_model_fails_with_the_fix(settings, store, mini_corpus):
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=HashingEmbedder(dim=64))
    with pytest.raises(rag.CollectionMismatchError, match="python -m ingest --recreate"):
        rag.Pipeline(settings, store=store, embedder=HashingEmbedder(dim=128))


def test_missing_collection_says_how_to_ingest(settings, store, embedder):
    with pytest.raises(rag.CollectionMismatchError, match="python -m ingest"):
        rag.Pipeline(settings, store=store, embedder=embedder)


def test_a_users_reranker_reorders_the_deeper_list_then_keeps_the_top_k(settings, store, embedder, mini_corpus,
                                                                        monkeypatch):
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    question = "Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?"
    plain = rag.Pipeline(settings, store=store, embedder=embedder).retrieve(question, k=2)
    assert plain[0].chunk.doc_id == "test:cong-khai"
    monkeypatch.setenv("DANVAN_TEST_PREFERRED", "test:hop-dan")  # read by the reranker, not a setting
    pipe = rag.Pipeline(settings.replace(reranker="fakes:PreferringReranker", rerank_depth=6), store=store,
                        embedder=embedder)
    hits = pipe.retrieve(question, k=2)
    indexed = store.count(settings.collection)
    assert indexed > 2 and pipe.reranker.calls == [(question, min(6, indexed))]  # the deeper list, not the top 2
    assert [h.rank for h in hits] == [1, 2] and hits[0].chunk.doc_id == "test:hop-dan"
    assert hits[1].chunk.doc_id != "test:hop-dan" or hits[1].chunk.chunk_index != hits[0].chunk.chunk_index


@pytest.mark.parametrize("spec, message", [
    ("no_colon", "module:attribute"),
    ("no_such_module_xyz:Thing", "cannot import"),
    ("fakes:NoSuchReranker", "cannot import"),
    ("fakes:HashingEmbedder", "no rerank"),
])
def test_a_reranker_that_cannot_be_loaded_is_named_with_the_fix(settings, store, embedder, mini_corpus, spec, message):
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    with pytest.raises(rag.SettingsError, match=message):
        rag.Pipeline(settings.replace(reranker=spec), store=store, embedder=embedder)


def test_the_answerer_reads_the_pipelines_query_not_the_text_again(settings, store, embedder, mini_corpus):
    # One Query per question (issue 7): the answerer gets the value the retriever used, restored
    # diacritics and canonical dates included, and answers the question as the officer typed it.
    from rag.query import Query

    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)

    class Recording(rag.ExtractiveAnswerer):
        received: list = []

        def answer(self, question, hits, history=()):
            Recording.received.append(question)
            return super().answer(question, hits, history)

    pipe = rag.Pipeline(settings, store=store, embedder=embedder, answerer=Recording())
    question = "uy ban nhan dan xa cong khai thong tin cham nhat may ngay"
    answer = pipe.ask(question)
    (q,) = Recording.received
    assert isinstance(q, Query) and q == pipe.query(question)
    assert q.unaccented and q.restored != q.text and q.kind == "date"
    assert answer.question == question and not answer.refused and "05 ngày làm việc" in answer.text
    # a bare string still works, parsed by the answerer itself, with the same result
    again = rag.ExtractiveAnswerer().answer(question, answer.hits)
    assert (again.text, again.refused) == (answer.text, answer.refused)


def test_a_statute_comes_before_the_text_that_carries_it_out_when_they_are_close(settings, store, embedder, mini_corpus,
                                                                                 monkeypatch):
    # fused scores as RRF gives them for a Thông tư first on one leg and a Luật first on the other,
    # and a third text far below: the Luật goes first, the far one stays where it is
    from rag.types import Chunk, Hit

    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    fused = [Hit(Chunk("tt", 0, "…", doc_type="Thông tư"), 0.60, 1), Hit(Chunk("luat", 0, "…", doc_type="Luật"), 0.58, 2),
             Hit(Chunk("nd", 0, "…", doc_type="Nghị định"), 0.50, 3), Hit(Chunk("luat2", 0, "…", doc_type="Luật"), 0.30, 4)]
    asked = []
    monkeypatch.setattr(store, "search", lambda name, **kw: asked.append(kw["limit"]) or list(fused))
    hits = rag.Pipeline(settings, store=store, embedder=embedder).retrieve("xã công khai thông tin chậm nhất mấy ngày", k=3)
    assert [h.chunk.doc_id for h in hits] == ["luat", "tt", "nd"] and [h.rank for h in hits] == [1, 2, 3]
    assert asked and asked[0] >= 20  # looked deeper than the 3 asked, so a statute can come up
    off = rag.Pipeline(settings.replace(statute_prior=0.0), store=store, embedder=embedder)
    assert [h.chunk.doc_id for h in off.retrieve("xã công khai thông tin chậm nhất mấy ngày", k=3)][:3] == ["tt", "luat", "nd"]
