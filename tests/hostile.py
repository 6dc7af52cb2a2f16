"""A hostile corpus: scraped text, titles, ids and file names that try to run script or load from the network.

Shared by the HTML unit tests and the browser tests. Every payload sets
``window.__pwned`` or opens a dialog if it ever executes, and the network ones
point at addresses that would show up as requests.
"""

from __future__ import annotations

import json
from pathlib import Path

SCRIPT = "<script>window.__pwned=1</script>"
PAYLOADS = (
    SCRIPT,
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    '<a href="javascript:window.__pwned=1">click me</a>',
    '"><svg onload="window.__pwned=1">',
    "' onmouseover='window.__pwned=1' x='",
    '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">',
    '<img src="https://example.invalid/beacon.png">',
    '<iframe src="javascript:alert(1)"></iframe>',
    "</div></section></main><script>alert(1)</script>",
    "<style>body{background:url(http://127.0.0.1:9/x.png)}</style>",
    "${style} ${script} $csp {{ title }}",
    "<meta http-equiv=\"refresh\" content=\"0;url=http://127.0.0.1:9/\">",
)

# Enough real prose for the two copies to align into passages (and so a pair section).
STORY = (
    "The harbour authority said on Tuesday that the container terminal would reopen after the storm damaged "
    "three cranes and flooded the lower warehouses near the eastern pier.\n\n"
    "Engineers inspected the cranes overnight and found that the main cables had snapped under the weight of "
    "the wind, while the control cabins had filled with seawater during the high tide.\n\n"
    "Shipping companies diverted eleven vessels to neighbouring ports, and the union warned that dock workers "
    "would lose several weeks of wages unless the government paid compensation for the closure.\n\n"
    "The mayor promised a public inquiry into why the flood barriers failed, saying the city had been warned "
    "about the ageing sea wall in a report commissioned after the previous winter storms.\n\n"
)


def hostile_text(extra: str = "") -> str:
    """An article whose title line and body carry every payload, around real prose."""
    payloads = "\n".join(PAYLOADS)
    return f"{SCRIPT} Storm closes harbour {extra}\n\n{payloads}\n\n{STORY}{payloads}\n{STORY}"


def write_hostile_corpus(folder: Path) -> Path:
    """Write the corpus into ``folder``: two copies of one hostile article (a pair), a third, and a JSONL file.

    File names and JSONL ids and titles are hostile too. Returns ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = (
        '<img src=x onerror=alert(1)> "onmouseover=window.__pwned=1.txt',
        "javascript:window.__pwned=1 <script>window.__pwned=1<\\script>.txt",
    )
    text = hostile_text()
    for name in names:
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "'><svg onload=alert(1)>.txt").write_text(
        hostile_text("<b>unrelated</b>") .replace("harbour", "airport"), encoding="utf-8"
    )
    records = [
        {"id": SCRIPT, "title": '<img src=x onerror="window.__pwned=1">', "text": "Too short to matter " + SCRIPT,
         "url": "javascript:window.__pwned=1", "published": "2023-01-01"},
        {"id": 'x" onmouseover="window.__pwned=1', "title": "javascript:alert(1)", "text": "Also short " + SCRIPT},
    ]
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / "broken.jsonl").write_text('{"id": "<script>alert(1)</script>", not json\n', encoding="utf-8")
    return folder
