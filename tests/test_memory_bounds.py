"""What the app keeps per session and per call is bounded.

Gradio keeps, per session (a browser tab, an API client), a copy of the page's configuration
(~150 KB here) and the session's ``gr.State``; by default for the last 10,000 sessions, so the
app's memory grew with every new client (RELIABILITY.md, "Soak"). The app now keeps
:data:`app.SESSIONS_KEPT` sessions and a conversation keeps its last :data:`ui.chat.MAX_EXCHANGES`
exchanges. A short soak (``bench/soak.py``'s own sessions: chat, viewer, filters, ``/answer``)
runs against the app served on 127.0.0.1 with the hashing embedder.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

import app
import ingest
import rag
from fakes import HashingEmbedder
from ui.chat import MAX_EXCHANGES, respond

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import soak  # noqa: E402


class Scripted:
    """A pipeline answering every question with a fixed cited answer (its passages included)."""

    def __init__(self) -> None:
        chunk = rag.Chunk("d", 0, "Ủy ban nhân dân xã công khai thông tin chậm nhất là 05 ngày làm việc.", title="Quy chế")
        hit = rag.Hit(chunk, 1.0, 1)
        citation = rag.Citation(1, "d", "Quy chế", "01/QC", "05/01/2026", chunk.text)
        self.answer = rag.Answer("q", chunk.text + " [1]", (citation,), (hit,), False, 0.9)

    def run(self, question, history=()):
        yield rag.Retrieved(self.answer.hits)
        yield rag.Final(self.answer)


def _ask(conv, question):
    for conv, *_ in respond(Scripted(), question, conv):
        pass
    return conv


def test_a_long_conversation_keeps_its_last_exchanges():
    conv = []
    for n in range(MAX_EXCHANGES + 7):
        conv = _ask(conv, f"Câu hỏi số {n}?")
    assert len(conv) == MAX_EXCHANGES
    assert conv[0]["question"] == "Câu hỏi số 7?" and conv[-1]["question"] == f"Câu hỏi số {MAX_EXCHANGES + 6}?"
    assert all(ex["answer"] is not None for ex in conv)


def test_the_app_launches_with_a_session_bound():
    assert 0 < app.LAUNCH_OPTIONS["state_session_capacity"] == app.SESSIONS_KEPT <= 1000


@pytest.fixture
def served(settings, mini_corpus):
    """The whole app (chat, documents, API) on a free 127.0.0.1 port, keeping at most 6 sessions."""
    from ui.api import Api
    from ui.documents import Library

    embedder = HashingEmbedder()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with rag.open_store(settings) as store:
        ingest.sync(settings, [mini_corpus], store=store, embedder=embedder)
        pipe = rag.Pipeline(settings, store=store, embedder=embedder)
        api = Api(settings, store, embedder, pipe)
        demo = app.build_app(pipe, api=api, library=Library(settings, store, embedder, api.lock))
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                    **{**app.LAUNCH_OPTIONS, "state_session_capacity": 6})
        try:
            yield demo, f"http://127.0.0.1:{port}/"
        finally:
            demo.close()


def test_a_short_soak_keeps_only_the_bounded_sessions(served):
    demo, url = served
    result = soak.Soak(url, pid=0, sessions=16, workers=2, minutes=2, every=60).run()
    assert result["sessions"] == 16 and result["calls"] >= 16 * 3
    assert result["errors"] == {}, result["errors"]  # chat, viewer, filters and /answer all answered
    assert 0 < len(demo.state_holder.session_data) <= 6


def test_soak_refuses_other_hosts_and_unbounded_runs():
    with pytest.raises(SystemExit, match="127.0.0.1"):
        soak.main(["--url", "http://192.0.2.1:7860/", "--pid", "1"])
    with pytest.raises(SystemExit, match="bounded"):
        soak.main(["--url", "http://127.0.0.1:7860/", "--pid", "1", "--minutes", "60"])
    with pytest.raises(SystemExit, match="bounded"):
        soak.main(["--sessions", "100000"])
