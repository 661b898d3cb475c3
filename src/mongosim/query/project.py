"""Projection: ``projector(projection)`` returns a function from a stored document to the returned copy.

Contract: ``projector(projection, query=None, variables=None, stage=None) -> Callable[[dict], dict]``. The
returned document is a new object (the stored one is never mutated; with no projection it is a deep copy;
with one, nested values the projection does not rewrite may be shared with the stored document, so treat
the result as read-only or copy it). Invalid projections raise ``CommandError``: exclusion in an inclusion
projection 31254, the reverse 31253, an expression in an exclusion projection 31252, path collisions
31249/31250. ``query`` is the find filter (for the positional ``a.$`` form), ``variables`` the command's
``let``; ``stage="$project"`` gives aggregation semantics (no find-only $slice/$elemMatch/positional forms).

Find projections in 8.0 accept aggregation expressions and literals besides 1/0 (``{total: {$add: [...]}}``),
``$slice``, ``$elemMatch``, positional ``a.$`` and ``$meta``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from mongosim.errors import CommandError
from mongosim.query import expr as expressions
from mongosim.query.compare import MISSING, RANK_NUMBER, number_value, type_rank
from mongosim.query.paths import get_path

Projector = Callable[[dict[str, Any]], dict[str, Any]]


class _Node:
    __slots__ = ("arg", "kind")

    def __init__(self, kind: str, arg: Any = None) -> None:
        self.kind = kind  # include, exclude, expr, slice, elemMatch, positional
        self.arg = arg


_INCLUDE = _Node("include")
_EXCLUDE = _Node("exclude")
Tree = dict[str, Any]  # field -> _Node | Tree


def projector(projection: dict[str, Any] | None, query: dict[str, Any] | None = None,
              variables: dict[str, Any] | None = None, stage: str | None = None) -> Projector:
    if not projection:
        if stage:
            raise CommandError(51272, f"Invalid {stage} :: caused by :: projection specification must have at "
                               "least one field")
        return copy.deepcopy
    try:
        return _Builder(projection, query, variables, stage).build()
    except CommandError as exc:
        if stage and not exc.errmsg.startswith("Invalid"):
            raise CommandError(exc.code, f"Invalid {stage} :: caused by :: {exc.errmsg}") from exc
        raise


class _Builder:
    def __init__(self, projection: dict[str, Any], query: dict[str, Any] | None, variables: dict[str, Any] | None,
                 stage: str | None) -> None:
        self.projection = projection
        self.query = query or {}
        self.variables = variables
        self.stage = stage
        self.tree: Tree = {}
        self.mode: str | None = None  # "inclusion" or "exclusion"
        self.id_spec: Any = MISSING

    def build(self) -> Projector:
        for path, value in self.projection.items():
            self.add(path, value)
        if self.id_spec is MISSING and self.mode != "exclusion":
            self.tree = {"_id": _INCLUDE, **self.tree}
        mode = self.mode or ("inclusion" if self.id_spec is True else "exclusion")
        tree, variables = self.tree, self.variables
        if mode == "inclusion":
            return lambda doc: _include(doc, tree, doc, variables)
        return lambda doc: _exclude(doc, tree, doc, variables)

    def _set_mode(self, mode: str, path: str) -> None:
        if self.mode is None or self.mode == mode:
            self.mode = mode
            return
        if mode == "exclusion":
            raise CommandError(31254, f"Cannot do exclusion on field {path} in inclusion projection")
        raise CommandError(31253, f"Cannot do inclusion on field {path} in exclusion projection")

    def add(self, path: str, value: Any) -> None:
        if not path:
            raise CommandError(40352, "FieldPath cannot be constructed with empty string")
        if path.startswith("$"):
            raise CommandError(16410, "FieldPath field names may not start with '$'. Consider using $getField or "
                               "$setField.")
        if not self.stage and path.endswith(".$"):
            self._set_mode("inclusion", path)
            if any(isinstance(n, _Node) and n.kind == "positional" for n in _leaves(self.tree)):
                raise CommandError(31276, "Cannot specify more than one positional proj. per query.")
            prefix = path[:-2]
            self._insert(prefix, _Node("positional", _positional_matcher(prefix, self.query)))
            return
        if isinstance(value, dict) and len(value) == 1 and not self.stage:
            name = next(iter(value))
            if name == "$slice":
                self._insert(path, _Node("slice", _slice_args(value["$slice"])))
                return
            if name == "$elemMatch":
                if "." in path:
                    raise CommandError("BadValue", "Cannot use $elemMatch projection on a nested field.")
                from mongosim.query.match import _Compiler

                self._set_mode("inclusion", path)
                self._insert(path, _Node("elemMatch", _Compiler(self.variables)._elem_match(value["$elemMatch"])))
                return
        if isinstance(value, bool) or (type_rank(value) == RANK_NUMBER and not isinstance(value, dict)):
            include = bool(number_value(value)) if not isinstance(value, bool) else value
            if path == "_id":
                self.id_spec = include
                self._insert(path, _INCLUDE if include else _EXCLUDE)
                return
            self._set_mode("inclusion" if include else "exclusion", path)
            self._insert(path, _INCLUDE if include else _EXCLUDE)
            return
        if isinstance(value, dict) and value and not next(iter(value)).startswith("$"):
            # A nested projection document: {a: {b: 1}} is {"a.b": 1}.
            for sub, subvalue in value.items():
                self.add(f"{path}.{sub}", subvalue)
            return
        if isinstance(value, dict) and "$meta" in value:
            value = {"$literal": None} if value["$meta"] not in ("textScore", "searchScore") else value
            if "$meta" in value:
                raise CommandError(40218, "query requires text score metadata, but it is not available")
        if self.mode == "exclusion":
            raise CommandError(31252, "Cannot use expression other than $meta in exclusion projection")
        expressions.validate(value)
        if path == "_id":
            self.id_spec = True
        else:
            self._set_mode("inclusion", path)
        self._insert(path, _Node("expr", value))

    def _insert(self, path: str, node: _Node) -> None:
        parts = path.split(".")
        tree = self.tree
        for i, part in enumerate(parts[:-1]):
            sub = tree.get(part)
            if isinstance(sub, _Node):
                raise CommandError(31249, f"Path collision at {path} remaining portion {'.'.join(parts[i + 1:])}")
            if sub is None:
                sub = tree[part] = {}
            tree = sub
        last = parts[-1]
        if last in tree:
            raise CommandError(31250, f"Path collision at {path}")
        tree[last] = node


def _leaves(tree: Tree) -> list[Any]:
    out: list[Any] = []
    for node in tree.values():
        out.extend(_leaves(node) if isinstance(node, dict) else [node])
    return out


def _slice_args(arg: Any) -> tuple[int, int | None]:
    if isinstance(arg, list):
        if len(arg) != 2:
            raise CommandError(28724, "First argument to $slice must be an array, but is of type: array")
        skip, limit = int(number_value(arg[0])), int(number_value(arg[1]))
        if limit <= 0:
            raise CommandError("BadValue", "$slice limit must be positive")
        return skip, limit
    if type_rank(arg) != RANK_NUMBER:
        raise CommandError("BadValue", "$slice only supports numbers and [skip, limit] arrays")
    return int(number_value(arg)), None


def _apply_slice(value: Any, args: tuple[int, int | None]) -> Any:
    if type(value) is not list:
        return value
    first, limit = args
    if limit is None:
        return value[:first] if first >= 0 else value[first:]
    start = first if first >= 0 else max(0, len(value) + first)
    return value[start:start + limit]


def _positional_matcher(prefix: str, query: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    """Finds the index of the first element of the array at ``prefix`` that the query matches."""
    from mongosim.query.match import matcher

    conditions: dict[str, Any] = {}

    def collect(filter_doc: dict[str, Any]) -> None:
        for key, cond in filter_doc.items():
            if key == "$and" and isinstance(cond, list):
                for sub in cond:
                    if isinstance(sub, dict):
                        collect(sub)
            elif key == prefix or key.startswith(prefix + "."):
                conditions.setdefault("$and", []).append({key: cond})

    collect(query)
    test = matcher(conditions) if conditions else None
    parts = prefix.split(".")

    def first_index(doc: dict[str, Any]) -> Any:
        array = get_path(doc, prefix)
        if test is None or type(array) is not list:
            raise CommandError(51246, "Executor error during find command :: caused by :: positional operator "
                               "'.$' couldn't find a matching element in the array")
        for i, element in enumerate(array):
            if test(_replace_path(doc, parts, [element])):
                return i
        raise CommandError(51246, "Executor error during find command :: caused by :: positional operator '.$' "
                           "couldn't find a matching element in the array")
    return first_index


def _replace_path(doc: dict[str, Any], parts: list[str], value: Any) -> dict[str, Any]:
    out = dict(doc)
    if len(parts) == 1:
        out[parts[0]] = value
    else:
        inner = out.get(parts[0])
        out[parts[0]] = _replace_path(inner, parts[1:], value) if isinstance(inner, dict) else inner
    return out


def _include(doc: dict[str, Any], tree: Tree, root: dict[str, Any], variables: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        node = tree.get(key)
        if node is None:
            continue
        if isinstance(node, dict):
            if type(value) is dict:
                out[key] = _include(value, node, root, variables)
            elif type(value) is list:
                out[key] = _include_array(value, node, root, variables)
        elif node.kind == "include":
            out[key] = value
        elif node.kind == "slice":
            out[key] = _apply_slice(value, node.arg)
        elif node.kind == "elemMatch" and type(value) is list:
            matched = _first_match(value, node.arg)
            if matched is not MISSING:
                out[key] = matched
        elif node.kind == "positional" and type(value) is list:
            out[key] = [value[node.arg(root)]]
    for key, node in tree.items():
        if isinstance(node, _Node) and node.kind == "expr":
            result = expressions.evaluate(node.arg, root, expressions.root_vars(root, variables))
            if result is not MISSING:
                out[key] = result
        elif isinstance(node, dict) and key not in doc and _has_expr(node):
            out[key] = _include({}, node, root, variables)
    return out


def _include_array(values: list[Any], tree: Tree, root: dict[str, Any],
                   variables: dict[str, Any] | None) -> list[Any]:
    out: list[Any] = []
    for element in values:
        if type(element) is dict:
            out.append(_include(element, tree, root, variables))
        elif type(element) is list:
            out.append(_include_array(element, tree, root, variables))
    return out


def _has_expr(tree: Tree) -> bool:
    return any(_has_expr(n) if isinstance(n, dict) else n.kind == "expr" for n in tree.values())


def _exclude(doc: dict[str, Any], tree: Tree, root: dict[str, Any], variables: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        node = tree.get(key)
        if node is None:
            out[key] = value
        elif isinstance(node, dict):
            if type(value) is dict:
                out[key] = _exclude(value, node, root, variables)
            elif type(value) is list:
                out[key] = [_exclude(e, node, root, variables) if type(e) is dict else e for e in value]
            else:
                out[key] = value
        elif node.kind == "include":
            out[key] = value
        elif node.kind == "slice":
            out[key] = _apply_slice(value, node.arg)
        elif node.kind == "elemMatch" and type(value) is list:
            matched = _first_match(value, node.arg)
            if matched is not MISSING:
                out[key] = matched
    return out


def _first_match(values: list[Any], elem_match: Callable[[list[Any]], bool]) -> Any:
    """The $elemMatch projection of an array: a one-element array of the first element that matches."""
    for element in values:
        if elem_match([[element]]):
            return [element]
    return MISSING
