"""provenance: find which articles are rewrites of which, how much was taken, and the derivation tree.

Library first: ``provenance.scan(paths)`` returns a ``Report``; ``provenance.report``
renders it as JSON, CSV or a table. The CLI (``provenance.cli``) only parses and renders.
"""

__version__ = "0.1.0"

from provenance.model import Article, Edge, Match, Passage, Report, Skipped, Tree  # noqa: E402
from provenance.settings import Settings  # noqa: E402


def scan(*args, **kwargs):  # type: ignore[no-untyped-def]
    """See ``provenance.pipeline.scan``."""
    from provenance.pipeline import scan as _scan

    return _scan(*args, **kwargs)


__all__ = ["Article", "Edge", "Match", "Passage", "Report", "Settings", "Skipped", "Tree", "scan", "__version__"]
