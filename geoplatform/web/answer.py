"""geoplatform.web.answer: what a write or read service hands its router to send."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Answer:
    """Status, body and headers; the router adds the media type and caching rules."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
