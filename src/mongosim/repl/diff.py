"""``$v: 2`` update diffs, as oplog update entries carry them: computed from a document's old and new versions
(the primary), applied to a document (secondaries, applyOps, mongorestore --oplogReplay).

Format (MongoDB's ``doc_diff``): a document diff holds ``d`` (``{field: false}``: remove), ``u`` (``{field:
value}``: set in place, appended when missing), ``i`` (``{field: value}``: append at the end), and ``s<field>``
(a sub-diff of an embedded document or array). An array diff is ``{a: true, l: <new length>, u<index>: value,
s<index>: sub-diff}``. Computation follows the server's ``computeOplogDiff``: old and new fields are walked in
step; a field whose position changed is removed and re-inserted; a sub-diff is used only when it is smaller than
the new value itself, and the whole diff only when it is smaller than the new document (otherwise the entry is
a full replacement). Values compare as BSON does byte for byte: ``1`` and ``1.0`` differ.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from bson import encode

from mongosim.wire.messages import CODEC_OPTIONS


def _bson_size(value: Any) -> int:
    return len(encode({"": value}, codec_options=CODEC_OPTIONS))


def same_value(a: Any, b: Any) -> bool:
    """Byte-for-byte BSON equality: same types, same field order, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(ka == kb and same_value(va, vb)
                                        for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True))
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def _sub_diff(old: Any, new: Any) -> dict[str, Any] | None:
    """The diff turning ``old`` into ``new`` when both are documents or both arrays, else None."""
    if isinstance(old, dict) and isinstance(new, dict):
        return compute_document_diff(old, new)
    if isinstance(old, list) and isinstance(new, list):
        return _array_diff(old, new)
    return None


def _value_change(old: Any, new: Any) -> tuple[str, Any] | None:
    """How one field (or array element) changed: None when unchanged, ``("s", diff)`` for a worthwhile sub-diff,
    ``("u", value)`` otherwise."""
    if same_value(old, new):
        return None
    diff = _sub_diff(old, new)
    if diff is not None and _bson_size(diff) < _bson_size(new):
        return "s", diff
    return "u", new


def compute_document_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The document diff turning ``old`` into ``new`` (``{}`` when they are identical)."""
    updates: dict[str, Any] = {}
    subs: dict[str, Any] = {}
    deletes: dict[str, bool] = {}
    old_items = list(old.items())
    new_items = list(new.items())
    position = 0
    for name, value in old_items:
        if position < len(new_items) and new_items[position][0] == name:
            change = _value_change(value, new_items[position][1])
            if change is not None:
                kind, payload = change
                (subs if kind == "s" else updates)[name] = payload
            position += 1
        else:
            # Gone, or moved: a moved field is removed here and inserted again at its new place.
            deletes[name] = False
    inserts: dict[str, Any] = {}
    for name, value in new_items[position:]:
        deletes.pop(name, None)
        inserts[name] = value
    diff: dict[str, Any] = {}
    if deletes:
        diff["d"] = deletes
    if updates:
        diff["u"] = updates
    if inserts:
        diff["i"] = inserts
    for name, sub in subs.items():
        diff["s" + name] = sub
    return diff


def _array_diff(old: list[Any], new: list[Any]) -> dict[str, Any]:
    diff: dict[str, Any] = {"a": True}
    if len(new) < len(old):
        diff["l"] = len(new)
    for index, value in enumerate(new):
        if index >= len(old):
            diff[f"u{index}"] = value
            continue
        change = _value_change(old[index], value)
        if change is not None:
            diff[f"{change[0]}{index}"] = change[1]
    return diff if len(diff) > 1 else {}


def update_entry_object(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The ``o`` of an update entry and whether it is a diff: ``({$v: 2, diff}, True)`` when the diff is smaller
    than the new document, else ``(new, False)`` (a full replacement, as the server logs replacement-style
    updates and diffs that would outgrow the document)."""
    diff = compute_document_diff(old, new)
    if _bson_size(diff) < _bson_size(new):
        return {"$v": 2, "diff": diff}, True
    return new, False


# ----------------------------------------------------------------------------------------------- applying
def _apply_array_diff(array: list[Any], diff: dict[str, Any]) -> list[Any]:
    result = list(array)
    if "l" in diff:
        length = int(diff["l"])
        result = result[:length] + [None] * max(0, length - len(result))
    for key, value in diff.items():
        if key in ("a", "l"):
            continue
        index = int(key[1:])
        while len(result) <= index:
            result.append(None)
        if key[0] == "u":
            result[index] = copy.deepcopy(value)
        elif key[0] == "s":
            result[index] = apply_diff(result[index], value)
    return result


def apply_diff(target: Any, diff: dict[str, Any]) -> Any:
    """Apply a ``$v: 2`` diff; returns the new value (documents are changed in place, so pass a copy)."""
    if diff.get("a") is True:
        return _apply_array_diff(target if isinstance(target, list) else [], diff)
    doc = target if isinstance(target, dict) else {}
    for name in diff.get("d", {}):
        doc.pop(name, None)
    for name, value in diff.get("u", {}).items():
        doc[name] = copy.deepcopy(value)
    for name, value in diff.get("i", {}).items():
        doc.pop(name, None)  # inserted fields land at the end
        doc[name] = copy.deepcopy(value)
    for key, sub in diff.items():
        if key.startswith("s") and len(key) > 1:
            doc[key[1:]] = apply_diff(doc.get(key[1:]), sub)
    return doc
