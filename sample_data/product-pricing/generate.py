"""Generate the "Product pricing" scenario: invented e-commerce products and their retail prices.

Every product is drawn from one of ten categories. A category has a base price, three to five
invented brands (each with a budget, mid or premium price multiplier) and groups of features whose
options multiply the price (``mult``) or add a fixed amount (``add``). The price is fully determined
by what the description says, up to a little noise:

    price = (base x brand tier x product of feature multipliers + sum of feature additions) x noise

with noise uniform in [0.95, 1.05], then rounded like a shop would (to the dollar below $100, to
$5 below $1,000, to $10 above) and shown as .99 most of the time or .00 otherwise. Products priced
outside $10-$3,000 are drawn again.

The output is deterministic (``random.Random(20261127)``) and written next to this file:

- ``train.jsonl``: 2,000 chat-format training items (system, user = description, assistant = price)
- ``eval.jsonl``: 250 held-out items (other products) in the playground's evaluation format
- ``kb/price-list.csv``: the first 600 training products with their prices, the RAG lane's
  knowledge base (so RAG shows the model the prices of similar products)
- ``scenario.yaml``: the scenario pack, with few-shot examples from train and example questions
  from eval

Run: ``python sample_data/product-pricing/generate.py`` (standard library only).
"""

from __future__ import annotations

import csv
import json
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20261127
HERE = Path(__file__).resolve().parent
N_TRAIN = 2000
N_EVAL = 250
N_PRICE_LIST = 600  # enough neighbours per category, small enough to index in about half a minute on CPU
MIN_PRICE, MAX_PRICE = 10.0, 3000.0
QUESTION_SUFFIX = "\nWhat is the price?"
SYSTEM_PROMPT = (
    "You estimate the retail price in US dollars of a product from its description. "
    "Answer with the price only, like $49.99."
)


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
    openers: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Product:
    category: str
    brand: str
    model: str
    description: str
    price: float


def opt(*phrases: str, mult: float = 1.0, add: float = 0.0, tag: str = "", excludes: tuple[str, ...] = ()) -> Option:
    return Option(tuple(phrases), mult, add, tag, frozenset(excludes))


def warranty(*choices: tuple[int, float]) -> Group:
    """An optional warranty group: (years, multiplier) pairs, phrased several ways."""
    options = tuple(
        opt(
            f"a {years}-year warranty",
            f"{years} years of warranty coverage",
            f"an extended {years}-year warranty",
            mult=mult,
        )
        if years > 1
        else opt("a 1-year warranty", "one year of warranty coverage", mult=mult)
        for years, mult in choices
    )
    return Group("warranty", options, p=0.45)


