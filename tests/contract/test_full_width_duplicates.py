"""A full-width SSN is the same SSN: duplicate detection finds it, on each backend."""

from __future__ import annotations

import attrs
import pytest

from conezia.core import services
from tests.unit.conftest import make_deps

from .builders import Factory

pytestmark = pytest.mark.anyio


async def test_a_full_width_ssn_is_found_as_a_duplicate_of_the_ascii_one(uow_factory: Factory) -> None:
    deps = attrs.evolve(make_deps(), uow=uow_factory)
    owner = (await services.register(deps, {"email": "ada@example.com", "password": "Correct-Horse-1"})).id
    grace = await services.create_entity(deps, owner, {"type": "person", "name": "Grace"})
    alan = await services.create_entity(deps, owner, {"type": "person", "name": "Alan"})
    ascii_ssn = await services.add_identifier(deps, owner, grace.id, {"type": "ssn", "value": "123-45-6789"})
    full_width = await services.add_identifier(deps, owner, alan.id, {"type": "ssn", "value": "１２３-４５-６７８９"})

    assert [i.id for i in await services.duplicates_of(deps, owner, ascii_ssn.id)] == [full_width.id]
    assert [i.id for i in await services.duplicates_of(deps, owner, full_width.id)] == [ascii_ssn.id]
    found = await services.find_duplicates(deps, owner, "ssn", "١٢٣-٤٥-٦٧٨٩")  # Arabic-Indic digits
    assert {i.id for i in found} == {ascii_ssn.id, full_width.id}
    assert await services.reveal_identifier(deps, owner, full_width.id) == "123-45-6789"
