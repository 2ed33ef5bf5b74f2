"""The documents: every link and image resolves, and the README stays short.

Checks README.md, docs/*.md and bench/README.md: each Markdown link or image (inline, reference-style
or an HTML <img>) points at a file or folder inside the repository, and each `#anchor` (in the same
file or another Markdown file) names one of that file's headings as GitHub slugs it. External
http(s) and mailto links are skipped. The README has at most 1,500 words outside its Space front
matter, counted as `wc -w` counts them.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from playground.config import REPO_ROOT

README_MAX_WORDS = 1500
# Written by the workshop's browser test; accepted while that test's screenshot is not committed yet.
PRODUCED_ELSEWHERE: set[str] = set()  # images a test writes that may not be committed yet

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`]+`")  # inline code may wrap onto the next line
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
_HTML_SRC = re.compile(r"<(?:img|a)\s[^>]*?(?:src|href)=\"([^\"]+)\"", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def documents(root: Path = REPO_ROOT) -> list[Path]:
    """The Markdown files this test covers."""
    found = [root / "README.md", *sorted((root / "docs").glob("*.md")), root / "bench" / "README.md"]
    return [path for path in found if path.is_file()]


def _without_code(text: str) -> str:
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text lower-cased, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file, duplicates numbered as GitHub numbers them."""
    seen: dict[str, int] = {}
    result = set()
    for match in _HEADING.finditer(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(path: Path) -> list[str]:
    """Every link and image target in a Markdown file, code blocks and inline code left out."""
    text = _without_code(path.read_text(encoding="utf-8"))
    found = [m.group(1) for m in _INLINE_LINK.finditer(text)]
    found += [m.group(1) for m in _REFERENCE_DEF.finditer(text)]
    found += [m.group(1) for m in _HTML_SRC.finditer(text)]
    return found


def link_problems(path: Path, root: Path = REPO_ROOT) -> list[str]:
    """One line per link or image of `path` that does not resolve."""
    path, root = path.resolve(), root.resolve()
    problems = []
    for target in links(path):
        if re.match(r"(https?|mailto):", target, re.IGNORECASE):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / unquote(file_part)).resolve() if file_part else path
        shown = f"{path.relative_to(root)}: {target}"
        if not destination.is_relative_to(root):
            problems.append(f"{shown} points outside the repository")
            continue
        relative = destination.relative_to(root).as_posix()
        if not destination.exists():
            if relative not in PRODUCED_ELSEWHERE or root != REPO_ROOT.resolve():
                problems.append(f"{shown}: no such file")
            continue
        if anchor and destination.suffix == ".md" and unquote(anchor) not in anchors(destination):
            problems.append(f"{shown}: no heading with that anchor")
    return problems


def words_outside_front_matter(text: str) -> int:
    """Words as `wc -w` counts them (runs of non-whitespace), the leading YAML front matter left out."""
    return len(_FRONT_MATTER.sub("", text, count=1).split())


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_every_link_and_image_resolves(path: Path) -> None:
    assert link_problems(path) == []


def test_the_documents_are_found() -> None:
    names = {p.relative_to(REPO_ROOT).as_posix() for p in documents()}
    assert {"README.md", "bench/README.md", "docs/workshop.md", "docs/hosting.md", "docs/scenarios.md"} <= names
    assert "docs/cli.md" in names


def test_readme_has_at_most_1500_words_outside_the_front_matter() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")  # the front matter is there, so it is what gets left out
    assert words_outside_front_matter(text) <= README_MAX_WORDS


def test_a_broken_link_an_image_and_an_anchor_are_caught(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Hosting on Spaces: step 1\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n\n## The `eval` command, briefly\n\n"
        "[fine](docs/other.md#hosting-on-spaces-step-1) [self](#the-eval-command-briefly) [web](https://x.org/y)\n"
        "[gone](docs/missing.md) ![img](docs/missing.png) [bad anchor](docs/other.md#nowhere)\n"
        '[self bad](#title-2) [outside](../../etc/passwd) <img src="docs/none.png">\n'
        "`[in code](docs/nothing.md)`\n\n```\n[in a fence](docs/nothing.md)\n```\n\n[ref]: docs/absent.md\n",
        encoding="utf-8",
    )
    problems = link_problems(page, tmp_path)
    assert [p.split(": ", 1)[1].split(":")[0].split(" points")[0] for p in problems] == [
        "docs/missing.md",
        "docs/missing.png",
        "docs/other.md#nowhere",
        "#title-2",
        "../../etc/passwd",
        "docs/absent.md",
        "docs/none.png",
    ]


def test_github_slugs() -> None:
    assert slug("Make a keyed comparison fair") == "make-a-keyed-comparison-fair"
    assert slug("`scenario.yaml` keys") == "scenarioyaml-keys"
    assert slug("Limits: bounded work (at every entry point)") == "limits-bounded-work-at-every-entry-point"
    assert slug("PLAYGROUND_BUDGET_USD_PER_DAY") == "playground_budget_usd_per_day"
    assert slug("Which lever won here") == "which-lever-won-here"


def test_duplicate_headings_are_numbered(tmp_path: Path) -> None:
    page = tmp_path / "a.md"
    page.write_text("# Runs\n\n## Runs\n\n## Runs\n", encoding="utf-8")
    assert anchors(page) == {"runs", "runs-1", "runs-2"}


def test_the_word_count_leaves_only_the_front_matter_out() -> None:
    body = "word " * 1501
    assert words_outside_front_matter("---\ntitle: a b c d e f\n---\n" + body) == 1501
    assert words_outside_front_matter("---\ntitle: x\n---\n# Title\n\nthree more - words\n") == 6
    assert words_outside_front_matter(body) == 1501  # no front matter: every word counts
