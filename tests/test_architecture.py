"""The layout is the design: data -> model -> tagging -> training -> evaluation -> comparison
-> presentation -> api -> server / cli. Imports only run downwards, never in a circle (read from
the source with `ast`, type-checking imports and imports inside functions included); library
code neither prints, nor exits, nor reads the command line; and each command of the CLI is
short: its options, one call into the library, printing."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "posattn"

LAYERS = [
    (
        "posattn.version",
        "posattn.errors",
        "posattn.files",
        "posattn.config",
        "posattn.run_folder",
        "posattn.headers",
        "posattn.catalog",
    ),
    ("posattn.data",),
    ("posattn.model",),
    ("posattn.tagging",),
    ("posattn.training",),
    ("posattn.evaluation",),
    ("posattn.comparison",),
    ("posattn.presentation",),
    ("posattn.api",),
    ("posattn.server",),
    ("posattn.cli", "posattn.__main__"),
]
LIBRARY_LAYERS = 7
"""The layers below presentation: they return results and raise PosattnError, they never talk
to the terminal themselves."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def layer_of(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def imported_modules(module: str) -> set[str]:
    """The posattn modules `module` imports."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from posattn import api` imports the module posattn.api (and runs posattn's
            # __init__, which imports nothing of its own); `from posattn.x import y`, posattn.x.
            submodules = [f"{node.module}.{a.name}" for a in node.names]
            names = [m for m in submodules if m in MODULES] or [node.module]
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def package_parts(module: str) -> set[str]:
    """A subpackage's __init__ and its children import each other by design."""
    return {m for m in MODULES if m.startswith(module + ".")} if module != "posattn" else set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "posattn"))
def test_imports_only_run_downwards(module: str) -> None:
    for target in imported_modules(module) - package_parts(module):
        assert layer_of(target) <= layer_of(module), f"{module} imports {target}, a higher layer"


def test_no_module_imports_another_in_a_circle() -> None:
    graph = {m: imported_modules(m) - package_parts(m) for m in MODULES if m != "posattn"}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a circle


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if m != "posattn" and layer_of(m) < LIBRARY_LAYERS)
)
def test_library_code_does_not_print_exit_or_read_argv(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in ("print", "exit", "quit", "input"), module
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in (("sys", "argv"), ("sys", "exit")), module
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            assert not any(n.split(".")[0] in ("typer", "click") for n in names), module


def test_import_posattn_loads_no_torch() -> None:
    code = "import sys, posattn; posattn.PosattnError; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def command_functions() -> list[ast.FunctionDef]:
    tree = ast.parse(MODULES["posattn.cli"].read_text(encoding="utf-8"))
    return [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("command" in ast.unparse(decorator) for decorator in node.decorator_list)
    ]


@pytest.mark.parametrize("command", command_functions(), ids=lambda node: node.name)
def test_each_command_is_short(command: ast.FunctionDef) -> None:
    """At most 50 lines with its signature, and a body of at most 25 after its docstring."""
    assert command.end_lineno is not None
    assert command.end_lineno - command.lineno + 1 <= 50
    body = command.body[1:] if ast.get_docstring(command) else command.body
    assert body[-1].end_lineno is not None
    assert body[-1].end_lineno - body[0].lineno + 1 <= 25
