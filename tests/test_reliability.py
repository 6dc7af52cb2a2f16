"""Reliability: bad input never crashes a run nor disappears, memory stays bounded, Ctrl-C leaves no
partial output, the same input gives the same bytes, and no input can write files or fetch URLs.

Index crash safety and concurrency live in ``test_reliability_index.py``; property tests in
``test_fuzz.py``. Each test here drives the CLI (a real process where signals, FIFOs or memory
matter, ``CliRunner`` elsewhere) and checks that stderr carries no traceback.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import main
from provenance.ingest import read_corpus
from provenance.ingest.base import MAX_ARTICLE_CHARS
from tests.badcorpus import write_bad_corpus
from tests.conftest import SEED_000, SEED_002, SEEDS
from tests.test_index import synthetic

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "provenance.cli"]


def run_cli(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs)  # type: ignore[call-overload]


def assert_clean_stderr(stderr: str) -> list[str]:
    """No traceback; every line a skip, a summary, a gate or an error line. Returns the skip lines."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    for line in lines:
        assert line.startswith(("skipped ", "provenance: ", "provenance audit: ", "error: ", "gate: ", "interrupted")), line
    return [line for line in lines if line.startswith("skipped ")]


# --- bad input --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], set[str]]:
    folder = tmp_path_factory.mktemp("bad") / "corpus"
    skips, good = write_bad_corpus(folder)
    return folder, skips, good


