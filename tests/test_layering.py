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


def _module(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Each module of ``package`` -> the modules of ``package`` it imports.

    Every import statement counts, those inside functions too (they hide a circle from the
    interpreter, they do not break it); ``from rag import cite`` is ``rag.cite``, a relative import is
    resolved, and a package is its ``__init__`` (``from rag.answer import x`` in a part of
    ``rag.answer`` imports the ``__init__`` that imports that part).
    """
    files = {_module(root, p): p for p in (root / package).rglob("*.py")}
    graph = {}
    for name, path in files.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(here[: len(here) - node.level + 1] + [node.module or ""]).strip(".") \
                    if node.level else node.module
                found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names}
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def _circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` (its first module repeated at the end), or [] when it has none."""
    done, path = set(), []

    def visit(module: str) -> list[str]:
        path.append(module)
        for target in sorted(graph[module]):
            if target in path:
                return path[path.index(target):] + [target]
            if target not in done:
                circle = visit(target)
                if circle:
                    return circle
        done.add(path.pop())
        return []

    for module in sorted(graph):
        if module not in done:
            circle = visit(module)
            if circle:
                return circle
    return []


def test_rag_has_no_import_circle():
    """No module of rag imports, itself or through others, a module that imports it (rag.cite uses
    the refusal of rag.answer.refuse, which imports neither rag.cite nor another part of rag.answer)."""
    graph = _import_graph(ROOT, "rag")
    assert "rag.answer.refuse" in graph["rag.cite"]  # the graph sees the package's parts
    circle = _circle(graph)
    assert not circle, "import circle: " + " -> ".join(circle)


def test_the_circle_check_sees_imports_in_functions_relative_ones_and_a_package_init(tmp_path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "def f():\n    from pkg import b\n",
        "pkg/b.py": "from . import a\n",
        "pkg/sub/__init__.py": "from pkg.sub.part import x\n",
        "pkg/sub/part.py": "from pkg.sub import y\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = _import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.a"}
    assert graph["pkg.sub"] == {"pkg.sub.part"} and graph["pkg.sub.part"] == {"pkg.sub"}
    assert _circle(graph) == ["pkg.a", "pkg.b", "pkg.a"]
    assert _circle({"x": {"y"}, "y": set()}) == []
