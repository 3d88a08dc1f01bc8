"""The timeline's validators, over generated input: every value is either accepted clean or refused on its field."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conezia.core.errors import ValidationError
from conezia.core.timeline import ATTACHMENT_KEYS, CHANNELS, INTERACTION_TYPES, Communication, Conversation, Interaction

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
ID = uuid.UUID(int=1)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)


def _refusal(build: Callable[[], object]) -> dict[str, list[str]] | None:
    """The fields a ValidationError names, or None when ``build`` succeeds."""
    try:
        build()
    except ValidationError as error:
        return error.errors
    return None


def _conversation(channel: str = "email") -> Conversation:
    return Conversation(id=ID, user_id=ID, entity_id=ID, channel=channel, inserted_at=NOW, updated_at=NOW)


@given(st.dictionaries(st.sampled_from(["type", "title", "content", "occurred_at", "at"]), json_values))
def test_an_interaction_is_built_clean_or_refused_naming_only_its_fields(params: dict[str, Any]) -> None:
    refused = _refusal(lambda: Interaction.create(params, id=ID, user_id=ID, entity_id=ID, now=NOW))
    if refused is not None:
        assert refused and set(refused) <= {"type", "title", "content", "occurred_at", "at"}
        return
    interaction = Interaction.create(params, id=ID, user_id=ID, entity_id=ID, now=NOW)
    assert interaction.type in INTERACTION_TYPES
    assert 1 <= len(interaction.content) <= 50_000
    assert interaction.title is None or len(interaction.title) <= 255
    assert interaction.occurred_at.tzinfo is not None
    assert "at" not in params


def test_occurred_at_defaults_to_now_and_is_kept_in_utc() -> None:
    made = Interaction.create({"type": "call", "content": "hi"}, id=ID, user_id=ID, entity_id=ID, now=NOW)
    assert made.occurred_at == NOW
    given_at = Interaction.create(
        {"type": "call", "content": "hi", "occurred_at": "2026-11-30T10:00:00+01:00"},
        id=ID, user_id=ID, entity_id=ID, now=NOW,
    )
    assert given_at.occurred_at == dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)


_descriptor = st.fixed_dictionaries({
    "id": st.uuids().map(str),
    "filename": st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and "\x00" not in s),
    "mime_type": st.sampled_from(["application/pdf", "image/png", "text/plain", "Image/JPEG"]),
})
_anything = st.lists(json_values | _descriptor, max_size=4) | json_values


@given(st.lists(_descriptor, max_size=5))
def test_valid_attachment_descriptors_are_kept_with_exactly_their_three_fields(descriptors: list[dict[str, str]]) -> None:
    message = Communication.create(
        {"direction": "inbound", "content": "hi", "attachments": descriptors}, id=ID, conversation=_conversation(),
        now=NOW,
    )
    assert [set(a) for a in message.attachments] == [set(ATTACHMENT_KEYS)] * len(descriptors)
    assert [a["id"] for a in message.attachments] == [d["id"] for d in descriptors]
    assert all(a["mime_type"] == a["mime_type"].lower() for a in message.attachments)


@given(_anything)
def test_any_attachments_value_is_accepted_clean_or_refused_on_attachments(value: Any) -> None:
    params = {"direction": "inbound", "content": "hi", "attachments": value}
    refused = _refusal(lambda: Communication.create(params, id=ID, conversation=_conversation(), now=NOW))
    if refused is not None:
        assert set(refused) == {"attachments"}
        return
    message = Communication.create(params, id=ID, conversation=_conversation(), now=NOW)
    assert all(set(a) == set(ATTACHMENT_KEYS) and all(isinstance(v, str) for v in a.values())
               for a in message.attachments)


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_message_takes_its_conversations_channel_and_refuses_another(channel: str) -> None:
    conversation = _conversation(channel)
    message = Communication.create({"direction": "outbound", "content": "x"}, id=ID, conversation=conversation, now=NOW)
    assert message.channel == channel and message.sent_at == NOW and message.attachments == []
    other = next(c for c in CHANNELS if c != channel)
    with pytest.raises(ValidationError) as raised:
        Communication.create({"direction": "outbound", "content": "x", "channel": other}, id=ID,
                             conversation=conversation, now=NOW)
    assert set(raised.value.errors) == {"channel"}
