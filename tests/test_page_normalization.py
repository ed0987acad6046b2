"""AppTest: the input normalization page at defaults, at its extremes, and with bad links."""
import numpy as np
import pytest

from helpers import apply_preset, assert_ok, charts, open_page
from optim_viz.presets import NORMALIZATION as PRESETS

PAGE = "pages/normalization.py"


def test_defaults_show_data_contours_and_convergence():
    at = open_page(PAGE)
    assert_ok(at)
    stages, contours, curves = charts(at)
    names = {t.get("name") for t in stages["data"]}
    assert {"training set", "test set (training μ, σ)"} <= names
    assert len(stages["data"]) == 6  # train + test in 3 panels
    kinds = [t["type"] for t in contours["data"]]
    assert kinds.count("contour") == 2
    titles = [a["text"] for a in contours["layout"]["annotations"]]
    assert any("Raw inputs: κ = 1,265" in t for t in titles) and any("Normalized inputs: κ = 1.14" in t for t in titles)
    assert {t["name"] for t in curves["data"]} >= {"Gradient descent, raw", "Adam, normalized", "Momentum, raw"}
    table = _table(at)
    assert list(table["inputs"]) == ["raw x", "normalized x"]
    assert list(table["Gradient descent: steps"]) == ["> 2,000", "51"]
    assert list(table["GD steps, closed form"]) == ["4,550", "51"]


def test_extremes_and_widgets():
    at = open_page(PAGE)
    at.select_slider(key="ratio").set_value(1.0).run()
    assert_ok(at)
    at.slider(key="offset").set_value(0.0).run()
    assert_ok(at)
    table = _table(at)
    assert float(table["condition number κ"][0]) < 1.5  # no scale difference and no offset: already round
    at.select_slider(key="ratio").set_value(1000.0).run()
    at.slider(key="offset").set_value(10.0).run()
    at.slider(key="frac").set_value(0.99).run()
    at.slider(key="steps").set_value(5000).run()
    at.select_slider(key="tol").set_value(1e-10).run()
    at.number_input(key="seed").set_value(9999).run()
    assert_ok(at)
    at.slider(key="frac").set_value(0.1).run()
    at.slider(key="steps").set_value(100).run()
    at.select_slider(key="tol").set_value(1e-2).run()
    assert_ok(at)
    at.multiselect(key="opts").set_value(["adam"]).run()
    assert_ok(at)
    assert {t["name"] for t in charts(at)[2]["data"]} == {"Adam, raw", "Adam, normalized"}
    at.multiselect(key="opts").set_value([]).run()
    assert_ok(at)
    assert any("at least one optimizer" in w.value for w in at.warning)


def test_bad_link_falls_back_to_defaults():
    at = open_page(PAGE, ratio="abc", offset="99", opts="sgd,evil")
    assert_ok(at)
    text = " ".join(w.value for w in at.warning)
    assert "`ratio" in text and "`offset" in text and "`opts" in text
    assert at.slider(key="offset").value == 2.0



def _steps(text: str) -> float:
    return float("inf") if text.startswith(">") else float(text.replace(",", ""))


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_apply_and_show_their_demonstration(name):
    at = apply_preset(PAGE, name, PRESETS[name])
    table = _table(at)
    kappa = [float(k.replace(",", "")) for k in table["condition number κ"]]
    gd = [_steps(s) for s in table["Gradient descent: steps"]]
    exact = [_steps(s) for s in table["GD steps, closed form"]]
    assert kappa[1] < 1.5 and gd[1] < 100  # normalized: round contours, fast
    if name == "Very different feature scales":
        assert kappa[0] > 1000 and gd[0] == float("inf") and exact[0] > 100 * gd[1]
    elif name == "Already normalized: nothing to gain":
        assert kappa[0] < 1.5 and abs(gd[0] - gd[1]) < 20
    elif name.startswith("Subtract the mean"):
        assert kappa[0] > 20 and gd[0] > 3 * gd[1]
    else:  # momentum and Adam recover part of the raw problem's slowness, normalizing helps them all
        momentum, adam = (_steps(table[f"{n}: steps"][0]) for n in ("Momentum (β = 0.9, best α)", "Adam (best α)"))
        assert kappa[0] > 1000 and momentum < exact[0] / 10 and adam < momentum
        assert all(_steps(table[c][1]) < 100 for c in table.columns if c.endswith(": steps"))
    assert len(charts(at)) == 3


