"""The memorisation chapter's deviation figures: legends off the data (issue #29: the legend of Fig. 6.12's
panel (d) hid the correlation curve's first layers), text readable in the book."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lib import plots  # noqa: E402
from lib.studies.memorisation import figures  # noqa: E402
from lib.studies.memorisation.deviations import DeviationProfile  # noqa: E402

# per layer 0-3, as the default run drew them under the old legends (two networks: ± 3 %)
INTER = {"normalised_euclidean": [0.0173, 0.0155, 0.0143, 0.0166], "cosine": [0.0140, 0.0060, 0.0048, 0.0056],
         "correlation": [0.0280, 0.0115, 0.0090, 0.0095],
         "normalised_euclidean_debiased": [0.0156, 0.014, 0.0133, 0.0156],
         "euclidean": [3.3, 3.2, 3.8, 5.0], "euclidean_debiased": [3.0, 2.9, 3.6, 4.7]}
INNER = {"normalised_euclidean": [0.075, 0.062, 0.052, 0.054], "cosine": [0.205, 0.088, 0.059, 0.055],
         "correlation": [0.348, 0.158, 0.105, 0.091], "euclidean": [14.5, 12.9, 14.0, 16.7]}


def two(values):
    return np.array([values, values]) * np.array([[0.97], [1.03]])


def profile() -> DeviationProfile:
    return DeviationProfile(two([192.0, 208.0, 267.0, 304.0]), {k: two(v) for k, v in INNER.items()},
                            {k: two(v) for k, v in INTER.items()})


class Outcome:
    def __init__(self):
        self.profiles = {"learning": profile(), "memorising": profile()}


def test_the_deviation_panels_keep_their_legends_off_the_curves_and_stay_readable():
    with matplotlib.rc_context():
        plots.set_theme()
        fig = figures.deviations(profile())
        assert plots.legends_on_data(fig) == []
        labels = [t.get_text() for legend in fig.findobj(matplotlib.legend.Legend) for t in legend.get_texts()]
        assert {"inner-class", "activation level", "correlation", "normalised Euclidean, noise out"} <= set(labels)
        assert plots.readable(fig)
        fig = figures.generalisation(Outcome(), Outcome())
        assert plots.legends_on_data(fig) == [] and plots.readable(fig)
    plt.close("all")
