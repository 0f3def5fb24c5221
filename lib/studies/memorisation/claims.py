"""The chapter's claims (thesis ch. 6, §7.2), each with a criterion fixed before any run.

The thesis trains one network of each kind; a claim about "the network" is checked on every network of this run
(each seed), and one converged network that breaks it decides it. Layer 0 is the input, the last layer the last
hidden one. "Level-insensitive" deviations are the normalised Euclidean, cosine and correlation ones (thesis
§6.4.1). Accuracies carry the binomial sampling of their test set. The thesis's networks train on 12 000 jump
signals with 100 nodes per hidden layer and on 48 000 MNIST images with 784; a profile that trains on fewer or
narrower records its claims as not comparable.
"""

from lib.claims import Claim, at_least, is_true, matches

EVERY = "in every network"
EVERY_PAIR = "in every network, for each level-insensitive measure"
CHANCE = 1 / 60  # the accuracy of a guess among the 60 jump positions

CLAIMS = (
    Claim("chen2017.s6.2.memorised", "thesis §6.2.2, Fig. 6.3(d)",
          "\"it is possible to reach 100% accuracy in training data\": the network memorizes every noise label.",
          "100 %", is_true("a memorising network reaches 100 % training accuracy on its shuffled labels"),
          label="memorises the noise labels"),
    Claim("chen2017.s6.2.fails_true_labels", "thesis §6.2.4, Fig. 6.4(d)",
          "\"the model fails in predicting truly labeled data\".",
          CHANCE, matches(CHANCE, "accuracy", quantity="one memorising network's test accuracy on true labels "
                                                      "(chance, 1/60)"), label="memorising: chance on true labels"),
    Claim("chen2017.s7.2.memorising_slower", "thesis §6.2.2, §7.2",
          "\"memorizing noise labels takes much more steps to converge\" (training is \"relatively slow for the "
          "randomly labeled data\").",
          "much more steps",
          at_least(1.0, quantity="epochs of one memorising network to 100 % / epochs of the learning network of the "
                                 "same seed to its validation minimum"), label="memorising is slower"),
    Claim("chen2017.fig6.5.tsne_structure_loosens", "thesis §6.3, §7.3, Fig. 6.5",
          "In the memorizing network the data with genuine labels \"gradually break the structure of the narrow "
          "manifold\" from the input to the hidden layers (t-SNE).",
          "the manifold breaks up",
          at_least(1.0, quantity="true-position gap of map neighbours, last hidden layer / input, one memorising "
                                 "network"), label="t-SNE: memorising loosens"),
    Claim("chen2017.fig6.5.learning_tsne_keeps_structure", "thesis §6.3, Fig. 6.6",
          "Learning network (the control): \"the distribution of the data representations in the hidden layers is "
          "not really different from the original input\" (t-SNE).",
          1.0, matches(1.0, "ratio", quantity="true-position gap of map neighbours, last hidden layer / input, one "
                                              "learning network"), label="t-SNE: learning keeps structure"),
    Claim("chen2017.fig6.7.euclidean_inner_dips_then_rises", "thesis §6.4.1, Fig. 6.7",
          "Learning network: \"the deviation generally increases, except that there is a slight drop of the "
          "inner-class deviation from the input layer to the first hidden layer\".",
          "dips at layer 1, then rises",
          is_true(f"Euclidean inner: layer 1 < input and last hidden > layer 1, {EVERY}"),
          label="Euclidean inner dips, then rises"),
    Claim("chen2017.fig6.8.activation_level_rises", "thesis §6.4.4 item 1, Fig. 6.8(a), 6.12(b)",
          "\"From the original input to all hidden layers, the overall activation level increases with layers\" "
          "(checked here across the hidden layers of the jump learning network).",
          "rises with layers", is_true(f"level rises at every hidden-to-hidden step, {EVERY}"),
          label="activation level rises"),
    Claim("chen2017.fig6.8.activation_level_input_step", "thesis §6.4.4 item 1, Fig. 6.8(a)",
          "The overall activation level rises from the input to the first hidden layer.",
          "rises", is_true(f"level of layer 1 > level of the input, {EVERY}"), label="activation level: input step"),
    Claim("chen2017.s6.4.memorising_level_above_learning", "thesis §6.4.3, Fig. 6.13(b) vs 6.8(a)",
          "\"the activation in the following layers are significantly higher than in the normal model\".",
          "higher in every hidden layer",
          is_true("in every hidden layer every memorising network's level is above every learning network's"),
          label="memorising level above learning"),
    Claim("chen2017.fig6.9.inner_class_falls", "thesis §6.4.1, Fig. 6.9(a), §6.4.4 item 2",
          "Learning network: \"the inner-class deviation drops significantly with layers\" (level-insensitive "
          "measures).", "falls", is_true(f"last hidden layer < input, {EVERY_PAIR}"), label="inner-class falls"),
    Claim("chen2017.fig6.9.inter_class_dips_then_rises", "thesis §6.4.1, §6.4.3, Fig. 6.9(b)",
          "Learning network, level-insensitive inter-class deviation: \"the normal model shows a (gentle) drop "
          "followed by a (slight) increase\".", "drops, then rises",
          is_true(f"noise-corrected normalised Euclidean inter: lowest at a middle hidden layer, {EVERY}"),
          label="inter-class dips, then rises"),
    Claim("chen2017.fig6.13.inner_class_rises_random", "thesis §6.4.3, Fig. 6.13(c)",
          "Memorising network, random labels: \"the deviation climbs to a high level from the input to the first "
          "layer representation, and then remains constant\".",
          "above the input in every hidden layer",
          is_true(f"every hidden layer > input, {EVERY_PAIR}"), label="memorising inner (random) rises"),
    Claim("chen2017.fig6.13.inter_class_rises_random", "thesis §6.4.3, Fig. 6.13(d)",
          "Memorising network, random labels: \"the inter-class deviation significantly increases with layers\".",
          "rises", is_true(f"noise-corrected normalised Euclidean inter: last hidden > input, {EVERY}"),
          label="memorising inter (random) rises"),
    Claim("chen2017.fig6.14.inner_class_rises_true", "thesis §6.4.3, Fig. 6.14",
          "Memorising network, true labels: it \"greatly expands the gap of the data instances in the same true "
          "class\".", "above the input in every hidden layer",
          is_true(f"every hidden layer > input, {EVERY_PAIR}"), label="memorising inner (true) rises"),
    Claim("chen2017.fig6.14.inter_class_rises_true", "thesis §6.4.3, Fig. 6.14",
          "Memorising network, true labels: \"the deviation still increases slightly\" (inter-class).",
          "increases slightly", is_true(f"noise-corrected normalised Euclidean inter: last hidden > input, {EVERY}"),
          label="memorising inter (true) rises"),
    Claim("chen2017.s6.4.mnist_test_accuracy", "thesis §6.4.2",
          "The 784-784-784-784-784-10 MLP classifies the MNIST test set with 98.07% accuracy.",
          0.9807, matches(0.9807, "accuracy", quantity="one MNIST learning network's test accuracy"),
          label="MNIST test accuracy"),
    Claim("chen2017.fig6.12.mnist_activation_level_rises", "thesis §6.4.2, Fig. 6.12(b)",
          "MNIST: \"from the original input to all hidden layers, the overall activation level increases with "
          "layers\" (checked across the hidden layers).", "rises with layers",
          is_true(f"level rises at every hidden-to-hidden step, {EVERY}"), label="MNIST activation level rises"),
    Claim("chen2017.fig6.12.mnist_inner_drops", "thesis §6.4.2, first difference",
          "MNIST: \"there is a sharp drop from the input to the first hidden layer feature, even in the "
          "non-normalised Euclidean deviation\" (inner-class).", "drops",
          is_true(f"Euclidean inner: layer 1 < input, {EVERY}"), label="MNIST inner drops"),
    Claim("chen2017.fig6.12.mnist_inter_dips_then_rises", "thesis §6.4.2, Fig. 6.12(d)",
          "MNIST: \"the inter-class deviation shows a tendency that it first drops gradually and then increases "
          "until higher deviation than the original input\".", "dips, then ends above the input",
          is_true(f"normalised Euclidean inter: a hidden layer < input, last > input, {EVERY}"),
          label="MNIST inter dips, then rises"),
    Claim("chen2017.s6.4.mnist_memorising_inner_rises", "beyond the thesis (MNIST counterpart of Fig. 6.14)",
          "An MNIST network fitting shuffled labels spreads the images of a true digit apart (normalised "
          "Euclidean inner-class deviation above the input in every hidden layer).", "",
          is_true(f"every hidden layer > input, {EVERY}"), role="beyond", label="MNIST memorising inner rises"),
)
