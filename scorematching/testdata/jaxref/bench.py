#!/usr/bin/env python3
"""JAX side of the score-matching benchmarks (float32, CPU only).

Runs one workload and prints, as its LAST line, one JSON object (with --workload dim and no
--dim it prints one JSON object per line, one per D, the last line being the last D):

    {"workload", "backend": "jax-jit" | "jax-nojit", "ms_per_step", "compile_ms",
     "peak_rss_mb", "steps", "dim", "jax_version", "threads", ...}

Usage:
    python bench.py --workload blog|dim|sample [--steps N] [--style jit|nojit] [--dim D]
                    [--optimizer optax|example_libraries] [--no-cost]

Workloads (the definitions are shared with the Go benchmarks; keep them identical):

W-blog  Training of the blog's score model with the corrected exact loss.
        Data: 10,000 ring points, R = 1, STD = 0.1, from numpy RandomState(0):
            r = rs.normal(1, 0.1, 10000) first, then theta = rs.uniform(-pi, pi, 10000);
            x = (r cos theta, r sin theta), float32.
        Batches: 512 rows. Each epoch draws a permutation from a second numpy RandomState(0)
            (as the blog's data_stream) and yields perm[i*512:(i+1)*512] for the 19 COMPLETE
            batches only (the 272-row remainder is dropped, so every step has shape [512, 2]);
            the steps cycle through epochs.
        Model: MLP 2-64-128-64-2, tanh after every layer but the last (linear output);
            W_i [in, out], b_i [out], h = h @ W_i + b_i. Init as the blog: keys =
            split(PRNGKey(0), len(sizes)); per layer k1, k2 = split(keys[i]);
            W = lecun_normal()(k1, (in, out)) float32; b = zeros.
        Loss: the EXACT Hyvarinen loss  mean_b[ tr(J(x_b)) + 0.5 ||s(x_b)||^2 ],
            with J the full per-example D x D Jacobian from jax.vmap over examples of a
            per-example function that calls jax.jacfwd (as in the blog, with the blog's
            1.5*||s|| bug corrected to 0.5*||s||^2).
        Optimizer: Adam, lr 1e-4, b1 0.9, b2 0.999, eps 1e-8 (optax.adam; or, with
            --optimizer example_libraries, jax.example_libraries.optimizers.adam as the blog).
        One step = jax.value_and_grad(loss) + the Adam update of all parameters.
W-dim   Same as W-blog but in dimension D in {2, 8, 32, 128, 512}: MLP D-64-128-64-D
        (same init scheme, PRNGKey(0)), data = 10,000 standard normal points in R^D
        (numpy RandomState(0).standard_normal((10000, D)), float32), same batching (19
        complete batches of 512 per epoch), exact loss with the full D x D per-example
        Jacobian via vmap(jacfwd), Adam lr 1e-4. One step = value_and_grad + Adam update.
W-sample Langevin-style updates of 10,000 particles in 2-D with the W-blog MLP (weights as
        initialised in W-blog, untrained):
            x <- x + eps * s(x) + sqrt(2 eps) * z,   eps = 1e-3,  z ~ N(0, I)
        with z drawn by jax.random each step (key0 = PRNGKey(1); each step: key, sub =
        split(key); z = normal(sub, (10000, 2))). Initial particles: numpy
        RandomState(0).uniform(-1.5, 1.5, (10000, 2)), float32. One step = one score
        evaluation of all 10,000 particles (one batched MLP forward) + noise + update.

Styles:
    nojit  as the blog wrote it: no jax.jit anywhere in this script, eager op-by-op dispatch
           (jnp / optax library functions that are themselves jitted internally stay so).
    jit    the whole step (loss, grad, Adam update; for W-sample: key split, noise, score,
           update) under ONE jax.jit, with the params and the optimizer state (W-sample: the
           particles and the key) donated.

Measurement:
    compile_ms  wall time of the FIRST step, from the call to block_until_ready of its
                outputs. For jit it includes tracing, lowering and XLA compilation (and one
                execution); for nojit it includes the compilation of every per-primitive
                executable that eager dispatch builds and caches.
    then W warm-up steps (jit: 5, nojit: 2), untimed;
    then N timed steady-state steps (default: 200 for jit, 20 for nojit). For --workload dim
                without --steps, N is also capped by a time budget (--budget-s, default 20 s,
                estimated from the last warm-up step) with at least 5 steps.
    Every step is timed separately and ends with jax.block_until_ready on all of its
    outputs (params, opt state, loss), so the loop is synchronous like a Go training loop.
    The batches for all steps are sliced out in numpy before the timed loop (host arrays;
    the host-to-device copy of the [512, D] float32 batch is inside each step's time, as
    in the blog's loop).
    ms_per_step = mean of the N per-step times; ms_median/ms_min/ms_max/ms_stdev too.
    projected_20000_steps_s = ms_per_step * 20000 / 1000 (1000 epochs x 20 batches, the
    blog's training run).
    peak_rss_mb = resource.getrusage(RUSAGE_SELF).ru_maxrss / 1024, read right after the
    timed loop (before the optional cost analysis compile).
    threads: XLA's CPU client sizes its intra-op (Eigen) thread pool to the CPUs this
    process may run on, len(os.sched_getaffinity(0)); nothing here changes that default.
    Also reported: os.cpu_count(), the OS threads in this process after the run, XLA_FLAGS.
    load_avg: os.getloadavg() at the start and at the end.
    For jit (and unless --no-cost) the same step is lowered and compiled a second time
    ahead-of-time (jax.jit(step).lower(...).compile()) after the timed loop, to report
    XLA's cost_analysis() flops next to the analytic estimates (flops_analytic: the
    matmul FLOPs this jitted step needs; flops_factor3: the 3 (1 + D) F rule of thumb;
    2*m*n*k per matmul, see analytic_flops()). gflops_per_s_analytic = flops_analytic /
    ms_per_step.

float32 everywhere: jax_enable_x64 is NOT set. CPU only.
"""

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

