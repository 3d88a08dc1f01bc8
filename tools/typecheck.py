"""Run mypy over the package as it is imported (``conezia.core`` lives in ``core/``, and so on).

pyproject maps top-level folders onto subpackages of ``conezia``, which the
editable install resolves with an import hook that mypy cannot follow. This
builds a tree of symbolic links in the package's real shape under
``.typecheck/`` and checks that, with the settings of ``[tool.mypy]``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / ".typecheck"
MAPPED = {"core": "core", "adapters": "adapters", "migrations": "migrations"}


def build_tree() -> Path:
    """The package ``conezia`` with its subpackages linked where Python imports them from."""
    shutil.rmtree(TREE, ignore_errors=True)
    package = TREE / "conezia"
    package.mkdir(parents=True)
    for source in (ROOT / "conezia").iterdir():
        if source.suffix == ".py" or (source.is_dir() and (source / "__init__.py").exists()):
            (package / source.name).symlink_to(source)
    for name, folder in MAPPED.items():
        (package / name).symlink_to(ROOT / folder)
    return package


def main() -> int:
    package = build_tree()
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), str(package)]
    return subprocess.call(command, cwd=TREE)


if __name__ == "__main__":
    sys.exit(main())
