"""Path work for updates: walking and creating paths in a document, applying one modifier where the tree
walk reached, $rename's move, whole-document replacement checks, the positional match of a query, and the
equality fields an upsert copies from its query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.query import update_array_ops as arrays
from mongosim.query import update_ops as ops
from mongosim.query.match import matcher
from mongosim.query.update_values import (
    clone,
    compare,
    format_element,
    identical,
    render,
    type_name,
)

if TYPE_CHECKING:
    from mongosim.query.update import ApplyState, Ref

MAX_ARRAY_PADDING = 1_500_000


def is_array_filter(part: str) -> bool:
    return part.startswith("$[") and part.endswith("]")


class RenameLeaf(ops.Leaf):
    """The destination of a $rename: moves the source's value here when the tree walk reaches it."""

    op = "$rename"

    def parse(self) -> None:
        source, target = self.path, self.value
        if "\0" in target:
            raise CommandError("BadValue", "The 'to' field for $rename cannot contain an embedded null byte")
        text = format_element(source, target)
        src_parts, dst_parts = source.split("."), target.split(".")
        if src_parts == dst_parts:
            raise CommandError("BadValue", f"The source and target field for $rename must differ: {text}")
        shorter = min(len(src_parts), len(dst_parts))
        if src_parts[:shorter] == dst_parts[:shorter]:
            raise CommandError("BadValue", f"The source and target field for $rename must not be on the same path: "
                               f"{text}")
        if any(p == "$" or is_array_filter(p) for p in src_parts):
            raise CommandError("BadValue", f"The source field for $rename may not be dynamic: {source}")
        if any(p == "$" or is_array_filter(p) for p in dst_parts):
            raise CommandError("BadValue", f"The destination field for $rename may not be dynamic: {target}")
        self.source = src_parts

    def update(self, st: ApplyState, ref: Ref, taken: list[str]) -> bool:
        raise AssertionError("rename is applied by apply_rename")


def _is_index(name: str) -> bool:
    return name.isascii() and name.isdigit()


def child_ref(ref: Ref, name: str) -> Ref | None:
    from mongosim.query.update import Ref

    value = ref.get()
    if isinstance(value, dict):
        return Ref(value, name) if name in value else None
    if isinstance(value, list) and _is_index(name) and int(name) < len(value):
        return Ref(value, int(name))
    return None


def advance(ref: Ref, taken: list[str], to_create: list[str]) -> tuple[Ref, list[str], list[str]]:
    """Follow ``to_create`` as far as it exists now (an earlier sibling update may have created it)."""
    while to_create:
        child = child_ref(ref, to_create[0])
        if child is None:
            break
        ref, taken, to_create = child, [*taken, to_create[0]], to_create[1:]
    return ref, taken, to_create


def _viability_error(ref: Ref, taken: list[str], to_create: list[str]) -> CommandError:
    full = ".".join([*taken, *to_create])
    return CommandError("PathNotViable", f"Cannot use the part ({to_create[0]}) of ({full}) to traverse the "
                        f"element ({{{format_element(str(ref.key), ref.get())}}})")


def _nest(parts: list[str], value: Any) -> Any:
    for part in reversed(parts):
        value = {part: value}
    return value


def create_path(ref: Ref, to_create: list[str], value: Any) -> None:
    """Create the missing path ``to_create`` under the existing element ``ref`` and put ``value`` at its end."""
    element = ref.get()
    first = to_create[0]
    if isinstance(element, dict):
        element[first] = _nest(to_create[1:], value)
        return
    if isinstance(element, list) and _is_index(first):
        index = int(first)
        if index - len(element) > MAX_ARRAY_PADDING:
            raise CommandError("CannotBackfillArray", f"can't backfill more than {MAX_ARRAY_PADDING} elements")
        element.extend([None] * (index - len(element)))
        element.append(_nest(to_create[1:], value))
        return
    raise CommandError("PathNotViable", f"Cannot create field '{first}' in element "
                       f"{{{format_element(str(ref.key), element)}}}")


def _dollar_field_error(name: str) -> CommandError:
    return CommandError("DollarPrefixedFieldName", f"The dollar ($) prefixed field '{name}' in '{name}' is not "
                        "allowed in the context of an update's replacement document. Consider using an aggregation "
                        "pipeline with $replaceWith.")


def _check_existing_write(leaf: ops.Leaf, st: ApplyState, taken: list[str]) -> None:
    if taken[0] == "_id":
        action = "a $pop" if isinstance(leaf, arrays.PopLeaf) else "an update"
        raise CommandError("ImmutableField", f"Performing {action} on the path '{'.'.join(taken)}' would modify the "
                           "immutable field '_id'")
    if len(taken) == 1 and taken[0].startswith("$") and not st.is_insert and not isinstance(leaf, ops.UnsetLeaf):
        raise _dollar_field_error(taken[0])


