"""axe-core in the browser tests: put the engine into a page and read its violations.

axe-core comes from npm (tests/browser/package.json, pinned; `npm ci` in tests/browser).
The pages forbid inline scripts (Content-Security-Policy ``script-src 'self'``), so the
engine is not added as a <script> element: it is run through the DevTools protocol,
which the policy does not govern (``preload``: as each page starts; ``inject``: into the
page as it is), and the page is tested as served.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
MISSING = "axe-core not installed: run npm ci in tests/browser"

# The rules of WCAG 2.1 levels A and AA, as axe-core tags them.
WCAG21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
# Rules axe-core files as best practice, not under a WCAG tag, that check what WCAG 1.3.1
# (structure) and 2.4.1/2.4.6 (bypass blocks, headings) ask of our pages.
STRUCTURE = (
    "empty-heading",
    "heading-order",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-one-main",
    "landmark-unique",
    "page-has-heading-one",
    "region",
)
# axe-core only asks for a review when these fail ("incomplete"); every id on our pages
# is ours, so a duplicate id that a label or ARIA attribute points at is a failure.
FAIL_WHEN_INCOMPLETE = ("duplicate-id-aria",)

_RUN = """async ([tags, extra, strict]) => {
  const rules = Object.fromEntries(extra.map((id) => [id, {enabled: true}]));
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    rules,
    resultTypes: ['violations', 'incomplete'],
  });
  const failed = results.violations.concat(
    results.incomplete.filter((r) => strict.includes(r.id)));
  return failed.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""


def installed() -> bool:
    return AXE_JS.is_file()


@cache
def _source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def preload(context) -> None:
    """Have every page the context opens load axe-core as it starts (faster than
    ``inject`` on each page; like it, through the DevTools protocol, not the page)."""
    context.add_init_script(path=str(AXE_JS))


def inject(page) -> None:
    """Load axe-core into the page (once per document)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Run as a function body: axe.min.js sets window.axe itself.
        page.evaluate("() => {\n" + _source() + "\n}")


def run(
    page,
    tags: tuple[str, ...] = WCAG21_AA,
    extra: tuple[str, ...] = STRUCTURE,
    strict: tuple[str, ...] = FAIL_WHEN_INCOMPLETE,
) -> list[dict]:
    """What axe-core finds wrong in the page as it is now: the violations of the rules
    tagged ``tags`` and of the rules ``extra``, and the rules ``strict`` it could not
    decide but found failing."""
    inject(page)
    return page.evaluate(_RUN, [list(tags), list(extra), list(strict)])


def describe(violations: list[dict]) -> str:
    """One paragraph per violation: its id, impact and help, and each failing node."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " ".join(" >>> ".join(t) if isinstance(t, list) else t for t in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:200]}")
            for summary_line in (node.get("summary") or "").splitlines():
                lines.append(f"       {summary_line}")
    return "\n".join(lines)
