"""The checks the book test runs on rendered pages (scripts/book_reading.py), tested on small pages: the one table
style (no six-decimal floats, inf, None, nan or "..." truncation in a table) and no TeX in the search index."""

import json

from scripts.book_reading import search_index_problems, table_problems


def page(*cells):
    return "<article><table><tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr></table></article>"


def test_a_table_in_the_book_style_passes():
    assert table_problems(page("0.3123", "0.008166", "10,000", "∞", "—", "0.31 ± 0.01 (n = 3)", "thesis eq. 3.1",
                               "lr 0.1", "t = 21, …, 80")) == []


def test_six_decimal_floats_raw_values_and_truncation_fail():
    problems = table_problems(page("1.000000", "lr 0.100000", "0.312345", "inf", "-inf", "None", "nan",
                                   "network seeds per shape (one engine call per s...", "..."))
    assert len([p for p in problems if "six-decimal" in p]) == 3
    assert len([p for p in problems if "raw value" in p]) == 4
    assert len([p for p in problems if "truncated" in p]) == 2


def test_tables_outside_the_article_are_not_the_pages_tables():
    assert table_problems("<nav><table><tr><td>nan</td></tr></table></nav><article><p>x</p></article>") == []


def index(terms, titles=(), alltitles=None):
    return "Search.setIndex(" + json.dumps({"terms": terms, "titles": list(titles),
                                            "alltitles": alltitles or {}}) + ")"


def test_tex_in_the_search_index_fails():
    assert search_index_problems(index({"jump": 1, "t_0": 2}, ["The error"], {"Notation": []})) == []
    problems = search_index_problems(index({"mathbf": 1, "frac": [1, 2]}, ["The \\(t_0\\) jump"],
                                           {"Why $x$": []}))
    assert len(problems) == 4 and "mathbf" in problems[0]
