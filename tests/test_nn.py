import pytest
import torch
from torch.distributions import Normal, kl_divergence

from skvarhyper.nn import ACTIVATIONS, VariationalLinear, VariationalMLP, gaussian_kl
from skvarhyper.nn.functional import (
    posterior_kl,
    variational_linear,
    variational_linear_with_kl,
)


def test_gaussian_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mean, log_std = torch.randn(50), torch.randn(50) - 1
    expected = kl_divergence(
        Normal(mean, log_std.exp()), Normal(torch.tensor(0.3), torch.tensor(0.1).sqrt())
    )
    torch.testing.assert_close(gaussian_kl(mean, log_std, 0.3, 0.1), expected)


def test_gaussian_kl_is_zero_at_the_prior():
    log_std = torch.full((5,), 0.5 * torch.log(torch.tensor(0.1)).item())
    kl = gaussian_kl(torch.zeros(5), log_std, 0.0, 0.1)
    torch.testing.assert_close(kl, torch.zeros(5), atol=1e-6, rtol=0)


def test_local_reparameterisation_matches_weight_sampling():
    torch.manual_seed(0)
    x = torch.randn(1, 4)
    w_mean, w_log_std = torch.randn(3, 4), torch.randn(3, 4) * 0.3 - 1
    b_mean, b_log_std = torch.randn(3), torch.randn(3) * 0.3 - 1
    n = 200_000
    lrt = variational_linear(
        x.expand(n, 4), w_mean, w_log_std, b_mean, b_log_std, sample=True
    )
    weights = w_mean + w_log_std.exp() * torch.randn(n, 3, 4)
    biases = b_mean + b_log_std.exp() * torch.randn(n, 3)
    sampled = torch.einsum("i,noi->no", x[0], weights) + biases
    expected_mean = x @ w_mean.T + b_mean
    expected_var = (x**2) @ (2 * w_log_std).exp().T + (2 * b_log_std).exp()
    for draws in (lrt, sampled):
        torch.testing.assert_close(draws.mean(0), expected_mean[0], atol=0.02, rtol=0)
        torch.testing.assert_close(draws.var(0), expected_var[0], atol=0, rtol=0.03)


def test_variational_linear_batched_stack_matches_one_by_one():
    torch.manual_seed(0)
    x = torch.randn(3, 5, 4)
    params = [
        torch.randn(3, 2, 4),
        torch.randn(3, 2, 4),
        torch.randn(3, 2),
        torch.randn(3, 2),
    ]
    out = variational_linear(x, *params, sample=False)
    for s in range(3):
        single = variational_linear(x[s], *(p[s] for p in params), sample=False)
        torch.testing.assert_close(out[s], single)


def test_layer_is_mean_in_eval_and_noisy_in_training():
    torch.manual_seed(0)
    layer = VariationalLinear(4, 3)
    x = torch.randn(8, 4)
    layer.eval()
    torch.testing.assert_close(layer(x), x @ layer.weight_mean.T + layer.bias_mean)
    layer.train()
    assert not torch.allclose(layer(x), layer(x))


def test_mask_zeroes_weights_and_their_kl():
    layer = VariationalLinear(4, 3)
    layer.weight_mask.zero_()
    layer.eval()
    x = torch.randn(2, 4)
    torch.testing.assert_close(layer(x), layer.bias_mean.detach().expand(2, 3))
    layer.train()
    out = layer(x)
    var = (2 * layer.bias_log_std).exp()
    assert torch.all((out - layer.bias_mean).abs() < 10 * var.sqrt())
    bias_kl = gaussian_kl(layer.bias_mean, layer.bias_log_std, 0.0, 0.1).sum()
    torch.testing.assert_close(layer.kl(), bias_kl)


def test_initial_log_std_is_minus_three():
    layer = VariationalLinear(4, 3)
    assert torch.all(layer.weight_log_std == -3.0)
    assert torch.all(layer.bias_log_std == -3.0)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_mlp_shapes_and_kl(activation):
    mlp = VariationalMLP((6, 5, 4, 3), activation)
    assert mlp(torch.randn(7, 6)).shape == (7, 3)
    expected = sum(layer.kl() for layer in mlp.layers)
    torch.testing.assert_close(mlp.kl(), expected)
    assert [m.shape for m in mlp.weight_masks] == [(5, 6), (4, 5), (3, 4)]


