"""Training: fine-tune a model on a data set built here, watch it, compare the results."""
import streamlit as st

from synthqa.train import launch
from synthqa.ui import experiments, resources, training
from synthqa.ui.router import through_router

through_router()

store = resources.store()
st.title("Training")
st.caption("SFT, RFT, DPO and per-step DPO with TRL, as background jobs on this machine "
           "(GPU when present, else CPU) or on a Ray cluster. Each trained model answers held-out problems greedily and comes back as a "
           "generator, so every page can compare it.")
options = store.traces.filter_options()
policies = store.values.policies()
training.form(options["generators"], policies)
st.subheader("Runs")
training.job_panels()
st.subheader("Data efficiency")
training.efficiency(launch.efficiency_runs(resources.workspace(), store))
st.subheader("Lab experiment: SE vs WC data, methods over data sizes")
experiments.section(options["generators"])
