"""Crash safety and concurrency of the index: SIGKILL at random points, readers during a write, two writers.

The kill test has a helper process (provenance already imported) fork each writer, so a run
costs milliseconds, not an interpreter start; the child runs ``provenance index add`` through
the CLI entry point and the test kills it with SIGKILL at a random moment.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import provenance.index_store
from provenance.cli import main
from provenance.index import Index
from provenance.index_store import IndexStoreError, bands_folder
from tests.test_index import check_consistent, synthetic

ROOT = Path(__file__).resolve().parent.parent
BATCH = 3
KILLS = 15


def _write_corpus(folder: Path, count: int, seed: int, prefix: str = "") -> list[str]:
    folder.mkdir(parents=True)
    for article in synthetic(count, seed=seed):
        (folder / f"{prefix}{article.id}.txt").write_text(article.text, encoding="utf-8")
    return sorted(os.listdir(folder))


# A clean helper process forks the writers. Forking the test process itself is unsafe once any
# earlier test ran a numba parallel kernel from a thread (libgomp then kills forked children).
_FORKER = r"""
import os, sys
import provenance.index
from provenance.cli import main
provenance.index.MERGE_FANIN = 2  # merge after every other batch, so kills land in merges too
corpus, db, batch = sys.argv[1:4]
for line in sys.stdin:
    log = line.strip()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 2)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            sys.stderr = os.fdopen(2, "w", buffering=1)
            main(["index", "add", corpus, "--index", db, "--batch-size", batch, "--workers", "1"], standalone_mode=False)
        finally:
            os._exit(0)
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("done", flush=True)
"""


class Forker:
    """Starts ``index add`` runs in children of one clean helper process (milliseconds each)."""

    def __init__(self, corpus: Path, db: Path, logs: Path) -> None:
        self.logs = logs
        self.runs = 0
        self.process = subprocess.Popen([sys.executable, "-c", _FORKER, str(corpus), str(db), str(BATCH)], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def start(self) -> tuple[int, Path]:
        self.runs += 1
        log = self.logs / f"run{self.runs}.log"
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{log}\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline()), log

    def wait(self) -> None:
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "done"

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _progress(log: Path, lines: int, timeout: float = 10.0) -> int:
    """Wait for ``lines`` progress lines ("indexed N/M") in ``log``; returns the last N seen (0 if none)."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        if text.count("\n") >= lines:
            break
        time.sleep(0.002)
    found = re.findall(r"indexed (\d+)/", text)
    return int(found[-1]) if found else 0


def _unregistered(db: Path) -> list[str]:
    """Files in the index's folder that no table names (what a killed writer leaves), sorted."""
    connection = sqlite3.connect(str(db))
    known = {row[0] for row in connection.execute("SELECT name FROM segments UNION SELECT name FROM retired UNION SELECT name FROM blocks")}
    connection.close()
    return sorted(p.name for p in bands_folder(db).iterdir() if p.name != "readers.lock" and p.name not in known)


def test_sigkill_at_random_points_leaves_exactly_the_committed_batches(tmp_path):
    ids = _write_corpus(tmp_path / "corpus", 150, seed=3)
    db = tmp_path / "i.db"
    Index.open(db, create=True).close()
    rng = random.Random(2024)
    kills, orphaned = 0, 0
    held: list[str] = []
    logs = tmp_path / "logs"
    logs.mkdir()
    forker = Forker(tmp_path / "corpus", db, logs)
    for _ in range(KILLS):
        pid, log = forker.start()
        # A random number of batches reported committed, then a random moment inside the next one.
        reported = _progress(log, rng.randint(1, 8))
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        forker.wait()
        kills += 1
        reported = max(reported, _progress(log, 0, timeout=0.0))
        # The index opens, passes integrity_check, and every table agrees with the stored texts.
        with Index.open(db) as index:
            assert index.info().articles == len(check_consistent(db))
        held = check_consistent(db)
        orphaned += bool(_unregistered(db))  # killed while writing a segment, a block or a merge
        # Exactly the first k whole batches: nothing torn, nothing reported committed lost.
        assert held == ids[: len(held)] and (len(held) % BATCH == 0 or len(held) == len(ids))
        assert len(held) >= reported
        if len(held) == len(ids):
            break
    print(f"{kills} kills ({orphaned} left unregistered files); {len(held)} of {len(ids)} articles held after the last")
    assert kills >= 10
    # An uninterrupted run finishes the job.
    forker.start()
    forker.wait()
    forker.close()
    assert check_consistent(db) == ids
    # The writers that came after cleaned up: no orphan, no temporary file, no retired file left.
    assert _unregistered(db) == []
    connection = sqlite3.connect(str(db))
    assert connection.execute("SELECT count(*) FROM retired").fetchone()[0] == 0
    assert connection.execute("SELECT max(level) FROM segments").fetchone()[0] >= 3
    connection.close()


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
                    bands = c.execute("SELECT coalesce(sum(entries), 0) FROM segments").fetchone()[0]
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
    monkeypatch.setattr(provenance.index_store, "BUSY_TIMEOUT_S", 0.2)
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


