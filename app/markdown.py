"""User Markdown rendered to HTML and sanitised (Python-Markdown, then nh3/ammonia)."""
from __future__ import annotations

import re

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import HTML_RE, HtmlInlineProcessor
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


# Names of real HTML elements: such a tag that is not allowed is removed (its text stays). Anything else
# in angle brackets ("<Monday>", "<Room 4>") is what the person meant to write, and is shown as typed.
HTML_ELEMENTS = set(nh3.ALLOWED_TAGS) | {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
    "textarea", "select", "option", "label", "link", "meta", "base", "svg", "math", "noscript", "title", "html",
    "head", "body", "template", "video", "audio", "source", "track", "canvas", "marquee", "xmp", "plaintext",
    "noembed", "dialog", "main", "section", "font",
}
_TAG_NAME = re.compile(r"/?\s*([a-zA-Z][a-zA-Z0-9-]*)")


class _TagsOnly(HtmlInlineProcessor):
    """Raw HTML that people type never hides their words.

    Before, a line starting with a tag became an HTML block, and an unclosed ``<script>`` or ``<!--`` or a
    ``<Monday>`` made nh3 drop the text with it. Now an allowed tag (``<strong>``, ``<a href>``) is kept
    for nh3 to clean, another HTML tag or a comment marker is removed alone, and anything else in angle
    brackets stays as text. Markdown's own syntax, code spans and ``<https://...>`` links work as before.
    """

    def handleMatch(self, m, data):
        raw = m.group(1)
        name = _TAG_NAME.match(raw[1:])
        if raw.startswith("<!--"):
            return "", m.start(0), m.end(0)
        if name is None or name.group(1).lower() not in HTML_ELEMENTS:
            return None, None, None  # not a tag: the text stays, escaped
        if name.group(1).lower() not in ALLOWED_TAGS:
            return "", m.start(0), m.end(0)
        return super().handleMatch(m, data)


class _HtmlTagsOnly(Extension):
    def extendMarkdown(self, md_instance) -> None:
        md_instance.preprocessors.deregister("html_block")  # no raw HTML blocks: every line is Markdown
        md_instance.inlinePatterns.register(_TagsOnly(HTML_RE, md_instance), "html", 90)


def render_markdown(text: str | None) -> Markup:
    """Render Markdown and keep only a safe subset of HTML; links get rel="nofollow noopener"."""
    if not text:
        return Markup("")
    html = md.markdown(text, extensions=["sane_lists", "tables", _HtmlTagsOnly()], output_format="html")
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