def test_bad_corpus_scan_skips_each_bad_item_once_and_reads_the_rest(bad_corpus, tmp_path):
    folder, skips, good = bad_corpus
    out = tmp_path / "out.json"
    result = run_cli(["scan", str(folder), "--format", "json", "-o", str(out), "--workers", "1"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    skipped = assert_clean_stderr(result.stderr)
    for fragment, reason in skips.items():
        hits = [line for line in skipped if f"{folder}/{fragment}" in line]
        assert hits, f"{fragment} not reported"
        assert all(reason in line for line in hits if line.startswith(f"skipped {folder}/{fragment}:")) or not reason
    report = json.loads(out.read_text(encoding="utf-8"))
    ids = {a["id"] for a in report["articles"]}
    assert good <= ids, good - ids
    # The summary counts exactly the lines printed, and the JSON lists them too.
    assert f", {len(skipped)} skipped (" in result.stderr
    assert len(report["skipped"]) == len(skipped)
    # Nothing vanished: every entry in the folder is an article or named by a skip line.
    for entry in os.listdir(folder):
        shown = entry.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace").replace("\n", "\\n").replace("\t", "\\t")
        assert any(shown in i for i in ids) or any(f"{folder}/{shown}" in line for line in skipped), entry
    assert (SEED_000, SEED_002) in [(p["source"], p["derived"]) for p in report["pairs"]]
    # --strict turns the skips into exit 1, after writing the same report.
    strict = run_cli(["scan", str(folder), "--format", "json", "--workers", "1", "--strict"], cwd=tmp_path)
    assert strict.returncode == 1 and json.loads(strict.stdout) == report
    assert_clean_stderr(strict.stderr)


def test_bad_corpus_audit_and_index_never_crash(bad_corpus, tmp_path):
    folder, skips, _ = bad_corpus
    runner = CliRunner()
    result = runner.invoke(main, ["audit", str(folder), "--against", str(SEEDS), "--format", "json", "--workers", "1"])
    assert result.exit_code == 0 and result.exception is None, result.output
    skipped = assert_clean_stderr(result.stderr)
    assert len(skipped) == len(json.loads(result.stdout)["skipped"]) >= len(skips)
    db = tmp_path / "i.db"
    result = runner.invoke(main, ["index", "build", str(folder), "--index", str(db), "--workers", "1"])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert len([line for line in result.stderr.splitlines() if line.startswith("skipped ")]) == len(skipped)


def test_nothing_usable_exits_3_and_names_every_input(tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 400)
    (folder / "feed.jsonl").write_text("{oops\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    for command in (["scan", str(folder)], ["audit", str(folder), "--against", str(SEEDS)],
                    ["scan", str(folder), "--index", str(tmp_path / "i.db")]):
        result = run_cli(command, cwd=tmp_path)
        assert result.returncode == 3, (command, result.stderr)
        skipped = assert_clean_stderr(result.stderr)
        assert len(skipped) == 4 and "error: " in result.stderr and "no readable article" in result.stderr
        for name in ("empty.txt", "binary.txt", "feed.jsonl:1", "pipe.txt"):
            assert any(f"{folder}/{name}: " in line for line in skipped), name


def test_unreadable_file_is_skipped_with_the_reason(tmp_path, monkeypatch):
    folder = tmp_path / "c"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_000, folder / SEED_000)
    locked = folder / "locked.txt"
    locked.write_text("A secret article that nobody may read. " * 20, encoding="utf-8")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            # Running as root (CI containers): permissions do not stop reads, so make the
            # file's open fail the way a permission error does.
            real_open = io.open

            def refusing_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
                if Path(os.fsdecode(file)) == locked:
                    raise PermissionError(13, "Permission denied", str(locked))
                return real_open(file, *args, **kwargs)

            monkeypatch.setattr(io, "open", refusing_open)
            monkeypatch.setattr("builtins.open", refusing_open)
        result = CliRunner().invoke(main, ["scan", str(folder), "--workers", "1", "--format", "json"])
    finally:
        locked.chmod(0o644)
    assert result.exit_code == 0 and result.exception is None, result.output
    assert f"skipped {locked}: cannot read (Permission denied); check its permissions" in assert_clean_stderr(result.stderr)
    assert [a["id"] for a in json.loads(result.stdout)["articles"]] == [SEED_000]


def test_odd_names_given_directly_on_the_command_line(tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    names = ["new\nline.txt", "space and é.txt", os.fsdecode(b"latin-\xe9.txt"), "-dash.txt"]
    for name in names:
        (folder / name).write_bytes((SEEDS / SEED_000).read_bytes())
    result = run_cli(["scan", "--format", "json", "--workers", "1", "--", *names], cwd=folder)
    assert result.returncode == 0, result.stderr
    assert_clean_stderr(result.stderr)
    ids = [a["id"] for a in json.loads(result.stdout)["articles"]]
    assert ids == sorted(["new\\nline.txt", "space and é.txt", "latin-\\xe9.txt", "-dash.txt"])


# --- bounded memory -------------------------------------------------------------------------

HUGE_BYTES = 200 * 1024 * 1024


def _write_huge_line(path: Path, prefix: bytes = b"", suffix: bytes = b"") -> None:
    chunk = b"spinning words " * 69905  # ~1 MiB
    with path.open("wb") as stream:
        stream.write(prefix)
        for _ in range(HUGE_BYTES // len(chunk)):
            stream.write(chunk)
        stream.write(suffix)


_PEAK = (
    "import resource, sys\n"
    "from provenance.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit as exit:\n"
    "    code = exit.code\n"
    "print(f'peak-kib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.mark.slow
def test_200_mb_single_line_files_are_skipped_unread(tmp_path):
    """A 200 MB one-line .txt and a 200 MB one-record .jsonl: skipped, the rest read, memory stays small."""
    folder = tmp_path / "huge"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_000, folder / SEED_000)
    shutil.copy(SEEDS / SEED_002, folder / SEED_002)
    _write_huge_line(folder / "huge.txt")
    _write_huge_line(folder / "huge.jsonl", b'{"id": "huge", "text": "', b'"}\n' + json.dumps({"id": "small", "text": "x " * 50}).encode() + b"\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def peak(target: Path) -> tuple[subprocess.CompletedProcess[str], float, float]:
        began = time.perf_counter()
        run = subprocess.run([sys.executable, "-c", _PEAK, "scan", str(target), "--format", "json", "--workers", "1"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
        assert run.returncode == 0, run.stderr
        return run, int(run.stderr.rsplit("peak-kib ", 1)[1]) / 1024, time.perf_counter() - began

    # The same corpus without the huge files is the baseline: the interpreter, the libraries and
    # (on a fresh checkout) compiling the numba kernels weigh what they weigh either way.
    small = tmp_path / "small"
    small.mkdir()
    for name in (SEED_000, SEED_002):
        shutil.copy(SEEDS / name, small / name)
    (small / "small.jsonl").write_text(json.dumps({"id": "small", "text": "x " * 50}) + "\n")
    peak(small)  # compile and cache first
    _, baseline_mib, _ = peak(small)
    result, peak_mib, seconds = peak(folder)
    skipped = assert_clean_stderr(result.stderr.rsplit("peak-kib", 1)[0])
    assert f"skipped {folder}/huge.txt: file of {HUGE_BYTES + 0:,}" in skipped[1] or any("huge.txt: file of" in s for s in skipped)
    assert any(f"{folder}/huge.jsonl:1: line over" in s for s in skipped)
    ids = [a["id"] for a in json.loads(result.stdout)["articles"]]
    assert ids == [SEED_000, SEED_002, "small"]
    # Neither huge input was held in memory: holding one would add at least 200 MiB.
    assert peak_mib - baseline_mib < 100, (peak_mib, baseline_mib)
    assert seconds < 60


def test_max_article_chars_skips_never_truncates(tmp_path):
    lengths = {path.name: len(path.read_text(encoding="utf-8")) for path in SEEDS.iterdir()}
    cap = sorted(lengths.values())[2]  # the three shortest stay
    runner = CliRunner()
    result = runner.invoke(main, ["scan", str(SEEDS), "--format", "json", "--workers", "1", "--max-article-chars", str(cap)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    kept = {a["id"]: a["chars"] for a in report["articles"]}
    assert kept == {name: n for name, n in lengths.items() if n <= cap}
    skipped = assert_clean_stderr(result.stderr)
    assert sorted(skipped) == sorted(
        f"skipped {SEEDS}/{name}: article of {n:,} characters is over the limit of {cap:,}; raise it with --max-article-chars if it is real"
        for name, n in lengths.items() if n > cap
    )
    # The same cap holds for every reader: JSONL lines, CSV rows, HTML pages.
    folder = tmp_path / "mixed"
    folder.mkdir()
    long_text = "A sentence of a long article. " * 40
    (folder / "f.jsonl").write_text(json.dumps({"id": "j", "text": long_text}) + "\n", encoding="utf-8")
    (folder / "f.csv").write_text(f"id,text\nc,{long_text}\n", encoding="utf-8")
    articles, skipped_items = read_corpus([folder], max_chars=100)
    assert articles == [] and sorted(s.path for s in skipped_items) == [f"{folder}/f.csv:2", f"{folder}/f.jsonl:1"]
    assert MAX_ARTICLE_CHARS == 5_000_000
    # A cap below 1 is a usage error.
    assert runner.invoke(main, ["scan", str(SEEDS), "--max-article-chars", "0"]).exit_code == 2
    # Shingles hold offsets into an article as int32.
    assert runner.invoke(main, ["scan", str(SEEDS), "--max-article-chars", str(2**31)]).exit_code == 2


# --- interruptions --------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Cyrillic text takes the Python shingling path, which runs on the worker pool under test.
    folder = tmp_path_factory.mktemp("bigcorpus")
    for part, chunk in enumerate((synthetic(2000, seed=5), synthetic(2000, seed=6))):
        with (folder / f"part{part}.jsonl").open("w", encoding="utf-8") as stream:
            for article in chunk:
                stream.write(json.dumps({"id": f"{part}-{article.id}", "text": article.text * 3 + " \u041a\u0430\u0444\u0435."}) + "\n")
    return folder


@pytest.mark.parametrize("command", ["scan", "audit", "scan --progress"])
def test_ctrl_c_exits_130_and_leaves_no_output(big_corpus, tmp_path, command):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while the worker pool runs
    (with ``--progress`` its chunks' results are taken one by one, as they come)."""
    out = tmp_path / "out.json"
    if command.startswith("scan"):
        args = ["scan", str(big_corpus), *command.split()[1:]]
    else:
        args = ["audit", str(big_corpus / "part0.jsonl"), "--against", str(big_corpus / "part1.jsonl")]
    process = subprocess.Popen([*CLI, *args, "--workers", "2", "--format", "json", "-o", str(out)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not _children(process.pid) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "finished before its worker pool started"
    workers = _children(process.pid)
    time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert os.listdir(tmp_path) == []  # neither out.json nor a temporary file
    # No worker is left behind.
    time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]]


# --- a disk that refuses writes --------------------------------------------------------------
# Each failure is the kernel's own: writes go to /dev/full (ENOSPC), or to a folder that is not
# there. What is mocked is only where our code writes, so that the test is about its reaction.

needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")


def _full(*_: object, **__: object) -> io.BufferedRandom:
    return open("/dev/full", "r+b")  # noqa: SIM115  every write to it fails with ENOSPC


def test_a_report_that_cannot_be_written_exits_4_and_names_the_fix(tmp_path):
    result = run_cli(["scan", str(SEEDS), "--progress", "-o", str(tmp_path / "missing" / "out.json")], cwd=tmp_path)
    assert result.returncode == 4
    assert assert_clean_stderr(result.stderr) == []
    assert (f"error: cannot write the report {tmp_path}/missing/out.json: No such file or directory; "
            "check that its folder exists and can be written") in result.stderr
    # ... before the scan, not after it (at a million articles, six minutes later).
    assert "done in" not in result.stderr


@needs_dev_full
def test_a_report_on_a_full_disk_exits_4_and_leaves_no_part_of_it(tmp_path, monkeypatch):
    real_fdopen = os.fdopen

    def full_fdopen(handle, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not os.path.basename(os.readlink(f"/proc/self/fd/{handle}")).startswith(".out.json."):
            return real_fdopen(handle, *args, **kwargs)
        os.close(handle)  # the report's temporary file, written on a full disk instead
        return open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115

    monkeypatch.setattr(os, "fdopen", full_fdopen)
    result = CliRunner().invoke(main, ["scan", str(SEEDS), "--workers", "1", "--format", "json", "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 4, result.output
    assert_clean_stderr(result.stderr)
    assert (f"error: cannot write the report {tmp_path}/out.json: No space left on device; free some space, or write "
            "elsewhere; no part of it was left") in result.stderr
    assert os.listdir(tmp_path) == []
    # Standard output sent to a file on a full disk (`> /full/report.json`).
    with open("/dev/full", "w") as full:
        result = subprocess.run([*CLI, "scan", str(SEEDS), "--format", "json"], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 4
    assert assert_clean_stderr(result.stderr) == []
    assert "error: cannot write the report to standard output: No space left on device" in result.stderr


@needs_dev_full
def test_temporary_files_on_a_full_disk_exit_4_and_say_where_they_go(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.TemporaryFile", _full)  # the scan's spills
    result = CliRunner().invoke(main, ["scan", str(SEEDS), "--workers", "1"])
    assert result.exit_code == 4, result.output
    assert_clean_stderr(result.stderr)
    assert "error: cannot write a temporary file in " in result.stderr
    assert "(set TMPDIR to use another folder): No space left on device; free some space, or write elsewhere" in result.stderr


@needs_dev_full
def test_an_index_on_a_full_disk_keeps_the_batches_before_and_says_how_many(tmp_path, monkeypatch):
    from provenance import segments
    from tests.test_index import check_consistent
    from tests.test_reliability_index import _unregistered

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for article in synthetic(9):
        (corpus / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
    db = tmp_path / "i.db"
    real_init = segments._SyncedFile.__init__
    files = []

    def fills_up(self, path):  # type: ignore[no-untyped-def]
        files.append(path)
        real_init(self, path)
        if len(files) > 3:  # the first batch's signatures, texts and segment are written; then the disk is full
            self.file.close()
            self.file = open("/dev/full", "wb")  # noqa: SIM115

    monkeypatch.setattr(segments._SyncedFile, "__init__", fills_up)
    result = CliRunner().invoke(main, ["index", "build", str(corpus), "--index", str(db), "--batch-size", "3", "--workers", "1"])
    assert result.exit_code == 4, result.output
    assert not [line for line in result.stderr.splitlines() if not line.startswith(("indexed ", "error: "))], result.stderr
    assert (f"error: cannot write the index {db}: No space left on device; free some space, or write elsewhere; "
            "the 3 articles stored before it are kept: add the same articles again to finish") in result.stderr
    # The failed batch rolled back, and its files went with it (the disk is the full one).
    assert check_consistent(db) == ["a0000.txt", "a0001.txt", "a0002.txt"]
    assert _unregistered(db) == []
    monkeypatch.undo()
    result = CliRunner().invoke(main, ["index", "add", str(corpus), "--index", str(db), "--batch-size", "3", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert check_consistent(db) == [f"a{k:04d}.txt" for k in range(9)]


def test_an_index_whose_creation_fails_leaves_nothing(tmp_path, monkeypatch):
    import sqlite3

    from provenance.index_store import IndexStore

    result = run_cli(["index", "build", str(SEEDS), "--index", str(tmp_path / "missing" / "i.db")], cwd=tmp_path)
    assert result.returncode == 4
    assert (f"error: cannot write the index {tmp_path}/missing/i.db: unable to open database file; "
            "check that its folder exists and can be written") in result.stderr

    def disk_full(self):  # type: ignore[no-untyped-def]
        # What SQLite raises when the disk fills while the schema is written (in its transaction).
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = 13  # SQLITE_FULL
        with self.transaction():
            raise error

    monkeypatch.setattr(IndexStore, "_create", disk_full)
    result = CliRunner().invoke(main, ["index", "build", str(SEEDS), "--index", str(tmp_path / "i.db")])
    assert result.exit_code == 4, result.output
    assert f"error: cannot write the index {tmp_path}/i.db: database or disk is full; free some space" in result.stderr
    assert os.listdir(tmp_path) == []  # no half-made index


# --- determinism ----------------------------------------------------------------------------


def _mixed_corpus(folder: Path) -> None:
    """Seeds, a JSONL export and copies with edits: pairs, a tree and skipped entries to sort."""
    folder.mkdir(parents=True)
    for name in sorted(os.listdir(SEEDS), reverse=True):
        shutil.copy(SEEDS / name, folder / name)
    sub = folder / "sub"
    sub.mkdir()
    base = synthetic(12, seed=9)
    for article in base[:6]:
        (sub / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
    with (folder / "export.jsonl").open("w", encoding="utf-8") as stream:
        for article in base[:6]:
            edited = article.text.replace(" w1", " v1").replace(".", ". Indeed", 1)
            stream.write(json.dumps({"id": f"copy-{article.id}", "text": edited}) + "\n")
        stream.write("{broken\n")
    (folder / "empty.txt").write_text("  ", encoding="utf-8")


def _copy_in_reverse(source: Path, target: Path) -> None:
    """The same files, created in the opposite order (so the directory's own order differs)."""
    target.mkdir(parents=True)
    for entry in sorted(source.rglob("*"), reverse=True):
        destination = target / entry.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if entry.is_file():
            shutil.copy(entry, destination)


def test_same_bytes_across_runs_workers_and_input_order(tmp_path):
    first, second = tmp_path / "a" / "corpus", tmp_path / "b" / "corpus"
    _mixed_corpus(first)
    _copy_in_reverse(first, second)
    runner = CliRunner()
    files = sorted(str(p) for p in first.iterdir())

    def scan(*args: str, fmt: str = "json") -> str:
        result = runner.invoke(main, ["scan", *args, "--format", fmt])
        assert result.exit_code == 0 and result.exception is None, result.output
        return result.stdout

    reference = scan(str(first), "--workers", "1")
    assert json.loads(reference)["pairs"], "the corpus must hold pairs"
    assert scan(str(first), "--workers", "1") == reference
    assert scan(str(first), "--workers", "2") == reference
    # A copy made in another order, under another parent: the same ids, hence the same bytes except paths.
    assert scan(str(second), "--workers", "2") == reference.replace(str(first), str(second))
    # The files listed one by one, in two orders: ids are then file names, so compare those runs to each other.
    forward = scan(*files, "--workers", "1")
    assert scan(*reversed(files), "--workers", "2") == forward
    assert scan(*files, "--workers", "2", fmt="csv") == scan(*reversed(files), "--workers", "1", fmt="csv")
    assert scan(str(first), "--workers", "1", fmt="html") == scan(str(first), "--workers", "2", fmt="html")


def test_audit_same_bytes_across_workers_and_order(tmp_path):
    site, reference = tmp_path / "site", tmp_path / "ref"
    site.mkdir(), reference.mkdir()
    for name in sorted(os.listdir(SEEDS)):
        shutil.copy(SEEDS / name, (reference if name == SEED_000 else site) / name)
    extra = synthetic(8, seed=4)
    for article in extra:
        (reference / f"{article.id}.txt").write_text(article.text, encoding="utf-8")
        (site / f"spun-{article.id}.txt").write_text(article.text.replace(" w2", " q2"), encoding="utf-8")
    runner = CliRunner()
    outputs = {}
    for fmt in ("json", "csv", "html"):
        runs = set()
        for workers, order in (("1", 1), ("2", 1), ("2", -1)):
            refs = sorted(str(p) for p in reference.iterdir())[::order]
            args = ["audit", str(site)]
            for ref in refs:
                args += ["--against", ref]
            result = runner.invoke(main, [*args, "--format", fmt, "--workers", workers])
            assert result.exit_code == 0, result.output
            runs.add(result.stdout)
        assert len(runs) == 1, fmt
        outputs[fmt] = runs.pop()
    derived = {row["article"] for row in json.loads(outputs["json"])["audit"] if row["rank"] == 1}
    assert SEED_002 in derived and len(derived) >= 5


# --- security -------------------------------------------------------------------------------


def test_warc_urls_become_ids_and_never_paths(tmp_path, monkeypatch):
    from tests.fixtures import _warc_record, wordpress_page, seed_pages
    from warcio.warcwriter import WARCWriter

    page = seed_pages()[0]
    urls = ["../../etc/x", "/etc/passwd", "file:///etc/shadow", "https://a.example/../../../tmp/evil\n.txt",
            "https://a.example/%2e%2e/%2e%2e/x?<script>", "C:\\Windows\\x"]
    crawl = tmp_path / "in" / "odd.warc"
    crawl.parent.mkdir()
    with crawl.open("wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        for url in urls:
            writer.write_record(_warc_record(writer, url, "text/html", wordpress_page(page).encode("utf-8")))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["scan", str(crawl), "--format", "json", "-o", "report.json", "--workers", "1"])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert sorted(p for p in tmp_path.rglob("*")) == sorted([*before, work / "report.json"])
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    # Pages at http(s) URLs are articles with the URL as id; warcio gives the others no HTTP
    # headers, so they are skipped as records, named FILE#N. Either way: an id, never a file.
    assert [a["id"] for a in report["articles"]] == ["https://a.example/%2e%2e/%2e%2e/x?<script>", "https://a.example/../../../tmp/evil"]
    assert [s["path"] for s in report["skipped"]] == [f"{crawl}#{n}" for n in (1, 2, 3, 6)]


def test_no_input_makes_the_tool_connect_anywhere(tmp_path, monkeypatch):
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    story = (SEEDS / SEED_000).read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{line}</p>" for line in story.splitlines() if line.strip())
    page = (
        "<!doctype html><html><head>"
        '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/refresh">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/a.css"><link rel="canonical" href="http://127.0.0.1:9/canon">'
        '<link rel="preload" href="https://example.invalid/font.woff"><link rel="import" href="http://127.0.0.1:9/i.html">'
        '<script src="http://127.0.0.1:9/x.js"></script><base href="http://127.0.0.1:9/">'
        '<meta property="og:image" content="http://127.0.0.1:9/og.png">'
        "</head><body>"
        '<img src="http://127.0.0.1:9/a.png" srcset="http://127.0.0.1:9/b.png 2x"><iframe src="http://127.0.0.1:9/f"></iframe>'
        f'<article>{paragraphs}</article><object data="http://127.0.0.1:9/o"></object>'
        '<svg><image href="http://127.0.0.1:9/s.png"/></svg><a href="http://127.0.0.1:9/more">more</a>'
        "</body></html>"
    )
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "page.html").write_text(page, encoding="utf-8")
    from provenance.ingest.html import extract_article

    article = extract_article(page, "page.html", "page.html")
    assert not hasattr(article, "reason") and len(article.text) > 200  # read as an article
    runner = CliRunner()
    for args in (["scan", str(folder), str(SEEDS)], ["audit", str(folder), "--against", str(SEEDS)],
                 ["scan", str(folder), str(SEEDS), "--format", "html"]):
        result = runner.invoke(main, [*args, "--workers", "1"])
        assert result.exit_code == 0 and result.exception is None, result.output
    assert attempts == []
