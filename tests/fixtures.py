"""Fixture builder: realistic scraped pages and crawls made from the seed articles.

Builds WordPress-style HTML pages (navigation menu, a theme's "Sat. Sep 30th, 2023"
date header, share bar, related posts, post navigation, a "Leave a Reply" comment
form, sidebar and footer) around the seed articles, and WARC files written with
warcio holding those pages plus a non-HTML record and, optionally, a truncated
record. Generated at test time, so no binary fixture is committed.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from provenance.ingest.dates import looks_like_date

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
HOST = "dailynewsroom.example"
SITE_NAME = "Daily Newsroom"
FOOTER = (
    "Disclaimer: Daily Newsroom is an automatic aggregator of the all world’s media. In each content, the hyperlink "
    "to the primary source is specified. All trademarks belong to their rightful owners, all materials to their "
    "authors. If you are the owner of the content and do not want us to publish your materials, please contact us "
    "by email and the content will be deleted within 24 hours."
)

# Lines the scraper left in the seed texts that a real page carries in its comment form instead.
_FORM_LINES = {
    "leave a reply", "your email address will not be published. required fields are marked *",
    "please enter your comment!", "please enter your name here",
}


@dataclass(frozen=True)
class Page:
    """One generated page: its URL, file name, title, body paragraphs and dates."""

    seed: str  # seed file name
    url: str
    title: str
    paragraphs: tuple[str, ...]
    header_date: str = "Sat. Sep 30th, 2023"  # the theme's display date (scrape date)
    meta_published: Optional[str] = None  # article:published_time, if the page has it

    @property
    def file_name(self) -> str:
        return self.seed.replace(".txt", ".html")


def seed_page(seed: str, url_path: str, meta_published: Optional[str] = None) -> Page:
    """A page for one seed: its title line becomes the headline, the rest the story."""
    lines = [line.strip() for line in (SEEDS / seed).read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    while lines and looks_like_date(lines[0]):
        lines.pop(0)
    title, body = lines[0], lines[1:]
    paragraphs = tuple(p for p in body if p.lower() not in _FORM_LINES and not p.isdigit() and p != title)
    return Page(seed=seed, url=f"https://{HOST}{url_path}", title=title, paragraphs=paragraphs, meta_published=meta_published)


def seed_pages() -> list[Page]:
    """The spun seeds (001-004) as pages of one suspect site."""
    names = sorted(path.name for path in SEEDS.glob("*.txt"))
    return [
        seed_page(names[1], "/world/putin-meets-kim-jong-un/", meta_published="2023-09-13T09:12:00+00:00"),
        seed_page(names[2], "/2023/09/14/north-korean-leader-holds-talks-with-russian-president/"),
        seed_page(names[3], "/world/kim-pledges-support-for-russia/"),
        seed_page(names[4], "/world/kim-putin-hold-summit/"),
    ]


def wordpress_page(page: Page, related: Sequence[Page] = ()) -> str:
    """The HTML of a WordPress news theme page around ``page``."""
    e = html.escape
    meta = f'<meta property="article:published_time" content="{page.meta_published}" />\n' if page.meta_published else ""
    menu = "".join(f'<li class="menu-item"><a href="https://{HOST}/{slug}/">{name}</a></li>'
                   for slug, name in [("", "Home"), ("world", "World"), ("politics", "Politics"),
                                      ("business", "Business"), ("tech", "Tech"), ("contact-us", "Contact Us")])
    body = "\n".join(f"<p>{e(p)}</p>" for p in page.paragraphs)
    related_items = "".join(f'<li><a href="{r.url}">{e(r.title)}</a></li>' for r in related if r is not page)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(page.title)} &#8211; {SITE_NAME}</title>
<link rel="canonical" href="{page.url}" />
<meta property="og:site_name" content="{SITE_NAME}" />
<meta property="og:title" content="{e(page.title)}" />
<meta property="og:type" content="article" />
{meta}<meta name="author" content="admin" />
<link rel="stylesheet" href="https://{HOST}/wp-content/themes/newsup/style.css" />
<script>var newsup_ajax = {{"url": "https://{HOST}/wp-admin/admin-ajax.php"}};</script>
</head>
<body class="post-template-default single single-post">
<div id="page" class="site">
<header class="mg-headwidget">
<div class="mg-head-detail hidden-xs">
<div class="container-fluid"><div class="row"><div class="col-md-6">
<ul class="info-left"><li><span class="top-date">{e(page.header_date)}</span></li></ul>
</div><div class="col-md-6"><ul class="mg-social"><li><a href="https://facebook.com/">Facebook</a></li><li><a href="https://twitter.com/">Twitter</a></li></ul></div></div></div>
</div>
<div class="site-branding"><p class="site-title"><a href="https://{HOST}/">{SITE_NAME}</a></p><p class="site-description">News from around the world</p></div>
<nav class="navbar navbar-expand-lg"><ul id="menu-primary" class="nav navbar-nav">{menu}</ul></nav>
</header>
<main id="content" class="single-class">
<div class="container-fluid"><div class="row"><div class="col-md-9">
<div class="mg-breadcrumb"><a href="https://{HOST}/">Home</a> / <a href="https://{HOST}/world/">World</a></div>
<article id="post-1" class="post type-post status-publish format-standard hentry category-world">
<div class="mg-blog-post-box">
<header class="mg-header">
<div class="mg-blog-category"><a class="newsup-categories" href="https://{HOST}/world/">World</a></div>
<h1 class="title single">{e(page.title)}</h1>
<div class="media mg-info-author-block"><h4 class="media-heading"><span>By</span> <a href="https://{HOST}/author/admin/">admin</a></h4></div>
</header>
<div class="entry-content">
{body}
</div>
<div class="post-share"><div class="post-share-icons cf"><span>Share this:</span>
<a href="https://www.facebook.com/sharer.php?u={page.url}" class="link facebook" target="_blank">Facebook</a>
<a href="https://twitter.com/share?url={page.url}" class="link twitter" target="_blank">Twitter</a>
<a href="mailto:?subject={e(page.title)}" class="link email">Email</a>
<a href="javascript:window.print()" class="link print">Print</a></div></div>
</div>
</article>
<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-text">Post navigation</h2>
<div class="nav-links"><div class="nav-previous"><a href="https://{HOST}/world/previous-story/" rel="prev">Previous: Markets rally as oil prices ease</a></div>
<div class="nav-next"><a href="https://{HOST}/world/next-story/" rel="next">Next: Storm season forecast revised upward</a></div></div></nav>
<div class="mg-featured-slider p-3 mb-4"><h4 class="related-title">Related Post</h4><ul class="related-posts">{related_items}</ul></div>
<div id="comments" class="comments-area mg-card-box padding-20 mb-md-0 mb-4">
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form action="https://{HOST}/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate>
<p class="comment-notes"><span id="email-notes">Your email address will not be published.</span> Required fields are marked <span class="required">*</span></p>
<p class="comment-form-comment"><label for="comment">Comment <span class="required">*</span></label> <textarea id="comment" name="comment" cols="45" rows="8" maxlength="65525" required></textarea></p>
<p class="comment-form-author"><label for="author">Name <span class="required">*</span></label> <input id="author" name="author" type="text" value="" size="30" maxlength="245" required /></p>
<p class="comment-form-email"><label for="email">Email <span class="required">*</span></label> <input id="email" name="email" type="email" value="" size="30" maxlength="100" required /></p>
<p class="comment-form-url"><label for="url">Website</label> <input id="url" name="url" type="url" value="" size="30" maxlength="200" /></p>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" name="wp-comment-cookies-consent" type="checkbox" value="yes" /> <label for="wp-comment-cookies-consent">Save my name, email, and website in this browser for the next time I comment.</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment" /></p>
</form></div></div>
</div>
<aside class="col-md-3"><div id="sidebar-right" class="mg-sidebar">
<div class="mg-widget"><h2 class="wtitle">Recent Posts</h2><ul><li><a href="https://{HOST}/world/a/">Markets rally as oil prices ease</a></li><li><a href="https://{HOST}/world/b/">Storm season forecast revised upward</a></li></ul></div>
<div class="mg-widget"><h2 class="wtitle">Categories</h2><ul><li><a href="https://{HOST}/world/">World</a></li><li><a href="https://{HOST}/politics/">Politics</a></li></ul></div>
</div></aside>
</div></div>
</main>
<footer class="footer">
<div class="mg-footer-widget-area"><div class="container-fluid"><p class="footer-disclaimer">{e(FOOTER)}</p></div></div>
<div class="mg-footer-copyright"><p>Copyright &copy; 2023 {SITE_NAME}. All rights reserved. | Theme: Newsup by Themeansar.</p></div>
</footer>
</div>
<script src="https://{HOST}/wp-includes/js/jquery/jquery.min.js"></script>
</body>
</html>
"""


