"""danvan ``evals``: a deterministic eval harness for the cited-answer pipeline.

Measures what matters to an officer (is the right document found, is a
question outside the documents refused, do the citations hold) without an LLM
judge, writes IR-standard files (run file, qrels, per-question rows, metrics
JSON, an HTML report) and compares runs.

>>> import evals, rag
>>> metrics = evals.run_eval(rag.Settings.from_env(), "questions.jsonl", ["corpus/"], "runs/base")  # doctest: +SKIP
>>> report, regressed = evals.compare_dirs("runs/base", "runs/new")                              # doctest: +SKIP
"""

from evals.beir import BeirImport, import_beir
from evals.compare import MetricDelta, compare, compare_dirs
from evals.dataset import DatasetError, Example, load_dataset
from evals.judge import Judge, PromptJudge, Verdict
from evals.runner import run_eval

__all__ = [
    "BeirImport",
    "DatasetError",
    "Example",
    "Judge",
    "MetricDelta",
    "PromptJudge",
    "Verdict",
    "compare",
    "compare_dirs",
    "import_beir",
    "load_dataset",
    "run_eval",
]
