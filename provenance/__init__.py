"""provenance: find which articles are rewrites of which, how much was taken, and the derivation tree.

Library first: ``provenance.scan(paths)`` returns a ``Report``; ``provenance.report``
renders it as JSON, CSV or a table. The CLI (``provenance.cli``) only parses and renders.
"""

import os
import sys
import tempfile

__version__ = "0.1.0"


def _writable(folder: str) -> bool:
    try:
        os.makedirs(folder, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def _numba_cache_folder() -> None:
    """Give numba a folder to cache compiled kernels in where it would find none.

    numba caches next to the package (``__pycache__``), else in the user's cache folder; where
    neither can be written (a read-only install run by a service user with no home) every kernel's
    ``cache=True`` raised "no locator available" as the package was imported. Then the kernels are
    cached in the temporary folder instead (compiled again after it is cleared). ``NUMBA_CACHE_DIR``,
    if set, is left to decide.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    user_cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "numba")
    if _writable(os.path.join(os.path.dirname(__file__), "__pycache__")) or _writable(user_cache):
        return
    folder = os.path.join(tempfile.gettempdir(), f"provenance-numba-{os.getuid()}")
    if "numba" in sys.modules:  # numba read its settings at import: set its own
        sys.modules["numba"].config.CACHE_DIR = folder
    else:
        os.environ["NUMBA_CACHE_DIR"] = folder


def _refused_thread_count() -> "str | None":
    """A ``NUMBA_NUM_THREADS`` numba's import would die on (0 or below), taken out of the environment.

    numba raises "Number of threads specified must be > 0" while it is imported, so any use of
    provenance ended in a traceback. The value is removed so that the package still imports, and
    returned, so that the CLI can refuse it as the usage error it is; numba warns about and ignores
    a value that is no number at all by itself.
    """
    value = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    try:
        refused = "numba" not in sys.modules and int(value) < 1
    except ValueError:
        return None
    if refused:
        del os.environ["NUMBA_NUM_THREADS"]
    return value if refused else None


_numba_cache_folder()
REFUSED_THREAD_COUNT = _refused_thread_count()

from provenance.model import Article, Edge, Match, Passage, Report, Skipped, Tree  # noqa: E402
from provenance.settings import Settings  # noqa: E402


def scan(*args, **kwargs):  # type: ignore[no-untyped-def]
    """See ``provenance.pipeline.scan``."""
    from provenance.pipeline import scan as _scan

    return _scan(*args, **kwargs)


__all__ = ["Article", "Edge", "Match", "Passage", "Report", "Settings", "Skipped", "Tree", "scan", "__version__"]