def write_site(folder: Path, pages: Optional[Sequence[Page]] = None) -> list[Page]:
    """Write the pages as ``.html`` files into ``folder``; returns the pages."""
    pages = list(pages if pages is not None else seed_pages())
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        (folder / page.file_name).write_text(wordpress_page(page, pages), encoding="utf-8")
    return pages


def _warc_record(writer, url: str, content_type: str, payload: bytes, status: str = "200 OK"):  # type: ignore[no-untyped-def]
    from warcio.statusandheaders import StatusAndHeaders

    headers = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(payload)))], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers,
                                     warc_headers_dict={"WARC-Date": "2023-10-02T08:00:00Z"})


def write_warc(path: Path, pages: Optional[Sequence[Page]] = None, truncate: bool = True) -> list[Page]:
    """A crawl of the pages: warcinfo, a request and response per page, a CSS and a JPEG
    response, then (``truncate``) one more page record cut off in the middle.

    ``.warc.gz`` paths are written gzip-compressed (one member per record), others plain.
    """
    from warcio.warcwriter import WARCWriter

    pages = list(pages if pages is not None else seed_pages())
    buffer = io.BytesIO()
    gz = path.name.endswith(".gz")
    writer = WARCWriter(buffer, gzip=gz)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests/fixtures.py"}))
    for page in pages:
        request = writer.create_warc_record(page.url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
        writer.write_record(request)
        writer.write_record(_warc_record(writer, page.url, "text/html; charset=UTF-8", wordpress_page(page, pages).encode("utf-8")))
    writer.write_record(_warc_record(writer, f"https://{HOST}/wp-content/themes/newsup/style.css", "text/css", b"body { color: #222; }\n" * 20))
    writer.write_record(_warc_record(writer, f"https://{HOST}/wp-content/uploads/kim-putin.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8))
    complete = buffer.getvalue()
    if truncate:
        writer.write_record(_warc_record(writer, f"https://{HOST}/world/cut-off-story/", "text/html", wordpress_page(pages[0], pages).encode("utf-8")))
        whole = buffer.getvalue()
        # Cut the last record in its middle, as an interrupted crawl leaves it.
        complete = whole[: len(complete) + (len(whole) - len(complete)) // 2]
    path.write_bytes(complete)
    return pages


# Three short, unrelated stories of one local site, for the per-site boilerplate tests.
UNRELATED_STORIES = (
    "City council approves new cycling lanes\n\nThe city council voted on Tuesday to build twelve kilometres of "
    "protected cycling lanes along the river embankment. Supporters said the lanes would cut traffic deaths and "
    "encourage commuters to leave their cars at home. Shop owners on Bridge Street warned that losing parking spaces "
    "could hurt their trade during the winter months. Construction is expected to begin in the spring and finish "
    "before the summer festival season.",
    "Local bakery wins national bread award\n\nA family bakery from the old harbour district has won the national "
    "sourdough championship for the second year running. The judges praised the crust, the open crumb and the "
    "slightly sour flavour of its rye loaf. The owners credited a starter culture kept alive since their grandmother "
    "opened the shop in 1958. Queues stretched around the block on Saturday morning as customers waited to taste "
    "the winning bread.",
    "Storm damages orchards across the valley\n\nHail and gale-force winds swept through the valley overnight, "
    "stripping apples and pears from thousands of trees. Growers estimate that a third of this year's harvest has "
    "been lost just weeks before picking was due to start. The regional farming union has asked the government for "
    "emergency support to cover insurance gaps. Meteorologists said such late summer storms have become more "
    "frequent over the past decade.",
)
# A long footer every page of that site carries: two paragraphs, about 600 characters.
SITE_FOOTER = (
    FOOTER + "\n\nDaily Newsroom is published by Newsroom Media Ltd, registered in the harbour district. Editorial "
    "enquiries, corrections and complaints about our coverage should be sent to the standards desk, which answers "
    "every message within five working days."
)