# ---------------------------------------------------------------------------------------------
# Every sentence: its numbers recomputed independently (NumPy on the seeded data, scalar formulas) and its
# comparisons checked against the table the page shows.

def _caption(at, start: str) -> str:
    return next(c.value for c in at.caption if c.value.startswith(start))


def _hessian(X):
    return X @ X.T / X.shape[1]


def _kappa(H):
    lam = np.linalg.eigvalsh(H)
    return lam[-1] / lam[0]


def _fmt(k):
    return f"{k:.3g}" if k < 100 else f"{k:,.0f}"


def _claims_hold(at, ratio=20.0, offset=2.0, seed=0, frac=0.95, steps=2000, methods=("sgd", "momentum", "adam")):
    from optim_viz import normalization as N

    d = N.make_data(ratio, offset, seed=seed)
    X = d.X_train
    mu = X.mean(axis=1, keepdims=True)
    sigma = np.sqrt(((X - mu) ** 2).mean(axis=1, keepdims=True))
    Xn = (X - mu) / sigma
    k_raw, k_c, k_s, k_n = (_kappa(_hessian(A)) for A in (X, X - mu, X / sigma, Xn))
    r = np.corrcoef(X)[0, 1]
    stages = _caption(at, "κ of XXᵀ/m")
    assert (f"raw {_fmt(k_raw)}, centred only {_fmt(k_c)}, divided by σ only {_fmt(k_s)}, normalized {_fmt(k_n)}"
            in stages and f"correlation of x₁ and x₂ is {r:.2f}" in stages)

    # section 2: the factor 1 − αλ per eigen-direction at α = frac·2/λ_max decides zig-zag or not
    text = _caption(at, "Raw inputs:")
    for H, where in ((_hessian(X), "Raw inputs"), (_hessian(Xn), "Normalized inputs")):
        lam = np.linalg.eigvalsh(H)
        rates = 1 - frac * 2 / lam[-1] * lam
        part = text.split("Normalized inputs")[0] if where == "Raw inputs" else text.split("Normalized inputs")[1]
        if (rates < 0).all():
            assert f"(factors {rates[0]:+.2f} and {rates[1]:+.2f})" in part and "zig-zags across the minimum" in part
        elif (rates < 0).any():
            assert f"(factor {1 - 2 * frac:+.2f})" in part and "zig-zags across the valley" in part
        else:
            assert "without overshooting" in part and "zig-zag" not in part
    assert "goes almost straight" not in text

    # section 3: the step counts in the text are the table's, the comparisons follow from them
    table = _table(at)
    gd = [_steps(s) for s in table["GD steps, closed form"]]
    steps_text = _caption(at, "Solid: raw inputs")
    assert f"needs {int(gd[0]):,} steps on the raw inputs and {int(gd[1]):,} steps on the normalized ones" in steps_text
    if k_raw / k_n >= 2:
        assert f"{gd[0] / gd[1]:,.0f}× as many, not κ_raw/κ_norm = {k_raw / k_n:,.0f}×" in steps_text
    assert "κ_raw/κ_norm times longer" not in steps_text and "about √κ instead of κ" not in steps_text
    counts = {"sgd": gd}
    for name, col in (("momentum", "Momentum (β = 0.9, best α)"), ("adam", "Adam (best α)")):
        if name in methods:
            counts[name] = [_steps(s) for s in table[f"{col}: steps"]]
    if "momentum" in methods and np.isfinite(counts["momentum"][0]):
        gain = gd[0] / counts["momentum"][0]
        word = f"{gain:,.1f}× fewer" if gain >= 1 else f"{1 / gain:,.1f}× more"
        assert f"needs {int(counts['momentum'][0]):,} steps on the raw inputs, {word}" in steps_text
    helped = [n for n, (a, b) in counts.items() if b < a]
    hurt = [n for n, (a, b) in counts.items() if b > a]
    names = {"sgd": "gradient descent", "momentum": "momentum", "adam": "Adam"}
    last = steps_text.split("Here ")[-1]
    for n in helped:
        assert names[n] in last.split("cost")[0]
    for n in hurt:
        assert f"{names[n]} (" in last.split("cost")[1]
    assert ("helps every optimizer" not in steps_text) and ("never hurts" not in steps_text)
    return table, counts, (k_raw, k_c, k_s, k_n, r)


