"""The optimizers, the trajectory loop and backprop against torch, from a committed fixture (torch not needed).

``tests/fixtures/torch_reference.npz`` holds ``torch.optim`` trajectories (float64) on the elongated bowl and
Rosenbrock, with autograd's gradients of the same formulas, the cost and autograd gradients of small networks, and
short training runs of those networks with torch optimizers;
``tests/fixtures/make_torch_fixture.py`` says how it was made and how each course-form optimizer maps onto torch.

Tolerance: rtol 1e-12, with an absolute floor of 1e-12 × the array's largest |value|. A coordinate that crosses 0
has no meaningful relative error, and round-off carried along a run is relative to the run's scale: measured, the
largest deviation is ~1e-15 of the scale (~1e-11 relative, on a coordinate near 0). The ``far`` tests check that
the reference tells the wrong forms apart (PyTorch's momentum without the (1−β) rescaling, ε inside the root, Adam
without bias correction, L2 in place of AdamW's decay, a missing L2 gradient): each is ≥ 1e-6 of the scale away.
"""
import functools
import json
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from optim_viz import nn, optimizers, schedules, simulate, surfaces

FIXTURE = Path(__file__).parent / "fixtures" / "torch_reference.npz"
REF = dict(np.load(FIXTURE))
META = json.loads(str(REF.pop("meta")))
OPT = {c["id"]: c for c in META["optimizers"]}
NET = {c["id"]: c for c in META["nn"]}
RTOL = 1e-12


def close(actual, ref, rtol=RTOL):
    """``|actual − ref| ≤ rtol·|ref| + rtol·max|ref|`` everywhere (see the module docstring)."""
    np.testing.assert_allclose(actual, ref, rtol=rtol, atol=rtol * np.max(np.abs(ref)))


def far(actual, ref, factor=1e-6):
    """The largest deviation is above ``factor`` × the reference's scale (10⁶ × the tolerance); a run that
    diverged (NaN in ``simulate.run``) is far too."""
    dev = np.abs(actual - ref)
    assert not np.isfinite(dev).all() or dev.max() > factor * np.max(np.abs(ref))


def ref(case_id: str, key: str) -> np.ndarray:
    return REF[f"opt/{case_id}/{key}"]


def hyper(case: dict) -> dict:
    """The case's course-form hyperparameters; one value per start becomes an (n,) array, a schedule ``lr(t)``."""
    h = {k: np.array(v) if isinstance(v, list) else v for k, v in case["hyper"].items()}
    sch = case.get("schedule")
    if sch is not None:
        epoch = {"inverse_time": lambda: schedules.inverse_time(sch["lr0"], sch["decay_rate"]),
                 "exponential": lambda: schedules.exponential(sch["lr0"], sch["base"])}[sch["name"]]()
        h["lr"] = schedules.per_update(epoch, sch["updates_per_epoch"])
    return h


def run(case_id: str, opt: optimizers.Optimizer) -> simulate.Path:
    """``simulate.run`` of ``opt`` on the case's surface, starts and number of steps."""
    case = OPT[case_id]
    return simulate.run(opt, surfaces.get(case["surface"]), np.array(case["starts"]), case["steps"])


@functools.cache
def project_path(case_id: str) -> simulate.Path:
    """The project's own optimizer of the case, with the case's hyperparameters."""
    return run(case_id, getattr(optimizers, OPT[case_id]["optimizer"])(**hyper(OPT[case_id])))


# ------------------------------------------------------------------------------------------ the fixture

def test_fixture_is_small_and_documented():
    assert FIXTURE.stat().st_size < 1_000_000
    assert META["torch"].startswith("2.13.0") and META["made_by"] == "tests/fixtures/make_torch_fixture.py"


def test_fixture_covers_every_optimizer_on_both_surfaces():
    for surface in ("elongated_bowl", "rosenbrock"):
        assert {c["optimizer"] for c in OPT.values() if c["surface"] == surface} == set(optimizers.SPECS)


def test_fixture_runs_went_somewhere():
    """A reference that barely moves, or diverges, would compare nothing."""
    for cid in OPT:
        xy = ref(cid, "xy")
        assert np.isfinite(xy).all()
        assert np.all(np.linalg.norm(xy[-1] - xy[0], axis=-1) > 0.1), cid


def test_fixture_maps_the_course_forms_onto_torch():
    """What the script documents: momentum and Nesterov run as PyTorch's v = βv + g with lr = (1−β)α and no
    dampening; RMSprop's alpha is β₂; Adagrad's accumulator starts at 0."""
    for case in OPT.values():
        n = len(case["starts"])
        for i, group in enumerate(case["torch_groups"]):
            h = {k: (v[i] if isinstance(v, list) else v) for k, v in case["hyper"].items()}
            name = case["optimizer"]
            if name in ("momentum", "nesterov"):
                assert group["momentum"] == h["beta"] and group["dampening"] == 0
                assert group["nesterov"] == (name == "nesterov")
                if "schedule" not in case:
                    assert group["lr"] == pytest.approx((1 - h["beta"]) * h["lr"], rel=1e-15)
            elif name == "rmsprop":
                assert (group["alpha"], group["eps"]) == (h["beta2"], h["eps"])
            elif name == "adagrad":
                assert group["initial_accumulator_value"] == 0 and group["lr_decay"] == 0
        assert len(case["torch_groups"]) == n


