import ingest
import rag
from rag.llama import as_llama_retriever


def test_llama_index_retriever_returns_our_ranked_chunks(settings, store, embedder, mini_corpus):
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    pipe = rag.Pipeline(settings, store=store, embedder=embedder)
    question = "tổ hòa giải có bao nhiêu hòa giải viên"
    nodes = as_llama_retriever(pipe, k=3).retrieve(question)
    hits = pipe.retrieve(question, k=3)
    assert [n.node.node_id for n in nodes] == [h.chunk.point_id for h in hits]
    assert nodes[0].node.metadata["doc_id"] == "test:hoa-giai" and nodes[0].node.metadata["number"] == "02/HD-TEST"
    assert "03 hòa giải viên" in nodes[0].node.get_content()
    assert nodes[0].score == hits[0].score
