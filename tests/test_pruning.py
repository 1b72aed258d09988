import pytest
import torch

from skvarhyper.pruning import masks_from_scores, pruning_masks, snr_scores


def _posteriors():
    torch.manual_seed(0)
    return [
        (torch.randn(5, 4), torch.randn(5, 4)),
        (torch.randn(3, 5), torch.randn(3, 5)),
    ]


@pytest.mark.parametrize("fraction", [0.0, 0.1, 1 / 3, 0.5, 0.8, 1.0])
def test_global_masks_keep_exactly_the_rounded_count(fraction):
    masks = pruning_masks(_posteriors(), fraction)
    assert sum(int(m.sum()) for m in masks) == round((1 - fraction) * 35)


def test_global_masks_keep_the_highest_scores():
    posteriors = _posteriors()
    masks = pruning_masks(posteriors, 0.6)
    scores = torch.cat([snr_scores(m, s).flatten() for m, s in posteriors])
    kept = torch.cat([m.flatten() for m in masks]).bool()
    assert scores[kept].min() >= scores[~kept].max()


def test_layer_scope_prunes_each_matrix_by_the_fraction():
    masks = pruning_masks(_posteriors(), 0.4, scope="layer")
    assert [int(m.sum()) for m in masks] == [12, 9]


def test_magnitude_ignores_the_variance():
    mean = torch.tensor([[1.0, 2.0, 3.0]])
    log_std = torch.tensor([[-5.0, 0.0, 5.0]])
    (snr,) = pruning_masks([(mean, log_std)], 2 / 3, score="snr")
    (mag,) = pruning_masks([(mean, log_std)], 2 / 3, score="magnitude")
    assert snr.tolist() == [[1.0, 0.0, 0.0]]
    assert mag.tolist() == [[0.0, 0.0, 1.0]]


def test_masks_shrink_monotonically_with_ties():
    scores = [torch.ones(4, 4), torch.ones(2)]
    previous = None
    for fraction in torch.linspace(0, 1, 11).tolist():
        kept = torch.cat([m.flatten() for m in masks_from_scores(scores, fraction)])
        if previous is not None:
            assert torch.all(kept <= previous)
        previous = kept
