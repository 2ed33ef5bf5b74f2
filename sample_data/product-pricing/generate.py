"""Generate the "Product pricing" scenario: invented marketplace listings and their prices.

Everything the data is made of lives in ``generator/spec.yaml``: twelve categories, brands that sell
in several categories at a tier that can differ by category, the attributes of each category with
their price effects, the units and labels they are written in, the uses a listing may claim (each
with the attributes it requires), and the properties the data must have. This module is the logic.

A listing is a title plus bullet-point specs. Numbers are written in inconsistent notations and
units ("1TB", "1,000 GB", "1 TB SSD"; "2-person", "two person"; inches or cm; mAh or Ah). Some specs
are missing, some bullets are marketing filler, a few words have a typo. A "use" bullet is only
written when the listing's attributes meet that use's requirements, so no bullet contradicts the
product. Over a third of listings name no brand.

The price comes from the attributes, with interactions and a latent quality:

    fair  = base x tier.mult x prod(value.mult ** tier.feature_scale) x exp(price_slope x q)
    price = fair x U[1 - noise, 1 + noise], rounded to a shop's price ending

``feature_scale`` is larger in premium lines, so a feature is worth more there. ``q`` is drawn per
listing around the tier's ``quality_shift``; no word states it, but the quality signals (material,
warranty length, certifications, country of make) are each drawn near it and mentioned only
sometimes. The noise is about +-15% per listing. Prices end in .99 mostly, else .95, .49 or .00.

The generator checks every property the spec lists (``check_*`` functions, callable from tests) and
exits non-zero naming each property that fails. The output is deterministic
(``random.Random(SEED)``) and written next to this file, or into ``--out DIR``:

- ``train.jsonl``: 2,000 chat-format training items (system, user = listing, assistant = price)
- ``eval.jsonl``: 250 held-out listings in the playground's evaluation format
- ``kb/price-list.csv``: the first 600 training listings with their prices (the RAG knowledge base)
- ``scenario.yaml``: its generated part (title, description, prompt, few-shot examples from the
  training split, example questions from the evaluation split, the primary metric); everything
  below the hand-written marker is kept.

Run: ``python sample_data/product-pricing/generate.py [--out DIR]`` (standard library and PyYAML).
"""

from __future__ import annotations

import csv
import math
import random
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
SPEC_PATH = HERE / "generator" / "spec.yaml"
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 6: "six", 8: "eight", 10: "ten", 12: "twelve"}
DEFAULT_SHOWN_P = 0.9  # an attribute without its own p is listed this often (missing otherwise)


