"""Update semantics: parse an update (operators, replacement document or aggregation pipeline) once, then
apply it to documents, and build the document an upsert inserts.

Operator updates are parsed into mongod's update tree: one node per path component, leaves holding the
modifiers of ``update_ops`` and ``update_array_ops``. Building the tree detects conflicting paths (code 40);
applying it walks the document in field-name order, so new fields appear in lexicographic order (numeric names
in numeric order) whatever order the update listed them in, as MongoDB 5.0+ does. Positional ``$`` takes the
array position the query matched; ``$[]`` and ``$[<id>]`` (arrayFilters) fan out over array elements.

Written from scratch rather than on mongomock's update code: mongomock lacks arrayFilters, the tree's conflict
rules, no-op detection and the server's error codes, and patching those in would cost more than this module.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bson.objectid import ObjectId

from mongosim.errors import CommandError
from mongosim.query import update_array_ops as arrays
from mongosim.query import update_ops as ops
from mongosim.query import update_paths as paths
from mongosim.query.match import Predicate, matcher
from mongosim.query.pipeline import PipelineEnv, run_pipeline, validate_pipeline
from mongosim.query.update_values import clone, compare, format_element, identical, render, type_name

_IDENTIFIER = re.compile(r"^[a-z][a-zA-Z0-9]*$")
# The stages an update pipeline may use (isAllowedWithinUpdatePipeline).
_UPDATE_STAGES = frozenset({"$addFields", "$set", "$project", "$unset", "$replaceRoot", "$replaceWith"})


class Ref:
    """An element of the document being updated: ``container[key]``."""

    __slots__ = ("container", "key")

    def __init__(self, container: Any, key: Any) -> None:
        self.container = container
        self.key = key

    def get(self) -> Any:
        return self.container[self.key]

    def set(self, value: Any) -> None:
        self.container[self.key] = value


@dataclass
class ApplyState:
    root: dict[str, Any]
    is_insert: bool = False
    matched: str | None = None
    filters: dict[str, Predicate] = field(default_factory=dict)
    now: Any = None

    def next_timestamp(self) -> Any:
        return ops.CLOCK.next()


class ObjectNode:
    def __init__(self) -> None:
        self.children: dict[str, Any] = {}
        self.positional: Any = None

    def get(self, name: str) -> Any:
        return self.positional if name == "$" else self.children.get(name)

    def put(self, name: str, child: Any) -> None:
        if name == "$":
            self.positional = child
        else:
            self.children[name] = child


class ArrayNode:
    def __init__(self) -> None:
        self.children: dict[str, Any] = {}  # array filter identifier ("" for $[]) -> node

    def get(self, name: str) -> Any:
        return self.children.get(name)

    def put(self, name: str, child: Any) -> None:
        self.children[name] = child


_is_array_filter = paths.is_array_filter
RenameLeaf = paths.RenameLeaf
OPERATORS: dict[str, type[ops.Leaf]] = {
    "$set": ops.SetLeaf, "$setOnInsert": ops.SetOnInsertLeaf, "$unset": ops.UnsetLeaf, "$inc": ops.ArithmeticLeaf,
    "$mul": ops.MulLeaf, "$min": ops.CompareLeaf, "$max": ops.MaxLeaf, "$currentDate": ops.CurrentDateLeaf,
    "$bit": ops.BitLeaf, "$push": arrays.PushLeaf, "$addToSet": arrays.AddToSetLeaf, "$pop": arrays.PopLeaf,
    "$pull": arrays.PullLeaf, "$pullAll": arrays.PullAllLeaf,
}


def _field_order(a: tuple[str, Any], b: tuple[str, Any]) -> int:
    x, y = a[0], b[0]
    if x.isdigit() and y.isdigit():
        return (int(x) > int(y)) - (int(x) < int(y))
    return (x > y) - (x < y)


_BY_FIELD = functools.cmp_to_key(_field_order)


# ----------------------------------------------------------------------------------------- parsing
@dataclass
class ParsedUpdate:
    kind: str  # "operators", "replacement" or "pipeline"
    root: ObjectNode | None = None
    replacement: dict[str, Any] | None = None
    pipeline: list[Any] | None = None
    positional: bool = False
    filters: dict[str, Predicate] = field(default_factory=dict)
    constants: dict[str, Any] | None = None


def parse_array_filters(array_filters: Any) -> dict[str, Predicate]:
    """arrayFilters: one filter per identifier, each over the array element named by that identifier."""
    result: dict[str, Predicate] = {}
    for spec in array_filters or []:
        if not isinstance(spec, dict):
            raise CommandError("TypeMismatch", "Each array filter must be an object")
        names = _filter_top_level_names(spec)
        if not names:
            raise CommandError("FailedToParse", "Cannot use an expression without a top-level field name in "
                               "arrayFilters")
        if len(names) > 1:
            raise CommandError("FailedToParse", "Error parsing array filter :: caused by :: Expected a single "
                               f"top-level field name, found '{names[0]}' and '{names[1]}'")
        name = names[0]
        if not _IDENTIFIER.match(name):
            raise CommandError("BadValue", "Error parsing array filter :: caused by :: The top-level field name "
                               f"must be an alphanumeric string beginning with a lowercase letter, found '{name}'")
        if name in result:
            raise CommandError("FailedToParse", "Found multiple array filters with the same top-level field name "
                               f"{name}")
        result[name] = _element_filter(matcher(_rename_placeholder(spec, name)))
    return result


def _element_filter(predicate: Predicate) -> Predicate:
    def matches(element: Any) -> bool:
        return predicate({"e": element})

    return matches


def _filter_top_level_names(spec: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key, value in spec.items():
        if key in ("$and", "$or", "$nor") and isinstance(value, list):
            found = [n for sub in value if isinstance(sub, dict) for n in _filter_top_level_names(sub)]
        elif key.startswith("$"):
            found = []
        else:
            found = [key.split(".", 1)[0]]
        names.extend(n for n in found if n not in names)
    return names


def _rename_placeholder(spec: Any, name: str) -> Any:
    """The filter with its identifier renamed to a fixed field, so it can match ``{"e": element}``."""
    if isinstance(spec, list):
        return [_rename_placeholder(item, name) for item in spec]
    if not isinstance(spec, dict):
        return spec
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if key in ("$and", "$or", "$nor"):
            out[key] = _rename_placeholder(value, name)
        elif key == name or key.startswith(name + "."):
            out["e" + key[len(name):]] = value
        else:
            out[key] = value
    return out


def parse_update(u: Any, *, array_filters: Any = None, constants: Any = None, multi: bool = False) -> ParsedUpdate:
    """Parse and validate an update; every parse error is raised here, before any document is touched."""
    filters = parse_array_filters(array_filters)
    if isinstance(u, list):
        if array_filters:
            raise CommandError("FailedToParse", "arrayFilters may not be specified for pipeline-style updates")
        for name, _ in validate_pipeline(u):
            if name not in _UPDATE_STAGES:
                raise CommandError("InvalidOptions", f"{name} is not allowed to be used within an update")
        return ParsedUpdate("pipeline", pipeline=u, constants=constants)
    if constants is not None:
        raise CommandError(51198, "Constant values may only be specified for pipeline updates")
    if not u or not next(iter(u)).startswith("$"):
        if multi:
            raise CommandError("FailedToParse", "multi update is not supported for replacement-style update")
        return ParsedUpdate("replacement", replacement=u)
    root = ObjectNode()
    used: set[str] = set()
    positional = False
    for op, fields in u.items():
        if op not in OPERATORS and op != "$rename":
            raise CommandError("FailedToParse", f"Unknown modifier: {op}. Expected a valid update modifier or "
                               "pipeline-style update specified as an array")
        if not isinstance(fields, dict):
            raise CommandError("FailedToParse", f"Modifiers operate on fields but we found type "
                               f"{type_name(fields)} instead. For example: {{$mod: {{<field>: ...}}}} not "
                               f"{{{format_element(op, fields)}}}")
        for path, value in fields.items():
            if op == "$rename":
                positional |= _merge(root, path, functools.partial(ops.PlaceholderLeaf, path, value), filters,
                                     used)
                if not isinstance(value, str):
                    raise CommandError("BadValue", f"The 'to' field for $rename must be a string: "
                                       f"{format_element(path, value)}")
                positional |= _merge(root, value, functools.partial(RenameLeaf, path, value), filters, used)
            else:
                positional |= _merge(root, path, functools.partial(OPERATORS[op], path, value), filters,
                                     used)
    for name in filters:
        if name not in used:
            raise CommandError("FailedToParse", f"The array filter for identifier '{name}' was not used in the "
                               f"update {render(u)}")
    return ParsedUpdate("operators", root=root, positional=positional, filters=filters)


def _merge(root: ObjectNode, path: str, make_leaf: Callable[[], ops.Leaf], filters: dict[str, Predicate],
           used: set[str]) -> bool:
    """Add one modifier's leaf to the tree at ``path``; returns whether the path is positional. Checks run in
    mongod's order: the path's shape, then the modifier's argument, then array filters and conflicts."""
    parts = path.split(".")
    if path == "":
        raise CommandError("EmptyFieldName", "An empty update path is not valid.")
    if "" in parts:
        raise CommandError("EmptyFieldName", f"The update path '{path}' contains an empty field name, which is not "
                           "allowed.")
    positions = [i for i, p in enumerate(parts) if p == "$"]
    if len(positions) > 1:
        raise CommandError("BadValue", f"Too many positional (i.e. '$') elements found in path '{path}'")
    if positions and positions[0] == 0:
        raise CommandError("BadValue", f"Cannot have positional (i.e. '$') element in the first position in path "
                           f"'{path}'")
    leaf = make_leaf()
    names = []
    for i, part in enumerate(parts):
        if _is_array_filter(part):
            if i == 0:
                raise CommandError("BadValue", "Cannot have array filter identifier (i.e. '$[<id>]') element in "
                                   f"the first position in path '{path}'")
            identifier = part[2:-1]
            if identifier and identifier not in filters:
                raise CommandError("BadValue", f"No array filter found for identifier '{identifier}' in path "
                                   f"'{path}'")
            if identifier:
                used.add(identifier)
            names.append(identifier)
        else:
            names.append(part)
    current: Any = root
    for i in range(len(parts) - 1):
        child = current.get(names[i])
        want_array = _is_array_filter(parts[i + 1])
        if child is not None:
            if not isinstance(child, ArrayNode if want_array else ObjectNode):
                raise CommandError("ConflictingUpdateOperators", f"Updating the path '{path}' would create a "
                                   f"conflict at '{'.'.join(parts[:i + 1])}'")
        else:
            child = ArrayNode() if want_array else ObjectNode()
            current.put(names[i], child)
        current = child
    if current.get(names[-1]) is not None:
        raise CommandError("ConflictingUpdateOperators", f"Updating the path '{path}' would create a conflict at "
                           f"'{path}'")
    current.put(names[-1], leaf)
    return bool(positions)


