"""docs/editing.md, done step by step: each how-to is performed on a copy of the project with the
guide's own examples, the copy is built, and the result is what the guide promises."""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from site_templates import content_check
from testkit.site import build_site
from tests.helpers.content import FINDING, counts, run_check
from tests.helpers.environment import ROOT
from tests.helpers.site import built_pages, jsonld_objects, mkdocs_config, parse

GUIDE = ROOT / "docs" / "editing.md"
FENCE_LINE = re.compile(r"^(```|~~~)")


# --- Reading the guide ---------------------------------------------------------------------


def outside_fences(text: str) -> list[tuple[bool, str]]:
    """Each line of the guide, marked True when it sits inside a code block."""
    marked, inside = [], False
    for line in text.split("\n"):
        if FENCE_LINE.match(line):
            marked.append((True, line))
            inside = not inside
        else:
            marked.append((inside, line))
    return marked


def section(title: str) -> str:
    """The guide's text under a heading, up to the next heading of the same or a higher level."""
    lines = outside_fences(GUIDE.read_text())
    start = next(
        i
        for i, (code, ln) in enumerate(lines)
        if not code and re.match(rf"#+ {re.escape(title)}$", ln)
    )
    level = len(lines[start][1].split(" ")[0])
    end = next(
        (
            i
            for i, (code, ln) in enumerate(lines[start + 1 :], start + 1)
            if not code and re.match(rf"#{{1,{level}}} ", ln)
        ),
        len(lines),
    )
    return "\n".join(ln for _, ln in lines[start + 1 : end])