class PropertyError(Exception):
    """A property fixed by the spec does not hold; the message names it."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"property {name!r} fails: {detail}")
        self.name = name


@dataclass
class Listing:
    """One generated listing with everything the checks need to see beyond its text."""

    category: str
    brand: str | None
    tier: str
    attributes: dict[str, Any]
    uses: tuple[str, ...]
    text: str
    fair_price: float
    price: float
    quality: float
    notations: list[tuple[str, int]] = field(default_factory=list)  # (unit, notation index) per number shown
    missing: tuple[str, ...] = ()
    typo: bool = False
    filler: bool = False
    signal_scores: tuple[float, ...] = ()


# --- notations ---------------------------------------------------------------------------------


def _num(value: float) -> str:
    """A number as a person writes it: 15.6, 16, 0.6."""
    return f"{value:g}"


def _word(value: float) -> str:
    return NUMBER_WORDS.get(int(value), _num(value)) if float(value).is_integer() else _num(value)


def _storage(v: float) -> list[str]:
    if v >= 1000:
        tb = _num(v / 1000)
        return [f"{tb}TB", f"{int(v):,} GB", f"{tb} TB", f"{tb} Terabyte"]
    return [f"{_num(v)}GB", f"{_num(v)} GB", f"{_num(v)} gb", f"{_num(v)}G"]


def _inches(v: float) -> list[str]:
    cm = v * 2.54
    cm_text = f"{cm:.0f}" if v >= 20 else f"{cm:.1f}"
    return [f'{_num(v)}"', f"{_num(v)} inch", f"{_num(v)}-inch", f"{cm_text} cm", f"{_num(v)}in ({cm_text} cm)"]


def _celsius(v: float) -> list[str]:
    f = v * 9 / 5 + 32
    return [f"{_num(v)}°C", f"{f:.0f}°F", f"{_num(v)} C / {f:.0f} F", f"{_num(v)}°C ({f:.0f}°F)"]


def _ah(v: float) -> list[str]:
    if v == 0:
        return ["tool only (no battery)", "bare tool, battery not included", "battery sold separately"]
    return [f"{_num(v)}Ah battery", f"{_num(v)} Ah", f"{v * 1000:.0f} mAh battery"]


def _watts(v: float) -> list[str]:
    forms = [f"{_num(v)}W", f"{_num(v)} watts", f"{int(v):,} W"]
    return [*forms, f"{_num(v / 1000)} kW"] if v >= 1000 else forms


def _liters(v: float) -> list[str]:
    forms = [f"{_num(v)}L", f"{_num(v)} liters", f"{_num(v)} litre"]
    return [*forms, f"{v * 1000:.0f} ml", f"{v * 33.814:.0f} oz"] if v < 3 else forms


UNITS: dict[str, Callable[[float], list[str]]] = {
    "storage": _storage,
    "inches": _inches,
    "people": lambda v: [
        f"{_num(v)}-person",
        f"{_word(v)} person",
        f"{_num(v)} Person",
        f"sleeps {_num(v)}",
        f"{_num(v)}P",
    ],
    "mah": lambda v: [f"{int(v)}mAh", f"{int(v):,} mAh", f"{int(v)} mah", f"{_num(v / 1000)}Ah"],
    "hours": lambda v: [f"{_num(v)}h", f"{_num(v)} hours", f"{_num(v)}-hour", f"up to {_num(v)} hrs"],
    "watts": _watts,
    "liters": _liters,
    "megapixels": lambda v: [f"{_num(v)}MP", f"{_num(v)} MP", f"{_num(v)}-megapixel"],
    "hz": lambda v: [f"{_num(v)}Hz", f"{_num(v)} Hz", f"{_num(v)}hz"],
    "kg": lambda v: [f"{_num(v)} kg", f"{v * 1000:.0f} g", f"{v * 2.2046:.1f} lbs", f"{_num(v)}kg"],
    "grams": lambda v: [f"{_num(v)}g", f"{_num(v)} grams", f"{v / 28.35:.1f} oz"],
    "mm": lambda v: [f"{_num(v)}mm", f"{int(v):,} mm", f"{_num(v)} mm HH"],
    "celsius": _celsius,
    "length_cm": lambda v: [f"{_num(v)} cm", f"{v / 2.54:.0f} in", f"{_num(v)}cm", f"{_num(v / 100)} m"],
    "cups": lambda v: [f"{_num(v)}-cup", f"{_num(v)} cups", f"{_word(v)} cup"],
    "bar": lambda v: [f"{_num(v)} bar", f"{_num(v)}-bar", f"{_num(v)}bar"],
    "volts": lambda v: [f"{_num(v)}V", f"{_num(v)} V", f"{_num(v)}-volt", f"{_num(v)}V Max"],
    "ah": _ah,
}


def render_value(attribute: dict, value: dict, rng: random.Random) -> tuple[str, int, str | None]:
    """(text, notation index, unit) for one attribute value: a unit in one of its notations, or a phrase."""
    unit = attribute.get("unit")
    if unit is None:
        phrases = value["phrases"]
        index = rng.randrange(len(phrases))
        return phrases[index], index, None
    forms = UNITS[unit](float(value["v"]))
    index = rng.randrange(len(forms))
    text = forms[index]
    suffixes = attribute.get("suffixes")
    if suffixes:
        text += rng.choice(suffixes)
    return text, index, unit


# --- one listing --------------------------------------------------------------------------------


def meets(requires: dict, attributes: dict[str, Any]) -> bool:
    """Whether a listing's attributes meet a use's (or an attribute's) requirements."""
    for name, condition in requires.items():
        if name not in attributes:
            return False
        value = attributes[name]
        if isinstance(condition, dict):
            if "min" in condition and not value >= condition["min"]:
                return False
            if "max" in condition and not value <= condition["max"]:
                return False
        elif value not in condition:
            return False
    return True


def nearest(options: list[dict], target: float) -> dict:
    """The option whose quality score is closest to target."""
    return min(options, key=lambda option: abs(option["score"] - target))


def retail_price(raw: float, spec: dict, rng: random.Random) -> float:
    """A shop's price near raw: whole dollars (under $100), $5 steps (under $1,000) or $10, then an ending."""
    step = 1 if raw < 100 else 5 if raw < 1000 else 10
    whole = max(step, round(raw / step) * step)
    endings = spec["endings"]
    cents = rng.choices([e["cents"] for e in endings], weights=[e["weight"] for e in endings])[0]
    return float(whole) if cents == 0 else round(whole - 1 + cents / 100, 2)


def typo(text: str, rng: random.Random) -> str | None:
    """Text with two adjacent letters of one longer word swapped, or None when it has no such word."""
    words = [m for m in re.finditer(r"[A-Za-z]{5,}", text)]
    if not words:
        return None
    match = rng.choice(words)
    word = match.group()
    i = rng.randrange(1, len(word) - 2)
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if swapped == word:
        return None
    return text[: match.start()] + swapped + text[match.end() :]


def warranty_text(months: int, rng: random.Random) -> str:
    if months < 12:
        return rng.choice([f"{months}-month warranty", f"Warranty: {months} months"])
    years = months // 12
    unit = "year" if years == 1 else "years"
    return rng.choice(
        [
            f"{years}-year warranty",
            f"Warranty: {years} {unit}",
            f"{months} month warranty",
            f"{years} yr limited warranty",
        ]
    )


def make_listing(category: dict, spec: dict, rng: random.Random) -> Listing | None:
    """One listing of category, or None when its price falls outside the spec's bounds."""
    sellers = [name for name, tiers in spec["brands"].items() if category["name"] in tiers]
    brand = rng.choice(sellers) if rng.random() >= spec["unbranded_share"] else None
    tier_name = spec["brands"][brand][category["name"]] if brand else "unbranded"
    tier = spec["tiers"][tier_name]
    quality_spec = spec["quality"]
    q = rng.gauss(tier["quality_shift"], 1.0)

    attributes: dict[str, Any] = {}
    chosen: dict[str, dict] = {}
    log_effect = 0.0
    for name, attribute in category["attributes"].items():
        if not meets(attribute.get("only_if", {}), attributes):
            continue
        value = rng.choice([v for v in attribute["values"] if meets(v.get("requires", {}), attributes)])
        attributes[name] = value["v"]
        chosen[name] = value
        log_effect += math.log(value["mult"]) * tier["feature_scale"]
    fair = category["base"] * tier["mult"] * math.exp(log_effect + quality_spec["price_slope"] * q)
    raw = fair * rng.uniform(1 - spec["noise"], 1 + spec["noise"])
    price = retail_price(raw, spec, rng)
    low, high = spec["price_bounds"]
    if not low <= price <= high:
        return None

    notations: list[tuple[str, int]] = []

    def shown(name: str) -> str:
        text, index, unit = render_value(category["attributes"][name], chosen[name], rng)
        if unit is not None:
            notations.append((unit, index))
        return text

    # Title: brand, model, the title attributes, the noun (a kind phrase when the category has kinds).
    title_parts: list[str] = []
    if brand:
        title_parts.append(brand)
        if rng.random() < 0.7:
            stem, n = rng.choice(spec["model_stems"]), rng.randint(1, 9)
            title_parts.append(rng.choice(spec["model_formats"]).format(stem=stem, n=n))
    for name in category["title"]:
        if name in attributes and name != "kind":
            title_parts.append(shown(name))
    noun = shown("kind") if "kind" in attributes else rng.choice(category["noun"])
    if rng.random() < 0.5:
        noun = " ".join(word[:1].upper() + word[1:] for word in noun.split())
    title_parts.append(noun)
    separator = rng.choice([" ", " ", ", ", " - "])
    title = title_parts[0] + " " + separator.join(title_parts[1:]) if brand else separator.join(title_parts)
    if rng.random() < 0.2:
        title += " " + rng.choice(spec["title_fillers"])

    # Bullets: the specs (each may be missing), quality signals, maybe a use and some filler.
    bullets: list[str] = []
    missing: list[str] = []
    for name, attribute in category["attributes"].items():
        if name not in attributes or name == "kind":
            continue
        in_title = name in category["title"]
        if rng.random() >= (0.5 if in_title else attribute.get("p", DEFAULT_SHOWN_P)):
            if not in_title:
                missing.append(name)
            continue
        text = shown(name)
        bullets.append(f"{rng.choice(attribute['labels'])}: {text}" if rng.random() < 0.6 else text)

    signals: list[float] = []
    mention = quality_spec["mention_p"]
    noise = quality_spec["signal_noise"]
    if rng.random() < mention:
        material = nearest(category["materials"], rng.gauss(q, noise))
        signals.append(material["score"])
        bullets.append(rng.choice(["Material: ", "", "Build: "]) + material["name"])
    if rng.random() < mention:
        warranty = nearest(quality_spec["warranty"], rng.gauss(q, noise))
        signals.append(warranty["score"])
        bullets.append(warranty_text(warranty["months"], rng))
    held = [c for c in category["certifications"] if rng.gauss(q, noise) > c["threshold"]]
    if held and rng.random() < mention:
        signals.append(statistics.mean(c["threshold"] for c in held) + 0.5 * (len(held) - 1))
        names = ", ".join(c["name"] for c in held)
        bullets.append(rng.choice(["Certified: ", "Certifications: ", ""]) + names)
    if rng.random() < mention:
        country = nearest(quality_spec["countries"], rng.gauss(q, noise))
        signals.append(country["score"])
        bullets.append(rng.choice(["Made in {}", "Country of origin: {}", "Origin: {}"]).format(country["name"]))

    uses: tuple[str, ...] = ()
    fitting = [use["text"] for use in category["uses"] if meets(use.get("requires", {}), attributes)]
    if fitting and rng.random() < 0.45:
        use = rng.choice(fitting)
        uses = (use,)
        bullets.append(rng.choice(spec["use_templates"]).format(use=use))
    filler = rng.random() < 0.45
    if filler:
        bullets.append(rng.choice(spec["filler"]))
    rng.shuffle(bullets)

    has_typo = False
    if bullets and rng.random() < 0.08:
        i = rng.randrange(len(bullets))
        changed = typo(bullets[i], rng)
        if changed is not None:
            bullets[i], has_typo = changed, True
    marker = rng.choice(spec["bullet_markers"])
    text = "\n".join([title] + [marker + bullet for bullet in bullets])
    return Listing(
        category=category["name"],
        brand=brand,
        tier=tier_name,
        attributes=attributes,
        uses=uses,
        text=text,
        fair_price=fair,
        price=price,
        quality=q,
        notations=notations,
        missing=tuple(missing),
        typo=has_typo,
        filler=filler,
        signal_scores=tuple(signals),
    )


def normalised(text: str) -> str:
    """Question text for duplicate detection: case, punctuation and spacing ignored."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def quotas(total: int, count: int) -> list[int]:
    """total split over count categories as evenly as possible, the remainder to the first ones."""
    return [total // count + (1 if i < total % count else 0) for i in range(count)]


def generate(spec: dict, rng: random.Random) -> tuple[list[Listing], list[Listing]]:
    """Return (train, eval): distinct listings, both stratified over the categories, shuffled."""
    categories = spec["categories"]
    sizes = spec["sizes"]
    train: list[Listing] = []
    held_out: list[Listing] = []
    seen: set[str] = set()
    eval_quota = quotas(sizes["eval"], len(categories))
    train_quota = quotas(sizes["train"], len(categories))
    for category, n_eval, n_train in zip(categories, eval_quota, train_quota, strict=True):
        listings: list[Listing] = []
        while len(listings) < n_eval + n_train:
            listing = make_listing(category, spec, rng)
            if listing is None or normalised(listing.text) in seen:
                continue
            seen.add(normalised(listing.text))
            listings.append(listing)
        held_out.extend(listings[:n_eval])
        train.extend(listings[n_eval:])
    rng.shuffle(train)
    rng.shuffle(held_out)
    return train, held_out


# --- property checks ----------------------------------------------------------------------------


def _require(ok: bool, name: str, detail: str) -> None:
    if not ok:
        raise PropertyError(name, detail)


def check_category_count(listings: Sequence[Listing], spec: dict) -> int:
    """Categories present in the data; at least the spec's min_categories."""
    count = len({listing.category for listing in listings})
    minimum = spec["properties"]["min_categories"]
    _require(count >= minimum, "category count", f"{count} categories, need {minimum}")
    return count


def check_sizes(train: Sequence[Any], held_out: Sequence[Any], spec: dict) -> tuple[int, int]:
    """(train, eval) sizes: at least min_train training items and exactly `eval` test items."""
    props = spec["properties"]
    ok = len(train) >= props["min_train"] and len(held_out) == props["eval"]
    _require(ok, "sizes", f"{len(train)} train / {len(held_out)} eval, need >= {props['min_train']} / {props['eval']}")
    return len(train), len(held_out)


def check_brand_multi_category(listings: Sequence[Listing], spec: dict) -> tuple[float, float]:
    """(share of brands seen in two or more categories, share of those whose tier differs by category)."""
    categories: dict[str, set[str]] = defaultdict(set)
    tiers: dict[str, set[str]] = defaultdict(set)
    for listing in listings:
        if listing.brand:
            categories[listing.brand].add(listing.category)
            tiers[listing.brand].add(listing.tier)
    _require(bool(categories), "brand multi-category share", "no listing names a brand")
    multi = [brand for brand, seen in categories.items() if len(seen) >= 2]
    share = len(multi) / len(categories)
    props = spec["properties"]
    minimum = props["min_multi_category_brand_share"]
    _require(share >= minimum, "brand multi-category share", f"{share:.0%} of brands, need {minimum:.0%}")
    varies = sum(len(tiers[brand]) > 1 for brand in multi) / len(multi)
    least = props["min_tier_varies_share"]
    _require(
        varies >= least, "brand tier varies by category", f"{varies:.0%} of multi-category brands, need {least:.0%}"
    )
    return share, varies


def check_unbranded(listings: Sequence[Listing], spec: dict) -> float:
    """Share of listings naming no brand (and none of them mentions a brand's name; each branded one does)."""
    names = list(spec["brands"])
    for listing in listings:
        if listing.brand is None:
            named = [name for name in names if name.casefold() in listing.text.casefold()]
            _require(not named, "unbranded share", f"an unbranded listing names {named}")
        else:
            _require(listing.brand in listing.text, "unbranded share", f"a {listing.brand} listing omits its brand")
    share = sum(listing.brand is None for listing in listings) / len(listings)
    minimum = spec["properties"]["min_unbranded_share"]
    _require(share >= minimum, "unbranded share", f"{share:.1%} of listings, need {minimum:.0%}")
    return share


def check_notation_variety(listings: Sequence[Listing], spec: dict) -> dict[str, int]:
    """Distinct notations each unit is written in; every unit in at least min_notations_per_unit,
    the required units present, and the notations the issue names found in the texts."""
    props = spec["properties"]
    used: dict[str, set[int]] = defaultdict(set)
    for listing in listings:
        for unit, index in listing.notations:
            used[unit].add(index)
    counts = {unit: len(indices) for unit, indices in sorted(used.items())}
    for unit in props["required_units"]:
        _require(unit in counts, "notation variety", f"no listing shows a {unit} value")
    minimum = props["min_notations_per_unit"]
    few = [unit for unit, count in counts.items() if count < minimum]
    _require(not few, "notation variety", f"{', '.join(few)} written in fewer than {minimum} notations")
    for token in props["required_tokens"]:
        _require(any(token in listing.text for listing in listings), "notation variety", f"no listing writes {token!r}")
    return counts


def check_noise_spread(listings: Sequence[Listing], spec: dict) -> tuple[float, float]:
    """(5th, 95th percentile) of price / noiseless price: spread about +-noise.target, bounded by max_abs."""
    rules = spec["properties"]["noise"]
    ratios = sorted(listing.price / listing.fair_price for listing in listings)
    low, high = ratios[int(0.05 * len(ratios))], ratios[int(0.95 * len(ratios)) - 1]
    spread = rules["min_spread"]
    _require(low <= 1 - spread and high >= 1 + spread, "noise spread", f"5-95% of price/fair {low:.3f}-{high:.3f}")
    worst = max(abs(ratios[0] - 1), abs(ratios[-1] - 1))
    _require(worst <= rules["max_abs"], "noise spread", f"a price {worst:.0%} from its fair value")
    return low, high


def check_price_endings(listings: Sequence[Listing], spec: dict) -> float:
    """Share of prices ending in .99; every ending in allowed_cents."""
    props = spec["properties"]
    cents = [round(listing.price * 100) % 100 for listing in listings]
    odd = sorted({c for c in cents if c not in props["allowed_cents"]})
    _require(not odd, "price endings", f"prices ending in .{odd[0]:02d}" if odd else "")
    share = cents.count(99) / len(cents)
    _require(share >= props["min_99_share"], "price endings", f"{share:.0%} end in .99")
    return share


def check_text_noise(listings: Sequence[Listing], spec: dict) -> dict[str, float]:
    """Shares of listings with a typo, a missing spec and marketing filler, each within the spec's range."""
    props = spec["properties"]
    n = len(listings)
    shares = {
        "typo": sum(listing.typo for listing in listings) / n,
        "missing spec": sum(bool(listing.missing) for listing in listings) / n,
        "filler": sum(listing.filler for listing in listings) / n,
    }
    ok = props["min_typo_share"] <= shares["typo"] <= props["max_typo_share"]
    _require(ok, "typos", f"{shares['typo']:.1%} of listings")
    _require(
        shares["missing spec"] >= props["min_missing_spec_share"], "missing specs", f"{shares['missing spec']:.1%}"
    )
    _require(shares["filler"] >= props["min_filler_share"], "marketing filler", f"{shares['filler']:.1%}")
    return shares


def check_no_contradictions(listings: Sequence[Listing], spec: dict) -> int:
    """Uses claimed; each claimed use's requirements, and each attribute value's, hold for its listing."""
    requirements = {
        (category["name"], use["text"]): use.get("requires", {})
        for category in spec["categories"]
        for use in category["uses"]
    }
    value_requirements = {
        (category["name"], name, value["v"]): value["requires"]
        for category in spec["categories"]
        for name, attribute in category["attributes"].items()
        for value in attribute["values"]
        if "requires" in value
    }
    claimed = 0
    for listing in listings:
        for name, value in listing.attributes.items():
            needed = value_requirements.get((listing.category, name, value), {})
            ok = meets(needed, listing.attributes)
            _require(
                ok, "contradiction check", f"a {listing.category} listing has {name} {value}: {listing.attributes}"
            )
        for use in listing.uses:
            key = (listing.category, use)
            _require(key in requirements, "contradiction check", f"{use!r} is not a use of {listing.category}")
            ok = meets(requirements[key], listing.attributes)
            _require(ok, "contradiction check", f"a {listing.category} listing claims {use!r}: {listing.attributes}")
            claimed += 1
    return claimed


def check_interactions(spec: dict) -> tuple[float, float]:
    """(budget, premium) feature_scale: a feature must be worth more in premium lines."""
    budget, premium = spec["tiers"]["budget"]["feature_scale"], spec["tiers"]["premium"]["feature_scale"]
    _require(
        premium > spec["tiers"]["mid"]["feature_scale"] > budget, "interactions", "feature_scale not rising by tier"
    )
    return budget, premium


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float:
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return 0.0
    return statistics.correlation(xs, ys)


def check_latent_quality(listings: Sequence[Listing], spec: dict) -> tuple[float, float]:
    """(largest |correlation| of one word's presence with quality, correlation of the mean signal with it).

    No single word may state the latent quality, but the quality signals together must imply it.
    """
    props = spec["properties"]
    quality = [listing.quality for listing in listings]
    words_of = [set(re.findall(r"[a-z0-9]+", listing.text.casefold())) for listing in listings]
    counts: dict[str, int] = defaultdict(int)
    for words in words_of:
        for word in words:
            counts[word] += 1
    strongest = 0.0
    for word, count in counts.items():
        if 30 <= count <= len(listings) - 30:
            present = [1.0 if word in words else 0.0 for words in words_of]
            strongest = max(strongest, abs(_correlation(present, quality)))
    limit = props["max_word_quality_correlation"]
    _require(strongest < limit, "latent quality", f"one word correlates {strongest:.2f} with quality")
    with_signals = [listing for listing in listings if listing.signal_scores]
    implied = _correlation([statistics.mean(x.signal_scores) for x in with_signals], [x.quality for x in with_signals])
    least = props["min_signal_quality_correlation"]
    _require(implied >= least, "latent quality", f"signals correlate only {implied:.2f} with quality")
    return strongest, implied


def check_no_duplicates(train_questions: Sequence[str], eval_questions: Sequence[str]) -> int:
    """Distinct normalised questions; none repeats within or across the splits."""
    train_set = {normalised(q) for q in train_questions}
    eval_set = {normalised(q) for q in eval_questions}
    _require(not train_set & eval_set, "no cross-split duplicates", f"{len(train_set & eval_set)} shared questions")
    total = len(train_questions) + len(eval_questions)
    _require(len(train_set) + len(eval_set) == total, "no duplicates", "a question repeats within a split")
    return total


def check_all(train: list[Listing], held_out: list[Listing], spec: dict) -> dict[str, Any]:
    """Every property; returns the measured values, or raises PropertyError naming each that fails."""
    everything = train + held_out
    suffix = spec["question_suffix"]
    checks: dict[str, Callable[[], Any]] = {
        "category count": lambda: check_category_count(held_out, spec) and check_category_count(train, spec),
        "sizes": lambda: check_sizes(train, held_out, spec),
        "brand multi-category share, tier varies": lambda: check_brand_multi_category(everything, spec),
        "unbranded share": lambda: check_unbranded(everything, spec),
        "notation variety": lambda: check_notation_variety(everything, spec),
        "noise spread (5th, 95th pct of price/fair)": lambda: check_noise_spread(everything, spec),
        "price endings (.99 share)": lambda: check_price_endings(everything, spec),
        "typos, missing specs, filler": lambda: check_text_noise(everything, spec),
        "contradiction check (uses claimed)": lambda: check_no_contradictions(everything, spec),
        "interactions (budget, premium feature_scale)": lambda: check_interactions(spec),
        "latent quality (max word corr, signal corr)": lambda: check_latent_quality(everything, spec),
        "no duplicates (questions)": lambda: check_no_duplicates(
            [x.text + suffix for x in train], [x.text + suffix for x in held_out]
        ),
    }
    measured: dict[str, Any] = {}
    failures: list[PropertyError] = []
    for name, check in checks.items():
        try:
            measured[name] = check()
        except PropertyError as error:
            failures.append(error)
    if failures:
        raise PropertyError(", ".join(e.name for e in failures), "\n".join(str(e) for e in failures))
    return measured


# --- output -------------------------------------------------------------------------------------


def money(price: float) -> str:
    return f"{price:.2f}"


def question(listing: Listing, spec: dict) -> str:
    return listing.text + spec["question_suffix"]


def write_price_list(path: Path, listings: list[Listing]) -> None:
    """The RAG knowledge base: one row per listing (its title, category, specs on one line, price)."""
    path.parent.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["product", "category", "description", "price"])
        for listing in listings:
            title, *bullets = listing.text.split("\n")
            writer.writerow([title, listing.category, " | ".join(b[2:].strip() for b in bullets), money(listing.price)])


