"""The core depends on nothing but the standard library, attrs and small value libraries."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
ALLOWED_THIRD_PARTY = {"attrs", "phonenumbers"}


def imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_imports_only_the_standard_library_attrs_and_value_libraries() -> None:
    offenders = {}
    files = sorted(CORE.rglob("*.py"))
    assert files, "core/ has no modules"
    for path in files:
        foreign = {
            name
            for name in imported_top_level_modules(path)
            if name not in sys.stdlib_module_names and name not in ALLOWED_THIRD_PARTY
        }
        if foreign:
            offenders[str(path.relative_to(CORE))] = sorted(foreign)
    assert offenders == {}


def test_the_purity_check_notices_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import sqlalchemy\nfrom conezia.adapters import memory\nfrom . import ports\n")
    assert imported_top_level_modules(module) == {"sqlalchemy", "conezia"}


def test_nothing_generic_is_installed_at_the_top_level(tmp_path: Path) -> None:
    import subprocess

    probe = (
        "import importlib.util as u, sys; "
        "print([n for n in ('core', 'adapters', 'migrations') if u.find_spec(n)]); "
        "import conezia.core, conezia.adapters.memory, conezia.adapters.postgres, conezia.adapters.http"
    )
    # -I: no current directory on sys.path, so only what is installed counts.
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
