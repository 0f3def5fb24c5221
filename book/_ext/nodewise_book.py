"""Sphinx hooks for the book.

- Drop script tags registered twice (sphinx-thebe 0.3.1 under Sphinx 7 adds its `const THEBE_JS_URL` block twice,
  which throws "Identifier 'THEBE_JS_URL' has already been declared").
- Find the repository the buttons point at (`repository_url`): `NODEWISE_REPOSITORY`, else GitHub Actions'
  `GITHUB_REPOSITORY`, else a GitHub `origin` remote of the checkout. Without one the book shows no repository or
  launch buttons rather than buttons to a repository that does not exist.
- Point the launch buttons (Binder, Colab) at the source notebook `notebooks/<section>.ipynb`: the page is built
  from the executed copy `book/<section>.ipynb`, a build product that is not in the repository.
- The download menu: the page's print button says that it prints claim tables and solutions in full, and a link
  to the whole book's PDF (`make pdf`) is added once that PDF is in the HTML build.
- Numbered notebook tables: a cell whose `mystnb.figure` metadata has the class `nodewise-table` gets its output
  (a DataFrame's HTML) numbered as a table ("Table N", `{numref}` works), not as a figure. myst-nb wraps outputs
  only in figures, and Sphinx numbers a table only when it is a docutils table, which raw HTML is not.
- The `section-times` directive: a table of each section's profile and wall time, read from results/*.json at
  build time, so the times printed in the book are the ones measured for it.
- One table style: in a notebook's HTML table, numbers are written as the book writes them
  (lib.claims_table.tidy_text: no six-decimal floats, no 1e+04, ∞ for inf, "—" for a missing value); a short cell
  or a value ("0.31 ± 0.01") gets the class `nw-short` (no line breaks, _static/nodewise.css) and a table of many
  columns the class `nw-compact` (a smaller type), and a very wide, short one is shown transposed, so that tables
  fit the column rather than scroll.
- Alt text of figures: an image inside a captioned figure gets the caption as its alt text (myst-nb gives notebook
  outputs none, and a screen reader would read the hashed file name).
- Parameters as run: a chapter's `parameters` cell shows the values its run used, read from
  results/<section>.json at build time, where the source notebook has None ("the profile's value").
- The student edition (`make book EDITION=student`, i.e. NODEWISE_EDITION=student): every admonition titled
  "Solution" is left out of the pages, the exercises stay.
- The `scorecard` directive: the claims ledger of every chapter, read from results/*.json at build time — the
  count of claims per verdict for each chapter, then every claim with its verdict, linked to its chapter's table.
- Search without TeX: formulas are left out of the search index (the page's search snippets are plain text too,
  _static/nodewise.js).
- The `paper-projection` directive: the projected cost of every section's `paper` profile, read at build time from
  benchmarks/paper_workloads.json (`make bench`), beside the wall time of the section's reference run, if any.
"""

import html
import json
import os
import posixpath
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective

from lib.book import format_duration
from lib.claims import ROLES, VERDICTS, counts, headline
from lib.claims_table import anchor, claims_table_html, tidy_text
from lib.plots import phone_width_px
from lib.reference import claim_verdicts, is_stale, load_reference, reference_path, rejudge
from lib.studies import SECTIONS, study


def _script_key(script) -> tuple:
    """What makes two script tags the same: file name (None and "" alike: an inline script) and attributes,
    the body of an inline script included."""
    attributes = getattr(script, "attributes", {})
    return getattr(script, "filename", str(script)) or "", tuple(sorted((k, str(v)) for k, v in attributes.items()))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of identical script tags on every page."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


GITHUB_REMOTE = re.compile(r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)"
                           r"(?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?/?$")


def repository_url(environ: dict, origin: str | None) -> str | None:
    """https://github.com/<owner>/<name> from NODEWISE_REPOSITORY, GITHUB_REPOSITORY or a GitHub remote URL."""
    if environ.get("NODEWISE_REPOSITORY"):
        return environ["NODEWISE_REPOSITORY"].rstrip("/")
    if environ.get("GITHUB_REPOSITORY"):
        return f"{environ.get('GITHUB_SERVER_URL', 'https://github.com')}/{environ['GITHUB_REPOSITORY']}"
    match = GITHUB_REMOTE.match(origin or "")
    return f"https://github.com/{match['repo']}" if match else None