def _check_created(st: ApplyState, ref: Ref, taken: list[str], to_create: list[str]) -> None:
    if taken and taken[0] == "_id":
        raise CommandError("ImmutableField", f"Updating the path '{'.'.join(taken)}' to "
                           f"{format_element(str(ref.key), ref.get())} would modify the immutable field '_id'")
    if not taken and to_create[0].startswith("$") and not st.is_insert:
        raise _dollar_field_error(to_create[0])


def apply_leaf(leaf: ops.Leaf, st: ApplyState, ref: Ref, taken: list[str], to_create: list[str]) -> bool:
    if not to_create:
        changed = leaf.update(st, ref, taken)
        if changed:
            _check_existing_write(leaf, st, taken)
        return changed
    if not leaf.creates:
        element = ref.get()
        if isinstance(leaf, (arrays.PullLeaf, arrays.PopLeaf)) and not (
                isinstance(element, dict) or (isinstance(element, list) and _is_index(to_create[0]))):
            raise _viability_error(ref, taken, to_create)
        return False
    value = leaf.create(st)
    if value is ops.NOTHING:
        return False
    create_path(ref, to_create, value)
    _check_created(st, ref, taken, to_create)
    return True


def _id_text(root: dict[str, Any]) -> str:
    return format_element("_id", root["_id"]) if "_id" in root else "no id"


def apply_rename(leaf: RenameLeaf, st: ApplyState, ref: Ref, taken: list[str], to_create: list[str]) -> bool:
    """$rename {source: target}: runs at the target's place in the tree walk; a missing source is a no-op."""
    container: Any = None
    value: Any = st.root
    parents: list[tuple[str, Any]] = []
    for i, part in enumerate(leaf.source):
        if isinstance(value, dict) and part in value:
            parents.append((part, value))
            container, value = value, value[part]
        elif isinstance(value, list) and _is_index(part):
            if int(part) >= len(value):
                return False
            parents.append((part, value))
            container, value = value, value[int(part)]
        elif isinstance(value, dict) or (isinstance(value, list) and _is_index(part)):
            return False
        else:
            name = leaf.source[i - 1]
            raise CommandError("PathNotViable", f"cannot use the part ({name} of {leaf.path}) to traverse the "
                               f"element ({{{format_element(name, value)}}})")
    for k in range(len(parents) - 1, 0, -1):
        if isinstance(parents[k][1], list):
            parent_name = parents[k - 1][0]
            raise CommandError("BadValue", f"The source field cannot be an array element, '{leaf.path}' in doc "
                               f"with {_id_text(st.root)} has an array field called '{parent_name}'")
    chain: list[tuple[str, Any]] = []
    node: Any = st.root
    for part in taken:
        node = node[int(part)] if isinstance(node, list) else node[part]
        chain.append((part, node))
    candidates = chain if to_create else chain[:-1]
    for name, holder in reversed(candidates):
        if isinstance(holder, list):
            raise CommandError("BadValue", f"The destination field cannot be an array element, '{leaf.value}' in "
                               f"doc with {_id_text(st.root)} has an array field called '{name}'")
    if to_create:
        create_path(ref, to_create, value)
        _check_created(st, ref, taken, to_create)
    elif not identical(ref.get(), value):
        ref.set(value)
        _check_existing_write(leaf, st, taken)
    if leaf.source[0] == "_id":
        raise CommandError("ImmutableField", f"Unsetting the path '{leaf.path}' using $rename would modify the "
                           "immutable field '_id'")
    del container[leaf.source[-1]]
    return True


# ----------------------------------------------------------------------------------------- whole documents
def validate_id(value: Any) -> None:
    """``storageValidIdField``: what an ``_id`` may not be."""
    kind = type_name(value)
    if kind in ("array", "regex"):
        raise CommandError("InvalidIdField", f"The '_id' value cannot be of type {kind}")
    if isinstance(value, dict):
        name = _dollar_prefixed(value)
        if name is not None:
            raise CommandError("DollarPrefixedFieldName", f"_id fields may not contain '$'-prefixed fields: {name} "
                               "is not valid for storage.")


def _dollar_prefixed(doc: dict[str, Any]) -> str | None:
    for key, value in doc.items():
        if key.startswith("$"):
            return key
        if isinstance(value, dict):
            inner = _dollar_prefixed(value)
            if inner is not None:
                return inner
    return None


def check_top_level_fields(doc: dict[str, Any]) -> None:
    """Top-level ``$`` field names are refused in a replacement (a DBRef's $ref/$id/$db excepted)."""
    names = list(doc)
    for i, name in enumerate(names):
        if not name.startswith("$"):
            continue
        previous = names[i - 1] if i else None
        following = names[i + 1] if i + 1 < len(names) else None
        dbref = ((name == "$ref" and following == "$id") or (name == "$id" and previous == "$ref")
                 or (name == "$db" and previous == "$id"))
        if not dbref:
            raise _dollar_field_error(name)


