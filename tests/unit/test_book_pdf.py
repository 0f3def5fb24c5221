"""`make pdf`: the book's pages in the order of the table of contents, joined into one PDF."""

import io

from pypdf import PdfReader, PdfWriter

from scripts import book_pdf


def test_pages_follow_the_table_of_contents_root_first(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nparts:\n  - caption: A\n    chapters:\n"
                   "      - file: book/scorecard\n  # - file: book/commented\n  - caption: B\n    numbered: true\n"
                   "    chapters:\n      - file: book/data\n")
    assert book_pdf.page_order(toc) == ["book/intro.html", "book/scorecard.html", "book/data.html"]


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_join_concatenates_every_page_in_order(tmp_path):
    out = tmp_path / "sub" / "book.pdf"
    assert book_pdf.join([blank_pdf(2), blank_pdf(3)], out) == 5
    assert len(PdfReader(out).pages) == 5


def test_a_missing_page_stops_before_printing_and_names_it(tmp_path, capsys):
    toc = tmp_path / "_toc.yml"
    toc.write_text("root: book/intro\nchapters:\n  - file: book/data\n")
    (tmp_path / "html" / "book").mkdir(parents=True)
    (tmp_path / "html" / "book" / "intro.html").write_text("<html></html>")
    args = ["--html", str(tmp_path / "html"), "--toc", str(toc), "--output", str(tmp_path / "o.pdf")]
    assert book_pdf.main(args) == 2
    assert "book/data.html" in capsys.readouterr().err and not (tmp_path / "o.pdf").exists()


def test_screenshot_names_and_a_missing_build_is_refused(tmp_path, capsys):
    from scripts import book_screenshots

    assert book_screenshots.shot_name("book/jump_detection.html", 400) == "book-jump_detection-400.png"
    assert book_screenshots.main(["--html", str(tmp_path), "book/data.html"]) == 2
    assert "run make book first" in capsys.readouterr().err


def test_the_pdf_opens_claim_notes_and_solutions_as_the_browsers_print_does_and_screenshots_do_not():
    from scripts import book_pdf

    assert "nodewiseOpenForPrint" in book_pdf.PRINT_SETTLE and "nodewiseOpenForPrint" not in book_pdf.SETTLE
    assert book_pdf.PRINT_SETTLE.startswith(book_pdf.SETTLE.removesuffix("}"))
