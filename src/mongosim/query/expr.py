"""Aggregation expressions: ``evaluate(expr, doc, variables)``, used by $expr, find projections and pipelines.

Field paths follow aggregation semantics (``query.paths.get_path``); a missing value is ``MISSING`` inside the
evaluator and disappears when stored in a document. Operators live in a registry: the core ones here
(variables, control flow, boolean, comparison), the families in ``expr_arith``, ``expr_strings``,
``expr_arrays`` and ``expr_types``. Operators the simulator does not implement natively fall back to
mongomock's expression parser; unknown names fail with MongoDB's InvalidPipelineOperator (168) "Unrecognized
expression '$foo'", checked when a stage or filter is compiled.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, compare, is_number, number_value, render
from mongosim.query.paths import get_path

Vars = dict[str, Any]
Operator = Callable[[Any, Any, Vars], Any]
OPERATORS: dict[str, Operator] = {}


def op(*names: str) -> Callable[[Operator], Operator]:
    def register(fn: Operator) -> Operator:
        for name in names:
            OPERATORS[name] = fn
        return fn
    return register


def root_vars(doc: Any, user: Vars | None = None) -> Vars:
    variables: Vars = {"ROOT": doc, "CURRENT": doc}
    if user:
        variables.update(user)
    return variables


def evaluate(expr: Any, doc: Any, variables: Vars | None = None) -> Any:
    """The value of ``expr`` for ``doc`` (``MISSING`` when it evaluates to nothing)."""
    if variables is None:
        variables = root_vars(doc)
    if isinstance(expr, str):
        if expr.startswith("$"):
            return _field_path(expr, doc, variables)
        return expr
    if isinstance(expr, dict):
        if not expr:
            return {}
        first = next(iter(expr))
        if first.startswith("$"):
            if len(expr) != 1:
                raise CommandError(15983, "an expression specification must contain exactly one field, the name of "
                                   f"the expression. Found {len(expr)} fields in {render(expr)}, while parsing "
                                   f"object {render(expr)}")
            fn = OPERATORS.get(first)
            if fn is None:
                return _mongomock_fallback(first, expr, doc, variables)
            return fn(expr[first], doc, variables)
        out: dict[str, Any] = {}
        for key, sub in expr.items():
            value = evaluate(sub, doc, variables)
            if value is not MISSING:
                out[key] = value
        return out
    if isinstance(expr, list):
        return [null_if_missing(evaluate(e, doc, variables)) for e in expr]
    return expr


def null_if_missing(value: Any) -> Any:
    return None if value is MISSING else value


def nullish(value: Any) -> bool:
    """Null or missing: the operand for which most operators answer null."""
    return value is None or value is MISSING


def _field_path(expr: str, doc: Any, variables: Vars) -> Any:
    if expr.startswith("$$"):
        name, _, rest = expr[2:].partition(".")
        if name == "REMOVE":
            return MISSING
        if name == "NOW":
            base: Any = variables.setdefault("NOW", dt.datetime.now(dt.UTC).replace(tzinfo=None))
        elif name in variables:
            base = variables[name]
        else:
            raise CommandError(17276, f"Use of undefined variable: {name}")
        return get_path(base, rest) if rest else base
    if expr == "$":
        raise CommandError(16872, "'$' by itself is not a valid FieldPath")
    return get_path(variables.get("CURRENT", doc), expr[1:])


_FALLBACK_GROUPS = ("arithmetic_operators", "project_operators", "date_operators", "conditional_operators",
                    "array_operators", "string_operators", "comparison_operators", "boolean_operators",
                    "set_operators", "type_convertion_operators", "type_operators", "control_flow_operators")


@functools.lru_cache(maxsize=1)
def _fallback_names() -> frozenset[str]:
    from mongomock import aggregate

    names: set[str] = set()
    for group in _FALLBACK_GROUPS:
        names.update(getattr(aggregate, group))
    return frozenset(names)


def known_operator(name: str) -> bool:
    return name in OPERATORS or name in _fallback_names()


def _mongomock_fallback(name: str, expr: dict[str, Any], doc: Any, variables: Vars) -> Any:
    from mongomock import OperationFailure, aggregate

    if name not in _fallback_names():
        raise CommandError("InvalidPipelineOperator", f"Unrecognized expression '{name}'")
    user = {k: v for k, v in variables.items() if k not in ("ROOT", "CURRENT")}
    try:
        parser = aggregate._Parser(variables.get("CURRENT", doc), user,  # type: ignore[no-untyped-call]
                                   ignore_missing_keys=True)
        return parser.parse(expr)  # type: ignore[no-untyped-call]
    except KeyError:
        return MISSING
    except OperationFailure as exc:
        raise CommandError(2, str(exc)) from exc
    except NotImplementedError as exc:
        raise CommandError(2, f"{name} is not supported by the simulator") from exc


def validate(expr: Any) -> None:
    """Fail with the server's error if ``expr`` names an operator that does not exist."""
    if isinstance(expr, dict):
        for key, sub in expr.items():
            if key.startswith("$"):
                if not known_operator(key):
                    raise CommandError("InvalidPipelineOperator", f"Unrecognized expression '{key}'")
                if key == "$literal":
                    continue
            validate(sub)
    elif isinstance(expr, list):
        for sub in expr:
            validate(sub)


