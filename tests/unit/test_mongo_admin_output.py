"""One result, three renderings: JSON and YAML are the serialised object, the table lays the same data out."""

from __future__ import annotations

import datetime as dt
import enum
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from mongo_admin.output import OutputFormat, render, to_data
from mongo_admin.output.render import format_value


class Colour(enum.StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Row:
    name: str
    port: int
    pid: int | None


@dataclass(frozen=True)
class Result:
    message: str
    state: Colour
    path: Path
    when: dt.datetime
    ok: bool
    counters: dict[str, int] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


def sample(**overrides: Any) -> Result:
    values: dict[str, Any] = {
        "message": "did it [really]", "state": Colour.RED, "path": Path("/data/db"),
        "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "ok": True,
        "counters": {"insert": 3, "query": 0}, "rows": [Row("a", 1, None), Row("b", 2, 7)],
    }
    values.update(overrides)
    return Result(**values)


def rendered(result: Any, fmt: OutputFormat) -> str:
    stream = io.StringIO()
    render(result, fmt, stream)
    return stream.getvalue()


EXPECTED_DATA = {
    "message": "did it [really]", "state": "red", "path": "/data/db", "when": "2026-01-02T03:04:05+00:00",
    "ok": True, "counters": {"insert": 3, "query": 0},
    "rows": [{"name": "a", "port": 1, "pid": None}, {"name": "b", "port": 2, "pid": 7}],
}


def test_to_data_keeps_field_order_and_plain_types() -> None:
    data = to_data(sample())
    assert data == EXPECTED_DATA
    assert list(data) == list(EXPECTED_DATA)


@pytest.mark.parametrize(("fmt", "load"), [(OutputFormat.JSON, json.loads), (OutputFormat.YAML, yaml.safe_load)])
def test_json_and_yaml_are_the_object_serialised(fmt: OutputFormat, load: Any) -> None:
    assert load(rendered(sample(), fmt)) == EXPECTED_DATA


def test_table_shows_message_then_fields_then_record_rows() -> None:
    assert rendered(sample(), OutputFormat.TABLE).splitlines() == [
        "did it [really]",
        "state            red",
        "path             /data/db",
        "when             2026-01-02T03:04:05+00:00",
        "ok               yes",
        "counters.insert  3",
        "counters.query   0",
        "",
        "name   port   pid",
        "─────────────────",
        "a      1      -",
        "b      2      7",
    ]


def test_table_names_an_empty_record_list() -> None:
    assert rendered(sample(rows=[]), OutputFormat.TABLE).splitlines()[-1] == "no rows"


def test_table_never_wraps_long_values_when_piped() -> None:
    long_path = Path("/very/" + "deep/" * 60 + "db")
    lines = rendered(sample(path=long_path), OutputFormat.TABLE).splitlines()
    assert f"path             {long_path}" in lines


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "-"), (True, "yes"), (False, "no"), (1.5, "1.5"), (12345678.0, "1.23457e+07"), (3, "3"),
     (["a", "b"], "a, b"), ([], "-"), ("x", "x")],
)
def test_format_value(value: Any, text: str) -> None:
    assert format_value(value) == text
