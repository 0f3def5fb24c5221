"""Independent replicates of the thesis's experiment: several data draws (training, validation and test signals),
several network seeds on each. The thesis reports one network per shape, trained on one draw of the signals and
scored on one test draw; one more such network is one more draw from the two-level distribution this run samples,
measured by lib.uncertainty.over_draws_and_seeds. Here: which seeds each draw uses, and the sources in words.
"""

def sources(draws: int, seeds: int, n_test: int) -> str:
    """What varied between the networks, in words."""
    return (f"{draws} data draws (training, validation and test signals; {n_test} test signals each) × {seeds} "
            f"network seeds per draw")


def draw_seed(seed: int, draw: int) -> int | list[int]:
    """The seed of data draw `draw` of a run with data seed `seed`: the seed itself for draw 0 (the chapter's
    figures use it), [seed, draw] after it, a SeedSequence entropy that no other run's seed repeats."""
    return seed if draw == 0 else [seed, draw]


def network_seeds(draw: int, seeds: int) -> range:
    """The network seeds trained on data draw `draw`: 0..S−1 on draw 0, then the next S per draw."""
    return range(draw * seeds, (draw + 1) * seeds)
