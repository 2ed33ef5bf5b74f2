"""Generate the "Product pricing" scenario: invented e-commerce products and their retail prices.

Every product is drawn from one of ten categories. A category has a base price, three to five
invented brands (each with a budget, mid or premium price multiplier) and groups of features whose
options multiply the price (``mult``) or add a fixed amount (``add``). The price is fully determined
by what the description says, up to a little noise:

    price = (base x brand tier x product of feature multipliers + sum of feature additions) x noise

with noise uniform in [0.95, 1.05], then rounded like a shop would (to the dollar below $100, to
$5 below $1,000, to $10 above) and shown as .99 most of the time or .00 otherwise. Products priced
outside $10-$3,000 are drawn again.

The data lives in files next to this one, so a category or a sentence shape is edited as data:
``generator/categories.yaml`` (categories, brands, features, price effects) and
``generator/texts.yaml`` (system prompt, scenario description, sentence shapes). This module is the
logic; the helpers both generators share are in ``sample_data/generator_common.py``.

The output is deterministic (``random.Random(20261127)``) and written next to this file, or into
``--out DIR``:

- ``train.jsonl``: 2,000 chat-format training items (system, user = description, assistant = price)
- ``eval.jsonl``: 250 held-out items (other products) in the playground's evaluation format
- ``kb/price-list.csv``: the first 600 training products with their prices, the RAG lane's
  knowledge base (so RAG shows the model the prices of similar products)
- ``scenario.yaml``: the scenario pack, with few-shot examples from train and example questions
  from eval. The shipped one also has a hand-written ``chain`` and ``tools`` below a marker line; regenerating keeps
  everything below the marker.

Run: ``python sample_data/product-pricing/generate.py [--out DIR]`` (standard library and PyYAML).
"""

from __future__ import annotations

import csv
import random
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # generator_common.py: a script has no package
from generator_common import (
    SEED,
    chat_item,
    eval_item,
    load_yaml,
    output_dir,
    write_jsonl,
    write_scenario,
    yaml_block,
)

HERE = Path(__file__).resolve().parent
DATA = HERE / "generator"
N_TRAIN = 2000
N_EVAL = 250
N_PRICE_LIST = 600  # enough neighbours per category, small enough to index in about half a minute on CPU
MIN_PRICE, MAX_PRICE = 10.0, 3000.0


@dataclass(frozen=True)
class Option:
    """One feature value: ways to say it, and its effect on the price."""

    phrases: tuple[str, ...]
    mult: float = 1.0
    add: float = 0.0
    tag: str = ""
    excludes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Group:
    """A feature dimension; a required group always appears, an optional one with probability p."""

    name: str
    options: tuple[Option, ...]
    required: bool = False
    p: float = 0.5


@dataclass(frozen=True)
class Brand:
    name: str
    tier: str
    mult: float


@dataclass(frozen=True)
class Category:
    name: str
    base: float
    plural: bool  # "the X are ... headphones" versus "the X is a ... laptop"
    brands: tuple[Brand, ...]
    model_stems: tuple[str, ...]
    model_formats: tuple[str, ...]
    kinds: Group  # required; its phrase is the product noun ("over-ear headphones")
    groups: tuple[Group, ...]
    uses: tuple[str, ...]


@dataclass(frozen=True)
class Product:
    category: str
    brand: str
    model: str
    description: str
    price: float


def option(data: dict) -> Option:
    return Option(
        tuple(data["phrases"]),
        data.get("mult", 1.0),
        data.get("add", 0.0),
        data.get("tag", ""),
        frozenset(data.get("excludes", ())),
    )


def warranty(choices: list[list], wording: dict) -> Group:
    """An optional warranty group from [years, multiplier] pairs, phrased as texts.yaml's warranty says."""
    options = []
    for years, mult in choices:
        phrases = wording["years"] if years > 1 else wording["one_year"]
        options.append(Option(tuple(phrase.format(years=years) for phrase in phrases), mult))
    return Group("warranty", tuple(options), p=wording["p"])


def group(data: dict, texts: dict) -> Group:
    if "warranty" in data:
        return warranty(data["warranty"], texts["warranty"])
    options = tuple(option(o) for o in data["options"])
    return Group(data["name"], options, required=data.get("required", False), p=data.get("p", 0.5))


def category(data: dict, texts: dict) -> Category:
    return Category(
        name=data["name"],
        base=data["base"],
        plural=data["plural"],
        brands=tuple(Brand(**b) for b in data["brands"]),
        model_stems=tuple(data["model_stems"]),
        model_formats=tuple(data["model_formats"]),
        kinds=Group(data["kind"]["name"], tuple(option(o) for o in data["kind"]["options"]), required=True),
        groups=tuple(group(g, texts) for g in data["groups"]),
        uses=tuple(data["uses"]),
    )


