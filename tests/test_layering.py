"""The house rules, read from the code's own imports: duckdb only in the store, streamlit only in
the UI, no SQL or subprocess in pages/, imports that run one way (cli/pages → ui → domain →
jobs → workspace → store), no cycle between modules or between packages, no module over 400
lines. Each rule is also run on a planted violation, so that it is known to be able to fail."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO

MAX_LINES = 400
# The layers from the bottom; a module may import its own layer and those below it.
LAYERS = (("synthqa.config", "synthqa.schema", "synthqa.prompts"), ("synthqa.store",),
          ("synthqa.workspace",), ("synthqa.jobs",), ("<domain>",), ("synthqa.ui",),
          ("synthqa.cli", "synthqa.__main__"))
FORBIDDEN = {"synthqa.sampling": "synthqa.lab"}   # lab uses sampling, never the reverse
SQL = re.compile(r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+(TABLE|VIEW|INDEX))\b", re.I | re.S)


@dataclass
class Module:
    name: str
    path: Path
    imports: set[str] = field(default_factory=set)     # every import, dotted
    lines: int = 0


def read_tree(root: Path) -> dict[str, Module]:
    """Every Python file under root/synthqa, root/pages and root/app.py, with its imports."""
    files = [*sorted((root / "synthqa").rglob("*.py")), *sorted((root / "pages").glob("*.py"))]
    files += [root / "app.py"] if (root / "app.py").exists() else []
    modules = {}
    for path in files:
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        text = path.read_text()
        module = Module(name, path, lines=text.count("\n"))
        for node in _runtime_nodes(ast.parse(text)):
            if isinstance(node, ast.Import):
                module.imports |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                module.imports |= {f"{node.module}.{a.name}" for a in node.names}
                module.imports.add(node.module)
        modules[name] = module
    return modules


def _runtime_nodes(tree: ast.AST):
    """Every node but those under `if TYPE_CHECKING:` (imports for type hints only)."""
    for node in ast.iter_child_nodes(tree):
        test = node.test if isinstance(node, ast.If) else None
        if test is not None and "TYPE_CHECKING" in ast.unparse(test):
            continue
        yield node
        yield from _runtime_nodes(node)


def synthqa_edges(modules: dict[str, Module]) -> dict[str, set[str]]:
    """module -> the synthqa modules it imports (a name imported from a module is that module)."""
    edges = {}
    for m in modules.values():
        targets = set()
        for imported in m.imports:
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != m.name and imported.startswith("synthqa"):
                targets.add(imported)
        edges[m.name] = targets
    return {m: {t for t in ts if not (t in m.split(".") or m.startswith(t + "."))}
            for m, ts in edges.items()}   # a module may use its own package's __init__


def layer(name: str) -> int:
    for rank, names in enumerate(LAYERS):
        if any(name == n or name.startswith(n + ".") for n in names):
            return rank
    return 99 if not name.startswith("synthqa") else LAYERS.index(("<domain>",))


def package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def violations(root: Path) -> list[str]:
    modules = read_tree(root)
    edges = synthqa_edges(modules)
    found = []
    for m in modules.values():
        where = m.path.relative_to(root)
        top = {i.split(".")[0] for i in m.imports}
        if "duckdb" in top and not m.name.startswith("synthqa.store"):
            found.append(f"{where}: imports duckdb outside synthqa/store/")
        if "streamlit" in top and not (m.name.startswith(("synthqa.ui", "pages"))
                                       or m.name == "app"):
            found.append(f"{where}: imports streamlit outside synthqa/ui/, pages/ and app.py")
        if m.name.startswith("pages") or m.name == "app":
            if "subprocess" in top:
                found.append(f"{where}: starts processes (subprocess) in the UI")
            if SQL.search(m.path.read_text()):
                found.append(f"{where}: SQL in the UI")
        if m.lines > MAX_LINES:
            found.append(f"{where}: {m.lines} lines (at most {MAX_LINES})")
        for target in sorted(edges.get(m.name, ())):
            if layer(target) > layer(m.name):
                found.append(f"{where}: imports {target}, a layer above it")
            for low, high in FORBIDDEN.items():
                if m.name.startswith(low) and target.startswith(high):
                    found.append(f"{where}: imports {target} ({high} uses {low}, not the "
                                 "reverse)")
    found += [f"import cycle: {' -> '.join(c)}" for c in cycles(edges)]
    packages = {}
    for source, targets in edges.items():
        packages.setdefault(package(source), set()).update(
            package(t) for t in targets if package(t) != package(source))
    found += [f"package cycle: {' -> '.join(c)}" for c in cycles(packages)]
    return found


def test_the_house_keeps_its_rules():
    assert violations(REPO) == []


def longest_chain(edges: dict[str, set[str]]) -> list[str]:
    """The longest run of imports (module -> module -> ...) in an acyclic import graph."""
    best: dict[str, list[str]] = {}

    def chain(m: str) -> list[str]:
        if m not in best:
            best[m] = [m] + max((chain(t) for t in edges.get(m, ())), key=len, default=[])
        return best[m]

    return max((chain(m) for m in edges), key=len, default=[])


def test_imports_are_at_most_fourteen_floors_deep():
    # 16 before the house was reordered into one package per concept (issue 25)
    edges = {m: t for m, t in synthqa_edges(read_tree(REPO)).items() if m.startswith("synthqa")}
    chain = longest_chain(edges)
    assert len(chain) <= 14, " -> ".join(chain)


def test_at_most_ten_modules_sit_directly_under_synthqa():
    loose = [p.name for p in (REPO / "synthqa").glob("*.py")
             if p.name not in ("__init__.py", "__main__.py")]
    assert len(loose) <= 10, loose


def _planted(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for name, text in {"synthqa/__init__.py": "", "synthqa/store/__init__.py": "",
                       "synthqa/ui/__init__.py": "", "synthqa/lab/__init__.py": "",
                       "synthqa/sampling/__init__.py": "", "pages/__init__.py": "",
                       **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return violations(tmp_path)


@pytest.mark.parametrize("files, expected", [
    ({"synthqa/lab/demo.py": "import duckdb\n"}, "imports duckdb outside synthqa/store/"),
    ({"synthqa/lab/demo.py": "import streamlit as st\n"}, "imports streamlit outside"),
    ({"pages/p.py": "import subprocess\n"}, "starts processes"),
    ({"pages/p.py": "q = 'SELECT count(*) FROM traces'\n"}, "SQL in the UI"),
    ({"synthqa/lab/big.py": "x = 1\n" * 401}, "401 lines"),
    ({"synthqa/store/core.py": "from synthqa.lab import demo\n", "synthqa/lab/demo.py": ""},
     "imports synthqa.lab.demo, a layer above it"),
    ({"synthqa/sampling/base.py": "from synthqa.lab.model import X\n",
      "synthqa/lab/model.py": ""}, "lab uses synthqa.sampling, not the reverse"),
    ({"synthqa/lab/a.py": "from synthqa.lab import b\n",
      "synthqa/lab/b.py": "def f():\n    from synthqa.lab import a\n"}, "import cycle"),
    ({"synthqa/lab/a.py": "from synthqa.sampling import b\n",
      "synthqa/sampling/b.py": "from synthqa.lab import c\n", "synthqa/lab/c.py": ""},
     "package cycle"),
])
def test_each_rule_fails_on_a_planted_violation(tmp_path, files, expected):
    found = _planted(tmp_path, files)
    assert any(expected in v for v in found), found


def test_a_clean_planted_tree_passes(tmp_path):
    assert _planted(tmp_path, {"synthqa/store/core.py": "import duckdb\n",
                               "synthqa/lab/demo.py": "from synthqa.sampling import base\n",
                               "synthqa/sampling/base.py": "from synthqa.store import core\n",
                               "pages/p.py": "import streamlit as st\n"}) == []
