"""Property-based tests of the layer maths and the pruning masks."""

import itertools
import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skvarhyper.nn import gaussian_kl
from skvarhyper.nn.pruning import masks_from_scores, pruning_masks

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
variance = st.floats(1e-3, 10.0, allow_nan=False)


@given(
    mean=finite,
    log_std=st.floats(-4, 2),
    prior_mean=finite,
    prior_var=variance,
)
def test_kl_is_non_negative(mean, log_std, prior_mean, prior_var):
    kl = gaussian_kl(
        torch.tensor([mean], dtype=torch.float64),
        torch.tensor([log_std], dtype=torch.float64),
        prior_mean,
        prior_var,
    )
    assert kl.item() >= -1e-12


@given(prior_mean=finite, prior_var=variance, shift=st.floats(0.05, 3.0))
def test_kl_is_zero_only_at_the_prior(prior_mean, prior_var, shift):
    log_std = torch.tensor([0.5 * math.log(prior_var)], dtype=torch.float64)
    mean = torch.tensor([prior_mean], dtype=torch.float64)
    assert abs(gaussian_kl(mean, log_std, prior_mean, prior_var).item()) < 1e-9
    assert gaussian_kl(mean + shift, log_std, prior_mean, prior_var).item() > 1e-6
    assert gaussian_kl(mean, log_std + shift, prior_mean, prior_var).item() > 1e-6


shapes = st.lists(
    st.tuples(st.integers(1, 6), st.integers(1, 6)), min_size=1, max_size=3
)


@settings(max_examples=60, deadline=None)
@given(shapes=shapes, seed=st.integers(0, 2**16), fraction=st.floats(0, 1))
def test_prune_keeps_exactly_the_rounded_count(shapes, seed, fraction):
    generator = torch.Generator().manual_seed(seed)
    posteriors = [
        (torch.randn(s, generator=generator), torch.randn(s, generator=generator))
        for s in shapes
    ]
    masks = pruning_masks(posteriors, fraction)
    n_weights = sum(a * b for a, b in shapes)
    assert sum(int(m.sum()) for m in masks) == round((1 - fraction) * n_weights)


@settings(max_examples=60, deadline=None)
@given(
    shapes=shapes,
    seed=st.integers(0, 2**16),
    fractions=st.lists(st.floats(0, 1), min_size=2, max_size=5),
    ties=st.booleans(),
)
def test_masks_are_monotone_in_the_fraction(shapes, seed, fractions, ties):
    generator = torch.Generator().manual_seed(seed)
    scores = [
        torch.randint(0, 3, s, generator=generator).float()
        if ties
        else torch.rand(s, generator=generator)
        for s in shapes
    ]
    kept = [
        torch.cat([m.flatten() for m in masks_from_scores(scores, f)])
        for f in sorted(fractions)
    ]
    for larger, smaller in itertools.pairwise(kept):
        assert torch.all(smaller <= larger)
