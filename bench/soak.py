"""Soak: many short sessions of UI events and API calls against the app, its RSS sampled over time.

    python bench/soak.py --out bench/soak-after.json --png bench/soak.png      # starts app.py itself
    python bench/soak.py --url http://127.0.0.1:7860/ --pid 12345             # an app already running

Each session is a new Gradio session (a fresh session hash, as a new browser tab or a new
``gradio_client.Client`` is). A share ``--light`` of them only open the filters and clear (a
tab opened and left); the others do what an officer's tab and a script do: one to three
chat questions through the "Hỏi đáp" tab's own event (a follow-up among them, the
conversation kept in the session's ``gr.State``), opening the filters (``/fresh_choices``),
opening a cited document ("Xem văn bản", ``/open_view``), clearing the conversation, and
``/answer`` API calls with and without history, one of them malformed. ``--workers``
sessions run at once. It stops after ``--sessions`` sessions or ``--minutes``, whichever
comes first (at most 5,000 sessions and 15 minutes), and only ever contacts 127.0.0.1.

The app's RSS (``/proc/<pid>/status``) is sampled every ``--every`` seconds with the calls
and sessions done so far; ``--out`` gets the samples as JSON, ``--png`` their curve (several
JSON files given to ``--plot`` are drawn on one picture: before and after a fix).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
MAX_SESSIONS, MAX_MINUTES = 5000, 15.0
QUESTIONS = [
    "Ủy ban nhân dân xã phải công khai thông tin chậm nhất bao nhiêu ngày?",
    "UBND xa va Mat tran xa hop lien tich bao lau mot lan?",
    "Mỗi xã phải đăng ký bao nhiêu mô hình Dân vận khéo?",
    "Sáu tháng đầu năm 2026 đã giải quyết bao nhiêu kiến nghị của Nhân dân?",
    "Kế hoạch 15-KH/BDVTU có những nhiệm vụ trọng tâm nào?",
    "Báo cáo có những hạn chế gì?",
    "Quy chế phối hợp quy định về vấn đề gì?",
    "Giá vàng hôm nay bao nhiêu?",
]
FOLLOW_UPS = ["Còn phường thì sao?", "Thời hạn là bao lâu?", "Ai chịu trách nhiệm?"]


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(data_dir: Path, port: int, model_dir: str, log_path: Path) -> subprocess.Popen:
    """``app.py`` on 127.0.0.1:``port`` over the sample corpus, its output to ``log_path``; waits until it serves."""
    env = {**os.environ, "DANVAN_DATA_DIR": str(data_dir), "DANVAN_PORT": str(port), "DANVAN_HOST": "127.0.0.1",
           "DANVAN_CORPUS_DIR": str(ROOT / "corpus"), "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("DANVAN_USERS_FILE", None)
    if model_dir:
        env["DANVAN_MODEL_DIR"] = model_dir
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w", encoding="utf-8")
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise SystemExit(f"the app exited ({app.returncode}); see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return app
        except OSError:
            time.sleep(0.5)
    app.kill()
    raise SystemExit(f"the app did not start in 10 minutes; see {log_path}")


class Soak:
    """Runs the sessions and samples the app's memory."""

    def __init__(self, url: str, pid: int, sessions: int, workers: int, minutes: float, every: float,
                 seed: int = 7, light: float = 0.6) -> None:
        self.url, self.pid, self.sessions, self.workers = url, pid, sessions, workers
        self.light = light
        self.deadline = time.monotonic() + minutes * 60
        self.every, self.seed = every, seed
        self.lock = threading.Lock()
        self.started = self.done = self.calls = 0
        self.errors: dict[str, int] = {}
        self.samples: list[dict] = []
        self.t0 = time.monotonic()

    def _next(self) -> int | None:
        with self.lock:
            if self.started >= self.sessions or time.monotonic() >= self.deadline:
                return None
            self.started += 1
            return self.started

    def _call(self, client, *args, api_name: str, expect_error: bool = False):
        from gradio_client.exceptions import AppError

        try:
            return client.predict(*args, api_name=api_name)
        except AppError as exc:
            if not expect_error:
                self._error(f"{api_name}: {str(exc)[:80]}")
        except Exception as exc:  # a broken connection, a timeout: counted, the soak goes on
            self._error(f"{api_name}: {type(exc).__name__}")
        finally:
            with self.lock:
                self.calls += 1
        return None

    def _error(self, key: str) -> None:
        with self.lock:
            self.errors[key] = self.errors.get(key, 0) + 1

    def _session(self, client, rng: random.Random) -> None:
        client.reset_session()  # a new tab: a new Gradio session with its own gr.State
        if rng.random() < self.light:  # a tab opened, its filters looked at, closed: no question
            self._call(client, api_name="/fresh_choices")
            self._call(client, api_name="/clear")
            return
        for turn in range(rng.randint(1, 3)):
            question = rng.choice(QUESTIONS) if turn == 0 else rng.choice(FOLLOW_UPS)
            self._call(client, question, [], [], None, None, api_name="/ask")
            if rng.random() < 0.5:
                self._call(client, f"{turn}:1", api_name="/open_view")
        if rng.random() < 0.7:
            self._call(client, api_name="/fresh_choices")
        question = rng.choice(QUESTIONS)
        history = [] if rng.random() < 0.5 else [{"role": "user", "content": rng.choice(QUESTIONS)},
                                                 {"role": "assistant", "content": "Mỗi quý một lần."}]
        self._call(client, question, history, api_name="/answer")
        if rng.random() < 0.2:
            self._call(client, question, [["user", "sai"]], api_name="/answer", expect_error=True)
        if rng.random() < 0.3:
            self._call(client, api_name="/clear")

    def _worker(self, n: int) -> None:
        from gradio_client import Client

        rng = random.Random(self.seed * 1000 + n)
        client = None
        while self._next() is not None:
            try:
                client = client or Client(self.url, verbose=False, httpx_kwargs={"timeout": 120})  # config once per worker
                self._session(client, rng)
            except Exception as exc:  # the app too busy to send its config: counted, the worker goes on
                self._error(f"session: {type(exc).__name__}")
            with self.lock:
                self.done += 1

    def _sample(self) -> None:
        with self.lock:
            self.samples.append({"t": round(time.monotonic() - self.t0, 1), "rss_mb": round(rss_mb(self.pid), 1),
                                 "sessions": self.done, "calls": self.calls})

    def run(self) -> dict:
        self._sample()
        threads = [threading.Thread(target=self._worker, args=(n,), daemon=True) for n in range(self.workers)]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            time.sleep(min(self.every, 1.0))
            if time.monotonic() - self.t0 >= self.every * len(self.samples):
                self._sample()
        self._sample()
        first, last = self.samples[0], self.samples[-1]
        return {"sessions": self.done, "calls": self.calls, "seconds": last["t"], "errors": self.errors,
                "rss_start_mb": first["rss_mb"], "rss_end_mb": last["rss_mb"],
                "rss_peak_mb": max(s["rss_mb"] for s in self.samples), "samples": self.samples}


