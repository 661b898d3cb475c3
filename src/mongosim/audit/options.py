"""The ``auditLog.*`` options (``--auditDestination``, ``--auditFormat``, ``--auditPath``, ``--auditFilter``).

Checked as PSMDB checks them while its start-up initializers run: the destination is one of file, console or
syslog; the format JSON (the default) or BSON, and BSON only for a file; the filter must parse as a JSON query
(shell spellings too: unquoted keys, ``/regex/`` literals) and compile as a query; a file destination's path
must be writable. Without ``--auditPath`` the file is ``auditLog.json`` (``auditLog.bson`` for BSON) beside the
``--logpath`` file, or in the directory the server was started from. A failure is not a usage error: the server
logs "Error during global initialization" (id 20574) to stdout and exits 1, as mongod does when an
initializer fails.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mongosim.configfile import OptionsError

if TYPE_CHECKING:
    from mongosim.cli import ServerConfig

DESTINATIONS = ("file", "console", "syslog")
FORMATS = ("JSON", "BSON")
EXIT_FAILURE = 1
# A /pattern/flags literal where a value starts (after ':' or '[' or ','), as the shell's JSON reader takes it.
_REGEX_LITERAL = re.compile(r"([:\[,]\s*)/((?:\\.|[^/\\\n])+)/([imxsu]*)")


class AuditOptionsError(OptionsError):
    """An audit option refused during start-up: logged as a failed global initialization, exit code 1."""

    def __init__(self, errmsg: str, code: int = 2, code_name: str = "BadValue") -> None:
        super().__init__(f"{code_name}: {errmsg}", exit_code=EXIT_FAILURE)
        self.errmsg = errmsg
        self.code = code
        self.code_name = code_name

    def error_document(self) -> dict[str, Any]:
        return {"code": self.code, "codeName": self.code_name, "errmsg": self.errmsg}


@dataclass(frozen=True)
class AuditOptions:
    destination: str | None  # None: auditing is off
    format: str = "JSON"
    path: str | None = None  # absolute; only for a file destination
    filter_text: str = "{}"
    filter: dict[str, Any] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return bool(self.destination)

    def get_options_reply(self) -> dict[str, Any]:
        """``auditGetOptions``: what PSMDB's AuditOptions::toBSON shows."""
        return {"format": self.format, "path": self.path or "", "destination": self.destination or "",
                "filter": self.filter_text}


def parse_filter_text(text: str) -> dict[str, Any]:
    """The filter document from its text; raises AuditOptionsError with PSMDB's message."""
    from mongosim.cli import parse_filter

    def regex(match: re.Match[str]) -> str:
        return f'{match.group(1)}{{"$regex": {json.dumps(match.group(2))}, "$options": "{match.group(3)}"}}'

    try:
        return parse_filter(_REGEX_LITERAL.sub(regex, text))
    except OptionsError:
        raise AuditOptionsError(f"Could not parse audit filter into valid json: {text}") from None


def _default_path(config: ServerConfig, fmt: str) -> str:
    name = "auditLog.bson" if fmt == "BSON" else "auditLog.json"
    base = os.path.dirname(config.logpath) if config.logpath else config.cwd
    return os.path.normpath(os.path.join(config.cwd, base, name))


def from_config(config: ServerConfig) -> AuditOptions:
    """The audit options of a parsed configuration; raises AuditOptionsError (no file-system checks)."""
    destination = config.get_str("auditLog.destination") or None
    if destination is not None and destination not in DESTINATIONS:
        raise AuditOptionsError("Supported audit log destinations are 'file', 'console', 'syslog'")
    fmt = config.get_str("auditLog.format") or "JSON"
    if fmt not in FORMATS:
        raise AuditOptionsError("Supported audit log formats are 'JSON' and 'BSON'")
    if fmt == "BSON" and destination != "file":
        raise AuditOptionsError("BSON audit log format is only allowed when audit log destination is a 'file'")
    filter_text = config.get_str("auditLog.filter")
    filter_doc = parse_filter_text(filter_text) if filter_text is not None else {}
    path = None
    if destination == "file":
        given = config.get_str("auditLog.path")
        path = os.path.normpath(os.path.join(config.cwd, given)) if given else _default_path(config, fmt)
    return AuditOptions(destination, fmt, path, filter_text if filter_text is not None else "{}", filter_doc)


def check_startup(config: ServerConfig) -> AuditOptions:
    """Everything PSMDB checks before the server starts: the options, the filter compiling as a query, and a
    file destination's path opening for append (a file created by the check is removed again)."""
    from mongosim.errors import CommandError
    from mongosim.query.match import matcher

    options = from_config(config)
    if not options.enabled:
        return options
    try:
        matcher(options.filter)
    except CommandError as exc:
        raise AuditOptionsError(exc.errmsg, exc.code, exc.code_name) from None
    if options.path is not None:
        existed = os.path.exists(options.path)
        try:
            with open(options.path, "ab"):
                pass
            if not existed:
                os.remove(options.path)
        except OSError:
            raise AuditOptionsError(f"Could not open a file for writing at the given auditPath: "
                                    f"{options.path}") from None
    return options
