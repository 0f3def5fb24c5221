"""The claims of the cooperating-classifiers chapter, fixed before any run.

The talk slides state their findings in words and figures, never in numbers; "paper" holds only what the slides
say ("figure, no number" where they only draw it). Where a claim is "a layer reaches the network", the measured
value is the shortfall of the best layer classifier in units of its standard error over images and seeds (z), and
the layer reaches the network when z ≤ 2 (its shortfall is within noise). Our own checks carry origin "beyond".
"""

from lib.claims import Claim, at_least, at_most, is_true, matches

SLIDES = "AAAI 2020 slides"
NODES = "Individual nodes can be regarded as classifiers, making accurate predictions at individual layers"
Z_LIMIT = 2.0
Z_QUANTITY = "(network − best layer accuracy) / standard error"


def reaches(claim_id: str, source: str, statement: str, paper: str = "figure, no number") -> Claim:
    """A "some layer reaches the network" claim: the best layer's shortfall within 2 standard errors."""
    return Claim(claim_id, source, statement, paper, at_most(Z_LIMIT, quantity=Z_QUANTITY))


def kinds(data: str, figure: str) -> tuple[Claim, ...]:
    """The 6x100 network's claim, for some kind and for each kind of node classifier."""
    source = f"{SLIDES}, '{figure}' and 'In summary'"
    return (reaches(f"dtpb2020.{data}.6x100.layer_reaches_network", source,
                    f"{NODES} (summary); some layer classifier of the 6x100 network reaches the network's test "
                    "accuracy, for at least one kind of node classifier.", "'accurate predictions at individual "
                    "layers' (figure, no number)"),
            *(reaches(f"dtpb2020.{data}.6x100.layer_reaches_network.{kind}", source,
                      f"The best {kind} layer classifier of the 6x100 network reaches the network's accuracy.")
              for kind in ("continuous", "discrete", "combined")))


CLAIMS = (
    Claim("dtpb2020.mnist.6x100.network_test_acc", f"{SLIDES}, 'Experimental setup', 'Test error'",
          "6x100 ReLU network trained on MNIST (SGD/Adam, early stopping, lr grid); its test error is drawn. "
          "Read here: a well-trained MLP of this size, ≥ 97% test accuracy.",
          "figure, no number", at_least(0.97, quantity="test accuracy, mean over seeds")),
    Claim("dtpb2020.fmnist.6x100.network_test_acc", f"{SLIDES}, 'Experimental setup', 'Test error'",
          "6x100 ReLU network trained on FMNIST; its test error is drawn. Read here: a well-trained MLP of this "
          "size, ≥ 87% test accuracy.",
          "figure, no number", at_least(0.87, quantity="test accuracy, mean over seeds")),
    *kinds("mnist", "6x100 trained network, MNIST"),
    Claim("dtpb2020.mnist.6x100.untrained_control", "this book",
          "Control: the untrained network's best combined layer classifier stays clearly below the trained "
          "network (so the layers' accuracy is learnt, not the probe's own).", "",
          at_least(Z_LIMIT, quantity="(trained network − untrained best layer) / standard error"), role="beyond"),
    *kinds("fmnist", "Trained networks, different depths (FMNIST)"),
    Claim("dtpb2020.fmnist.6x100.untrained_control", "this book",
          "Control on FMNIST: the untrained 6x100 network's best combined layer classifier stays clearly below "
          "the trained network.", "",
          at_least(Z_LIMIT, quantity="(trained network − untrained best layer) / standard error"), role="beyond"),
    reaches("dtpb2020.fmnist.depths.layer_reaches_network", f"{SLIDES}, 'Trained networks, different depths (FMNIST)'",
            "At every depth some layer classifier reaches the network (worst depth, best kind)."),
    Claim("dtpb2020.fmnist.training.layer_accuracy_rises", f"{SLIDES}, '6x100 network during training (FMNIST)'",
          "During training the layer classifiers' accuracy rises with the network's (every layer higher at the "
          "last snapshot than at initialisation, combined kind).", "figure, no number",
          is_true("every layer's combined accuracy at the last snapshot exceeds its accuracy at step 0")),
    reaches("dtpb2020.fmnist.sigmoid7x100.layer_reaches_network",
            f"{SLIDES}, '7x100 trained network, sigmoid activations, FMNIST'",
            "'What if not ReLU?': in the 7x100 sigmoid network some layer classifier reaches the network."),
    Claim("dtpb2020.perplexity.falls_with_depth", f"{SLIDES}, 'Node behavior: layer perplexity' (MNIST, FMNIST)",
          "Average per-class layer perplexity P(c, l) drawn per layer; read here: relative to its bound N_c it is "
          "lower in the last hidden layer than in the first, on both data sets (6x100).", "figure, no number",
          is_true("P/N_c of the last hidden layer < that of the first, on MNIST and on FMNIST")),
    Claim("dtpb2020.corruption.memorised", f"{SLIDES}, 'Label corruption' (after Zhang et al. 2017)",
          "Networks fit training labels that are partly or wholly random (Zhang et al.'s uniform random labels).",
          "figure, no number", at_least(0.95, quantity="lowest training accuracy over fractions (uniform labels)")),
    Claim("dtpb2020.corruption.uniform_chance", "Zhang et al. 2017, via the slides' 'Label corruption'",
          "With all labels drawn uniformly at random, test accuracy falls to chance (10%).", "",
          matches(0.10, "accuracy", quantity="test accuracy at fraction 1, uniform labels"), role="beyond"),
)