jax.config.update("jax_platforms", "cpu")

import jax.numpy as jnp  # noqa: E402
import jaxlib  # noqa: E402
import numpy as np  # noqa: E402

RADIUS = 1.0
STD = 0.1
N_POINTS = 10_000
BATCH = 512
LR = 1e-4
HIDDEN = (64, 128, 64)
DIMS = (2, 8, 32, 128, 512)
N_PARTICLES = 10_000
EPS = 1e-3
BLOG_STEPS = 20_000  # 1000 epochs x 20 batches in the blog


# ----------------------------------------------------------------------------
# Data, model, loss
# ----------------------------------------------------------------------------

def ring_points(n=N_POINTS, seed=0):
    rs = np.random.RandomState(seed)
    r = rs.normal(RADIUS, STD, size=n)
    theta = rs.uniform(-np.pi, np.pi, size=n)
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1).astype(np.float32)


def gaussian_points(d, n=N_POINTS, seed=0):
    return np.random.RandomState(seed).standard_normal((n, d)).astype(np.float32)


def make_batches(x, n_steps, seed=0):
    """n_steps batches of exactly BATCH rows: complete batches of per-epoch permutations."""
    rs = np.random.RandomState(seed)
    n_complete = x.shape[0] // BATCH
    out = []
    while len(out) < n_steps:
        perm = rs.permutation(x.shape[0])
        for i in range(n_complete):
            out.append(np.ascontiguousarray(x[perm[i * BATCH:(i + 1) * BATCH]]))
            if len(out) == n_steps:
                break
    return out


def init_params(sizes, key):
    """The blog's init: LeCun-normal kernels, zero biases, float32."""
    kernel_init = jax.nn.initializers.lecun_normal()
    keys = jax.random.split(key, len(sizes))
    params = []
    for n_in, n_out, k in zip(sizes[:-1], sizes[1:], keys):
        k1, _k2 = jax.random.split(k)
        params.append((kernel_init(k1, (n_in, n_out), jnp.float32),
                       jnp.zeros((n_out,), jnp.float32)))
    return params


def mlp(params, x):
    """x: [D] or [N, D]; tanh on every layer but the last."""
    h = x
    for w, b in params[:-1]:
        h = jnp.tanh(h @ w + b)
    w, b = params[-1]
    return h @ w + b


def example_loss(params, x):
    """Exact Hyvarinen loss of one example x [D] (blog structure, corrected 0.5*||s||^2)."""
    f = lambda xi: mlp(params, xi)  # noqa: E731
    s = f(x)
    jac = jax.jacfwd(f)(x)
    return jnp.trace(jac) + 0.5 * jnp.sum(s * s)