def test_soak_smoke(tmp_path):
    """A few seconds of bench/soak.py: growing index, audits, a reader; nothing lost, no failure."""
    result = subprocess.run([sys.executable, "bench/soak.py", "--seconds", "2", "--batch", "30", "--audit", "10",
                             "--db", str(tmp_path / "soak.db")], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout
    assert "| failures" in table and table.rstrip().endswith("| 0 |")
    assert re.search(r"accounted for .*\| (\d+) of \1 \|", table)


# A writer that kills itself (SIGKILL) at one chosen point of segment writing or merging.
_CRASHER = r"""
import os, signal, sys
import provenance.index
from provenance import segments
from provenance.index import Index
from provenance.settings import Settings
from tests.test_index import synthetic

provenance.index.MERGE_FANIN = 2
db, where = sys.argv[1], sys.argv[2]
calls = {"bands": 0}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if where == "batch-write":  # halfway through the third batch's segment file
    band_entries = segments._Writer.band_entries
    bands = Settings().bands  # a segment per batch, and the first two batches' merged one, before
    def crash_in_band_entries(self, keys, articles):
        calls["bands"] += 1
        if calls["bands"] == 3 * bands + bands // 2:
            die()
        band_entries(self, keys, articles)
    segments._Writer.band_entries = crash_in_band_entries
elif where == "merge-renamed":  # the merged file is complete and in place, but not registered
    merge = segments.merge
    def crash_after_merge(*args):
        merge(*args)
        die()
    segments.merge = crash_after_merge
elif where == "merge-committed":  # the merge is committed; its inputs are retired but not deleted
    delete_retired = Index._delete_retired
    def crash_before_deleting(self):
        if self.connection.execute("SELECT count(*) FROM retired").fetchone()[0]:
            die()
        delete_retired(self)
    Index._delete_retired = crash_before_deleting
with Index.open(db) as index:
    index.add(synthetic(12), batch_size=2)
"""


@pytest.mark.parametrize("where", ["batch-write", "merge-renamed", "merge-committed"])
def test_sigkill_while_writing_segments_or_merging_leaves_before_or_after(tmp_path, where):
    db = tmp_path / "i.db"
    Index.open(db, create=True).close()
    crashed = subprocess.run([sys.executable, "-c", _CRASHER, str(db), where], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    # The index is as after the last committed batch (two batches of two: the first merge
    # happens after the second); the killed write left files no transaction registered.
    assert check_consistent(db) == [f"a{k:04d}" for k in range(4)]
    connection = sqlite3.connect(str(db))
    retired = connection.execute("SELECT count(*) FROM retired").fetchone()[0]
    connection.close()
    if where == "merge-committed":
        assert retired == 2 and _unregistered(db) == []
    else:
        # Files are numbered in order: batch 1 writes blocks 1 (signatures) and 2 (texts) and
        # segment 3, batch 2 blocks 4 and 5 and segment 6, their merge segment 7, batch 3 blocks
        # 8 and 9 and segment 10. A batch's blocks are written on a thread beside its segment, one
        # after the other: killed, each may be whole, not yet renamed, or not yet begun (on a busy
        # machine the thread may not have opened its file), the texts only once the signatures are whole.
        left = _unregistered(db)
        if where == "merge-renamed":
            assert left == ["segment-000007.seg"]
        else:
            signatures = [[], ["signatures-000008.u32.tmp"], ["signatures-000008.u32"]]
            texts = [[], ["texts-000009.utf8.tmp"], ["texts-000009.utf8"]]
            assert left in [["segment-000010.seg.tmp", *s] for s in signatures[:2]] + [
                ["segment-000010.seg.tmp", *signatures[2], *t] for t in texts]
        assert retired == 0
    # The next writer cleans up and finishes the job.
    with Index.open(db) as index:
        assert index.add(synthetic(12), batch_size=2).added == tuple(f"a{k:04d}" for k in range(4, 12))
    assert check_consistent(db) == [f"a{k:04d}" for k in range(12)]
    assert _unregistered(db) == []
    connection = sqlite3.connect(str(db))
    assert connection.execute("SELECT count(*) FROM retired").fetchone()[0] == 0
    connection.close()
