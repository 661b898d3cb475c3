"""Read a cluster spec from YAML: every problem is reported at once, each with its location and line.

``load_spec(path)`` returns a valid ``ClusterSpec`` or raises ``SpecError`` listing every problem as
``spec.yaml:12: topology.shards[1].members[2].port: port 27018 on localhost is used twice (also ...)``.
Shape errors (unknown fields, wrong types, values out of range) come first; the rules that tie fields
together are checked once the shapes are right.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from mongo_admin.errors import MongoAdminError
from mongo_admin.spec.checks import Problem, check
from mongo_admin.spec.model import ClusterSpec

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class LocatedProblem:
    location: str
    message: str
    line: int | None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line is not None else source
        return f"{where}: {self.location}: {self.message}" if self.location else f"{where}: {self.message}"


class SpecError(MongoAdminError):
    """The spec cannot be used; ``problems`` holds every reason found, each with its location."""

    def __init__(self, source: str, problems: list[LocatedProblem]) -> None:
        self.source = source
        self.problems = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"the cluster spec {source} is not valid", count,
                         f"correct each line above, then run 'mongo-admin cluster validate -f {source}'")

    def message(self) -> str:
        lines = [f"{self.what} ({self.why}):", *(f"  {p.render(self.source)}" for p in self.problems)]
        return "\n".join([*lines, f"  fix: {self.fix}"])


def format_location(location: Location) -> str:
    """``("topology", "shards", 1, "port")`` -> ``topology.shards[1].port``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_map(node: yaml.Node, path: Location, lines: dict[Location, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            lines[child] = key.start_mark.line + 1
            _line_map(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*path, index), lines)


def _line_for(location: Location, lines: dict[Location, int]) -> int | None:
    """The line of ``location``, or of its nearest written ancestor (a missing field is reported where its
    parent is)."""
    for end in range(len(location), -1, -1):
        if location[:end] in lines:
            return lines[location[:end]]
    return None


def _parse_location(text: str) -> Location:
    parts: list[str | int] = []
    for chunk in text.replace("[", ".[").split("."):
        if chunk.startswith("[") and chunk.endswith("]"):
            parts.append(int(chunk[1:-1]))
        elif chunk:
            parts.append(chunk)
    return tuple(parts)


def _shape_message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field (check its spelling against the sample spec)"
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def parse_spec(text: str, source: str = "<spec>") -> ClusterSpec:
    """The spec in ``text`` (YAML), validated; ``source`` names it in errors."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise SpecError(source, [LocatedProblem("", f"not valid YAML: {reason}", line)]) from exc
    if not isinstance(data, dict):
        raise SpecError(source, [LocatedProblem("", "the spec must be a mapping with at least a 'name' field",
                                                1)])
    lines: dict[Location, int] = {}
    if root is not None:
        _line_map(root, (), lines)
    try:
        spec = ClusterSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(part for part in error["loc"] if isinstance(part, str | int))
            problems.append(LocatedProblem(format_location(location), _shape_message(error),
                                           _line_for(location, lines)))
        raise SpecError(source, problems) from None
    broken: list[Problem] = check(spec)
    if broken:
        raise SpecError(source, [LocatedProblem(p.location, p.message, _line_for(_parse_location(p.location),
                                                                                 lines)) for p in broken])
    return spec


def load_spec(path: Path) -> ClusterSpec:
    try:
        text = path.read_text()
    except OSError as exc:
        raise MongoAdminError(f"cannot read the cluster spec {path}", exc.strerror or str(exc),
                              "check the path given with -f") from exc
    return parse_spec(text, str(path))