TEXTS: dict = load_yaml(DATA / "texts.yaml")
CATEGORIES: tuple[Category, ...] = tuple(category(c, TEXTS) for c in load_yaml(DATA / "categories.yaml"))
SYSTEM_PROMPT: str = TEXTS["system_prompt"]
QUESTION_SUFFIX: str = TEXTS["question_suffix"]
OPENERS, SHORT_OPENERS = tuple(TEXTS["openers"]), tuple(TEXTS["short_openers"])
CONTINUATIONS, CLOSERS = tuple(TEXTS["continuations"]), tuple(TEXTS["closers"])


def article(noun: str) -> str:
    vowel_sound = noun[0].lower() in "aeiou8" or noun.startswith(("11", "18", "SDS"))
    return ("an " if vowel_sound else "a ") + noun


def join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def retail_round(price: float, rng: random.Random) -> float:
    step = 1 if price < 100 else 5 if price < 1000 else 10
    rounded = max(step, round(price / step) * step)
    return rounded - 0.01 if rng.random() < 0.8 else float(rounded)


def choose_features(category: Category, rng: random.Random) -> tuple[list[Option], Option]:
    kind = rng.choice(category.kinds.options)
    chosen: list[Option] = []
    tags = {kind.tag} - {""}
    for group in category.groups:
        if not group.required and rng.random() >= group.p:
            continue
        allowed = [o for o in group.options if not (o.excludes & tags)]
        if not allowed:
            continue
        option = rng.choice(allowed)
        chosen.append(option)
        if option.tag:
            tags.add(option.tag)
    return chosen, kind


def describe(category: Category, brand: str, model: str, kind: str, feats: list[str], rng: random.Random) -> str:
    plural = category.plural
    words = {
        "brand": brand,
        "Brand": brand,
        "model": model,
        "kind": kind,
        "a_kind": kind if plural else article(kind),
        "A_kind": cap(kind if plural else article(kind)),
        "is": "are" if plural else "is",
        "comes": "come" if plural else "comes",
        "It": "They" if plural else "It",
        "adds": "add" if plural else "adds",
        "use": rng.choice(category.uses),
    }
    feats = feats[:]
    rng.shuffle(feats)
    sentences: list[str] = []
    if not feats:
        return rng.choice(SHORT_OPENERS).format(**words)
    # One to three sentences: an opener carrying the first features, then at most one continuation.
    split = len(feats) if len(feats) <= 2 or rng.random() < 0.35 else rng.randint(1, len(feats) - 1)
    if rng.random() < 0.2 and len(feats) >= 2:
        opener = rng.choice(SHORT_OPENERS)
        split = 0
    else:
        opener = rng.choice(OPENERS)
    sentences.append(opener.format(**words, feats=join(feats[:split])))
    count = opener.count(". ") + 1  # some openers are two sentences
    rest = feats[split:]
    if rest:
        sentences.append(cap(rng.choice(CONTINUATIONS).format(**words, feats=join(rest))))
        count += 1
    if count < 3 and rng.random() < 0.25 and words["use"] not in sentences[0]:
        sentences.append(rng.choice(CLOSERS).format(**words))
    return " ".join(sentences)


def make_product(category: Category, rng: random.Random, used_models: set[tuple[str, str]]) -> Product | None:
    brand = rng.choice(category.brands)
    model = rng.choice(category.model_formats).format(stem=rng.choice(category.model_stems), n=rng.randint(1, 9))
    if (brand.name, model) in used_models:
        return None
    options, kind = choose_features(category, rng)
    mult = brand.mult * kind.mult
    add = kind.add
    for option in options:
        mult *= option.mult
        add += option.add
    raw = (category.base * mult + add) * rng.uniform(0.95, 1.05)
    price = retail_round(raw, rng)
    if not MIN_PRICE <= price <= MAX_PRICE:
        return None
    feats = [rng.choice(o.phrases) for o in options]
    text = describe(category, brand.name, model, rng.choice(kind.phrases), feats, rng)
    used_models.add((brand.name, model))
    return Product(category.name, brand.name, model, text, price)


def generate(rng: random.Random) -> tuple[list[Product], list[Product]]:
    """Return (train, eval): distinct products, eval stratified over the categories."""
    per_category = (N_TRAIN + N_EVAL) // len(CATEGORIES)
    eval_per_category = N_EVAL // len(CATEGORIES)
    used_models: set[tuple[str, str]] = set()
    seen_text: set[str] = set()
    train: list[Product] = []
    held_out: list[Product] = []
    for category in CATEGORIES:
        products: list[Product] = []
        while len(products) < per_category:
            product = make_product(category, rng, used_models)
            if product is None or product.description in seen_text:
                continue
            seen_text.add(product.description)
            products.append(product)
        held_out.extend(products[:eval_per_category])
        train.extend(products[eval_per_category:])
    rng.shuffle(train)
    rng.shuffle(held_out)
    return train, held_out


