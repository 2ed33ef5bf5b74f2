"""Generate the "Support tone" scenario: customer messages to Tallowmere Systems and house-style replies.

Tallowmere Systems is the fictional industrial-sensor company of the "Company knowledge" scenario
(Kestrel VS-400 vibration sensor, Heron AC-90 acoustic sensor, Wren TG-7 gateway, Plover PX-2 edge
unit, Lens monitoring software). Every reply follows the Tallowmere Care house style:

1. The first line is exactly "Hi <first name>," (the first name from the customer's signature), or
   "Hi there," when the message gives no first name; then a blank line.
2. The first sentence after the greeting names the customer's feeling and situation. It starts with
   "I can imagine how" (problems and complaints), "It truly made our day" (praise) or
   "What a thoughtful idea" (feature requests).
3. Whenever there is something to do, a line "Here's the plan:" follows, then 2 to 4 numbered
   steps ("1. ", "2. ", ...), one per line. Praise gets no steps.
4. One short closing sentence that says what happens next.
5. The last line is exactly "— The Tallowmere Care Team 🛠️", after a blank line.
6. Never "sorry for the inconvenience", "apologise for any inconvenience", "valued customer",
   "unfortunately", "Dear" or "Kind regards"; British spelling throughout (organise, colour,
   licence, prioritise, analyse, metres).

The output is deterministic (``random.Random(20261127)``) and written next to this file:

- ``train.jsonl``: 300 chat-format items (neutral system prompt, customer message, styled reply)
- ``eval.jsonl``: 60 other items in the playground's evaluation format (``kind: text``)
- ``scenario.yaml``: the scenario pack, with few-shot examples from train and example questions
  from eval

Run: ``python sample_data/support-tone/generate.py`` (standard library only).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from string import Formatter

SEED = 20261127
HERE = Path(__file__).resolve().parent
TRAIN_PER_ISSUE = 25
EVAL_PER_ISSUE = 5
SYSTEM_PROMPT = "You are a customer support assistant for Tallowmere Systems."
SIGN_OFF = "— The Tallowmere Care Team 🛠️"
PLAN_LINE = "Here's the plan:"
ACK_OPENERS = ("I can imagine how", "It truly made our day", "What a thoughtful idea")
BANNED = (
    "sorry for the inconvenience",
    "apologise for any inconvenience",
    "apologize for any inconvenience",
    "valued customer",
    "unfortunately",
    "dear ",
    "kind regards",
)
AMERICAN = (
    "color",
    "organiz",
    "prioritiz",
    "analyz",
    "optimiz",
    "customiz",
    "recogniz",
    "authoriz",
    "initializ",
    "license",
    "center",
    "canceled",
    "meters",
    "behavior",
    "favorite",
)

Slots = dict[str, str]

# --- people, places and identifiers ---------------------------------------------------------------

FIRST_NAMES = (
    "Priya", "Tomasz", "Amelia", "Kwame", "Mateo", "Sofia", "Rahul", "Hannah", "Oluwaseun", "Lars",
    "Chloe", "Diego", "Aiko", "Fatima", "Callum", "Niamh", "Jonas", "Elena", "Wei", "Gabriel", "Leila",
    "Sven", "Rosa", "Declan", "Anouk", "Yusuf", "Martina", "Kofi", "Isla", "Pieter", "Mei", "Bogdan",
    "Carmen", "Ravi", "Freya", "Hamza", "Lucia", "Eamon", "Signe", "Thabo", "Joanna", "Arjun", "Maren",
    "Dmitri", "Noelle", "Bastien", "Grace", "Henrik", "Ayesha", "Luca",
)  # fmt: skip
LAST_NAMES = (
    "Okafor", "Lindqvist", "Brennan", "Mensah", "Castellano", "Novak", "Iyer", "Whitcombe", "Adeyemi",
    "Haugen", "Moreau", "Ferreira", "Tanaka", "Rahimi", "McAllister", "Gallagher", "Vogel", "Petrova",
    "Zhang", "Duarte", "Haddad", "Sandberg", "Quintero", "Byrne", "de Vries", "Demir", "Rossi",
    "Owusu", "Fraser", "Janssen", "Lin", "Kowalczyk", "Navarro", "Pillai", "Eriksen", "Qureshi",
)  # fmt: skip
TITLES = (
    "Reliability Engineer", "Maintenance Lead", "Site Manager", "Operations Manager", "Instrument Technician",
    "Asset Manager", "Controls Engineer", "Procurement Officer", "Accounts Payable", "Wind Technician",
)  # fmt: skip
COMPANIES = (
    "Norrvik Paper", "Hollins Creek Wind", "Ostmark Water", "Redgate Aggregates", "Calder Valley Utilities",
    "Brightwater Pumps", "Fenmoor Energy", "Stonecross Cement", "Vantor Rail", "Kessel Mining",
)  # fmt: skip
SITES = (
    "Hollins Creek wind farm", "Marrowgate pumping station", "Eastvale paper mill", "Corran Bay offshore array",
    "Blackfen quarry", "Saltmarsh Road water works", "Kettlewick cement plant", "Dunmore rail depot",
    "Larchfield plant", "Greyholm wind farm", "Pendle Moss treatment works", "Rooksby mine",
)  # fmt: skip
ASSETS = (
    "Pump 3", "Conveyor C2", "the main fan", "Gearbox GB-7", "Kiln fan ID-1", "Compressor 2", "Pump 11",
    "the dryer section", "Turbine T14", "the crusher drive", "Blower B4", "Mill motor M2",
)  # fmt: skip
AGENTS = ("Saoirse", "Joel", "Ana", "Tobias", "Mariam", "Kieran", "Ines", "Olu")
COUNTRIES = ("Norway", "Chile", "Australia", "Poland", "South Africa", "Canada", "Denmark", "Scotland")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
SERIAL_PREFIX = {"Kestrel VS-400": "KV4", "Heron AC-90": "HA9", "Wren TG-7": "WG7", "Plover PX-2": "PP2"}
WARRANTY_YEARS = {"Kestrel VS-400": 3, "Heron AC-90": 2, "Wren TG-7": 3, "Plover PX-2": 2}
SYMPTOMS = {
    "Kestrel VS-400": ("reads zero on all three axes", "drops off the SensorBus several times a day"),
    "Heron AC-90": ("shows constant noise even with the turbine stopped", "has stopped reporting any events"),
    "Wren TG-7": ("won't power on at all", "has a dead Ethernet port"),
    "Plover PX-2": ("fails its boot check every time", "keeps reporting SSD errors"),
}
WORK = {
    "Kestrel VS-400": "a monitoring campaign",
    "Heron AC-90": "the blade inspection season",
    "Wren TG-7": "a busy week on site",
    "Plover PX-2": "a site roll-out",
}


def number(rng: random.Random, digits: int) -> str:
    return str(rng.randint(10 ** (digits - 1), 10**digits - 1))


def common_slots(rng: random.Random) -> Slots:
    """Every generic value a template may use; each case adds its own on top."""
    n = rng.randint(4, 24)
    hour = rng.randint(0, 20)
    product = rng.choice(tuple(SERIAL_PREFIX))
    return {
        "site": rng.choice(SITES),
        "asset": rng.choice(ASSETS),
        "n": str(n),
        "m": str(rng.randint(1, n - 2)),
        "serial": f"KV4-{number(rng, 5)}",
        "so": f"SO-{number(rng, 5)}",
        "inv": f"INV-26-{number(rng, 5)}",
        "po": f"PO {number(rng, 6)}",
        "ticket": f"TC-{number(rng, 6)}",
        "rma": f"RMA-{number(rng, 5)}",
        "amount": f"{rng.randint(900, 24000):,}.00",
        "days": str(rng.randint(3, 9)),
        "weeks": str(rng.randint(2, 5)),
        "months": str(rng.randint(3, 10)),
        "pct": str(rng.randint(12, 96)),
        "hours": str(rng.randint(3, 30)),
        "code": str(rng.randint(200, 249)),
        "t1": f"{hour:02d}:{rng.choice(('00', '15', '30', '45'))}",
        "t2": f"{hour + rng.randint(2, 3):02d}:{rng.choice(('00', '10', '20', '40'))}",
        "day": rng.choice(WEEKDAYS),
        "turbine": f"T{rng.randint(1, 48)}",
        "agent": rng.choice(AGENTS),
        "colleague": rng.choice(FIRST_NAMES),
        "country": rng.choice(COUNTRIES),
        "product": product,
        "product_serial": f"{SERIAL_PREFIX[product]}-{number(rng, 5)}",
        "plover_serial": f"PP2-{number(rng, 5)}",
        "symptom": rng.choice(SYMPTOMS[product]),
        "warranty": str(WARRANTY_YEARS[product]),
        "work": WORK[product],
    }


# --- cases: what the customer writes and how the house style answers -----------------------------


@dataclass(frozen=True)
class Case:
    """One kind of ticket. Templates use the slots; steps empty means no plan (praise)."""

    issue: str
    messages: tuple[str, ...]
    acks: tuple[str, ...]
    contexts: tuple[str, ...]
    steps: tuple[tuple[str, ...], ...]
    closings: tuple[str, ...]
    details: tuple[str, ...] = ()
    extra: Callable[[random.Random, Slots], Slots] | None = None


def _licence_total(rng: random.Random, s: Slots) -> Slots:
    return {"total": f"{240 * int(s['n']):,}"}


def _calibration_plan(rng: random.Random, s: Slots) -> Slots:
    n = rng.randint(30, 240)
    return {"n": str(n), "per_month": str(max(1, round(n / 24)))}


def _within_tolerance(rng: random.Random, s: Slots) -> Slots:
    return {"dev": f"{rng.uniform(1.0, 4.6):.1f}"}


def _out_of_tolerance(rng: random.Random, s: Slots) -> Slots:
    return {"dev": f"{rng.uniform(5.6, 14.0):.1f}"}


def _wrong_item(rng: random.Random, s: Slots) -> Slots:
    pairs = (
        ("SB-10 10 m cables", "SB-25 25 m cables"),
        ("MB-2 magnetic bases", "EK-1 epoxy kits"),
        ("868 MHz WT-1 tags", "915 MHz WT-1 tags"),
        ("NB-1 nacelle brackets", "SP-4 surge protectors"),
    )
    wrong, right = rng.choice(pairs)
    return {"wrong": wrong, "right": right}


def _damaged(rng: random.Random, s: Slots) -> Slots:
    return {"part": rng.choice(("a cracked housing", "a smashed front panel", "a bent mounting plate"))}


CASES: tuple[Case, ...] = (
    # battery ------------------------------------------------------------------------------------
    Case(
        "battery",
        messages=(
            "The WT-1 wireless tags on our Wren TG-7 at {site} are running flat after only {months} months.",
            "Our WT-1 tags are eating batteries. We installed them {months} months ago at {site} and several are "
            "already nearly empty.",
            "Battery level on the WT-1 tags connected to the Wren at {site} is dropping way faster than the spec "
            "sheet says, and they're only {months} months old.",
        ),
        details=(
            "{m} of the {n} tags now show under 10% in Lens.",
            "It's {m} tags out of {n} so far, all on the same gateway.",
            "The ones furthest from the gateway seem to be the worst.",
        ),
        acks=(
            "I can imagine how frustrating it is to see tags that should last for years running flat after "
            "{months} months.",
            "I can imagine how disheartening it is to find half-empty batteries on tags you've only just installed.",
        ),
        contexts=(
            "WT-1 batteries are rated for about six years at the default 10-minute reporting interval, so "
            "something is making these tags work much harder than they should.",
            "At the default 10-minute interval a WT-1 should run for around six years, so we'll find out what's "
            "draining them.",
        ),
        steps=(
            (
                "In Lens, open the Wren TG-7 at {site} and check the reporting interval of the affected tags; "
                "anything shorter than 10 minutes cuts battery life sharply.",
                "Check whether those tags sit more than about 120 metres from the gateway or behind steel, as weak "
                "links make them retry and drain faster.",
                "Send us the serial numbers of the low tags and we'll analyse their radio logs.",
                "If the logs point to a fault, we'll replace the tags under warranty.",
            ),
        ),
        closings=(
            "Once we have the serials, we'll come back to you within one working day.",
            "Reply with those serials whenever you're ready and we'll take it from there.",
        ),
    ),
    Case(
        "battery",
        messages=(
            "The handheld shaker in our CK-5 calibration kit won't hold a charge any more; it dies after "
            "{m} or so checks.",
            "Our CK-5 shaker battery is shot. Fully charged overnight and it still gave up halfway through our "
            "round at {site}.",
            "Is there a replacement battery for the CK-5 shaker? Ours lasts barely an hour now.",
        ),
        details=(
            "The kit is about three years old.",
            "We use it for the Kestrel checks at {site}.",
            "It's the only CK-5 we have, so this is slowing us down.",
        ),
        acks=(
            "I can imagine how tiresome it is when the shaker gives up halfway through a round of checks.",
            "I can imagine how annoying it is to plan a day of field checks and then lose the shaker before lunch.",
        ),
        contexts=(
            "A healthy CK-5 shaker should get through a full shift of checks on one charge, so the battery pack "
            "has most likely worn out.",
        ),
        steps=(
            (
                "Charge the shaker for a full four hours with the supplied charger rather than a USB hub.",
                "Run one check and note the battery level the Lens mobile app shows before and after it.",
                "Reply with those two numbers and the kit's serial number, and we'll organise a replacement "
                "battery pack if it's worn.",
            ),
            (
                "Send us the kit's serial number and roughly how many checks a charge gets you now.",
                "We'll organise a replacement battery pack, which you can fit yourself in a few minutes.",
                "If the kit is due for its annual recalibration anyway, we can swap the battery while it's with us.",
            ),
        ),
        closings=(
            "We'll have a new battery pack on its way as soon as we hear back.",
            "Either way, you'll have a working shaker again before your next round.",
        ),
    ),
    Case(
        "battery",
        messages=(
            "Since the last Lens app update my phone's battery drains really fast.",
            "The Lens mobile app is killing my phone battery. I'm out on site all day and it's dead by 2 pm.",
            "Is anyone else seeing the Lens app drain their battery? My phone gets hot in my pocket.",
        ),
        details=(
            "I mostly use it to check alarms at {site}.",
            "I only keep one dashboard open.",
            "",
        ),
        acks=(
            "I can imagine how annoying it is when an app you rely on in the field eats through your phone's battery.",
            "I can imagine how frustrating it is to be out on site with a phone that won't last the day.",
        ),
        contexts=(
            "The usual culprit is live trend refresh running in the background, which is easy to tame.",
            "Most of that drain comes from live refresh and location running in the background, and both can be "
            "switched off.",
        ),
        steps=(
            (
                "In the Lens app, open Settings and set live trend refresh to Manual when you're not watching a "
                "machine.",
                "Turn off background location for Lens; it's only used for the site map.",
                "Update to the newest app version, as the latest release optimises background syncing.",
            ),
        ),
        closings=(
            "If the drain carries on after that, reply with your phone model and app version and we'll dig in.",
            "Give it a day with these settings and let us know how the battery holds up.",
        ),
    ),
    # pairing ------------------------------------------------------------------------------------
    Case(
        "pairing",
        messages=(
            "I'm trying to add {n} new WT-1 tags to the Wren TG-7 at {site}, but they never show up in the "
            "pairing list.",
            "New WT-1 tags won't pair with our Wren gateway. The scan finishes and finds nothing.",
            "We can't get the WT-1 wireless tags to connect to the TG-7 at {site}. Tried three times now.",
        ),
        details=(
            "The gateway itself is online and the existing tags work fine.",
            "They arrived last week in a fresh box of {n}.",
            "I'm standing right next to the gateway.",
        ),
        acks=(
            "I can imagine how frustrating it is to stand next to a gateway with a box of tags that simply won't "
            "appear.",
            "I can imagine how puzzling it is when the scan finishes and comes back empty.",
        ),
        contexts=(
            "New tags usually pair within a minute, so let's find out what's in the way.",
            "When a whole batch refuses to pair, it's nearly always the radio band or the tags still being asleep.",
        ),
        steps=(
            (
                "Check that the tags and the gateway use the same band: 868 MHz in Europe, 915 MHz in the Americas "
                "and Australia (it's printed on the tag label).",
                "Wake each tag by holding a magnet to the marked spot for five seconds until the LED blinks green.",
                "In Lens, open the gateway, choose Add tags and keep the tags within a few metres of the Wren while "
                "it scans.",
                "If they still don't appear, send us the tag serials and we'll check them against the gateway's "
                "allow-list.",
            ),
        ),
        closings=(
            "Most batches show up straight after the wake-up step, so fingers crossed.",
            "Let us know how the next scan goes.",
        ),
    ),
    Case(
        "pairing",
        messages=(
            "We've wired {n} new Kestrel VS-400 sensors to the Wren TG-7 at {site}, but Lens only sees {m} of them.",
            "Only some of our Kestrel sensors are showing up after the install at {site}. The rest are missing in "
            "Lens.",
            "Lens isn't detecting all of the VS-400s on our gateway: {m} appear, the others don't.",
        ),
        details=(
            "They're daisy-chained on SensorBus port 2.",
            "The cable run is fairly long, maybe 90 m.",
            "Installer says everything is connected properly.",
        ),
        acks=(
            "I can imagine how puzzling it is when some sensors on the same bus show up and others don't.",
            "I can imagine how frustrating it is to finish an install and find sensors missing in Lens.",
        ),
        contexts=(
            "When only part of a SensorBus chain appears, it's nearly always cabling or termination rather than "
            "the sensors themselves.",
        ),
        steps=(
            (
                "Check that each SensorBus segment on that port stays under 100 metres.",
                "Make sure the last sensor on each chain has its terminator cap fitted.",
                "In Lens, run Rescan SensorBus on the gateway and note which serials are missing.",
                "Reply with those serials and a photo of the wiring, and we'll go through it with you.",
            ),
        ),
        closings=(
            "We'll get the missing sensors showing up, one way or another.",
            "Send the rescan results over when you have them.",
        ),
    ),
    Case(
        "pairing",
        messages=(
            "Our new Heron AC-90 isn't recognised by the Plover PX-2; the Heron input stays grey in Lens.",
            "Plover PX-2 doesn't detect the Heron sensor we just installed on turbine {turbine}.",
            "Hooked up a Heron AC-90 to our Plover at {site} and nothing. No events, input shows as disconnected.",
        ),
        details=(
            "Blade install was done yesterday.",
            "The Kestrels on the same Plover work fine.",
            "We used the cable that came in the HB-3 kit.",
        ),
        acks=(
            "I can imagine how disheartening it is to finish a blade install and then see a grey input.",
            "I can imagine how frustrating it is after a climb to find the Heron isn't talking to the Plover.",
        ),
        contexts=(
            "Herons connect only to the Plover's high-speed Heron inputs, not the SensorBus ports, so that's the "
            "first thing to check.",
        ),
        steps=(
            (
                "Make sure the Heron cable sits in one of the high-speed inputs marked H1 to H4.",
                "Check that the Plover runs the latest Lens Edge runtime (Settings, then About, in Lens).",
                "Power-cycle the Plover and give the input five minutes to initialise.",
                "If it stays grey, send us the Heron serial and we'll look at the Plover's logs remotely.",
            ),
        ),
        closings=(
            "Nine times out of ten it's the input port, so that's worth checking first.",
            "We can look at the logs the moment you send the serial.",
        ),
    ),
    Case(
        "pairing",
        messages=(
            "I can't add our new Plover PX-2 to our Lens account. The claim code is rejected.",
            "Lens says 'invalid claim code' when I try to register the Plover PX-2 we received.",
            "How do I get a Plover PX-2 into Lens? The claim step keeps failing for our {site} unit.",
        ),
        details=(
            "I've typed the code from the box three times.",
            "The unit has power and the lights look normal.",
            "Serial is {plover_serial} if that helps.",
        ),
        acks=(
            "I can imagine how irritating it is to have brand-new hardware on the bench that won't join your account.",
            "I can imagine how frustrating it is to be stuck at the very first step of a roll-out.",
        ),
        contexts=(
            "A rejected claim code usually comes down to which label the code was read from, or the unit not yet "
            "being online.",
        ),
        steps=(
            (
                "Use the claim code on the label under the Plover's mounting plate; the one on the box sleeve is "
                "for stock control.",
                "Make sure the Plover has internet access on its first Ethernet port, as it must reach Lens to be "
                "claimed.",
                "Sign in to Lens as an organisation admin, since only admins can claim devices.",
                "If the code is still rejected, reply with the serial number and we'll release it to your "
                "organisation manually.",
            ),
        ),
        closings=(
            "Once it's claimed, the Plover picks up its configuration from Lens within a few minutes.",
            "We'll have it in your account today if the label doesn't do the trick.",
        ),
    ),
    # firmware update ----------------------------------------------------------------------------
    Case(
        "firmware_update",
        messages=(
            "The firmware update to 4.8.2 on our Kestrel VS-400s has been stuck at {pct}% for {hours} hours.",
            "Kestrel firmware update at {site} hangs at {pct}% and never finishes.",
            "OTA update for the VS-400 sensors is frozen. Progress bar hasn't moved from {pct}% since {day}.",
        ),
        details=(
            "It's {n} sensors on one Wren.",
            "The gateway is on LTE out there.",
            "Are the sensors still measuring while this is going on?",
        ),
        acks=(
            "I can imagine how nerve-racking it is to watch an update sit at {pct}% on sensors you depend on.",
            "I can imagine how worrying it is when an update stalls on machines that are still running.",
        ),
        contexts=(
            "The good news is that a stalled update never leaves a Kestrel without working firmware: it keeps "
            "running the previous version until the new one is fully verified.",
        ),
        steps=(
            (
                "Check that the gateway is online in Lens and not on a weak LTE link, as updates pause when the "
                "link drops.",
                "Cancel the stalled job under Devices, then Firmware, and start it again for the affected sensors "
                "only.",
                "Update no more than eight sensors per gateway at a time.",
                "If it stalls again, send us the job ID and we'll check the logs.",
            ),
        ),
        closings=(
            "Once the cancelled job is restarted in smaller batches, it usually completes within the hour.",
            "Your sensors keep measuring throughout, so there's no gap in monitoring while we sort this.",
        ),
    ),
    Case(
        "firmware_update",
        messages=(
            "After last night's update our Wren TG-7 at {site} keeps rebooting every few minutes.",
            "Wren gateway is in a reboot loop since the firmware update on {day}.",
            "Our TG-7 went into a restart cycle right after updating. Lights come on, then it resets.",
        ),
        details=(
            "We're worried about losing data.",
            "It serves {n} sensors on the site.",
            "Nobody touched it physically.",
        ),
        acks=(
            "I can imagine how worrying it is to see a gateway rebooting when it's meant to be your eyes on the site.",
            "I can imagine how unsettling it is when an update leaves a gateway stuck in a loop.",
        ),
        contexts=("The Wren buffers up to 30 days of readings, so no data should be lost while we sort this out.",),
        steps=(
            (
                "Disconnect the power for 30 seconds, then reconnect it, to give the gateway a clean start.",
                "If it still loops, hold the reset button for ten seconds to roll back to the previous firmware.",
                "Send us the gateway serial so we can pause automatic updates on it until we know the cause.",
                "We'll prioritise a fix and check with you before the update is tried again.",
            ),
        ),
        closings=(
            "Once it's stable, the buffered readings will upload on their own.",
            "Reply with the serial and we'll take it from there.",
        ),
    ),
    Case(
        "firmware_update",
        messages=(
            "The Lens Edge update on our Plover PX-2 failed with error E-{code}.",
            "Got 'update failed E-{code}' on the Plover at {site}. What does that mean?",
            "Plover PX-2 runtime update won't install, keeps showing E-{code}.",
        ),
        details=(
            "The unit has been running for about a year without issues.",
            "It's the Plover on turbine {turbine}.",
            "We tried twice.",
        ),
        acks=(
            "I can imagine how tiresome it is to get a failed update message with no clue what it means.",
            "I can imagine how annoying it is when an update fails on a unit that has otherwise been rock solid.",
        ),
        contexts=(
            "Errors in the E-2xx range usually mean the Plover ran short of storage while unpacking the update.",
        ),
        steps=(
            (
                "In Lens, open the Plover and clear the local event cache under Storage.",
                "Restart the update from Devices, then Firmware.",
                "Leave the unit powered and online for 20 minutes while it installs.",
            ),
        ),
        closings=(
            "If E-{code} appears again, send us the Plover's serial and we'll analyse the update log.",
            "That should see it through; let us know if the error comes back.",
        ),
    ),
    Case(
        "firmware_update",
        messages=(
            "Is it safe to install Kestrel firmware 4.8.2 while the line is in production?",
            "Should we update our VS-400s to 4.8.2 now or wait for a shutdown?",
            "Quick one: do the Kestrel sensors stop measuring during a firmware update?",
        ),
        details=(
            "We have {n} sensors at {site} and can't afford downtime.",
            "Our next planned stop is in {weeks} weeks.",
            "",
        ),
        acks=(
            "I can imagine how uneasy it feels to change anything on a line that can't stop.",
            "I can imagine how careful you need to be with sensors on a line that runs around the clock.",
        ),
        contexts=(
            "4.8.2 fixes a rare timestamp drift, and sensors keep measuring during the update apart from a restart "
            "of about a minute.",
        ),
        steps=(
            (
                "Schedule the update in Lens for a quiet shift or a planned stop.",
                "Start with two or three sensors and check their readings before rolling out to the rest.",
                "Set an alarm suppression window for the update so the restarts don't raise false alarms.",
            ),
        ),
        closings=(
            "That way you get the fix without any surprises on the line.",
            "If you'd like us to keep an eye on the first batch with you, just say the word.",
        ),
    ),
    # billing ------------------------------------------------------------------------------------
    Case(
        "billing",
        messages=(
            "Our invoice {inv} is 10% higher than the quote for our Lens Professional subscription.",
            "Why is there a surcharge on invoice {inv}? We expected the quoted price.",
            "Invoice {inv} doesn't match what sales told us. It's about ten percent over.",
        ),
        details=(
            "Total on the invoice is ${amount}.",
            "Our finance team won't approve it until this is cleared up.",
            "",
        ),
        acks=(
            "I can imagine how unwelcome it is to open an invoice and find a number you didn't expect.",
            "I can imagine how awkward it is to have finance holding an invoice that doesn't match the quote.",
        ),
        contexts=(
            "The extra 10% is the surcharge for monthly billing; subscriptions billed annually in advance don't "
            "carry it.",
        ),
        steps=(
            (
                "Check whether your account is set to monthly billing under Admin, then Billing, in Lens.",
                "If you'd rather switch to annual billing, reply to this email and we'll organise it from your next "
                "renewal.",
                "If you never asked for monthly billing, we'll credit the surcharge on invoice {inv}.",
            ),
        ),
        closings=(
            "Either way, we'll make sure the invoice matches what you agreed to.",
            "Let us know which applies and we'll sort the invoice the same day.",
        ),
    ),
    Case(
        "billing",
        messages=(
            "We were charged twice for invoice {inv}: two payments of ${amount} on our card.",
            "Double payment taken for {inv}: ${amount}, twice. Please refund one of them.",
            "Our bank statement shows ${amount} taken twice for the same Lens invoice ({inv}).",
        ),
        details=(
            "Both went through on {day}.",
            "This has left our account overdrawn.",
            "",
        ),
        acks=(
            "I can imagine how alarming it is to see the same payment leave your account twice.",
            "I can imagine how stressful it is to find an unexpected ${amount} missing from your account.",
        ),
        contexts=("I've checked, and the second payment is a duplicate, so it will come straight back to you.",),
        steps=(
            (
                "I've flagged invoice {inv} to our finance team as a duplicate payment.",
                "The second charge of ${amount} will be refunded to the same card within five working days.",
                "You'll get a credit note by email once the refund is authorised.",
            ),
        ),
        closings=(
            "If the refund hasn't reached you by then, reply here and I'll chase it personally.",
            "I'll keep an eye on it until the money is back with you.",
        ),
    ),
    Case(
        "billing",
        messages=(
            "Our accounts payable team rejected invoice {inv} because it doesn't show our PO number {po}.",
            "Can you reissue {inv} with our purchase order number on it? It's {po}.",
            "Invoice {inv} can't be paid without a PO reference. Ours is {po}.",
        ),
        details=(
            "We can't process any invoice without one.",
            "This is the second time this has happened.",
            "",
        ),
        acks=(
            "I can imagine how tiresome it is to have an invoice bounced back by your own accounts team.",
            "I can imagine how frustrating it is to be stuck in a loop between two finance departments.",
        ),
        contexts=("That's a quick fix, and we can stop it happening on future invoices too.",),
        steps=(
            (
                "I've asked our billing team to reissue invoice {inv} with {po} on it.",
                "The corrected invoice will reach you within two working days.",
                "To avoid this next time, add the PO under Admin, then Billing, then Purchase orders, in Lens and it "
                "will appear on every invoice.",
            ),
        ),
        closings=(
            "The due date will move with the reissued invoice, so there's no rush on payment.",
            "Reply here if your team needs anything else on the invoice.",
        ),
    ),
    Case(
        "billing",
        messages=(
            "We got an invoice for a 'Lens Edge licence' on our {n} Plover PX-2 units. I thought the software was "
            "included?",
            "Why are we being billed $240 each for Lens Edge on our {n} Plovers? We already paid for the units.",
            "Invoice {inv} charges us for Lens Edge on {n} Plovers. Is that right?",
        ),
        details=(
            "The units have been in service at {site} for a while.",
            "Nobody mentioned a yearly fee when we bought them.",
            "",
        ),
        acks=(
            "I can imagine how confusing it is to get a charge for software you thought you'd already paid for.",
            "I can imagine how unwelcome a surprise line on an invoice is.",
        ),
        contexts=(
            "The first year of the Lens Edge licence is included with each Plover PX-2; from the second year it's "
            "$240 per unit per year, so {n} units come to ${total}.",
        ),
        steps=(
            (
                "Check the install dates of your Plover units in Lens under Devices; the renewal starts a year "
                "after each one shipped.",
                "If any unit is less than a year old, reply with its serial and we'll correct the invoice.",
                "If you'd like all the licences to renew on a single date, we can align them on your next invoice.",
            ),
        ),
        closings=(
            "We'll make sure you only pay for the licence years you've actually used.",
            "Happy to walk your finance team through it on a call if that helps.",
        ),
        extra=_licence_total,
    ),
    Case(
        "billing",
        messages=(
            "Can you send me a copy of invoice {inv}? Our old finance contact has left.",
            "I need invoice {inv} again, and please change the billing contact to me.",
            "Who do I speak to about updating the billing contact on our Lens account? Also need a copy of {inv}.",
        ),
        details=(
            "I've taken over accounts from {colleague}.",
            "Our auditors are asking for it.",
            "",
        ),
        acks=(
            "I can imagine how awkward it is to chase paperwork when the person who handled it has moved on.",
            "I can imagine how fiddly it is to pick up someone else's accounts halfway through the year.",
        ),
        contexts=("Both are easy to sort, and you'll have the copy today.",),
        steps=(
            (
                "I've sent a copy of invoice {inv} to this email address.",
                "To update the billing contact, go to Admin, then Billing, in Lens and replace the old details.",
                "If you don't have admin rights, reply with the new contact's name and email and we'll change it "
                "for you.",
            ),
        ),
        closings=(
            "From then on, every invoice will come straight to the right person.",
            "Shout if your auditors need any older invoices too.",
        ),
    ),
    # data gaps in Lens -----------------------------------------------------------------------------
    Case(
        "data_gaps",
        messages=(
            "There are gaps in the Lens trend charts for {asset} at {site}: nothing between {t1} and {t2} on {day}.",
            "Missing data in Lens for {asset}. The chart just stops for a couple of hours on {day}.",
            "Why are there holes in our vibration trends? {asset} at {site} has no readings for part of {day}.",
        ),
        details=(
            "Other assets on the same site look fine.",
            "We need that period for a root-cause report.",
            "It has happened twice this month.",
        ),
        acks=(
            "I can imagine how unsettling it is to open Lens and find holes in the trend for {asset}.",
            "I can imagine how frustrating it is to hit a gap right where you need the data.",
        ),
        contexts=(
            "Gaps like this usually mean the gateway lost its uplink; the Wren keeps up to 30 days of readings and "
            "uploads them once the link is back.",
        ),
        steps=(
            (
                "In Lens, check the gateway's connection history for that window.",
                "If it shows offline, check the LTE signal or Ethernet link at the site.",
                "Once the link is back, allow up to an hour for the buffered readings to fill the gap.",
                "If the gap is still there after that, send us the gateway serial and we'll analyse its logs.",
            ),
        ),
        closings=(
            "In most cases the missing readings reappear on their own once the upload finishes.",
            "We'll make sure you have that period back for your report.",
        ),
    ),
    Case(
        "data_gaps",
        messages=(
            "Since {t1} this morning no data at all has come in from {site}.",
            "URGENT: the whole {site} site is offline in Lens.",
            "Every asset at {site} went grey in Lens around {t1}. Nothing is updating.",
        ),
        details=(
            "We have {n} machines monitored there.",
            "We're running without any monitoring until this is fixed.",
            "Is it on your side or ours?",
        ),
        acks=(
            "I can imagine how stressful it is to lose sight of an entire site at once.",
            "I can imagine how worrying it is to have {site} running with no monitoring at all.",
        ),
        contexts=(
            "A whole site going quiet counts as a P1 ticket, so I've raised it with our on-call engineers straight "
            "away.",
        ),
        steps=(
            (
                "Check whether the site has mains power and whether the gateway's status light is solid green.",
                "If someone is on site, ask them to restart the gateway or Plover.",
                "Our on-call engineer will contact you as soon as they've checked the site's connection from our side.",
            ),
        ),
        closings=(
            "Nothing measured during the outage is lost: it's buffered locally and will upload once the link is back.",
            "We'll keep you updated until every asset is green again.",
        ),
    ),
    Case(
        "data_gaps",
        messages=(
            "The readings from our Kestrel sensors at {site} have timestamps that are about {m} minutes off.",
            "Timestamps on the VS-400 data look shifted. Events appear {m} minutes later than they happened.",
            "Our Kestrel trends don't line up with the SCADA logs anymore, there's a {m} minute offset.",
        ),
        details=(
            "It started after a long network outage last month.",
            "It makes correlating alarms almost impossible.",
            "",
        ),
        acks=(
            "I can imagine how maddening it is when two systems tell the same story {m} minutes apart.",
            "I can imagine how frustrating it is to correlate alarms when the clocks don't agree.",
        ),
        contexts=(
            "This matches a timestamp drift that can happen when the gateway loses its time source for more than "
            "72 hours, which firmware 4.8.2 fixes.",
        ),
        steps=(
            (
                "Check the Kestrel firmware version under Devices in Lens.",
                "If it's older than 4.8.2, schedule the update for those sensors.",
                "Make sure the gateway can reach its time server (NTP on port 123).",
                "Reply once that's done and we'll help you realign the affected readings.",
            ),
        ),
        closings=(
            "After the update, new readings will carry the right time.",
            "We'll stay on this with you until the trends line up again.",
        ),
    ),
    Case(
        "data_gaps",
        messages=(
            "The Heron blade dashboard shows no events for turbine {turbine} since {day}, but the other turbines "
            "are fine.",
            "One of our turbines ({turbine}) has gone completely quiet on the Heron dashboard.",
            "No acoustic events from {turbine} at {site} for days. Is the Heron dead?",
        ),
        details=(
            "There was a storm around then.",
            "We had a service visit on that turbine last week.",
            "",
        ),
        acks=(
            "I can imagine how worrying it is when one turbine goes silent on the blade dashboard.",
            "I can imagine how uneasy it feels to lose the blade data on a single turbine.",
        ),
        contexts=("A quiet Heron can simply mean a calm blade, but a complete stop is worth checking.",),
        steps=(
            (
                "In Lens, check that the Plover on {turbine} is online and its Heron inputs show green.",
                "Look at the Heron's noise floor on the input page; a flat line means the sensor or cable is not "
                "connected.",
                "If it is flat, check the slip-ring connection on the next tower climb.",
                "Send us the Plover serial and we'll review the raw input from our side in the meantime.",
            ),
        ),
        closings=(
            "We'll tell you what we see in the raw data before anyone has to climb.",
            "Between the two checks we'll find where the signal stops.",
        ),
    ),
    # shipping delay -----------------------------------------------------------------------------
    Case(
        "shipping_delay",
        messages=(
            "Our order {so} for {n} Kestrel VS-400 sensors was supposed to arrive on {day} and hasn't turned up.",
            "Where is order {so}? The delivery date has passed.",
            "Still waiting on {so}. Our installers are booked for next week at {site}.",
        ),
        details=(
            "We have a crane booked, so dates matter.",
            "Nobody has sent a tracking number.",
            "",
        ),
        acks=(
            "I can imagine how frustrating it is to plan an installation around a delivery that doesn't arrive.",
            "I can imagine how stressful it is to have installers booked and no sensors in sight.",
        ),
        contexts=("That's on us, and I want to get you a firm date today.",),
        steps=(
            (
                "I've asked our Fargo dispatch team for the exact status of order {so}.",
                "You'll have the carrier's tracking link and a firm delivery date from us by the end of the day.",
                "If the sensors can't reach you in time for your install, we'll ship part of the order express at "
                "our cost.",
            ),
        ),
        closings=(
            "Your install date is the priority, and we'll plan around it.",
            "I'll be in touch again before the end of the day.",
        ),
    ),
    Case(
        "shipping_delay",
        messages=(
            "Tracking for order {so} hasn't updated in {days} days.",
            "The parcel for {so} seems to be stuck. Same tracking status for {days} days.",
            "Is {so} lost? Tracking hasn't moved since last week.",
        ),
        details=(
            "It's our replacement {product}.",
            "We need it for {site}.",
            "",
        ),
        acks=(
            "I can imagine how unsettling it is to watch a tracking page that hasn't moved in days.",
            "I can imagine how frustrating it is to wait on a parcel that seems to have vanished.",
        ),
        contexts=("Let's not leave it to chance.",),
        steps=(
            (
                "I've opened a trace with the carrier for order {so}.",
                "We'll update you as soon as they confirm where the parcel is, and in any case within two working "
                "days.",
                "If it turns out to be lost, we'll dispatch a replacement straight away rather than wait for the "
                "claim.",
            ),
        ),
        closings=(
            "Either way, you'll have what you ordered without having to chase us again.",
            "I'll keep the trace open until the parcel is with you.",
        ),
    ),
    Case(
        "shipping_delay",
        messages=(
            "We received only {m} of the {n} items on order {so}.",
            "Order {so} arrived incomplete: {m} units instead of {n}.",
            "Part of our order is missing. {so} was for {n} units and the box had {m}.",
        ),
        details=(
            "The packing slip lists all {n}.",
            "We can't finish the install at {site} with what arrived.",
            "",
        ),
        acks=(
            "I can imagine how annoying it is to open a delivery and find it short.",
            "I can imagine how frustrating it is to have half an install's worth of hardware on the floor.",
        ),
        contexts=("Larger orders sometimes leave Fargo in two consignments, but you should have been told.",),
        steps=(
            (
                "Check the packing list in the box against order {so} to see whether it mentions a second consignment.",
                "I've asked dispatch whether the rest of the order is already on its way.",
                "If it isn't, we'll send the missing units at our expense.",
            ),
        ),
        closings=(
            "I'll confirm with you today which of the two it is.",
            "Either way, the rest of your order is now being tracked by a real person.",
        ),
    ),
    Case(
        "shipping_delay",
        messages=(
            "Our {product} shipment (order {so}) is stuck at customs in {country}.",
            "Customs in {country} are holding order {so}. They say paperwork is missing.",
            "The carrier says our Tallowmere order {so} is held at customs in {country}. What do we do?",
        ),
        details=(
            "It's been there {days} days.",
            "The broker wants a commercial invoice.",
            "",
        ),
        acks=(
            "I can imagine how frustrating it is to know your equipment is sitting in a customs warehouse.",
            "I can imagine how tiresome it is to be caught between a carrier and a customs office.",
        ),
        contexts=("Customs holds are almost always about paperwork, and we can supply all of it.",),
        steps=(
            (
                "Send us the customs reference from the carrier's notice.",
                "We'll send your broker the commercial invoice and export classification for order {so} today.",
                "Once the broker has the papers, clearance usually takes two to three working days.",
            ),
        ),
        closings=(
            "We'll keep in touch with the broker until the shipment is released.",
            "Reply with that reference and we'll do the rest.",
        ),
    ),
    # returns and RMA ----------------------------------------------------------------------------
    Case(
        "returns_rma",
        messages=(
            "Our {product} (serial {product_serial}) has failed: it {symptom}. How do we return it?",
            "We have a faulty {product} at {site}, serial {product_serial}. It {symptom}. Is it covered?",
            "{product} serial {product_serial} {symptom}. Need a warranty replacement please.",
        ),
        details=(
            "It was installed about a year ago.",
            "We've already tried a power cycle.",
            "",
        ),
        acks=(
            "I can imagine how disheartening it is when a {product} gives up in the middle of {work}.",
            "I can imagine how frustrating it is to lose a unit you were counting on.",
        ),
        contexts=("The {product} carries a {warranty}-year warranty, so this will be a free warranty claim.",),
        steps=(
            (
                "Open a return request in the support portal and quote serial {product_serial}; you'll get an RMA "
                "number straight away.",
                "Ship the unit to Fargo within 15 days of the RMA being issued; we cover the return shipping.",
                "Our quality team will test it within five working days and repair or replace it.",
            ),
        ),
        closings=(
            "If your support plan includes advance replacement, we'll send the new unit before the old one arrives.",
            "We'll keep you posted at each step until the replacement is on site.",
        ),
    ),
    Case(
        "returns_rma",
        messages=(
            "We ordered {m} more {product} units than we need. Can we send the unused ones back?",
            "Can we return {m} unopened {product} units from order {so}? The project was scaled down.",
            "What's your returns policy for unused hardware? We have {m} spare {product} units.",
        ),
        details=(
            "They're still sealed.",
            "Delivery was about two weeks ago.",
            "",
        ),
        acks=(
            "I can imagine how easily that happens when a project changes scope halfway through.",
            "I can imagine how annoying it is to have spare stock sitting in the store room.",
        ),
        contexts=(
            "Unused products in their original packaging can come back within 30 days of delivery for a refund, "
            "less a 12% restocking fee.",
        ),
        steps=(
            (
                "Check that the units are unopened and within 30 days of delivery.",
                "Reply with your order number and how many units you'd like to return, and we'll send a return label.",
                "Once the units reach Fargo, your refund, less the restocking fee, is processed within five working "
                "days.",
            ),
        ),
        closings=(
            "If you'd rather keep them for a later phase, that's fine too; they'll keep in their packaging.",
            "We'll get the label over as soon as we hear back.",
        ),
    ),
    Case(
        "returns_rma",
        messages=(
            "You sent us {wrong} instead of {right} on order {so}.",
            "Wrong item delivered on {so}: we got {wrong}, we ordered {right}.",
            "Order {so} came with {wrong}. We need {right} for the install at {site}.",
        ),
        details=(
            "The install is planned for next week.",
            "The packing slip shows the right item, so it's a picking error.",
            "",
        ),
        acks=(
            "I can imagine how frustrating it is to open a box and find the wrong thing inside.",
            "I can imagine how maddening it is to find the wrong parts with an install on the calendar.",
        ),
        contexts=("That mistake is ours, and we'll put it right at no cost to you.",),
        steps=(
            (
                "Keep the {wrong} in their packaging; we'll email a prepaid return label today.",
                "We'll dispatch the {right} now, without waiting for the return.",
                "You'll get the tracking link by email as soon as the parcel leaves Fargo.",
            ),
        ),
        closings=(
            "I've also passed this on to our dispatch team so it doesn't happen again.",
            "Your install should go ahead as planned.",
        ),
        extra=_wrong_item,
    ),
    Case(
        "returns_rma",
        messages=(
            "We sent back our {product} under {rma} {weeks} weeks ago and haven't heard anything.",
            "Any update on {rma}? It's been {weeks} weeks.",
            "What's the status of our return {rma}? The {product} reached Fargo ages ago.",
        ),
        details=(
            "We're running that site a unit short.",
            "Carrier tracking shows it was delivered.",
            "",
        ),
        acks=(
            "I can imagine how frustrating it is to send a unit back and then hear nothing.",
            "I can imagine how tiresome it is to have to chase a return yourself.",
        ),
        contexts=("You should have heard from us long before now.",),
        steps=(
            (
                "I've asked the Fargo quality team for the test result on {rma}.",
                "You'll hear from us within one working day with the outcome and a shipping date for the repaired "
                "or replacement unit.",
                "If your site is short of a working unit in the meantime, tell us and we'll look at a loan unit.",
            ),
        ),
        closings=(
            "I'll stay on {rma} until the unit is back with you.",
            "From here on you won't need to chase us.",
        ),
    ),
    # calibration --------------------------------------------------------------------------------
    Case(
        "calibration",
        messages=(
            "The CK-5 field check on Kestrel {serial} shows the sensor reading {dev}% off the reference.",
            "Ran a field check with the CK-5 and sensor {serial} came out {dev}% from the 1 g reference. Is that ok?",
            "Kestrel {serial} at {site} is {dev}% off in today's CK-5 check. Do we need to replace it?",
        ),
        details=(
            "The other sensors on that machine were within 2%.",
            "It's mounted on {asset}.",
            "",
        ),
        acks=(
            "I can imagine how unsettling it is to see any deviation at all on a sensor you rely on.",
            "I can imagine how much you want to trust every number coming from {serial}.",
        ),
        contexts=(
            "Anything within 5% of the 1 g reference is within tolerance, so at {dev}% this sensor is fine to stay "
            "in service.",
        ),
        steps=(
            (
                "Leave the sensor in service; the Lens app has already stored the result against {serial}.",
                "Repeat the check at the next 24-month interval, or sooner if its readings start to drift.",
            ),
        ),
        closings=(
            "A small offset like this is normal behaviour for a sensor that has been in service a while.",
            "You can carry on with your round with confidence.",
        ),
        extra=_within_tolerance,
    ),
    Case(
        "calibration",
        messages=(
            "Kestrel {serial} failed its CK-5 field check: it reads {dev}% off the reference.",
            "CK-5 check on {serial} at {site} shows a {dev}% deviation. What now?",
            "One of our VS-400s ({serial}) is {dev}% off in the field check.",
        ),
        details=(
            "It's mounted on {asset}.",
            "We double-checked the adapter.",
            "",
        ),
        acks=(
            "I can imagine how uneasy it feels when a sensor you rely on fails its field check.",
            "I can imagine how worrying it is to find {serial} reading {dev}% off.",
        ),
        contexts=(
            "At {dev}% the sensor is outside the 5% tolerance, so it should be replaced or calibrated in our lab.",
        ),
        steps=(
            (
                "Repeat the check once more, making sure the shaker adapter is fully tightened on the M8 stud.",
                "If it's still more than 5% off, open a return request in the support portal for lab calibration "
                "or a replacement.",
                "Until then, treat readings from {serial} with care when you analyse trends.",
            ),
        ),
        closings=(
            "If the sensor is within warranty, the lab calibration or replacement costs you nothing.",
            "We'll turn it round as quickly as we can so that machine isn't left unmonitored for long.",
        ),
        extra=_out_of_tolerance,
    ),
    Case(
        "calibration",
        messages=(
            "How often should we calibrate our Kestrel VS-400 sensors? We have {n} at {site}.",
            "What's the recommended calibration interval for the Kestrels? Planning next year's maintenance for "
            "{n} sensors.",
            "Do the VS-400s need regular calibration? Our auditor is asking about our {n} sensors.",
        ),
        details=(
            "We own one CK-5 kit.",
            "",
            "We'd like to spread the work out over the year.",
        ),
        acks=(
            "I can imagine how hard it is to plan maintenance rounds without a clear schedule.",
            "I can imagine how useful a straight answer is when an auditor is asking.",
        ),
        contexts=("We recommend a field check of every Kestrel with the CK-5 kit every 24 months.",),
        steps=(
            (
                "Set a 24-month check per sensor in Lens under Maintenance, then Schedules.",
                "Stagger the checks so you cover about {per_month} sensors a month.",
                "Send the CK-5 itself back to Fargo once a year for its own recalibration.",
            ),
        ),
        closings=(
            "Lens stores every check against the sensor's serial, which gives your auditor a complete record.",
            "That keeps the workload steady and every sensor within tolerance.",
        ),
        extra=_calibration_plan,
    ),
    Case(
        "calibration",
        messages=(
            "Our CK-5 kit says recalibration is overdue. What does it cost and how long is it away?",
            "The Lens app flags our CK-5 as out of calibration. How do we get it done?",
            "Need to book the annual recalibration for our CK-5 kit.",
        ),
        details=(
            "We have field checks planned at {site} next month.",
            "",
            "Can we get a loan kit meanwhile?",
        ),
        acks=(
            "I can imagine how inconvenient it is to lose your calibration kit just before a round of checks.",
            "I can imagine how awkward the timing is with a round of field checks to plan around.",
        ),
        contexts=(
            "The CK-5's annual recalibration costs $150, and the kit is usually back with you within two weeks.",
        ),
        steps=(
            (
                "Open a service request in the support portal and choose CK-5 recalibration.",
                "Ship the kit to Fargo in its carrying case with the shaker charged.",
                "We'll recalibrate it, update the certificate and send it straight back.",
            ),
        ),
        closings=(
            "If the timing clashes with your checks, tell us the dates and we'll prioritise your kit.",
            "Your new certificate will show up in Lens as soon as the kit leaves Fargo.",
        ),
    ),
    Case(
        "calibration",
        messages=(
            "Readings from a Kestrel on a magnetic base look very different from the stud-mounted ones above 7 kHz.",
            "Why does the spectrum from our magnet-mounted VS-400 roll off at high frequency?",
            "Two Kestrels on the same bearing at {site} disagree above about 7 kHz. One is on a magnet.",
        ),
        details=(
            "It's on {asset}.",
            "Is the sensor faulty?",
            "",
        ),
        acks=(
            "I can imagine how confusing it is when two sensors on the same machine tell different stories.",
            "I can imagine how much doubt that casts on the spectrum from the magnet-mounted sensor.",
        ),
        contexts=(
            "That's expected: the MB-2 magnetic base limits the usable range to about 7 kHz, while an M8 stud "
            "gives the full response.",
        ),
        steps=(
            (
                "For a permanent install, move the sensor to an M8 stud mount.",
                "If drilling isn't allowed, use the EK-1 epoxy kit rather than the magnet.",
                "Until then, set the analysis range for that sensor to 7 kHz in Lens so the spectrum isn't misleading.",
            ),
        ),
        closings=(
            "The sensor itself is fine, so there's no need to return it.",
            "Once it's stud-mounted, the two spectra should match closely.",
        ),
    ),
    # login and SSO ------------------------------------------------------------------------------
    Case(
        "login_sso",
        messages=(
            "Our team can't sign in to Lens through SSO; we get 'SAML response invalid' since {day}.",
            "SSO login to Lens is broken for everyone here. Error says the SAML response is invalid.",
            "Nobody at {site} can log into Lens this morning. SSO fails with a SAML error.",
        ),
        details=(
            "Our IT team says nothing changed.",
            "About {n} people are affected.",
            "",
        ),
        acks=(
            "I can imagine how disruptive it is when your whole team is locked out on a working morning.",
            "I can imagine how frustrating it is to be shut out of Lens with nothing obviously changed.",
        ),
        contexts=(
            "This error usually means the signing certificate on your identity provider was renewed and Lens "
            "still has the old one.",
        ),
        steps=(
            (
                "Ask your identity team whether the SAML signing certificate changed recently.",
                "Upload the new certificate in Lens under Admin, then Single sign-on.",
                "Meanwhile, an admin can still sign in with Sign in without SSO on the Lens login page.",
                "If the error continues, send us the time of a failed attempt and we'll check the logs.",
            ),
        ),
        closings=(
            "Once the certificate matches, everyone can sign in again straight away.",
            "We'll stay on the line with your IT team if that helps.",
        ),
    ),
    Case(
        "login_sso",
        messages=(
            "I lost my phone and can't get the two-factor code for Lens.",
            "New phone, and my authenticator codes for Lens didn't transfer. I'm locked out.",
            "Can't log in to Lens: my 2FA app was on my old phone.",
        ),
        details=(
            "I'm on site at {site} today and need the dashboards.",
            "I don't think I saved recovery codes.",
            "",
        ),
        acks=(
            "I can imagine how stuck you must feel without your phone and without your dashboards.",
            "I can imagine how frustrating it is to be locked out by the very thing meant to protect you.",
        ),
        contexts=("There are a couple of quick ways back in.",),
        steps=(
            (
                "Use one of the recovery codes you saved when you set up two-factor sign-in, if you have them.",
                "If not, ask your organisation's Lens admin to reset your two-factor setup under Admin, then Users.",
                "If you're the only admin, reply from your work email and we'll verify your identity and reset it "
                "for you.",
            ),
        ),
        closings=(
            "Once you're back in, set up two-factor on the new phone and save fresh recovery codes.",
            "You'll be back in Lens well before the end of the day.",
        ),
    ),
    Case(
        "login_sso",
        messages=(
            "I was invited to Lens by {colleague} but the invitation email never arrived.",
            "Still no Lens invite in my inbox, and {colleague} says it was sent on {day}.",
            "How do I get access to Lens? {colleague} invited me but I never got the email.",
        ),
        details=(
            "I've checked my inbox several times.",
            "I'm new on the maintenance team.",
            "",
        ),
        acks=(
            "I can imagine how annoying it is to be waiting on an email before you can start work.",
            "I can imagine how frustrating it is to be ready to go with no way in.",
        ),
        contexts=("Invitations usually get caught by a filter or expire before they're opened.",),
        steps=(
            (
                "Check your spam or quarantine folder for a message from Lens.",
                "Ask {colleague} to resend the invitation from Admin, then Users; invitations expire after seven days.",
                "If it still doesn't arrive, your IT team can allow-list messages from Lens in your email filters.",
            ),
        ),
        closings=(
            "Once you're in, the welcome tour will get you set up in a few minutes.",
            "Give us a shout if the second invitation goes missing too.",
        ),
    ),
    Case(
        "login_sso",
        messages=(
            "My Lens account is locked after too many password attempts.",
            "Locked out of Lens. It says too many failed sign-ins.",
            "I typed my password wrong a few times and now Lens won't let me in at all.",
        ),
        details=(
            "I need to check an alarm on {asset}.",
            "I'm fairly sure I'm using the right password now.",
            "",
        ),
        acks=(
            "I can imagine how frustrating it is to be locked out just when you need to check something.",
            "I can imagine how stressful it is to be locked out with an alarm waiting to be checked.",
        ),
        contexts=("The lock is temporary, and there's a quick way round it.",),
        steps=(
            (
                "Wait 30 minutes; the lock lifts by itself.",
                "Use Forgot password on the sign-in page to set a new password.",
                "If your organisation uses single sign-on, use the company button rather than typing a password.",
            ),
        ),
        closings=(
            "If the lock comes back after a new password, reply here and we'll check the sign-in logs.",
            "You should be back in within the half hour.",
        ),
    ),
    # feature requests ---------------------------------------------------------------------------
    Case(
        "feature_request",
        messages=(
            "Any chance of a dark mode in Lens? Our control room at {site} runs dimmed at night.",
            "Feature request: dark theme for the Lens dashboards, please.",
            "Our night shift would love a dark mode in Lens. The white screens are blinding.",
        ),
        details=("", "Half the team already uses browser hacks for it.", "Would make a real difference."),
        acks=(
            "What a thoughtful idea, and I can see exactly why it matters in a dimmed control room.",
            "What a thoughtful idea; night shifts deserve screens that are kind to their eyes.",
        ),
        contexts=("Dark mode is one of the most requested changes this year, so you're in good company.",),
        steps=(
            (
                "I've logged your request with our product team, with your night-shift use case attached.",
                "The team reviews requests every quarter and prioritises the ones most customers ask for.",
                "In the meantime, the high-contrast chart colours under Profile, then Display, are easier on the "
                "eyes at night.",
            ),
        ),
        closings=(
            "We'll let you know if it makes it onto the roadmap.",
            "Thank you for taking the time to suggest it.",
        ),
    ),
    Case(
        "feature_request",
        messages=(
            "Could Lens push alarms into our team chat channel instead of just email?",
            "It would be great if Lens alarms could go straight to our chat tool.",
            "Request: chat notifications for Lens alarms. Email is too slow for our technicians.",
        ),
        details=("Our technicians at {site} live in the chat app.", "", "Email alerts get buried."),
        acks=(
            "What a thoughtful idea; alarms are only useful if they reach people where they already are.",
            "What a thoughtful idea, and a very practical one for a team on the move.",
        ),
        contexts=("Good news: you can get most of the way there today.",),
        steps=(
            (
                "Add a webhook under Alarms, then Notifications, in Lens; most chat tools accept webhooks directly.",
                "I've logged a request for a ready-made chat integration with our product team.",
                "The team reviews requests every quarter and prioritises the ones most customers ask for.",
            ),
        ),
        closings=(
            "If the webhook set-up gives you any trouble, reply and we'll walk you through it.",
            "We'll let you know if the integration makes it onto the roadmap.",
        ),
    ),
    Case(
        "feature_request",
        messages=(
            "We'd love a one-click export of spectrum plots to a spreadsheet.",
            "Can you add an Excel export button to the spectrum view?",
            "Feature idea: export waterfall and spectrum data for {asset} straight to a spreadsheet.",
        ),
        details=("Our analysts do their reports outside Lens.", "", "Copying values by hand takes ages."),
        acks=(
            "What a thoughtful idea; your analysts shouldn't have to copy numbers by hand.",
            "What a thoughtful idea, and one that would save your team real time.",
        ),
        contexts=("There's already a route that gets you most of the way.",),
        steps=(
            (
                "Use Export CSV in the spectrum view's menu; the file opens in any spreadsheet tool.",
                "I've logged a request for a true one-click spreadsheet export with our product team.",
                "The team reviews requests every quarter and prioritises the ones most customers ask for.",
            ),
        ),
        closings=("We'll keep you posted on how the request progresses.", "Thank you for helping us shape Lens."),
    ),
    Case(
        "feature_request",
        messages=(
            "Would it be possible for the Kestrel to report surface temperature as well as vibration?",
            "Suggestion: a temperature channel on the VS-400 would save us fitting extra sensors.",
            "Any plans for a Kestrel that measures temperature too?",
        ),
        details=("We'd like bearing temperature on {asset}.", "", "It would simplify our installs at {site}."),
        acks=(
            "What a thoughtful idea, and one that would tidy up a lot of installations.",
            "What a thoughtful idea; temperature and vibration together tell a much fuller story.",
        ),
        contexts=("You can already get temperature next to your Kestrels today.",),
        steps=(
            (
                "Fit a WT-1 wireless tag next to the Kestrel; it measures surface temperature and reports to the "
                "same Wren.",
                "Lens can then plot temperature and vibration on one chart for the same machine.",
                "I've passed your suggestion for a combined sensor to our hardware team for their next design review.",
            ),
        ),
        closings=("We'll let you know if it makes it onto the roadmap.", "Thank you for thinking ahead with us."),
    ),
    Case(
        "feature_request",
        messages=(
            "It would be great to schedule alarm suppression for our weekly maintenance windows.",
            "Can Lens support recurring maintenance windows? We mute alarms every Tuesday by hand.",
            "Request: repeating alarm suppression schedules in Lens.",
        ),
        details=("Someone always forgets to switch it back on.", "", "We have {n} assets at {site}."),
        acks=(
            "What a thoughtful idea; nobody should have to remember to mute alarms every week.",
            "What a thoughtful idea, and one that would take a small but real chore off your team.",
        ),
        contexts=("Suppression per asset already exists; the recurring schedule is the part that's new.",),
        steps=(
            (
                "I've logged a request for recurring suppression windows with our product team.",
                "The team reviews requests every quarter and prioritises the ones most customers ask for.",
                "In the meantime, set each window with an end time so alarms switch back on by themselves.",
            ),
        ),
        closings=("We'll let you know if it makes it onto the roadmap.", "Thank you for the clear, practical idea."),
    ),
    Case(
        "feature_request",
        messages=(
            "Can we customize the colors on the Lens fleet map?",
            "We'd like to use our own color coding for asset health on the fleet map.",
            "Feature request: custom status colors in Lens to match our control room standards.",
        ),
        details=("Our red means something different.", "", "It would help our operators at {site}."),
        acks=(
            "What a thoughtful idea; colours should mean the same thing on every screen in the control room.",
            "What a thoughtful idea, and an important one for operators who read those colours at a glance.",
        ),
        contexts=("You can't customise the fleet map colours yet, but there's a partial option.",),
        steps=(
            (
                "Try the colour-blind-safe palette under Profile, then Display, which uses different tones.",
                "I've logged a request for custom health colours with our product team.",
                "The team reviews requests every quarter and prioritises the ones most customers ask for.",
            ),
        ),
        closings=(
            "We'll let you know if it makes it onto the roadmap.",
            "Thank you for taking the time to suggest it.",
        ),
    ),
    # angry complaints ---------------------------------------------------------------------------
    Case(
        "angry_complaint",
        messages=(
            "This is the THIRD {product} that has failed at {site} this year. Absolutely unacceptable.",
            "Another {product} dead. That's three this year. What is going on with your quality?",
            "I am FED UP. Third failed {product} in twelve months at {site}.",
        ),
        details=(
            "We are seriously considering other suppliers.",
            "I want someone senior to call me.",
            "Each failure costs us a site visit.",
        ),
        acks=(
            "I can imagine how exasperating it is to lose a third {product} in a single year.",
            "I can imagine how angry you must be after three failures in twelve months.",
        ),
        contexts=("That's not what a {product} should do, and you deserved better from us.",),
        steps=(
            (
                "I've escalated your case to our regional support team lead, who will call you today.",
                "We'll ship replacement units in advance, so you're not left waiting for the faulty ones to reach "
                "Fargo.",
                "Our quality team will analyse all three failed units together to find the root cause, and we'll "
                "share the findings with you.",
            ),
        ),
        closings=(
            "You'll hear from the team lead before the end of the day.",
            "I'll stay on this personally until you have answers.",
        ),
    ),
    Case(
        "angry_complaint",
        messages=(
            "I opened ticket {ticket} {days} days ago and NOBODY has replied.",
            "Is anyone actually reading tickets? {ticket} has been ignored for {days} days.",
            "Ticket {ticket}. {days} days. Not a single response. Ridiculous.",
        ),
        details=(
            "We pay for support.",
            "This is holding up work at {site}.",
            "",
        ),
        acks=(
            "I can imagine how infuriating it is to raise a ticket and hear nothing for {days} days.",
            "I can imagine how let down you feel after waiting {days} days for a reply.",
        ),
        contexts=("That silence is on us, and it stops now.",),
        steps=(
            (
                "I've picked up ticket {ticket} myself, so it now has an owner: me.",
                "I'll send you a full update on the underlying issue by the end of today.",
                "I've also flagged the missed response to our regional support team lead so we learn from it.",
            ),
        ),
        closings=(
            "You won't need to chase us again on this one.",
            "Expect my update later today.",
        ),
    ),
    Case(
        "angry_complaint",
        messages=(
            "The {product} we received arrived with {part}. The box was clearly dropped.",
            "Brand-new {product}, unusable: {part}. Very poor.",
            "Just unpacked our {product} and it has {part}. Not good enough.",
        ),
        details=(
            "We had a technician waiting on site for it.",
            "I have photos.",
            "",
        ),
        acks=(
            "I can imagine how infuriating it is to unpack new hardware and find it damaged.",
            "I can imagine how angry you must be with a technician waiting and a broken {product} in the box.",
        ),
        contexts=("You shouldn't have to deal with this, and we'll take it off your hands.",),
        steps=(
            (
                "Send us a couple of photos of the unit and the box, which we'll use for the carrier claim.",
                "We'll dispatch a replacement today, without waiting for the claim.",
                "We'll email a prepaid label so the carrier can collect the damaged one.",
            ),
        ),
        closings=(
            "The carrier claim is ours to handle, not yours.",
            "I'll send you the new tracking link as soon as it leaves Fargo.",
        ),
        extra=_damaged,
    ),
    Case(
        "angry_complaint",
        messages=(
            "Lens was down for hours yesterday and we missed an alarm. What exactly are we paying for?",
            "Your platform went down AGAIN and our operators were blind for hours.",
            "Lens outage yesterday. We missed a high-vibration alarm on {asset}. This is serious.",
        ),
        details=(
            "I want a full explanation.",
            "We need to know this won't happen again.",
            "",
        ),
        acks=(
            "I can imagine how alarming it was to lose your alarms right when they mattered.",
            "I can imagine how angry you are that an outage left your operators without alarms.",
        ),
        contexts=(
            "If Lens missed its availability commitment this month, you're entitled to a service credit, and I'll "
            "make sure it's applied without you having to chase it.",
        ),
        steps=(
            (
                "I've asked our platform team for the incident report covering yesterday's outage.",
                "I'll send it to you with a clear timeline and what we're changing to prevent a repeat.",
                "We'll apply the service credit to your next invoice automatically.",
                "If you'd like to talk it through, our regional support team lead will happily set up a call.",
            ),
        ),
        closings=(
            "You'll have the report from me as soon as it's signed off.",
            "I'll keep you updated until it's closed.",
        ),
    ),
    # praise -------------------------------------------------------------------------------------
    Case(
        "praise",
        messages=(
            "Just wanted to say the Kestrel on {asset} caught a bearing fault three weeks before it would have failed.",
            "Your VS-400 sensors saved us a gearbox at {site}. The alarm came in early and we planned the repair.",
            "Quick thank-you: the Kestrel envelope alarm on {asset} flagged an outer-race fault we'd never have "
            "spotted.",
        ),
        details=("Saved us a lot of money.", "The whole maintenance team is impressed.", ""),
        acks=(
            "It truly made our day to read this.",
            "It truly made our day to hear that the Kestrel caught the fault in time.",
        ),
        contexts=(
            "Catching a bearing fault weeks ahead is exactly what the Kestrel is there for, and it's lovely to "
            "hear it paid off.",
        ),
        steps=(),
        closings=(
            "I've shared your note with our engineering team in Fargo, who will be delighted.",
            "Thank you for taking the time to tell us.",
        ),
    ),
    Case(
        "praise",
        messages=(
            "I wanted to say that {agent} on your support team was brilliant sorting out our gateway last week.",
            "Huge thanks to {agent} for the help with our Lens set-up. Patient and clear.",
            "Please pass on my thanks to {agent}. Best support call I've had in years.",
        ),
        details=("", "We were up and running the same day.", "Explained everything without jargon."),
        acks=(
            "It truly made our day to read this.",
            "It truly made our day to hear how well {agent} looked after you.",
        ),
        contexts=("I've shared your message with {agent} and their team lead, and it's already pinned on our board.",),
        steps=(),
        closings=("Thank you for taking the time to tell us.", "We'll be here whenever you need us again."),
    ),
    Case(
        "praise",
        messages=(
            "The Heron on turbine {turbine} picked up crack activity in a blade root months before our inspection "
            "would have.",
            "Your Heron sensors found a bond-line crack at {site} that the rope team missed.",
            "Amazing result from the Heron AC-90 on {turbine}: caught early delamination.",
        ),
        details=("The repair was small and cheap as a result.", "", "Our asset manager is thrilled."),
        acks=(
            "It truly made our day to read this.",
            "It truly made our day to hear that the Heron spotted the damage early.",
        ),
        contexts=("Finding blade damage while it's still small is exactly why the Heron exists.",),
        steps=(),
        closings=(
            "I've passed your note on to the team who designed the Heron; they'll be thrilled.",
            "Thank you for taking the time to share it.",
        ),
    ),
    Case(
        "praise",
        messages=(
            "Our roll-out of {n} Plover PX-2 units at {site} went perfectly. Thanks for the great documentation.",
            "Just a note to say the new Lens fleet map is excellent. Our managers finally use it.",
            "Delivery of order {so} came two days early and everything was perfectly packed. Thank you!",
        ),
        details=("", "Keep it up.", "Really appreciated."),
        acks=("It truly made our day to read this.", "It truly made our day to get such a kind note."),
        contexts=("It's wonderful to hear things went so smoothly for you.",),
        steps=(),
        closings=(
            "I've passed your message on to the whole team; it's the best kind of feedback.",
            "Thank you for taking the time to tell us.",
        ),
    ),
)

# --- customer voice -----------------------------------------------------------------------------

SALUTATIONS = ("Hi,", "Hello,", "Hi Tallowmere team,", "Hello support,", "Good morning,", "Hi there,", "Hey,")
QUICK = "Would appreciate a quick answer."
PRESSURE = {
    "battery": ("Quite annoying, to be honest.", "We'd rather not be swapping batteries every few months.", QUICK),
    "pairing": ("This is holding up our commissioning.", "Our installer is only on site until Friday.", QUICK),
    "firmware_update": ("We're a bit nervous because the machines are running hard this week.", QUICK),
    "billing": ("Our finance team keeps asking me about it.", QUICK),
    "data_gaps": ("We're a bit worried because the machines are running hard this week.", QUICK),
    "shipping_delay": ("This is holding up our commissioning.", "Getting a bit fed up with this."),
    "returns_rma": ("Quite annoying, to be honest.", QUICK),
    "calibration": ("Not urgent, but it would be good to know.", QUICK),
    "login_sso": ("Quite annoying, to be honest.", QUICK),
}
ASKS = ("Can you help?", "What should we do?", "Any ideas?", "Please advise.", "Thanks in advance.", "")
ANGRY_ASKS = ("I expect a response today.", "Sort it out.", "What are you going to do about it?", "")


@dataclass(frozen=True)
class Signature:
    text: str
    first_name: str | None


def signature(rng: random.Random) -> Signature:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    roll = rng.random()
    if roll < 0.25:
        return Signature("", None)
    if roll < 0.31:  # surname only: the reply cannot use a first name
        return Signature(rng.choice((f"Regards,\nMr {last}", f"Thanks,\n{last}", f"Ms {last}")), None)
    forms = (
        f"Thanks,\n{first}",
        f"Regards,\n{first} {last}",
        f"Cheers, {first}",
        f"{first} {last}\n{rng.choice(TITLES)}, {rng.choice(COMPANIES)}",
        f"— {first}",
        f"Best,\n{first} {last[0]}.",
    )
    return Signature(rng.choice(forms), first)


def customer_message(case: Case, slots: Slots, sign: Signature, rng: random.Random) -> str:
    angry = case.issue == "angry_complaint"
    parts = [rng.choice(case.messages).format(**slots)]
    if case.details and rng.random() < 0.65:
        parts.append(rng.choice(case.details).format(**slots))
    if case.issue in PRESSURE and rng.random() < 0.3:
        parts.append(rng.choice(PRESSURE[case.issue]))
    if case.issue not in ("praise", "feature_request") and rng.random() < 0.6:
        parts.append(rng.choice(ANGRY_ASKS if angry else ASKS))
    body = " ".join(p for p in parts if p)
    if not angry and rng.random() < 0.1:
        body = body.lower()
    lines = []
    if not angry and rng.random() < 0.55:
        lines += [rng.choice(SALUTATIONS), ""]
    lines.append(body)
    if sign.text:
        lines += ["", sign.text]
    return "\n".join(lines)


def styled_reply(case: Case, slots: Slots, sign: Signature, rng: random.Random) -> tuple[str, set[str]]:
    """The house-style reply, and the names of the slots its templates used."""
    greeting = f"Hi {sign.first_name}," if sign.first_name else "Hi there,"
    opening = f"{rng.choice(case.acks)} {rng.choice(case.contexts)}"
    steps = rng.choice(case.steps) if case.steps else ()
    closing = rng.choice(case.closings)
    lines = [greeting, "", opening.format(**slots), ""]
    if steps:
        lines.append(PLAN_LINE)
        lines += [f"{i}. {step.format(**slots)}" for i, step in enumerate(steps, start=1)]
        lines.append("")
    lines += [closing.format(**slots), "", SIGN_OFF]
    used = {name for text in (opening, closing, *steps) for _, name, _, _ in Formatter().parse(text) if name}
    return "\n".join(lines), used


# --- checks: the style rules, as code -------------------------------------------------------------


def style_problems(reply: str, first_name: str | None, issue: str) -> list[str]:
    """Every house-style rule the reply breaks (empty when it follows them all)."""
    problems = []
    lines = reply.split("\n")
    expected = f"Hi {first_name}," if first_name else "Hi there,"
    if lines[0] != expected:
        problems.append(f"greeting {lines[0]!r} != {expected!r}")
    if len(lines) < 3 or not lines[2].startswith(ACK_OPENERS):
        problems.append("no acknowledgement opener")
    if lines[-1] != SIGN_OFF or lines[-2] != "":
        problems.append("sign-off line")
    numbered = [line for line in lines if re.match(r"\d+\. ", line)]
    if issue == "praise":
        if numbered or PLAN_LINE in lines:
            problems.append("praise should have no steps")
    elif PLAN_LINE not in lines or not 2 <= len(numbered) <= 4:
        problems.append("plan line and 2-4 numbered steps")
    elif [int(line.split(".")[0]) for line in numbered] != list(range(1, len(numbered) + 1)):
        problems.append("steps not numbered 1..n")
    lowered = reply.lower()
    problems += [f"banned phrase {b!r}" for b in BANNED if b in lowered]
    problems += [f"American spelling {a!r}" for a in AMERICAN if a in lowered]
    problems += ["unfilled slot"] if "{" in reply or "}" in reply else []
    return problems


# Specific values a reply may only repeat when the customer's message contains them, as they appear in text.
SPECIFIC_SLOTS = {
    "site": "{}", "asset": "{}", "so": "{}", "inv": "{}", "po": "{}", "ticket": "{}", "rma": "{}",
    "amount": "${}", "serial": "{}", "product_serial": "{}", "turbine": "{}", "colleague": "{}", "agent": "{}",
    "country": "{}", "wrong": "{}", "right": "{}", "dev": "{}%", "pct": "{}%", "code": "E-{}", "months": "{} months",
    "n": "{}", "m": "{}", "days": "{} days",
}  # fmt: skip


def invented_details(message: str, slots: Slots, used: set[str]) -> list[str]:
    """Slots the reply used whose values the customer never wrote (the reply would be making them up)."""
    found = []
    for key in sorted(used & SPECIFIC_SLOTS.keys()):
        pattern = rf"(?<![\w-]){re.escape(SPECIFIC_SLOTS[key].format(slots[key]))}(?![\w-])"
        if not re.search(pattern, message, re.IGNORECASE):
            found.append(f"{key}={slots[key]!r}")
    return found


# --- assembly -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    issue: str
    message: str
    reply: str


def generate(rng: random.Random) -> tuple[list[Pair], list[Pair]]:
    """Return (train, eval) with TRAIN_PER_ISSUE and EVAL_PER_ISSUE distinct messages per issue type."""
    issues = list(dict.fromkeys(case.issue for case in CASES))
    per_issue = TRAIN_PER_ISSUE + EVAL_PER_ISSUE
    train: list[Pair] = []
    held_out: list[Pair] = []
    seen: set[str] = set()
    for issue in issues:
        cases = [c for c in CASES if c.issue == issue]
        pairs: list[Pair] = []
        attempts = 0
        while len(pairs) < per_issue:
            attempts += 1
            if attempts > 10_000:
                raise RuntimeError(f"cannot make {per_issue} distinct messages for {issue}")
            case = cases[len(pairs) % len(cases)] if rng.random() < 0.7 else rng.choice(cases)
            slots = common_slots(rng)
            if case.extra:
                slots.update(case.extra(rng, slots))
            sign = signature(rng)
            message = customer_message(case, slots, sign, rng)
            reply, used = styled_reply(case, slots, sign, rng)
            if message in seen or reply in seen:
                continue
            problems = style_problems(reply, sign.first_name, issue) + invented_details(message, slots, used)
            if problems:
                raise AssertionError(f"{issue}: {problems}\n{reply}")
            seen.update((message, reply))
            pairs.append(Pair(issue, message, reply))
        held_out.extend(pairs[:EVAL_PER_ISSUE])
        train.extend(pairs[EVAL_PER_ISSUE:])
    rng.shuffle(train)
    rng.shuffle(held_out)
    return train, held_out


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def yaml_block(text: str, indent: int) -> str:
    """A YAML literal block scalar (|-) for text, indented by indent spaces."""
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))


def scenario_yaml(train: list[Pair], held_out: list[Pair]) -> str:
    named = next(p for p in train if p.issue == "data_gaps" and not p.reply.startswith("Hi there,"))
    unnamed = next(
        p for p in train if p.issue == "billing" and p.reply.startswith("Hi there,") and p.message != p.message.lower()
    )
    examples: list[Pair] = []
    for pair in held_out:
        if pair.issue not in {p.issue for p in examples} and pair.issue in (
            "pairing",
            "angry_complaint",
            "shipping_delay",
            "login_sso",
            "praise",
        ):
            examples.append(pair)
    lines = [
        "title: Support tone",
        "description: >-",
        "  Customer support replies in the Tallowmere Care house style, a subtle but consistent voice that a",
        "  model picks up from hundreds of examples: fine-tuning's strength. Prompting can describe the style,",
        "  but a tiny model follows a description only loosely. RAG searches the company's documents",
        "  (the Company knowledge scenario's knowledge base) for the facts a reply needs, such as which",
        "  firmware fixes a fault, but retrieval carries no tone.",
        "",
        '  House style: (1) the first line is "Hi <first name>," or "Hi there," when the customer gives no',
        "  first name; (2) the next sentence names the customer's feeling and situation, starting with \"I can",
        '  imagine how" (problems), "It truly made our day" (praise) or "What a thoughtful idea" (feature',
        '  requests); (3) whenever there is something to do, a "Here\'s the plan:" line and 2 to 4 numbered',
        "  steps; (4) one closing sentence on what happens next; (5) the last line is exactly",
        '  "— The Tallowmere Care Team 🛠️"; (6) British spelling, and never "sorry for the inconvenience",',
        '  "unfortunately", "valued customer", "Dear" or "Kind regards".',
        "order: 3",
        "system_prompt: |",
        f"  {SYSTEM_PROMPT}",
        "few_shot:",
    ]
    for pair in (named, unnamed):
        lines.append("  - question: " + yaml_block(pair.message, 6))
        lines.append("    answer: " + yaml_block(pair.reply, 6))
    lines.append("example_questions:")
    for pair in examples:
        lines.append("  - " + yaml_block(pair.message, 4))
    lines += ["knowledge_base: ../company-knowledge/kb", "eval_set: eval.jsonl", "train_set: train.jsonl"]
    lines += ["adapter: support-tone", ""]
    return "\n".join(lines)


def main() -> None:
    rng = random.Random(SEED)
    train, held_out = generate(rng)
    write_jsonl(
        HERE / "train.jsonl",
        [
            {
                "messages": [
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": p.message},
                    {"role": "assistant", "content": p.reply},
                ]
            }
            for p in train
        ],
    )
    write_jsonl(
        HERE / "eval.jsonl",
        [
            {"question": p.message, "reference": p.reply, "kind": "text", "source": None, "category": p.issue}
            for p in held_out
        ],
    )
    (HERE / "scenario.yaml").write_text(scenario_yaml(train, held_out), encoding="utf-8")
    counts = Counter(p.issue for p in train)
    eval_counts = Counter(p.issue for p in held_out)
    print(f"train: {len(train)} pairs, eval: {len(held_out)} pairs, all following the house style")
    for issue in dict.fromkeys(case.issue for case in CASES):
        print(f"  {issue:<16} train {counts[issue]:>3}  eval {eval_counts[issue]:>2}")
    unnamed = sum(p.reply.startswith("Hi there,") for p in train + held_out)
    print(f"replies opening 'Hi there,' (no first name given): {unnamed}")
    print(f"distinct replies: {len({p.reply for p in train + held_out})} of {len(train) + len(held_out)}")


if __name__ == "__main__":
    main()
