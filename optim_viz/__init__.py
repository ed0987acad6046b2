"""optim-viz: the NumPy core and Plotly figure builders behind the app. Never imports Streamlit.

    from optim_viz import surfaces, optimizers, simulate
    path = simulate.run(optimizers.adam(lr=0.01), surfaces.get("rosenbrock"), start=[[-1.5, 2.0]], steps=300)

Modules: surfaces, optimizers, simulate, arena (races, presets), expression (safe
user functions), export (HTML/CSV/PNG/GIF), ewma, schedules, minibatch, nn, dropout, datasets, diagnosis,
normalization, depth (initialization statistics), gradcheck, batchnorm, tuning, softmax, and figures (the figure
builders, one module per page).
"""
from . import (
    arena,
    batchnorm,
    datasets,
    depth,
    diagnosis,
    dropout,
    ewma,
    expression,
    gradcheck,
    minibatch,
    nn,
    normalization,
    optimizers,
    schedules,
    simulate,
    softmax,
    surfaces,
    tuning,
)

__all__ = ["arena", "batchnorm", "datasets", "depth", "diagnosis", "dropout", "ewma", "expression", "gradcheck",
           "minibatch", "nn", "normalization", "optimizers", "schedules", "simulate", "softmax", "surfaces", "tuning"]
