"""The batch journal: one SQLite file (standard library ``sqlite3``, WAL) per batch.

Pure storage: no event loop, no network. `replicate_async.batch` owns the one task that writes
to it. A row per item records where that item got to:

- ``intent``: a create is about to be sent (or was, and the process died before the answer);
  `intent_at` is the wall-clock time it was written, for resolving it by listing predictions;
- ``created``: the prediction's id is known and it may still be running;
- ``done``: the item's outcome is final (status, the output JSON the API returned, the error).

An item without a row was never created.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeAlias

from attrs import frozen

__all__ = [
    "SCHEMA_VERSION",
    "Journal",
    "JournalMismatchError",
    "Row",
    "Write",
    "canonical_json",
    "fingerprint",
]

SCHEMA_VERSION = "1"
"""Bumped when the table layout changes; an older journal is refused with a clear message."""

State: TypeAlias = Literal["intent", "created", "done"]

Write: TypeAlias = tuple[str, tuple[Any, ...]]
"""One SQL statement and its parameters, applied by `Journal.apply` in a transaction."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    idx INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    intent_at REAL,
    prediction_id TEXT,
    status TEXT,
    prediction TEXT,
    output TEXT,
    error_type TEXT,
    error TEXT,
    files TEXT
);
"""


class JournalMismatchError(ValueError):
    """The journal file belongs to another batch (other inputs, another model or version)."""


@frozen(kw_only=True)
class Row:
    """One item's record, as read back from the journal."""

    index: int
    state: State
    intent_at: float | None = None
    prediction_id: str | None = None
    status: str | None = None
    prediction: str | None = None
    output: str | None = None
    error_type: str | None = None
    error: str | None = None
    files: str | None = None


def _json_default(value: object) -> object:
    if isinstance(value, Path):
        return f"path:{value}"
    if isinstance(value, (bytes, bytearray)):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    raise TypeError(
        f"a journaled batch needs JSON inputs (or paths and bytes), not {type(value).__name__}"
    )


def canonical_json(value: object) -> str:
    """JSON with sorted keys and no spaces: equal inputs give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def fingerprint(inputs: Iterable[Mapping[str, Any]]) -> tuple[str, int]:
    """A digest of the inputs, in order, and their count."""
    digest = hashlib.sha256()
    count = 0
    for item in inputs:
        digest.update(canonical_json(item).encode())
        digest.update(b"\n")
        count += 1
    return digest.hexdigest(), count


class Journal:
    """An open journal file. Use `bind` before anything else.

    Args:
        path: The SQLite file (created when missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL: a commit survives the process being killed (SIGKILL);
            # only a power loss can drop the last commits, and the file stays consistent.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            self._db.close()
            raise

    def bind(self, *, ref: str, digest: str, count: int) -> bool:
        """Tie the journal to one batch, or check that it is that batch.

        Returns:
            True when the journal already held this batch (a resume).

        Raises:
            JournalMismatchError: The journal belongs to another batch.
        """
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not meta:
            with self.transaction():
                self._db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("schema", SCHEMA_VERSION),
                        ("ref", ref),
                        ("inputs", digest),
                        ("count", str(count)),
                    ],
                )
            return False
        where = f"the journal {str(self.path)!r}"
        if meta.get("schema") != SCHEMA_VERSION:
            raise JournalMismatchError(
                f"{where} was written by another version of replicate_async "
                f"(schema {meta.get('schema')!r}); finish that batch with it or use a new file"
            )
        if meta.get("ref") != ref:
            raise JournalMismatchError(
                f"{where} records a batch of {meta.get('ref')}, not {ref}: pass the same model "
                "reference to resume it, or use a new journal file"
            )
        if meta.get("count") != str(count) or meta.get("inputs") != digest:
            raise JournalMismatchError(
                f"{where} records a batch of {meta.get('count')} other inputs (this call has "
                f"{count}): resume with the same inputs in the same order, or use a new "
                "journal file"
            )
        return True

    def rows(self) -> dict[int, Row]:
        """Every recorded item, by index."""
        cursor = self._db.execute(
            "SELECT idx, state, intent_at, prediction_id, status, prediction, output, "
            "error_type, error, files FROM items"
        )
        rows: dict[int, Row] = {}
        for values in cursor:
            row = Row(
                index=values[0],
                state=values[1],
                intent_at=values[2],
                prediction_id=values[3],
                status=values[4],
                prediction=values[5],
                output=values[6],
                error_type=values[7],
                error=values[8],
                files=values[9],
            )
            rows[row.index] = row
        return rows

    def transaction(self) -> _Transaction:
        """A ``with`` block that commits on success and rolls back on error."""
        return _Transaction(self._db)

    def apply(self, writes: Sequence[Write]) -> None:
        """Apply `writes` in one transaction (one commit for the lot)."""
        if not writes:
            return
        with self.transaction():
            for sql, params in writes:
                self._db.execute(sql, params)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    # -- the statements ------------------------------------------------------------------------

    @staticmethod
    def intent(index: int, at: float) -> Write:
        """The item's create is about to be sent, at wall-clock time `at`."""
        return (
            "INSERT OR REPLACE INTO items (idx, state, intent_at) VALUES (?, 'intent', ?)",
            (index, at),
        )

    @staticmethod
    def created(index: int, prediction_id: str, status: str) -> Write:
        """The item's prediction exists: record its id before waiting on it."""
        return (
            "UPDATE items SET state = 'created', prediction_id = ?, status = ? WHERE idx = ?",
            (prediction_id, status, index),
        )

    @staticmethod
    def done(
        index: int,
        *,
        prediction_id: str | None,
        status: str | None,
        prediction: str | None,
        output: str | None,
        error_type: str | None,
        error: str | None,
        files: str | None,
    ) -> Write:
        """The item's outcome is final."""
        return (
            "INSERT OR REPLACE INTO items (idx, state, intent_at, prediction_id, status, "
            "prediction, output, error_type, error, files) "
            "VALUES (?, 'done', NULL, ?, ?, ?, ?, ?, ?, ?)",
            (index, prediction_id, status, prediction, output, error_type, error, files),
        )

    @staticmethod
    def forget(index: int) -> Write:
        """The item was never created after all (its create was refused or never sent)."""
        return ("DELETE FROM items WHERE idx = ?", (index,))


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")