# ----------------------------------------------------------------------------------------- optimizers

@pytest.mark.parametrize("case_id", OPT)
def test_trajectory_matches_torch_optim(case_id):
    path = project_path(case_id)
    assert (path.diverged_at == -1).all()
    close(path.xy, ref(case_id, "xy"))
    close(path.loss, ref(case_id, "loss"))


@pytest.mark.parametrize("case_id", OPT)
def test_surface_gradient_matches_autograd(case_id):
    close(project_path(case_id).g, ref(case_id, "g"))


@pytest.mark.parametrize("case_id", [c for c in OPT if OPT[c]["optimizer"] != "sgd"])
def test_moments_match_torch_state(case_id):
    """The recorded v and s against torch's state: momentum_buffer = v/(1−β); exp_avg = v, exp_avg_sq = s (Adam,
    AdamW); square_avg = s (RMSprop); sum = G (Adagrad)."""
    case, path = OPT[case_id], project_path(case_id)
    name = case["optimizer"]
    if name in ("momentum", "nesterov"):
        beta = np.reshape(case["hyper"]["beta"], (-1, 1))
        close(path.v, (1 - beta) * ref(case_id, "state.momentum_buffer"))
    elif name in ("adam", "adamw"):
        close(path.v, ref(case_id, "state.exp_avg"))
        close(path.s, ref(case_id, "state.exp_avg_sq"))
    elif name == "rmsprop":
        close(path.s, ref(case_id, "state.square_avg"))
    else:
        assert name == "adagrad"
        close(path.s, ref(case_id, "state.sum"))


@pytest.mark.parametrize("case_id", [c for c in OPT if "schedule" in OPT[c]])
def test_schedule_matches_torch_scheduler(case_id):
    """The course's per-epoch α through ``schedules.per_update`` against torch's scheduler stepped once per epoch."""
    case = OPT[case_id]
    t = np.arange(1, case["steps"] + 1)
    alpha = np.array([hyper(case)["lr"](k) for k in t])
    scale = 1 - case["hyper"]["beta"] if case["optimizer"] == "momentum" else 1.0
    close(np.tile(scale * alpha[:, None], (1, len(case["starts"]))), ref(case_id, "lr"))
    assert alpha[0] < case["schedule"]["lr0"]  # epoch 1 is already decayed, as the course writes it


# -------------------------------------------------------- the reference tells the wrong forms apart

def _state(p):
    return optimizers.OptState(0, np.zeros_like(p), np.zeros_like(p))


def test_reference_rejects_unscaled_pytorch_momentum():
    """PyTorch's v = βv + g with the course's α (no (1−β) rescaling) is the course form at α/(1−β)."""
    case = OPT["elongated_bowl.momentum"]
    h = case["hyper"]
    far(run(case["id"], optimizers.momentum(h["lr"] / (1 - h["beta"]), h["beta"])).xy, ref(case["id"], "xy"))


def test_reference_rejects_plain_momentum_for_nesterov():
    case_id = "elongated_bowl.nesterov"
    far(run(case_id, optimizers.momentum(**OPT[case_id]["hyper"])).xy, ref(case_id, "xy"))


@pytest.mark.parametrize("case_id", ["elongated_bowl.rmsprop_big_eps", "elongated_bowl.adagrad_big_eps"])
def test_reference_rejects_eps_inside_the_root(case_id):
    """``g / √(s + ε)`` instead of ``g / (√s + ε)``."""
    h = OPT[case_id]["hyper"]

    def update(g, state, params):
        s = optimizers.ewma(state.s, g * g, h["beta2"]) if "beta2" in h else state.s + g * g
        return -h["lr"] * g / np.sqrt(s + h["eps"]), optimizers.OptState(state.t + 1, state.v, s)

    far(run(case_id, optimizers.Optimizer(_state, update)).xy, ref(case_id, "xy"))


def test_reference_rejects_adam_without_bias_correction():
    case_id = "elongated_bowl.adam_big_eps"
    far(run(case_id, optimizers.adam(**OPT[case_id]["hyper"], bias_correction=False)).xy, ref(case_id, "xy"))


def test_reference_rejects_l2_in_the_gradient_for_adamw():
    """Adam on ``g + λx`` (L2, rescaled by √ŝ) is not AdamW's decoupled decay."""
    case_id = "rosenbrock.adamw"
    h = dict(OPT[case_id]["hyper"])
    wd = h.pop("weight_decay")
    adam = optimizers.adam(**h)

    def update(g, state, params):
        return adam.update(g + wd * params, state, params)

    far(run(case_id, optimizers.Optimizer(adam.init, update)).xy, ref(case_id, "xy"))