def origin_remote(folder: str) -> str | None:
    """The URL of the checkout's `origin` remote, if there is one."""
    proc = subprocess.run(["git", "-C", folder, "remote", "get-url", "origin"], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def configure_repository(app, config) -> None:
    """Set the theme's repository URL, or drop the repository and launch buttons when none is known."""
    url = repository_url(os.environ, origin_remote(app.srcdir))
    options = config.html_theme_options
    if url:
        options.update(repository_url=url, use_repository_button=True)
    else:
        options.update(repository_url="", use_repository_button=False, launch_buttons={})


def launch_note(url: str | None) -> str:
    """What a reader of this build can launch: the repository the chapters' launch buttons open, or why there are
    none and how to run a chapter without them."""
    if url:
        return (f"This build has them: each opens the chapter's notebooks/<section>.ipynb from {url} on Binder or "
                "Colab.")
    return ("This build was made without a public repository, so its chapters have no launch buttons: run a chapter "
            "from a clone instead (make section S=<section>, or open notebooks/<section>.ipynb in Jupyter with the "
            "project's environment).")


class LaunchNote(SphinxDirective):
    """The `launch-note` directive: one paragraph saying whether this build's chapters have launch buttons
    (launch_note), so that the page never promises a button the build lacks."""

    def run(self):
        url = self.config.html_theme_options.get("repository_url") or None
        return [nodes.paragraph(text=launch_note(url), classes=["nw-launch-note"])]


def launch_source_notebooks(app, pagename, templatename, context, doctree) -> None:
    """Rewrite launch-button links from the executed book/<section>.ipynb to notebooks/<section>.ipynb."""
    executed = f"{pagename}.ipynb"
    if not pagename.startswith("book/"):
        return
    source = "notebooks/" + executed.removeprefix("book/")
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if group.get("label") == "launch-buttons" else []:
            button["url"] = button["url"].replace(executed, source)


BOOK_PDF = "nodewise.pdf"  # the whole book, printed by `make pdf` (scripts/book_pdf.py) into the HTML build too


def download_buttons(app, pagename, templatename, context, doctree) -> None:
    """The download menu: the page's print button says what it prints (_static/nodewise.js opens the claim
    tables' notes and the solutions first), and, once `make pdf` has printed the whole book into the HTML build,
    a link to that PDF."""
    pdf = Path(app.outdir) / BOOK_PDF
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("label") == "download-pdf-button":
                button.update(text=".pdf (this page)", tooltip="Print this page to PDF, claim tables and solutions "
                                                              "in full")
        if pdf.is_file() and "pathto" in context:
            group["buttons"].append({"type": "link", "url": context["pathto"](BOOK_PDF, 1), "text": ".pdf (book)",
                                     "tooltip": "The whole book as one PDF (make pdf)", "icon": "fas fa-book",
                                     "label": "download-book-pdf-button"})


IMG_TAG = re.compile(r'<img (?P<before>[^>]*?)src="(?P<src>[^"]+\.png)"(?P<after>[^>]*?)style="width: 100%;"')


def phone_widths(markup: str, png_of: Callable[[str], bytes | None]) -> str:
    """HTML whose full-width figure images carry, as the CSS property --nw-phone-min, the width at which their
    smallest text reads at lib.plots.PHONE_TEXT_PX on a phone (_static/nodewise.css applies it on narrow screens,
    where the figure then scrolls sideways in its own box); `png_of(src)` gives an image's bytes, or None."""
    def widen(match: re.Match) -> str:
        png = png_of(match["src"])
        width = phone_width_px(png) if png is not None else None
        style = "width: 100%;" + (f" --nw-phone-min: {width}px;" if width else "")
        return f'<img {match["before"]}src="{match["src"]}"{match["after"]}style="{style}"'

    return IMG_TAG.sub(widen, markup)


def phone_legible_figures(app, pagename, templatename, context, doctree) -> None:
    """Every figure of a page gets its phone width (phone_widths), read from the image files the build copies."""
    if "body" not in context:
        return
    sources = {posixpath.basename(name): Path(app.srcdir) / path for path, name in app.builder.images.items()}

    def png_of(src: str) -> bytes | None:
        path = sources.get(posixpath.basename(src))
        return path.read_bytes() if path is not None and path.is_file() else None

    context["body"] = phone_widths(context["body"], png_of)


TABLE_CLASS = "nodewise-table"


class numbered_table(nodes.General, nodes.Element):
    """A captioned notebook table output, numbered in the sequence of tables (caption above, as for tables)."""


class NotebookTables(SphinxTransform):
    """Turn the figures that myst-nb made of table outputs (class nodewise-table) into numbered tables."""

    default_priority = 200

    def apply(self, **kwargs) -> None:
        for figure in list(self.document.findall(nodes.figure)):
            if TABLE_CLASS in figure["classes"]:
                attributes = {**figure.attributes, "classes": [c for c in figure["classes"] if c != TABLE_CLASS]}
                table = numbered_table(figure.rawsource, *figure.children, **attributes)
                figure.replace_self(table)
                for node_id in table["ids"]:
                    self.document.ids[node_id] = table
                for caption in table.findall(nodes.caption):
                    caption["classes"].append("table-caption")
                    if table["ids"]:
                        caption += nodes.reference("", "#", refid=table["ids"][0], classes=["headerlink"])


def visit_numbered_table(self, node) -> None:
    self.body.append(self.starttag(node, "div", CLASS=TABLE_CLASS))


def depart_numbered_table(self, node) -> None:
    self.body.append("</div>\n")


class FigureAltText(SphinxTransform):
    """Give every image of a captioned figure the caption as alt text, unless it has its own."""

    default_priority = 205

    def apply(self, **kwargs) -> None:
        caption_alt_text(self.document)


def caption_alt_text(document: nodes.document) -> int:
    """Set the alt text of images in captioned figures that have none to the caption; how many were set."""
    count = 0
    for figure in document.findall(nodes.figure):
        captions = list(figure.findall(nodes.caption))
        for image in figure.findall(nodes.image) if captions else ():
            if not image.get("alt"):
                image["alt"] = " ".join(captions[0].astext().split())
                count += 1
    return count


SHORT_CELL = 16  # characters: a cell this short is kept on one line
VALUE_CELL = 32  # characters: a value this short ("0.3123 ± 0.0123 (n = 3)") is kept on one line
VALUE = re.compile(r"^[-−+]?[\d.,∞—]")
COMPACT_COLUMNS = 9  # a table with this many columns or more is set a step smaller (class nw-compact)
TRANSPOSE_COLUMNS = 15  # a table this wide with fewer rows than columns/2 is shown transposed (it fits that way)
LONG_TOKEN = re.compile(r"[^\s<>&]{19,}")  # a word this long (an id, a path) gets break points


def break_points(text: str) -> str:
    """Text as HTML with a <wbr> after each dot, underscore or slash of its long words, so that an id such as
    hd2020.fig10.mse_2x320_no_rise can wrap between its parts instead of widening its column."""
    return LONG_TOKEN.sub(lambda m: re.sub(r"([._/])", r"\1<wbr/>", m.group(0)), html.escape(text, quote=False))


class ShortCells(SphinxTransform):
    """Notebook HTML tables (DataFrames) in the book's one table style: numbers written by
    lib.claims_table.tidy_text, and short cells marked so that a value such as "0.31 ± 0.01" never wraps."""

    default_priority = 206

    def apply(self, **kwargs) -> None:
        for raw in self.document.findall(nodes.raw):
            if "html" in raw.get("format", "").split() and "<table" in raw.astext():
                marked = mark_short_cells(raw.astext())
                raw.replace_self(nodes.raw(marked, marked, **raw.attributes))


def transpose(table, soup) -> bool:
    """Show a wide, short pandas table transposed (its columns as rows, its rows as columns), in place; False,
    leaving it as it is, when it has merged cells, more than one header row besides the index names, or more rows
    than half its columns."""
    if table.find(attrs={"colspan": True}) or table.find(attrs={"rowspan": True}) or table.find("table"):
        return False
    head = [[c.get_text(" ", strip=True) for c in r.find_all(["th", "td"], recursive=False)]
            for r in (table.thead.find_all("tr") if table.thead else [])]
    body = [r.find_all(["th", "td"], recursive=False) for r in (table.tbody or table).find_all("tr", recursive=False)]
    if len(head) not in (1, 2) or not body or len(body) * 2 > len(head[0]) or any(len(r) != len(head[0])
                                                                                  for r in body):
        return False
    corner = head[1][0] if len(head) == 2 else head[0][0]  # the index's name
    grid = [[corner, *(r[0].get_text(" ", strip=True) for r in body)]]
    for j, name in enumerate(head[0][1:], start=1):
        grid.append([name, *(r[j] for r in body)])
    new_head = soup.new_tag("thead")
    row = soup.new_tag("tr")
    for text in grid[0]:
        cell = soup.new_tag("th")
        cell.string = text
        row.append(cell)
    new_head.append(row)
    new_body = soup.new_tag("tbody")
    for name, *cells in grid[1:]:
        row = soup.new_tag("tr")
        first = soup.new_tag("th")
        first.string = name
        row.append(first)
        for cell in cells:
            moved = soup.new_tag("td")
            moved.extend(list(cell.contents))
            row.append(moved)
        new_body.append(row)
    for old in table.find_all(["thead", "tbody"], recursive=False):
        old.decompose()
    table.append(new_head)
    table.append(new_body)
    table["class"] = [*table.get("class", []), "nw-transposed"]
    return True


def mark_short_cells(markup: str) -> str:
    """HTML with the numbers of every table cell tidied (lib.claims_table.tidy_text), class nw-short added to
    every td/th whose text has at most SHORT_CELL characters (or VALUE_CELL for a value, except in a table of
    COMPACT_COLUMNS columns or more, which gets class nw-compact instead; one of TRANSPOSE_COLUMNS and few rows is
    transposed first); the claim tables (class nw-claims), formatted and laid out by lib.claims_table already,
    are left as they are."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for table in soup.find_all("table"):
        if "nw-claims" in table.get("class", []):
            continue
        columns = max((len(row.find_all(["td", "th"], recursive=False)) for row in table.find_all("tr")), default=0)
        if columns >= TRANSPOSE_COLUMNS and transpose(table, soup):
            columns = max(len(row.find_all(["td", "th"], recursive=False)) for row in table.find_all("tr"))
        compact = columns >= COMPACT_COLUMNS
        if compact:
            table["class"] = [*table.get("class", []), "nw-compact"]
        for cell in table.find_all(["td", "th"]):
            for string in list(cell.find_all(string=True)):
                tidy = tidy_text(str(string))
                if LONG_TOKEN.search(tidy):  # an id or a path: break points after its dots and underscores
                    string.replace_with(BeautifulSoup(break_points(tidy), "html.parser"))
                elif tidy != str(string):
                    string.replace_with(tidy)
            text = cell.get_text(" ", strip=True)
            fits = len(text) <= SHORT_CELL and not (compact and " ± " in text)
            if fits or (not compact and len(text) <= VALUE_CELL and VALUE.match(text)):
                cell["class"] = [*cell.get("class", []), "nw-short"]
    return str(soup)


PARAMETER_LINE = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?P<eq>\s*=\s*)(?P<value>None|\"[^\"]*\"|'[^']*')"
                            r"(?P<rest>\s*(#.*)?)$")


class ParametersAsRun(SphinxTransform):
    """A chapter's `parameters` cell shows the values its run used (results/<section>.json), not the source
    notebook's None ("the profile's value"); the profile is the one it ran with."""

    default_priority = 207

    def apply(self, **kwargs) -> None:
        docname = self.env.docname
        if not docname.startswith("book/"):
            return
        path = results_folder(self.env) / f"{docname.removeprefix('book/')}.json"
        if not path.is_file():
            return
        self.env.note_dependency(str(path))
        record = json.loads(path.read_text())
        for cell in self.document.findall(nodes.container):
            if "tag_parameters" in cell.get("classes", []):
                for block in cell.findall(nodes.literal_block):
                    text = parameters_as_run(block.astext(), record.get("profile", ""), record.get("parameters", {}))
                    block.children = [nodes.Text(text)]
                    block.rawsource = text


def python_value(value) -> str:
    """A parameter value as Python source: a list as a tuple (the pairs the parameters cell accepts)."""
    if isinstance(value, list):
        return "(" + ", ".join(python_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def parameters_as_run(source: str, profile: str, parameters: dict) -> str:
    """The parameters cell's source with each `name = None` replaced by the value the run used and the profile
    by the run's, under a first line that says so."""
    lines = []
    for line in source.splitlines():
        match = PARAMETER_LINE.match(line)
        if match and match["name"] == "profile" and profile:
            line = f'{match["name"]}{match["eq"]}"{profile}"{match["rest"]}'
        elif match and match["value"] == "None" and match["name"] in parameters:
            line = f'{match["name"]}{match["eq"]}{python_value(parameters[match["name"]])}{match["rest"]}'
        lines.append(line)
    return "\n".join([f"# the values this run used (profile {profile!r}; the source notebook has None for "
                      "\"the profile's value\")", *lines])


def results_folder(env) -> Path:
    """Where the results of the build's runs are: NODEWISE_RESULTS, else results/ of the book."""
    return Path(os.environ.get("NODEWISE_RESULTS", Path(env.srcdir) / "results"))


EDITION_ENV = "NODEWISE_EDITION"


def is_solution(node: nodes.Element) -> bool:
    """An exercise's solution: an admonition whose title starts with "Solution"."""
    titles = [child for child in node.children if isinstance(child, nodes.title)]
    return bool(titles) and titles[0].astext().strip().startswith("Solution")


class StudentEdition(SphinxTransform):
    """In the student edition, remove the solutions of the exercises."""

    default_priority = 210

    def apply(self, **kwargs) -> None:
        if os.environ.get(EDITION_ENV, "full") == "student":
            remove_solutions(self.document)


def remove_solutions(document: nodes.document) -> int:
    """Remove every solution admonition from a doctree; how many were removed."""
    solutions = [node for node in document.findall(nodes.admonition) if is_solution(node)]
    for node in solutions:
        node.parent.remove(node)
    return len(solutions)


HEADER = ["section", "profile", "wall time", "device", "torch threads", "load average"]


def time_rows(records: list[dict]) -> list[list[str]]:
    """One row per results record (the runner's wall time, else the notebook's elapsed time), then a total per
    profile."""
    rows, totals = [], {}
    for record in records:
        env, wall = record.get("environment", {}), record.get("wall_s", record["elapsed_s"])
        totals[record["profile"]] = totals.get(record["profile"], 0.0) + wall
        load = f"{record['load_average']:.1f}" if "load_average" in record else "?"
        rows.append([record["section"], record["profile"], format_duration(wall), env.get("device", "?"),
                     env.get("threads", "?"), load])
    return rows + [[f"all ({profile})", profile, format_duration(total), "", "", ""]
                   for profile, total in totals.items()]


class SectionTimes(SphinxDirective):
    """A table of results/*.json: section, profile, wall time, device and load average, as measured; the argument
    is its caption, `:name:` its label (a table with a caption is numbered)."""

    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"name": directives.unchanged}

    def run(self):
        folder = Path(os.environ.get("NODEWISE_RESULTS", Path(self.env.srcdir) / "results"))
        paths = sorted(folder.glob("*.json"))
        for path in paths:
            self.env.note_dependency(str(path))
        if not paths:
            rows = [["(none yet)", "", "", "", "", ""]]  # the table stays, so references to it still resolve
        else:
            rows = time_rows([json.loads(path.read_text()) for path in paths])
        table = table_node(HEADER, rows, self.arguments[0] if self.arguments else None)
        self.add_name(table)
        return [table]


def results_records(directive: SphinxDirective) -> dict[str, dict]:
    """results/<section>.json of every section that has one (NODEWISE_RESULTS, else results/), noted as
    dependencies of the page so that it is rebuilt when they change."""
    folder = Path(os.environ.get("NODEWISE_RESULTS", Path(directive.env.srcdir) / "results"))
    records = {}
    for path in sorted(folder.glob("*.json")):
        directive.env.note_dependency(str(path))
        record = json.loads(path.read_text())
        records[record["section"]] = record
    return records


def chapter_title(section: str) -> str:
    """A chapter's title as its page (and the sidebar) shows it: the first "# " heading of its notebook, else the
    study's title."""
    path = Path(__file__).resolve().parents[2] / "notebooks" / f"{section}.ipynb"
    if path.is_file():
        for cell in json.loads(path.read_text()).get("cells", []):
            source = "".join(cell.get("source", []))
            if cell.get("cell_type") == "markdown" and source.startswith("# "):
                return source.splitlines()[0][2:].strip()
    return study(section).title


def chapter_link(section: str) -> nodes.Node:
    """A link to a chapter page, titled as the page is."""
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget=f"/book/{section}", refexplicit=True)
    ref += nodes.inline(text=chapter_title(section))
    return ref


