#!/usr/bin/env python3
"""JAX reference for the score-matching maths, and the golden files the Go tests read.

What it computes (float64 throughout):

* The ring distribution in the plane (radius R=1, radial std 0.1):
      log p(x) = log N(r; R, STD) - log(2 pi r),          r = ||x||
      s(x)     = grad log p(x) = -[(r - R)/STD^2 + 1/r] * x / r
      div s(x) = -(2 r - R) / (STD^2 r)                    (trace of ds/dx, D = 2)
  each checked against jax autodiff of log p; E||s||^2 and E[div s] under the
  ring by quadrature (their sum with weight 1/2, -0.5 E||s||^2, is the
  smallest exact loss any model can reach); plus the blog's flawed score
  (R/r - 1) x and its radial "pdf" N(r; R, STD), for comparison.

* An MLP score model s_theta: R^D -> R^D. For layer i the weight W_i has shape
  [in, out] and the bias b_i shape [out]; h = h @ W_i + b_i, tanh after every
  layer but the last (linear output).

* The exact (Hyvarinen) score-matching loss
      J = mean_b [ tr(d s/d x)(x_b) + 0.5 * ||s(x_b)||^2 ]
  with the per-example Jacobian from jax.vmap(jax.jacfwd(.)), its gradient
  with respect to every W_i and b_i (jax.grad), and the blog's flawed loss
      mean_b [ tr(d s/d x)(x_b) + 1.5 * ||s(x_b)||_2 ]   (norm, not squared norm).

Usage:
    python reference.py --write   # (re)write ../golden/*.json
    python reference.py --check   # recompute, compare with ../golden/*.json, exit 1 on any difference

See README.md beside this file.
"""

import argparse
import json
import math
import os
import sys
import time

import jax
import jaxlib

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_DIR = os.path.normpath(os.path.join(HERE, "..", "golden"))
SCRIPT_REL = "scorematching/testdata/jaxref/reference.py"

# Ring constants (the blog's RADIUS and STD).
RADIUS = 1.0
STD = 0.1

# Tolerances used by --check: an element passes when
#     |new - stored| <= RTOL * |stored| + ATOL_SCALE * max(1, max|stored| over the key)
RTOL = 1e-9
ATOL_SCALE = 1e-13
# Closed formula vs autodiff for the ring.
RING_TOL = 1e-10

# Inputs (weights, batch points) are rounded to this many significant digits, so the
# decimal text in the JSON is short and parses to exactly the float64 the outputs were
# computed from.
INPUT_SIG_DIGITS = 9


# ----------------------------------------------------------------------------
# Ring distribution
# ----------------------------------------------------------------------------

def normal_logpdf(v, mean, std):
    return -0.5 * ((v - mean) / std) ** 2 - jnp.log(std) - 0.5 * jnp.log(2.0 * jnp.pi)


def ring_logpdf(x):
    """Normalised log-density in the plane of one point x with shape [2]."""
    r = jnp.sqrt(jnp.sum(x * x))
    return normal_logpdf(r, RADIUS, STD) - jnp.log(2.0 * jnp.pi * r)


def ring_score_closed(x):
    """Closed-form score of one point x [2]."""
    r = jnp.sqrt(jnp.sum(x * x))
    return -((r - RADIUS) / STD**2 + 1.0 / r) * x / r


def ring_divergence_closed(x):
    """Closed-form trace of d s / d x for the ring score, one point x [2]."""
    r = jnp.sqrt(jnp.sum(x * x))
    return -(2.0 * r - RADIUS) / (STD**2 * r)


def blog_flawed_score(x):
    """The blog's (R/r - 1) x: no 1/STD^2 factor, no -x/r^2 polar term."""
    r = jnp.sqrt(jnp.sum(x * x))
    return (RADIUS / r - 1.0) * x


def blog_radial_pdf(x):
    """The blog's density: N(r; R, STD), a pdf of r, not of x in the plane."""
    r = jnp.sqrt(jnp.sum(x * x))
    return jnp.exp(normal_logpdf(r, RADIUS, STD))


