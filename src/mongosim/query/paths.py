"""Reading dotted paths out of documents, the two ways MongoDB does it.

- Query paths (``candidates``): what a filter or sort key sees. Arrays met on the way are traversed element by
  element, numeric components also index arrays, and a path that leads nowhere yields ``MISSING`` (so
  ``{"a.b": null}`` matches ``{a: [{c: 1}]}``).
- Expression paths (``get_path``): what ``"$a.b"`` evaluates to in aggregation. Arrays map to the array of
  their elements' values (elements without the field are dropped), numeric components are plain field names.
"""

from __future__ import annotations

from typing import Any

from mongosim.query.compare import MISSING


def split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def candidates(doc: Any, parts: tuple[str, ...]) -> list[Any]:
    """Every value the query path reaches (``[MISSING]`` when it reaches none)."""
    out: list[Any] = []
    _walk(doc, parts, 0, out)
    return out or [MISSING]


def _walk(value: Any, parts: tuple[str, ...], i: int, out: list[Any]) -> None:
    n = len(parts)
    while i < n:
        part = parts[i]
        if isinstance(value, dict):
            if part not in value:
                out.append(MISSING)
                return
            value = value[part]
            i += 1
            continue
        if isinstance(value, list):
            if part.isdigit():
                index = int(part)
                if index < len(value):
                    _walk(value[index], parts, i + 1, out)
                # Arrays of documents may also hold a field literally named "0".
                for element in value:
                    if isinstance(element, dict) and part in element:
                        _walk(element, parts, i, out)
                return
            for element in value:
                if isinstance(element, dict):
                    _walk(element, parts, i, out)
            return
        out.append(MISSING)
        return
    out.append(value)


def get_path(doc: Any, path: str | tuple[str, ...]) -> Any:
    """The value of an aggregation field path, ``MISSING`` when absent."""
    parts = split(path) if isinstance(path, str) else path
    value = doc
    for i, part in enumerate(parts):
        if isinstance(value, dict):
            value = value.get(part, MISSING)
            if value is MISSING:
                return MISSING
        elif isinstance(value, list):
            rest = parts[i:]
            mapped = []
            for element in value:
                if isinstance(element, (dict, list)):
                    got = get_path(element, rest)
                    if got is not MISSING:
                        mapped.append(got)
            return mapped
        else:
            return MISSING
    return value


def set_path(doc: dict[str, Any], path: str | tuple[str, ...], value: Any) -> None:
    """Set a dotted path in a document being built, creating (or replacing non-object) parents."""
    parts = split(path) if isinstance(path, str) else path
    target = doc
    for part in parts[:-1]:
        nxt = target.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            target[part] = nxt
        target = nxt
    target[parts[-1]] = value
