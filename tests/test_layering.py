"""The layers point one way: ui -> services -> store -> domain, export -> domain; Qt only in ui/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "therapist_desk"

# What each layer may import from the app (top-level helper modules are open to everyone).
ALLOWED: dict[str, set[str]] = {
    "domain": {"domain"},
    "store": {"store", "domain"},
    "export": {"export", "domain"},
    "services": {"services", "store", "domain", "export"},
    "ui": {"ui", "services", "domain", "export"},
}
SHARED = {"resources", "paths", "logs", "__init__"}  # leaf helpers: import no layer themselves
GUI_ENTRY = {"app.py", "__main__.py"}
THIRD_PARTY_BANNED: dict[str, set[str]] = {
    "domain": {"sqlalchemy", "PySide6", "reportlab", "sqlcipher3", "alembic"},
    "store": {"PySide6", "reportlab"},
    "export": {"sqlalchemy", "PySide6", "sqlcipher3", "alembic"},
    "services": {"PySide6"},
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: use absolute imports (therapist_desk.x), not relative ones")
    return names


def _layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_package_has_the_layers() -> None:
    for layer in ALLOWED:
        assert (PACKAGE / layer / "__init__.py").is_file(), layer


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path: Path) -> None:
    layer = _layer_of(path)
    wrong = []
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "PySide6" and layer != "ui" and path.name not in GUI_ENTRY:
            wrong.append(name)
        if parts[0] in THIRD_PARTY_BANNED.get(layer, set()):
            wrong.append(name)
        if parts[0] != "therapist_desk" or len(parts) < 2:
            continue
        target = parts[1]
        if layer in ALLOWED:
            if target not in ALLOWED[layer] and target not in SHARED:
                wrong.append(name)
        elif layer in SHARED and target in ALLOWED:
            wrong.append(name)  # the shared helpers must stay leaves
    assert not wrong, f"{path.relative_to(PACKAGE)} imports the wrong way: {sorted(set(wrong))}"


def test_every_module_has_a_docstring() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in _modules()
               if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert not missing, f"modules without a one-line docstring: {missing}"


def test_checker_catches_a_wrong_way_import(tmp_path: Path) -> None:
    """The rule itself can fail: a domain module importing the store is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text('"""Bad."""\nfrom therapist_desk.store.models import Base\n', encoding="utf-8")
    assert "therapist_desk.store.models" in _imports(bad)
    assert "store" not in ALLOWED["domain"]