RING_POINTS = [
    # on the ring
    (1.0, 0.0),
    (0.0, 1.0),
    (-1.0, 0.0),
    (0.0, -1.0),
    (0.7071067811865476, 0.7071067811865476),
    (-0.6, 0.8),
    # just inside / outside the ring
    (0.9, 0.0),
    (1.1, 0.0),
    (-0.95, 0.1),
    (0.2, 1.05),
    # near the centre
    (0.05, 0.0),
    (0.0, -0.05),
    (0.01, 0.02),
    (-0.001, 0.0005),
    # inside, mid-way
    (0.3, -0.4),
    (0.5, 0.5),
    # outside, far
    (-1.2, -0.9),
    (3.0, -2.0),
    (-2.5, -1.5),
    (10.0, 0.0),
]


def ring_population_moments():
    """E||s(x)||^2 and E[div s(x)] under the ring, by quadrature over r ~ N(R, STD).

    The angle integrates out (p(x) dx = N(r; R, STD) dr dtheta / (2 pi)). Integration by
    parts says E[div s] = -E||s||^2, so the exact loss of the true score, its minimum, is
    -0.5 E||s||^2. The range R +- 9 STD leaves out a mass of about 2e-19.
    """
    from scipy import integrate  # pinned with jax; only needed here

    def pdf(r):
        return math.exp(-0.5 * ((r - RADIUS) / STD) ** 2) / (STD * math.sqrt(2.0 * math.pi))

    def sq_norm(r):
        return ((r - RADIUS) / STD**2 + 1.0 / r) ** 2

    def div(r):
        return -(2.0 * r - RADIUS) / (STD**2 * r)

    lo, hi = RADIUS - 9.0 * STD, RADIUS + 9.0 * STD
    opts = dict(points=[RADIUS], limit=200, epsabs=1e-13, epsrel=1e-13)
    e_sq = integrate.quad(lambda r: pdf(r) * sq_norm(r), lo, hi, **opts)[0]
    e_div = integrate.quad(lambda r: pdf(r) * div(r), lo, hi, **opts)[0]
    if abs(e_div + e_sq) > 1e-9 * e_sq:
        raise AssertionError(f"E[div s] = {e_div!r} is not -E||s||^2 = {-e_sq!r}")
    return e_sq, e_div


@jax.jit
def _ring_arrays(pts):
    jac = jax.vmap(jax.jacfwd(jax.grad(ring_logpdf)))(pts)
    return dict(
        r=jnp.sqrt(jnp.sum(pts * pts, axis=1)),
        logpdf=jax.vmap(ring_logpdf)(pts),
        score_closed=jax.vmap(ring_score_closed)(pts),
        score_autodiff=jax.vmap(jax.grad(ring_logpdf))(pts),
        div_closed=jax.vmap(ring_divergence_closed)(pts),
        div_autodiff=jnp.trace(jac, axis1=1, axis2=2),
        flawed=jax.vmap(blog_flawed_score)(pts),
        radial_pdf=jax.vmap(blog_radial_pdf)(pts),
    )


def ring_values():
    pts = jnp.asarray(RING_POINTS, dtype=jnp.float64)
    a = _ring_arrays(pts)
    score_closed, score_autodiff = a["score_closed"], a["score_autodiff"]
    div_closed, div_autodiff = a["div_closed"], a["div_autodiff"]
    np.testing.assert_allclose(np.asarray(score_autodiff), np.asarray(score_closed),
                               rtol=RING_TOL, atol=RING_TOL,
                               err_msg="ring score: closed formula != jax.grad(log p)")
    np.testing.assert_allclose(np.asarray(div_autodiff), np.asarray(div_closed),
                               rtol=RING_TOL, atol=RING_TOL,
                               err_msg="ring divergence: closed formula != trace(jacfwd(grad log p))")
    sq_norm, div = ring_population_moments()
    return {
        "radius": RADIUS,
        "std": STD,
        "expected_sq_norm_score": sq_norm,
        "expected_score_divergence": div,
        "exact_loss_at_true_score": div + 0.5 * sq_norm,
        "points": tensor(pts),
        "r": tensor(a["r"]),
        "logpdf": tensor(a["logpdf"]),
        "score": tensor(score_closed),
        "score_autodiff": tensor(score_autodiff),
        "score_divergence": tensor(div_closed),
        "score_divergence_autodiff": tensor(div_autodiff),
        "blog_flawed_score": tensor(a["flawed"]),
        "blog_radial_pdf": tensor(a["radial_pdf"]),
    }


