"""Diacritic restoration for questions typed on a bare keyboard (``xa phai cong khai``).

A syllable bigram model is learned from the indexed corpus itself (the titles and
texts in the collection), and Viterbi picks the most likely accented form of each
bare syllable; syllables the user typed with diacritics are kept as typed. The
restored question only feeds the dense leg (which cannot read unaccented
Vietnamese); the lexical leg keeps matching what was typed, so a wrong guess here
never removes the unaccented match.

Scoring: interpolated bigram, ``P(w | v) = λ·c(v w)/c(v) + (1-λ)·(c(w)+1)/(N+V)``
(Jelinek–Mercer smoothing, Jurafsky & Martin, *Speech and Language Processing*, 3rd
ed., ch. 3); the start and end of a sentence and any non-letter token are boundaries.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rag.text import has_diacritics, normalize, strip_accents

#: Bumped whenever the model's training or file layout changes (part of the cache key).
MODEL_VERSION = 2
LAMBDA = 0.8
MAX_FORMS = 8
_BOUNDARY = "<s>"
#: Everyday question wording that official texts rarely contain ("mấy", "bao lâu", "thì sao"),
#: added to every model so questions are restored in the register people ask in.
SEED = """bao nhiêu. bao lâu. bao giờ. mấy ngày. mấy người. mấy lần. có mấy. là bao nhiêu. là bao lâu.
khi nào. lúc nào. ở đâu. ai. cái gì. là gì. như thế nào. thế nào. làm thế nào. làm sao. tại sao. vì sao.
có phải không. có được không. được không. có không. thì sao. thì thế nào. thì làm gì. còn thì sao.
xin hỏi. cho hỏi. tôi muốn hỏi. muốn biết. cần làm gì. phải làm gì. cần những gì. gồm những gì.
họp dân. họp thôn. đi họp. cuộc họp. nếu thì. rồi thì. mà không. đã chưa. có cần không. hay không.
trong bao lâu. tối đa bao nhiêu. tối thiểu bao nhiêu. ít nhất bao nhiêu. nhiều nhất bao nhiêu. mất bao lâu.
hằng năm. hằng tháng. mỗi năm mấy lần. một năm mấy lần. bà con. người dân hỏi. dân hỏi."""
SEED_WEIGHT = 5
_TOKEN = re.compile(r"[^\W_]+(?:[./-][^\W_]+)*|[.!?;:,()\n]", re.UNICODE)
_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)


class Restorer:
    """Most likely accented form of a partly or wholly unaccented text.

    >>> r = Restorer.train(["Xã phải công khai thông tin.", "Công dân có quyền khiếu nại."] * 3)
    >>> r.restore("xa phai cong khai thong tin")
    'xã phải công khai thông tin'
    >>> r.restore("Cong dan co quyen khiếu nai")
    'Công dân có quyền khiếu nại'
    """

    def __init__(self, unigrams: dict[str, int], bigrams: dict[str, int]) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.total = sum(unigrams.values())
        self.vocab = len(unigrams) + 1
        self.context = Counter()  # c(v) as a left context
        forms: dict[str, list[str]] = {}
        for pair, count in bigrams.items():
            self.context[pair.split(" ", 1)[0]] += count
        for word in sorted(unigrams, key=unigrams.get, reverse=True):
            if word != _BOUNDARY:
                forms.setdefault(strip_accents(word), []).append(word)
        self.forms = {bare: ws[:MAX_FORMS] for bare, ws in forms.items()}

    # -- building ------------------------------------------------------------

    @classmethod
    def train(cls, texts: Iterable[str], seed: bool = True) -> Restorer:
        """Count syllables and syllable pairs of ``texts`` (lower-cased, normalised), plus :data:`SEED`."""
        unigrams: Counter[str] = Counter()
        bigrams: Counter[str] = Counter()
        for text in texts:
            _count(text, unigrams, bigrams)
        for _ in range(SEED_WEIGHT if seed else 0):
            _count(SEED, unigrams, bigrams)
        return cls(dict(unigrams), dict(bigrams))

    def save(self, path: Path) -> None:
        """Write the counts as JSON (a few MB for a corpus of thousands of passages)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": MODEL_VERSION, "unigrams": self.unigrams, "bigrams": self.bigrams},
                                  ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Restorer | None:
        """The model saved at ``path``, or ``None`` when it is missing, unreadable or of another version."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("version") != MODEL_VERSION:
            return None
        return cls(data["unigrams"], data["bigrams"])

    # -- restoring -----------------------------------------------------------

    def _logp(self, prev: str, word: str) -> float:
        uni = (self.unigrams.get(word, 0) + 1) / (self.total + self.vocab)
        ctx = self.context.get(prev, 0)
        bi = self.bigrams.get(f"{prev} {word}", 0) / ctx if ctx else 0.0
        return math.log(LAMBDA * bi + (1 - LAMBDA) * uni)

    def candidates(self, word: str) -> list[str]:
        """Accented forms a typed syllable may stand for (itself if typed with marks or unknown)."""
        if has_diacritics(word) or not _SYLLABLE.fullmatch(word):
            return [word]
        return self.forms.get(word, [word])

    def restore_words(self, words: list[str]) -> list[str]:
        """Viterbi over lower-case syllables; non-letter tokens are boundaries and pass through."""
        out: list[str] = []
        run: list[str] = []
        for word in words + [_BOUNDARY]:
            if word != _BOUNDARY and _SYLLABLE.fullmatch(word):
                run.append(word)
                continue
            out.extend(self._viterbi(run))
            run = []
            if word != _BOUNDARY:
                out.append(word)
        return out

    def _viterbi(self, run: list[str]) -> list[str]:
        if not run:
            return []
        beams: dict[str, tuple[float, list[str]]] = {_BOUNDARY: (0.0, [])}
        for word in run:
            nxt: dict[str, tuple[float, list[str]]] = {}
            for cand in self.candidates(word):
                score, path = max(((s + self._logp(p, cand), path) for p, (s, path) in beams.items()), key=lambda x: x[0])
                nxt[cand] = (score, path + [cand])
            beams = nxt
        return max(((s + self._logp(p, _BOUNDARY), path) for p, (s, path) in beams.items()), key=lambda x: x[0])[1]

    def restore(self, text: str) -> str:
        """``text`` (normalised) with each bare syllable replaced by its most likely accented form.

        Case is kept (a capital initial stays capital); punctuation and numbers pass through.
        """
        text = normalize(text)
        spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        tokens = [text[a:b].lower() for a, b in spans]
        restored = self.restore_words(tokens)
        out, last = [], 0
        for (a, b), original, new in zip(spans, (text[a:b] for a, b in spans), restored):
            out.append(text[last:a])
            out.append(_with_case(new, original))
            last = b
        out.append(text[last:])
        return "".join(out)


def _count(text: str, unigrams: Counter[str], bigrams: Counter[str]) -> None:
    prev = _BOUNDARY
    for token in _tokens(normalize(text).lower()):
        word = token if _SYLLABLE.fullmatch(token) else _BOUNDARY
        if word != _BOUNDARY:
            unigrams[word] += 1
        if not (prev == _BOUNDARY and word == _BOUNDARY):
            bigrams[f"{prev} {word}"] += 1
        prev = word
    if prev != _BOUNDARY:
        bigrams[f"{prev} {_BOUNDARY}"] += 1


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _with_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