def ledger_link(section: str) -> nodes.Node:
    """A link to the chapter's "Paper vs this run" table ("Table N")."""
    ref = addnodes.pending_xref("", refdomain="std", reftype="numref", reftarget=f"tab-{section}-paper-vs-run",
                                refexplicit=False)
    ref += nodes.inline(text=f"tab-{section}-paper-vs-run")
    return ref


def badge(verdict: str) -> nodes.Node:
    """The verdict as a coloured badge with its word (the classes of _static/nodewise.css)."""
    return nodes.inline(text=verdict, classes=["verdict", f"verdict-{verdict.replace(' ', '-')}"])


def book_verdicts(section: str, record: dict | None, reference: dict | None) -> tuple[list[dict], str]:
    """The claims whose verdicts the book stands by for a chapter, and where they come from: the committed
    paper-scale reference run re-judged by today's rule (lib.reference) when it is not stale, else the run the
    book was built from (an empty list for a chapter not in the ledger)."""
    if reference is not None and not is_stale(reference):
        meta = reference.get("reference", {})
        return rejudge(reference), f"paper-scale reference ({meta.get('date', '?')}, {meta.get('device', '?')})"
    if record is None or "claims" not in record:
        return [], "not run yet" if record is None else "not yet in the ledger"
    stale = "; its paper-scale reference is stale" if reference is not None else ""
    return record["claims"], f"{record['profile']} run{stale}"