def _merge_nodes(a: Any, b: Any, path: list[str]) -> Any:
    """Two updates that reach the same array element ($, $[], $[<id>]) combine unless both write the same path."""
    if isinstance(a, ObjectNode) and isinstance(b, ObjectNode):
        merged = ObjectNode()
        for name in {**a.children, **b.children}:
            left, right = a.children.get(name), b.children.get(name)
            merged.children[name] = _merge_nodes(left, right, [*path, name]) if left and right else left or right
        if a.positional and b.positional:
            merged.positional = _merge_nodes(a.positional, b.positional, [*path, "$"])
        else:
            merged.positional = a.positional or b.positional
        return merged
    if isinstance(a, ArrayNode) and isinstance(b, ArrayNode):
        merged_array = ArrayNode()
        for name in {**a.children, **b.children}:
            left, right = a.children.get(name), b.children.get(name)
            merged_array.children[name] = (_merge_nodes(left, right, [*path, f"$[{name}]"]) if left and right
                                           else left or right)
        return merged_array
    raise CommandError("ConflictingUpdateOperators", f"Update created a conflict at '{'.'.join(path)}'")


# ----------------------------------------------------------------------------------------- applying
def _apply_node(node: Any, st: ApplyState, ref: Ref, taken: list[str], to_create: list[str]) -> bool:
    if isinstance(node, ObjectNode):
        return _apply_object(node, st, ref, taken, to_create)
    if isinstance(node, ArrayNode):
        return _apply_array(node, st, ref, taken, to_create)
    if isinstance(node, RenameLeaf):
        return paths.apply_rename(node, st, ref, taken, to_create)
    return paths.apply_leaf(node, st, ref, taken, to_create)