def blocks(text: str, language: str) -> list[str]:
    """The code blocks of one language in a piece of the guide, as an editor would copy them."""
    return re.findall(rf"^```{language}\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def block(title: str, language: str, index: int = 0) -> str:
    found = blocks(section(title), language)
    assert len(found) > index, f"the guide's section {title!r} has no {language} example"
    return found[index]


def slug(heading: str) -> str:
    """The anchor GitHub and MkDocs give a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).strip().replace(" ", "-")


# --- Doing what it says --------------------------------------------------------------------


def replace_lines(path: Path, new_lines: str) -> None:
    """Change the lines that start like the guide's example lines (same name before the colon)."""
    lines = path.read_text().split("\n")
    for new in new_lines.strip("\n").split("\n"):
        name = new.split(":")[0] + ":"
        number = next(i for i, line in enumerate(lines) if line.startswith(name))
        lines[number] = new
    path.write_text("\n".join(lines))


def edit(path: Path, change: Callable[[str], str]) -> None:
    before = path.read_text()
    after = change(before)
    assert after != before, f"nothing changed in {path}"
    path.write_text(after)


def build(project: Path, out: Path) -> Path:
    """Build the copy as `make site` would, reading the copy's own clinic.yml."""
    result = build_site(project, out, env={"CLINIC_FACTS": str(project / "clinic.yml")})
    assert result.returncode == 0, result.stderr
    return out


def html(out: Path, url: str) -> str:
    return (out / url.strip("/") / "index.html").read_text()


def between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def url_of(src: str) -> str:
    """The address MkDocs gives a page file: guide/index.md -> /guide/, faq.md -> /faq/."""
    path = src.removesuffix(".md").removesuffix("index").rstrip("/")
    return f"/{path}/" if path else "/"


def resolve(url: str, href: str) -> str:
    return urlsplit(urljoin(f"http://site{url}", href)).path


def footer(out: Path, url: str) -> tuple[str | None, str | None]:
    """Where a page's "Previous" and "Next" links at the bottom go."""
    page = html(out, url)
    found = {}
    for kind in ("prev", "next"):
        match = re.search(
            rf'<a href="([^"]*)" class="md-footer__link md-footer__link--{kind}"', page
        )
        found[kind] = resolve(url, match.group(1)) if match else None
    return found["prev"], found["next"]


def sidebar(out: Path, url: str) -> list[str]:
    """The pages in a page's menu, in order."""
    page = html(out, url)
    links = re.findall(r'<a href="([^"#][^"]*)"[^>]*class="md-nav__link', page)
    return list(dict.fromkeys(resolve(url, href) for href in links))


def nav_order(project: Path) -> list[str]:
    def walk(items: object) -> list[str]:
        if isinstance(items, str):
            return [items]
        if isinstance(items, dict):
            return [f for value in items.values() for f in walk(value)]
        if isinstance(items, list):
            return [f for item in items for f in walk(item)]
        return []

    return [url_of(src) for src in walk(mkdocs_config(project)["nav"])]


def assert_follows_nav(project: Path, out: Path) -> None:
    """Footer links and the menu both follow the order of mkdocs.yml's nav."""
    order = nav_order(project)
    for i, url in enumerate(order):
        expected_prev = order[i - 1] if i > 0 else None
        expected_next = order[i + 1] if i + 1 < len(order) else None
        assert footer(out, url) == (expected_prev, expected_next), url
    menu = [u for u in sidebar(out, "/guide/") if u in order]
    assert menu == order


def check_passes(project: Path) -> str:
    code, report = run_check(project)
    assert code == 0, report
    return report


# --- The guide itself ----------------------------------------------------------------------


def test_the_guide_covers_every_task_and_its_links_work() -> None:
    text = GUIDE.read_text()
    for needed in ("make preview", "http://127.0.0.1:8001", "make check-content", "clinic.yml"):
        assert needed in text
    headings = {
        slug(ln.lstrip("#").strip())
        for code, ln in outside_fences(text)
        if not code and ln.startswith("#")
    }
    for anchor in re.findall(r"\]\(#([^)]+)\)", text):
        assert anchor in headings, f"the guide links to #{anchor}, which is not a heading"


def test_make_preview_and_make_check_content_run_what_the_guide_says() -> None:
    makefile = (ROOT / "Makefile").read_text()
    preview = re.search(r"^preview:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert preview and "python -m site_templates.preview" in preview.group(1)
    assert "--dev-addr 127.0.0.1:8001" in preview.group(1)
    check = re.search(r"^check-content:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert check and check.group(1).endswith("python -m site_templates.content_check")
    assert re.search(r"^test:.*\bcheck-content\b", makefile, re.MULTILINE)


# --- Change a clinic fact ------------------------------------------------------------------


def test_changing_the_phone_number(project_copy: Path, tmp_path: Path) -> None:
    example = block("The phone number", "yaml")
    old = yaml.safe_load((project_copy / "clinic.yml").read_text())["phone"]
    new = yaml.safe_load(example)["phone"]
    replace_lines(project_copy / "clinic.yml", example)
    out = build(project_copy, tmp_path / "out")
    call = "tel:+1" + re.sub(r"\D", "", new)
    for page in built_pages(out):
        text = page.read_text()
        assert new in text and call in text, page
        assert old not in text, page
    check_passes(project_copy)


def test_changing_the_group_schedule(project_copy: Path, tmp_path: Path) -> None:
    example = block("The group schedule", "yaml")
    times = yaml.safe_load(example)
    replace_lines(project_copy / "clinic.yml", example)
    out = build(project_copy, tmp_path / "out")
    home = html(out, "/")
    assert f"{times['start_time']} to {times['end_time']}" in home
    assert f"from {times['start_time']} to {times['end_time']}" in html(out, "/faq/")
    check_passes(project_copy)


def test_adding_and_removing_insurers(project_copy: Path, tmp_path: Path) -> None:
    facts = project_copy / "clinic.yml"
    added = block("The insurers", "yaml")
    name = added.strip().removeprefix("- ")

    def add_at_end_of_out_of_network(text: str) -> str:
        lines = text.split("\n")
        i = lines.index("  out_of_network:") + 1
        while lines[i].startswith("    - "):
            i += 1
        return "\n".join([*lines[:i], added.rstrip("\n"), *lines[i:]])

    edit(facts, add_at_end_of_out_of_network)
    edit(facts, lambda t: t.replace("    - Magellan\n", ""))  # "To remove a plan, delete its line"
    edit(
        facts,
        lambda t: t.replace(
            "in_network: [Aetna, Beacon]", "in_network: [Aetna, Beacon, Evernorth]"
        ),
    )
    out = build(project_copy, tmp_path / "out")
    page = html(out, "/insurance/")
    in_network = between(page, 'id="in-network-plans"', 'id="out-of-network-plans"')
    out_of_network = between(page, 'id="out-of-network-plans"', 'id="paying-for-yourself"')
    assert f"<li>{name}</li>" in out_of_network and f"<li>{name}</li>" not in in_network
    assert "<li>Evernorth</li>" in in_network
    assert "Magellan" not in page
    check_passes(project_copy)


def test_every_variable_the_guide_lists_fills_in_a_fact(project_copy: Path, tmp_path: Path) -> None:
    listed = section("Never type a fact into a page")
    variables = re.findall(r"`(\{\{.*?\}\})`", listed)
    example = re.search(r"For example: `([^`]+)`", listed)
    assert len(variables) >= 12 and example
    page = project_copy / "content" / "accessibility.md"
    page.write_text(page.read_text() + "\n" + "\n\n".join([*variables, example.group(1)]) + "\n")
    out = build(project_copy, tmp_path / "out")
    text = html(out, "/accessibility/")
    facts = yaml.safe_load((project_copy / "clinic.yml").read_text())
    for fact in (
        facts["phone"],
        facts["name"],
        facts["program"]["start_time"],
        facts["insurance"]["out_of_network"][0],
        facts["insurance"]["not_accepted"][0],
        'href="tel:988"',
        'href="tel:911"',
        "Request a free consultation",
    ):
        assert fact in text, fact
    assert "{{" not in text
    check_passes(project_copy)  # written as variables, the facts are not "typed in"


# --- Questions and answers -----------------------------------------------------------------


def faq_questions(out: Path) -> list[dict]:
    [faq] = [
        o for o in jsonld_objects(parse(out / "faq" / "index.html")) if o["@type"] == "FAQPage"
    ]
    return faq["mainEntity"]


def test_adding_a_question_and_answer(project_copy: Path, tmp_path: Path) -> None:
    example = block("Add or change a question and answer", "markdown")
    question = example.split("\n")[0].removeprefix("## ")
    answer = example.split("\n", 1)[1].strip()
    follows = "## Is what I share private?"
    faq = project_copy / "content" / "faq.md"
    # Below the answer of the question it should follow, after an empty line.
    edit(
        faq,
        lambda t: re.sub(
            rf"({re.escape(follows)}\n.*?\n)(\n## )",
            lambda m: m[1] + "\n" + example + m[2],
            t,
            count=1,
            flags=re.DOTALL,
        ),
    )
    out = build(project_copy, tmp_path / "out")
    names = [q["name"] for q in faq_questions(out)]
    assert names[names.index(follows.removeprefix("## ")) + 1] == question
    entry = next(q for q in faq_questions(out) if q["name"] == question)
    assert entry["acceptedAnswer"]["text"] == answer
    assert f">{question}" in html(out, "/faq/")
    check_passes(project_copy)


def test_moving_a_question_moves_it_everywhere(project_copy: Path, tmp_path: Path) -> None:
    faq = project_copy / "content" / "faq.md"
    moved = "## Do I have to take medicine?"

    def cut_and_paste_first(text: str) -> str:
        match = re.search(rf"{re.escape(moved)}\n.*?(?=\n## )", text, re.DOTALL)
        assert match
        text = text.replace(match[0] + "\n", "")
        first = text.index("\n## ") + 1
        return text[:first] + match[0] + "\n\n" + text[first:]

    edit(faq, cut_and_paste_first)
    out = build(project_copy, tmp_path / "out")
    assert faq_questions(out)[0]["name"] == moved.removeprefix("## ")
    check_passes(project_copy)


# --- Pages and the menu --------------------------------------------------------------------


def add_nav_lines(project: Path, example: str) -> None:
    """The guide shows the line already there and the new line under it."""
    existing, new = example.rstrip("\n").split("\n")
    edit(
        project / "mkdocs.yml",
        lambda t: t.replace(existing + "\n", existing + "\n" + new + "\n", 1),
    )


def add_spanish_page(project: Path, src: str, english_title: str, spanish_title: str) -> None:
    """Step 4 and 5 of the guide: the Spanish page beside the English one, its menu words in
    Spanish, and the --stamp that records which English text it matches."""
    title = "Add a page to the menu"
    spanish = block(title, "markdown", 1)
    default_title = yaml.safe_load(spanish.split("---\n")[1])["title"]
    spanish = spanish.replace(default_title, spanish_title)
    (project / "content" / src.replace(".md", ".es.md")).write_text(spanish)
    nav_words = block(title, "yaml", 1).strip().split(": ", 1)[1]
    line = f"            {english_title}: {nav_words.replace(default_title, spanish_title)}"
    edit(
        project / "mkdocs.yml",
        lambda t: t.replace(
            "          nav_translations:\n", f"          nav_translations:\n{line}\n", 1
        ),
    )
    command = re.search(
        r"python -m site_templates\.content_check --stamp \S+", section("Pages in Spanish")
    )
    code, _ = run_check(project, "--stamp", f"content/{src.replace('.md', '.es.md')}")
    assert command and code == 0


def test_adding_a_page_to_the_menu(project_copy: Path, tmp_path: Path) -> None:
    title = "Add a page to the menu"
    page_example, nav_example = block(title, "markdown"), block(title, "yaml")
    file_name = re.search(r"`content/([\w-]+\.md)`", section(title)).group(1)
    (project_copy / "content" / file_name).write_text(page_example)
    add_nav_lines(project_copy, nav_example)
    meta = yaml.safe_load(page_example.split("---\n")[1])
    spanish_meta = yaml.safe_load(block(title, "markdown", 1).split("---\n")[1])
    add_spanish_page(project_copy, file_name, meta["title"], spanish_meta["title"])
    out = build(project_copy, tmp_path / "out")
    new_url = url_of(file_name)
    page = html(out, new_url)
    assert re.search(rf'<h1 id="[^"]+">{re.escape(meta["title"])}<', page)
    assert f'Reviewed on <time datetime="{meta["reviewed"].isoformat()}">' in page
    assert footer(out, "/families/")[1] == new_url and footer(out, new_url)[0] == "/families/"
    menu = sidebar(out, "/guide/")
    assert menu[menu.index("/families/") + 1] == new_url
    spanish = html(out, "/es" + new_url)
    assert re.search(rf'<h1 id="[^"]+">{re.escape(spanish_meta["title"])}<', spanish)
    menu_words = rf">\s*{re.escape(spanish_meta['title'])}\s*<"
    assert re.search(menu_words, html(out, "/es/families/"))  # the Spanish menu
    report = check_passes(project_copy)
    assert counts(report) == (0, 0), report
    assert f"content/{file_name.replace('.md', '.es.md')}:" in report  # not yet reviewed


def test_adding_a_page_to_the_guide(project_copy: Path, tmp_path: Path) -> None:
    title = "Add a page to the menu"
    nav_line = re.search(r"like `(      - [^`]+)`", section(title)).group(1)
    src = nav_line.split(": ", 1)[1]
    page_example = block(title, "markdown").replace("Parking and getting here", "Paying for IOP")
    (project_copy / "content" / src).write_text(page_example)
    add_nav_lines(project_copy, "      - After IOP: guide/after-iop.md\n" + nav_line)
    add_spanish_page(project_copy, src, "Paying for IOP", "Cómo pagar el IOP")
    out = build(project_copy, tmp_path / "out")
    assert footer(out, "/guide/after-iop/")[1] == url_of(src)
    assert_follows_nav(project_copy, out)
    check_passes(project_copy)
    # After IOP's "Read next" line is made from the menu, so it names the new page.
    link = posixpath.relpath(url_of(src), "/guide/after-iop/") + "/"
    assert f'Read next: <a href="{link}">' in html(out, "/guide/after-iop/")
    assert f'Lea ahora: <a href="{link}">Cómo pagar el IOP</a>' in html(out, "/es/guide/after-iop/")


def test_reviewing_a_page_and_quoting_a_title(project_copy: Path, tmp_path: Path) -> None:
    example = block("The front matter", "yaml")
    quoted = re.search(r"`(title: \"[^`]+\")`", section("The front matter")).group(1)
    page = project_copy / "content" / "families.md"
    replace_lines(page, example + quoted)
    out = build(project_copy, tmp_path / "out")
    text = html(out, "/families/")
    reviewed = yaml.safe_load(example)
    day = reviewed["reviewed"]
    assert (
        f'Reviewed on <time datetime="{day.isoformat()}">{day:%B} {day.day}, {day.year}</time>'
        in text
    )
    assert f"by {reviewed['reviewer']}." in text
    assert "<title>Costs: what to expect" in text
    check_passes(project_copy)


def test_reordering_the_guide_as_the_guide_shows(project_copy: Path, tmp_path: Path) -> None:
    example = block("Change the order of the menu", "yaml")
    config = project_copy / "mkdocs.yml"

    def replace_guide_entries(text: str) -> str:
        return re.sub(r"  - The guide to IOP:\n(?:      - .*\n)+", example, text, count=1)

    edit(config, replace_guide_entries)
    out = build(project_copy, tmp_path / "out")
    assert footer(out, "/guide/what-to-expect/") == (
        "/guide/levels-of-care/",
        "/guide/is-iop-right/",
    )
    assert_follows_nav(project_copy, out)
    check_passes(project_copy)
    # The "Read next" lines and the guide's own list of pages follow the new order by themselves.
    assert 'Read next: <a href="../what-to-expect/">' in html(out, "/guide/levels-of-care/")
    assert 'Read next: <a href="../is-iop-right/">' in html(out, "/guide/what-to-expect/")
    listed = re.findall(r'<li><a href="([a-z-]+)/">', html(out, "/guide/"))
    assert listed[:5] == [
        "challenges",
        "levels-of-care",
        "what-to-expect",
        "is-iop-right",
        "after-iop",
    ]


def test_reordering_nav_alone_reorders_menu_and_footer_links(
    project_copy: Path, tmp_path: Path
) -> None:
    """The guide's pages reversed and the FAQ moved up, by editing mkdocs.yml's nav only."""
    config = project_copy / "mkdocs.yml"

    def reverse_guide_and_move_faq(text: str) -> str:
        guide = re.search(r"(      - guide/index\.md\n)((?:      - .*\n)+)", text)
        assert guide
        entries = guide[2].rstrip("\n").split("\n")
        text = text.replace(guide[2], "\n".join(reversed(entries)) + "\n")
        faq = "  - Questions and answers: faq.md\n"
        return text.replace(faq, "").replace("  - Get started:", faq + "  - Get started:")

    before = nav_order(project_copy)
    edit(config, reverse_guide_and_move_faq)
    after = nav_order(project_copy)
    assert after != before and sorted(after) == sorted(before)
    assert after[1] == "/faq/" and after.index("/guide/after-iop/") < after.index(
        "/guide/challenges/"
    )
    out = build(project_copy, tmp_path / "out")
    assert_follows_nav(project_copy, out)


# --- Pictures ------------------------------------------------------------------------------

# The smallest JPEG file: one white pixel.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc000"
    "0b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400"
    "b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c1"
    "1552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63"
    "6465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6"
    "b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008"
    "010100003f00fbd3ffd9"
)


def test_adding_a_picture_with_alt_text(project_copy: Path, tmp_path: Path) -> None:
    title = "Add a picture"
    top_level, in_guide = block(title, "markdown", 0).strip(), block(title, "markdown", 1).strip()
    alt, src = re.match(r"!\[([^\]]+)\]\(([^)]+)\)", top_level).groups()
    images = project_copy / "content" / "images"
    images.mkdir()
    (images / Path(src).name).write_bytes(JPEG)
    edit(
        project_copy / "content" / "families.md",
        lambda t: t.replace("# For families\n", f"# For families\n\n{top_level}\n", 1),
    )
    edit(
        project_copy / "content" / "guide" / "challenges.md",
        lambda t: t.replace(
            "# Challenges IOP helps with\n", f"# Challenges IOP helps with\n\n{in_guide}\n", 1
        ),
    )
    out = build(project_copy, tmp_path / "out")
    assert (out / "images" / Path(src).name).read_bytes() == JPEG
    for url in ("/families/", "/guide/challenges/"):
        imgs = re.findall(r"<img\b[^>]*>", html(out, url))
        shown = [i for i in imgs if Path(src).name in i]
        assert len(shown) == 1, imgs
        assert f'alt="{alt}"' in shown[0]
        img_src = re.search(r'src="([^"]+)"', shown[0]).group(1)
        assert resolve(url, img_src) == f"/images/{Path(src).name}"
    check_passes(project_copy)


# --- The content check ---------------------------------------------------------------------


def test_the_guides_example_finding_is_what_the_check_prints(project_copy: Path) -> None:
    example = block("Check your work", "text").strip()
    match = FINDING.match(example)
    assert match, example
    head, tail = example.split(" ... ")
    line = int(match["line"])
    faq = project_copy / match["path"]
    lines = faq.read_text().split("\n")
    lines[line - 1] = "IOP will not cure you overnight, but it can help."
    faq.write_text("\n".join(lines))
    code, report = run_check(project_copy)
    assert code == 1
    [printed] = [ln for ln in report.splitlines() if ln.startswith(f"{match['path']}:{line}:")]
    assert printed.startswith(head) and printed.endswith(tail)


def test_the_table_explains_every_kind_of_finding() -> None:
    rows = re.findall(
        r"^\| `([a-z-]+)` \| (Error|Warning) \|",
        section("What the content check means"),
        re.MULTILINE,
    )
    kinds = dict(rows)
    assert len(kinds) == len(rows), "a kind is listed twice"
    assert set(kinds) == set(content_check.RULES)
    warnings = {kind for kind, level in kinds.items() if level == "Warning"}
    assert warnings == {"review-date", "reading-grade", "translation-review", "translation-stale"}


def test_adding_a_word_the_site_must_never_use(project_copy: Path) -> None:
    example = block("Adding words the site must never use", "yaml")
    word = example.strip().removeprefix("- ")
    rules = project_copy / "content_rules.yml"
    shutil.copy(ROOT / "content_rules.yml", rules)
    assert rules.read_text().endswith("\n")
    rules.write_text(rules.read_text() + example)  # the list is the end of the file
    page = project_copy / "content" / "index.md"
    page.write_text(page.read_text() + f"\nA {word.upper()} program.\n")
    code, report = run_check(project_copy)
    assert code == 1
    assert re.search(
        rf'^content/index\.md:\d+: error: "{word.upper()}" .*\[promise\]$', report, re.MULTILINE
    )


# --- The preview ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a loopback URL
            return response.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, wanted: str, deadline: float, server: subprocess.Popen) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, "the preview stopped"
        page = fetch(url)
        if page and wanted in page:
            return
        time.sleep(0.3)
    raise AssertionError(f"{wanted!r} never appeared at {url}")


def test_the_preview_shows_edits_as_they_are_saved(project_copy: Path, tmp_path: Path) -> None:
    """`make preview`'s own command, on a free port, on a copy: edit, save, see the change."""
    recipe = re.search(r"^preview:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert recipe
    port = free_port()
    args = recipe.group(1).replace("127.0.0.1:8001", f"127.0.0.1:{port}").split()
    assert args[0] == "$(BIN)/python"
    command = [sys.executable, *args[1:]]
    env = {
        **os.environ,
        "CLINIC_FACTS": str(project_copy / "clinic.yml"),
        "NO_MKDOCS_2_WARNING": "1",
    }
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "preview.log").open("w") as log:
        server = subprocess.Popen(
            command, cwd=project_copy, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_for(f"{base}/faq/", "Questions and answers", time.monotonic() + 90, server)
            page = project_copy / "content" / "faq.md"
            page.write_text(page.read_text() + "\nA sentence saved just now by an editor.\n")
            wait_for(
                f"{base}/faq/",
                "A sentence saved just now by an editor.",
                time.monotonic() + 60,
                server,
            )
            replace_lines(project_copy / "clinic.yml", '  start_time: "5:15 pm"')
            wait_for(f"{base}/", "5:15 pm", time.monotonic() + 60, server)
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\n{(tmp_path / 'preview.log').read_text()[-3000:]}"
            ) from None
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
