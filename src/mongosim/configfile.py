"""Option values from the command line and from ``--config`` files, typed the way mongod types them.

mongod reads its config file with yaml-cpp, which hands every scalar over as text; the option's declared
type then decides what the text means (``fork: yes`` is an error, ``port: "27017"`` is the int 27017). To
reproduce that, the file is loaded with PyYAML's ``BaseLoader`` (no implicit typing) and converted here.
A file whose root is not a mapping is an old INI-style file (``port=27017``), which mongod still accepts.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from mongosim.optiontable import Option, flag_table, yaml_option

_INT = re.compile(r"^[+-]?\d+$")
_INT32 = (-(2**31), 2**31 - 1)
_BOOL_WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False,
               "0": False}


class OptionsError(Exception):
    """Bad options: mongod prints ``message`` and ``try '<binary> --help' for more information`` to stderr
    and exits with code 2 (EXIT_BADOPTIONS)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def convert_cli(opt: Option, raw: str, spelled: str) -> Any:
    """A command-line (or INI) value for ``opt``; ``spelled`` is the flag as the user wrote it."""
    invalid = f"Error parsing command line: the argument ('{raw}') for option '{spelled}' is invalid"
    if opt.kind == "int":
        if not _INT.match(raw) or not _INT32[0] <= int(raw) <= _INT32[1]:
            raise OptionsError(invalid)
        return int(raw)
    if opt.kind == "double":
        try:
            return float(raw)
        except ValueError:
            raise OptionsError(invalid) from None
    if opt.kind in ("bool", "switch"):
        flag = _BOOL_WORDS.get(raw.lower())
        if flag is None:
            raise OptionsError(f"{invalid}. Valid choices are 'on|off', 'yes|no', '1|0' and 'true|false'")
        return flag
    if opt.kind == "map":
        key, sep, value = raw.partition("=")
        if not sep or not key:
            raise OptionsError(f'Error parsing command line: Illegal option assignment: "{raw}"')
        return {key: value}
    if opt.kind == "list":
        return [raw]
    return raw


def _convert_yaml(opt: Option, node: Any) -> Any:
    path = opt.path
    if opt.kind == "map":
        if not isinstance(node, dict):
            raise OptionsError(f"Option: {path} is of type StringMap, but value in YAML config is not a map type")
        if any(isinstance(v, (dict, list)) for v in node.values()):
            raise OptionsError(f"Option: {path} has a map with non scalar values, which is not allowed")
        return {str(k): str(v) for k, v in node.items()}
    if opt.kind == "list":
        if not isinstance(node, list):
            raise OptionsError(f"Option: {path} is of type StringVector, but value in YAML config is not a list "
                               "type")
        if any(isinstance(v, (dict, list)) for v in node):
            raise OptionsError(f"Option: {path} has nested lists, which is not allowed")
        return [str(v) for v in node]
    if isinstance(node, (dict, list)):
        raise OptionsError(f"Option: {path} expects a scalar value in the YAML config")
    text = str(node)
    if opt.kind == "switch":
        # A switch set to false is simply absent, exactly as mongod stores it.
        if text not in ("true", "false"):
            raise OptionsError(f"Expected boolean switch but found string: {text} for option: {path}")
        return True if text == "true" else None
    if opt.kind == "bool":
        if text not in ("true", "false"):
            raise OptionsError(f"Expected boolean but found string: {text} for option: {path}")
        return text == "true"
    if opt.kind == "int":
        if not _INT.match(text) or not _INT32[0] <= int(text) <= _INT32[1]:
            raise OptionsError(f'Error parsing option "{path}" as int in config file: FailedToParse: Bad digit '
                               f'while parsing {text}')
        return int(text)
    if opt.kind == "double":
        try:
            return float(text)
        except ValueError:
            raise OptionsError(f'Error parsing option "{path}" as double in config file: FailedToParse: '
                               f"Did not consume whole string while parsing {text}") from None
    return text