def _apply_object(node: ObjectNode, st: ApplyState, ref: Ref, taken: list[str], to_create: list[str]) -> bool:
    children = dict(node.children)
    if node.positional is not None:
        if st.matched is None:
            raise CommandError("BadValue", "The positional operator did not find the match needed from the query.")
        existing = children.get(st.matched)
        children[st.matched] = (_merge_nodes(existing, node.positional, [*taken, *to_create, st.matched])
                                if existing is not None else node.positional)
    changed = False
    for name, child in sorted(children.items(), key=_BY_FIELD):
        cur_ref, cur_taken, cur_create = paths.advance(ref, taken, to_create)
        if cur_create:
            changed |= _apply_node(child, st, cur_ref, cur_taken, [*cur_create, name])
            continue
        child_ref = paths.child_ref(cur_ref, name)
        if child_ref is None:
            changed |= _apply_node(child, st, cur_ref, cur_taken, [name])
        else:
            changed |= _apply_node(child, st, child_ref, [*cur_taken, name], [])
    return changed


def _apply_array(node: ArrayNode, st: ApplyState, ref: Ref, taken: list[str], to_create: list[str]) -> bool:
    if to_create:
        raise CommandError("BadValue", f"The path '{'.'.join([*taken, *to_create])}' must exist in the document in "
                           "order to apply array updates.")
    array = ref.get()
    if not isinstance(array, list):
        raise CommandError("BadValue", f"Cannot apply array updates to non-array element "
                           f"{format_element(str(ref.key), array)}")
    plan: list[tuple[int, Any]] = []
    for i, element in enumerate(array):  # every filter sees the array as it was before this update
        matching = [child for ident, child in sorted(node.children.items())
                    if ident == "" or st.filters[ident](element)]
        if matching:
            merged = matching[0]
            for other in matching[1:]:
                merged = _merge_nodes(merged, other, [*taken, str(i)])
            plan.append((i, merged))
    changed = False
    for i, merged in plan:
        changed |= _apply_node(merged, st, Ref(array, i), [*taken, str(i)], [])
    return changed