def first_per_category(listings: list[Listing], count: int) -> list[Listing]:
    """The first listing of each category in order, categories in order of first appearance, at most count."""
    picked: dict[str, Listing] = {}
    for listing in listings:
        picked.setdefault(listing.category, listing)
    return list(picked.values())[:count]


def scenario_yaml(train: list[Listing], held_out: list[Listing], spec: dict) -> str:
    """The generated part of scenario.yaml."""
    lines = [
        f"title: {spec['scenario_title']}",
        "description: " + yaml_block(spec["scenario_description"], 2, ">-"),
        "order: 2",
        "system_prompt: |",
        f"  {spec['system_prompt']}",
        "few_shot:",
    ]
    for listing in first_per_category(train, 3):
        lines.append("  - question: " + yaml_block(question(listing, spec), 6))
        lines.append(f'    answer: "${money(listing.price)}"')
    lines.append("example_questions:")
    for listing in first_per_category(held_out, 5):
        lines.append("  - " + yaml_block(question(listing, spec), 4))
    lines += [
        "knowledge_base: kb",
        "eval_set: eval.jsonl",
        "train_set: train.jsonl",
        "adapter: pricing",
        "primary_metric: hit_rate  # within $40 or 20% of the listed price",
        "",
    ]
    return "\n".join(lines)