CATEGORIES: tuple[Category, ...] = (
    Category(
        name="headphones",
        base=70.0,
        plural=True,
        brands=(
            Brand("Sonavik", "budget", 0.6),
            Brand("Auralis", "mid", 1.0),
            Brand("Bellwave", "mid", 1.15),
            Brand("Quietmark", "premium", 1.8),
        ),
        model_stems=("Echo", "Pulse", "Drift", "Halo", "Tempo", "Vela", "Lumen", "Orbit"),
        model_formats=("{stem} {n}00", "{stem} X{n}", "{stem} {n}0 Pro", "{stem}{n}"),
        kinds=Group(
            "form",
            (
                opt("over-ear wireless headphones", "wireless over-ear headphones", mult=1.25),
                opt("on-ear wireless headphones", "wireless on-ear headphones", mult=1.0),
                opt("true wireless earbuds", "wireless earbuds", mult=0.9),
                opt("wired studio headphones", "wired over-ear monitoring headphones", mult=0.75, tag="wired"),
            ),
            required=True,
        ),
        groups=(
            Group(
                "anc",
                (
                    opt("active noise cancelling", "adaptive noise cancellation", mult=1.6, excludes=("wired",)),
                    opt("passive noise isolation", mult=1.0),
                ),
                p=0.7,
            ),
            Group(
                "battery",
                (
                    opt("up to 20 hours of battery life", "20-hour battery life", add=0, excludes=("wired",)),
                    opt("up to 30 hours of battery life", "30-hour battery life", add=12, excludes=("wired",)),
                    opt("up to 45 hours of battery life", "45-hour battery life", add=25, excludes=("wired",)),
                    opt("up to 60 hours of battery life", "a 60-hour battery", add=40, excludes=("wired",)),
                ),
                p=0.7,
            ),
            Group("multipoint", (opt("multipoint Bluetooth 5.3", "multipoint pairing", add=12, excludes=("wired",)),)),
            Group(
                "spatial", (opt("spatial audio with head tracking", "head-tracked spatial audio", mult=1.15),), p=0.3
            ),
            Group("ip", (opt("IPX4 sweat resistance", "an IPX4 water-resistance rating", add=8),), p=0.35),
            Group(
                "driver",
                (
                    opt("40 mm dynamic drivers", add=0),
                    opt("50 mm beryllium-coated drivers", "large 50 mm beryllium drivers", mult=1.3),
                    opt("planar magnetic drivers", mult=1.7),
                ),
                p=0.4,
            ),
            warranty((1, 1.0), (2, 1.08), (3, 1.15)),
        ),
        uses=("daily commuting", "long flights", "open-plan offices", "gym sessions", "late-night gaming"),
    ),
    Category(
        name="laptops",
        base=420.0,
        plural=False,
        brands=(
            Brand("Korvex", "budget", 0.75),
            Brand("Lumenbook", "mid", 1.0),
            Brand("Nimbra", "mid", 1.1),
            Brand("Ardent", "premium", 1.45),
        ),
        model_stems=("Air", "Studio", "Flex", "Core", "Edge", "Slate", "Vector", "Nova"),
        model_formats=("{stem} {n}", "{stem} {n}4", "{stem} S{n}", "{stem} {n} Plus"),
        kinds=Group(
            "size",
            (
                opt("13.3-inch laptop", "13.3-inch ultrabook", mult=1.0),
                opt("14-inch laptop", "14-inch notebook", mult=1.05),
                opt("15.6-inch laptop", "15.6-inch notebook", mult=1.08),
                opt("16-inch laptop", "16-inch performance laptop", mult=1.15),
            ),
            required=True,
        ),
        groups=(
            Group(
                "ram",
                (
                    opt("8 GB RAM", "8 GB of memory", mult=1.0),
                    opt("16 GB RAM", "16 GB of memory", mult=1.2),
                    opt("32 GB RAM", "32 GB of memory", mult=1.5),
                    opt("64 GB RAM", "64 GB of memory", mult=1.85),
                ),
                required=True,
            ),
            Group(
                "ssd",
                (
                    opt("a 256 GB SSD", "256 GB of SSD storage", add=0),
                    opt("a 512 GB SSD", "512 GB of SSD storage", add=60),
                    opt("a 1 TB SSD", "1 TB of SSD storage", add=140),
                    opt("a 2 TB SSD", "2 TB of SSD storage", add=300),
                ),
                required=True,
            ),
            Group(
                "gpu",
                (
                    opt("dedicated graphics with 8 GB VRAM", "a discrete GPU with 8 GB of video memory", mult=1.45),
                    opt("dedicated graphics with 4 GB VRAM", "an entry-level discrete GPU", mult=1.2),
                ),
                p=0.35,
            ),
            Group("oled", (opt("an OLED display", "a vivid OLED screen", mult=1.15),), p=0.3),
            Group("touch", (opt("a touchscreen", "a touch-enabled display", add=70),), p=0.3),
            Group("weight", (opt("a magnesium chassis under 1.2 kg", "an ultralight 1.1 kg body", mult=1.12),), p=0.25),
            warranty((1, 1.0), (2, 1.05), (3, 1.1)),
        ),
        uses=("students", "remote work", "photo editing", "business travel", "software development"),
    ),
    Category(
        name="office chairs",
        base=170.0,
        plural=False,
        brands=(
            Brand("Sitwell", "budget", 0.6),
            Brand("Deskline", "budget", 0.75),
            Brand("Posturo", "mid", 1.0),
            Brand("Ergonord", "premium", 2.2),
        ),
        model_stems=("Task", "Balance", "Align", "Contour", "Mesa", "Atlas", "Fjord"),
        model_formats=("{stem} {n}", "{stem} {n}00", "{stem} C{n}", "{stem} Pro {n}"),
        kinds=Group(
            "material",
            (
                opt("mesh-back office chair", "breathable mesh office chair", mult=1.0),
                opt("bonded-leather office chair", "executive chair in bonded leather", mult=1.1),
                opt("full-grain leather office chair", "executive chair in full-grain leather", mult=1.5),
                opt("fabric task chair", "upholstered fabric task chair", mult=0.9),
            ),
            required=True,
        ),
        groups=(
            Group("lumbar", (opt("adjustable lumbar support", "height-adjustable lumbar support", add=25),), p=0.6),
            Group(
                "arms",
                (
                    opt("fixed armrests", mult=0.9),
                    opt("2D armrests", "height-adjustable armrests", mult=1.0),
                    opt("4D armrests", "fully adjustable 4D armrests", mult=1.15),
                ),
                p=0.7,
            ),
            Group("headrest", (opt("a padded headrest", "an adjustable headrest", add=30),), p=0.45),
            Group("tilt", (opt("a synchro-tilt mechanism", "synchronized seat-and-back tilt", mult=1.2),), p=0.45),
            Group(
                "capacity",
                (
                    opt("a 120 kg weight capacity", "support for users up to 120 kg", add=0),
                    opt("a 150 kg weight capacity", "support for users up to 150 kg", add=20),
                    opt("a heavy-duty 180 kg weight capacity", "a reinforced base rated to 180 kg", add=60),
                ),
                p=0.45,
            ),
            warranty((2, 1.0), (5, 1.1), (12, 1.25)),
        ),
        uses=("home offices", "long workdays", "gaming setups", "shared desks", "reception areas"),
    ),
    Category(
        name="coffee machines",
        base=130.0,
        plural=False,
        brands=(
            Brand("Brewtonic", "budget", 0.65),
            Brand("Caffora", "mid", 1.0),
            Brand("Morning Forge", "mid", 1.2),
            Brand("Vellutti", "premium", 2.0),
        ),
        model_stems=("Barista", "Crema", "Ristretto", "Daybreak", "Aroma", "Lungo"),
        model_formats=("{stem} {n}", "{stem} {n}0", "{stem} S{n}", "{stem} Touch {n}"),
        kinds=Group(
            "type",
            (
                opt("programmable drip coffee maker", "12-cup drip coffee maker", mult=0.45, tag="drip"),
                opt("single-serve pod machine", "capsule coffee machine", mult=0.7, tag="pod"),
                opt("manual espresso machine", "semi-automatic espresso machine", mult=1.6, tag="espresso"),
                opt("bean-to-cup espresso machine", "fully automatic bean-to-cup machine", mult=3.2, tag="auto"),
            ),
            required=True,
        ),
        groups=(
            Group(
                "grinder",
                (
                    opt(
                        "a built-in conical burr grinder",
                        "an integrated burr grinder",
                        add=90,
                        excludes=("pod", "auto"),
                    ),
                ),
                p=0.35,
            ),
            Group(
                "milk",
                (
                    opt("a steam wand for milk frothing", "a manual steam wand", add=40, excludes=("drip",)),
                    opt("an automatic milk system", "one-touch automatic milk frothing", mult=1.3, excludes=("drip",)),
                ),
                p=0.5,
            ),
            Group(
                "tank",
                (
                    opt("a 1.2 L water tank", "a 1.2-liter reservoir", add=0),
                    opt("a 1.8 L water tank", "a 1.8-liter reservoir", add=10),
                    opt("a 2.5 L water tank", "a large 2.5-liter reservoir", add=25),
                ),
                p=0.5,
            ),
            Group(
                "power",
                (
                    opt("a 1000 W heater", "1000 watts of power", mult=1.0),
                    opt("a 1450 W thermoblock", "1450 watts of power", mult=1.06),
                    opt("a 1700 W dual boiler", "a 1700-watt dual-boiler system", mult=1.25, excludes=("drip", "pod")),
                ),
                p=0.5,
            ),
            Group("timer", (opt("a programmable auto-start timer", "a 24-hour brew timer", add=15),), p=0.35),
            Group("carafe", (opt("a thermal stainless-steel carafe", add=20, excludes=("pod", "espresso", "auto")),)),
            warranty((1, 1.0), (2, 1.05), (3, 1.1)),
        ),
        uses=("busy mornings", "small offices", "home baristas", "compact kitchens", "weekend brunches"),
    ),
    Category(
        name="running shoes",
        base=95.0,
        plural=True,
        brands=(
            Brand("Stridelo", "budget", 0.7),
            Brand("Pacefield", "mid", 1.0),
            Brand("Trailnook", "mid", 1.05),
            Brand("Vektor Run", "premium", 1.45),
        ),
        model_stems=("Glide", "Tempo", "Surge", "Ridge", "Volt", "Cadence", "Swift"),
        model_formats=("{stem} {n}", "{stem} {n}.0", "{stem} Elite {n}", "{stem} V{n}"),
        kinds=Group(
            "type",
            (
                opt("road running shoes", "neutral road running shoes", mult=1.0, tag="road"),
                opt("trail running shoes", "off-road trail shoes", mult=1.1, tag="trail"),
                opt("racing flats", "lightweight racing shoes", mult=1.05, tag="race"),
                opt("stability running shoes", "supportive stability trainers", mult=1.08, tag="stability"),
            ),
            required=True,
        ),
        groups=(
            Group(
                "plate",
                (
                    opt("a full-length carbon plate", "a carbon-fiber plate", mult=1.8, excludes=("trail",)),
                    opt("a nylon propulsion plate", "a flexible nylon plate", mult=1.2),
                ),
                p=0.4,
            ),
            Group(
                "foam",
                (
                    opt("an EVA foam midsole", "a classic EVA midsole", mult=1.0),
                    opt("a supercritical foam midsole", "nitrogen-infused supercritical foam", mult=1.3),
                ),
                p=0.7,
            ),
            Group("lugs", (opt("5 mm multidirectional lugs", "grippy 5 mm lugs", add=10, excludes=("road", "race")),)),
            Group("membrane", (opt("a waterproof membrane", "a waterproof breathable lining", add=20),), p=0.3),
            Group("reflective", (opt("reflective overlays", "360-degree reflective details", add=4),), p=0.3),
            Group("edition", (opt("a limited-edition colorway", "a limited-run colorway", mult=1.12),), p=0.2),
        ),
        uses=("marathon training", "daily miles", "race day", "muddy trails", "tempo runs"),
    ),
    Category(
        name="backpacks",
        base=50.0,
        plural=False,
        brands=(
            Brand("Packrat Co.", "budget", 0.6),
            Brand("Ridgeway Goods", "mid", 1.0),
            Brand("Urbanfold", "mid", 1.15),
            Brand("Alpenmark", "premium", 1.9),
        ),
        model_stems=("Rover", "Transit", "Summit", "Daypack", "Nomad", "Cirrus", "Hauler"),
        model_formats=("{stem} {n}", "{stem} {n}0", "{stem} Pack {n}", "{stem} {n}X"),
        kinds=Group(
            "capacity",
            (
                opt("15 L daypack", "compact 15-liter backpack", mult=0.8, tag="small"),
                opt("20 L backpack", "20-liter everyday backpack", mult=0.9, tag="small"),
                opt("25 L backpack", "25-liter commuter backpack", mult=1.0),
                opt("30 L backpack", "30-liter travel backpack", mult=1.1),
                opt("40 L travel pack", "40-liter carry-on backpack", mult=1.3, tag="large"),
                opt("55 L trekking pack", "55-liter hiking backpack", mult=1.6, tag="large"),
                opt("65 L expedition pack", "65-liter trekking backpack", mult=1.8, tag="large"),
            ),
            required=True,
        ),
        groups=(
            Group(
                "material",
                (
                    opt("polyester shell", "a durable polyester body", mult=1.0),
                    opt("recycled nylon fabric", "a recycled ripstop nylon shell", mult=1.15),
                    opt("waxed canvas", "a waxed-canvas exterior", mult=1.3),
                    opt("ultralight high-tenacity ripstop", "an ultralight laminate fabric", mult=1.5),
                ),
                p=0.8,
            ),
            Group("sleeve", (opt("a padded 16-inch laptop sleeve", "a sleeve for laptops up to 16 inches", add=8),)),
            Group(
                "rolltop", (opt("a waterproof roll-top closure", "a roll-top waterproof main compartment", mult=1.2),)
            ),
            Group("hydration", (opt("a hydration-bladder port", "hydration-reservoir compatibility", add=6),), p=0.35),
            Group(
                "frame",
                (
                    opt(
                        "a ventilated suspended back panel", "an adjustable internal frame", add=25, excludes=("small",)
                    ),
                ),
                p=0.45,
            ),
            Group("raincover", (opt("an included rain cover", "a stowable rain cover", add=7),), p=0.35),
            Group("lifetime", (opt("a lifetime warranty", "lifetime repair coverage", mult=1.15),), p=0.25),
        ),
        uses=("city commutes", "weekend trips", "multi-day hikes", "carry-on travel", "campus life"),
    ),
    Category(
        name="drills",
        base=75.0,
        plural=False,
        brands=(
            Brand("Torqwell", "budget", 0.65),
            Brand("Boltline", "mid", 1.0),
            Brand("Grafton Tools", "mid", 1.1),
            Brand("Ironhart Pro", "premium", 1.7),
        ),
        model_stems=("DX", "HD", "TQ", "RX", "BL", "PX"),
        model_formats=("{stem}-{n}00", "{stem}{n}8", "{stem}-{n}5B", "{stem} {n}0"),
        kinds=Group(
            "type",
            (
                opt("cordless drill/driver", "cordless drill driver", mult=1.0),
                opt("cordless hammer drill", "combi hammer drill", mult=1.25),
                opt("cordless impact driver", "compact impact driver", mult=1.1),
                opt("SDS-plus rotary hammer", "SDS rotary hammer drill", mult=1.9),
            ),
            required=True,
        ),
        groups=(
            Group(
                "voltage",
                (
                    opt("a 12 V platform", "12-volt power", mult=0.8),
                    opt("an 18 V platform", "18-volt power", mult=1.0),
                    opt("a 36 V platform", "36-volt power", mult=1.5),
                ),
                required=True,
            ),
            Group(
                "battery",
                (
                    opt(
                        "a bare-tool kit (battery and charger sold separately)",
                        "no battery or charger (bare tool)",
                        mult=0.6,
                    ),
                    opt("one 2.0 Ah battery and charger", "a 2.0 Ah battery with charger", mult=1.0),
                    opt("one 5.0 Ah battery and fast charger", "a 5.0 Ah battery plus fast charger", mult=1.3),
                    opt("two 4.0 Ah batteries and charger", "a pair of 4.0 Ah batteries", mult=1.5),
                ),
                required=True,
            ),
            Group("brushless", (opt("a brushless motor", "a high-efficiency brushless motor", mult=1.25),), p=0.5),
            Group(
                "torque",
                (
                    opt("40 Nm of torque", "40 Nm maximum torque", mult=0.9),
                    opt("60 Nm of torque", "60 Nm maximum torque", mult=1.0),
                    opt("90 Nm of torque", "90 Nm maximum torque", mult=1.1),
                    opt("135 Nm of torque", "135 Nm maximum torque", mult=1.2),
                ),
                p=0.55,
            ),
            Group("case", (opt("a hard carry case", "a stackable tool case", add=15),), p=0.4),
            warranty((2, 1.0), (3, 1.05), (5, 1.12)),
        ),
        uses=("DIY projects", "trade professionals", "masonry work", "deck building", "furniture assembly"),
    ),
    Category(
        name="monitors",
        base=150.0,
        plural=False,
        brands=(
            Brand("Pixelon", "budget", 0.7),
            Brand("Clarivue", "mid", 1.0),
            Brand("Lumidex", "mid", 1.1),
            Brand("Spectra Nine", "premium", 1.55),
        ),
        model_stems=("View", "Vista", "Prime", "Arc", "Pane", "Horizon"),
        model_formats=("{stem} {n}7Q", "{stem} {n}00", "{stem} U{n}", "{stem} {n}M"),
        kinds=Group(
            "size",
            (
                opt("24-inch monitor", "24-inch display", mult=0.85, tag="24"),
                opt("27-inch monitor", "27-inch display", mult=1.0, tag="27"),
                opt("32-inch monitor", "32-inch display", mult=1.3, tag="32"),
                opt("34-inch ultrawide monitor", "34-inch curved ultrawide", mult=1.55, tag="34"),
                opt("49-inch super-ultrawide monitor", "49-inch curved super-ultrawide", mult=2.3, tag="49"),
            ),
            required=True,
        ),
        groups=(
            Group(
                "resolution",
                (
                    opt("Full HD resolution", "1920 x 1080 resolution", mult=1.0, excludes=("32", "34", "49")),
                    opt("QHD resolution", "2560 x 1440 resolution", mult=1.3, excludes=("49",)),
                    opt("4K UHD resolution", "3840 x 2160 resolution", mult=1.7, excludes=("24", "34", "49")),
                ),
                p=0.85,
            ),
            Group(
                "refresh",
                (
                    opt("a 60 Hz refresh rate", "60 Hz refresh", mult=1.0),
                    opt("a 144 Hz refresh rate", "144 Hz refresh", mult=1.2),
                    opt("a 240 Hz refresh rate", "240 Hz refresh for esports", mult=1.4),
                ),
                required=True,
            ),
            Group(
                "panel",
                (
                    opt("a VA panel", mult=0.95),
                    opt("an IPS panel", mult=1.0),
                    opt("a QD-OLED panel", "an OLED panel with per-pixel dimming", mult=1.8),
                ),
                p=0.6,
            ),
            Group("usbc", (opt("USB-C with 90 W power delivery", "a 90 W USB-C port for laptop charging", add=40),)),
            Group("stand", (opt("a height-adjustable stand", "an ergonomic height and tilt stand", add=25),)),
            Group("speakers", (opt("built-in speakers", "integrated 2 x 3 W speakers", add=10),), p=0.3),
            Group("hdr", (opt("HDR 600 certification", "bright HDR 600 support", mult=1.15),), p=0.3),
        ),
        uses=("home offices", "competitive gaming", "photo editing", "spreadsheet work", "video editing"),
    ),
    Category(
        name="blenders",
        base=55.0,
        plural=False,
        brands=(
            Brand("Whirlbee", "budget", 0.6),
            Brand("Kitchenly", "budget", 0.8),
            Brand("Blendura", "mid", 1.0),
            Brand("Vortexa Pro", "premium", 2.1),
        ),
        model_stems=("Mix", "Swirl", "Frost", "Pulse", "Vita", "Blitz"),
        model_formats=("{stem} {n}00", "{stem} {n}", "{stem} Max {n}", "{stem}-{n}0"),
        kinds=Group(
            "type",
            (
                opt("personal blender", "single-serve blender", mult=0.6, tag="personal"),
                opt("hand blender", "immersion stick blender", mult=0.55, tag="hand"),
                opt("countertop blender", "full-size countertop blender", mult=1.0),
                opt("high-performance blender", "professional-grade high-speed blender", mult=1.8, tag="pro"),
            ),
            required=True,
        ),
        groups=(
            Group(
                "wattage",
                (
                    opt("a 300 W motor", "300 watts of power", mult=0.8, excludes=("pro",)),
                    opt("a 600 W motor", "600 watts of power", mult=0.95),
                    opt("a 1000 W motor", "1000 watts of power", mult=1.1),
                    opt("a 1500 W motor", "1500 watts of power", mult=1.3, excludes=("hand",)),
                    opt("a 2200 W motor", "2200 watts of power", mult=1.5, excludes=("hand", "personal")),
                ),
                required=True,
            ),
            Group(
                "jar",
                (
                    opt("a 2 L glass jar", "a 2-liter glass jug", add=15, excludes=("hand", "personal")),
                    opt("a 2 L BPA-free jar", "a 2-liter BPA-free container", add=5, excludes=("hand", "personal")),
                    opt("two 600 ml travel cups", "a pair of 600 ml to-go cups", add=10, excludes=("hand", "pro")),
                ),
                p=0.55,
            ),
            Group("presets", (opt("5 one-touch programs", "five preset programs", add=15),), p=0.45),
            Group("vacuum", (opt("vacuum blending", "a vacuum mode that reduces oxidation", mult=1.35),), p=0.2),
            Group("heating", (opt("a heating element for hot soups", "a built-in soup heater", mult=1.4),), p=0.2),
            Group("speed", (opt("a variable speed dial", "variable speed control", add=10),), p=0.45),
            warranty((1, 1.0), (3, 1.08), (7, 1.2), (10, 1.3)),
        ),
        uses=("morning smoothies", "frozen cocktails", "nut butters", "baby food", "protein shakes"),
    ),
    Category(
        name="tents",
        base=95.0,
        plural=False,
        brands=(
            Brand("Campwell", "budget", 0.65),
            Brand("Trailhaven", "mid", 1.0),
            Brand("Northpine", "mid", 1.1),
            Brand("Summitline", "premium", 1.9),
        ),
        model_stems=("Basecamp", "Ridge", "Meadow", "Hollow", "Bivvy", "Cairn", "Aurora"),
        model_formats=("{stem} {n}", "{stem} {n}P", "{stem} UL{n}", "{stem} {n} Plus"),
        kinds=Group(
            "capacity",
            (
                opt("1-person tent", "solo backpacking tent", mult=0.8, tag="small"),
                opt("2-person tent", "two-person backpacking tent", mult=1.0, tag="small"),
                opt("3-person tent", "three-person dome tent", mult=1.2),
                opt("4-person tent", "four-person family tent", mult=1.4, tag="big"),
                opt("6-person tent", "six-person cabin tent", mult=1.8, tag="big"),
                opt("8-person tent", "eight-person family tent", mult=2.2, tag="big"),
            ),
            required=True,
        ),
        groups=(
            Group(
                "season",
                (
                    opt("3-season design", "three-season construction", mult=1.0),
                    opt("4-season design", "four-season mountaineering build", mult=1.6),
                ),
                p=0.8,
            ),
            Group(
                "poles",
                (
                    opt("fiberglass poles", "shock-corded fiberglass poles", mult=1.0),
                    opt("aluminum poles", "lightweight aluminum poles", mult=1.2),
                    opt("carbon-fiber poles", "ultralight carbon poles", mult=1.5, excludes=("big",)),
                ),
                p=0.7,
            ),
            Group("ultralight", (opt("a trail weight under 1.5 kg", "a packed weight of 1.4 kg", mult=1.4),), p=0.2),
            Group(
                "hydrostatic",
                (
                    opt("a 2000 mm waterproof rating", "2000 mm hydrostatic head", mult=1.0),
                    opt("a 3000 mm waterproof rating", "3000 mm hydrostatic head", mult=1.1),
                    opt("a 5000 mm waterproof rating", "5000 mm hydrostatic head", mult=1.2),
                ),
                p=0.55,
            ),
            Group("footprint", (opt("an included footprint", "a matching ground sheet", add=25),), p=0.35),
            Group("vestibules", (opt("two vestibules", "twin vestibules for gear storage", add=15),), p=0.45),
        ),
        uses=("backcountry trips", "family camping", "festival weekends", "alpine routes", "car camping"),
    ),
)