def share_text(found: dict) -> str:
    """reproduced / (reproduced + differs) in words, e.g. "8 of 23 (35 %)"; "—" when none is decided."""
    if not found["decided"]:
        return "— (none decided)"
    return f"{found['reproduced']} of {found['decided']} ({100 * found['share']:.0f} %)"


def headline_rows(verdicts: dict[str, tuple[list[dict], str]]) -> list[list]:
    """Per chapter and for the book: where its verdicts come from, reproduced of decided (reproduced + differs)
    over the `reproduction` claims, the inconclusive ones beside it, the fragile verdicts, the claims."""
    rows, everything = [], []
    for section in SECTIONS:
        claims, basis = verdicts.get(section, ([], "not run yet"))
        everything += claims
        rows.append(headline_row(chapter_link(section), basis, claims))
    bases = {basis.split(" (")[0].split(";")[0] for claims, basis in verdicts.values() if claims}
    rows.append(headline_row(nodes.strong(text="The book"), ", ".join(sorted(bases)) or "—", everything))
    return rows


def headline_row(name: nodes.Node, basis: str, claims: list[dict]) -> list:
    """One row of the headline table (see headline_rows)."""
    if not claims:
        return [name, basis, "—", "—", "—", "—"]
    found = headline(claims)
    fragile = sum(bool(c.get("fragile")) for c in claims)
    return [name, basis, share_text(found), str(found["inconclusive"]), str(fragile),
            f"{found['claims']} of {len(claims)}"]