def batch_loss(params, xb):
    return jnp.mean(jax.vmap(lambda xi: example_loss(params, xi))(xb))


# ----------------------------------------------------------------------------
# Optimizers
# ----------------------------------------------------------------------------

def make_train_step(name):
    """Returns (init(params) -> state, step(params, state, x) -> (params, state, loss))."""
    if name == "optax":
        import optax
        opt = optax.adam(LR)

        def step(params, state, x):
            loss, grads = jax.value_and_grad(batch_loss)(params, x)
            updates, state = opt.update(grads, state, params)
            params = optax.apply_updates(params, updates)
            return params, state, loss

        return opt.init, step

    from jax.example_libraries.optimizers import adam
    opt_init, opt_update, get_params = adam(step_size=LR)

    # The example_libraries state carries the params itself (get_params returns the same
    # buffers), so the params slot is None here: donating both would donate a buffer twice.
    def init(params):
        return (opt_init(params), jnp.zeros((), jnp.int32))

    def step(_params, state, x):
        opt_state, i = state
        loss, grads = jax.value_and_grad(batch_loss)(get_params(opt_state), x)
        opt_state = opt_update(i, grads, opt_state)
        return None, (opt_state, i + 1), loss

    return init, step


def optimizer_version(name):
    if name == "optax":
        import optax
        return "optax " + optax.__version__
    return "jax.example_libraries.optimizers.adam"


# ----------------------------------------------------------------------------
# FLOP estimates
# ----------------------------------------------------------------------------

def analytic_flops(sizes, batch):
    """Matmul FLOPs of one exact-loss training step, 2*m*n*k per matmul, B = batch.

    Per example, one pass through the MLP costs F = 2 * mac, mac = sum(in_i * out_i).

    "factor3" (the rule of thumb): the loss needs the primal pass and D Jacobian passes
    (jacfwd pushes the D basis vectors forward; D reverse passes from the outputs would cost
    the same), each with the same matmuls: (1 + D) F. The backward of all of that w.r.t. the
    weights needs, for every matmul Y = X W, dW = X^T dY and dX = dY W^T, each as costly as
    the forward matmul: about 2x. Total about 3 (1 + D) F B. A reverse-mode-only
    implementation (D VJPs to the input, then their backward) pays roughly this.

    "total" (what the jitted JAX step really needs): two things make it smaller or larger.
    (a) With jacfwd the tangent entering layer 1 is the basis e_j, the same for every
        example, so e_j W_1 = row j of W_1 is computed once (no per-example first-layer
        matmul), and the tangent path's dW_1 is a sum over examples (no matmul). The D
        tangent passes cost 2 (mac - first) each forward, 4 (mac - first) backward
        (first = in_1 * out_1). The primal pass costs 2 mac forward and 2 (2 mac - first)
        backward (no dX for the input).
    (b) The blog's per-example loss calls s = f(x) and jacfwd(f)(x): two separate primal
        computations in the jaxpr. XLA merges their forwards (CSE) but not their backwards
        (different cotangents), so the primal path is back-propagated twice: + 2 (2 mac -
        first) per example.
    Elementwise work (tanh, its derivative, the tangent products, the trace, Adam) is left
    out; XLA's cost_analysis counts it too (about 3 % of its flops for D = 2). Checked
    against the dots of the compiled HLO: D = 2: 186.1 MFLOP (here 186.3); D = 128: 9802
    MFLOP (here 9814).
    """
    d = sizes[0]
    mac = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    first = sizes[0] * sizes[1]
    factor3 = 3 * 2 * mac * (1 + d) * batch
    primal = (2 * mac + 2 * (2 * mac - first)) * batch
    tangents = 6 * (mac - first) * d * batch
    dup = 2 * (2 * mac - first) * batch
    return {"factor3": factor3, "total": primal + tangents + dup,
            "params": sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))}


def cost_analysis(jitted, *args):
    t0 = time.perf_counter()
    lowered = jitted.lower(*args)
    t1 = time.perf_counter()
    compiled = lowered.compile()
    t2 = time.perf_counter()
    ca = compiled.cost_analysis()
    if isinstance(ca, (list, tuple)):
        ca = ca[0] if ca else {}
    ca = dict(ca or {})
    out = {"aot_lower_ms": (t1 - t0) * 1e3, "aot_compile_ms": (t2 - t1) * 1e3}
    for k in ("flops", "transcendentals", "bytes accessed"):
        if k in ca:
            out["xla_" + k.replace(" ", "_")] = float(ca[k])
    return out


