"""The folder layout is the architecture: who may import what."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lobstr_tui"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            prefix = "lobstr_tui." if node.level else ""
            names.add(prefix + node.module if not node.level else f"relative:{node.module}")
    return names


@pytest.mark.parametrize("layer", ["api", "monitor", "sim"])
def test_ui_free_layers_never_import_textual(layer: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _imports(path)
                                               if n.split(".")[0] in ("textual", "rich"))
        for path in (PACKAGE / layer).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert any((PACKAGE / layer).rglob("*.py")), f"{layer}/ has no modules"


def test_ui_never_imports_the_simulator() -> None:
    offenders = [str(p) for p in (PACKAGE / "ui").rglob("*.py")
                 if any(n.startswith("lobstr_tui.sim") or "relative:sim" in n
                        for n in _imports(p))]
    assert offenders == []


def test_api_never_imports_monitor_or_ui() -> None:
    offenders = [str(p) for p in (PACKAGE / "api").rglob("*.py")
                 if any(n.startswith(("lobstr_tui.monitor", "lobstr_tui.ui", "lobstr_tui.sim"))
                        for n in _imports(p))]
    assert offenders == []


def test_tcss_uses_theme_variables_not_hex() -> None:
    import re

    offenders = [str(p) for p in PACKAGE.rglob("*.tcss")
                 if re.search(r"#[0-9a-fA-F]{3,8}\b", p.read_text())]
    assert offenders == []
