

def test_the_figure_titles_name_a_contrasting_pair_only_when_there_is_one():
    from lib.studies.summary_layers.organisation import view_titles

    assert view_titles(True) == ("well-generalising", "poorly-generalising")
    assert not any("generalising" in title for title in view_titles(False))
