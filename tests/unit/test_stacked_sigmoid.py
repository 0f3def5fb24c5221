"""The sigmoid variant of the stacked MLP against plain torch.nn, and trainable by the engine."""

import torch

from lib import train
from lib.models import mlp
from lib.stacked_sigmoid import sigmoid_mlp


def test_members_match_plain_sigmoid_sequentials():
    net = sigmoid_mlp(3, [5, 4, 4, 2], seed=7)
    x = torch.randn(6, 5)
    logits = net(x)
    for k in range(3):
        plain = net.member(k)
        assert isinstance(plain[1], torch.nn.Sigmoid)
        torch.testing.assert_close(plain(x), logits[k])
    acts = net.activations(x)
    torch.testing.assert_close(acts.post[1], torch.sigmoid(acts.pre[1]))


def test_same_initial_weights_as_relu_mlp():
    relu, sig = mlp(2, [5, 4, 2], init="glorot", seed=3), sigmoid_mlp(2, [5, 4, 2], seed=3)
    for a, b in zip(relu.parameters(), sig.parameters()):
        torch.testing.assert_close(a, b)


def test_engine_trains_it():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 5, generator=gen)
    y = (x[:, 0] > 0).long()
    net = sigmoid_mlp(2, [5, 8, 2], seed=0)
    cfg = train.train_config("adam", 0.05, batch_size=16, max_epochs=20, eval_every=None, device="cpu")
    before = train.evaluate(net, x, y, "ce")[0]
    after = train.evaluate(train.train(net, train.train_data(x, y, x, y), cfg).net, x, y, "ce")[0]
    assert bool((after < before).all())