def summary(train: list[Listing], held_out: list[Listing], measured: dict[str, Any]) -> str:
    """Per-category sizes and prices, and every property's measured value."""
    out = [f"train: {len(train)} items, eval: {len(held_out)} items", ""]
    out.append(f"{'category':<18}{'train':>6}{'eval':>6}{'min':>10}{'median':>10}{'max':>10}")
    prices: dict[str, list[float]] = defaultdict(list)
    n_eval: dict[str, int] = defaultdict(int)
    for listing in train + held_out:
        prices[listing.category].append(listing.price)
    for listing in held_out:
        n_eval[listing.category] += 1
    for category, values in prices.items():
        out.append(
            f"{category:<18}{len(values) - n_eval[category]:>6}{n_eval[category]:>6}"
            f"{min(values):>10.2f}{statistics.median(values):>10.2f}{max(values):>10.2f}"
        )
    out += ["", "properties (all hold):"]
    for name, value in measured.items():
        shown = {k: round(v, 3) for k, v in value.items()} if isinstance(value, dict) else value
        if isinstance(shown, tuple):
            shown = tuple(round(v, 3) if isinstance(v, float) else v for v in shown)
        elif isinstance(shown, float):
            shown = round(shown, 3)
        out.append(f"  {name}: {shown}")
    return "\n".join(out)


def load_spec(path: Path = SPEC_PATH) -> dict:
    """The generator's spec."""
    spec: dict = load_yaml(path)
    return spec


def main() -> None:
    """Generate, check every property (exit 1 naming each that fails), then write the files."""
    out = output_dir("Generate the Product pricing scenario's data.", HERE)
    spec = load_spec()
    train, held_out = generate(spec, random.Random(SEED))
    try:
        measured = check_all(train, held_out, spec)
    except PropertyError as error:
        print(f"product-pricing: the data breaks a property the spec fixes.\n{error}", file=sys.stderr)
        raise SystemExit(1) from None
    write_jsonl(
        out / "train.jsonl",
        [chat_item(spec["system_prompt"], question(x, spec), "$" + money(x.price), x.category) for x in train],
    )
    write_jsonl(
        out / "eval.jsonl", [eval_item(question(x, spec), money(x.price), "number", x.category) for x in held_out]
    )
    write_price_list(out / "kb" / "price-list.csv", train[: spec["sizes"]["price_list"]])
    write_scenario(out / "scenario.yaml", scenario_yaml(train, held_out, spec))
    print(summary(train, held_out, measured))


if __name__ == "__main__":
    main()
