"""Errors and exit codes: the one place that says how provenance fails.

Owns the ``ProvenanceError`` family raised by the library and the ``ExitCode``
enum the CLI maps them to. Imports nothing of ours, so every module may use it.
"""

from __future__ import annotations

import enum
from typing import Sequence


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    GATE = 1  # a --fail-above gate tripped, or --strict saw a skipped input
    USAGE = 2  # bad command line (click's own code)
    INPUT = 3  # no usable input, unreadable corpus or index
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