def truthy(value: Any) -> bool:
    """MongoDB's truthiness: false, null, missing and numeric zero are false; everything else is true."""
    if value is None or value is MISSING or value is False:
        return False
    if is_number(value) and not isinstance(value, bool):
        return bool(number_value(value) != 0)
    return True


def args_list(arg: Any, doc: Any, variables: Vars) -> list[Any]:
    if isinstance(arg, list):
        return [evaluate(a, doc, variables) for a in arg]
    return [evaluate(arg, doc, variables)]


def fixed_args(name: str, arg: Any, count: int, doc: Any, variables: Vars) -> list[Any]:
    values = args_list(arg, doc, variables)
    if len(values) != count:
        raise CommandError(16020, f"Expression {name} takes exactly {count} arguments. {len(values)} were passed in.")
    return values


# ---------------------------------------------------------------------------------------------- variables
@op("$literal")
def _literal(arg: Any, doc: Any, variables: Vars) -> Any:
    return arg


@op("$let")
def _let(arg: Any, doc: Any, variables: Vars) -> Any:
    if not isinstance(arg, dict) or "vars" not in arg or "in" not in arg:
        raise CommandError(16710 if isinstance(arg, dict) else 16874, "$let only supports an object as its argument"
                           if not isinstance(arg, dict) else "Missing 'vars' or 'in' parameter to $let")
    scope = dict(variables)
    for name, sub in arg["vars"].items():
        scope[name] = evaluate(sub, doc, variables)
    return evaluate(arg["in"], doc, scope)


# ---------------------------------------------------------------------------------------------- control flow
@op("$cond")
def _cond(arg: Any, doc: Any, variables: Vars) -> Any:
    if isinstance(arg, list):
        if len(arg) != 3:
            raise CommandError(16020, f"Expression $cond takes exactly 3 arguments. {len(arg)} were passed in.")
        test, then, other = arg
    elif isinstance(arg, dict):
        for key in ("if", "then", "else"):
            if key not in arg:
                raise CommandError(17080, f"Missing '{key}' parameter to $cond")
        test, then, other = arg["if"], arg["then"], arg["else"]
    else:
        raise CommandError(16020, "Expression $cond takes exactly 3 arguments. 1 were passed in.")
    return evaluate(then if truthy(evaluate(test, doc, variables)) else other, doc, variables)


@op("$ifNull")
def _if_null(arg: Any, doc: Any, variables: Vars) -> Any:
    if not isinstance(arg, list) or len(arg) < 2:
        raise CommandError(1257300, "$ifNull needs at least two arguments")
    for sub in arg[:-1]:
        value = evaluate(sub, doc, variables)
        if value is not None and value is not MISSING:
            return value
    return evaluate(arg[-1], doc, variables)


@op("$switch")
def _switch(arg: Any, doc: Any, variables: Vars) -> Any:
    if not isinstance(arg, dict) or not isinstance(arg.get("branches"), list):
        raise CommandError(40060, "$switch requires at least one branch.")
    for branch in arg["branches"]:
        if truthy(evaluate(branch["case"], doc, variables)):
            return evaluate(branch["then"], doc, variables)
    if "default" not in arg:
        raise CommandError(40066, "$switch could not find a matching branch for an input, and no default was "
                           "specified.")
    return evaluate(arg["default"], doc, variables)


# ---------------------------------------------------------------------------------------------- boolean, comparison
@op("$and")
def _and(arg: Any, doc: Any, variables: Vars) -> bool:
    return all(truthy(evaluate(a, doc, variables)) for a in (arg if isinstance(arg, list) else [arg]))


@op("$or")
def _or(arg: Any, doc: Any, variables: Vars) -> bool:
    return any(truthy(evaluate(a, doc, variables)) for a in (arg if isinstance(arg, list) else [arg]))


@op("$not")
def _not(arg: Any, doc: Any, variables: Vars) -> bool:
    return not truthy(fixed_args("$not", arg, 1, doc, variables)[0])


def expr_compare(a: Any, b: Any) -> int:
    """Comparison inside expressions: a missing value is its own (lowest) type, unequal to null."""
    if a is MISSING or b is MISSING:
        return 0 if a is b else (-1 if a is MISSING else 1)
    return compare(a, b)


def _comparison(name: str, test: Callable[[int], bool]) -> None:
    def run(arg: Any, doc: Any, variables: Vars) -> Any:
        a, b = fixed_args(name, arg, 2, doc, variables)
        return test(expr_compare(a, b))
    OPERATORS[name] = run


_comparison("$eq", lambda c: c == 0)
_comparison("$ne", lambda c: c != 0)
_comparison("$gt", lambda c: c > 0)
_comparison("$gte", lambda c: c >= 0)
_comparison("$lt", lambda c: c < 0)
_comparison("$lte", lambda c: c <= 0)


@op("$cmp")
def _cmp(arg: Any, doc: Any, variables: Vars) -> int:
    a, b = fixed_args("$cmp", arg, 2, doc, variables)
    return expr_compare(a, b)


# The operator families register themselves on import.
from mongosim.query import expr_arith, expr_arrays, expr_strings, expr_types  # noqa: E402,F401
