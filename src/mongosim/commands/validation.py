"""Document validation: a collection's ``validator`` (create/collMod options) checked on inserts and updates.

``validationLevel`` "strict" checks every write, "moderate" skips updates to documents that already failed,
"off" checks nothing; ``validationAction`` "error" refuses the write with DocumentValidationFailure (121)
"Document failed validation" and an ``errInfo`` explaining which clauses failed, "warn" writes the document
and logs "Document would fail validation" (id 20294). ``bypassDocumentValidation`` skips the check.

The ``errInfo.details`` follow the server's shape (operatorName, specifiedAs, reason, consideredValue,
clausesNotSatisfied, schemaRulesNotSatisfied) for comparisons, $type, $exists, $jsonSchema's required /
properties / bsonType rules and logical operators; other operators report their name and specification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, type_name
from mongosim.query.match import Predicate, matcher
from mongosim.query.paths import get_path

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.storage.collection import Collection

LOG_WOULD_FAIL = 20294
_REASONS = {"$eq": "comparison failed", "$ne": "comparison failed", "$gt": "comparison failed",
            "$gte": "comparison failed", "$lt": "comparison failed", "$lte": "comparison failed",
            "$in": "no matching value found in array", "$nin": "matching value found in array",
            "$type": "type did not match", "$regex": "regular expression did not match",
            "$exists": "path had value when it should have been missing", "$size": "array length was not equal "
            "to given size", "$all": "array did not contain all specified values", "$mod": "$mod did not match",
            "$elemMatch": "array did not satisfy the child predicate"}


class Validator:
    """A collection's validator, compiled once per write command."""

    def __init__(self, coll: Collection) -> None:
        options = coll.options
        self.ns = coll.ns
        self.spec: dict[str, Any] = options.get("validator") or {}
        self.level = options.get("validationLevel", "strict")
        self.action = options.get("validationAction", "error")
        self.predicate: Predicate | None = matcher(self.spec) if self.spec and self.level != "off" else None

    @classmethod
    def of(cls, coll: Collection | None) -> Validator | None:
        if coll is None or not coll.options.get("validator"):
            return None
        validator = cls(coll)
        return validator if validator.predicate is not None else None

    def check(self, ctx: CommandContext, doc: dict[str, Any], old: dict[str, Any] | None = None) -> None:
        """Raise DocumentValidationFailure (or log, with action "warn") when ``doc`` fails the validator."""
        assert self.predicate is not None
        if old is not None and self.level == "moderate" and not self.predicate(old):
            return
        if self.predicate(doc):
            return
        err_info = {"failingDocumentId": doc.get("_id"), "details": details(self.spec, doc)}
        if self.action == "warn":
            ctx.server.log.log("W", "STORAGE", LOG_WOULD_FAIL, ctx.conn.ctx_name if ctx.conn else "-",
                               "Document would fail validation",
                               {"namespace": self.ns, "document": doc, "errInfo": err_info})
            return
        raise CommandError("DocumentValidationFailure", "Document failed validation", errInfo=err_info)


def details(spec: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    clauses = list(spec.items())
    if len(clauses) == 1:
        return _clause(*clauses[0], doc)
    failing = [{"index": i, "details": _clause(key, cond, doc)} for i, (key, cond) in enumerate(clauses)
               if not matcher({key: cond})(doc)]
    return {"operatorName": "$and", "clausesNotSatisfied": failing}


def _clause(key: str, cond: Any, doc: dict[str, Any]) -> dict[str, Any]:
    if key == "$jsonSchema" and isinstance(cond, dict):
        return {"operatorName": "$jsonSchema", "schemaRulesNotSatisfied": _schema_rules(cond, doc)}
    if key in ("$and", "$or", "$nor") and isinstance(cond, list):
        failing = [{"index": i, "details": details(sub, doc)} for i, sub in enumerate(cond)
                   if isinstance(sub, dict) and (key == "$nor") == matcher(sub)(doc)]
        name = "clausesNotSatisfied" if key != "$nor" else "clausesSatisfied"
        return {"operatorName": key, name: failing}
    if key.startswith("$"):
        return {"operatorName": key, "specifiedAs": {key: cond}, "reason": "expression did not match"}
    value = get_path(doc, key)
    if isinstance(cond, dict) and cond and all(name.startswith("$") for name in cond):
        failing_ops = [op for op in cond if not matcher({key: {op: cond[op]}})(doc)]
        if len(cond) == 1 or len(failing_ops) == 1:
            op = failing_ops[0] if failing_ops else next(iter(cond))
            return _leaf(op, key, {op: cond[op]} if len(cond) > 1 else cond, value)
        return {"operatorName": "$and", "clausesNotSatisfied": [
            {"index": i, "details": _leaf(op, key, {op: cond[op]}, value)}
            for i, op in enumerate(cond) if op in failing_ops]}
    return _leaf("$eq", key, cond, value)


def _leaf(op: str, path: str, cond: Any, value: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"operatorName": op, "specifiedAs": {path: cond}}
    if value is MISSING:
        result["reason"] = "field was missing"
        return result
    result["reason"] = _REASONS.get(op, "expression did not match")
    result["consideredValue"] = value
    if op == "$type":
        result["consideredType"] = type_name(value)
    return result


def _schema_rules(schema: dict[str, Any], doc: dict[str, Any]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    required = schema.get("required")
    if isinstance(required, list):
        missing = [name for name in required if name not in doc]
        if missing:
            rules.append({"operatorName": "required", "specifiedAs": {"required": required},
                          "missingProperties": missing})
    properties = schema.get("properties")
    if isinstance(properties, dict):
        failing = []
        for name, sub in properties.items():
            if name in doc and isinstance(sub, dict) and not matcher({"$jsonSchema": {"properties": {name: sub}}})(doc):
                failing.append({"propertyName": name, "details": _property_rules(sub, doc[name])})
        if failing:
            rules.append({"operatorName": "properties", "propertiesNotSatisfied": failing})
    return rules


def _property_rules(schema: dict[str, Any], value: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for keyword, spec in schema.items():
        if keyword in ("title", "description"):
            continue
        if matcher({"$jsonSchema": {"properties": {"v": {keyword: spec}}}})({"v": value}):
            continue
        rule: dict[str, Any] = {"operatorName": keyword, "specifiedAs": {keyword: spec}}
        if keyword in ("bsonType", "type"):
            rule.update(reason="type did not match", consideredValue=value, consideredType=type_name(value))
        elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            rule.update(reason="comparison failed", consideredValue=value)
        elif keyword == "enum":
            rule.update(reason="value was not found in enum", consideredValue=value)
        else:
            rule.update(reason="value did not match", consideredValue=value)
        out.append(rule)
    return out
