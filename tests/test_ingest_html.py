"""HTML reader: WordPress pages give the story's text, its metadata and a date with its origin."""

from __future__ import annotations

from pathlib import Path

from provenance.ingest import read_corpus
from provenance.ingest.html import extract_article, looks_like_html
from provenance.model import Article, Skipped
from tests.fixtures import HOST, Page, seed_pages, wordpress_page

PAGE_FURNITURE = (
    "Leave a Reply", "Your email address will not be published", "Save my name", "Post Comment",
    "Share this", "Post navigation", "Related Post", "Recent Posts", "Categories", "Contact Us",
    "Disclaimer", "All rights reserved", "Sat. Sep 30th", "Markets rally",
)


def _by_name(site_dir: Path) -> dict[str, Article]:
    articles, skipped = read_corpus([site_dir])
    assert skipped == []
    return {a.id: a for a in articles}


def test_ids_are_relative_paths_and_text_is_the_story(site_dir):
    articles = _by_name(site_dir)
    assert sorted(articles) == [p.file_name for p in seed_pages()]
    for page in seed_pages():
        article = articles[page.file_name]
        assert article.text.startswith(page.paragraphs[0][:60])
        assert page.paragraphs[-1][-60:] in article.text
        for furniture in PAGE_FURNITURE:
            assert furniture not in article.text, (page.file_name, furniture)


def test_metadata_title_author_url_site(site_dir):
    article = _by_name(site_dir)["002_5ff9f7e693aef6ae.html"]
    assert article.title == "North Korean Leader Holds Talks with Russian President"
    assert article.url == f"https://{HOST}/2023/09/14/north-korean-leader-holds-talks-with-russian-president/"
    assert article.site == HOST
    assert article.author and article.author.lower() == "admin"
    assert article.crawled is None


def test_date_precedence_metadata_then_url_then_date_line(site_dir):
    dates = {a.id: (a.published, a.published_from) for a in _by_name(site_dir).values()}
    assert dates == {
        "001_71f3c18bbb394e61.html": ("2023-09-13", "metadata"),  # article:published_time beats the header
        "002_5ff9f7e693aef6ae.html": ("2023-09-14", "url"),  # /2023/09/14/ beats the header
        "003_ad2f7963976caff1.html": ("2023-09-30", "date-line"),  # only the theme's "Sat. Sep 30th, 2023"
        "004_6ee2fd30d7e35e5a.html": ("2023-09-30", "date-line"),
    }


def test_metadata_beats_url_date():
    page = Page(seed="x.txt", url=f"https://{HOST}/2023/09/14/story/", title="A story",
                paragraphs=("Some words of a story that is long enough to be extracted as the main text of the page.",) * 3,
                meta_published="2023-09-12T08:00:00Z")
    article = extract_article(wordpress_page(page), "x.html", "x.html")
    assert isinstance(article, Article)
    assert (article.published, article.published_from) == ("2023-09-12", "metadata")


def test_time_element_is_metadata():
    html = ("<!DOCTYPE html><html><head><title>T</title></head><body><article><h1>T</h1>"
            '<time class="entry-date published" datetime="2023-09-11T10:00:00+00:00">September 11, 2023</time>'
            + "<p>A paragraph of the story, with enough words to count as the main text of this page.</p>" * 4
            + "</article></body></html>")
    article = extract_article(html, "t.html", "t.html")
    assert isinstance(article, Article)
    assert (article.published, article.published_from) == ("2023-09-11", "metadata")


def test_leftover_boilerplate_lines_are_masked_not_removed():
    story = "The harbour authority approved the new ferry terminal after a long public consultation on Monday."
    page = Page(seed="x.txt", url=f"https://{HOST}/world/ferry/", title="Ferry terminal approved",
                paragraphs=("Sat. Sep 30th, 2023", story, story.replace("Monday", "Friday"), "Leave a Reply", "Source link"))
    article = extract_article(wordpress_page(page), "x.html", "x.html")
    assert isinstance(article, Article)
    masked = [article.text[start:end] for start, end in article.masked]
    assert masked == ["Sat. Sep 30th, 2023", "Leave a Reply", "Source link"]
    assert story in article.text


def test_page_without_text_is_skipped():
    item = extract_article("<!DOCTYPE html><html><body><nav><a href='/'>Home</a></nav></body></html>", "e.html", "e.html")
    assert isinstance(item, Skipped)
    assert "no main text" in item.reason and "navigation or media only" in item.reason


def test_page_nested_past_the_parsers_depth_says_so():
    # libxml2 stops at 255 levels: the story inside 300 nested <div>s never reaches the tree.
    story = "<p>" + "Officials said the bridge would reopen next week after repairs. " * 10 + "</p>"
    item = extract_article("<html><body>" + "<div>" * 300 + story + "</div>" * 300 + "</body></html>", "d.html", "d.html")
    assert isinstance(item, Skipped) and "nest deeper than the 255 levels" in item.reason and ".txt" in item.reason
    shallow = extract_article("<html><body>" + "<div>" * 200 + story + "</div>" * 200 + "</body></html>", "d.html", "d.html")
    assert isinstance(shallow, Article) and "bridge would reopen" in shallow.text


def test_sniffed_without_extension(tmp_path, site_dir):
    (tmp_path / "page-002").write_bytes(b"\xef\xbb\xbf  \n" + (site_dir / "002_5ff9f7e693aef6ae.html").read_bytes())
    articles, skipped = read_corpus([tmp_path])
    assert skipped == [] and [a.id for a in articles] == ["page-002"]
    assert articles[0].published_from == "url"


def test_looks_like_html():
    assert looks_like_html(b"<!DOCTYPE html><html>")
    assert looks_like_html(b"\xef\xbb\xbf\n<!-- saved --><HTML lang='en'>")
    assert not looks_like_html(b"Just text mentioning <html> later")
    assert not looks_like_html(b'{"id": 1}')


def test_input_format_overrides_the_extension(tmp_path, site_dir):
    saved = tmp_path / "saved-page.txt"
    saved.write_bytes((site_dir / "002_5ff9f7e693aef6ae.html").read_bytes())
    as_text, _ = read_corpus([saved])
    as_html, _ = read_corpus([saved], input_format="html")
    assert as_text[0].text.startswith("<!DOCTYPE html>")
    assert as_html[0].id == "saved-page.txt" and as_html[0].text.startswith("North Korean leader Kim Jong Un has met")
