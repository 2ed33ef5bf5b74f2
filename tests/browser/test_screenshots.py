"""Every tab in a real browser: current screenshots for the README, labels, keyboard reach, both themes.

The screenshots are written to docs/screenshots/ on every run, so the README always shows the app
as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from playground.config import Settings
from playground.lanes import default_lanes
from playground.scenarios import ScenarioCatalog
from tests.browser.conftest import SMALL_LIMITS, open_identified, running_app

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TABS = {  # tab -> an element that shows the tab has loaded
    "Compare": "#compare-question",
    "Knowledge": "#kb-stats strong",  # the stats are empty until the tab's first listing
    "Train": "#train-estimate-run",
    "Evaluate": "#eval-run",
    "Brief": "#brief-questions",
    "Workshop": "#workshop-modes",
}

# A control's accessible name: its <label>, aria-label/-labelledby, or a button's own text.
UNLABELLED = """
(root) => [...root.querySelectorAll('input, textarea, select, button')]
  .filter(e => e.offsetParent !== null && e.type !== 'hidden' && !e.disabled)
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby') && !e.title
               && !(e.tagName === 'BUTTON' && e.innerText.trim()))
  .map(e => e.outerHTML.slice(0, 160))
"""

# WCAG contrast of an element's text against the first opaque background behind it.
CONTRAST = """
(e) => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  let node = e, bg = null;
  while (node && !bg) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) bg = c;
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(e).color)), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def _span(page, top: str, bottoms: list[str]) -> dict[str, float]:
    """The page area from the top of one element to the lowest bottom of the others, full width."""
    first = page.locator(top).first.bounding_box()
    lowest = max(box["y"] + box["height"] for box in (page.locator(s).first.bounding_box() for s in bottoms))
    scroll = page.evaluate("window.scrollY")
    y = first["y"] + scroll - 8
    return {"x": 0, "y": y, "width": page.viewport_size["width"], "height": lowest + scroll + 8 - y}


def _open_tab(page, tab: str) -> None:
    page.get_by_role("tab", name=tab, exact=True).click()
    page.locator(TABS[tab]).first.wait_for(state="visible")
    expect(page.locator(".tabitem:visible .pending")).to_have_count(0, timeout=120_000)  # its refresh settled


def test_every_tab_is_labelled_and_gets_a_current_screenshot(page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#compare-question textarea").fill("How many days of annual leave do employees get?")
    page.locator("#compare-question textarea").press("Enter")
    page.locator("#rag-metrics [data-metric='latency'] .metric-value").filter(has_text=" s").wait_for()
    problems = {}
    for tab in TABS:
        _open_tab(page, tab)
        if tab == "Compare":  # the lanes and their answers, not only the form above them (the hero is below)
            page.evaluate("document.querySelector('#compare-lanes').scrollIntoView()")
        page.screenshot(
            path=str(SHOTS / f"{tab.lower()}-tab.png" if tab == "Compare" else SHOTS / f"{tab.lower()}.png")
        )
        page.evaluate("window.scrollTo(0, 0)")
        unlabelled = page.locator(".tabitem:visible, #component-0").first.evaluate(UNLABELLED)
        if unlabelled:
            problems[tab] = unlabelled
    assert not problems, f"controls without a label: {problems}"
    for tab in TABS:
        assert (
            SHOTS / (f"{tab.lower()}-tab.png" if tab == "Compare" else f"{tab.lower()}.png")
        ).stat().st_size > 10_000


def test_the_hero_screenshot_shows_a_reference_answer_and_a_mark_under_every_lane(browser, tmp_path) -> None:
    """The README's first picture: a real run of an evaluation-set question, long enough answers to read."""
    with running_app(tmp_path / "app.log", SMALL_LIMITS | {"PLAYGROUND_MAX_TOKENS": "64"}) as url:
        context, page = open_identified(browser, url)
        question = ScenarioCatalog(Settings().sample_data_dir).get().example_questions[0]
        page.locator("#compare-question textarea").fill(question)
        page.locator("#compare-question textarea").press("Enter")
        page.locator("#compare-reference .reference-answer").wait_for()
        for lane in default_lanes():
            page.locator(f"#{lane}-score .lane-score[data-verdict]").wait_for()  # only once the lane is done
        for open_settings in page.locator(".lane-column button.label-wrap.open").all():
            open_settings.click()  # folded, as a visitor first sees them: the answers come into view
        page.wait_for_function("() => !document.querySelector('.lane-column button.label-wrap.open')")
        bottoms = [f"#{lane}-metrics" for lane in default_lanes()]
        page.screenshot(path=str(SHOTS / "compare.png"), full_page=True, clip=_span(page, "#compare-question", bottoms))
        context.close()
    assert (SHOTS / "compare.png").stat().st_size > 10_000


def test_the_keyboard_reaches_the_question_and_the_ask_button(page) -> None:
    page.locator("#compare-question textarea").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "compare-ask":
            break
    else:
        pytest.fail("Tab never reached the Ask button from the question box")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_answers_and_labels_are_readable_in_both_themes(browser, app_url: str, theme: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=theme)
    page = context.new_page()
    page.set_default_timeout(240_000)
    page.goto(f"{app_url}?__theme={theme}")
    page.locator("#compare-question textarea").fill("What is the capital of France?")
    page.locator("#compare-ask").click()
    page.locator("#prompting-metrics [data-metric='latency'] .metric-value").filter(has_text=" s").wait_for()
    checks = {
        "answer": page.locator("#prompting-answer .answer-text"),
        "metric": page.locator("#prompting-metrics .metric-value").first,
        "label": page.locator("#compare-question label span, #compare-question [data-testid='block-info']").first,
    }
    ratios = {name: locator.evaluate(CONTRAST) for name, locator in checks.items()}
    if theme == "dark":
        page.evaluate("document.querySelector('#compare-lanes').scrollIntoView()")
        page.screenshot(path=str(SHOTS / "compare-dark.png"))
    context.close()
    assert all(ratio >= 4.5 for ratio in ratios.values()), f"{theme} theme contrast below 4.5:1: {ratios}"
