"""AppTest: the input normalization page at defaults, at its extremes, and with bad links."""
import pytest
from helpers import apply_preset, assert_ok, charts, open_page
from optim_viz.normalization import PRESETS

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
    table = at.dataframe[0].value
    assert list(table["inputs"]) == ["raw x", "normalized x"]
    assert list(table["Gradient descent: steps"]) == ["> 2,000", "51"]
    assert list(table["GD steps, closed form"]) == ["4,550", "51"]


def test_extremes_and_widgets():
    at = open_page(PAGE)
    at.select_slider(key="ratio").set_value(1.0).run()
    assert_ok(at)
    at.slider(key="offset").set_value(0.0).run()
    assert_ok(at)
    table = at.dataframe[0].value
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
    wanted = PRESETS[name][1]
    at = apply_preset(PAGE, name, PRESETS[name])
    table = at.dataframe[0].value
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