HEADLINE_HEADER = ["chapter", "verdicts from", "reproduced of decided", "inconclusive", "fragile",
                   "reproduction claims of all"]


def role_rows(claims: list[dict]) -> list[list]:
    """Claims per verdict (a badge per row) and role (a column each), with a total column and a grand-total row."""
    table = {role: counts(claims, role=role) for role in ROLES}
    rows = [[badge(v), *(str(table[r][v]) if table[r][v] else "·" for r in ROLES),
             str(sum(table[r][v] for r in ROLES))] for v in VERDICTS]
    totals = [sum(table[r].values()) for r in ROLES]
    return rows + [[nodes.strong(text="all verdicts"), *map(str, totals), str(sum(totals))]]


def fragile_count(claims: list[dict]) -> int:
    """How many verdicts are marked fragile (margin below one predictive standard deviation)."""
    return sum(bool(c.get("fragile")) for c in claims)


def is_offset(claim: dict) -> bool:
    """A table's systematic-offset claim (lib.claims.no_offset): id ending .systematic_offset."""
    return claim["id"].endswith(".systematic_offset")


def chapter_heading(section: str, record: dict, reference: dict | None) -> str:
    """A group heading of the scorecard's claim table, as HTML: the chapter, linked to its table, and its runs."""
    ref = "" if reference is None else (
        f"; paper scale: the reference run of {html.escape(reference.get('reference', {}).get('date', '?'))}"
        + (" (stale)" if is_stale(reference) else ""))
    target = nodes.make_id(f"tab-{section}-paper-vs-run")  # the id Sphinx gives the chapter table's name
    return (f'<a href="{section}.html#{target}">{html.escape(chapter_title(section))}</a> '
            f'<span class="nw-muted">(this run: profile {html.escape(record.get("profile", "?"))}{ref})</span>')