# ----------------------------------------------------------------------------
# MLP score model and losses
# ----------------------------------------------------------------------------

def round_sig(a, digits=INPUT_SIG_DIGITS):
    a = np.asarray(a, dtype=np.float64)
    flat = [float(f"{v:.{digits}g}") for v in a.ravel()]
    return np.asarray(flat, dtype=np.float64).reshape(a.shape)


@jax.jit(static_argnums=(0,))
def _raw_init(sizes, key):
    kernel_init = jax.nn.initializers.lecun_normal()
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, k_w, k_b = jax.random.split(key, 3)
        w = kernel_init(k_w, (n_in, n_out), jnp.float64)
        b = 0.1 * jax.random.normal(k_b, (n_out,), jnp.float64)
        params.append((w, b))
    return params


def init_mlp(sizes, seed):
    """LeCun-normal kernels and 0.1*N(0,1) biases from jax.random.PRNGKey(seed), rounded."""
    raw = _raw_init(tuple(sizes), jax.random.PRNGKey(seed))
    return [(jnp.asarray(round_sig(w)), jnp.asarray(round_sig(b))) for w, b in raw]


def mlp(params, x):
    """x: [N, D] (or [D]); tanh on every layer but the last."""
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = jnp.tanh(h)
    return h


def per_example_jacobians(params, x):
    """[B, D, D] with J[b, i, j] = d s_i / d x_j at x_b."""
    return jax.vmap(jax.jacfwd(lambda xi: mlp(params, xi)))(x)


def exact_loss(params, x):
    s = mlp(params, x)
    traces = jnp.trace(per_example_jacobians(params, x), axis1=1, axis2=2)
    return jnp.mean(traces + 0.5 * jnp.sum(s * s, axis=1))


def blog_flawed_loss(params, x):
    s = mlp(params, x)
    traces = jnp.trace(per_example_jacobians(params, x), axis1=1, axis2=2)
    norms = jnp.sqrt(jnp.sum(s * s, axis=1))
    return jnp.mean(traces + norms / 2.0 + norms)


def ring_batch(n, seed):
    """n ring points: r ~ N(R, STD) then theta ~ U(-pi, pi), both from RandomState(seed)."""
    rs = np.random.RandomState(seed)
    r = rs.normal(RADIUS, STD, size=n)
    theta = rs.uniform(-np.pi, np.pi, size=n)
    return round_sig(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1))


def gaussian_batch(n, d, seed):
    rs = np.random.RandomState(seed)
    return round_sig(rs.standard_normal((n, d)))


_exact_loss_jit = jax.jit(exact_loss)
_flawed_loss_jit = jax.jit(blog_flawed_loss)
_exact_grad_jit = jax.jit(jax.grad(exact_loss))
_flawed_grad_jit = jax.jit(jax.grad(blog_flawed_loss))
_jacobians_jit = jax.jit(per_example_jacobians)
_mlp_jit = jax.jit(mlp)


def numpy_jacobians(params, x):
    """Independent cross-check: the chain rule by hand in numpy, J = W_1^T D_1 W_2^T D_2 ... per example."""
    params = [(np.asarray(w), np.asarray(b)) for w, b in params]
    x = np.asarray(x)
    n, d = x.shape
    h = x
    jac = np.broadcast_to(np.eye(d), (n, d, d)).copy()  # jac[b, k, j] = d h_k / d x_j
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        jac = np.einsum("kl,bkj->blj", w, jac)
        if i < len(params) - 1:
            h = np.tanh(h)
            jac = (1.0 - h * h)[:, :, None] * jac
    return h, jac


