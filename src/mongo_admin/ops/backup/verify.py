"""Prove a stored backup is whole: every file the manifest lists is re-read and checked.

For each file: it exists, its stored size and SHA-256 match the manifest, it decrypts and decompresses, and
its contents parse - BSON files as a clean sequence of documents (length prefix, terminating zero, decodable)
with the recorded document count, metadata as Extended JSON, the prelude as JSON. Every problem is reported
with the file's full storage key; nothing stops at the first one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

from bson import json_util

from mongo_admin.errors import BackupFormatError, BackupKeyError, ObjectMissingError, StorageError
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.format import BadDocumentError, Encoding, ObjectReader
from mongo_admin.ops.backup.manifest import MANIFEST_NAME, BackupFile, BackupManifest
from mongo_admin.storage.base import Storage

ProblemKind = Literal["missing", "size", "checksum", "bson", "count", "unreadable", "key"]
_DOCUMENT_KINDS = frozenset({"data", "oplog", "users", "roles"})


@dataclass(frozen=True)
class FileProblem:
    """One fault: ``key`` is the full storage key of the file (or of the manifest for backup-wide faults)."""

    key: str
    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        return f"{self.key}: {self.detail}"


@dataclass(frozen=True)
class VerifyResult:
    """What was checked and every problem found. ``contents_checked`` is False for an encrypted backup
    verified without its key: then only presence, sizes and checksums were checked."""

    cluster: str
    backup_id: str
    storage: str
    files: int
    stored_bytes: int
    documents: int
    contents_checked: bool
    problems: tuple[FileProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        scope = ("sizes, checksums and contents" if self.contents_checked
                 else "sizes and checksums (no key: contents unchecked)")
        head = f"backup {self.backup_id} of {self.cluster}: {self.files} files, {self.stored_bytes} bytes, {scope}"
        if self.ok:
            return f"{head}: all good ({self.documents} documents)"
        return f"{head}: {len(self.problems)} problem(s)\n" + "\n".join(f"  {problem}" for problem in self.problems)


def verify_files(storage: Storage, manifest: BackupManifest, key: EncryptionKey | None = None) -> VerifyResult:
    """Re-read every file of ``manifest`` from ``storage``. ``key`` is needed to check an encrypted backup's
    contents; without it only presence, sizes and checksums are checked."""
    problems: list[FileProblem] = []
    contents_checked = True
    if manifest.encryption is None:
        key = None
    elif key is None:
        contents_checked = False
    elif key.fingerprint != manifest.encryption.key_fingerprint:
        problems.append(FileProblem(manifest.prefix + MANIFEST_NAME, "key",
                                    f"the backup was encrypted with key {manifest.encryption.key_fingerprint[:16]}…, "
                                    f"{key.source} is {key.fingerprint[:16]}…: contents unchecked"))
        contents_checked = False
    encoding = Encoding(manifest.compression, key)
    stored_bytes = documents = 0
    for _, item in manifest.files():
        checked = _verify_file(storage, manifest.prefix + item.key, item, encoding, contents_checked)
        problems.extend(checked.problems)
        stored_bytes += checked.size
        documents += checked.documents
    return VerifyResult(manifest.cluster, manifest.backup_id, storage.describe(), len(manifest.files()), stored_bytes,
                        documents, contents_checked, tuple(problems))


@dataclass
class _Checked:
    size: int = 0
    documents: int = 0
    problems: tuple[FileProblem, ...] = ()


def _verify_file(storage: Storage, full_key: str, item: BackupFile, encoding: Encoding,
                 read_contents: bool) -> _Checked:
    problems: list[FileProblem] = []
    info = storage.stat(full_key)
    if info is None:
        return _Checked(problems=(FileProblem(full_key, "missing", "missing: in the manifest, not in storage"),))
    if info.size != item.size:
        problems.append(FileProblem(full_key, "size", f"size {info.size} bytes, the manifest says {item.size}"))
    documents = 0
    try:
        if read_contents:
            sha256, documents, fault = _read_contents(storage, full_key, item, encoding)
            if fault is not None:
                problems.append(fault)
                sha256 = _stored_sha256(storage, full_key)
        else:
            sha256 = _stored_sha256(storage, full_key)
    except ObjectMissingError:
        return _Checked(problems=(FileProblem(full_key, "missing", "missing: it disappeared while it was read"),))
    except StorageError as exc:
        return _Checked(info.size, 0, (*problems, FileProblem(full_key, "unreadable", exc.message().splitlines()[0])))
    if sha256 != item.sha256:
        problems.append(FileProblem(full_key, "checksum", f"SHA-256 {sha256}, the manifest says {item.sha256}"))
    content_fault = any(problem.kind in ("bson", "unreadable") for problem in problems)
    if read_contents and not content_fault and item.documents is not None and documents != item.documents:
        problems.append(FileProblem(full_key, "count", f"{documents} documents, the manifest says {item.documents}"))
    return _Checked(info.size, documents, tuple(problems))


def _read_contents(storage: Storage, full_key: str, item: BackupFile,
                   encoding: Encoding) -> tuple[str, int, FileProblem | None]:
    """(stored SHA-256, documents read, the content fault if any)."""
    with ObjectReader(storage, full_key, encoding) as reader:
        try:
            if item.kind in _DOCUMENT_KINDS:
                for _ in reader.documents():
                    pass
            else:
                _parse_json_file(reader.read_all(), item)
        except BadDocumentError as exc:
            return "", reader.documents_read, FileProblem(
                full_key, "bson", f"bad BSON at byte offset {exc.offset} (document #{exc.index}): {exc.reason}")
        except (BackupFormatError, BackupKeyError) as exc:
            return "", reader.documents_read, FileProblem(full_key, "unreadable", exc.message().splitlines()[0])
        return reader.sha256, reader.documents_read, None


def _parse_json_file(data: bytes, item: BackupFile) -> None:
    try:
        parsed = json_util.loads(data) if item.kind == "metadata" else json.loads(data)
    except (ValueError, TypeError) as exc:
        raise BackupFormatError(f"{item.kind} file is not valid JSON", str(exc)) from exc
    if not isinstance(parsed, dict):
        raise BackupFormatError(f"{item.kind} file is not a JSON object", type(parsed).__name__)


def _stored_sha256(storage: Storage, full_key: str) -> str:
    digest = hashlib.sha256()
    with storage.open_read(full_key) as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
