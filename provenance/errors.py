"""Errors and exit codes: the one place that says how provenance fails.

Owns the ``ProvenanceError`` family raised by the library, the ``ExitCode``
enum the CLI maps them to, and ``write_error``: the one-line message for a write the
system refused (disk full, permissions), naming the file and the fix. Imports nothing
of ours, so every module may use it.
"""

from __future__ import annotations

import enum
import errno
from typing import Sequence


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    GATE = 1  # a --fail-above gate tripped, or --strict saw a skipped input
    USAGE = 2  # bad command line (click's own code)
    INPUT = 3  # no usable input, unreadable corpus or index
    WRITE = 4  # a file could not be written (disk full, no permission, a missing folder)
    INTERRUPTED = 130  # Ctrl-C


class ProvenanceError(Exception):
    """Base of every error provenance raises on purpose.

    The message is meant for a person: what went wrong, where, and how to fix it.
    """

    exit_code: ExitCode = ExitCode.INPUT


class InputError(ProvenanceError):
    """The corpus could not be used (missing path, nothing readable, bad format).

    ``skipped`` holds what was skipped on the way (printable, one line each), so a
    caller can still say why each input was unusable when nothing usable remained.
    """

    def __init__(self, message: str, skipped: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.skipped = tuple(skipped)


class SettingsError(ProvenanceError):
    """A setting has a value provenance cannot work with."""

    exit_code = ExitCode.USAGE


class WriteError(ProvenanceError):
    """A file could not be written: the output, the index, or a temporary file (``write_error`` makes one)."""

    exit_code = ExitCode.WRITE


# What to do about the usual reasons a write fails.
_FIXES = {
    errno.ENOSPC: "free some space, or write elsewhere",
    errno.EDQUOT: "free some space, or write elsewhere",
    errno.EACCES: "check the permissions of the file and its folder",
    errno.EPERM: "check the permissions of the file and its folder",
    errno.ENOENT: "check that its folder exists and can be written",
    errno.EROFS: "the file system is read-only: write elsewhere",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n)",
    errno.EIO: "check the disk and its free space",
}


def write_error(what: str, error: OSError, kept: str = "") -> WriteError:
    """A ``WriteError`` for a person: what could not be written, what the system said, the fix, and what was kept.

    ``what`` names the file (``f"the report {path}"``); the system's own file name is added when it differs
    (a write that fails has none: the caller's ``what`` is the only name then).
    """
    said = error.strerror or type(error).__name__
    where = f" ({error.filename})" if error.filename and str(error.filename) not in what else ""
    fix = _FIXES.get(error.errno or 0, "")
    return WriteError(f"cannot write {what}: {said}{where}" + (f"; {fix}" if fix else "") + (f"; {kept}" if kept else ""))
