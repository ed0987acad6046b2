"""optim-viz: the NumPy core and Plotly figure builders behind the app. Never imports Streamlit.

    from optim_viz import surfaces, optimizers, simulate
    path = simulate.run(optimizers.adam(lr=0.01), surfaces.get("rosenbrock"), start=[[-1.5, 2.0]], steps=300)
"""
from . import optimizers, simulate, surfaces

__all__ = ["optimizers", "simulate", "surfaces"]
