"""Rows created and changed from untrusted input, by the fields their shape declares.

A row class (an ``attrs`` class with ``inserted_at`` and ``updated_at``) mixes in
:class:`ShapedRow` and names its :class:`~conezia.core.shapes.Shape`; its own
``create`` passes the keys the core sets (id, owner, parent) to :meth:`ShapedRow._new`,
and ``update`` comes with the mixin. A rule across fields overrides :meth:`ShapedRow._values`.

Example::

    @attrs.define
    class Tag(ShapedRow):
        SHAPE: ClassVar = TAG
        ...

        @classmethod
        def create(cls, params: object, *, id: uuid.UUID, user_id: uuid.UUID, now: dt.datetime) -> Tag:
            return cls._new(params, now, id=id, user_id=user_id)
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self

from .shapes import Shape
from .validation import UNSET, Changes, apply_set

__all__ = ["MUTABLE_VALUES", "ShapedRow", "own_copy"]

MUTABLE_VALUES: Final = (dict, list)
"""The types of a row's values that a holder may change in place (jsonb objects and arrays)."""


def own_copy(value: dict[str, Any] | list[Any]) -> dict[str, Any] | list[Any]:
    """A copy of a row's dict or list for a holder of its own; an empty one too, which may be filled in place.

    Callers test ``type(value) in MUTABLE_VALUES`` first: most values are neither, and need no call.
    """
    return copy.deepcopy(value) if value else type(value)()


class ShapedRow:
    """A row whose writable fields ``SHAPE`` declares; every failing field is reported at once."""

    if not TYPE_CHECKING:
        # the slotted attrs classes mixing it in then keep no __dict__ per row; hidden from
        # mypy, which would refuse the subclasses' fields (updated_at) assigned here
        __slots__ = ()

    SHAPE: ClassVar[Shape]
    updated_at: dt.datetime

    if TYPE_CHECKING:
        # the attrs class mixing this in has the real constructor
        def __init__(self, **fields: Any) -> None: ...

    @classmethod
    def _new(cls, params: object, now: dt.datetime, **keys: Any) -> Self:
        """A new row from ``params``, with the ``keys`` the core sets and both timestamps ``now``.

        Raises:
            ValidationError: naming every failing field.
        """
        values = cls._checked(params, None)
        given = {name: value for name, value in values.items() if value is not UNSET}
        return cls(**keys, inserted_at=now, updated_at=now, **given)

    def update(self, params: object, *, now: dt.datetime) -> None:
        """Change the fields given in ``params``.

        Raises:
            ValidationError: naming every failing field; the row is then unchanged.
        """
        apply_set(self, self._checked(params, self))
        self.updated_at = now

    @classmethod
    def _checked(cls, params: object, row: Self | None) -> dict[str, Any]:
        changes = Changes(params, cls.SHAPE.inputs)
        values = cls._values(changes, row)
        changes.raise_if_invalid()
        return values

    @classmethod
    def _values(cls, changes: Changes, row: Self | None) -> dict[str, Any]:
        """The values read from ``changes`` for a new row (``row`` is None) or a change of ``row``.

        Errors are recorded on ``changes``; a field not given is
        :data:`~conezia.core.validation.UNSET`.
        """
        return cls.SHAPE.cast(changes, creating=row is None)
