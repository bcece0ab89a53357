"""axe-core checks for pages driven by Playwright: WCAG 2.1 A and AA rules."""

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def assert_accessible(page) -> None:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    violations = results.response["violations"]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in violations
    )
    assert not violations, f"axe found WCAG 2.1 AA violations on {page.url}:\n{report}"
