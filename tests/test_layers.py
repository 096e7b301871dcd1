"""The layers hold: the domain is plain Python, and only the store talks to TinyDB.

Read with ``ast`` (nothing is imported), so an import inside a function, a relative
import (``from ..store import repo``) and ``importlib.import_module("textual")`` all count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "callroom"
DOMAIN = PACKAGE / "domain"
STORE = PACKAGE / "store"

DOMAIN_FORBIDDEN = ("textual", "rich", "tinydb", "callroom.store", "callroom.ui", "callroom.importers", "callroom.cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module a source file imports, relative imports resolved against ``module``."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)  # 'from callroom import store'
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def hits(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden))


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def scan(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


DOMAIN_FILES = python_files(DOMAIN)


def test_the_domain_modules_are_found():
    names = {p.stem for p in DOMAIN_FILES}
    assert {"codes", "money", "models", "policy", "aging", "promises", "schedule", "phones", "queue", "script", "drafts", "clock"} <= names


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: p.name)
def test_domain_module_is_plain_python(path):
    assert hits(scan(path), DOMAIN_FORBIDDEN) == [], f"{path.relative_to(SRC)} imports a UI/storage layer"


def test_only_the_store_imports_tinydb():
    offenders = {
        str(p.relative_to(SRC)): hits(scan(p), ("tinydb",))
        for p in python_files(PACKAGE)
        if STORE not in p.parents
    }
    assert {k: v for k, v in offenders.items() if v} == {}


# The checker itself must be able to fail: each of these would slip past a naive scan.
@pytest.mark.parametrize(
    "source, module, expected",
    [
        ("import textual.app", "callroom.domain.queue", ["textual.app"]),
        ("from rich.text import Text", "callroom.domain.script", ["rich.text", "rich.text.Text"]),
        ("def f():\n    import tinydb\n", "callroom.domain.money", ["tinydb"]),
        ("from ..store import repo", "callroom.domain.queue", ["callroom.store", "callroom.store.repo"]),
        ("from ..store.repo import Store", "callroom.domain.queue", ["callroom.store.repo", "callroom.store.repo.Store"]),
        ("from .. import ui", "callroom.domain.drafts", ["callroom.ui"]),
        ("from callroom import cli", "callroom.domain.codes", ["callroom.cli"]),
        ("import importlib\nimportlib.import_module('callroom.importers.csv')", "callroom.domain.codes", ["callroom.importers.csv"]),
        ("from . import money\nfrom .codes import Stage\nimport richtext", "callroom.domain.queue", []),
        ("from ..store import repo", "callroom.domain", ["callroom.store", "callroom.store.repo"]),  # in domain/__init__.py
    ],
)
def test_the_checker_resolves_imports(source, module, expected):
    is_package = module == "callroom.domain"
    assert hits(imported_modules(source, module, is_package), DOMAIN_FORBIDDEN) == expected


FRONT_FORBIDDEN = ("callroom.store", "callroom.importers", "tinydb")


@pytest.mark.parametrize("front", ["ui", "cli"])
def test_screens_and_commands_reach_the_ledger_only_through_services(front):
    files = python_files(PACKAGE / front)
    assert len(files) >= 5
    offenders = {str(p.relative_to(SRC)): hits(scan(p), FRONT_FORBIDDEN) for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


CLI_FAMILIES = ("session", "calls", "payments", "imports", "settings", "reports", "data")


def test_command_families_import_the_base_never_each_other():
    for name in CLI_FAMILIES:
        path = PACKAGE / "cli" / f"{name}.py"
        others = tuple(f"callroom.cli.{o}" for o in CLI_FAMILIES if o != name) + ("callroom.cli",)
        found = [m for m in scan(path) if m in others or any(m.startswith(o + ".") for o in others[:-1])]
        assert found == [], f"cli/{name}.py imports {found}"


def test_every_command_is_registered_from_its_family_module():
    import click

    from callroom.cli import main

    ctx = click.Context(main)
    where = {name: main.get_command(ctx, name).callback.__module__ for name in main.list_commands(ctx)}
    assert len(where) == 22
    assert where["log"] == "callroom.cli.calls"
    assert where["pay"] == "callroom.cli.payments"
    assert where["import"] == "callroom.cli.imports"
    assert where["restore"] == "callroom.cli.data"
    assert all(m.startswith("callroom.cli.") and m != "callroom.cli.base" for m in where.values())