# ----------------------------------------------------------------------------
# Timing harness
# ----------------------------------------------------------------------------

def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    jax.block_until_ready(out)
    return out, (time.perf_counter() - t0) * 1e3


def thread_info():
    try:
        os_threads = len(os.listdir("/proc/self/task"))
    except OSError:
        os_threads = None
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {"threads": affinity, "cpu_count": os.cpu_count(), "os_threads": os_threads,
            "xla_flags": os.environ.get("XLA_FLAGS", "")}


def run_loop(step, state, inputs, n_warm, n_steps, budget_s=None):
    """state: tuple passed as step(*state, x) -> new state tuple (last item: loss or None).

    Returns (final_state, compile_ms, per-step ms list, first/last outputs).
    """
    it = iter(inputs)
    out, compile_ms = timed(lambda: step(*state, next(it)))
    first_aux = out[-1]
    state = out[:-1]
    last_ms = compile_ms
    for _ in range(n_warm):
        out, last_ms = timed(lambda: step(*state, next(it)))
        state = out[:-1]
    if budget_s is not None:
        n_steps = max(5, min(n_steps, int(budget_s * 1e3 / max(last_ms, 1e-3))))
    times = []
    for _ in range(n_steps):
        out, ms = timed(lambda: step(*state, next(it)))
        state = out[:-1]
        times.append(ms)
    return state, compile_ms, times, first_aux, out[-1]


def summary(times):
    return {
        "ms_per_step": statistics.fmean(times),
        "ms_median": statistics.median(times),
        "ms_min": min(times),
        "ms_max": max(times),
        "ms_stdev": statistics.stdev(times) if len(times) > 1 else 0.0,
    }


def common_fields(args, backend):
    d = {"backend": backend, "jax_version": jax.__version__, "jaxlib_version": jaxlib.__version__,
         "numpy_version": np.__version__, "python": sys.version.split()[0],
         "dtype": "float32", "x64": bool(jax.config.jax_enable_x64),
         "device": str(jax.devices()[0]), "block": "per-step block_until_ready"}
    return d


# ----------------------------------------------------------------------------
# Workloads
# ----------------------------------------------------------------------------

def bench_train(args, workload, d):
    jit = args.style == "jit"
    sizes = [d, *HIDDEN, d]
    x_all = ring_points() if workload == "blog" else gaussian_points(d)
    n_warm = 5 if jit else 2
    n_steps = args.steps or (200 if jit else 20)
    budget = args.budget_s if (workload == "dim" and args.steps is None) else None
    batches = make_batches(x_all, 1 + n_warm + n_steps)

    params = init_params(sizes, jax.random.PRNGKey(0))
    opt_init, train_step = make_train_step(args.optimizer)
    opt_state = opt_init(params)
    if args.optimizer != "optax":
        params = None  # held inside opt_state
    jax.block_until_ready((params, opt_state))
    step = jax.jit(train_step, donate_argnums=(0, 1)) if jit else train_step

    load0 = os.getloadavg()
    (params, opt_state), compile_ms, times, loss0, loss1 = run_loop(
        step, (params, opt_state), batches, n_warm, n_steps, budget)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    load1 = os.getloadavg()

    res = {"workload": workload, **common_fields(args, "jax-jit" if jit else "jax-nojit")}
    res.update(summary(times))
    fl = analytic_flops(sizes, BATCH)
    res.update({
        "compile_ms": compile_ms, "peak_rss_mb": peak, "steps": len(times),
        "warmup_steps": n_warm, "dim": d, "batch": BATCH, "sizes": sizes,
        "optimizer": optimizer_version(args.optimizer), "lr": LR,
        "projected_20000_steps_s": res["ms_per_step"] * BLOG_STEPS / 1e3,
        "loss_first_step": float(loss0), "loss_last_step": float(loss1),
        "flops_analytic": fl["total"], "flops_factor3": fl["factor3"],
        "n_params": fl["params"],
        "gflops_per_s_analytic": fl["total"] / (res["ms_per_step"] * 1e6),
        "load_avg_start": load0, "load_avg_end": load1,
    })
    res.update(thread_info())
    if jit and not args.no_cost:
        fresh = init_params(sizes, jax.random.PRNGKey(0))
        res.update(cost_analysis(jax.jit(train_step),
                                 fresh if args.optimizer == "optax" else None,
                                 opt_init(fresh), jnp.asarray(batches[0])))
    return res


