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


# Three versions of one report: p; c, a light edit of p (three sentences dropped, two phrases
# replaced); d, taken from p (the same three sentences dropped, two phrases of its own). c is
# the closer to d (it dropped what d dropped), nearly as close as p; d keeps p's readings where
# c replaced them. Read with the seeds beside them, as unrelated articles.
VERSIONS = [
    "Engineers restored the northern railway bridge after flooding damaged its foundations",
    "The regional transport authority reopened freight traffic on Tuesday morning",
    "Local farmers welcomed the decision because grain shipments had stalled for weeks",
    "Inspectors measured vibration levels along every span before approving the reopening",
    "Passenger services will resume gradually once signalling equipment is replaced",
    "The repair crews worked through three nights under portable floodlights",
    "Contractors poured fresh concrete around the damaged piers and reinforced the abutments",
    "Insurance assessors estimated the damage at several million euros",
    "Residents of the riverside villages had been cut off from the main line",
    "School buses were rerouted over a narrow mountain pass during the closure",
    "The ministry promised a review of flood defences along the whole valley",
    "Hydrologists warned that heavier autumn storms would test the new embankments",
    "A local historian noted that the bridge first opened in eighteen ninety",
    "Tourism operators hope the summer excursion trains will run again by July",
]


def write_versions(folder: Path) -> Path:
    """``folder/versions.jsonl``: the seeds (by file name), then p, c and d, dated in that order
    (JSONL, which every engine reads)."""
    import json

    def text(sentences: list[str], replaced: dict[str, str]) -> str:
        for old, new in replaced.items():
            sentences = [s.replace(old, new) for s in sentences]
        return ". ".join(sentences) + "."

    kept = [s for k, s in enumerate(VERSIONS) if k not in (3, 7, 11)]
    records = [
        {"id": "p", "text": text(VERSIONS, {}), "published": "2023-09-01"},
        {"id": "c", "text": text(kept, {"portable floodlights": "temporary lamps", "grain shipments": "cereal cargo"}), "published": "2023-09-03"},
        {"id": "d", "text": text(kept, {"restored": "repaired", "narrow": "winding"}), "published": "2023-09-06"},
    ]
    seeds = [{"id": seed.name, "text": seed.read_text(encoding="utf-8")} for seed in sorted(SEEDS.glob("*.txt"))]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "versions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in seeds + records), encoding="utf-8")
    return folder
