"""Model, version and deployment references: parsing and the create route of each (pure)."""

from __future__ import annotations

import re

from attrs import frozen

__all__ = [
    "DeploymentRef",
    "ModelRef",
    "Ref",
    "VersionRef",
    "check_id",
    "parse_deployment",
    "parse_ref",
]

_UNSAFE_IN_SEGMENT = frozenset("/?#%\\")

_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_MODEL = re.compile(rf"^({_NAME})/({_NAME})$")
_VERSION_ID = re.compile(r"^[0-9a-f]{64}$")
_MODEL_VERSION = re.compile(rf"^({_NAME})/({_NAME}):([0-9a-f]{{64}})$")

_HELP = (
    "write 'owner/name' (an official model), 'owner/name:<64-hex version id>', "
    "or a bare 64-hex version id"
)


@frozen
class ModelRef:
    """``owner/name``: created through ``POST /models/{owner}/{name}/predictions``."""

    owner: str
    name: str

    def __str__(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def create_path(self) -> str:
        """The create route, relative to the base URL."""
        return f"models/{self.owner}/{self.name}/predictions"


@frozen
class VersionRef:
    """A version id (optionally with its model): created through ``POST /predictions``."""

    id: str
    owner: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.owner}/{self.name}:{self.id}" if self.owner else self.id

    @property
    def create_path(self) -> str:
        """The create route, relative to the base URL."""
        return "predictions"


@frozen
class DeploymentRef:
    """A deployment ``owner/name``: created through its own predictions route."""

    owner: str
    name: str

    def __str__(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def create_path(self) -> str:
        """The create route, relative to the base URL."""
        return f"deployments/{self.owner}/{self.name}/predictions"


Ref = ModelRef | VersionRef | DeploymentRef


def parse_ref(ref: str) -> ModelRef | VersionRef:
    """Parse a model reference; raise ValueError (before any request) when it is malformed."""
    if not isinstance(ref, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"a model reference must be a str ({_HELP}), not {type(ref).__name__}")
    text = ref.strip()
    if _VERSION_ID.match(text):
        return VersionRef(text)
    match = _MODEL_VERSION.match(text)
    if match:
        return VersionRef(match.group(3), match.group(1), match.group(2))
    match = _MODEL.match(text)
    if match:
        return ModelRef(match.group(1), match.group(2))
    if ":" in text:
        model = text.partition(":")[0]
        if _MODEL.match(model):
            raise ValueError(
                f"invalid version id in model reference {ref!r}: a version id is 64 lower-case "
                f"hex characters; {_HELP}"
            )
    raise ValueError(f"invalid model reference {ref!r}: {_HELP}")


def parse_model(ref: str) -> ModelRef:
    """Parse ``owner/name`` only (for model resources)."""
    parsed = parse_ref(ref)
    if not isinstance(parsed, ModelRef):
        raise ValueError(f"expected a model 'owner/name' without a version, got {ref!r}")
    return parsed


def parse_deployment(ref: str) -> DeploymentRef:
    """Parse a deployment ``owner/name``; raise ValueError when it is malformed."""
    if not isinstance(ref, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(
            f"a deployment reference must be a str 'owner/name', not {type(ref).__name__}"
        )
    match = _MODEL.match(ref.strip())
    if not match:
        raise ValueError(f"invalid deployment reference {ref!r}: write 'owner/name'")
    return DeploymentRef(match.group(1), match.group(2))


def is_version_id(text: str) -> bool:
    """Whether `text` is a 64-hex version id."""
    return bool(_VERSION_ID.match(text))


def check_id(value: object, what: str = "id", *, example: str | None = None) -> str:
    """Return `value` if it can be one path segment of an API URL; raise before any request.

    An id is a non-empty str of printable characters without whitespace, ``/``, ``?``,
    ``#``, ``%`` or a backslash, and is not ``.`` or ``..`` (which a URL would resolve away).

    Args:
        value: The identifier the caller passed.
        what: What it is, for the message ("prediction id", "collection slug", ...).
        example: What to pass instead, for the message.

    Raises:
        TypeError: `value` is not a str.
        ValueError: `value` is empty or holds a character that would change the URL.
    """
    advice = example or "pass the id string the API returned"
    if not isinstance(value, str):
        raise TypeError(f"the {what} must be a str ({advice}), not {type(value).__name__}")
    if (
        not value
        or value in (".", "..")
        or any(c in _UNSAFE_IN_SEGMENT or c.isspace() or not c.isprintable() for c in value)
    ):
        raise ValueError(f"invalid {what} {value!r}: {advice}")
    return value
