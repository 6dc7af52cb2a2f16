"""Shared fixtures: the seed corpus, small hand-made corpora, and generated scraped pages and crawls."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_000 = "000_943f27995bdec5c1.txt"
SEED_002 = "002_5ff9f7e693aef6ae.txt"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_report():
    from provenance.pipeline import scan

    return scan([SEEDS], workers=1)


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The spun seeds 001-004 as WordPress pages of one site, one .html file each."""
    from tests.fixtures import write_site

    folder = tmp_path_factory.mktemp("suspect-site")
    write_site(folder)
    return folder


@pytest.fixture(scope="session")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A gzipped WARC of the same pages, plus CSS and JPEG responses and a truncated last record."""
    from tests.fixtures import write_warc

    path = tmp_path_factory.mktemp("crawl") / "suspect-site.warc.gz"
    write_warc(path)
    return path