def scorecard_claims_html(records: dict[str, dict], references: dict[str, dict | None],
                          keep: Callable[[dict], bool] = lambda claim: True, prefix: str = "") -> str:
    """The claim table of lib.claims_table for every chapter in the ledger (the claims that `keep`), grouped by
    chapter, each label linked to its row in the chapter's table; a "paper scale" column from the reference
    runs."""
    rows, found, headings = [], {}, {}
    for section in SECTIONS:
        record, reference = records.get(section, {}), references.get(section)
        for claim in (c for c in record.get("claims", []) if keep(c)):
            rows.append({**claim, "section": section})
            headings[claim["id"]] = chapter_heading(section, record, reference)
            for ref_id, ref in claim_verdicts(reference).items():
                found.setdefault(ref_id, {**ref, "stale": is_stale(reference)})
    if not rows:
        return '<p class="nw-muted">(none in the ledger yet)</p>'
    return claims_table_html(rows, found, group=lambda c: headings[c["id"]],
                             link=lambda c: f"{c['section']}.html#{anchor(c['id'])}", prefix=prefix)


def captioned_html(markup: str, caption: str | None, name_holder: SphinxDirective) -> nodes.Element:
    """Raw HTML as a numbered table (the enumerable node of notebook tables) with its caption above."""
    table = numbered_table("", classes=["scorecard-wrap"])
    if caption:
        title = nodes.caption(caption, caption, classes=["table-caption"])
        table += title
    table += nodes.raw("", markup, format="html")
    name_holder.add_name(table)
    return table


