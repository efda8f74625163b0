"""Bad input to the ``/answer`` endpoint: a clear Vietnamese error for the caller, no traceback anywhere.

A malformed ``history`` (a string, ``[["user", "…"]]``, a number as a turn) raised
AttributeError inside the app: the server console printed a traceback and the caller read
"The upstream Gradio app has raised an exception …". The app is served for real on
127.0.0.1 (the hashing embedder, a real store) and called with ``gradio_client``.
"""

from __future__ import annotations

import json
import logging
import socket

import pytest

import ingest
import rag
from fakes import HashingEmbedder
from ui.api_input import MAX_HISTORY_TURNS, BadApiInput, api_question, api_turns

QUESTION = "Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?"

BAD_HISTORIES = [
    ("abc", "đã nhận một chuỗi"),
    ({"role": "user", "content": "x"}, "đã nhận một đối tượng"),
    (42, "đã nhận một số"),
    ([1, 2], "Lượt thứ 1 của history là một số"),
    ([["user", "Xã họp mấy lần?"]], "Lượt thứ 1 của history là một danh sách"),
    ([{"role": "user"}], "content là null"),
    ([{"role": "user", "content": {"x": 1}}], "content là một đối tượng"),
    ([{"role": "bot", "content": "x"}], 'role "bot"'),
    ([{"content": "x"}], "role None"),
    ([{"role": "user", "content": "ok"}, "sai"], "Lượt thứ 2 của history là một chuỗi"),
]
BAD_QUESTIONS = [
    (None, "không phải null"),
    (123, "không phải một số"),
    (["Xã họp mấy lần?"], "không phải một danh sách"),
    ("   ", "Câu hỏi trống"),
    ("x" * 2001, "quá giới hạn 2000 ký tự"),
]


@pytest.mark.parametrize("history, said", BAD_HISTORIES)
def test_a_malformed_history_is_refused_with_what_is_wrong(history, said):
    with pytest.raises(BadApiInput) as caught:
        api_turns(history)
    assert said in str(caught.value)


@pytest.mark.parametrize("question, said", BAD_QUESTIONS)
def test_a_malformed_question_is_refused_with_what_is_wrong(question, said):
    with pytest.raises(BadApiInput) as caught:
        api_question(question)
    assert said in str(caught.value)


def test_good_history_passes_and_a_long_one_keeps_its_last_turns():
    assert api_turns(None) == [] and api_turns([]) == []
    long = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"lượt {i}"} for i in range(120)]
    turns = api_turns(long)
    assert len(turns) == MAX_HISTORY_TURNS and turns[-1] == rag.Turn("assistant", "lượt 119")
    assert api_turns([{"role": "user", "content": "a" * 50000}])[0].content == "a" * 20000


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app with its API on a free 127.0.0.1 port, over the sample corpus."""
    import app
    from gradio_client import Client
    from ui.api import Api

    data = tmp_path_factory.mktemp("served")
    settings = rag.Settings.from_env().replace(data_dir=data)
    embedder = HashingEmbedder()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with rag.open_store(settings) as store:
        ingest.sync(settings, [app.Path("corpus")], store=store, embedder=embedder)
        pipe = rag.Pipeline(settings, store=store, embedder=embedder)
        demo = app.build_app(pipe, api=Api(settings, store, embedder, pipe))
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
        try:
            yield Client(f"http://127.0.0.1:{port}/", verbose=False)
        finally:
            demo.close()


@pytest.mark.parametrize("history, said", BAD_HISTORIES[:6] + BAD_HISTORIES[-2:])
def test_served_answer_refuses_bad_history_in_vietnamese_without_traceback(served, capfd, caplog, history, said):
    from gradio_client.exceptions import AppError

    caplog.set_level(logging.INFO)
    with pytest.raises(AppError) as caught:
        served.predict(QUESTION, history, api_name="/answer")
    assert said in str(caught.value) and "upstream" not in str(caught.value)
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err + caplog.text
    assert all(r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize("question, said", BAD_QUESTIONS)
def test_served_answer_refuses_bad_question_in_vietnamese_without_traceback(served, capfd, question, said):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        served.predict(question, [], api_name="/answer")
    assert said in str(caught.value)
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err


def test_served_answer_still_answers_good_input(served):
    answer = json.loads(served.predict(QUESTION, [{"role": "user", "content": "Xã họp mấy lần?"},
                                                  {"role": "assistant", "content": "Mỗi quý một lần."}],
                                       api_name="/answer"))
    assert answer["question"] == QUESTION and "text" in answer
    assert json.loads(served.predict(QUESTION, None, api_name="/answer"))["question"] == QUESTION