# ------------------------------------------------------------------------------------------ the network

class StoredUniforms:
    """Stands in for the dropout rng: hands out the fixture's uniforms, so the masks are torch's."""

    def __init__(self, arrays):
        self.arrays = list(arrays)

    def random(self, shape):
        u = self.arrays.pop(0)
        assert u.shape == tuple(shape)
        return u


def net(case_id: str) -> tuple[dict, dict]:
    """(params, data) of a network case: ``W1, b1, ...`` and ``X, Y`` plus torch's ``cost, dW1, db1, ...``."""
    case = NET[case_id]
    arrays = {k.removeprefix(f"nn/{case_id}/"): v for k, v in REF.items() if k.startswith(f"nn/{case_id}/")}
    L = len(case["dims"]) - 1
    params = {f"{p}{l}": arrays[f"{p}{l}"] for l in range(1, L + 1) for p in "Wb"}
    return params, arrays


def project_gradients(case_id: str, lambd=None) -> tuple[float, dict]:
    case = NET[case_id]
    params, a = net(case_id)
    kps = case.get("keep_probs")
    rng = StoredUniforms(a[f"U{l}"] for l in range(1, len(kps) + 1)) if kps else None
    lambd = case["lambd"] if lambd is None else lambd
    AL, caches = nn.forward(params, a["X"], case["hidden"], case["output"], kps, rng)
    cost = nn.compute_cost(AL, a["Y"], params, lambd, case["output"])
    return cost, nn.backward(AL, a["Y"], caches, lambd, case["hidden"], case["output"], kps)


def test_network_cases_cover_every_hidden_and_output_activation():
    pairs = {(c["hidden"], c["output"]) for c in NET.values()}
    assert pairs >= set(product(nn.HIDDEN, nn.OUTPUTS))
    assert any(c["lambd"] == 0 for c in NET.values()) and any(c["lambd"] > 0 for c in NET.values())
    assert {c["output"] for c in NET.values() if c.get("keep_probs")} == {"sigmoid", "softmax"}


@pytest.mark.parametrize("case_id", NET)
def test_network_gradients_are_not_degenerate(case_id):
    """Dead units would make most gradient entries 0 on both sides: a comparison of zeros."""
    _, a = net(case_id)
    grads = np.concatenate([v.ravel() for k, v in a.items() if k.startswith("d")])
    assert np.mean(grads == 0) < 0.1


@pytest.mark.parametrize("case_id", NET)
def test_cost_matches_torch_loss(case_id):
    """``compute_cost`` against torch's BCE-with-logits / cross-entropy / MSE plus ``(λ/2m) Σ‖W‖²``."""
    cost, _ = project_gradients(case_id)
    assert cost == pytest.approx(float(net(case_id)[1]["cost"]), rel=RTOL)


@pytest.mark.parametrize("case_id", NET)
def test_backward_matches_autograd(case_id):
    _, grads = project_gradients(case_id)
    _, a = net(case_id)
    assert set(grads) == {k for k in a if k.startswith("d")}
    for k, g in grads.items():
        close(g, a[k])


def test_reference_rejects_gradients_without_the_l2_term():
    case_id = "tanh.softmax"
    _, grads = project_gradients(case_id, lambd=0.0)
    far(grads["dW1"], net(case_id)[1]["dW1"])


# ------------------------------------------------------------------------------------------ training

TRAIN = {c["id"]: c for c in META["train"]}


def trained(case_id: str) -> tuple[dict, dict, dict]:
    """``nn.train`` on the case's data from its initial parameters: (final params, history, fixture arrays)."""
    case = TRAIN[case_id]
    a = {k.removeprefix(f"train/{case_id}/"): v for k, v in REF.items() if k.startswith(f"train/{case_id}/")}
    L = len(case["dims"]) - 1
    params = {f"{p}{l}": a[f"{p}{l}"] for l in range(1, L + 1) for p in "Wb"}
    kps = case.get("keep_probs")
    rng = StoredUniforms(a[f"U{l}"][t] for t in range(case["iterations"]) for l in range(1, L)) if kps else None
    opt = getattr(optimizers, case["optimizer"])(**case["hyper"])
    final, history = nn.train(params, a["X"], a["Y"], opt, case["iterations"], case["hidden"], case["output"],
                              lambd=case["lambd"], keep_probs=kps, rng=rng, record_every=1)
    return final, history, a


@pytest.mark.parametrize("case_id", TRAIN)
def test_training_matches_torch(case_id):
    """Every iteration's cost (before its update, dropout and L2 included), ‖W[l]‖_F after it, and the final
    parameters, against the same network trained by a torch optimizer on autograd's gradients."""
    final, history, a = trained(case_id)
    np.testing.assert_array_equal(history["iteration"], np.arange(1, TRAIN[case_id]["iterations"] + 1))
    close(history["cost"], a["cost"])
    close(history["weight_norms"], a["weight_norms"])
    for k, v in final.items():
        close(v, a[f"final_{k}"])