def self_check(params, x, s, jac, grads):
    """Cross-checks of the JAX values: hand-written numpy Jacobians, finite differences of the loss."""
    s_np, jac_np = numpy_jacobians(params, x)
    np.testing.assert_allclose(np.asarray(s), s_np, rtol=1e-12, atol=1e-13, err_msg="mlp vs numpy")
    np.testing.assert_allclose(np.asarray(jac), jac_np, rtol=1e-11, atol=1e-13,
                               err_msg="jax.vmap(jax.jacfwd) vs numpy chain rule")
    # Central differences on a few weights and biases of each layer.
    rs = np.random.RandomState(123)
    eps = 1e-6
    for li, (w, b) in enumerate(params):
        for name, arr in (("W", w), ("b", b)):
            for _ in range(3):
                idx = tuple(rs.randint(0, n) for n in arr.shape)
                def loss_at(delta):
                    p = list(params)
                    bumped = arr.at[idx].add(delta)
                    p[li] = (bumped, b) if name == "W" else (w, bumped)
                    return float(_exact_loss_jit(p, x))
                fd = (loss_at(eps) - loss_at(-eps)) / (2 * eps)
                g = float(grads[li][0 if name == "W" else 1][idx])
                if abs(fd - g) > 1e-6 * max(1.0, abs(g)):
                    raise AssertionError(f"grad check layer {li} {name}{idx}: jax.grad {g!r}, "
                                         f"finite difference {fd!r}")


def mlp_values(params, x, n_jac, with_flawed_grad, cross_check=False):
    """Every output that is derived from (params, x)."""
    x = jnp.asarray(x)
    s = _mlp_jit(params, x)
    jac = _jacobians_jit(params, x)
    traces = jnp.trace(jac, axis1=1, axis2=2)
    grads = _exact_grad_jit(params, x)
    if cross_check:
        self_check(params, x, s, jac, grads)
    out = {
        "exact_loss": float(_exact_loss_jit(params, x)),
        "flawed_loss": float(_flawed_loss_jit(params, x)),
        "scores": tensor(s),
        "traces": tensor(traces),
        "sq_norms": tensor(jnp.sum(s * s, axis=1)),
        "jacobians": tensor(jac[:n_jac]),
        "grad_exact": [{"W": tensor(gw), "b": tensor(gb)} for gw, gb in grads],
    }
    if with_flawed_grad:
        fgrads = _flawed_grad_jit(params, x)
        out["grad_flawed"] = [{"W": tensor(gw), "b": tensor(gb)} for gw, gb in fgrads]
    return out


def params_from_json(layers):
    return [(from_tensor(l["W"]), from_tensor(l["b"])) for l in layers]


# Each MLP case: name, sizes, weight seed, batch maker, how many Jacobians to store.
MLP_CASES = {
    "exact_loss_blog_mlp.json": dict(
        sizes=[2, 64, 128, 64, 2], weight_seed=0,
        batch=lambda: ring_batch(64, 0),
        batch_doc="64 ring points: numpy RandomState(0); r = normal(1, 0.1, 64) then "
                  "theta = uniform(-pi, pi, 64); x = (r cos theta, r sin theta)",
        n_jac=4, with_flawed_grad=False),
    "exact_loss_dim.json": dict(
        sizes=[5, 16, 16, 5], weight_seed=1,
        batch=lambda: gaussian_batch(16, 5, 1),
        batch_doc="16 points in R^5: numpy RandomState(1).standard_normal((16, 5))",
        n_jac=16, with_flawed_grad=True),
}

INPUT_KEYS = ("sizes", "layers", "x")


def mlp_case(spec):
    params = init_mlp(spec["sizes"], spec["weight_seed"])
    x = spec["batch"]()
    doc = {
        "sizes": spec["sizes"],
        "activation": "tanh on hidden layers, linear output",
        "layout": "layer i: W [in, out], b [out]; h = h @ W + b (rows are examples)",
        "init": f"jax.random.PRNGKey({spec['weight_seed']}); per layer key, kW, kb = split(key, 3); "
                "W = lecun_normal()(kW, (in, out), float64); b = 0.1 * normal(kb, (out,), float64); "
                f"then rounded to {INPUT_SIG_DIGITS} significant digits",
        "batch": spec["batch_doc"] + f"; rounded to {INPUT_SIG_DIGITS} significant digits",
        "conventions": "jacobians[b, i, j] = d s_i / d x_j for the first len(jacobians) batch rows; "
                       "exact_loss = mean(traces + 0.5 * sq_norms); "
                       "flawed_loss = mean(traces + 1.5 * sqrt(sq_norms)); "
                       "grad_exact[i] = d exact_loss / d (W_i, b_i)",
        "layers": [{"W": tensor(w), "b": tensor(b)} for w, b in params],
        "x": tensor(x),
    }
    doc.update(mlp_values(params, x, spec["n_jac"], spec["with_flawed_grad"], cross_check=True))
    return doc


