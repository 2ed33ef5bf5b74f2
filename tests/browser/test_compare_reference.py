"""Right and wrong in the page: an example question shows its reference answer and a mark under every lane."""

from __future__ import annotations

import json

import pytest

from playground.config import Settings
from playground.lanes import default_lanes
from playground.scenarios import ScenarioCatalog

pytestmark = pytest.mark.browser

VERDICTS = {"right", "partly", "wrong"}


def test_an_example_question_shows_the_reference_and_a_score_under_every_lane(page) -> None:
    scenario = ScenarioCatalog(Settings().sample_data_dir).get()  # the page opens on the first scenario
    question = scenario.example_questions[0]
    page.locator("#compare-examples input").click()
    page.get_by_role("option", name=question, exact=True).click()
    # Picking an example fills the question box in: wait for that state before asking.
    page.wait_for_function(
        f"() => document.querySelector('#compare-question textarea').value === {json.dumps(question)}"
    )
    page.locator("#compare-ask").click()

    reference = page.locator("#compare-reference .reference-answer")
    reference.wait_for()
    items = [json.loads(line) for line in scenario.eval_set.read_text(encoding="utf-8").splitlines() if line]
    expected = next(item for item in items if item["question"] == question)
    assert reference.inner_text().strip() == expected["reference"]
    metric = page.locator("#compare-reference .reference").get_attribute("data-metric")
    assert metric == "keyword_coverage"  # company knowledge's primary metric

    for lane in default_lanes():
        mark = page.locator(f"#{lane}-score .lane-score[data-verdict]")  # only once the lane is done
        mark.wait_for()
        assert mark.get_attribute("data-verdict") in VERDICTS, f"{lane}: {mark.inner_text()}"
        assert mark.get_attribute("data-metric") == metric
        assert 0.0 <= float(mark.get_attribute("data-value")) <= 1.0
        assert mark.locator(".score-verdict").inner_text().split()[-1] in VERDICTS
    # RAG says whether the reference's source document was among the passages it retrieved.
    found = page.locator("#rag-score .score-retrieval")
    sources = [
        page.locator("#rag-passages details.passage").nth(i).get_attribute("data-source")
        for i in range(page.locator("#rag-passages details.passage").count())
    ]
    assert found.get_attribute("data-retrieved") == str(expected["source"] in sources).lower()
    assert expected["source"] in found.inner_text()
