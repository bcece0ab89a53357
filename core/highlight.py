"""Search words marked in user text: PostgreSQL's ts_headline, made safe for HTML.

ts_headline returns the text with each matched word between a start and a stop string.
The text is user content, so its output is never trusted as HTML: the database marks
words with private-use characters that are removed from the text beforehand (they
cannot come from the user), and `marked` escapes the whole result before turning those
characters into <mark> and </mark>.

ts_headline also drops anything its parser takes for an HTML tag (``<b>``, ``<script>``),
which would change the text the reader sees; so "<" is swapped for another private-use
character on the way in and restored, escaped, on the way out.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchHeadline
from django.db.models import Func, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

START = "\ue000"  # before a matched word
STOP = "\ue001"  # after it
LESS_THAN = "\ue002"  # stands for "<" inside the database's copy of the text


def headline(text, query, *, config) -> SearchHeadline:
    """ts_headline of the text expression `text`, every match marked, ready for `marked`.

    `config` is the text search configuration (a name, or an expression giving one) that
    parses the text. The whole text comes back (HighlightAll) and `marked` cuts the
    excerpt: ts_headline's own choice of excerpt is unreliable with queries OR-ed across
    languages (it cut a 13-word summary to 11 words with MaxWords=40).
    """
    cleaned = Func(
        text,
        Value(f"<{START}{STOP}{LESS_THAN}"),
        Value(LESS_THAN),  # "<" becomes LESS_THAN; the three sentinels are deleted
        function="translate",
    )
    return SearchHeadline(
        cleaned, query, config=config, start_sel=START, stop_sel=STOP, highlight_all=True
    )


def marked(headline_text: str | None, max_words: int | None = None) -> SafeString | None:
    """HTML for a `headline` result: the text escaped, the matched words in <mark>.

    None when nothing is marked (no headline, or none of the query's words is in this
    text), so that the caller shows the text as usual. With `max_words`, a longer text is
    cut to that many words around the first marked one, with an ellipsis where text is
    left out (and runs of spaces become one, as with truncatewords).
    """
    if not headline_text or START not in headline_text:
        return None
    shown = headline_text.replace(LESS_THAN, "<")
    words = shown.split()  # a mark wraps one word, so never spans a space
    if max_words and len(words) > max_words:
        first = next(n for n, word in enumerate(words) if START in word)
        begin = max(0, min(first - max_words // 4, len(words) - max_words))
        end = begin + max_words
        shown = " ".join(
            [*(["…"] if begin else []), *words[begin:end], *(["…"] if end < len(words) else [])]
        )
    html = escape(shown.strip()).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only <mark> and </mark> added