def _flatten(node: dict[str, Any], prefix: str, process: str, out: dict[str, Any]) -> None:
    for key, value in node.items():
        if key is None or str(key) == "":
            raise OptionsError("Found empty key in YAML config file")
        path = f"{prefix}{key}"
        opt = yaml_option(process, path)
        if opt is None and isinstance(value, dict):
            _flatten(value, path + ".", process, out)
            continue
        if opt is None:
            raise OptionsError(f"Unrecognized option: {path}")
        converted = _convert_yaml(opt, value)
        if converted is not None:
            out[path] = converted


def _parse_ini(process: str, text: str) -> dict[str, Any]:
    table = flag_table(process)
    out: dict[str, Any] = {}
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, raw = line.partition("=")
        name, raw = name.strip(), raw.strip()
        opt = table.get(name)
        if opt is None or len(name) == 1:
            raise OptionsError(f"Error parsing INI config file: unrecognised option '{name}'")
        value = convert_cli(opt, raw, name)
        if opt.kind == "switch" and value is False:
            continue
        if opt.kind == "map":
            out.setdefault(opt.path, {}).update(value)
        elif opt.kind == "list":
            out.setdefault(opt.path, []).extend(value)
        else:
            out[opt.path] = value
    return out


def load_config_file(process: str, path: str) -> dict[str, Any]:
    """The file's options as ``{dotted path: typed value}``; raises OptionsError with mongod's message."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise OptionsError(f"Error reading config file: {exc.strerror}") from None
    try:
        root = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"error at line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise OptionsError(f"Error parsing YAML config file: yaml-cpp: {where}{problem}") from None
    if root is None:
        return {}
    if isinstance(root, str):
        return _parse_ini(process, text)
    if not isinstance(root, dict):
        raise OptionsError("Error parsing YAML config file: the root of the config file must be a map")
    out: dict[str, Any] = {}
    _flatten(root, "", process, out)
    return out


def read_command_line(process: str, args: list[str]) -> dict[str, Any]:
    """``{path: value}`` for each option on the command line, with boost::program_options' error messages."""
    table = flag_table(process)
    values: dict[str, Any] = {}
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if not token.startswith("-") or token == "-":
            raise OptionsError("Error parsing command line: too many positional options have been specified on "
                               "the command line")
        if token.startswith("--"):
            name, sep, inline = token[2:].partition("=")
            opt = table.get(name) if len(name) > 1 else None
        else:
            # mongod allows long names after one dash (-port); otherwise "-fvalue" is a short option.
            name, sep, inline = token[1:].partition("=")
            opt = table.get(name) if len(name) > 1 else None
            if opt is None and token[1:2] in table:
                name, opt = token[1], table[token[1]]
                inline, sep = token[2:], "=" if len(token) > 2 else ""
        if opt is None:
            raise OptionsError(f"Error parsing command line: unrecognised option '{token.partition('=')[0]}'")
        spelled = f"--{opt.flag}"
        if not opt.takes_value():
            if sep:
                raise OptionsError(f"Error parsing command line: option '{spelled}' does not take any arguments")
            raw: str | None = None
        elif sep:
            raw = inline
        elif opt.implicit is not None:
            raw = opt.implicit
        elif i < len(args) and not (args[i].startswith("-") and len(args[i]) > 1):
            raw = args[i]
            i += 1
        else:
            raise OptionsError(f"Error parsing command line: the required argument for option '{spelled}' is "
                               "missing")
        value = True if raw is None else convert_cli(opt, raw, spelled)
        if opt.kind == "map":
            values.setdefault(opt.path, {}).update(value)
        elif opt.kind == "list":
            values.setdefault(opt.path, []).extend(value)
        elif opt.path in values:
            raise OptionsError(f"Error parsing command line: option '{spelled}' cannot be specified more than once")
        else:
            values[opt.path] = value
    return values
