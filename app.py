"""optim-viz entry point: the navigation router and the home page."""
from pathlib import Path

import streamlit as st

import optim_viz_memory
import optim_viz_ui as ui

ROOT = Path(__file__).parent

# (section, file, title, icon, what it teaches): one entry per file in pages/ (docs/ADDING_A_PAGE.md).
PAGES = [
    ("Optimization algorithms", "pages/optimizer_arena.py", "Optimizer Arena", ":material/sports_score:",
     "Race gradient descent, momentum, RMSprop, Adam and friends on 2-D loss surfaces, animated."),
    ("Optimization algorithms", "pages/ewma.py", "EWMA & bias correction", ":material/show_chart:",
     "Exponentially weighted averages: how β trades lag for noise, and why bias correction fixes the start."),
    ("Optimization algorithms", "pages/lr_decay.py", "Learning-rate decay", ":material/trending_down:",
     "The course's decay schedules side by side, and what decay does to a noisy optimizer."),
    ("Optimization algorithms", "pages/mini_batch.py", "Mini-batch gradient descent", ":material/grain:",
     "Batch, mini-batch and stochastic gradient descent on a real logistic regression."),
    ("Practical aspects", "pages/regularization.py", "Regularization lab", ":material/tune:",
     "Train a small network with L2 and dropout; see masks, decision boundaries and the bias/variance diagnosis."),
    ("Practical aspects", "pages/normalization.py", "Input normalization", ":material/center_focus_strong:",
     "Why normalized inputs turn elongated cost contours round and make gradient descent fast."),
    ("Practical aspects", "pages/initialization.py", "Weight initialization", ":material/stacked_line_chart:",
     "Zeros, random, Xavier and He initialization in deep networks: watch signals vanish or explode."),
    ("Practical aspects", "pages/gradient_check.py", "Gradient checking", ":material/rule:",
     "Check backprop against two-sided differences, plant bugs and find them, and see the ε trade-off."),
    ("Tuning, batch norm & softmax", "pages/hyperparameter_search.py", "Hyperparameter search",
     ":material/travel_explore:",
     "Grid against random search, sampling learning rates and β on the right scale, pandas against caviar."),
    ("Tuning, batch norm & softmax", "pages/batch_norm.py", "Batch normalization", ":material/equalizer:",
     "The same deep network with and without batch norm; one BN step with numbers; train against test mode."),
    ("Tuning, batch norm & softmax", "pages/softmax.py", "Softmax", ":material/percent:",
     "Logits to probabilities, temperature and hardmax; a softmax classifier's regions and its gradient ŷ − y."),
]


def available_pages():
    """Every page in PAGES; a listed file that does not exist is an error, not a page silently left out."""
    missing = [p[1] for p in PAGES if not (ROOT / p[1]).exists()]
    if missing:
        raise FileNotFoundError(f"app.PAGES lists missing page file(s): {', '.join(missing)}")
    return list(PAGES)


def home():
    st.title("optim-viz")
    st.markdown(
        "Interactive visualizations for **Improving Deep Neural Networks**: hyperparameter tuning, "
        "regularization and optimization. Drag a slider and watch what changes. Every formula follows "
        "the course; where popular write-ups get one wrong, the page says so."
    )
    st.info("On every page: **Classic demonstrations** set up a famous picture in one click; **Presentation "
            "mode** (sidebar) enlarges everything for a projector; the **link** at the bottom reopens exactly "
            "what you see; any chart exports as offline HTML, CSV or PNG.", icon=":material/school:")
    for section in dict.fromkeys(p[0] for p in available_pages()):
        st.subheader(section)
        for _, file, title, icon, blurb in (p for p in available_pages() if p[0] == section):
            st.page_link(file, label=f"**{title}**: {blurb}", icon=icon)


ui.tune_garbage_collector()
optim_viz_memory.start()
presenting = st.session_state.get(ui.PRESENT, st.query_params.get("present") == "1")
st.set_page_config(page_title="optim-viz", page_icon=":material/insights:", layout="wide",
                   initial_sidebar_state="collapsed" if presenting else "auto")
ui.presentation_mode()
nav = {"": [st.Page(home, title="Home", icon=":material/home:", default=True)]}
for section, file, title, icon, _ in available_pages():
    nav.setdefault(section, []).append(st.Page(file, title=title, icon=icon))
st.navigation(nav).run()
