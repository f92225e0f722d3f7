"""The design, checked: which package may import which, no import cycles, and a storage layer
that knows nothing of Flask or click. docs/architecture.md explains the rules these enforce."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "intake_server"

# What each part of intake_server may import directly (besides itself and third-party code).
# Leaves import nothing of the package; `app` (the factory) may import everything.
ALLOWED = {
    "clinic": {"config"},
    "business_days": {"clinic", "config"},
    "config": set(),
    "extensions": set(),
    "logs": set(),
    "passwords": set(),
    "migrations": {"storage"},
    "storage": {"migrations", "passwords"},
    "web": {"clinic", "config", "extensions", "services", "storage"},
    "mail": {"config", "intake", "storage"},
    "exports": {"clinic", "intake", "storage"},
    "report": {"business_days", "intake", "storage"},
    "services": {"config", "mail", "storage", "web"},
    "intake": {"business_days", "clinic", "extensions", "services", "storage", "web"},
    "staff": {
        "business_days",
        "clinic",
        "config",
        "exports",
        "extensions",
        "intake",
        "report",
        "services",
        "storage",
    },
    "cli": {"business_days", "mail", "passwords", "report", "services", "storage"},
    "app": {
        "business_days",
        "cli",
        "config",
        "extensions",
        "intake",
        "logs",
        "services",
        "staff",
        "storage",
        "web",
    },
}
# Outside storage, code reaches storage through its package only: `from ..storage import X`.
STORAGE_SUBMODULE_USERS = {"intake_server.migrations.env"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str) -> set[str]:
    """Every module of the package that `name` imports, at the top or inside a function;
    imports only for type checkers do not run, so they do not count."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("intake_server"))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                if not base.startswith("intake_server"):
                    continue
                for alias in child.names:
                    # `from pkg import module` names a module; `from module import thing` does not.
                    target = f"{base}.{alias.name}"
                    found.add(target if target in MODULES else base)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    return found


def part(module: str) -> str:
    """The top-level part of the package a module belongs to: storage, staff, config..."""
    return module.split(".")[1] if "." in module else "app"


GRAPH = {name: imports_of(name) for name in MODULES}


def test_the_graph_sees_the_imports_it_should() -> None:
    # A check that finds nothing proves nothing: these edges exist and must be seen.
    assert "intake_server.services" in GRAPH["intake_server.intake.views"]
    assert "intake_server.storage" in GRAPH["intake_server.intake.views"]
    assert "intake_server.storage.audit" in GRAPH["intake_server.storage.work"]
    assert "intake_server.intake.views" in GRAPH["intake_server.intake"]  # inside register()
    assert len(MODULES) > 50


def test_each_part_imports_only_what_the_architecture_allows() -> None:
    assert set(ALLOWED) == {part(m) for m in MODULES}, "a new part needs a line in ALLOWED"
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if part(target) != part(name) and part(target) not in ALLOWED[part(name)]
    )
    assert wrong == []


def test_outside_storage_only_the_storage_package_is_imported() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if target.startswith("intake_server.storage.")
        and part(name) != "storage"
        and name not in STORAGE_SUBMODULE_USERS
    )
    assert wrong == []


def test_there_are_no_import_cycles() -> None:
    """Tarjan's strongly connected components: any component of more than one module is a
    cycle (the old pages.py <-> public.py would be one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
            if target not in GRAPH:
                continue
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            connect(node)
    assert cycles == []


def test_the_cycle_check_finds_a_cycle_when_there_is_one(monkeypatch) -> None:
    monkeypatch.setitem(
        GRAPH, "intake_server.web.site", GRAPH["intake_server.web.site"] | {"intake_server.app"}
    )
    with pytest.raises(AssertionError):
        test_there_are_no_import_cycles()


@pytest.mark.parametrize("forbidden", ["flask", "click", "flask_wtf", "flask_limiter"])
def test_storage_code_names_neither_flask_nor_click(forbidden: str) -> None:
    named = []
    for name, path in MODULES.items():
        if part(name) not in ("storage", "migrations"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named += [a.name for a in node.names if a.name.split(".")[0] == forbidden]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == (
                forbidden
            ):
                named.append(f"{name}: from {node.module}")
    assert named == []


def test_importing_storage_loads_neither_flask_nor_click() -> None:
    """The static check above, at run time: nothing storage imports pulls Flask in."""
    probe = "import sys, intake_server.storage\n" + (
        "print(sorted(m for m in ('flask', 'click') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_a_submission_and_its_notice_are_stored_without_any_app(tmp_path: Path) -> None:
    """The transaction never reads current_app: the notice hook was given its settings when the
    services were made, so storing works where there is no Flask app at all (a script, a job)."""
    from intake_server.config import load_settings
    from intake_server.services import Services
    from intake_server.storage import upgrade

    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    upgrade(url)
    settings = load_settings(
        tmp_path,
        {"INTAKE_ENV": "development", "DATABASE_URL": url, "INTAKE_INBOX": "intake@clinic.example"},
        env={},
    )
    services = Services.create(settings)
    receipt = services.submissions.add(
        "consultation", {"message": "hello"}, urgent=False, idempotency_key="k" * 24
    )
    assert receipt.created
    assert services.outbox.status().pending == 1
    services.engine.dispose()
