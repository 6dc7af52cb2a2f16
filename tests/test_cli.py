"""cli: every command, format and exit code, driven through click's CliRunner."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

from click.testing import CliRunner

from provenance.cli import main
from tests.conftest import SEED_000, SEED_002, SEEDS


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_scan_table_default():
    result = run("scan", str(SEEDS), "--workers", "1")
    assert result.exit_code == 0
    assert f"└── {SEED_002}" in result.stdout
    assert "provenance: 5 articles, 1 derivation in 1 tree, 1 story, 0 skipped" in result.stderr


def test_scan_progress_lines_on_stderr_only():
    quiet = run("scan", str(SEEDS), "--workers", "1")
    loud = run("scan", str(SEEDS), "--workers", "1", "--progress")
    assert loud.stdout == quiet.stdout and "done in" not in quiet.stderr
    assert _stages_done(loud.stderr) == ["ingest", "boilerplate", "shingle", "windows", "candidates", "verify", "trees"]


def _stages_done(stderr: str) -> list[str]:
    return [line.split()[1] for line in stderr.splitlines() if line.endswith(" s") and " done in " in line]


def test_audits_and_index_scans_tell_their_progress_too(tmp_path):
    site, reference = str(SEEDS / SEED_002), str(SEEDS / SEED_000)
    audited = run("audit", site, "--against", reference, "--workers", "1", "--progress")
    assert audited.exit_code == 0 and audited.stdout == run("audit", site, "--against", reference, "--workers", "1").stdout
    assert _stages_done(audited.stderr) == ["ingest", "boilerplate", "shingle", "windows", "candidates", "verify", "trees"]
    index = str(tmp_path / "seeds.db")
    scanned = run("scan", str(SEEDS), "--index", index, "--workers", "1", "--progress")
    assert scanned.exit_code == 0 and _stages_done(scanned.stderr) == ["ingest", "index", "candidates", "verify"]
    assert "verify 50%" in scanned.stderr  # a log (not a terminal) gets a line at each quarter
    audited = run("audit", site, "--index", index, "--workers", "1", "--progress")
    assert audited.exit_code == 0 and _stages_done(audited.stderr) == ["ingest", "index", "candidates", "verify"]
    quiet = run("audit", site, "--index", index, "--workers", "1")
    assert quiet.stdout == audited.stdout and " done in " not in quiet.stderr


def test_progress_bar_redraws_on_a_terminal_and_writes_quarters_to_a_log(capsys):
    from provenance.cli import _ProgressLines

    log = _ProgressLines(terminal=False)
    for done in (0, 10, 30, 31, 60, 100):
        log.advance("verify", done, 100)
    log.stage_done("verify", 1.25)
    assert capsys.readouterr().err.splitlines() == ["provenance: verify 25%", "provenance: verify 50%", "provenance: verify done in 1.2 s"]

    terminal = _ProgressLines(terminal=True)
    terminal.advance("shingle", 1, 4)
    terminal.advance("shingle", 4, 4)  # the end is always drawn, however soon
    terminal.stage_done("shingle", 2.0)
    drawn = capsys.readouterr().err
    bars = [part for part in drawn.split("\r") if part.strip()]
    assert bars[0].startswith("provenance: shingle [#######.......................]  25%")
    assert bars[1].startswith("provenance: shingle [##############################] 100%")
    assert bars[2] == "provenance: shingle done in 2.0 s\n"  # on a line rubbed clean of the bar


def test_scan_json_to_file(tmp_path):
    out = tmp_path / "report.json"
    result = run("scan", str(SEEDS), "--format", "json", "-o", str(out), "--workers", "1")
    assert result.exit_code == 0 and result.stdout == ""
    data = json.loads(out.read_text())
    assert [(p["source"], p["derived"]) for p in data["pairs"]] == [(SEED_000, SEED_002)]
    assert not list(tmp_path.glob(".*.tmp"))


def test_scan_json_streamed_is_the_librarys_report(tmp_path, seed_report):
    # The CLI leaves the texts out of a JSON scan and writes it in pieces: the same bytes as
    # the library's report with its texts, to a file and to stdout.
    from provenance.report import to_json

    out = tmp_path / "report.json"
    assert run("scan", str(SEEDS), "--format", "json", "-o", str(out), "--workers", "1").exit_code == 0
    assert out.read_text(encoding="utf-8") == run("scan", str(SEEDS), "--format", "json", "--workers", "1").stdout
    assert out.read_text(encoding="utf-8") == to_json(seed_report)
    assert all(article.text for article in seed_report.articles)


def test_scan_json_interrupted_leaves_no_file(tmp_path, monkeypatch):
    from provenance import cli

    def broken(report):
        yield "{"
        raise OSError("disk full")

    monkeypatch.setattr(cli, "json_pieces", broken)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["scan", str(SEEDS), "--format", "json", "-o", str(out), "--workers", "1"])
    assert result.exit_code != 0 and not out.exists() and not list(tmp_path.glob(".*.tmp"))


def test_output_file_gets_the_usual_permissions(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    out = tmp_path / "report.json"
    assert run("scan", str(SEEDS), "--format", "json", "-o", str(out), "--workers", "1").exit_code == 0
    assert out.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_scan_csv():
    result = run("scan", str(SEEDS), "--format", "csv", "--workers", "1")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("source,derived,relation,overlap %")


def test_settings_change_the_key(tmp_path):
    a = json.loads(run("scan", str(SEEDS), "--format", "json", "--workers", "1").stdout)
    b = json.loads(run("scan", str(SEEDS), "--format", "json", "--workers", "1", "--num-perm", "128").stdout)
    assert a["settings_key"] != b["settings_key"] and b["settings"]["num_perm"] == 128


def test_skipped_input_reported_and_strict_exit(tmp_path):
    (tmp_path / "ok.txt").write_text("A readable article about bridges.")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = run("scan", str(tmp_path))
    assert result.exit_code == 0
    assert "skipped " in result.stderr and "bad.txt" in result.stderr
    assert run("scan", str(tmp_path), "--strict").exit_code == 1


def test_missing_path_exit_3():
    result = run("scan", "/nonexistent/corpus")
    assert result.exit_code == 3 and result.stderr.startswith("error: /nonexistent/corpus: no such file")
    # An error message names the path as given: its control characters are shown escaped, not run.
    result = run("scan", "/nonexistent/\x1b]0;PWNED\x07corpus")
    assert result.exit_code == 3 and result.stderr == "error: /nonexistent/\\x1b]0;PWNED\\x07corpus: no such file or folder\n"


def test_empty_corpus_exit_3(tmp_path):
    result = run("scan", str(tmp_path))
    assert result.exit_code == 3 and "no readable article" in result.stderr


def test_a_missing_path_is_exit_3_for_every_command(tmp_path):
    # index build, index add and compare said "does not exist" as a usage error (exit 2); the README
    # and scan and audit say 3.
    missing = str(tmp_path / "nope")
    for args in (["scan", missing], ["audit", missing, "--against", str(SEEDS)], ["compare", missing, str(SEEDS / SEED_000)],
                 ["index", "build", missing, "--index", str(tmp_path / "i.db")], ["index", "add", missing, "--index", str(tmp_path / "i.db")]):
        result = run(*args)
        assert result.exit_code == 3 and "no such file or folder" in result.stderr, args
    assert list(tmp_path.iterdir()) == []
    # Nothing readable: exit 3 as a scan of it is (index build made an empty index, exit 0).
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["scan", str(empty)], ["index", "build", str(empty), "--index", str(tmp_path / "i.db")]):
        result = run(*args)
        assert result.exit_code == 3 and "no readable article" in result.stderr, args
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


def test_bad_setting_exit_2():
    result = run("scan", str(SEEDS), "--lsh-rows", "0")
    assert result.exit_code == 2 and "lsh_rows" in result.stderr
    assert run("scan", str(SEEDS), "--format", "pdf").exit_code == 2


def test_settings_out_of_all_reason_are_usage_errors():
    # Infinity and 1e30 overflowed the fixed-point weights (a traceback, exit 1); 100M permutations
    # ran for minutes on five articles; a NaN gate never tripped.
    for args, word in ((["--min-weight", "inf"], "min_weight"), (["--min-weight", "1e30"], "min_weight"),
                       (["--num-perm", "100000"], "num_perm")):
        result = run("scan", str(SEEDS), *args)
        assert result.exit_code == 2 and word in result.stderr, args
    result = run("audit", str(SEEDS / SEED_002), "--against", str(SEEDS / SEED_000), "--fail-above", "nan")
    assert result.exit_code == 2 and "must be a number" in result.stderr


def test_compare_side_by_side():
    result = run("compare", str(SEEDS / SEED_000), str(SEEDS / SEED_002), "--width", "40")
    assert result.exit_code == 0
    assert f"{SEED_002} is derived from {SEED_000}" in result.stdout
    assert "North Korean leader Kim Jong Un" in result.stdout


def test_compare_json_and_unrelated(tmp_path):
    (tmp_path / "x.txt").write_text("The orchestra announced a season of concerts.")
    result = run("compare", str(SEEDS / SEED_000), str(tmp_path / "x.txt"))
    assert result.exit_code == 0 and "No derivation found" in result.stdout
    data = json.loads(run("compare", str(SEEDS / SEED_000), str(SEEDS / SEED_002), "--format", "json").stdout)
    assert len(data["pairs"]) == 1


def test_compare_takes_one_article_from_each_file(tmp_path):
    # A two-record JSONL compared with a text file compared the JSONL's two records and ignored
    # the text file; the same file twice was a "duplicate id"; --max-article-chars, which the size
    # limit's message names, was no option of compare.
    seed_000, seed_002 = ((SEEDS / name).read_text(encoding="utf-8") for name in (SEED_000, SEED_002))
    export = tmp_path / "two.jsonl"
    export.write_text("".join(json.dumps({"id": k, "text": t}) + "\n" for k, t in (("a", seed_000), ("b", seed_002))))
    result = run("compare", str(export), str(SEEDS / SEED_002))
    assert result.exit_code == 3 and f"{export} holds 2 articles; compare takes one from each file" in result.stderr
    result = run("compare", str(SEEDS / SEED_002), str(SEEDS / "." / SEED_002))
    assert result.exit_code == 3 and "are the same file; compare takes two different articles" in result.stderr
    (tmp_path / "empty.txt").write_text("")
    result = run("compare", str(tmp_path / "empty.txt"), str(SEEDS / SEED_002))
    assert result.exit_code == 3 and "empty.txt: no readable article; compare takes one from each file" in result.stderr
    (tmp_path / "big.txt").write_text(seed_002 + " More words." * 2000, encoding="utf-8")
    assert run("compare", str(SEEDS / SEED_000), str(tmp_path / "big.txt"), "--max-article-chars", "1000").exit_code == 3
    assert run("compare", str(SEEDS / SEED_000), str(tmp_path / "big.txt"), "--format", "json").exit_code == 0
    # Two files of one name are told apart by their paths, in the order given.
    for folder, text in (("x", seed_000), ("y", seed_002)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text(text, encoding="utf-8")
    result = run("compare", str(tmp_path / "x" / "a.txt"), str(tmp_path / "y" / "a.txt"))
    assert result.exit_code == 0 and f"{tmp_path / 'y' / 'a.txt'} is derived from {tmp_path / 'x' / 'a.txt'}" in result.stdout


def test_a_thread_count_numba_refuses_is_a_usage_error():
    # numba raises at its import on NUMBA_NUM_THREADS=0: every command ended in a traceback.
    command = [sys.executable, "-c", "from provenance.cli import main; main()", "scan", str(SEEDS)]
    result = subprocess.run(command, env={**os.environ, "NUMBA_NUM_THREADS": "0"}, capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("Error: NUMBA_NUM_THREADS=0 is no number of threads: set it to 1 or more, or unset it to use every core")


def test_an_option_this_way_of_scanning_ignores_is_a_usage_error():
    # --engine spark read the default field names whatever --text-field said (and found nothing),
    # and --spark-master, --partitions or --batch-size without their mode did nothing at all.
    for args, message in (
        (["--spark-master", "local[1]"], "--spark-master is for --engine spark"),
        (["--partitions", "2"], "--partitions is for --engine spark"),
        (["--batch-size", "5"], "--batch-size is for --index"),
        (["--engine", "spark", "--text-field", "body"], "--text-field is for the local engine: Spark reads JSONL and Parquet by"),
        (["--engine", "spark", "--workers", "2"], "--workers is for the local engine"),
    ):
        result = run("scan", str(SEEDS), *args)
        assert result.exit_code == 2 and message in result.stderr, args
    assert run("scan", str(SEEDS), "--workers", "1", "--text-field", "text", "--progress").exit_code == 0


def test_every_command_has_help():
    for command in ("scan", "compare"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout


def test_counts_below_one_are_usage_errors_before_anything_is_written(tmp_path):
    # A batch size of 0 used to fail inside the add, after the new index file was made: a
    # second build then refused it as existing.
    for args in (["index", "build", str(SEEDS), "--index", str(tmp_path / "i.db"), "--batch-size", "0"],
                 ["scan", str(SEEDS), "--index", str(tmp_path / "i.db"), "--batch-size", "0"],
                 ["scan", str(SEEDS), "--workers", "0"], ["audit", str(SEEDS), "--against", str(SEEDS), "--workers", "-1"],
                 ["compare", str(SEEDS / SEED_000), str(SEEDS / SEED_002), "--width", "0"]):
        result = run(*args)
        assert result.exit_code == 2 and "is not in the range" in result.stderr, args
    assert list(tmp_path.iterdir()) == []


def test_compare_never_prints_a_terminal_control_sequence_from_the_text(tmp_path):
    # The side-by-side table prints the articles' own text: an ESC in a scraped page could set the
    # window title or (OSC 52) the clipboard. Each control character is shown as its escape.
    text = (SEEDS / SEED_000).read_text(encoding="utf-8")
    evil = text.replace("Putin", "Putin\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J", 3)
    (tmp_path / "a.txt").write_text(evil, encoding="utf-8")
    (tmp_path / "b.txt").write_text(evil.replace("Kim", "Kym"), encoding="utf-8")
    result = run("compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--width", "200")
    assert result.exit_code == 0 and "derived from" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Putin\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[2J" in result.stdout


def test_o_never_replaces_an_input_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (SEED_000, SEED_002):
        (corpus / name).write_bytes((SEEDS / name).read_bytes())
    first, second = corpus / SEED_000, corpus / SEED_002
    for args in (["compare", str(first), str(second), "-o", str(first)], ["scan", str(corpus), "-o", str(second)],
                 ["audit", str(corpus), "--against", str(SEEDS), "-o", str(first)]):
        result = run(*args)
        assert result.exit_code == 2 and "is one of the inputs" in result.stderr, args
    assert [p.read_bytes() for p in (first, second)] == [(SEEDS / n).read_bytes() for n in (SEED_000, SEED_002)]
    # A new file beside the inputs is the user's choice.
    assert run("scan", str(corpus), "-o", str(corpus / "report.txt")).exit_code == 0
    # A hard link is the same file under another name (it was replaced, exit 0).
    other = tmp_path / "link.txt"
    os.link(first, other)
    result = run("compare", str(other), str(second), "-o", str(first))
    assert result.exit_code == 2 and "is one of the inputs" in result.stderr
    assert first.read_bytes() == (SEEDS / SEED_000).read_bytes()


def test_o_writes_through_pipes_and_links_instead_of_replacing_them(tmp_path):
    # A rename put a regular file in place of a named pipe (its reader got nothing) or of /dev/null
    # (the same branch: no regular file; not tried here, where a regression would replace it).
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    assert run("scan", str(SEEDS), "--format", "csv", "-o", str(pipe)).exit_code == 0
    reader.join(timeout=10)
    if reader.is_alive():  # nothing wrote to the pipe: let the reader go before failing
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and received and received[0].startswith(b"source,derived")
    target, link = tmp_path / "target.csv", tmp_path / "link.csv"
    target.write_text("old")
    link.symlink_to(target)
    assert run("scan", str(SEEDS), "--format", "csv", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text().startswith("source,derived")
