"""The product-pricing generator's property checks: the shipped data passes, broken data fails loudly.

Each check is called on the generated listings, then on a deliberately broken copy, and must raise a
PropertyError naming the property. The generator is a script run by path, so it is imported by path.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parents[1] / "sample_data" / "product-pricing"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pricing_generate", FOLDER / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def data() -> tuple[dict, list[Any], list[Any]]:
    spec = gen.load_spec()
    train, held_out = gen.generate(spec, random.Random(gen.SEED))
    return spec, train, held_out


def _copy(listings: list[Any]) -> list[Any]:
    return [dataclasses.replace(x, attributes=dict(x.attributes), notations=list(x.notations)) for x in listings]


def _fails(name: str, check: Callable[[], object]) -> None:
    with pytest.raises(gen.PropertyError) as raised:
        check()
    assert name in str(raised.value)


def test_the_generated_data_has_every_property(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    measured = gen.check_all(train, held_out, spec)
    assert measured["category count"] >= 10
    assert measured["sizes"] == (2000, 250)
    share, varies = measured["brand multi-category share, tier varies"]
    assert share >= 0.6 and varies > 0
    assert measured["unbranded share"] >= 0.30


def test_the_shipped_files_match_the_spec(data: tuple[dict, list[Any], list[Any]]) -> None:
    _, train, held_out = data
    eval_rows = [json.loads(line) for line in (FOLDER / "eval.jsonl").read_text(encoding="utf-8").splitlines()]
    train_rows = [json.loads(line) for line in (FOLDER / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(eval_rows) == 250 and len(train_rows) == 2000
    assert eval_rows[0] == {
        "question": held_out[0].text + "\nWhat is the price?",
        "reference": f"{held_out[0].price:.2f}",
        "kind": "number",
        "source": None,
        "category": held_out[0].category,
    }
    roles = [m["role"] for m in train_rows[0]["messages"]]
    assert roles == ["system", "user", "assistant"]
    assert train_rows[0]["messages"][2]["content"] == f"${train[0].price:.2f}"
    assert all(row["question"].endswith("\nWhat is the price?") for row in eval_rows)


def test_all_brands_in_one_category_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    broken = _copy(train + held_out)
    home = {brand: next(iter(tiers)) for brand, tiers in spec["brands"].items()}
    broken = [x for x in broken if x.brand is None or x.category == home[x.brand]]
    _fails("brand multi-category share", lambda: gen.check_brand_multi_category(broken, spec))


def test_one_tier_per_brand_everywhere_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    broken = [dataclasses.replace(x, tier="mid") for x in train + held_out]
    _fails("brand tier varies by category", lambda: gen.check_brand_multi_category(broken, spec))


def test_too_few_unbranded_listings_fail(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    branded = [x for x in train + held_out if x.brand is not None]
    _fails("unbranded share", lambda: gen.check_unbranded(branded, spec))


def test_an_unbranded_listing_that_names_a_brand_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    broken = _copy(train + held_out)
    index = next(i for i, x in enumerate(broken) if x.brand is None)
    broken[index] = dataclasses.replace(broken[index], text="Lumora " + broken[index].text)
    _fails("unbranded share", lambda: gen.check_unbranded(broken, spec))


def test_one_notation_per_unit_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    broken = [dataclasses.replace(x, notations=[(unit, 0) for unit, _ in x.notations]) for x in train + held_out]
    _fails("notation variety", lambda: gen.check_notation_variety(broken, spec))


def test_no_noise_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    exact = [dataclasses.replace(x, price=round(x.fair_price, 2)) for x in train + held_out]
    _fails("noise spread", lambda: gen.check_noise_spread(exact, spec))
    wild = [dataclasses.replace(x, price=x.fair_price * 2) for x in train + held_out]
    _fails("noise spread", lambda: gen.check_noise_spread(wild, spec))


def test_odd_price_endings_fail(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    odd = [dataclasses.replace(x, price=x.price - 0.26) for x in train + held_out]
    _fails("price endings", lambda: gen.check_price_endings(odd, spec))


def test_clean_text_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    clean = [dataclasses.replace(x, typo=False) for x in train + held_out]
    _fails("typos", lambda: gen.check_text_noise(clean, spec))
    complete = [dataclasses.replace(x, missing=()) for x in train + held_out]
    _fails("missing specs", lambda: gen.check_text_noise(complete, spec))


def test_a_use_that_contradicts_the_product_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    broken = _copy(train + held_out)
    index = next(i for i, x in enumerate(broken) if x.category == "tents" and x.attributes["season"] == 3)
    broken[index] = dataclasses.replace(broken[index], uses=("winter mountaineering",))
    _fails("contradiction check", lambda: gen.check_no_contradictions(broken, spec))


def test_a_spec_that_contradicts_another_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    broken = _copy(train + held_out)
    index = next(i for i, x in enumerate(broken) if x.category == "tents" and x.attributes["people"] == 8)
    broken[index].attributes["weight"] = 1.2
    _fails("contradiction check", lambda: gen.check_no_contradictions(broken, spec))


def test_a_word_that_states_the_quality_fails(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    stated = [dataclasses.replace(x, text=x.text + (" premium" if x.quality > 0 else "")) for x in train + held_out]
    _fails("latent quality", lambda: gen.check_latent_quality(stated, spec))


def test_duplicates_across_splits_fail() -> None:
    _fails("no cross-split duplicates", lambda: gen.check_no_duplicates(["A tent\n- 2P"], ["a  TENT - 2p"]))
    _fails("no duplicates", lambda: gen.check_no_duplicates(["x", "X"], ["y"]))


def test_too_few_categories_and_wrong_sizes_fail(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec, train, held_out = data
    few = [x for x in train if x.category in {"tents", "laptops", "blenders"}]
    _fails("category count", lambda: gen.check_category_count(few, spec))
    _fails("sizes", lambda: gen.check_sizes(train, held_out[:-1], spec))
    _fails("sizes", lambda: gen.check_sizes(train[:1999], held_out, spec))


def test_flat_feature_effects_fail(data: tuple[dict, list[Any], list[Any]]) -> None:
    spec = copy.deepcopy(data[0])
    spec["tiers"]["premium"]["feature_scale"] = spec["tiers"]["budget"]["feature_scale"]
    _fails("interactions", lambda: gen.check_interactions(spec))


def test_the_generator_exits_non_zero_naming_the_property(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = copy.deepcopy(gen.load_spec())
    spec["unbranded_share"] = 0.05
    monkeypatch.setattr(gen, "load_spec", lambda: spec)
    monkeypatch.setattr(sys, "argv", ["generate.py", "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as raised:
        gen.main()
    assert raised.value.code == 1
    assert "unbranded share" in capsys.readouterr().err
    assert not (tmp_path / "train.jsonl").exists()


def test_example_questions_are_the_first_eval_item_of_each_category(data: tuple[dict, list[Any], list[Any]]) -> None:
    _, _, held_out = data
    picked = gen.first_per_category(held_out, 5)
    categories: list[str] = []
    for listing in held_out:
        if listing.category not in categories:
            categories.append(listing.category)
    assert [x.category for x in picked] == categories[:5]
    assert all(x is next(y for y in held_out if y.category == x.category) for x in picked)
