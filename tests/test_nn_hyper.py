import math

import pytest
import torch

from skvarhyper.nn import (
    ComplexityEncoder,
    HyperVariationalMLP,
    LinearGenerator,
    LowRankGenerator,
    VariationalMLP,
)

SIZES = (6, 5, 3)
SHAPES = [(5, 6), (5, 6), (5,), (5,), (3, 5), (3, 5), (3,), (3,)]


@pytest.mark.parametrize("scale", ["loguniform", "uniform"])
def test_encoder_maps_the_range_onto_the_unit_interval(scale):
    encoder = ComplexityEncoder(1e-3, 100.0, scale)
    lam = torch.tensor([1e-3, 100.0, 0.5], dtype=torch.float64)
    t = encoder.encode(lam)
    assert t[0] == pytest.approx(0) and t[1] == pytest.approx(1)
    torch.testing.assert_close(encoder.decode(t), lam)


def test_log_encoder_is_linear_in_log_complexity():
    t = ComplexityEncoder(1e-3, 100.0, "loguniform").encode(torch.tensor([0.1]))
    assert t.item() == pytest.approx(2 / 5)


@pytest.mark.parametrize(
    "generator", [LinearGenerator(SIZES), LowRankGenerator(SIZES, rank=2, hidden=7)]
)
def test_generators_stack_every_tensor_over_draws(generator):
    layers = generator(torch.rand(4))
    shapes = [tuple(tensor.shape) for layer in layers for tensor in layer]
    assert shapes == [(4, *shape) for shape in SHAPES]


def test_linear_generator_formula():
    generator = LinearGenerator(SIZES)
    with torch.no_grad():
        for slope in generator.slope:
            slope.normal_()
    t = torch.tensor([0.0, 0.3, 1.0])
    generated = [tensor for layer in generator(t) for tensor in layer]
    for tensor, base, slope in zip(generated, generator.base, generator.slope):
        for i, ti in enumerate(t):
            torch.testing.assert_close(tensor[i], base + ti * slope)


def test_low_rank_generator_formula_and_rank():
    generator = LowRankGenerator(SIZES, rank=2, hidden=7)
    with torch.no_grad():
        generator.corrections.normal_()
        for slope in generator.slope:
            slope.normal_()
    t = torch.tensor([0.25])
    features = generator.features(t.view(1, 1)) / 7
    generated = [tensor[0] for layer in generator(t) for tensor in layer]
    # Blocks: left and right factors, unit and input log-std shifts, biases.
    blocks = (features @ generator.corrections)[0].split(
        [10, 6, 12, 10, 5, 3, 6, 5, 5, 3, 5, 3]
    )
    lefts, rights, units, inputs = blocks[0:2], blocks[2:4], blocks[4:6], blocks[6:8]
    bias_means, bias_log_stds = blocks[8:10], blocks[10:12]
    for index, (n_out, n_in) in enumerate([(5, 6), (3, 5)]):
        weight_mean, weight_log_std, bias_mean, bias_log_std = generated[
            4 * index : 4 * index + 4
        ]
        base, log_std_base = generator.base[4 * index], generator.base[4 * index + 1]
        linear = base + 0.25 * generator.slope[index]
        u = lefts[index].view(n_out, 2)
        v = rights[index].view(n_in, 2)
        torch.testing.assert_close(weight_mean, linear + u @ v.T)
        assert torch.linalg.matrix_rank(weight_mean - linear, atol=1e-4) <= 2
        torch.testing.assert_close(
            weight_log_std,
            log_std_base + units[index][:, None] + inputs[index][None, :],
        )
        torch.testing.assert_close(
            bias_mean, generator.base[4 * index + 2] + bias_means[index]
        )
        torch.testing.assert_close(
            bias_log_std, generator.base[4 * index + 3] + bias_log_stds[index]
        )


@pytest.mark.parametrize("generator", ["linear", "lowrank"])
def test_generated_network_starts_like_a_fresh_variational_mlp(generator):
    torch.manual_seed(0)
    hyper = HyperVariationalMLP(SIZES, hypernet=generator)
    torch.manual_seed(0)
    fresh = VariationalMLP(SIZES)
    for lam in (1e-3, 1.0, 100.0):
        exported = hyper.export(lam).state_dict()
        for key, value in fresh.state_dict().items():
            torch.testing.assert_close(exported[key], value)