# Sentence shapes. {the_model} = "the Auralis Echo 300", {kind} = noun phrase, {feats} = joined features.
OPENERS = (
    "{Brand} {model}: {kind} with {feats}.",
    "The {brand} {model} {is} {a_kind} featuring {feats}.",
    "Introducing the {brand} {model}, {a_kind} with {feats}.",
    "{A_kind} from {brand}, the {model} {comes} with {feats}.",
    "Designed for {use}, the {brand} {model} {is} {a_kind} with {feats}.",
    "{Brand}'s {model} {is} {a_kind} that {comes} with {feats}.",
    "Meet the {model} by {brand}: {a_kind} offering {feats}.",
    "{Brand} {model}, {a_kind}. Highlights include {feats}.",
)
SHORT_OPENERS = (
    "{Brand} {model}: {a_kind}.",
    "The {brand} {model} {is} {a_kind} made for {use}.",
    "Meet the {brand} {model}, {a_kind} for {use}.",
    "{A_kind} from {brand}: the {model}.",
)
CONTINUATIONS = (
    "It also has {feats}.",
    "Also included: {feats}.",
    "Other highlights include {feats}.",
    "You also get {feats}.",
    "{It} {adds} {feats}.",
    "On top of that, you get {feats}.",
    "Extras: {feats}.",
)
CLOSERS = (
    "A great pick for {use}.",
    "Ideal for {use}.",
    "Built with {use} in mind.",
)


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
    return {
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": product.description + QUESTION_SUFFIX},
            {"role": "assistant", "content": "$" + money(product.price)},
        ]
    }


