"""The shape STYLE.md asks for: dependencies point one way; every module has a docstring."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "provenance"
LEAVES = {"errors", "model"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text())


def _imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_every_module_has_a_docstring():
    for path, tree in _modules():
        assert ast.get_docstring(tree), f"{path} has no module docstring"


def test_only_cli_imports_click_and_nothing_imports_cli():
    for path, tree in _modules():
        imports = _imports(tree)
        if path.stem != "cli":
            assert "click" not in imports, f"{path} imports click"
        assert "provenance.cli" not in imports, f"{path} imports the CLI"


def test_leaves_import_nothing_of_ours():
    for path, tree in _modules():
        if path.stem in LEAVES:
            ours = {name for name in _imports(tree) if name.startswith("provenance")}
            assert not ours, f"{path} imports {ours}"


def test_index_modules_layer_one_way():
    """``index_store`` (the SQLite file) < ``index`` (signing, segments, lookups) < ``index_scan`` (scans)."""
    imports = {path.relative_to(PACKAGE).as_posix(): _imports(tree) for path, tree in _modules()}
    store = {"provenance.pipeline", "provenance.index", "provenance.index_scan"} & imports["index_store.py"]
    assert not store, f"index_store.py imports {store}"
    assert "provenance.index_scan" not in imports["index.py"], "index.py imports index_scan"
