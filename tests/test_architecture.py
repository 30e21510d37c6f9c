"""The package's shape: no import circles, and a setting is one row of the settings table."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import fcnn_widget

PACKAGE = Path(fcnn_widget.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every module of the package -> the package modules it imports (anywhere in it,
    including imports inside functions: a lazy import is still a dependency)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                candidates = [target] + [f"{target}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {c for c in candidates if c in modules and c != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_has_no_circle():
    graph = import_graph()
    # A package's __init__ re-exports its modules: an edge into it from its own modules is
    # the only circle Python resolves by design; none of our modules import their package.
    for name in graph:
        graph[name].discard("fcnn_widget")
    assert "fcnn_widget.widget" in graph and "fcnn_widget.standalone.collect" in graph
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_standalone_reads_no_widget():
    graph = import_graph()
    for name in graph:
        if name.startswith("fcnn_widget.standalone") or name in ("fcnn_widget.state",):
            assert "fcnn_widget.widget" not in graph[name], name


NEW_ROW = """
    Setting(
        "show_grid",
        False,
        _flag,
        "a throwaway setting: one row, nothing else",
        control="checkbox",
        label="grid",
        group="view",
    ),
"""


def test_a_new_setting_is_one_row(tmp_path):
    """Add one row to a copy of the package's table: the widget gets a synced, validated
    trait, Style a field, the exporters a keyword and the page a control."""
    copy = tmp_path / "fcnn_widget"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    table = copy / "settings.py"
    text = table.read_text(encoding="utf-8")
    anchor = "SETTINGS: tuple[Setting, ...] = (\n"
    assert anchor in text
    table.write_text(text.replace(anchor, anchor + NEW_ROW, 1), encoding="utf-8")
    script = textwrap.dedent(
        """
        import traitlets
        import fcnn_widget
        from fcnn_widget import FCNN, FCNNWidget, export, settings
        assert fcnn_widget.__file__.startswith(COPY), fcnn_widget.__file__
        w = FCNNWidget(FCNN([3], dataset="xor"), show_grid=True)
        assert w.show_grid is True and w.trait_metadata("show_grid", "sync")
        try:
            w.show_grid = "yes"
        except traitlets.TraitError as error:
            assert "show_grid" in str(error)
        else:
            raise AssertionError("a bad value was accepted")
        assert settings.make_style(show_grid=True).show_grid is True
        export.to_svg(FCNN([3], dataset="xor"), show_grid=True)
        row = [r for r in w._schema if r["name"] == "show_grid"]
        assert row and row[0]["control"] == "checkbox" and row[0]["group"] == "view", row
        print("ok")
        """
    ).replace("COPY", repr(str(copy)))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]
