"""Crash safety and concurrency of the index: SIGKILL at random points, readers during a write, two writers.

The kill test forks the test process (provenance already imported, so each run costs
milliseconds, not an interpreter start) and runs ``provenance index add`` in the child
through the CLI entry point; the parent kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import provenance.index
from provenance.cli import main
from provenance.index import Index, IndexStoreError
from tests.test_index import check_consistent, synthetic

ROOT = Path(__file__).resolve().parent.parent
BATCH = 3
KILLS = 15


def _write_corpus(folder: Path, count: int, seed: int, prefix: str = "") -> list[str]:
    folder.mkdir(parents=True)
    for article in synthetic(count, seed=seed):
        (folder / f"{prefix}{article.id}.txt").write_text(article.text, encoding="utf-8")
    return sorted(os.listdir(folder))


def _forked_add(corpus: Path, db: Path) -> tuple[int, int]:
    """Start ``index add`` in a forked child; returns (pid, read end of its stderr)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_end)
            os.dup2(write_end, 2)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            sys.stderr = os.fdopen(2, "w", buffering=1)
            main(["index", "add", str(corpus), "--index", str(db), "--batch-size", str(BATCH), "--workers", "1"],
                 standalone_mode=False)
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def _progress(read_end: int, lines: int, timeout: float = 10.0) -> int:
    """Read up to ``lines`` progress lines ("indexed N/M"); returns the last N seen (0 if none)."""
    done, buffer = 0, b""
    deadline = time.monotonic() + timeout
    while buffer.count(b"\n") < lines and time.monotonic() < deadline:
        ready, _, _ = select.select([read_end], [], [], 0.5)
        if ready:
            chunk = os.read(read_end, 4096)
            if not chunk:
                break
            buffer += chunk
    for match in re.finditer(rb"indexed (\d+)/", buffer):
        done = int(match.group(1))
    return done


def test_sigkill_at_random_points_leaves_exactly_the_committed_batches(tmp_path):
    ids = _write_corpus(tmp_path / "corpus", 150, seed=3)
    db = tmp_path / "i.db"
    Index.open(db, create=True).close()
    rng = random.Random(2024)
    kills, began = 0, time.monotonic()
    held: list[str] = []
    for _ in range(KILLS):
        pid, read_end = _forked_add(tmp_path / "corpus", db)
        # A random number of batches reported committed, then a random moment inside the next one.
        reported = _progress(read_end, rng.randint(0, 5))
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        kills += 1
        reported = max(reported, _progress(read_end, 10_000, timeout=0.0))
        os.close(read_end)
        # The index opens, passes integrity_check, and every table agrees with the stored texts.
        with Index.open(db) as index:
            assert index.info().articles == len(check_consistent(db))
        held = check_consistent(db)
        # Exactly the first k whole batches: nothing torn, nothing reported committed lost.
        assert held == ids[: len(held)] and (len(held) % BATCH == 0 or len(held) == len(ids))
        assert len(held) >= reported
        if len(held) == len(ids):
            break
    print(f"{kills} kills; {len(held)} of {len(ids)} articles held after the last")
    assert kills >= 10 and time.monotonic() - began < 60
    # An uninterrupted run finishes the job.
    pid, read_end = _forked_add(tmp_path / "corpus", db)
    os.waitpid(pid, 0)
    os.close(read_end)
    assert check_consistent(db) == ids


