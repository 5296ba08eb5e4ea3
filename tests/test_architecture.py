"""Style rules that import-linter cannot see (the import rules are contracts in
pyproject.toml, checked by `make lint`)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lobstr_tui"


def test_tcss_uses_theme_variables_not_hex() -> None:
    import re

    offenders = [str(p) for p in PACKAGE.rglob("*.tcss")
                 if re.search(r"#[0-9a-fA-F]{3,8}\b", p.read_text())]
    assert offenders == []