def money(price: float) -> str:
    return f"{price:.2f}"


def train_item(product: Product) -> dict:
    return chat_item(SYSTEM_PROMPT, product.description + QUESTION_SUFFIX, "$" + money(product.price), product.category)


def eval_row(product: Product) -> dict:
    return eval_item(product.description + QUESTION_SUFFIX, money(product.price), "number", product.category)


def write_price_list(path: Path, products: list[Product]) -> None:
    path.parent.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["product", "category", "description", "price"])
        for product in products:
            name = f"{product.brand} {product.model}"
            writer.writerow([name, product.category, product.description, money(product.price)])


def distinct_categories(products: list[Product], count: int) -> list[Product]:
    picked: list[Product] = []
    for product in products:
        informative = len(product.description) >= 110  # several features, not a bare one-liner
        if informative and product.category not in {p.category for p in picked}:
            picked.append(product)
        if len(picked) == count:
            break
    return picked


def scenario_yaml(train: list[Product], held_out: list[Product]) -> str:
    lines = [
        "title: Product pricing",
        "description: " + yaml_block(TEXTS["scenario_description"], 2, ">-"),
        "order: 2",
        "system_prompt: |",
        f"  {SYSTEM_PROMPT}",
        "few_shot:",
    ]
    for product in distinct_categories(train, 3):
        lines.append("  - question: " + yaml_block(product.description + QUESTION_SUFFIX, 6))
        lines.append(f'    answer: "${money(product.price)}"')
    lines.append("example_questions:")
    for product in distinct_categories(held_out, 5):
        lines.append("  - " + yaml_block(product.description + QUESTION_SUFFIX, 4))
    lines += ["knowledge_base: kb", "eval_set: eval.jsonl", "train_set: train.jsonl", "adapter: pricing", ""]
    return "\n".join(lines)


def mean_abs_error(predictions: list[float], truths: list[float]) -> float:
    return sum(abs(p - t) for p, t in zip(predictions, truths, strict=True)) / len(truths)


def summary(train: list[Product], held_out: list[Product]) -> str:
    out = [f"train: {len(train)} items, eval: {len(held_out)} items", ""]
    out.append(f"{'category':<16}{'train':>6}{'eval':>6}{'min':>10}{'median':>10}{'max':>10}")
    by_category: dict[str, list[float]] = defaultdict(list)
    eval_counts: dict[str, int] = defaultdict(int)
    for product in train + held_out:
        by_category[product.category].append(product.price)
    for product in held_out:
        eval_counts[product.category] += 1
    for category in CATEGORIES:
        prices = by_category[category.name]
        n_eval = eval_counts[category.name]
        out.append(
            f"{category.name:<16}{len(prices) - n_eval:>6}{n_eval:>6}"
            f"{min(prices):>10.2f}{statistics.median(prices):>10.2f}{max(prices):>10.2f}"
        )
    every = [p.price for p in train + held_out]
    out.append(f"{'all':<16}{len(train):>6}{len(held_out):>6}{min(every):>10.2f}{statistics.median(every):>10.2f}")
    out[-1] += f"{max(every):>10.2f}"
    truths = [p.price for p in held_out]
    overall = statistics.median(p.price for p in train)
    per_category = {c.name: statistics.median(p.price for p in train if p.category == c.name) for c in CATEGORIES}
    out.append("")
    out.append(
        f"eval MAE, always the train median (${overall:.2f}): ${mean_abs_error([overall] * len(truths), truths):.2f}"
    )
    guesses = [per_category[p.category] for p in held_out]
    out.append(f"eval MAE, the train median of the product's category: ${mean_abs_error(guesses, truths):.2f}")
    return "\n".join(out)


def main() -> None:
    out = output_dir("Generate the Product pricing scenario's data.", HERE)
    rng = random.Random(SEED)
    train, held_out = generate(rng)
    write_jsonl(out / "train.jsonl", [train_item(p) for p in train])
    write_jsonl(out / "eval.jsonl", [eval_row(p) for p in held_out])
    write_price_list(out / "kb" / "price-list.csv", train[:N_PRICE_LIST])
    write_scenario(out / "scenario.yaml", scenario_yaml(train, held_out))
    print(summary(train, held_out))


if __name__ == "__main__":
    main()