def test_readers_see_a_consistent_index_while_a_writer_adds(tmp_path):
    first = _write_corpus(tmp_path / "first", 30, seed=1)
    _write_corpus(tmp_path / "second", 120, seed=2, prefix="b-")
    db = tmp_path / "i.db"
    runner = CliRunner()
    assert runner.invoke(main, ["index", "build", str(tmp_path / "first"), "--index", str(db), "--workers", "1"]).exit_code == 0
    with Index.open(db) as index:
        probe_number = index.numbers([first[0]])[first[0]]
        probe, owners = index.signatures([probe_number])
    writer = subprocess.Popen(
        [sys.executable, "-m", "provenance.cli", "index", "add", str(tmp_path / "second"), "--index", str(db),
         "--batch-size", "2", "--workers", "1"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    problems: list[str] = []
    seen: list[list[int]] = [[], []]

    def read_loop(mine: list[int]) -> None:
        with Index.open(db) as index:
            while writer.poll() is None:
                with index.snapshot() as c:
                    info = index.info()
                    rows = c.execute("SELECT count(*), coalesce(sum(windows), 0) FROM articles").fetchone()
                    bands = c.execute("SELECT count(*) FROM bands").fetchone()[0]
                    texts = c.execute("SELECT count(*) FROM texts").fetchone()[0]
                    found = index.candidates(probe, owners)
                if not (info.articles == rows[0] == texts and info.windows == rows[1] and bands == rows[1] * index.settings.bands):
                    problems.append(f"torn read: {info} {rows} {bands} {texts}")
                if [0, probe_number] not in found.tolist():
                    problems.append("an indexed article stopped finding itself")
                mine.append(info.articles)

    readers = [threading.Thread(target=read_loop, args=(mine,)) for mine in seen]
    for thread in readers:
        thread.start()
    # The CLI reads during the write too, without waiting for it.
    infos = []
    while writer.poll() is None:
        result = runner.invoke(main, ["index", "info", "--index", str(db)])
        assert result.exit_code == 0, result.output
        infos.append(int(re.search(r"articles: (\d+)", result.output).group(1)))  # type: ignore[union-attr]
    for thread in readers:
        thread.join()
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    assert problems == []
    # Each reader watched the index grow batch by batch (2 articles), never shrink, never see half a batch.
    for mine in seen:
        assert len(set(mine)) > 3 and mine == sorted(mine), mine
        assert all(30 <= n <= 150 and n % 2 == 0 for n in mine)
    assert infos == sorted(infos) and all(30 <= n <= 150 and n % 2 == 0 for n in infos)
    assert len(check_consistent(db)) == 150


def test_two_writers_are_serialised(tmp_path):
    a = _write_corpus(tmp_path / "a", 45, seed=4, prefix="a-")
    b = _write_corpus(tmp_path / "b", 45, seed=5, prefix="b-")
    db = tmp_path / "i.db"
    Index.open(db, create=True).close()
    writers = [
        subprocess.Popen([sys.executable, "-m", "provenance.cli", "index", "add", str(tmp_path / corpus), "--index", str(db),
                          "--batch-size", "2", "--workers", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for corpus in ("a", "b")
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr
        assert "45 added" in stderr
    assert check_consistent(db) == sorted(a + b)


def test_a_writer_locked_out_too_long_is_refused_clearly(tmp_path, monkeypatch):
    db = tmp_path / "i.db"
    Index.open(db, create=True).close()
    holder = sqlite3.connect(str(db), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process mid-batch, and never finishing
    monkeypatch.setattr(provenance.index, "BUSY_TIMEOUT_S", 0.2)
    try:
        with Index.open(db) as index, pytest.raises(IndexStoreError, match="another process has been writing"):
            index.add(synthetic(3))
        result = CliRunner().invoke(main, ["index", "add", str(Path(__file__).parent.parent / "seeds"), "--index", str(db), "--workers", "1"])
        assert result.exit_code == 3
        assert "error: " in result.stderr and "another process has been writing to this index" in result.stderr
        assert "Traceback" not in result.stderr
        # Reading is never blocked by a writer.
        with Index.open(db) as index:
            assert index.info().articles == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert check_consistent(db) == []


def test_soak_smoke(tmp_path, capsys):
    """A few seconds of bench/soak.py: growing index, audits, a reader; nothing lost, no failure."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import soak
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert soak.soak(tmp_path / "soak.db", seconds=2, batch=30, audited=10, workers=1) == 0
    table = capsys.readouterr().out
    assert "| failures" in table and table.rstrip().endswith("| 0 |")
    assert re.search(r"accounted for .*\| (\d+) of \1 \|", table)
