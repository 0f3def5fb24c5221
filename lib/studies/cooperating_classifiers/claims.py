"""The claims of the cooperating-classifiers chapter, fixed before any run.

The talk slides state their findings in words and figures, never in numbers; "paper" holds only what the slides
say ("figure, no number" where they only draw it). "A layer reaches the network" is a test of equivalence with a
margin stated before any run, the accuracy kind's (lib.claims.KINDS, ±0.01): the network's test accuracy minus
that of its best layer classifier — the layer and kind chosen on validation images, scored on test images — is
reproduced when one more network's shortfall lies below the margin (its whole prediction interval, with network
seeds and paired test sampling), differs when it lies above it, and is inconclusive in between. Where the slides
give no number (the network's own test error, a perplexity trend) the claim is a sanity check of our training or
our own reading, not a reproduction.
"""

from lib.claims import KINDS, Claim, at_least, at_most, is_true, matches

SLIDES = "AAAI 2020 slides"
NODES = "Individual nodes can be regarded as classifiers, making accurate predictions at individual layers"
MARGIN = KINDS["accuracy"].margin  # "reaches": the shortfall within the accuracy kind's equivalence margin
SHORTFALL = "network − best layer test accuracy (layer and kind chosen on validation images)"
DEPTHS = tuple(range(1, 11))  # the slides' depth sweep: 1-10 hidden layers of 100 nodes


def reaches(claim_id: str, source: str, statement: str, paper: str = "figure, no number",
            label: str = "") -> Claim:
    """A "some layer reaches the network" claim: the chosen layer's shortfall below the accuracy margin."""
    return Claim(claim_id, source, statement, paper, at_most(MARGIN, quantity=SHORTFALL), label=label)


def kinds(data: str, figure: str) -> tuple[Claim, ...]:
    """The 6x100 network's claim, for some kind and for each kind of node classifier."""
    source = f"{SLIDES}, '{figure}' and 'In summary'"
    name = data.upper() if data == "mnist" else "FMNIST"
    return (reaches(f"dtpb2020.{data}.6x100.layer_reaches_network", source,
                    f"{NODES} (summary); some layer classifier of the 6x100 network reaches the network's test "
                    "accuracy, for at least one kind of node classifier.", "'accurate predictions at individual "
                    "layers' (figure, no number)", label=f"{name} 6x100: a layer reaches the net"),
            *(reaches(f"dtpb2020.{data}.6x100.layer_reaches_network.{kind}", source,
                      f"The best {kind} layer classifier of the 6x100 network reaches the network's accuracy.",
                      label=f"{name} 6x100: {kind} layer")
              for kind in ("continuous", "discrete", "combined")))


CLAIMS = (
    Claim("dtpb2020.mnist.6x100.network_test_acc", f"{SLIDES}, 'Experimental setup', 'Test error'",
          "Sanity check of our training: the slides draw the 6x100 MNIST network's test error but give no number; "
          "a well-trained MLP of this size reaches at least 97% test accuracy.",
          "figure, no number", at_least(0.97, quantity="test accuracy of one more network"), role="check",
          label="MNIST 6x100 trained (≥ 97 %)"),
    Claim("dtpb2020.fmnist.6x100.network_test_acc", f"{SLIDES}, 'Experimental setup', 'Test error'",
          "Sanity check of our training: the slides draw the 6x100 FMNIST network's test error but give no "
          "number; a well-trained MLP of this size reaches at least 87% test accuracy.",
          "figure, no number", at_least(0.87, quantity="test accuracy of one more network"), role="check",
          label="FMNIST 6x100 trained (≥ 87 %)"),
    *kinds("mnist", "6x100 trained network, MNIST"),
    Claim("dtpb2020.mnist.6x100.untrained_control", "this book",
          "Control: the untrained network's best combined layer classifier stays below the trained network by more "
          "than the accuracy margin (so the layers' accuracy is learnt, not the probe's own).", "",
          at_least(MARGIN, quantity="trained network − untrained best combined layer (chosen on validation)"),
          role="beyond", label="MNIST control: untrained layers"),
    *kinds("fmnist", "Trained networks, different depths (FMNIST)"),
    Claim("dtpb2020.fmnist.6x100.untrained_control", "this book",
          "Control on FMNIST: the untrained 6x100 network's best combined layer classifier stays below the trained "
          "network by more than the accuracy margin.", "",
          at_least(MARGIN, quantity="trained network − untrained best combined layer (chosen on validation)"),
          role="beyond", label="FMNIST control: untrained layers"),
    reaches("dtpb2020.fmnist.depths.layer_reaches_network", f"{SLIDES}, 'Trained networks, different depths (FMNIST)'",
            "At every depth some layer classifier reaches the network (worst depth, best kind).",
            label="FMNIST, every depth: a layer reaches"),
    Claim("dtpb2020.fmnist.training.layer_accuracy_rises", f"{SLIDES}, '6x100 network during training (FMNIST)'",
          "During training the layer classifiers' accuracy rises with the network's (drawn from the first epoch "
          "on; combined kind).", "figure, no number",
          at_least(MARGIN, quantity="the smallest rise of a layer's test accuracy from the initialisation to the "
                                    "last snapshot"),
          label="FMNIST: layer accuracy rises"),
    reaches("dtpb2020.fmnist.sigmoid7x100.layer_reaches_network",
            f"{SLIDES}, '7x100 trained network, sigmoid activations, FMNIST'",
            "'What if not ReLU?': in the 7x100 sigmoid network some layer classifier reaches the network.",
            label="FMNIST 7x100 sigmoid: a layer reaches"),
    Claim("dtpb2020.perplexity.falls_with_depth", f"{SLIDES}, 'Node behavior: layer perplexity' (MNIST, FMNIST)",
          "Average per-class layer perplexity P(c, l) drawn per layer; read here: relative to its bound N_c it is "
          "lower in the last hidden layer than in the first, on both data sets (6x100).", "figure, no number",
          is_true("P/N_c of the last hidden layer < that of the first, on MNIST and on FMNIST"), role="beyond",
          label="Perplexity falls with depth (reading)"),
    Claim("dtpb2020.corruption.memorised", f"{SLIDES}, 'Label corruption' (after Zhang et al. 2017)",
          "Networks fit training labels that are partly or wholly random (Zhang et al.'s uniform random labels).",
          "figure, no number",
          at_least(1.0 - MARGIN, quantity="the lowest training accuracy of any network (every fraction and seed, "
                                          "uniform labels): all of its labels fitted within the accuracy margin"),
          label="Random labels memorised"),
    Claim("dtpb2020.corruption.uniform_chance", "Zhang et al. 2017, via the slides' 'Label corruption'",
          "With all labels drawn uniformly at random, test accuracy falls to chance (10%).", "",
          matches(0.10, "accuracy", quantity="test accuracy at fraction 1, uniform labels"), role="beyond",
          label="All labels random: chance"),
)