def apply_update(parsed: ParsedUpdate, doc: dict[str, Any], *, query: dict[str, Any] | None = None,
                 is_insert: bool = False, variables: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The updated copy of ``doc``, or None when the update changes nothing (a no-op is not written)."""
    new_doc: dict[str, Any]
    if parsed.kind == "replacement":
        assert parsed.replacement is not None
        new_doc = paths.replace_document(doc, parsed.replacement)
    elif parsed.kind == "pipeline":
        assert parsed.pipeline is not None
        env = PipelineEnv(None, "", {**(variables or {}), **(parsed.constants or {})})
        new_doc = paths.check_transformed(doc, next(run_pipeline([doc], parsed.pipeline, env)))
    else:
        assert parsed.root is not None
        new_doc = clone(doc)
        st = ApplyState(new_doc, is_insert=is_insert, filters=parsed.filters, now=ops.now_date())
        if parsed.positional and query is not None and not is_insert:
            st.matched = paths.positional_match(query, doc)
        if not _apply_object(parsed.root, st, Ref([new_doc], 0), [], []):
            return None
        return new_doc
    return None if identical(new_doc, doc) else new_doc


def upsert_document(parsed: ParsedUpdate, query: dict[str, Any],
                    variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document an upsert inserts: the query's equality fields (only ``_id`` for a replacement), the update
    applied with $setOnInsert active, ``_id`` first (a new ObjectId when neither gave one)."""
    seed = paths.query_equalities(query, only_id=parsed.kind == "replacement")
    if parsed.kind == "replacement":
        assert parsed.replacement is not None
        doc = paths.replace_document(seed, parsed.replacement) if seed else dict(parsed.replacement)
    else:
        doc = apply_update(parsed, seed, is_insert=True, variables=variables) or seed
        if "_id" in seed and ("_id" not in doc or compare(doc["_id"], seed["_id"]) != 0):
            raise CommandError("ImmutableField", "Performing an update on the path '_id' would modify the immutable "
                               "field '_id'")
    if "_id" not in doc:
        doc = {"_id": ObjectId(), **doc}
    elif next(iter(doc)) != "_id":
        doc = {"_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
    if isinstance(doc["_id"], list):
        raise CommandError("NotSingleValueField", "After applying the update to the document, the field '_id' was "
                           "found to be an array or array descendant.")
    paths.validate_id(doc["_id"])
    return doc
