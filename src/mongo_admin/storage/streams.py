"""Streams shared by the object-store backends: an all-or-nothing upload that switches to a multipart
(resumable) upload past a size threshold, and a reader that fetches an object by byte ranges.

A backend supplies only the calls its service needs (``Uploader`` / ``UploadSession``, a range fetch); the
buffering, the part boundaries and the commit-or-abandon rule live here once.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO, Protocol

from mongo_admin.errors import StorageError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

log = logging.getLogger(__name__)


class UploadSession(Protocol):
    """One multipart (S3) or resumable (GCS) upload in progress; the object appears only on ``complete``."""

    def send_part(self, data: bytes, *, last: bool) -> None:
        """Upload the next part (every part but the last has exactly the configured part size)."""
        ...

    def complete(self) -> None:
        """Make the object appear, made of every part sent."""
        ...

    def abort(self) -> None:
        """Give the upload up; the object does not appear. Best effort: the service discards a forgotten
        upload on its own later (S3 lifecycle rules, GCS after a week)."""
        ...


class Uploader(Protocol):
    """How one backend stores one object: in a single request, or through an upload session."""

    def put_whole(self, data: bytes) -> None: ...

    def begin(self) -> UploadSession: ...


class _UploadStream(io.RawIOBase):
    """Takes every byte written; holds at most ``threshold`` (then ``part_size``) bytes before sending."""

    def __init__(self, uploader: Uploader, part_size: int, threshold: int) -> None:
        super().__init__()
        self._uploader = uploader
        self._part_size = part_size
        self._threshold = threshold
        self._buffer = bytearray()
        self._session: UploadSession | None = None
        self._finished = False

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        if self._finished:
            return memoryview(data).nbytes  # abandoned: the rest of a failed block's bytes go nowhere
        view = memoryview(data).cast("B")
        self._buffer += view
        if self._session is None and len(self._buffer) > self._threshold:
            self._session = self._uploader.begin()
        # Keep the last part back until commit: a resumable upload must be told which part is the last.
        while self._session is not None and len(self._buffer) > self._part_size:
            self._session.send_part(bytes(self._buffer[: self._part_size]), last=False)
            del self._buffer[: self._part_size]
        return view.nbytes

    def commit(self) -> None:
        data, self._buffer = bytes(self._buffer), bytearray()
        self._finished = True
        if self._session is None:
            self._uploader.put_whole(data)
        else:
            self._session.send_part(data, last=True)
            self._session.complete()

    def abandon(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._buffer = bytearray()
        if self._session is not None:
            try:
                self._session.abort()
            except Exception as error:
                log.warning("could not cancel an abandoned upload (%s); the service discards it later",
                            type(error).__name__)

    def close(self) -> None:
        self.abandon()  # a no-op after commit
        super().close()


@contextlib.contextmanager
def all_or_nothing_upload(uploader: Uploader, *, part_size: int, threshold: int) -> Iterator[BinaryIO]:
    """The body of ``Storage.open_write`` for object stores: commit when the block ends, abandon on error."""
    raw = _UploadStream(uploader, part_size, threshold)
    stream = io.BufferedWriter(raw, buffer_size=min(part_size, 1024 * 1024))
    try:
        yield stream
        stream.flush()
        raw.commit()
    except BaseException:
        raw.abandon()
        raise
    finally:
        stream.close()


class _RangedReader(io.RawIOBase):
    """Reads ``size`` bytes through ``fetch(offset, length)``, one request per buffer refill."""

    def __init__(self, fetch: Callable[[int, int], bytes], size: int, chunk: int, where: str) -> None:
        super().__init__()
        self._fetch = fetch
        self._size = size
        self._chunk = chunk
        self._where = where
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        if self._pos >= self._size:
            return 0
        view = memoryview(buffer).cast("B")
        data = self._fetch(self._pos, min(len(view), self._size - self._pos))
        if not data:
            raise StorageError(
                f"{self._where} ended after {self._pos} of {self._size} bytes",
                "the object was replaced or truncated while it was being read",
                "read it again; if it keeps changing, find what else writes to this storage",
            )
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def readall(self) -> bytes:
        chunks = []
        while self._pos < self._size:
            chunks.append(self.read(self._chunk) or b"")
        return b"".join(chunks)


@contextlib.contextmanager
def ranged_read(fetch: Callable[[int, int], bytes], *, size: int, chunk: int, where: str) -> Iterator[BinaryIO]:
    """The body of ``Storage.open_read`` for object stores: a buffered stream refilled ``chunk`` bytes at a
    time by range requests (each retried on its own by the backend)."""
    with io.BufferedReader(_RangedReader(fetch, size, chunk, where), buffer_size=chunk) as stream:
        yield stream
