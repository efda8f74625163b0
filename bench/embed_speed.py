"""Embedding speed and drift: fp32 against torch dynamic int8, batch sizes, in one run.

    python bench/embed_speed.py --passages 384

Passages are civic.jsonl chunks as ingest embeds them (title + heading + text, NFC).
Each variant embeds the same passages in the same process, variants interleaved
round by round (``--rounds``) so machine noise hits them alike; reported: median
passages/s, and for int8 the cosine of its vectors to fp32's (min, mean).
sentence-transformers' ONNX backend needs optimum, whose releases pin transformers < 5
(this project runs 5.24): it cannot be installed beside it. ``--onnx`` instead exports the model
with torch's own exporter and runs it in ONNX Runtime directly (``pip install onnxruntime onnx``
first; not a dependency of the project), with the same tokenizer, batch 8 and mean pooling.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import ingest  # noqa: E402
import rag  # noqa: E402
from ingest.chunk import index_text  # noqa: E402
from rag.embed import SentenceTransformerEmbedder  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=384)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--onnx", action="store_true", help="also ONNX Runtime fp32 (needs onnxruntime and onnx)")
    args = parser.parse_args()
    from rag.e5model import ensure_e5_model

    settings = rag.Settings.from_env()
    folder = ensure_e5_model(settings.models_path)
    docs = list(ingest.load_documents([SHARED / "corpus" / "civic.jsonl"]))
    chunks = [c for d in docs for c in ingest.chunk_document(d)]
    step = max(1, len(chunks) // args.passages)
    texts = [rag.normalize(index_text(c)) for c in chunks[::step][: args.passages]]
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{len(texts)} passages, {words:.0f} words on average", flush=True)

    variants = {
        "fp32, batch 32": SentenceTransformerEmbedder(folder, batch_size=32),
        "fp32, batch 8": SentenceTransformerEmbedder(folder, batch_size=8),
        "fp32, batch 128": SentenceTransformerEmbedder(folder, batch_size=128),
        "int8, batch 32": SentenceTransformerEmbedder(folder, batch_size=32, quantize="int8"),
        "int8 per channel, batch 8": _per_channel_int8(SentenceTransformerEmbedder(folder, batch_size=8)),
    }
    if args.onnx:
        variants["ONNX Runtime fp32, batch 8"] = _OnnxEmbedder(SentenceTransformerEmbedder(folder, batch_size=8))
    speed: dict[str, list[float]] = {k: [] for k in variants}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, emb in variants.items():
            t0 = time.perf_counter()
            out = emb.embed_passages(texts)
            speed[name].append(len(texts) / (time.perf_counter() - t0))
            vectors[name] = np.asarray(out)
    ref = vectors["fp32, batch 32"]
    print("\n| variant | passages/s (median of rounds) | ratio to fp32 b32 | cosine to fp32 (min / mean) |")
    print("|---|---|---|---|")
    base = statistics.median(speed["fp32, batch 32"])
    for name in variants:
        cos = (vectors[name] * ref).sum(axis=1)
        print(f"| {name} | {statistics.median(speed[name]):.1f} | {statistics.median(speed[name]) / base:.2f} | "
              f"{cos.min():.4f} / {cos.mean():.4f} |")


def _per_channel_int8(emb: SentenceTransformerEmbedder) -> SentenceTransformerEmbedder:
    """torch dynamic int8 with one scale per output channel (the default scales per tensor)."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    emb._model = quantize_dynamic(emb._model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)
    return emb


class _OnnxEmbedder:
    """The e5 encoder exported to ONNX (torch's TorchScript exporter) and run by ONNX Runtime, 2 threads."""

    def __init__(self, emb: SentenceTransformerEmbedder) -> None:
        import tempfile

        import onnxruntime as ort
        import torch

        self.tok, self.prefix, bert = emb._model.tokenizer, emb.passage_prefix, emb._model[0].auto_model.eval()
        path = str(Path(tempfile.mkdtemp(prefix="e5-onnx-")) / "e5.onnx")
        ids = self.tok(["passage: xã công khai"], return_tensors="pt")["input_ids"]
        axes = {"b": 0, "s": 1}
        torch.onnx.export(_Encoder(bert), (ids, torch.ones_like(ids), torch.zeros_like(ids)), path,
                          input_names=["ids", "mask", "types"], output_names=["hidden"], opset_version=17, dynamo=False,
                          dynamic_axes={n: {v: k for k, v in axes.items()} for n in ("ids", "mask", "types", "hidden")})
        options = ort.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        texts = [self.prefix + t for t in texts]
        order = np.argsort([-len(t) for t in texts])  # as sentence-transformers does: less padding
        out = np.zeros((len(texts), 384), np.float32)
        for i in range(0, len(texts), 8):
            idx = order[i:i + 8]
            enc = self.tok([texts[j] for j in idx], padding=True, truncation=True, max_length=512, return_tensors="np")
            ids = enc["input_ids"].astype(np.int64)
            mask = enc["attention_mask"].astype(np.int64)
            hidden = self.session.run(None, {"ids": ids, "mask": mask, "types": np.zeros_like(ids)})[0]
            vec = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[idx] = vec / np.linalg.norm(vec, axis=1, keepdims=True)
        return out.tolist()


def _Encoder(bert):
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids, mask, types):
            return self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    return Encoder()


if __name__ == "__main__":
    main()
