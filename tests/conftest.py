"""Shared fixtures: the seed corpus and small hand-made corpora."""

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