def bench_sample(args):
    jit = args.style == "jit"
    params = init_params([2, *HIDDEN, 2], jax.random.PRNGKey(0))
    x0 = np.random.RandomState(0).uniform(-1.5, 1.5, (N_PARTICLES, 2)).astype(np.float32)
    x = jnp.asarray(x0)
    key = jax.random.PRNGKey(1)
    n_warm = 5 if jit else 2
    n_steps = args.steps or (200 if jit else 20)
    noise_scale = math.sqrt(2.0 * EPS)

    def langevin_step(params, x, key):
        key, sub = jax.random.split(key)
        z = jax.random.normal(sub, x.shape, jnp.float32)
        x = x + EPS * mlp(params, x) + noise_scale * z
        return x, key

    if jit:
        jstep = jax.jit(langevin_step, donate_argnums=(1, 2))
    else:
        jstep = langevin_step

    def step(x, key, _):
        x, key = jstep(params, x, key)
        return x, key, None

    jax.block_until_ready((params, x, key))
    load0 = os.getloadavg()
    (x, key), compile_ms, times, _, _ = run_loop(
        step, (x, key), iter(lambda: None, 1), n_warm, n_steps)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    load1 = os.getloadavg()

    res = {"workload": "sample", **common_fields(args, "jax-jit" if jit else "jax-nojit")}
    res.update(summary(times))
    mac = sum(a * b for a, b in zip([2, *HIDDEN], [*HIDDEN, 2]))
    fl = 2 * mac * N_PARTICLES
    xn = np.asarray(x)
    res.update({
        "compile_ms": compile_ms, "peak_rss_mb": peak, "steps": len(times),
        "warmup_steps": n_warm, "dim": 2, "particles": N_PARTICLES, "eps": EPS,
        "flops_analytic": fl, "gflops_per_s_analytic": fl / (res["ms_per_step"] * 1e6),
        "mean_abs_x_end": float(np.mean(np.abs(xn))), "finite": bool(np.all(np.isfinite(xn))),
        "load_avg_start": load0, "load_avg_end": load1,
    })
    res.update(thread_info())
    if jit and not args.no_cost:
        res.update(cost_analysis(jax.jit(langevin_step), params, jnp.asarray(x0),
                                 jax.random.PRNGKey(1)))
    return res


def run_dims_in_subprocesses(argv):
    """One fresh process per D, so compile time and peak RSS are per configuration."""
    rc = 0
    for d in DIMS:
        cmd = [sys.executable, os.path.abspath(__file__), *argv, "--dim", str(d)]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        if p.returncode != 0 or not lines:
            print(json.dumps({"workload": "dim", "dim": d, "error": f"exit {p.returncode}"}),
                  flush=True)
            rc = 1
            continue
        print(lines[-1], flush=True)
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workload", required=True, choices=["blog", "dim", "sample"])
    ap.add_argument("--style", default="jit", choices=["jit", "nojit"])
    ap.add_argument("--steps", type=int, default=None,
                    help="timed steady-state steps (default 200 jit, 20 nojit)")
    ap.add_argument("--dim", type=int, default=None,
                    help="W-dim only: one D; without it every D in %s, one process each" % (DIMS,))
    ap.add_argument("--optimizer", default="optax", choices=["optax", "example_libraries"])
    ap.add_argument("--budget-s", type=float, default=20.0,
                    help="W-dim without --steps: cap on the timed loop's length (s)")
    ap.add_argument("--no-cost", action="store_true", help="skip the XLA cost_analysis compile")
    args = ap.parse_args()

    if args.optimizer == "optax":
        try:
            import optax  # noqa: F401
        except ImportError:
            print("optax not installed; falling back to jax.example_libraries adam",
                  file=sys.stderr)
            args.optimizer = "example_libraries"

    if args.workload == "dim" and args.dim is None:
        argv = [a for a in sys.argv[1:]]
        return run_dims_in_subprocesses(argv)
    if args.workload != "dim" and args.dim not in (None, 2):
        ap.error("--dim applies to --workload dim only")

    if args.workload == "sample":
        res = bench_sample(args)
    else:
        res = bench_train(args, args.workload, 2 if args.workload == "blog" else args.dim)
    print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
