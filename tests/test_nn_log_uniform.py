import math

import numpy as np
import pytest
import torch
from scipy import integrate

from skvarhyper.nn import VariationalLinear
from skvarhyper.nn.log_uniform import (
    log_alpha,
    log_uniform_kl,
    log_uniform_kl_with_grad,
)


def _numerical_kl(alpha):
    """``KL(N(θ, αθ²) || p(|w|) ∝ 1/|w|)`` up to the prior's normalising
    constant, by quadrature: ``E log|1 + √α ε| - ½ log α``, shifted by
    ``(γ + log 2) / 2`` so that it tends to 0 as ``α`` grows, the
    convention of the approximation."""
    root = math.sqrt(alpha)

    def integrand(eps):
        density = math.exp(-0.5 * eps * eps) / math.sqrt(2 * math.pi)
        return math.log(abs(1.0 + root * eps)) * density

    expectation = sum(
        integrate.quad(integrand, low, high, limit=400)[0]
        for low, high in ((-40.0, -1.0 / root), (-1.0 / root, 40.0))
    )
    return expectation - 0.5 * math.log(alpha) + 0.5 * (np.euler_gamma + math.log(2))


@pytest.mark.parametrize("log_alpha_value", [-8, -4, -2, -1, 0, 1, 2, 4, 8])
def test_log_uniform_kl_matches_a_numerical_integral(log_alpha_value):
    """Molchanov et al.'s approximation is within 0.01 nats of the exact KL."""
    mean = torch.tensor([0.5], dtype=torch.float64)
    log_std = torch.log(mean) + 0.5 * log_alpha_value
    approx = float(log_uniform_kl(mean, log_std))
    assert approx == pytest.approx(_numerical_kl(math.exp(log_alpha_value)), abs=0.01)


def test_log_uniform_kl_depends_on_alpha_only_and_vanishes_for_noise():
    log_std = torch.tensor([-3.0, -1.0, 2.0], dtype=torch.float64)
    mean = torch.exp(log_std) / 2.0  # the same α = 4 at three scales
    kl = log_uniform_kl(mean, log_std)
    # Exact up to the 1e-8 that guards log(m**2) at m = 0.
    torch.testing.assert_close(kl, kl[:1].expand(3), rtol=0, atol=1e-5)
    noise = log_uniform_kl(torch.tensor([1e-3]), torch.tensor([0.0]))
    assert 0 <= float(noise) < 1e-3
    assert float(log_uniform_kl(torch.tensor([1.0]), torch.tensor([-5.0]))) > 4


def test_closed_form_gradients_match_autograd():
    torch.manual_seed(0)
    mean = (torch.randn(200, dtype=torch.float64) * 0.3).requires_grad_()
    log_std = (torch.rand(200, dtype=torch.float64) * 6 - 6).requires_grad_()
    log_uniform_kl(mean, log_std).sum().backward()
    kl, grad_mean, grad_log_std = log_uniform_kl_with_grad(mean, log_std)
    torch.testing.assert_close(kl, log_uniform_kl(mean, log_std))
    torch.testing.assert_close(grad_mean, mean.grad)
    torch.testing.assert_close(grad_log_std, log_std.grad)


def test_log_alpha_is_minus_twice_the_log_snr():
    mean, log_std = torch.tensor([0.2, -3.0]), torch.tensor([-1.0, 0.5])
    snr = mean.abs() / log_std.exp()
    torch.testing.assert_close(log_alpha(mean, log_std), -2 * torch.log(snr))


def test_log_uniform_layer_kl_covers_kept_weights_only():
    layer = VariationalLinear(4, 3, prior="log-uniform")
    full = float(layer.kl().detach())
    expected = float(
        log_uniform_kl(layer.weight_mean, layer.weight_log_std).sum().detach()
    )
    assert full == pytest.approx(expected)  # no term for the biases
    with torch.no_grad():
        layer.weight_mask[0] = 0
    kept = log_uniform_kl(layer.weight_mean[1:], layer.weight_log_std[1:]).sum()
    assert float(layer.kl().detach()) == pytest.approx(float(kept.detach()))
    assert "log-uniform" in repr(layer)
