"""The shipped second stage, SentenceRescorer: a passage whose one sentence says what was asked
moves up past passages that merely share words with the question, through the same protocol a
user's reranker uses."""

from __future__ import annotations

import pytest

import ingest
import rag
from fakes import HashingEmbedder
from rag.rerank import SentenceRescorer, rerank
from rag.types import Chunk, Hit

QUESTION = "Tổ hòa giải có bao nhiêu hòa giải viên"
HITS = [
    Hit(Chunk("a", 0, "Tổ hòa giải ở cơ sở được thành lập ở thôn. Hòa giải viên được bồi dưỡng nghiệp vụ. "
                      "Kinh phí của tổ do ngân sách xã bảo đảm."), 0.9, 1),
    Hit(Chunk("b", 0, "Việc bầu tổ trưởng do các thành viên quyết định. Tổ hòa giải có từ 03 hòa giải viên trở lên."), 0.8, 2),
    Hit(Chunk("c", 0, "Nhà văn hóa thôn là nơi sinh hoạt cộng đồng của người dân trong thôn."), 0.7, 3),
]


def test_the_passage_with_the_answering_sentence_moves_up():
    scorer = SentenceRescorer(embedder=HashingEmbedder(), weight=1.5)  # b: 1/3 + 1.5/2 > a: 1/2 + 1.5/3
    reordered = rerank(scorer, QUESTION, HITS, depth=3)
    assert [h.chunk.doc_id for h in reordered] == ["b", "a", "c"]
    assert [h.rank for h in reordered] == [1, 2, 3]


def test_the_default_weight_keeps_a_first_passage_unless_many_sentences_beat_it():
    """weight 0.5: rank 2 overtakes rank 1 only when rank 1's best sentence ranks 6th or worse."""
    scores = SentenceRescorer(embedder=HashingEmbedder()).rerank(QUESTION, HITS)
    assert len(scores) == 3 and scores[0] > scores[1] > scores[2]
    assert scores[1] == pytest.approx(1 / 3 + 0.5 / 2)  # b: retrieval rank 2, best sentence of all


def test_it_needs_the_pipelines_embedder():
    with pytest.raises(rag.SettingsError, match="DANVAN_RERANKER=rag.rerank:SentenceRescorer"):
        SentenceRescorer(rag.Settings.from_env())


def test_it_loads_from_the_setting_with_the_pipelines_embedder(settings, store, mini_corpus):
    embedder = HashingEmbedder()
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    pipe = rag.Pipeline(settings.replace(reranker="rag.rerank:SentenceRescorer"), store=store, embedder=embedder)
    assert isinstance(pipe.reranker, SentenceRescorer) and pipe.reranker.embedder is embedder
    hits = pipe.retrieve("xa cong khai thong tin cham nhat may ngay", k=3)  # reads the restored question
    assert [h.rank for h in hits] == [1, 2, 3] and hits[0].chunk.doc_id == "test:cong-khai"


def test_with_the_rescorer_set_ingest_embeds_the_sentences_beforehand(settings, store, mini_corpus, tmp_path):
    """So that a question costs no sentence embedding: every sentence a rerank needs is in the cache."""
    from rag.embed_cache import CachedEmbedder

    chosen = settings.replace(reranker="rag.rerank:SentenceRescorer")
    embedder = CachedEmbedder(HashingEmbedder(), tmp_path / "cache")
    ingest.ingest_paths(chosen, [mini_corpus], store=store, embedder=embedder)
    pipe = rag.Pipeline(chosen, store=store, embedder=embedder)
    misses = embedder.misses
    hits = pipe.retrieve("Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?", k=5)
    assert hits and embedder.misses == misses and embedder.hits > 0


def test_without_it_ingest_embeds_passages_only(settings, store, mini_corpus, tmp_path):
    from rag.embed_cache import CachedEmbedder

    embedder = CachedEmbedder(HashingEmbedder(), tmp_path / "cache")
    report = ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    assert embedder.misses == report.chunks