class Scorecard(SphinxDirective):
    """The book's scorecard, from results/*.json and results/reference/*.json: `:part:` `headline` (reproduced
    of decided per chapter and for the book), `roles` (claims per verdict and role, with totals), `offsets` (the
    tables' systematic offsets) or `claims` (every claim); the argument is the caption, `:name:` the label."""

    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"name": directives.unchanged,
                   "part": lambda text: directives.choice(text, ("headline", "roles", "offsets", "claims"))}

    def run(self):
        records = results_records(self)
        references = {section: load_reference(section) for section in SECTIONS}
        for section in SECTIONS:
            self.env.note_dependency(str(reference_path(section)))
        caption = self.arguments[0] if self.arguments else None
        part = self.options.get("part", "headline")
        if part in ("offsets", "claims"):
            keep = is_offset if part == "offsets" else (lambda claim: True)
            markup = scorecard_claims_html(records, references, keep, prefix="offset-" if part == "offsets" else "")
            return [captioned_html(markup, caption, self)]
        verdicts = {s: book_verdicts(s, records.get(s), references.get(s)) for s in SECTIONS}
        if part == "headline":
            header, rows = HEADLINE_HEADER, headline_rows(verdicts)
        else:
            everything = [c for claims, _ in verdicts.values() for c in claims]
            header, rows = ["verdict", *ROLES, "all roles"], role_rows(everything)
        table = table_node(header, rows, caption, f"scorecard scorecard-{part}")
        self.add_name(table)
        return [table]


PROJECTION_HEADER = ["section", "engine calls", "CPU, one process (h, at the epoch caps)", "CPU, on the cores (h)",
                     "share in calls that stop early", "steps at the caps", "GPU estimate (h)", "reference run"]