def _id_first(doc: dict[str, Any]) -> dict[str, Any]:
    if not doc or next(iter(doc)) == "_id" or "_id" not in doc:
        return doc
    return {"_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}


def _check_id_kept(old: dict[str, Any], new: dict[str, Any]) -> None:
    if "_id" in old and "_id" in new and compare(old["_id"], new["_id"]) != 0:
        raise CommandError("ImmutableField", "After applying the update, the (immutable) field '_id' was found to "
                           f"have been altered to {format_element('_id', new['_id'])}")


def replace_document(doc: dict[str, Any], replacement: dict[str, Any]) -> dict[str, Any]:
    """A replacement keeps the document's ``_id`` (and may repeat it, but not change it)."""
    check_top_level_fields(replacement)
    if "_id" in replacement:
        validate_id(replacement["_id"])
        _check_id_kept(doc, replacement)
        return _id_first(clone(replacement))
    copy: dict[str, Any] = clone(replacement)
    return {"_id": doc["_id"], **copy} if "_id" in doc else copy


def check_transformed(doc: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A pipeline's result must keep the document's ``_id``."""
    if "_id" in doc and "_id" not in new:
        raise CommandError("ImmutableField", "After applying the update, the '_id' (required and immutable) field "
                           f"was found to have been removed --{render(doc)}")
    _check_id_kept(doc, new)
    if "_id" in new:
        validate_id(new["_id"])
    return _id_first(new)


# ----------------------------------------------------------------------------------------- queries
def positional_match(query: dict[str, Any], doc: dict[str, Any]) -> str | None:
    """The array position the query matched (mongod's elemMatchKey), which positional ``$`` stands for."""
    result = None
    for key, cond in query.items():
        if key == "$and" and isinstance(cond, list):
            for sub in cond:
                found = positional_match(sub, doc) if isinstance(sub, dict) else None
                result = found if found is not None else result
        elif key == "$or" and isinstance(cond, list):
            for sub in cond:
                if isinstance(sub, dict) and matcher(sub)(doc):
                    found = positional_match(sub, doc)
                    result = found if found is not None else result
                    break
        elif not key.startswith("$"):
            found = _path_match(key.split("."), cond, doc)
            result = found if found is not None else result
    return result


def _path_match(parts: list[str], cond: Any, value: Any) -> str | None:
    for i, part in enumerate(parts):
        if isinstance(value, list):
            if _is_index(part) and int(part) < len(value):
                value = value[int(part)]
                continue
            rest = {".".join(parts[i:]): cond}
            test = matcher(rest)
            for index, element in enumerate(value):
                if isinstance(element, dict) and test(element):
                    return str(index)
            return None
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if not isinstance(value, list):
        return None
    test = matcher({"v": cond})
    elem_match = isinstance(cond, dict) and "$elemMatch" in cond
    for index, element in enumerate(value):
        if test({"v": [element] if elem_match else element}):
            return str(index)
    return None


def contains_expr(query: Any) -> bool:
    if isinstance(query, dict):
        return any(key == "$expr" or contains_expr(value) for key, value in query.items()
                   if key.startswith("$") or isinstance(value, (dict, list)))
    if isinstance(query, list):
        return any(contains_expr(item) for item in query)
    return False


def _is_regex(value: Any) -> bool:
    return type_name(value) == "regex"


def _equalities(query: dict[str, Any], found: dict[str, Any]) -> None:
    for key, cond in query.items():
        if key == "$and" and isinstance(cond, list):
            for sub in cond:
                if isinstance(sub, dict):
                    _equalities(sub, found)
        elif key == "$or" and isinstance(cond, list) and len(cond) == 1 and isinstance(cond[0], dict):
            _equalities(cond[0], found)
        elif key.startswith("$") or _is_regex(cond):
            continue
        elif isinstance(cond, dict) and cond and next(iter(cond)).startswith("$"):
            for op, arg in cond.items():
                if op == "$eq" and not _is_regex(arg):
                    _add_equality(found, key, arg)
                elif op in ("$in", "$all") and isinstance(arg, list) and len(arg) == 1 and not _is_regex(arg[0]) \
                        and not (isinstance(arg[0], dict) and "$elemMatch" in arg[0]):
                    _add_equality(found, key, arg[0])
        else:
            _add_equality(found, key, cond)


def _add_equality(found: dict[str, Any], path: str, value: Any) -> None:
    if path in found:
        raise CommandError("NotSingleValueField", f"cannot infer query fields to set, path '{path}' is matched "
                           "twice")
    for other in found:
        shorter, longer = sorted((other, path), key=len)
        if longer.startswith(shorter + "."):
            raise CommandError("NotSingleValueField", f"cannot infer query fields to set, both paths '{longer}' "
                               f"and '{shorter}' are matched")
    found[path] = value


def query_equalities(query: dict[str, Any], *, only_id: bool = False) -> dict[str, Any]:
    """The document an upsert starts from: the query's equality predicates, in path order."""
    found: dict[str, Any] = {}
    _equalities(query or {}, found)
    if only_id:
        for path in found:
            if path.startswith("_id."):
                raise CommandError("NotExactValueField", "field at '_id' must be exactly specified, field at "
                                   f"sub-path '{path}'found")
        found = {"_id": found["_id"]} if "_id" in found else {}
    doc: dict[str, Any] = {}
    for path in sorted(found):
        target = doc
        parts = path.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = clone(found[path])
    return doc
