"""Start and finish (issue 21): the URL a person is shown when the API cannot be
reached, and where the demo's downloads go."""

from __future__ import annotations

from pathlib import Path

import pytest

from lobstr_tui.launch import demo_downloads
from lobstr_tui.ui.text.reach import shown_url, unreachable_text


@pytest.mark.parametrize(("url", "shown"), [
    ("http://127.0.0.1:9/v1/", "http://127.0.0.1:9/v1/"),
    ("https://me:s3cret@api.example.test/v1/", "https://***@api.example.test/v1/"),
    ("https://tok_abc@api.example.test/v1/", "https://***@api.example.test/v1/"),
    ("https://api.example.test/v1/?token=tok_abc#x", "https://api.example.test/v1/"),
])
def test_the_url_shown_keeps_no_credential_or_query(url: str, shown: str) -> None:
    assert shown_url(url) == shown
    text = unreachable_text(url, "could not connect to api.example.test")
    assert text.startswith(f"Cannot reach {shown} (could not connect to api.example.test)")
    assert "s3cret" not in text and "tok_abc" not in text


def test_the_demo_folder_goes_when_empty_and_is_named_when_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    with demo_downloads() as empty:
        assert empty.parent == tmp_path and empty.name.startswith("lobstr-tui-demo-")
    assert not empty.exists() and capsys.readouterr().err == ""
    with demo_downloads() as used:
        (used / "run.csv").write_text("a\n")
    assert (used / "run.csv").exists()
    assert capsys.readouterr().err == f"lobstr-tui: the demo's downloads are in {used}\n"
