"""A small, strict SSE parser for the emulator's tests (independent of the SDK's)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Event:
    event: str
    data: str
    id: str | None


def parse(text: str) -> tuple[list[str], list[Event]]:
    """Comments and events of a complete SSE body (LF line endings)."""
    comments: list[str] = []
    events: list[Event] = []
    name, data, event_id = "message", list[str](), None
    for line in text.split("\n"):
        if line == "":
            if data:
                events.append(Event(name, "\n".join(data), event_id))
            name, data, event_id = "message", [], None
        elif line.startswith(":"):
            comments.append(line[1:].strip())
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
            elif field == "id":
                event_id = value
    return comments, events
