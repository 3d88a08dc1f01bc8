"""tools/table_cost.py attributes every line of the layers to the tables it names, as its docstring says."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("table_cost", ROOT / "tools" / "table_cost.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("table_cost", module)  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


tc = _load()


@pytest.fixture(scope="module")
def cost() -> Any:
    return tc.measure()


def _source(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def _lines_of(attributed: dict[int, frozenset[str]], table: str) -> set[int]:
    return {number for number, tables in attributed.items() if table in tables}


def test_the_tags_migration_and_its_rollback_are_counted_for_tags_only() -> None:
    for name in ("0008_create_tags.sql", "0008_create_tags.rollback.sql"):
        path = ROOT / "migrations" / name
        attributed = tc.attribute_sql(path)
        code = [line for line in path.read_text().splitlines() if line.strip() and not line.strip().startswith("--")]
        assert len(attributed) == len(code) > 0
        assert set(attributed.values()) == {frozenset({"tags"})}


def test_the_tool_declares_a_table_for_every_create_migration_and_no_other() -> None:
    declared = [table.name for table in tc.TABLES]
    on_disk = {
        path.name.split("_create_")[1].removesuffix(".sql").removesuffix(".rollback")
        for path in (ROOT / "migrations").glob("00*_create_*.sql")
    }
    assert set(tc.migration_tables()) == on_disk
    assert set(declared) == on_disk
    assert len(declared) == len(set(declared))


@pytest.mark.parametrize(("name", "tables"), [
    ("Tag", {"tags"}),
    ("TagOut", {"tags"}),
    ("PostgresTagRepository", {"tags"}),
    ("EntityTag", {"entity_tags"}),
    ("tag_entity", {"entity_tags"}),
    ("list_entity_tags", {"entity_tags"}),
    ("entity_tags_tag_id_user_id_fkey", {"entity_tags"}),
    ("tags_user_id_name_index", {"tags"}),
    ("add_group_member", {"entity_groups"}),
    ("tag_id", set()),
    ("entity_id", set()),
    ("CurrentUser", set()),
    ("ETag", set()),
    ("tags_and_groups", {"tags", "groups"}),
])
def test_a_name_names_the_tables_of_its_longest_phrases_and_a_foreign_key_names_none(
    name: str, tables: set[str]
) -> None:
    assert tc.tables_named(name) == tables


def test_a_definition_naming_two_tables_is_counted_in_full_for_each(tmp_path: Path) -> None:
    path = _source(tmp_path, "mixed.py", '''
        """A module of tags and groups."""
        from __future__ import annotations


        def tags_and_groups(owner: object) -> tuple[object, object]:
            """Both lists."""
            return owner, owner
    ''')
    attributed = tc.attribute_python(path)
    function = {5, 6, 7}
    assert _lines_of(attributed, "tags") == function
    assert _lines_of(attributed, "groups") == function
    # the module docstring and the import name no table
    assert attributed[1] == attributed[2] == frozenset()


def test_a_list_naming_several_tables_is_counted_entry_by_entry(tmp_path: Path) -> None:
    path = _source(tmp_path, "routes_list.py", '''
        ROUTES = [
            list_tags,
            list_groups,
            list_tags, list_groups,
        ]
    ''')
    attributed = tc.attribute_python(path)
    assert attributed == {
        1: frozenset(),
        2: frozenset({"tags"}),
        3: frozenset({"groups"}),
        4: frozenset({"tags", "groups"}),
        5: frozenset(),
    }


def test_a_method_is_its_class_tables_unless_its_name_or_a_method_phrase_says_otherwise(tmp_path: Path) -> None:
    path = _source(tmp_path, "repositories.py", '''
        class MemoryTagRepository:
            def list(self) -> None:
                return None

            def attach(self) -> None:
                return None

            def for_entity(self) -> None:
                return None
    ''')
    attributed = tc.attribute_python(path)
    assert attributed[1] == attributed[2] == attributed[3] == frozenset({"tags"})
    assert attributed[5] == attributed[6] == frozenset({"entity_tags"})
    assert attributed[8] == attributed[9] == frozenset({"entity_tags"})


def test_a_unit_without_an_own_name_names_what_it_reads_but_not_its_locals_or_other_libraries(
    tmp_path: Path
) -> None:
    path = _source(tmp_path, "readers.py", '''
        from litestar.openapi.spec import Tag


        def _label(group: object) -> object:
            return Tag(name=str(group))


        def _read(uow: object) -> object:
            return uow.tags
    ''')
    attributed = tc.attribute_python(path)
    assert {attributed[4], attributed[5]} == {frozenset()}
    assert attributed[8] == attributed[9] == frozenset({"tags"})


def test_a_file_named_after_a_table_is_its_own_except_what_names_another_table(tmp_path: Path) -> None:
    path = _source(tmp_path, "reminders.py", '''
        import datetime as dt


        def cast_moment(value: object) -> object:
            return value


        TAG_COLORS = ("red",)
    ''')
    attributed = tc.attribute_python(path)
    assert attributed[1] == attributed[4] == attributed[5] == frozenset({"reminders"})
    assert attributed[8] == frozenset({"tags"})


def test_the_shared_kit_counts_only_the_tables_own_entries() -> None:
    owned = ROOT / "core" / "services" / "owned.py"
    entry = [n for n, line in enumerate(owned.read_text().splitlines(), 1) if line.startswith("TAGS: Final = ")]
    assert _lines_of(tc.attribute_python(owned), "tags") == set(entry) and len(entry) == 1

    resources = ROOT / "tests" / "contract" / "resources.py"
    lines = resources.read_text().splitlines()
    tag_lines = sorted(_lines_of(tc.attribute_python(resources), "tags"))
    assert lines[tag_lines[0] - 1].strip() == "Owned("
    assert lines[tag_lines[1] - 1].strip() == 'name="tag",'
    assert tag_lines == list(range(tag_lines[0], tag_lines[-1] + 1))
    assert lines[tag_lines[-1] - 1].strip() == "),"


def test_a_tables_total_is_the_sum_of_its_layers_without_the_sync_twin(cost: Any) -> None:
    layers = [name for name, _ in tc.LAYERS]
    for table in (t.name for t in tc.TABLES):
        by_layer = [cost.of([table], layer) for layer in layers]
        assert cost.of([table]) == sum(by_layer)
    assert cost.of(["tags"], tc.SYNC_LAYER) > 0


def test_a_family_counts_each_line_once(cost: Any) -> None:
    tags, links = cost.of(["tags"]), cost.of(["entity_tags"])
    both = cost.of(["tags", "entity_tags"])
    assert max(tags, links) < both <= tags + links


def test_the_printed_table_has_a_row_per_table_whose_total_is_the_sum_of_its_layers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert tc.main([]) == 0
    rows: dict[str, list[str]] = {}
    for line in capsys.readouterr().out.splitlines():
        if line.strip():
            rows.setdefault(line.split()[0], line.split())
    layers = len(tc.LAYERS)
    for table in tc.TABLES:
        cells = [int(cell) for cell in rows[table.name][1:]]
        assert cells[layers] == sum(cells[:layers]), table.name


def test_explain_lists_the_files_and_lines_counted_for_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert tc.main(["--explain", "tags"]) == 0
    out = capsys.readouterr().out
    assert "migrations/0008_create_tags.sql" in out
    assert "tests/contract/test_tags.py" in out
    assert "0009_create_entity_tags" not in out