def test_default_sentences_are_computed_and_true():
    at = open_page(PAGE)
    table, counts, _ = _claims_hold(at)
    assert counts["sgd"] == [4550, 51]  # the numbers: 89× as many, not ≈ 1,108×
    assert "89× as many, not κ_raw/κ_norm = 1,108×" in _caption(at, "Solid: raw inputs")
    assert "zig-zags across the minimum" in _caption(at, "Raw inputs:").split("Normalized inputs")[1]


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_note_and_caption_is_true(name):
    wanted = PRESETS[name][1]
    at = apply_preset(PAGE, name, PRESETS[name])
    methods = tuple(wanted.get("opts", ("sgd", "momentum", "adam")))
    table, counts, (k_raw, k_c, k_s, k_n, r) = _claims_hold(at, wanted["ratio"], wanted["offset"], methods=methods)
    if name.startswith("Already normalized"):  # both round; GD and momentum need MORE steps, Adam fewer
        assert k_raw < 1.5 and k_n < 1.5
        assert counts["sgd"][1] > counts["sgd"][0] and counts["momentum"][1] > counts["momentum"][0]
        assert counts["adam"][1] < counts["adam"][0]
    elif name.startswith("Subtract the mean"):  # uncorrelated; the uncentred XXᵀ/m ≈ 25 everywhere
        from optim_viz import normalization as N

        X = N.make_data(1.0, 5.0, seed=0).X_train
        assert abs(r) < 0.1 and np.all(np.abs(_hessian(X) - 25) < 2)
        assert k_raw > 20 and k_c < 1.5 and k_s > 20
    elif name.startswith("Momentum/Adam"):  # GD: tens of thousands; momentum far fewer; Adam fewer still
        assert 10_000 <= counts["sgd"][0] < 100_000
        assert counts["momentum"][0] < counts["sgd"][0] / 10 and counts["adam"][0] < counts["momentum"][0]
        gain = counts["sgd"][0] / counts["momentum"][0]
        assert 15 < gain < 25  # "levels off near (1+β)/(1−β) = 19×" on a very elongated valley
    else:  # very different scales: κ in the thousands, GD not within the horizon, a few dozen steps normalized
        assert 1000 < k_raw < 10_000 and table["Gradient descent: steps"][0].startswith(">") and counts["sgd"][1] < 100


def test_cached_pieces_give_the_uncached_figures():
    """The page assembles its figures from separately cached pieces; they equal one uncached build."""
    from helpers import decoded as _decoded
    from optim_viz import normalization as N
    from optim_viz.figures import normalization as draw

    at = open_page(PAGE)
    at.slider(key="frac").set_value(0.6).run()  # a GD miss on top of cached sweeps
    at.select_slider(key="tol").set_value(1e-8).run()  # a tol miss on top of the same sweeps
    cmp = N.compare(20.0, 2.0, 0, 0.6, 2000, 1e-8)
    want = [draw.normalization_stages(cmp), draw.cost_contours(cmp), draw.convergence(cmp, 1e-8)]
    for got, ref in zip(charts(at), want):
        assert _decoded(got) == _decoded(ref.to_dict())


def _table(at):
    """The comparison table as one row per input scaling (the page shows it transposed, a column per scaling), as
    read on the page: a Markdown-escaped "\\>" shows as ">"."""
    table = at.table[0].value.T.rename_axis("inputs").reset_index()
    return table.map(lambda v: v[1:] if isinstance(v, str) and v.startswith("\\>") else v)


def test_more_steps_than_simulated_keeps_its_sign_in_the_markdown_table():
    """st.table reads cells as Markdown: "> 2,000" unescaped would show as a quote of "2,000"."""
    at = open_page(PAGE)
    assert at.table[0].value.loc["Gradient descent: steps", "raw x"] == "\\> 2,000"
