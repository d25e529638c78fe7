"""User Markdown rendered to HTML and sanitised (Python-Markdown, then nh3/ammonia)."""
from __future__ import annotations

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
