"""The low-rank hypernetwork's training step computed from the factors of its
generated layers, against autograd through the generated matrices."""

import pytest
import torch

from skvarhyper.nn import HyperVariationalMLP
from skvarhyper.nn import factored as factored_module
from skvarhyper.nn.factored import factored_linear_with_kl

SIZES = (6, 5, 3)
COMPLEXITIES = [0.01, 1.0, 30.0]


def _hypernetwork(shrinkage=True, prior_mean=0.0, **kwargs):
    torch.manual_seed(0)
    hyper = HyperVariationalMLP(
        SIZES,
        hypernet="lowrank",
        rank=2,
        hidden=7,
        shrinkage=shrinkage,
        prior_mean=prior_mean,
        dtype=torch.float64,
        **kwargs,
    )
    # Away from the initial values, where many factors are zero.
    with torch.no_grad():
        for parameter in hyper.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    return hyper


def _gradients(hyper, step):
    hyper.zero_grad()
    step()
    return {name: p.grad.clone() for name, p in hyper.named_parameters()}


def _both_paths(hyper, kl_weight):
    """Outputs, KL and gradients of the factored step and of autograd through
    the generated matrices, on the same noise."""
    complexity = torch.tensor(COMPLEXITIES, dtype=torch.float64)
    x = torch.randn(3, 4, SIZES[0], dtype=torch.float64)
    direction = torch.randn(3, 4, SIZES[-1], dtype=torch.float64)
    results = {}

    def factored():
        generator = torch.Generator().manual_seed(1)
        logits, kl = hyper.sample_with_kl(x, complexity, kl_weight, generator)
        (logits * direction).sum().backward()
        results["factored"] = logits.detach(), kl

    def reference():
        generator = torch.Generator().manual_seed(1)
        logits, kl = hyper(x, complexity, sample=True, generator=generator)
        ((logits * direction).sum() + (kl_weight * kl).sum()).backward()
        results["reference"] = logits.detach(), kl.detach()

    factored_grads = _gradients(hyper, factored)
    reference_grads = _gradients(hyper, reference)
    return results, factored_grads, reference_grads


@pytest.mark.parametrize("shrinkage", [True, False])
@pytest.mark.parametrize("prior_mean", [0.0, 0.3])
def test_factored_step_equals_autograd_through_the_generated_matrices(
    shrinkage, prior_mean
):
    hyper = _hypernetwork(shrinkage, prior_mean)
    assert hyper._factored()
    kl_weight = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    results, factored, reference = _both_paths(hyper, kl_weight)
    for value, expected in zip(results["factored"], results["reference"]):
        torch.testing.assert_close(value, expected, rtol=1e-12, atol=1e-12)
    assert factored.keys() == reference.keys()
    for name in factored:
        torch.testing.assert_close(
            factored[name], reference[name], rtol=1e-10, atol=1e-12, msg=name
        )


def test_every_parameter_gets_the_kl_gradient():
    """The equality test above would catch a KL term left out: the KL
    reaches every parameter's gradient."""
    hyper = _hypernetwork()
    zero = torch.zeros(3, dtype=torch.float64)
    weighted = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    _, without_kl, _ = _both_paths(hyper, zero)
    _, with_kl, _ = _both_paths(hyper, weighted)
    for name in with_kl:
        assert not torch.allclose(with_kl[name], without_kl[name]), name


def test_a_broken_term_is_caught(monkeypatch):
    """Dropping the KL's gradient of the means' squares, one term of the
    closed form, makes the factored gradients differ from autograd's."""
    hyper = _hypernetwork()
    kl_weight = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    original = factored_module._kl_parts

    def without_cross_term(*args):
        squares, (combined, gram, rows, sums) = original(*args)
        return squares, (torch.zeros_like(combined), gram, rows, sums)

    monkeypatch.setattr(factored_module, "_kl_parts", without_cross_term)
    _, factored, reference = _both_paths(hyper, kl_weight)
    name = "hypernet.corrections"
    assert not torch.allclose(factored[name], reference[name])


@pytest.mark.parametrize(
    "setting",
    [{"hypernet": "linear"}, {"prior": "log-uniform"}, {"pruned": True}],
    ids=["linear", "log-uniform", "pruned"],
)
def test_other_hypernetworks_take_the_generated_matrices(setting):
    """With a linear generator, the log-uniform prior or a pruned weight the
    step runs through the generated matrices, with the same contract: the KL
    has no gradient and the logits' gradient includes it."""
    setting = dict(setting)
    pruned = setting.pop("pruned", False)
    torch.manual_seed(0)
    hyper = HyperVariationalMLP(SIZES, dtype=torch.float64, **setting)
    if pruned:
        hyper.weight_masks[0][0, 0] = 0.0
    assert not hyper._factored()
    kl_weight = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64)
    results, factored, reference = _both_paths(hyper, kl_weight)
    assert not results["factored"][1].requires_grad
    for name in factored:
        torch.testing.assert_close(factored[name], reference[name], msg=name)


def test_the_generator_seeds_the_noise():
    hyper = _hypernetwork()
    layer = hyper.hypernet.factors(torch.tensor([0.2, 0.7], dtype=torch.float64))[0]
    x = torch.randn(2, 3, SIZES[0], dtype=torch.float64)
    scale = torch.ones(2, SIZES[1], dtype=torch.float64)

    def draw(seed):
        out, _ = factored_linear_with_kl(
            x,
            layer,
            scale,
            kl_weight=torch.zeros(2),
            prior_mean=0.0,
            prior_variance=0.1,
            generator=torch.Generator().manual_seed(seed),
        )
        return out

    torch.testing.assert_close(draw(3), draw(3), rtol=0, atol=0)
    assert not torch.allclose(draw(3), draw(4))
