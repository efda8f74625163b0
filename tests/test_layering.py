"""The arrows of STYLE.md: corpus -> ingest -> Qdrant -> rag -> app/evals."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _package_imports(package: str) -> dict[Path, set[str]]:
    return {p: _imports(p) for p in (ROOT / package).rglob("*.py")}


def test_rag_imports_no_outer_layer_and_no_gradio():
    for path, names in _package_imports("rag").items():
        bad = {n for n in names if n.split(".")[0] in {"ingest", "evals", "app", "ui_render", "gradio", "train", "sklearn"}}
        assert not bad, f"{path} imports {bad}"


def test_ingest_uses_only_rag_leaf_modules():
    leaves = {"rag", "rag.config", "rag.types", "rag.text", "rag.errors", "rag.embed", "rag.store", "rag.store.base", "rag.store.client", "rag.store.edge", "rag.sparse", "rag.embed_cache", "rag.docstore"}
    for path, names in _package_imports("ingest").items():
        bad = {n for n in names if n.split(".")[0] in {"evals", "app", "ui_render", "gradio"}}
        bad |= {n for n in names if n.startswith("rag") and n not in leaves}
        assert not bad, f"{path} imports {bad}"


def test_app_and_evals_use_only_public_packages():
    ui = [ROOT / "app.py", ROOT / "ui_render.py"]
    targets = {p: _imports(p) for p in ui if p.exists()}
    targets |= _package_imports("evals")
    for path, names in targets.items():
        outer = {"rag", "ingest"} if path.parent.name == "evals" else {"rag", "ingest", "evals"}
        deep = {n for n in names if n.split(".")[0] in outer and "." in n}
        assert not deep, f"{path} reaches into {deep}; use what rag/, ingest/ and evals/__init__.py export"
        if path.name != "app.py":  # only app.py routes to widgets; the rendering and the harness stay plain
            assert "gradio" not in {n.split(".")[0] for n in names}, f"{path} imports gradio"
        if path.parent.name == "evals":
            assert not {n for n in names if n.split(".")[0] in {"app", "ui_render"}}, f"{path} imports the app"


def test_importing_rag_and_ingest_loads_no_heavy_library():
    code = "import rag, ingest, sys; print(sorted(m for m in ('torch','sentence_transformers','gradio','transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
