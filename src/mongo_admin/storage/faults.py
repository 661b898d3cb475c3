"""Fault injection for tests: a Storage wrapper whose writes fail on cue.

``FaultyStorage(inner, fail_after_bytes=N)`` fails the write that would take the total written past N
bytes, in the middle of that object; ``fail_on_object=N`` fails the N-th object written, after all of its
bytes were sent and just before it would appear. ``match`` limits both to keys matching a glob (counting
only those). A fault fires once (``repeat=False``), so what a failed operation writes next (its record,
say) gets through. The inner backend sees a real failure inside ``open_write`` and so must leave nothing.
"""

from __future__ import annotations

import contextlib
import fnmatch
import threading
from collections.abc import Iterator
from typing import BinaryIO, cast

from mongo_admin.errors import StorageError
from mongo_admin.storage.base import ObjectInfo, Storage


class InjectedFault(StorageError):
    """The failure FaultyStorage was told to cause."""


class FaultyStorage:
    """``inner`` with writes that fail as configured; reads, listings and deletes pass straight through."""

    def __init__(self, inner: Storage, *, fail_after_bytes: int | None = None, fail_on_object: int | None = None,
                 match: str = "*", repeat: bool = False) -> None:
        self.inner = inner
        self.fail_after_bytes = fail_after_bytes
        self.fail_on_object = fail_on_object
        self.match = match
        self.repeat = repeat
        self.bytes_written = 0
        self.objects_started = 0
        self.faults: list[str] = []  # keys whose write was failed, in order
        self._lock = threading.Lock()

    def describe(self) -> str:
        return self.inner.describe()

    def _armed(self) -> bool:
        return self.repeat or not self.faults

    def _fault(self, key: str, why: str) -> InjectedFault:
        self.faults.append(key)
        return InjectedFault(f"cannot write {key!r} on {self.describe()}", f"injected fault: {why}",
                             "none needed: a test asked for this failure")

    def put(self, key: str, data: bytes) -> None:
        with self.open_write(key) as stream:
            stream.write(data)

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        counted = fnmatch.fnmatchcase(key, self.match)
        with self._lock:
            number = self.objects_started = self.objects_started + counted
        with self.inner.open_write(key) as inner:
            # A thin stand-in for the inner stream (other attributes pass through), hence the cast.
            yield cast(BinaryIO, _FaultyWriter(self, inner, key)) if counted else inner
            if counted and number == self.fail_on_object and self._armed():
                raise self._fault(key, f"object number {number} fails")

    def open_read(self, key: str) -> contextlib.AbstractContextManager[BinaryIO]:
        return self.inner.open_read(key)

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def stat(self, key: str) -> ObjectInfo | None:
        return self.inner.stat(key)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self.inner.list(prefix)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def delete_prefix(self, prefix: str) -> int:
        return self.inner.delete_prefix(prefix)


class _FaultyWriter:
    """Passes writes to ``inner`` until the byte budget runs out, then fails mid-object."""

    def __init__(self, owner: FaultyStorage, inner: BinaryIO, key: str) -> None:
        self._owner = owner
        self._inner = inner
        self._key = key

    def write(self, data: bytes) -> int:
        owner = self._owner
        limit = owner.fail_after_bytes
        with owner._lock:
            budget = None if limit is None or not owner._armed() else limit - owner.bytes_written
            allowed = len(data) if budget is None else max(0, min(len(data), budget))
            owner.bytes_written += allowed
        if allowed:
            self._inner.write(data[:allowed])
        if allowed < len(data):
            raise owner._fault(self._key, f"the write budget of {limit} bytes ran out")
        return len(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)