# ----------------------------------------------------------------------------
# JSON helpers
# ----------------------------------------------------------------------------

def tensor(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.ravel()]}


def from_tensor(t):
    return jnp.asarray(np.asarray(t["data"], dtype=np.float64).reshape(t["shape"]))


def source_string(name):
    return (f"{SCRIPT_REL} --write (jax {jax.__version__}, jaxlib {jaxlib.__version__}, "
            f"numpy {np.__version__}, float64 on CPU); file {name}")


# ----------------------------------------------------------------------------
# Score SDE (VP) with a time-conditioned MLP
# ----------------------------------------------------------------------------

SDE_BETA_MIN, SDE_BETA_MAX, SDE_EPS = 0.1, 20.0, 1e-3
TIME_FEATURES = 8


def vp_log_mean(t):
    return -0.25 * t * t * (SDE_BETA_MAX - SDE_BETA_MIN) - 0.5 * t * SDE_BETA_MIN


def vp_mean_std(t):
    lm = vp_log_mean(t)
    return jnp.exp(lm), jnp.sqrt(-jnp.expm1(2 * lm))


def vp_beta(t):
    return SDE_BETA_MIN + t * (SDE_BETA_MAX - SDE_BETA_MIN)


def time_features(t):
    """t: [B] -> [B, 8]: sin(2^k pi t), cos(2^k pi t) for k = 0..3, in that order."""
    cols = []
    for k in range(TIME_FEATURES // 2):
        arg = (2 ** k) * math.pi * t
        cols += [jnp.sin(arg), jnp.cos(arg)]
    return jnp.stack(cols, axis=-1)


def time_score(params, x, t):
    """s(x, t) = mlp([x, e(t)]) / std(t); x [B, D], t [B]."""
    _, std = vp_mean_std(t)
    return mlp(params, jnp.concatenate([x, time_features(t)], axis=-1)) / std[:, None]


def sde_loss_per_example(params, x, t, z, likelihood):
    a, std = vp_mean_std(t)
    xt = a[:, None] * x + std[:, None] * z
    r = std[:, None] * time_score(params, xt, t) + z
    per = 0.5 * jnp.sum(r * r, axis=1)
    if likelihood:
        per = per * vp_beta(t) / (std * std)
    return per


def ode_log_density(params, x, steps):
    """log p_eps(x) by the probability-flow ODE from eps to 1 (RK4, float64), prior N(0, I)."""
    d = x.shape[1]

    def drift_div(y, t):
        tt = jnp.full((1,), t)
        f = lambda xi: (-0.5 * vp_beta(t) * xi - 0.5 * vp_beta(t) * time_score(params, xi[None, :], tt)[0])
        dx = jax.vmap(f)(y)
        div = jax.vmap(lambda xi: jnp.trace(jax.jacfwd(f)(xi)))(y)
        return dx, div

    h = (1.0 - SDE_EPS) / steps
    y, acc = x, jnp.zeros(x.shape[0])
    for i in range(steps):
        t = SDE_EPS + i * h
        k1, a1 = drift_div(y, t)
        k2, a2 = drift_div(y + h / 2 * k1, t + h / 2)
        k3, a3 = drift_div(y + h / 2 * k2, t + h / 2)
        k4, a4 = drift_div(y + h * k3, t + h)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        acc = acc + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
    prior = -0.5 * jnp.sum(y * y, axis=1) - 0.5 * d * math.log(2 * math.pi)
    return prior + acc


def sde_case():
    sizes = [2 + TIME_FEATURES, 16, 16, 2]
    params = init_mlp(sizes, 2)
    rs = np.random.RandomState(2)
    x = round_sig(rs.standard_normal((16, 2)))
    u = round_sig(rs.uniform(size=16))
    z = round_sig(rs.standard_normal((16, 2)))
    t = SDE_EPS + (1 - SDE_EPS) * u
    per = sde_loss_per_example(params, x, t, z, False)
    per_lw = sde_loss_per_example(params, x, t, z, True)
    steps = 100
    return {
        "sde": {"kind": "vp", "beta_min": SDE_BETA_MIN, "beta_max": SDE_BETA_MAX, "eps": SDE_EPS},
        "sizes": sizes,
        "conventions": "time-conditioned MLP: s(x, t) = mlp([x, e(t)]) / std(t), e(t) = [sin(pi t), cos(pi t), "
                       "sin(2 pi t), cos(2 pi t), ..., cos(8 pi t)]; VP: log a(t) = -t^2 (bmax - bmin)/4 - t bmin/2, "
                       "std = sqrt(1 - a^2); t = eps + (1 - eps) u; x_t = a x + std z; "
                       "loss_per_example = 0.5 ||std s(x_t, t) + z||^2, loss_lw_per_example = that times beta(t)/std^2; "
                       "time_scores = s(x, t) at the batch points and times; "
                       f"ode_logp = log p_eps(x) of the first 4 points by the probability-flow ODE, {steps} RK4 steps "
                       "from eps to 1 in float64 (exact divergence by jacfwd), prior N(0, I)",
        "init": "jax.random.PRNGKey(2), as the MLP cases; rounded",
        "batch": "numpy RandomState(2): x = standard_normal((16, 2)), u = uniform(size=16), z = standard_normal((16, 2)); rounded",
        "layers": [{"W": tensor(w), "b": tensor(b)} for w, b in params],
        "x": tensor(x), "u": tensor(u), "z": tensor(z),
        "time_scores": tensor(time_score(params, jnp.asarray(x), jnp.asarray(t))),
        "loss_per_example": tensor(per),
        "loss_lw_per_example": tensor(per_lw),
        "ode_steps": steps,
        "ode_logp": tensor(ode_log_density(params, jnp.asarray(x[:4]), steps)),
    }


def build_all():
    docs = {}
    sde_doc = {"source": source_string("sde_vp.json")}
    sde_doc.update(sde_case())
    docs["sde_vp.json"] = sde_doc
    for name, spec in MLP_CASES.items():
        doc = {"source": source_string(name)}
        doc.update(mlp_case(spec))
        docs[name] = doc
    ring = {"source": source_string("ring_score.json"),
            "conventions": "log p(x) = log N(r; R, std) - log(2 pi r); "
                           "score = -[(r - R)/std^2 + 1/r] x / r; "
                           "score_divergence = trace(d score / d x) = -(2 r - R)/(std^2 r); "
                           "*_autodiff are the same from jax.grad / jax.jacfwd of logpdf; "
                           "blog_flawed_score = (R/r - 1) x; blog_radial_pdf = N(r; R, std); "
                           "expected_* are E over the ring (quadrature over r ~ N(R, std)); "
                           "exact_loss_at_true_score = E[div s] + 0.5 E||s||^2 = -0.5 E||s||^2, "
                           "the population minimum of the exact loss"}
    ring.update(ring_values())
    docs["ring_score.json"] = ring
    return docs


# ----------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------

def is_tensor(v):
    return isinstance(v, dict) and set(v) == {"shape", "data"}


def compare(path, new, old, errors):
    """Appends a message to errors for every difference between new and stored old."""
    if is_tensor(new) or is_tensor(old):
        if not (is_tensor(new) and is_tensor(old)):
            errors.append(f"{path}: tensor vs non-tensor")
            return
        if list(new["shape"]) != list(old["shape"]):
            errors.append(f"{path}: shape {new['shape']} != stored {old['shape']}")
            return
        a = np.asarray(new["data"], dtype=np.float64)
        b = np.asarray(old["data"], dtype=np.float64)
        if a.size != b.size or b.size != int(np.prod(old["shape"], dtype=np.int64)):
            errors.append(f"{path}: data length {a.size} / stored {b.size} do not match shape {old['shape']}")
            return
        close_numbers(path, a, b, errors)
        return
    if isinstance(new, dict) and isinstance(old, dict):
        for k in sorted(set(new) | set(old)):
            if k == "source":
                continue
            if k not in old:
                errors.append(f"{path}.{k}: missing from the stored file")
            elif k not in new:
                errors.append(f"{path}.{k}: in the stored file but no longer computed")
            else:
                compare(f"{path}.{k}", new[k], old[k], errors)
        return
    if isinstance(new, list) and isinstance(old, list) and not all(
            isinstance(v, (int, float)) for v in new + old):
        if len(new) != len(old):
            errors.append(f"{path}: length {len(new)} != stored {len(old)}")
            return
        for i, (n, o) in enumerate(zip(new, old)):
            compare(f"{path}[{i}]", n, o, errors)
        return
    if isinstance(new, float) or isinstance(old, float):
        close_numbers(path, np.asarray([new], dtype=np.float64), np.asarray([old], dtype=np.float64), errors)
        return
    if new != old:
        errors.append(f"{path}: {new!r} != stored {old!r}")


def close_numbers(path, a, b, errors):
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        errors.append(f"{path}: non-finite value")
        return
    scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
    tol = RTOL * np.abs(b) + ATOL_SCALE * scale
    bad = np.abs(a - b) > tol
    if np.any(bad):
        i = int(np.argmax(np.abs(a - b) - tol))
        errors.append(f"{path}: {int(bad.sum())} of {b.size} values differ; worst at flat index {i}: "
                      f"computed {float(a[i])!r}, stored {float(b[i])!r} (|diff| {abs(a[i] - b[i]):.3g})")


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------

def write(docs):
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    for name, doc in docs.items():
        path = os.path.join(GOLDEN_DIR, name)
        with open(path, "w") as f:
            json.dump(doc, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def check(docs):
    errors = []
    for name, new in docs.items():
        path = os.path.join(GOLDEN_DIR, name)
        if not os.path.exists(path):
            errors.append(f"{name}: stored file missing ({path})")
            continue
        with open(path) as f:
            old = json.load(f)
        # 1. The inputs must regenerate exactly (same pinned jax / numpy).
        for k in INPUT_KEYS:
            if k in new and json.dumps(new[k]) != json.dumps(old.get(k)):
                errors.append(f"{name}.{k}: regenerated inputs differ from the stored ones "
                              "(jax/numpy versions not the pinned ones?)")
        # 2. Outputs recomputed from the STORED inputs must match the stored outputs.
        if name in MLP_CASES and all(k in old for k in INPUT_KEYS):
            spec = MLP_CASES[name]
            from_stored = mlp_values(params_from_json(old["layers"]), from_tensor(old["x"]),
                                     spec["n_jac"], spec["with_flawed_grad"])
            for k, v in from_stored.items():
                if k in old:
                    compare(f"{name}.{k} (from stored inputs)", v, old[k], errors)
        # 3. Everything freshly computed must match the stored file.
        compare(name, new, old, errors)
        print(f"checked {path}")
    if errors:
        print(f"\nFAIL: {len(errors)} difference(s) from the golden files:", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1
    print("OK: golden files match the JAX reference "
          f"(rtol {RTOL}, atol {ATOL_SCALE} x max(1, max|key|))")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true", help="write the golden JSON files")
    g.add_argument("--check", action="store_true", help="recompute and compare with the golden files")
    args = ap.parse_args()
    t0 = time.time()
    docs = build_all()
    if args.write:
        write(docs)
        for name, doc in docs.items():
            if "exact_loss" in doc:
                print(f"  {name}: exact_loss {doc['exact_loss']!r}, flawed_loss {doc['flawed_loss']!r}")
        rc = 0
    else:
        rc = check(docs)
    print(f"({time.time() - t0:.1f} s)")
    return rc


if __name__ == "__main__":
    sys.exit(main())
