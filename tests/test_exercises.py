"""The notebooks' self-checking exercises: every solution passes its check, every stub is reported as
not attempted, a typical mistake fails; and course_utils.exercises itself behaves (never raises,
leaves the random state alone, shows one line)."""

from __future__ import annotations

import bisect
import importlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.exercises import checking

NOTEBOOKS = sorted(
    (Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")
)
CHECK_CELL = re.compile(r"^exercises\.check_(\w+)\((\w+)\)$")
SOLUTION_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
EXERCISE_HEADING = re.compile(r"^### Exercise (\d+) · ", re.MULTILINE)


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _exercises(path: Path) -> list[tuple[str, str, str]]:
    """(function name, stub source, solution source) for every check cell of a notebook."""
    cells = json.loads(path.read_text())["cells"]
    solutions = [
        block
        for cell in cells
        if cell["cell_type"] == "markdown" and "<details>" in _source(cell)
        for block in SOLUTION_BLOCK.findall(_source(cell))
    ]
    found = []
    for i, cell in enumerate(cells):
        match = (
            CHECK_CELL.match(_source(cell).strip())
            if cell["cell_type"] == "code"
            else None
        )
        if match is None:
            continue
        name, argument = match.groups()
        assert argument == name, (
            f"{path.name}: check_{name} is given {argument}, expected {name}"
        )
        stub = cells[i - 1]
        assert stub["cell_type"] == "code", (
            f"{path.name}: the cell before check_{name} must be the stub"
        )
        defining = [
            block
            for block in solutions
            if re.search(rf"^def {name}\(", block, re.MULTILINE)
        ]
        assert len(defining) == 1, (
            f"{path.name}: expected one solution block defining {name}(), found {len(defining)}"
        )
        found.append((name, _source(stub), defining[0]))
    return found


CASES = [(path, *case) for path in NOTEBOOKS for case in _exercises(path)]
CASE_IDS = [f"{path.stem[:2]}-{name}" for path, name, _, _ in CASES]


def _check_of(name: str):
    """check_<name> from the exercise module of the notebook that uses it."""
    path = next(p for p, n, _, _ in CASES if n == name)
    return getattr(_module(path), f"check_{name}")


def _module(path: Path):
    """course_utils.exercises.<module> of a notebook: 08_dcgan -> dcgan."""
    return importlib.import_module(f"course_utils.exercises.{path.stem[3:]}")


def _define(source: str, name: str):
    """Run a cell's source in a fresh namespace and return the function it defines."""
    namespace: dict = {}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace[name]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_two_to_four_exercises_at_least_two_checked(path):
    cells = json.loads(path.read_text())["cells"]
    markdown = "\n".join(
        _source(cell) for cell in cells if cell["cell_type"] == "markdown"
    )
    numbers = [int(n) for n in EXERCISE_HEADING.findall(markdown)]
    assert numbers == list(range(1, len(numbers) + 1)), (
        f"{path.name}: exercises numbered {numbers}"
    )
    assert 2 <= len(numbers) <= 4, (
        f"{path.name}: {len(numbers)} exercises, expected 2 to 4"
    )
    assert len(_exercises(path)) >= 2, (
        f"{path.name}: fewer than 2 exercises with a check cell"
    )
    imports = next(
        _source(c)
        for c in cells
        if c["cell_type"] == "code" and "from course_utils" in _source(c)
    )
    module = f"from course_utils.exercises import {path.stem[3:]} as exercises"
    assert module in imports, f"{path.name} must import its exercise checks: {module}"


@pytest.mark.parametrize(("path", "name", "stub", "solution"), CASES, ids=CASE_IDS)
def test_solution_passes_its_check(path, name, stub, solution):
    verdict = _check_of(name)(_define(solution, name))
    assert verdict.passed, f"{path.name}, solution of {name}: {verdict}"
    assert str(verdict).startswith("✅ Correct: ")


@pytest.mark.parametrize(("path", "name", "stub", "solution"), CASES, ids=CASE_IDS)
def test_solution_passes_with_float64_as_default_dtype(
    path, name, stub, solution, monkeypatch
):
    """Notebook 02 sets torch.set_default_dtype(torch.float64); the checks must not depend on the default."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        verdict = _check_of(name)(_define(solution, name))
    finally:
        torch.set_default_dtype(previous)
    assert verdict.passed, (
        f"{path.name}, solution of {name} with float64 default: {verdict}"
    )


@pytest.mark.parametrize(("path", "name", "stub", "solution"), CASES, ids=CASE_IDS)
def test_stub_is_not_attempted(path, name, stub, solution):
    assert "raise NotImplementedError" in stub, (
        f"{path.name}: the stub of {name} must raise NotImplementedError"
    )
    verdict = _check_of(name)(_define(stub, name))
    assert not verdict.passed
    assert "not attempted" in verdict.message.lower(), str(verdict)
    assert str(verdict) == "❌ " + checking.NOT_ATTEMPTED


# One plausible mistake per check, and a word that the check's message must contain.
def _naive_entropy(x):
    return (
        -(x * x.log() + (1 - x) * (1 - x).log()).flatten(1).sum(1)
    )  # NaN at pixels 0 and 1


def _truncating_pixels(images):
    return (
        ((images + 1) / 2 * 255)
        .clamp(0, 255)
        .to(torch.uint8)
        .reshape(len(images), 28, 28)
    )  # no rounding


def _gaussian_with_wrong_transpose(mean, covariance, eps):
    return mean + eps @ torch.linalg.cholesky(
        covariance
    )  # L^T eps_n instead of L eps_n


def _conv_size_without_floor(size, kernel, stride=1, padding=0):
    return (size + 2 * padding - kernel) / stride + 1


def _gaussian_ignoring_correlations(mean, covariance, eps):
    return (
        mean + eps * covariance.diagonal().sqrt()
    )  # sigma * eps, right only for a diagonal covariance


def _conv_size_rounded(size, kernel, stride=1, padding=0):
    return round(
        (size + 2 * padding - kernel) / stride + 1
    )  # rounds to nearest instead of down


def _kl_with_log_sigma(
    mu_q, log_var_q, mu_p, log_var_p
):  # notebook 02's pitfall 2: log_var read as log sigma
    return (
        log_var_p
        - log_var_q
        + ((2 * log_var_q).exp() + (mu_q - mu_p) ** 2) / (2 * (2 * log_var_p).exp())
        - 0.5
    ).sum(-1)


def _sample_without_gradient(mu, log_var, eps):
    return (mu + torch.exp(0.5 * log_var) * eps).detach()


def _sample_with_the_variance(
    mu, log_var, eps
):  # notebook 02's pitfall 2: exp(log_var) is sigma^2, not sigma
    return mu + torch.exp(log_var) * eps


def _naive_log_mean_exp(log_w, dim):
    return log_w.exp().mean(dim).log()


def _log_sum_exp_instead_of_mean(
    log_w, dim
):  # shifted correctly, but sums the k weights
    m = log_w.max(dim, keepdim=True).values
    return (m + torch.log(torch.exp(log_w - m).sum(dim, keepdim=True))).squeeze(dim)


def _likelihood_through_sigmoid(logits, x):
    p = torch.sigmoid(logits)
    return (x * p.log() + (1 - x) * (1 - p).log()).flatten(1).sum(1)


def _bce_instead_of_likelihood(
    logits, x
):  # the loss of the notebook, not the log-likelihood: the sign
    return (
        F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        .flatten(1)
        .sum(1)
    )


def _transposed_size_ignoring_padding(size, kernel, stride=1, padding=0):
    return (size - 1) * stride + kernel


def _losses_through_sigmoid(real_logits, fake_logits):
    d_real, d_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    return -d_real.log().mean() - (1 - d_fake).log().mean(), -d_fake.log().mean()


def _optimal_discriminator_swapped(
    p_data, p_g
):  # the fakes' share instead of the real one
    total = p_data + p_g
    return torch.where(
        total > 0, p_g / total.clamp(min=1e-300), torch.full_like(total, 0.5)
    )


def _optimal_discriminator_dividing_by_zero(
    p_data, p_g
):  # 0 / 0 where neither density has mass
    return p_data / (p_data + p_g)


def _penalty_with_a_per_pixel(critic, real, fake, a, gp_lambda=10.0):
    a = torch.rand_like(real)  # ignores the given a: one a per pixel
    x_hat = (a * real + (1 - a) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return gp_lambda * ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


def _penalty_without_create_graph(critic, real, fake, a, gp_lambda=10.0):
    a = a.view(-1, 1, 1, 1)
    x_hat = (a * real + (1 - a) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)
    return gp_lambda * ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


def _one_sided_penalty(
    critic, real, fake, a, gp_lambda=10.0
):  # punishes slopes above 1 only
    a = a.view(-1, 1, 1, 1)
    x_hat = (a * real + (1 - a) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return gp_lambda * ((grads.flatten(1).norm(dim=1) - 1).clamp(min=0) ** 2).mean()


def _frobenius_bound(critic):
    return math.prod(
        m.weight.norm().item() for m in critic.modules() if isinstance(m, nn.Linear)
    )


def _coverage_strictly_above(counts):
    counts = np.asarray(counts)
    ratio = counts.max() / counts.min() if counts.min() > 0 else math.inf
    return int((counts > 0.01 * counts.sum()).sum()), float(ratio)  # > instead of >=


def _fid_rows_as_variables(real_features, fake_features):
    import scipy.linalg

    cov_r, cov_g = np.cov(real_features), np.cov(fake_features)  # forgot rowvar=False
    root = scipy.linalg.sqrtm(cov_r @ cov_g).real
    mu_r, mu_g = real_features.mean(0), fake_features.mean(0)
    return float(np.sum((mu_r - mu_g) ** 2) + np.trace(cov_r + cov_g - 2 * root))


def _fid_biased_covariance(real_features, fake_features):
    import scipy.linalg

    cov_r, cov_g = (
        np.cov(real_features, rowvar=False, ddof=0),
        np.cov(fake_features, rowvar=False, ddof=0),
    )
    root = scipy.linalg.sqrtm(cov_r @ cov_g).real
    mu_r, mu_g = real_features.mean(0), fake_features.mean(0)
    return float(np.sum((mu_r - mu_g) ** 2) + np.trace(cov_r + cov_g - 2 * root))


def _fid_with_sqrtm(
    real_features, fake_features
):  # the textbook formula: breaks on singular covariances
    import scipy.linalg

    cov_r, cov_g = (
        np.cov(real_features, rowvar=False),
        np.cov(fake_features, rowvar=False),
    )
    root = scipy.linalg.sqrtm(cov_r @ cov_g).real
    mu_r, mu_g = real_features.mean(0), fake_features.mean(0)
    return float(np.sum((mu_r - mu_g) ** 2) + np.trace(cov_r + cov_g - 2 * root))


def _average_weights_without_warm_up(steps, decay):
    weights = torch.zeros(steps + 1, dtype=torch.float64)
    weights[0] = 1.0
    for t in range(steps):
        weights *= decay
        weights[t + 1] = 1 - decay
    return weights


def _average_weights_reversed(steps, decay):
    weights = torch.zeros(steps + 1, dtype=torch.float64)
    weights[0] = 1.0
    for t in range(steps):
        b = min(decay, (1 + t) / (10 + t))
        weights *= 1 - b
        weights[t + 1] = b
    return weights


def _multiply_adds_at_input_size(d):
    total, size = 0, 28
    for m in (m for m in d.modules() if isinstance(m, nn.Conv2d)):
        total += size**2 * m.in_channels * m.out_channels * m.kernel_size[0] ** 2
        size = (size + 2 * m.padding[0] - m.kernel_size[0]) // m.stride[0] + 1
    return total


def _slerp_as_lerp(z_a, z_b, alpha):
    alpha = alpha[:, None]
    return (1 - alpha) * z_a + alpha * z_b


def _slerp_without_guard(z_a, z_b, alpha):
    omega = torch.acos(torch.dot(z_a, z_b) / (z_a.norm() * z_b.norm()))
    a = alpha[:, None]
    return (torch.sin((1 - a) * omega) * z_a + torch.sin(a * omega) * z_b) / torch.sin(
        omega
    )


def _active_units_by_std(mu, threshold=0.01):
    return int((mu.std(dim=0) > threshold).sum())


def _active_units_over_coordinates(mu, threshold=0.01):
    return int((mu.var(dim=1) > threshold).sum())


def _kl_monte_carlo_with_the_variance(mu, log_var, eps):
    sigma = log_var.exp()  # the variance, not the standard deviation
    z = mu + sigma * eps
    log_q = torch.distributions.Normal(mu, sigma).log_prob(z)
    return (log_q - torch.distributions.Normal(0.0, 1.0).log_prob(z)).sum(-1).mean(0)


def _kl_monte_carlo_averaged_over_dimensions(mu, log_var, eps):
    sigma = (log_var / 2).exp()
    z = mu + sigma * eps
    log_q = torch.distributions.Normal(mu, sigma).log_prob(z)
    return (log_q - torch.distributions.Normal(0.0, 1.0).log_prob(z)).mean(-1).mean(0)


def _score_estimate_summed(f_values, z, mu, sigma):
    score_mu = (z - mu) / sigma**2
    score_sigma = ((z - mu) ** 2 - sigma**2) / sigma**3
    return torch.stack([(f_values * score_mu).sum(), (f_values * score_sigma).sum()])


def _score_estimate_dividing_by_sigma(f_values, z, mu, sigma):
    score_mu = (z - mu) / sigma
    score_sigma = ((z - mu) ** 2 - sigma**2) / sigma**3
    return torch.stack([(f_values * score_mu).mean(), (f_values * score_sigma).mean()])


def _two_sided_instead_of_one_sided(critic, real, fake, a, gp_lambda=10.0):
    a = a.view(-1, 1, 1, 1)
    x_hat = (a * real + (1 - a) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return gp_lambda * ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()


def _one_sided_with_a_per_pixel(critic, real, fake, a, gp_lambda=10.0):
    a = torch.rand_like(real)
    x_hat = (a * real + (1 - a) * fake).requires_grad_(True)
    (grads,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return gp_lambda * ((grads.flatten(1).norm(dim=1) - 1).clamp(min=0) ** 2).mean()


def _transport_cost_squared(plan, x, y):
    distances = torch.cdist(x.reshape(len(x), -1), y.reshape(len(y), -1))
    return (plan * distances**2).sum()


def _parameters_without_biases(bottleneck, hidden=100):
    return 2 * (784 * hidden + hidden * bottleneck)  # weights only


def _parameters_of_the_encoder(bottleneck, hidden=100):
    return 784 * hidden + hidden + hidden * bottleneck + bottleneck


def _interpolation_short_of_the_end(start, end, steps):
    t = (torch.arange(steps, dtype=start.dtype) / steps).unsqueeze(1)  # never reaches 1
    return (1 - t) * start + t * end


def _interpolation_in_columns(start, end, steps):
    t = torch.linspace(0, 1, steps, dtype=start.dtype)
    return (1 - t) * start.unsqueeze(1) + t * end.unsqueeze(1)  # d x steps


def _gaussian_nats_without_the_constant(mean, log_var, x):
    return (0.5 * (log_var + (x - mean) ** 2 / log_var.exp())).flatten(1).sum(1)


def _gaussian_nats_with_log_sigma(mean, log_var, x):
    normal = torch.distributions.Normal(
        mean, log_var.exp()
    )  # exp(log sigma^2) = sigma^2
    return -normal.log_prob(x).flatten(1).sum(1)


def _gaussian_log_likelihood(mean, log_var, x):
    normal = torch.distributions.Normal(mean, (log_var / 2).exp())
    return normal.log_prob(x).flatten(1).sum(1)  # the sign of a likelihood, not a loss


def _importance_weight_without_the_prior(log_px_z, z, mu, log_var):
    q = torch.distributions.Normal(mu, (log_var / 2).exp())
    return log_px_z - q.log_prob(z).sum(1)


def _importance_weight_adding_q(log_px_z, z, mu, log_var):
    q = torch.distributions.Normal(mu, (log_var / 2).exp())
    prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return log_px_z + prior.log_prob(z).sum(1) + q.log_prob(z).sum(1)


def _importance_weight_with_log_sigma(log_px_z, z, mu, log_var):
    q = torch.distributions.Normal(mu, log_var.exp())
    prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return log_px_z + prior.log_prob(z).sum(1) - q.log_prob(z).sum(1)


def _latest_snapshot_bisect_left(steps, step):
    return bisect.bisect_left(steps, step)


def _near_copies_with_itself(pixels, threshold):
    x = pixels.flatten(1).float() / 255
    return (torch.cdist(x, x).min(1).values < threshold).float().mean().item()


def _label_maps_channels_last(y, size=28):
    return F.one_hot(y, 10).float()[:, None, None, :].expand(-1, size, size, -1)


def _label_maps_indexing_every_label(y, size=28):
    maps = torch.zeros(len(y), 10, size, size)
    maps[:, y] = 1.0  # every image gets the maps of all the batch's labels
    return maps


def _classify_by_reconstruction(loss_terms, x):
    terms = [loss_terms(x, torch.full((len(x),), k)) for k in range(10)]
    return torch.stack([rec for rec, _ in terms], 1).argmin(1)


def _classify_by_highest_neg_elbo(loss_terms, x):
    terms = [loss_terms(x, torch.full((len(x),), k)) for k in range(10)]
    return torch.stack([rec + kl for rec, kl in terms], 1).argmax(1)


def _free_bits_per_image(kl, delta, groups):
    batch, units = kl.shape
    per_group = kl.reshape(batch, groups, units // groups).sum(dim=2)
    return per_group.clamp(min=delta).sum(dim=1).mean()


def _free_bits_per_unit(kl, delta, groups):
    return kl.mean(dim=0).clamp(min=delta).sum()


def _cyclical_beta_without_restart(step, steps, cycles=4, ramp=0.5):
    period = steps // cycles
    return min(1.0, (step - 1) / period / ramp)


def _cyclical_beta_ramp_over_the_cycle(step, steps, cycles=4, ramp=0.5):
    period = steps // cycles
    return ((step - 1) % period) / period


def _critic_grid_transposed(critic, xs, ys):
    y, x = torch.meshgrid(
        ys, xs, indexing="xy"
    )  # the wrong indexing: len(xs) x len(ys)
    with torch.no_grad():
        return critic(torch.stack([x.flatten(), y.flatten()], 1)).view(len(xs), len(ys))


def _log_spaced_without_last(last):
    steps, scale = {0}, 1
    while scale <= last:
        steps.update(m * scale for m in (1, 2, 5) if m * scale <= last)
        scale *= 10
    return tuple(sorted(steps))


MISTAKES = {
    "label_maps": [
        (_label_maps_channels_last, "shape (5, 10, 28, 28)"),
        (_label_maps_indexing_every_label, "one map per image"),
    ],
    "classify_by_elbo": [
        (_classify_by_reconstruction, "sum of both terms"),
        (_classify_by_highest_neg_elbo, "lowest reconstruction + KL"),
    ],
    "latest_snapshot": [(_latest_snapshot_bisect_left, "expected index")],
    "free_bits_groups": [
        (_free_bits_per_image, "average over the batch first"),
        (_free_bits_per_unit, "within each group"),
    ],
    "cyclical_beta": [
        (_cyclical_beta_without_restart, "new cycle"),
        (_cyclical_beta_ramp_over_the_cycle, "ramp * period"),
    ],
    "near_copy_fraction": [(_near_copies_with_itself, "itself")],
    "gaussian_reconstruction_nats": [
        (_gaussian_nats_without_the_constant, "constant"),
        (_gaussian_nats_with_log_sigma, "log sigma"),
        (_gaussian_log_likelihood, "log-likelihood"),
    ],
    "log_importance_weight": [
        (_importance_weight_without_the_prior, "prior"),
        (_importance_weight_adding_q, "subtract"),
        (_importance_weight_with_log_sigma, "log sigma"),
    ],
    "autoencoder_parameters": [
        (_parameters_without_biases, "bias"),
        (_parameters_of_the_encoder, "158,186"),
    ],
    "interpolate_codes": [
        (_interpolation_short_of_the_end, "short of `end`"),
        (_interpolation_in_columns, "shape (5, 3)"),
    ],
    "kl_monte_carlo": [
        (_kl_monte_carlo_with_the_variance, "exp(log_var / 2)"),
        (_kl_monte_carlo_averaged_over_dimensions, "sum the log-ratio"),
    ],
    "score_estimate": [
        (_score_estimate_summed, "average over the L samples"),
        (_score_estimate_dividing_by_sigma, "sigma^2"),
    ],
    "one_sided_penalty_at": [
        (_two_sided_instead_of_one_sided, "two-sided"),
        (_one_sided_with_a_per_pixel, "the same a for all pixels"),
    ],
    "transport_cost": [(_transport_cost_squared, "not its square")],
    "slerp": [(_slerp_as_lerp, "straight line"), (_slerp_without_guard, "parallel")],
    "active_units": [
        (_active_units_by_std, "standard deviation"),
        (_active_units_over_coordinates, "over the images"),
    ],
    "average_weights": [
        (_average_weights_without_warm_up, "warm-up"),
        (_average_weights_reversed, "update_average"),
    ],
    "discriminator_multiply_adds": [(_multiply_adds_at_input_size, "output")],
    "bernoulli_entropy": [(_naive_entropy, "0 · log 0")],
    "signed_to_pixels": [(_truncating_pixels, "round")],
    "sample_gaussian": [
        (_gaussian_with_wrong_transpose, "covariance"),
        (_gaussian_ignoring_correlations, "covariance"),
    ],
    "conv_output_size": [
        (_conv_size_without_floor, "int"),
        (_conv_size_rounded, "nn.Conv2d gives"),
    ],
    "kl_diagonal": [(_kl_with_log_sigma, "kl_divergence")],
    "reparameterised_sample": [
        (_sample_without_gradient, "no gradient"),
        (_sample_with_the_variance, "exp(log_var / 2)"),
    ],
    "log_mean_exp": [
        (_naive_log_mean_exp, "largest value"),
        (_log_sum_exp_instead_of_mean, "not their sum"),
    ],
    "bernoulli_log_likelihood": [
        (_likelihood_through_sigmoid, "softplus"),
        (_bce_instead_of_likelihood, "minus the BCE"),
    ],
    "transposed_output_size": [
        (_transposed_size_ignoring_padding, "nn.ConvTranspose2d gives")
    ],
    "gan_losses": [(_losses_through_sigmoid, "softplus")],
    "optimal_discriminator": [
        (_optimal_discriminator_swapped, "only real data"),
        (_optimal_discriminator_dividing_by_zero, "0 / 0"),
    ],
    "gradient_penalty_at": [
        (_penalty_with_a_per_pixel, "the same a for all pixels"),
        (_penalty_without_create_graph, "create_graph"),
        (_one_sided_penalty, "two-sided"),
    ],
    "lipschitz_bound": [(_frobenius_bound, "singular values")],
    "coverage_and_class_ratio": [(_coverage_strictly_above, "at least 1%")],
    "critic_grid": [(_critic_grid_transposed, "rows run along ys")],
    "log_spaced_steps": [
        (_log_spaced_without_last, "expected (0, 1, 2, 5, 10, 20, 50, 100, 120)")
    ],
    "fid_from_features": [
        (_fid_rows_as_variables, "rowvar=False"),
        (_fid_biased_covariance, "unbiased"),
        (_fid_with_sqrtm, "singular"),
    ],
}
MISTAKE_CASES = [
    (name, fn, word) for name, mistakes in MISTAKES.items() for fn, word in mistakes
]


def test_every_check_is_used_in_a_notebook_and_has_a_mistake_test():
    modules = {_module(path) for path in NOTEBOOKS}
    checks = {
        name.removeprefix("check_")
        for module in modules
        for name in dir(module)
        if name.startswith("check_")
    }
    in_notebooks = {name for _, name, _, _ in CASES}
    missing, unknown = checks - in_notebooks, in_notebooks - checks
    assert not missing and not unknown, (
        f"checks not in a notebook: {missing}; unknown checks: {unknown}"
    )
    assert checks == set(MISTAKES), (
        f"checks without a mistake test: {checks - set(MISTAKES)}"
    )


@pytest.mark.parametrize(
    ("name", "fn", "word"),
    MISTAKE_CASES,
    ids=[fn.__name__ for _, fn, _ in MISTAKE_CASES],
)
def test_a_typical_mistake_fails_and_says_why(name, fn, word):
    verdict = _check_of(name)(fn)
    assert not verdict.passed, f"{fn.__name__} passed check_{name}"
    assert verdict.message.startswith("Not yet: "), str(verdict)
    assert word in verdict.message, (
        f"check_{name}({fn.__name__}) should mention {word!r}: {verdict}"
    )


# course_utils.exercises.checking itself
def test_verdict_is_truthy_when_passed_and_shows_one_line():
    right, wrong = (
        checking.Verdict(True, "Correct: fine"),
        checking.Verdict(False, "Not yet: 3 instead of 4"),
    )
    assert right and not wrong
    assert repr(right) == str(right) == right._repr_markdown_() == "✅ Correct: fine"
    assert repr(wrong) == "❌ Not yet: 3 instead of 4"


def test_an_exception_in_the_students_code_is_reported_not_raised():
    def broken(x):
        raise ValueError("shapes do not match")

    verdict = _check_of("bernoulli_entropy")(broken)
    assert not verdict.passed
    assert "ValueError" in verdict.message and "shapes do not match" in verdict.message


def test_a_wrong_return_type_or_shape_is_reported():
    verdict = _check_of("bernoulli_entropy")(
        lambda x: x.sum()
    )  # one number for the whole batch
    assert not verdict.passed and "shape (4,)" in verdict.message, str(verdict)
    verdict = _check_of("gan_losses")(
        lambda real, fake: F.softplus(-real).mean()
    )  # not a pair
    assert not verdict.passed and "pair" in verdict.message, str(verdict)


def test_passing_something_else_than_a_function_is_reported():
    verdict = _check_of("kl_diagonal")(None)
    assert not verdict.passed and "check_kl_diagonal(kl_diagonal)" in verdict.message


def test_checks_leave_the_global_random_state_alone():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    for name in ["gradient_penalty_at", "lipschitz_bound", "log_mean_exp"]:
        solution = next(s for _, n, _, s in CASES if n == name)
        assert _check_of(name)(_define(solution, name))
    assert torch.equal(torch.get_rng_state(), state), (
        "a check moved the caller's random generator"
    )
