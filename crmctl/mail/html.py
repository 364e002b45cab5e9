"""HTML mail as readable plain text (stdlib ``html.parser``).

Paragraphs and block elements become blank-line separated paragraphs, ``<br>`` a line
break, list items ``- item``, links ``text (url)``; scripts, styles and the head are
dropped. Good enough to read on a timeline and to search; not a renderer.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
_PARAGRAPHS = frozenset(
    {"p", "div", "table", "ul", "ol", "blockquote", "pre", "section", "article", "header",
     "footer", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "form", "address", "center"}
)  # fmt: skip
_LINES = frozenset({"tr", "li", "dt", "dd"})
_CELLS = frozenset({"td", "th"})
_SPACES = re.compile(r"[ \t\r\n\f\u200b\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip_depth = 0
        self._links: list[tuple[str | None, int]] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip_depth += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _PARAGRAPHS:
            self.out.append("\n\n")
            if tag == "pre":
                self._pre += 1
        elif tag in _LINES:
            self.out.append("\n- " if tag == "li" else "\n")
        elif tag in _CELLS:
            self.out.append(" ")
        elif tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.out)))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED:  # <script/> opens nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _PARAGRAPHS:
            self.out.append("\n\n")
            if tag == "pre" and self._pre:
                self._pre -= 1
        elif tag == "a" and self._links:
            self._close_link()

    def _close_link(self) -> None:
        href, start = self._links.pop()
        text = "".join(self.out[start:]).strip()
        url = (href or "").strip()
        if url.lower().startswith("mailto:"):
            url = url[len("mailto:") :].split("?", 1)[0]
        if not url or url.lower().startswith(("javascript:", "#", "cid:")) or url == text:
            return
        self.out.append(f" ({url})" if text else url)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        self.out.append(data if self._pre else _SPACES.sub(" ", data))


def html_to_text(html: str) -> str:
    """``<p>Dobrý den,<br>posílám <a href="https://x.cz">nabídku</a></p>`` →
    ``"Dobrý den,\\nposílám nabídku (https://x.cz)"``."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; keep what was read if it gives up
        pass
    lines = [line.strip(" ") for line in "".join(parser.out).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