def plot(results: list[tuple[str, dict]], png: Path) -> None:
    """The RSS curves of one or more soak results (label, JSON) against sessions done."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for label, result in results:
        samples = result["samples"]
        ax.plot([s["sessions"] for s in samples], [s["rss_mb"] for s in samples], marker=".", label=label)
    ax.set_xlabel("sessions done (a share only open the filters; the others ask 1-3 questions, open sources, call /answer)")
    ax.set_ylabel("app RSS (MB)")
    ax.set_title("bench/soak.py: app memory over sessions")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="", help="an app already running on 127.0.0.1 (needs --pid)")
    parser.add_argument("--pid", type=int, default=0, help="process id of that app, for its RSS")
    parser.add_argument("--data-dir", type=Path, help="data dir of the app this script starts (default: a temp dir)")
    parser.add_argument("--model-dir", default=str(ROOT / "data" / "models"),
                        help="converted models to reuse (default data/models; empty: the data dir's own)")
    parser.add_argument("--sessions", type=int, default=600)
    parser.add_argument("--workers", type=int, default=8, help="sessions at once")
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between RSS samples")
    parser.add_argument("--light", type=float, default=0.6,
                        help="share of sessions that only open the filters and clear (no question)")
    parser.add_argument("--label", default="", help="name of this run in the picture")
    parser.add_argument("--out", type=Path, help="write the samples and totals as JSON")
    parser.add_argument("--png", type=Path, help="draw the RSS curve (of --plot files, else of this run)")
    parser.add_argument("--plot", type=Path, nargs="*", default=[], help="only draw these earlier results")
    args = parser.parse_args(argv)
    if args.plot:
        plot([(json.loads(p.read_text())["label"], json.loads(p.read_text())) for p in args.plot], args.png)
        return 0
    if not 1 <= args.sessions <= MAX_SESSIONS or not 0 < args.minutes <= MAX_MINUTES:
        raise SystemExit(f"--sessions 1..{MAX_SESSIONS} and --minutes up to {MAX_MINUTES:g}: the soak is bounded")
    app = None
    if args.url:
        if urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("the soak only ever contacts this machine (127.0.0.1)")
        if not args.pid:
            raise SystemExit("--url needs --pid (the app's process id, for its RSS)")
        url, pid = args.url, args.pid
    else:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="danvan-soak-"))
        port = free_port()
        app = start_app(data_dir, port, args.model_dir, data_dir / "soak-app.log")
        url, pid = f"http://127.0.0.1:{port}/", app.pid
    try:
        from gradio_client import Client

        Client(url, verbose=False).predict(QUESTIONS[0], [], api_name="/answer")  # warm: model and catalog
        time.sleep(2)
        result = Soak(url, pid, args.sessions, args.workers, args.minutes, args.every, light=args.light).run()
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(60)
            except subprocess.TimeoutExpired:
                app.kill()
    result["label"] = args.label or (args.out.stem if args.out else "soak")
    result["command"] = "python bench/soak.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"{result['sessions']} sessions, {result['calls']} calls in {result['seconds']:.0f} s; RSS "
          f"{result['rss_start_mb']:.0f} -> {result['rss_end_mb']:.0f} MB (peak {result['rss_peak_mb']:.0f}); "
          f"errors: {sum(result['errors'].values())} {result['errors'] or ''}")
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.png:
        plot([(result["label"], result)], args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
