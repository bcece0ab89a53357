"""A corpus of hostile inputs for stored-XSS tests of member-written Markdown."""

from __future__ import annotations

from html.parser import HTMLParser

_BASE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<img src=x onerror=alert(1)//",
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>*{background:url(javascript:alert(1))}</style>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a onmouseover="alert(1)">hover</a>',
    '<p onclick="alert(1)">click</p>',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    '<marquee onstart="alert(1)">x</marquee>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<img src=`x` onerror=alert(1)>",
    '<img """><script>alert(1)</script>">',
    "<table background=javascript:alert(1)>",
    '<td background="javascript:alert(1)">',
    "<isindex type=image src=1 onerror=alert(1)>",
    '<x onclick="alert(1)">click</x>',
    '<a href="#" onclick="alert(1)">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<div id="x" data-x="1" tabindex="1" onfocusin="alert(1)">x</div>',
    '<abbr title="x" onmouseover="alert(1)">x</abbr>',
    '<blockquote cite="javascript:alert(1)">x</blockquote>',
    "<h2 onclick=alert(1)>x</h2>",
    "```\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "    <script>alert(1)</script>",
    "**<script>alert(1)</script>**",
]

_SCHEMES = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "javascript&colon;alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "%6a%61%76%61%73%63%72%69%70%74:alert(1)",
    "javascript://%0aalert(1)",
    "&#x6A;avascript:alert(1)",
]

_MARKDOWN_FORMS = [
    "[click]({url})",
    "![image]({url})",
    "[click]: {url}\n\n[click]",
    "<{url}>",
    '[click]({url} "title")',
    "[click](<{url}>)",
]

_TRICKS = [
    '[a](https://example.org" onclick="alert(1))',
    "[a](https://example.org'onmouseover='alert(1))",
    '![x](https://example.org/x.png"onerror="alert(1))',
    "[<img src=x onerror=alert(1)>](https://example.org)",
    "[a](javascript:alert(1)//https://example.org)",
    "[a]( javascript:alert(1) )",
    "<a href='javascript:alert(1)'>[x](https://example.org)</a>",
    "[a](https://example.org)<script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    "> <script>alert(1)</script>",
]

PAYLOADS: list[str] = (
    _BASE + [form.format(url=url) for url in _SCHEMES for form in _MARKDOWN_FORMS] + _TRICKS
)

assert len(PAYLOADS) >= 100


DANGEROUS_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "meta",
    "base",
    "input",
    "textarea",
    "video",
    "audio",
    "details",
    "marquee",
    "template",
    "body",
    "isindex",
    "x",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "cite", "xlink:href", "data"}


class _Audit(HTMLParser):
    def __init__(self, allowed: set[str]):
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and "script" in self.allowed:
            if not (dict(attrs).get("src") or "").endswith("/static/js/portal.js"):
                self.problems.append("<script> other than the portal's own")
        elif tag in DANGEROUS_TAGS - self.allowed:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"style", "srcdoc"}:
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and value:
                cleaned = "".join(value.split()).lower()
                if cleaned.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{tag}[{name}]={value[:40]}")


def html_problems(html: str, *, page: bool = False) -> list[str]:
    """What in this HTML could run script (page=True: a whole page, with its own forms)."""
    # A page has its own forms, the portal's script and its folding menus and filters
    # (<details>; one from members' text would still show by its on* handler).
    own = {"script", "input", "textarea", "meta", "body", "details"}
    audit = _Audit(own if page else set())
    audit.feed(html)
    audit.close()
    return audit.problems
