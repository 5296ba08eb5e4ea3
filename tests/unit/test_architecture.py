"""Style rules that import-linter cannot see (the import rules are contracts in
pyproject.toml, checked by `make lint`)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lobstr_tui"


def test_tcss_uses_theme_variables_not_hex() -> None:
    import re

    offenders = [str(p) for p in PACKAGE.rglob("*.tcss")
                 if re.search(r"#[0-9a-fA-F]{3,8}\b", p.read_text())]
    assert offenders == []


def test_no_module_is_over_500_lines_and_the_app_wires_in_300() -> None:
    sizes = {str(path.relative_to(PACKAGE)): len(path.read_text().splitlines())
             for path in PACKAGE.rglob("*.py")}
    assert len(sizes) > 100  # every module was read
    assert {name: lines for name, lines in sizes.items() if lines > 500} == {}
    assert sizes["ui/app.py"] <= 300


def test_the_tests_are_in_folders_by_kind() -> None:
    tests = PACKAGE.parent / "tests"
    assert sorted(p.name for p in tests.glob("test_*.py")) == []
    kinds = {p.name for p in tests.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert kinds == {"unit", "contract", "monitor", "ui", "e2e"}
    assert all(any((tests / kind).glob("test_*.py")) for kind in kinds)
