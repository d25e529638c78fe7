"""User Markdown rendered to HTML and sanitised (Python-Markdown, then nh3/ammonia)."""
from __future__ import annotations

import re

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str | None) -> Markup:
    """Render Markdown and keep only a safe subset of HTML; links get rel="nofollow noopener"."""
    if not text:
        return Markup("")
    html = md.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer")
    return Markup(clean)


# Elements that end a line of plain text (the rest is inline and joins its neighbours).
_BLOCKS = ("p", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "hr")


def markdown_to_text(text: str | None) -> str:
    """Markdown as plain text, for places that show text as it is (calendar descriptions): emphasis and
    headings lose their marks, list items keep a "-" or their number, a link keeps its address in brackets,
    raw HTML is dropped as on the page."""
    if not text or not text.strip():
        return ""
    from lxml import html as lxml_html

    root = lxml_html.fragment_fromstring(str(render_markdown(text)), create_parent="div")
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "").lstrip("\n")
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if href and href != link.text_content().strip():
            link.tail = f" ({href})" + (link.tail or "")
    for cell in root.iter("td", "th"):
        cell.tail = " " + (cell.tail or "").strip()
    for listing in root.iter("ul", "ol"):
        for number, item in enumerate(listing.findall("li"), 1):
            item.text = (f"{number}. " if listing.tag == "ol" else "- ") + (item.text or "").lstrip()
    for block in root.iter(*_BLOCKS):
        block.tail = "\n" + ("\n" if block.tag not in ("li", "tr") else "") + (block.tail or "").strip()
    lines = [line.rstrip() for line in root.text_content().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
