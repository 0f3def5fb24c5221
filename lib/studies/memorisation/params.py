"""Parameters of the memorisation section: per-profile values, allowed values and cross-parameter rules."""

from lib.params import choice, integer, number, number_or_range, param

PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of data, label shuffles, initialisations and batches"),
    param("n_seeds", 2, 3, 3, integer(1, 20), "networks of each kind (memorising, learning)"),
    param("n_train", 300, 2400, 12000, integer(120, 100000), "training jump signals (thesis §3.1: 12000)"),
    param("n_val", 120, 600, 6000, integer(60, 100000), "validation jump signals (thesis: 6000)"),
    param("n_test", 300, 3000, 60000, integer(120, 200000),
          "true-labelled test signals, equal per position (thesis §3.3.3: 60000, 1000 per position)"),
    param("theta", 3.0, 3.0, 3.0, number(0.0, 100.0), "jump size θ (thesis eq. 3.1)"),
    param("sigma", (0.5, 2.0), (0.5, 2.0), (0.5, 2.0), number_or_range(0.0, 100.0), "noise σ (thesis: 0.5 to 2)"),
    param("hidden", 16, 100, 100, integer(2, 4096), "nodes per hidden layer, 3 hidden layers (thesis: 100)"),
    param("optimizer", "adam", "adam", "sgd", choice("sgd", "adam"), "optimiser (thesis: SGD without momentum)"),
    param("lr", 0.001, 0.001, 0.01, number(1e-6, 10.0), "learning rate (thesis: 0.01 with SGD)"),
    param("batch_size", 100, 100, 100, integer(1, 100000), "batch size (thesis: 100)"),
    param("max_epochs", 10, 300, 20000, integer(1, 1000000), "epoch cap of the runs to 100% training accuracy"),
    param("sgd_epochs", 2, 300, 0, integer(0, 1000000),
          "epochs of one memorising network trained with the thesis's SGD (lr 0.01) beside the profile's "
          "optimiser, to show why `default` uses Adam (0 = skip; `paper` trains with SGD itself)"),
    param("n_tsne", 100, 600, 12000, integer(31, 100000), "training signals in each t-SNE map (thesis: 12000)"),
    param("perplexity", 5.0, 30.0, 30.0, number(2.0, 200.0), "t-SNE perplexity"),
    param("mnist_seeds", 1, 1, 3, integer(1, 20), "MNIST networks of each kind (learning, memorising)"),
    param("mnist_train", 200, 24000, 48000, integer(100, 48000),
          "MNIST training images of the learning network (thesis: 48000)"),
    param("mnist_memorise", 200, 2000, 48000, integer(100, 48000),
          "MNIST training images (the first of the split) of the memorising network, shuffled labels"),
    param("mnist_val", 100, 1000, 12000, integer(50, 12000), "MNIST validation images (thesis: 12000)"),
    param("mnist_test", 200, 2000, 10000, integer(100, 10000), "MNIST test images (thesis: 10000)"),
    param("mnist_hidden", 16, 784, 784, integer(2, 4096), "MNIST nodes per hidden layer (thesis: 784)"),
    param("mnist_optimizer", "adam", "adam", "sgd", choice("sgd", "adam"), "MNIST optimiser (thesis: SGD)"),
    param("mnist_lr", 0.001, 0.001, 0.01, number(1e-6, 10.0), "MNIST learning rate (thesis: 0.01)"),
    param("mnist_batch_size", 100, 100, 1000, integer(1, 100000), "MNIST batch size (thesis: 1000)"),
    param("mnist_max_epochs", 5, 150, 5000, integer(1, 1000000), "epoch cap of the MNIST runs"),
)


def check(cfg) -> list[str]:
    """The test signals are drawn equally often at each of the 60 jump positions."""
    if cfg.n_test % 60:
        return [f"parameter 'n_test': got {cfg.n_test}, allowed: a multiple of 60 (equal signals per jump position)"]
    return []