H100_EAGER_STEP_S = 2.8e-3  # s per engine step of six stacked 9x320 nets on one H100, eager (2026-11-22; README)


def projection_rows(results: dict, references: dict[str, dict | None]) -> list[list[str]]:
    """One row per section of a paper_workloads result: its calls, projected CPU hours at the caps in one process
    and longest-first on the workers, the share of that time in calls that stop early, the engine steps at the
    caps, those steps at the H100's eager step time (an estimate, not a measurement), and the wall time of the
    section's reference run."""
    rows = []
    for section, total in results["sections"].items():
        steps = sum(r["steps_at_cap"] for r in results["rows"] if r["section"] == section)
        reference = references.get(section)
        meta = None if reference is None else reference["reference"]
        ran = "none" if meta is None else f"{format_duration(reference['wall_s'])} ({meta['device']}, {meta['date']})"
        rows.append([section, str(total["calls"]), f"{total['hours_at_cap']:.1f}", f"{total['wall_hours_at_cap']:.1f}",
                     f"{100 * total['share_that_may_stop_early']:.0f} %", f"{steps:,}",
                     f"{steps * H100_EAGER_STEP_S / 3600:.1f}", ran])
    return rows


class PaperProjection(SphinxDirective):
    """The projected cost of each section's `paper` profile from benchmarks/paper_workloads.json (timed steps;
    `make bench`), with the section's reference run; the argument is the caption, `:name:` the label."""

    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"name": directives.unchanged}

    def run(self):
        path = Path(self.env.srcdir) / "benchmarks" / "paper_workloads.json"
        self.env.note_dependency(str(path))
        if path.exists():
            rows = projection_rows(json.loads(path.read_text()),
                                   {section: load_reference(section) for section in SECTIONS})
        else:
            rows = [["(not measured: run make bench)", *[""] * (len(PROJECTION_HEADER) - 1)]]
        table = table_node(PROJECTION_HEADER, rows, self.arguments[0] if self.arguments else None)
        self.add_name(table)
        return [table]


def table_node(header: list[str], rows: list[list], caption: str | None = None,
               css_class: str = "section-times") -> nodes.table:
    """A plain docutils table of text or node cells, with a title when a caption is given."""
    group = nodes.tgroup(cols=len(header))
    group += [nodes.colspec(colwidth=1) for _ in header]
    head, body = nodes.thead(), nodes.tbody()
    for target, cells_list in ((head, [header]), (body, rows)):
        for cells in cells_list:
            row = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                paragraph = nodes.paragraph()
                paragraph += cell if isinstance(cell, nodes.Node) else nodes.Text(str(cell))
                entry += paragraph
                row += entry
            target += row
    group += head
    group += body
    table = nodes.table(classes=[css_class])
    if caption:
        table += nodes.title(caption, caption)
    table += group
    return table


def skip_math_in_search() -> None:
    """Keep TeX out of the search index: Sphinx indexes the source of every formula ("mathbf", "frac", "t_0"),
    which no reader searches for; the index is fed each page without its formulas (idempotent)."""
    from sphinx.search import IndexBuilder

    original = IndexBuilder._word_collector
    if getattr(original, "skips_math", False):
        return

    def word_collector(self, doctree: nodes.document):
        copy = doctree.deepcopy()
        for node in list(copy.findall(lambda n: isinstance(n, nodes.math | nodes.math_block))):
            node.parent.remove(node)
        return original(self, copy)

    word_collector.skips_math = True
    IndexBuilder._word_collector = word_collector


def setup(app):
    skip_math_in_search()
    app.connect("config-inited", configure_repository)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", launch_source_notebooks, priority=600)
    app.connect("html-page-context", download_buttons, priority=600)
    app.connect("html-page-context", phone_legible_figures, priority=600)
    app.add_directive("section-times", SectionTimes)
    app.add_directive("scorecard", Scorecard)
    app.add_directive("paper-projection", PaperProjection)
    app.add_directive("launch-note", LaunchNote)
    app.add_enumerable_node(numbered_table, "table", html=(visit_numbered_table, depart_numbered_table))
    app.add_transform(NotebookTables)
    app.add_transform(FigureAltText)
    app.add_transform(ShortCells)
    app.add_transform(ParametersAsRun)
    app.add_transform(StudentEdition)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