def eval_item(product: Product) -> dict:
    return {
        "question": product.description + QUESTION_SUFFIX,
        "reference": money(product.price),
        "kind": "number",
        "source": None,
        "category": product.category,
    }


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_price_list(path: Path, products: list[Product]) -> None:
    path.parent.mkdir(exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["product", "category", "description", "price"])
        for product in products:
            name = f"{product.brand} {product.model}"
            writer.writerow([name, product.category, product.description, money(product.price)])


def yaml_block(text: str, indent: int) -> str:
    """A YAML literal block scalar (|-) for text, indented by indent spaces."""
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))


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
        "description: >-",
        "  Estimating a product's retail price from its description is a specialised skill that is learned",
        "  from thousands of examples, which is fine-tuning's home ground: a LoRA adapter trained on 2,000",
        "  priced products picks up how brand tier, category and features move the price. Prompting with a",
        "  few examples can only guess at the scale, and RAG over similar products helps some by showing",
        "  nearby prices (its knowledge base is a price list of 600 training products), but it cannot",
        "  weigh the features the way a trained model does.",
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
    rng = random.Random(SEED)
    train, held_out = generate(rng)
    write_jsonl(HERE / "train.jsonl", [train_item(p) for p in train])
    write_jsonl(HERE / "eval.jsonl", [eval_item(p) for p in held_out])
    write_price_list(HERE / "kb" / "price-list.csv", train[:N_PRICE_LIST])
    (HERE / "scenario.yaml").write_text(scenario_yaml(train, held_out), encoding="utf-8")
    print(summary(train, held_out))


if __name__ == "__main__":
    main()
