"""Make the simulator look like ``mongod`` / ``mongos`` to ps, psutil, pgrep and mlaunch.

Two things name a Linux process: the kernel's 15-byte ``comm`` (``/proc/<pid>/comm``: ``ps -o comm``,
``pgrep``, psutil's ``name()``) and the argument area (``/proc/<pid>/cmdline``: psutil's ``cmdline()``).
Tools split the argument area on NUL bytes and look for ``--port`` and its value as separate items, so the
arguments are rewritten in place as ``mongod\\0--port\\0...`` (what setproctitle would join with spaces into one
item), and the area is trimmed when the kernel allows it (``PR_SET_MM``, needs CAP_SYS_RESOURCE) so no empty
trailing arguments remain. ``prctl(PR_SET_NAME)`` sets comm.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_PR_SET_NAME = 15
_PR_SET_MM = 35
_PR_SET_MM_ARG_END = 9
_COMM_MAX = 15
# Field numbers (1-based, proc(5)) of the argument area's bounds in /proc/self/stat.
_STAT_ARG_START = 48
_STAT_ARG_END = 49


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None


def set_comm(name: str) -> bool:
    """Set the kernel's name for this process (its main thread); False where prctl is unavailable."""
    libc = _libc()
    if libc is None:
        return False
    return int(libc.prctl(_PR_SET_NAME, ctypes.c_char_p(name.encode()[:_COMM_MAX]), 0, 0, 0)) == 0


def _argument_area() -> tuple[int, int] | None:
    try:
        with open("/proc/self/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()  # fields[0] is field 3 (state): comm may contain spaces
    if len(fields) < _STAT_ARG_END - 2:
        return None
    start, end = int(fields[_STAT_ARG_START - 3]), int(fields[_STAT_ARG_END - 3])
    return (start, end) if 0 < start < end else None


def set_cmdline(argv: list[str]) -> bool:
    """Rewrite this process's argument area to ``argv``; False when it does not fit or is unavailable."""
    libc = _libc()
    area = _argument_area()
    if libc is None or area is None:
        return False
    start, end = area
    content = b"\0".join(arg.encode() for arg in argv) + b"\0"
    if len(content) > end - start:
        return False
    # The interpreter copied argv at start-up, so this memory belongs to nobody but /proc now.
    ctypes.memmove(start, content + b"\0" * (end - start - len(content)), end - start)
    ulong = ctypes.c_ulong
    libc.prctl(_PR_SET_MM, ulong(_PR_SET_MM_ARG_END), ulong(start + len(content)), ulong(0), ulong(0))
    return True


def set_process_name(name: str, args: list[str]) -> None:
    """Show as ``<name> <args...>`` in ps, with ``name`` as the process name and first argument."""
    if not set_cmdline([name, *args]):
        try:
            import setproctitle
        except ImportError:  # cosmetic only: comm below still names the process
            pass
        else:
            setproctitle.setproctitle(" ".join([name, *args]))
    set_comm(name)
