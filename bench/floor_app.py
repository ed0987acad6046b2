"""The simplest Streamlit + Plotly page (one slider, one line chart): the browser floor `bench_browser` reports
beside the app's own figures (what this machine's Chromium costs before any of the app's work)."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

a = st.slider("a", 0.0, 1.0, 0.5, 0.01)
x = np.linspace(0, 1, 200)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=np.sin(10 * a * x))), key="floor")