def test_softmax_hidden_activation_normalises_units():
    mlp = VariationalMLP((6, 5, 3), "softmax").eval()
    hidden = ACTIVATIONS["softmax"](mlp.layers[0](torch.randn(4, 6)))
    torch.testing.assert_close(hidden.sum(-1), torch.ones(4))


@pytest.mark.parametrize("prior_mean", [0.0, 0.2])
@pytest.mark.parametrize("masked", [False, True])
def test_fused_forward_and_kl_match_the_separate_functions(prior_mean, masked):
    torch.manual_seed(0)
    params = [
        torch.randn(3, 2, 4),
        torch.randn(3, 2, 4) - 1,
        torch.randn(3, 2),
        torch.randn(3, 2) - 1,
    ]
    mask = (torch.rand(2, 4) > 0.5).float() if masked else None
    x = torch.randn(3, 5, 4)
    out, kl = variational_linear_with_kl(
        x,
        *params,
        weight_mask=mask,
        prior_mean=prior_mean,
        prior_variance=0.1,
        sample=False,
    )
    torch.testing.assert_close(
        out, variational_linear(x, *params, weight_mask=mask, sample=False)
    )
    expected = posterior_kl(
        *params, weight_mask=mask, prior_mean=prior_mean, prior_variance=0.1
    )
    torch.testing.assert_close(kl, expected)
    elementwise = gaussian_kl(params[0], params[1], prior_mean, 0.1)
    if masked:
        elementwise = elementwise * mask
    bias = gaussian_kl(params[2], params[3], prior_mean, 0.1).sum(-1)
    torch.testing.assert_close(kl, elementwise.sum((-2, -1)) + bias)


@pytest.mark.parametrize(
    "prior, prior_mean",
    [("gaussian", 0.0), ("gaussian", 0.2), ("log-uniform", 0.0)],
)
@pytest.mark.parametrize("pruned", [False, True])
def test_fused_training_pass_equals_the_autograd_one(prior, prior_mean, pruned):
    """``sample_with_kl`` (one autograd node per layer, closed-form gradients
    with the KL term's folded in) gives the outputs, KL and gradients of the
    composed autograd operations."""
    torch.manual_seed(0)
    mlp = VariationalMLP(
        (5, 7, 3), prior=prior, prior_mean=prior_mean, dtype=torch.float64
    )
    for layer in mlp.layers:
        with torch.no_grad():
            layer.weight_log_std.uniform_(-3, 0)
            layer.bias_log_std.uniform_(-3, 0)
    if pruned:
        mlp.layers[0].weight_mask[0, :3] = 0
        mlp.layers[1].weight_mask[:, 2] = 0
    x = torch.randn(11, 5, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 3, (11,))
    kl_weight = 0.3

    def gradients(step):
        mlp.zero_grad()
        x.grad = None
        logits, kl = step(torch.Generator().manual_seed(1))
        (torch.nn.functional.cross_entropy(logits, y) + kl_weight * kl).backward()
        grads = [p.grad.clone() for p in mlp.parameters()] + [x.grad.clone()]
        return logits.detach(), kl.detach(), grads

    reference = gradients(lambda g: (mlp(x, sample=True, generator=g), mlp.kl()))
    fused = gradients(lambda g: mlp.sample_with_kl(x, g, kl_weight=kl_weight))
    assert not fused[1].requires_grad
    torch.testing.assert_close(fused[0], reference[0])
    torch.testing.assert_close(fused[1], reference[1])
    for got, expected in zip(fused[2], reference[2], strict=True):
        torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_moment_propagation_is_closer_to_the_predictive_than_the_mean(activation):
    """``predictive_proba`` (one pass of means and variances) approximates the
    Monte-Carlo predictive better than the posterior-mean network does."""
    torch.manual_seed(0)
    mlp = VariationalMLP((5, 20, 3), activation)
    with torch.no_grad():
        for layer in mlp.layers:
            layer.weight_log_std.fill_(-1.0)
    x = torch.randn(8, 5)
    with torch.inference_mode():
        generator = torch.Generator().manual_seed(0)
        draws = torch.stack(
            [torch.softmax(mlp(x, True, generator), -1) for _ in range(20_000)]
        )
        predictive = draws.mean(0)
        moments = mlp.predictive_proba(x)
        mean = torch.softmax(mlp(x, sample=False), -1)
    torch.testing.assert_close(moments.sum(-1), torch.ones(8))
    moments_error = (moments - predictive).abs().max()
    assert moments_error < 0.05
    if activation != "softmax":  # both are exact to first order there
        assert moments_error < (mean - predictive).abs().max()