def test_forward_draw_blocks_match_the_exported_networks():
    torch.manual_seed(0)
    hyper = HyperVariationalMLP(SIZES, hypernet="lowrank")
    with torch.no_grad():
        hyper.hypernet.corrections.normal_()
    lam = torch.tensor([0.01, 1.0, 50.0])
    x = torch.randn(3, 4, 6)
    logits, kl = hyper(x, lam, sample=False)
    assert logits.shape == (3, 4, 3) and kl.shape == (3,)
    for s, value in enumerate(lam.tolist()):
        mlp = hyper.export(value)
        torch.testing.assert_close(logits[s], mlp(x[s], sample=False))
        torch.testing.assert_close(kl[s], mlp.kl())


@pytest.mark.parametrize("generator", ["linear", "lowrank"])
def test_predictive_moments_of_a_stack_match_the_exported_networks(generator):
    """One pass over every λ gives each exported network's moments, masks
    and shrinkage included."""
    torch.manual_seed(0)
    hyper = HyperVariationalMLP(SIZES, hypernet=generator, shrinkage=True)
    with torch.no_grad():
        for parameter in hyper.hypernet.parameters():
            parameter.normal_(0.0, 0.3)
        hyper.weight_masks[0][:, :2] = 0.0
    lam = torch.tensor([0.01, 1.0, 50.0])
    x = torch.randn(4, 6)
    mean, variance = hyper.predictive_moments(x, lam)
    assert mean.shape == variance.shape == (3, 4, 3)
    for s, value in enumerate(lam.tolist()):
        expected = hyper.export(value).predictive_moments(x)
        torch.testing.assert_close((mean[s], variance[s]), expected)


def test_generator_runs_once_per_forward(monkeypatch):
    hyper = HyperVariationalMLP(SIZES)
    calls = []
    original = hyper.hypernet.forward
    monkeypatch.setattr(
        hyper.hypernet, "forward", lambda t: calls.append(t) or original(t)
    )
    hyper(torch.randn(5, 2, 6), torch.full((5,), math.e))
    assert len(calls) == 1 and calls[0].shape == (5,)


@pytest.mark.parametrize("generator", ["linear", "lowrank"])
def test_shrinkage_divides_the_means_by_one_plus_complexity_times_c(generator):
    torch.manual_seed(0)
    plain = HyperVariationalMLP(SIZES, hypernet=generator)
    shrunk = HyperVariationalMLP(SIZES, hypernet=generator, shrinkage=True)
    shrunk.hypernet.load_state_dict(plain.hypernet.state_dict())
    with torch.no_grad():
        for rho in shrunk.shrinkage:
            rho.uniform_(-3, 1)
    lam = torch.tensor([0.001, 1.0, 100.0])
    for layer, reference, rho in zip(
        shrunk.generate(lam), plain.generate(lam), shrunk.shrinkage
    ):
        # One c per weight (linear) or per unit (low-rank).
        c = torch.nn.functional.softplus(rho).view(rho.shape[0], -1)
        expected = reference.weight_mean / (1 + lam.view(-1, 1, 1) * c)
        torch.testing.assert_close(layer.weight_mean, expected)
        torch.testing.assert_close(layer.weight_log_std, reference.weight_log_std)
        torch.testing.assert_close(layer.bias_mean, reference.bias_mean)
    exported = shrunk.export(100.0)
    torch.testing.assert_close(
        exported.layers[0].weight_mean, shrunk.generate(lam[2:])[0].weight_mean[0]
    )


def test_shrinkage_starts_almost_inactive():
    shrunk = HyperVariationalMLP(SIZES, shrinkage=True)
    plain = HyperVariationalMLP(SIZES)
    plain.load_state_dict(shrunk.state_dict(), strict=False)
    lam = torch.tensor([1.0, 100.0])
    ratio = shrunk.generate(lam)[0].weight_mean / plain.generate(lam)[0].weight_mean
    torch.testing.assert_close(
        ratio[0], torch.full_like(ratio[0], 0.999), atol=1e-3, rtol=0
    )
    assert 0.9 < float(ratio[1].mean().detach()) < 0.95
