"""The book's Sphinx extension: section times, launch and repository buttons, the student edition's removal of
solutions, and the scorecard's rows."""

import importlib.util

import pytest
from bs4 import BeautifulSoup
from docutils import nodes
from docutils.core import publish_doctree

from lib.claims import VERDICTS
from lib.paths import REPO_ROOT
from lib.studies import SECTIONS

RECORD = {"section": "data", "profile": "smoke", "elapsed_s": 20.5, "wall_s": 125.3, "load_average": 1.5,
          "environment": {"device": "cpu (2 cores)", "threads": "1"}}


def extension():
    """book/_ext/nodewise_book.py, imported as Sphinx imports it (a local extension, not a package)."""
    spec = importlib.util.spec_from_file_location("nodewise_book", REPO_ROOT / "book" / "_ext" / "nodewise_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_student_edition_drops_solutions_and_keeps_exercises_and_other_boxes():
    doctree = publish_doctree(".. admonition:: Solution\n\n   the answer\n\n"
                              ".. admonition:: Hint\n\n   a hint\n\nExercise: predict first.\n")
    assert extension().remove_solutions(doctree) == 1
    text = doctree.astext()
    assert "the answer" not in text and "a hint" in text and "predict first" in text


def claim(verdict, role="reproduction", fragile=False, id="chen2017.t3.3.nn1.l1"):
    return {"id": id, "label": "", "source": "thesis Table 3.3", "statement": "L1", "paper": 0.3083,
            "criterion": "within", "role": role, "measured": {"mean": 0.31, "sd": 0.01, "n": 3},
            "verdict": verdict, "margin": 0.5 if fragile else 2.0, "fragile": fragile, "note": "why"}


def test_the_book_stands_by_a_fresh_reference_run_else_by_the_run_it_was_built_from(monkeypatch):
    ext = extension()
    record = {"profile": "default", "claims": [claim("differs")]}
    reference = {"section": "data", "parameters": {}, "claims": [], "reference": {"date": "2026-11-30",
                                                                                 "device": "cpu"}}
    monkeypatch.setattr(ext, "rejudge", lambda ref: [claim("reproduced")])
    monkeypatch.setattr(ext, "is_stale", lambda ref: False)
    claims, basis = ext.book_verdicts("data", record, reference)
    assert [c["verdict"] for c in claims] == ["reproduced"] and basis == "paper-scale reference (2026-11-30, cpu)"
    monkeypatch.setattr(ext, "is_stale", lambda ref: True)
    claims, basis = ext.book_verdicts("data", record, reference)
    assert [c["verdict"] for c in claims] == ["differs"] and basis.startswith("default run; its paper-scale")
    assert ext.book_verdicts("data", None, None) == ([], "not run yet")
    assert ext.book_verdicts("data", {"profile": "default"}, None) == ([], "not yet in the ledger")


def test_the_headline_is_reproduced_of_decided_reproduction_claims_per_chapter_and_for_the_book():
    ext = extension()
    data = [claim("reproduced"), claim("differs", fragile=True), claim("inconclusive"),
            claim("reproduced", role="check"), claim("differs", role="calibration")]
    rows = ext.headline_rows({"data": (data, "default run"), "jump_detection": ([claim("reproduced")], "default run")})
    cells = [[c if isinstance(c, str) else c.astext() for c in row] for row in rows]
    assert len(rows) == len(SECTIONS) + 1
    assert cells[0] == ["Data", "default run", "1 of 2 (50 %)", "1", "1", "3 of 5"]
    assert cells[2][1:] == ["not run yet", "—", "—", "—", "—"]
    assert cells[-1] == ["The book", "default run", "2 of 3 (67 %)", "1", "1", "4 of 6"]
    assert ext.share_text({"decided": 0}) == "— (none decided)"


def test_the_counts_per_role_and_verdict_have_badges_and_a_grand_total():
    ext = extension()
    rows = ext.role_rows([claim("reproduced"), claim("differs"), claim("reproduced", role="check"),
                          claim("not run", role="beyond")])
    assert [r[0]["classes"][1] for r in rows[:-1]] == [f"verdict-{v.replace(' ', '-')}" for v in VERDICTS]
    assert rows[0][1:] == ["1", "·", "1", "·", "2"]
    assert rows[-1][0].astext() == "all verdicts" and rows[-1][1:] == ["2", "0", "1", "1", "4"]


def test_the_scorecard_lists_claims_by_chapter_linked_to_their_rows_and_the_offsets_apart():
    ext = extension()
    offset = claim("differs", id="chen2017.t3.3.systematic_offset")
    records = {"jump_detection": {"profile": "default", "claims": [claim("differs"), offset]}}
    every = ext.scorecard_claims_html(records, {})
    assert every.count('class="nw-claim-row') == 2 and every.count('class="nw-group-row"') == 1
    assert 'href="jump_detection.html#tab-jump-detection-paper-vs-run"' in every  # the id Sphinx makes
    assert 'href="jump_detection.html#claim-chen2017-t3-3-nn1-l1"' in every
    offsets = ext.scorecard_claims_html(records, {}, ext.is_offset, prefix="offset-")
    assert offsets.count('class="nw-claim-row') == 1 and 'id="offset-claim-chen2017-t3-3-systematic_offset"' in offsets
    assert ext.scorecard_claims_html({}, {}).startswith('<p class="nw-muted">(none')


def test_section_times_rows_and_a_total_per_profile():
    rows = extension().time_rows([RECORD, {**RECORD, "section": "bottleneck", "wall_s": 30.0},
                                  {"section": "memorisation", "profile": "default", "elapsed_s": 7200.0}])
    assert rows[0] == ["data", "smoke", "2 min 05 s", "cpu (2 cores)", "1", "1.5"]
    assert rows[2] == ["memorisation", "default", "2 h 00 min", "?", "?", "?"]  # no runner stamp: elapsed_s
    assert rows[3:] == [["all (smoke)", "smoke", "2 min 35 s", "", "", ""],
                        ["all (default)", "default", "2 h 00 min", "", "", ""]]


def test_paper_projection_rows_per_section_with_steps_gpu_estimate_and_reference_run():
    ext = extension()
    results = {"sections": {"data": {"calls": 2, "hours_at_cap": 1.25, "wall_hours_at_cap": 0.75,
                                     "share_that_may_stop_early": 0.5},
                            "bottleneck": {"calls": 1, "hours_at_cap": 3.0, "wall_hours_at_cap": 3.0,
                                           "share_that_may_stop_early": 0.0}},
               "rows": [{"section": "data", "steps_at_cap": 1000}, {"section": "data", "steps_at_cap": 800},
                        {"section": "bottleneck", "steps_at_cap": 3_600_000}]}
    reference = {"wall_s": 1396.0, "reference": {"device": "cpu (2 cores)", "date": "2026-12-01"}}
    rows = ext.projection_rows(results, {"data": reference, "bottleneck": None})
    assert rows[0] == ["data", "2", "1.2", "0.8", "50 %", "1,800", "0.0", "23 min 16 s (cpu (2 cores), 2026-12-01)"]
    assert rows[1][5:] == ["3,600,000", f"{3_600_000 * ext.H100_EAGER_STEP_S / 3600:.1f}", "none"]


def test_launch_buttons_open_the_source_notebook_not_the_executed_copy():
    executed = "https://colab.research.google.com/github/o/r/blob/main/book/data.ipynb"
    context = {"header_buttons": [{"label": "launch-buttons", "buttons": [{"url": executed}]},
                                  {"label": "download-buttons", "buttons": [{"url": "../_sources/book/data.ipynb"}]}]}
    extension().launch_source_notebooks(None, "book/data", "page.html", context, None)
    assert context["header_buttons"][0]["buttons"][0]["url"].endswith("/blob/main/notebooks/data.ipynb")
    assert context["header_buttons"][1]["buttons"][0]["url"] == "../_sources/book/data.ipynb"


@pytest.mark.parametrize(("environ", "origin", "url"), [
    ({"NODEWISE_REPOSITORY": "https://github.com/a/nodewise/"}, "git@github.com:b/c.git", "https://github.com/a/nodewise"),
    ({"GITHUB_REPOSITORY": "a/nodewise", "GITHUB_SERVER_URL": "https://github.com"}, None,
     "https://github.com/a/nodewise"),
    ({}, "https://github.com/a/nodewise.git", "https://github.com/a/nodewise"),
    ({}, "git@github.com:a/node.wise.git", "https://github.com/a/node.wise"),
    ({}, "ssh://git@github.com/a/nodewise", "https://github.com/a/nodewise"),
    ({}, "/work/main", None),  # a local clone: no public repository to launch from
    ({}, "https://gitlab.com/a/nodewise.git", None),  # Binder/Colab links here are GitHub-only
    ({}, None, None),
])
def test_repository_url_from_the_environment_or_a_github_remote(environ, origin, url):
    assert extension().repository_url(environ, origin) == url


def test_without_a_repository_the_book_drops_the_buttons_instead_of_linking_nowhere(monkeypatch, tmp_path):
    ext = extension()
    for name in ("NODEWISE_REPOSITORY", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(name, raising=False)

    class App:
        srcdir = str(tmp_path)  # not a git checkout

    class Config:
        html_theme_options = {"launch_buttons": {"binderhub_url": "https://mybinder.org"}, "repository_url": ""}

    ext.configure_repository(App, Config)
    assert Config.html_theme_options["launch_buttons"] == {} and not Config.html_theme_options["use_repository_button"]
    monkeypatch.setenv("NODEWISE_REPOSITORY", "https://github.com/a/nodewise")
    Config.html_theme_options = {"launch_buttons": {"binderhub_url": "https://mybinder.org"}}
    ext.configure_repository(App, Config)
    assert Config.html_theme_options["repository_url"] == "https://github.com/a/nodewise"
    assert Config.html_theme_options["launch_buttons"] and Config.html_theme_options["use_repository_button"]


def test_figures_get_their_caption_as_alt_text_unless_they_have_one():
    doctree = publish_doctree(".. figure:: a.png\n\n   The error against   *depth*.\n\n"
                              ".. figure:: b.png\n   :alt: own words\n\n   A caption.\n\n.. image:: c.png\n")
    assert extension().caption_alt_text(doctree) == 1
    alts = [image.get("alt") for image in doctree.findall(nodes.image)]
    assert alts == ["The error against depth.", "own words", None]


def test_short_table_cells_are_marked_to_stay_on_one_line_and_long_ones_wrap():
    markup = ("<table><tr><th>L1</th><td>0.3123 ± 0.0123 (n = 3)</td>"
              "<td>f turns at step 364, loss falls from step 19 (1.28 decades)</td></tr></table>")
    marked = extension().mark_short_cells(markup)
    assert marked.count('class="nw-short"') == 2
    assert '<td>f turns at step 364' in marked and "0.312 ± 0.012 (n = 3)" in marked


def test_notebook_tables_get_the_book_number_style_and_many_columns_a_smaller_type_but_claim_tables_stay():
    ext = extension()
    wide = "<table><tr>" + "".join(f"<td>{x}</td>" for x in ("1.000000", "inf", "nan", "1e+04", "lr 0.100000",
                                                               "a", "b", "c", "d")) + "</tr></table>"
    marked = ext.mark_short_cells(wide)
    assert [td.get_text() for td in BeautifulSoup(marked, "html.parser").find_all("td")][:5] == \
        ["1", "∞", "—", "10,000", "lr 0.1"]
    assert 'class="nw-compact"' in marked
    ids = ext.mark_short_cells("<table><tr><td>hd2020.fig10.mse_2x320_no_rise &lt;</td></tr></table>")
    assert "hd2020.<wbr/>fig10.<wbr/>mse_<wbr/>2x320_<wbr/>no_<wbr/>rise &lt;" in ids
    claims = '<table class="nw-claims"><tr><td>1.000000</td></tr></table>'
    assert ext.mark_short_cells(claims) == claims


def test_the_parameters_cell_shows_the_values_the_run_used():
    source = 'profile = "default"\nseed = None   # seed\nsigma = None\nkept = 3\nunknown = None'
    shown = extension().parameters_as_run(source, "smoke", {"seed": 0, "sigma": [0.5, 2.0]}).splitlines()
    assert shown[0].startswith("# the values this run used (profile 'smoke'")
    assert shown[1:] == ['profile = "smoke"', "seed = 0   # seed", "sigma = (0.5, 2.0)", "kept = 3", "unknown = None"]


def test_formulas_are_left_out_of_the_search_index():
    from sphinx.search import IndexBuilder

    ext = extension()
    ext.skip_math_in_search()
    ext.skip_math_in_search()  # idempotent
    doctree = publish_doctree("The error :math:`\\mathbf{t}_0` of a jump.\n\n.. math::\n\n   \\frac{a}{b}\n")

    class Lang:
        lang = "en"

        def split(self, text):
            return text.split()

    builder = IndexBuilder.__new__(IndexBuilder)
    builder.lang = Lang()
    words = builder._word_collector(doctree).words
    assert "error" in words and not [w for w in words if "mathbf" in w or "frac" in w]
    assert "mathbf" in doctree.astext(), "the page itself keeps its formulas"


def test_a_very_wide_short_table_is_shown_transposed_and_one_with_merged_cells_is_not():
    columns = [f"measure {i}" for i in range(15)]
    head = "<thead><tr><th></th>" + "".join(f"<th>{c}</th>" for c in columns) + "</tr>" \
        "<tr><th>network</th>" + "<th></th>" * 15 + "</tr></thead>"
    body = "<tbody>" + "".join(f"<tr><th>net {n}</th>" + "".join(f"<td>{n}.{i}</td>" for i in range(15)) + "</tr>"
                               for n in range(3)) + "</tbody>"
    soup = BeautifulSoup(extension().mark_short_cells(f"<table>{head}{body}</table>"), "html.parser")
    rows = [[c.get_text() for c in r.find_all(["th", "td"])] for r in soup.find_all("tr")]
    assert rows[0] == ["network", "net 0", "net 1", "net 2"] and rows[1] == ["measure 0", "0", "1", "2"]
    assert len(rows) == 16 and "nw-transposed" in soup.table["class"]
    merged = f"<table>{head.replace('<th></th>', '<th colspan=1></th>', 1)}{body}</table>"
    assert "nw-transposed" not in extension().mark_short_cells(merged)


def test_the_download_menu_says_what_print_does_and_links_the_book_pdf_once_printed(tmp_path):
    ext = extension()

    def context():
        return {"pathto": lambda name, resource: f"../{name}",
                "header_buttons": [{"label": "download-buttons", "buttons": [
                    {"label": "download-source-button"}, {"label": "download-pdf-button", "text": ".pdf"}]}]}

    app = type("App", (), {"outdir": str(tmp_path)})()
    page = context()
    ext.download_buttons(app, "book/data", "page.html", page, None)
    buttons = page["header_buttons"][0]["buttons"]
    assert buttons[1]["text"] == ".pdf (this page)" and len(buttons) == 2
    (tmp_path / "nodewise.pdf").write_bytes(b"%PDF")
    page = context()
    ext.download_buttons(app, "book/data", "page.html", page, None)
    assert page["header_buttons"][0]["buttons"][-1]["url"] == "../nodewise.pdf"


def test_the_reproducing_page_says_whether_this_build_has_launch_buttons():
    ext = extension()
    assert "no launch buttons" in ext.launch_note(None) and "make section" in ext.launch_note(None)
    assert "https://github.com/a/nodewise" in ext.launch_note("https://github.com/a/nodewise")
    page = (REPO_ROOT / "book" / "reproducing.md").read_text()
    assert "{launch-note}" in page and "The rocket button at the top of each chapter opens" not in page


def phone_png(figsize) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lib import plots

    fig, ax = plt.subplots(figsize=figsize)
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=9.5)
    png = plots.figure_png(fig)
    plt.close(fig)
    return png


def test_figure_images_carry_the_width_that_keeps_their_text_readable_on_a_phone():
    import io

    from PIL import Image

    from lib import plots

    png = phone_png((6.4, 3.0))
    body = ('<figure><a href="x"><img alt="a" src="../_images/a.png" style="width: 100%;" /></a></figure>'
            '<img alt="b" src="../_images/missing.png" style="width: 100%;" />')
    out = extension().phone_widths(body, lambda src: png if src.endswith("a.png") else None)
    width = plots.phone_width_px(png)
    assert f'src="../_images/a.png" style="width: 100%; --nw-phone-min: {width}px;"' in out
    assert 'src="../_images/missing.png" style="width: 100%;"' in out
    natural = Image.open(io.BytesIO(png)).width
    assert plots.min_font_px(png) * width / natural == pytest.approx(plots.PHONE_TEXT_PX, abs=0.05)
    assert width > 400  # a column-wide figure is wider than a phone at that size: it scrolls in its own box
