"""A password asked of a person: the first line of a file, a hidden prompt on a terminal, else the first line of
standard input (for scripts). Never a command-line value, which ``ps`` and the shell's history would show."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def read_password(password_file: Path | None, *, confirm: bool) -> str:
    """The password; ``confirm`` asks twice on a terminal (for a new password)."""
    if password_file is not None:
        lines = password_file.read_text().splitlines()
        return lines[0] if lines else ""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=confirm, err=True)
        return password
    return sys.stdin.readline().rstrip("\n")
