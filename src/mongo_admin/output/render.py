"""Turn one result object into a table, JSON or YAML, so every face shows the same data.

Results are dataclasses. ``to_data`` is the single serialisation: JSON and YAML are that data dumped, and
the table is that data laid out (a ``message`` field first, scalars as a field/value table, lists of
records as row tables). Nothing here knows about a particular result type.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import IO, Any


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


def to_data(value: Any) -> Any:
    """Plain JSON-compatible data (dicts in field order, lists, str, int, float, bool, None)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_data(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return to_data(value.value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): to_data(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [to_data(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def render(result: Any, fmt: OutputFormat, stream: IO[str]) -> None:
    """Write ``result`` to ``stream`` in ``fmt``."""
    data = to_data(result)
    if fmt is OutputFormat.JSON:
        stream.write(json.dumps(data, indent=2) + "\n")
    elif fmt is OutputFormat.YAML:
        import yaml

        stream.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    else:
        _render_table(data, stream)


def format_value(value: Any) -> str:
    """How one scalar reads in a table cell."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(format_value(item) for item in value) or "-"
    return str(value)


def _is_records(value: Any) -> bool:
    """A list of mappings (or an empty list) is shown as its own row table."""
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _flatten(data: Mapping[str, Any], prefix: str = "",
             in_row: bool = False) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """Split into (dotted scalar rows, record lists); nested mappings become ``parent.child`` rows. Inside a
    row of a row table every list is a cell (an empty one reads ``-``)."""
    scalars: list[tuple[str, Any]] = []
    records: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            nested_scalars, nested_records = _flatten(value, f"{name}.", in_row)
            scalars += nested_scalars
            records += nested_records
        elif _is_records(value) and not in_row:
            records.append((name, value))
        else:
            scalars.append((name, value))
    return scalars, records


_UNITS = {"_s": " (s)", "_ms": " (ms)", "_bytes": " (bytes)"}


def _label(key: str) -> str:
    """``uptime_s`` -> ``uptime (s)``: snake_case keys for machines, words for people."""
    for suffix, unit in _UNITS.items():
        if key.endswith(suffix):
            return key[: -len(suffix)].replace("_", " ") + unit
    return key.replace("_", " ")


def _render_table(data: Any, stream: IO[str]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=False)
    piped = not console.is_terminal
    if piped:
        # Piped or captured: never wrap (a wrapped URI or path cannot be copied), never colour, and no
        # trailing cell padding for grep/awk to trip over.
        buffer = io.StringIO()
        console = Console(file=buffer, highlight=False, width=100_000, color_system=None)
    if not isinstance(data, dict):
        data = {"value": data}
    message = data.get("message")
    if isinstance(message, str):
        console.print(Text(message))
        data = {key: value for key, value in data.items() if key != "message"}
    scalars, records = _flatten(data)
    if scalars:
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
        table.add_column("field", style="bold")
        table.add_column("value")
        for key, value in scalars:
            table.add_row(Text(_label(key)), Text(format_value(value)))
        console.print(table)
    for key, rows in records:
        if scalars or message is not None:
            console.print()  # a blank line between the field block and each row table
        if not rows:
            console.print(Text(f"no {_label(key)}"))
            continue
        columns: list[str] = []
        for row in rows:
            for column, _ in _flatten(row, in_row=True)[0]:
                if column not in columns:
                    columns.append(column)
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in columns:
            table.add_column(_label(column))
        for row in rows:
            flat = dict(_flatten(row, in_row=True)[0])
            table.add_row(*(Text(format_value(flat.get(column))) for column in columns))
        console.print(table)
    if piped:
        stream.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
