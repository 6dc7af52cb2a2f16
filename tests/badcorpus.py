"""A dirty corpus: every kind of bad input the reliability tests feed the CLI, beside two good seeds.

``write_bad_corpus`` writes it and returns, for each bad entry, a fragment of the
path its ``skipped PATH: reason`` line must name and a fragment of the reason.
Entries that are odd but readable (other encodings, odd file names) must come
out as articles instead; ``GOOD_IDS`` lists every article the corpus must give.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
from pathlib import Path

from tests.conftest import SEED_000, SEED_002, SEEDS
from tests.fixtures import write_warc

# Names that are odd but legal on Linux; the files hold real articles and must be read.
ODD_NAMES = ("with space é ü.txt", "new\nline.txt", "tab\there;$(x)`.txt", "quote'\"<b>.txt")


def write_bad_corpus(folder: Path) -> tuple[dict[str, str], set[str]]:
    """Write the corpus into ``folder``.

    Returns:
        ``expected_skips``: path fragment → reason fragment for each entry that must be skipped;
        ``good_ids``: the ids of every article that must be read.
    """
    folder.mkdir(parents=True, exist_ok=True)
    prose = "Officials in the northern province said on Monday that the new bridge would open next spring. " * 5
    good: set[str] = set()
    skips: dict[str, str] = {}
    # Two good seeds: the pair the run must still find.
    for name in (SEED_000, SEED_002):
        shutil.copy(SEEDS / name, folder / name)
        good.add(name)
    # Other encodings: decoded, not skipped.
    (folder / "latin1.txt").write_bytes(("Café société à Zürich. " + prose).encode("cp1252"))
    (folder / "utf16-bom.txt").write_bytes(("UTF-16 with a BOM. " + prose).encode("utf-16"))
    (folder / "utf16-nobom.txt").write_bytes(("UTF-16 without a BOM. " + prose).encode("utf-16-le"))
    (folder / "bad-utf8.txt").write_bytes(prose.encode() + b"\xff\xfe\xc3(" + prose.encode())
    good |= {"latin1.txt", "utf16-bom.txt", "utf16-nobom.txt", "bad-utf8.txt"}
    # Binary with a .txt name, empty and whitespace-only articles.
    (folder / "binary.txt").write_bytes(bytes(random.Random(1).randrange(256) for _ in range(4096)) + b"\x00" * 512)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text(" \n\t\n   \r\n", encoding="utf-8")
    skips.update({"binary.txt": "binary", "empty.txt": "empty", "blank.txt": "empty"})
    # Deeply nested and malformed HTML: no crash; skipped or read, but never lost.
    (folder / "nested.html").write_text("<html><body>" + "<div>" * 20000 + prose + "</div>" * 3 + "</body></html>", encoding="utf-8")
    (folder / "malformed.html").write_text("<html><body><p>unclosed <table><tr><td>" + prose + "<div><</b></i>&bogus;</html", encoding="utf-8")
    (folder / "empty.html").write_text("<!doctype html><html><body><nav>Home</nav></body></html>", encoding="utf-8")
    skips["empty.html"] = "no main text"
    # A truncated .warc.gz (cut inside its last record, then the gzip stream cut too).
    write_warc(folder / "crawl.warc.gz")
    data = (folder / "crawl.warc.gz").read_bytes()
    (folder / "crawl.warc.gz").write_bytes(data[: len(data) - 37])
    skips["crawl.warc.gz#"] = "truncated"
    # JSONL with a line that is not JSON, CSV without a text column and with a short row.
    (folder / "feed.jsonl").write_text(json.dumps({"id": "feed-1", "text": prose}) + "\n{not json\n", encoding="utf-8")
    good.add("feed-1")
    skips["feed.jsonl:2"] = "not valid JSON"
    # A line nested deeper than a recursive parser goes (it raised RecursionError, ending the run), then a good one.
    deep = "[" * 100_000 + "]" * 100_000
    (folder / "deep.jsonl").write_text(deep + "\n" + json.dumps({"id": "deep-2", "text": prose}) + "\n", encoding="utf-8")
    good.add("deep-2")
    skips["deep.jsonl:1"] = "nested too deep"
    # A number of more digits than Python converts to an int (it raised ValueError, ending the run).
    (folder / "huge.jsonl").write_text('{"id": "huge-1", "text": "x", "n": ' + "9" * 5000 + "}\n"
                                       + json.dumps({"id": "huge-2", "text": prose}) + "\n", encoding="utf-8")
    good.add("huge-2")
    skips["huge.jsonl:1"] = "thousands of digits"
    (folder / "nocolumn.csv").write_text("id,body\n1,some text\n", encoding="utf-8")
    skips["nocolumn.csv"] = "no 'text' column"
    (folder / "short.csv").write_text(f"id,title,text\ncsv-1,A title,{prose}\ncsv-2\n", encoding="utf-8")
    good.add("csv-1")
    skips["short.csv:3"] = "missing or empty 'text'"
    # Symlink loops: a folder linking to its parent, and two files linking to each other.
    (folder / "loop").symlink_to(".")
    (folder / "a-link.txt").symlink_to("b-link.txt")
    (folder / "b-link.txt").symlink_to("a-link.txt")
    skips.update({"loop": "symlink loop", "a-link.txt": "symlink", "b-link.txt": "symlink"})
    # Not regular files: a FIFO named like an article (reading it would block forever).
    os.mkfifo(folder / "fifo.txt")
    skips["fifo.txt"] = "not a regular file"
    # Odd file names that hold real articles; a name that is not valid UTF-8.
    for number, name in enumerate(ODD_NAMES):
        (folder / name).write_text(f"Odd name {number}. " + prose, encoding="utf-8")
        good.add(name.replace("\n", "\\n").replace("\t", "\\t"))
    (folder / os.fsdecode(b"bad-name-\xff.txt")).write_text("Bad name. " + prose, encoding="utf-8")
    good.add("bad-name-\\xff.txt")
    # gzip noise with a .warc.gz name: broken from the first byte.
    (folder / "noise.warc.gz").write_bytes(gzip.compress(b"not a warc at all\n" * 10)[:-8])
    skips["noise.warc.gz"] = ""
    return skips, good
