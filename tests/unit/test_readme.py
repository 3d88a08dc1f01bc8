"""The README's embedding example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_an_embedding_example() -> None:
    assert any("conezia.open(" in block for block in python_blocks())


@pytest.mark.parametrize("block", python_blocks())
def test_each_python_example_in_the_readme_runs_as_written(block: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(block, "README.md", "exec"), {"__name__": "readme_example"})
    assert "Grace Hopper" in capsys.readouterr().out
