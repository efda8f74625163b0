"""Shared fixtures: every test writes under tmp_path and nothing reaches a network."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import HashingEmbedder  # noqa: E402

import rag  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Data dir under tmp_path; no DANVAN_* from the developer's shell; no OpenAI fallback."""
    for key in list(os.environ):
        if key.startswith("DANVAN_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DANVAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture(autouse=True)
def _restore_root_logging():
    """CLI mains call logging.basicConfig, which binds a handler to the stderr pytest captures
    for that one test; later writes to the closed stream print "Logging error" noise."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def settings(tmp_path) -> rag.Settings:
    return rag.Settings.from_env()


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def store(settings):
    with rag.open_store(settings) as s:
        yield s


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """One converted e5 model for the whole test session (conversion and loading take ~20 s)."""
    from rag.e5model import ensure_e5_model

    base = Path(os.environ.get("DANVAN_TEST_MODEL_DIR") or tmp_path_factory.mktemp("models"))
    ensure_e5_model(base)
    return base


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


MINI_DOCS = [
    {
        "doc_id": "test:cong-khai",
        "title": "Quy chế thử nghiệm về công khai thông tin",
        "number": "01/QC-TEST",
        "issuer": "Ủy ban nhân dân xã Thử Nghiệm",
        "date": "05/01/2026",
        "type": "Quy chế",
        "text": "Điều 1. Thời hạn công khai\n1. Ủy ban nhân dân xã công khai thông tin chậm nhất là 05 ngày làm việc "
        "kể từ ngày có quyết định.\n2. Thời gian công khai ít nhất là 30 ngày liên tục.\n"
        "Điều 2. Hình thức công khai\nThông tin được niêm yết tại trụ sở Ủy ban nhân dân xã và nhà văn hóa thôn.",
    },
    {
        "doc_id": "test:hoa-giai",
        "title": "Hướng dẫn thử nghiệm về hòa giải ở cơ sở",
        "number": "02/HD-TEST",
        "issuer": "Ủy ban Mặt trận Tổ quốc xã Thử Nghiệm",
        "date": "10/02/2026",
        "type": "Hướng dẫn",
        "text": "Điều 1. Tổ hòa giải\nTổ hòa giải có từ 03 hòa giải viên trở lên, trong đó có hòa giải viên nữ.\n"
        "Điều 2. Bầu tổ trưởng\nTổ trưởng tổ hòa giải do các hòa giải viên bầu trong số các hòa giải viên.",
    },
    {
        "doc_id": "test:hop-dan",
        "title": "Kế hoạch thử nghiệm tổ chức hội nghị thôn",
        "number": "03/KH-TEST",
        "issuer": "Ủy ban nhân dân xã Thử Nghiệm",
        "date": "15/03/2026",
        "type": "Kế hoạch",
        "text": "I. Mục đích\nTổ chức hội nghị thôn để nhân dân bàn và quyết định các công việc của cộng đồng.\n"
        "II. Thời gian\nHội nghị thôn được tổ chức mỗi năm ít nhất một lần vào cuối năm; trưởng thôn triệu tập.",
    },
    {
        "doc_id": "test:tiep-dan",
        "title": "Nội quy thử nghiệm tiếp công dân",
        "number": "04/NQ-TEST",
        "issuer": "Ủy ban nhân dân xã Thử Nghiệm",
        "date": "20/04/2026",
        "type": "Nội quy",
        "text": "Điều 1. Lịch tiếp công dân\nChủ tịch Ủy ban nhân dân xã tiếp công dân ít nhất một ngày trong một tuần "
        "tại trụ sở tiếp công dân của xã.\nĐiều 2. Trách nhiệm\nNgười tiếp công dân phải có thái độ đúng mực, tôn trọng công dân.",
    },
]


@pytest.fixture
def mini_corpus(tmp_path) -> Path:
    """A four-document JSONL corpus in the shared data format."""
    import json

    path = tmp_path / "mini.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in MINI_DOCS) + "\n", encoding="utf-8")
    return path
