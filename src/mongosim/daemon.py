"""``--fork``: detach the server as mongod does and report to the caller only once it is ready.

The original process forks a middle process, which starts a new session and forks the server. The middle
process prints ``forked process: <pid>`` and waits: the server writes one byte on a pipe once it accepts
connections (the middle process then exits 0), or exits with its start-up error code (the middle process exits
with that code). The original process waits for the middle one and prints mongod's success or failure lines,
exiting with the same code, so ``mongod --fork`` returns only when the server is usable or has failed.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

# Exit codes mongod's own forking uses when a child dies without exiting normally.
_PARENT_ABNORMAL_EXIT = 50
_MIDDLE_ABNORMAL_EXIT = 51


class ReadyPipe:
    """The server's end of the start-up channel: ``ready()`` releases the waiting parent."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def ready(self) -> None:
        if self._fd is None:
            return
        try:
            os.write(self._fd, b"\x00")
        finally:
            self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _exit_code(status: int, abnormal: int) -> int:
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else abnormal


def _original(child: int) -> NoReturn:
    _, status = os.waitpid(child, 0)
    code = _exit_code(status, _PARENT_ABNORMAL_EXIT)
    if code == 0:
        _say("child process started successfully, parent exiting")
    else:
        _say(f"ERROR: child process failed, exited with error number {code}")
        _say('To see additional information in this output, start without the "--fork" option.')
    os._exit(code)


def _middle(server: int, read_fd: int) -> NoReturn:
    _say(f"forked process: {server}")
    if os.read(read_fd, 1):
        os._exit(0)
    _, status = os.waitpid(server, 0)
    os._exit(_exit_code(status, _MIDDLE_ABNORMAL_EXIT))


def _detach_stdio() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def fork_server() -> ReadyPipe:
    """Fork the server process. Returns only in the server; the caller's process exits with the outcome."""
    _say("about to fork child process, waiting until server is ready for connections.")
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    middle = os.fork()
    if middle:
        os.close(read_fd)
        os.close(write_fd)
        _original(middle)
    os.chdir("/")  # like any daemon, do not pin the directory it was started from
    os.setsid()
    server = os.fork()
    if server:
        os.close(write_fd)
        _middle(server, read_fd)
    os.close(read_fd)
    _detach_stdio()
    return ReadyPipe(write_fd)
