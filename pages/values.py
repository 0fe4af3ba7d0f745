"""Step values: per-step Q from Monte Carlo rollouts, first pits, and how they meet humans."""
import pandas as pd
import streamlit as st

from synthqa.export import jsonl_bytes
from synthqa.labels.review import first_error_label
from synthqa.train.pairs import KINDS, PairChoices, build
from synthqa.ui import resources, reviewing
from synthqa.ui.router import through_router
from synthqa.ui.text import around, markdown_safe, plain
from synthqa.ui.values import launch_form, run_progress, value_strip
from synthqa.values import pits

through_router()

store = resources.store()
st.title("Step values and first pits")
st.caption("Q after each step = share of K rollouts of the policy, continued from there, that "
           "reach the gold answer (best-of-K: any does). A = Q_i − Q_{i−1}. The first pit is "
           "the earliest step where the value falls to its lowest (Setlur et al. 2024).")
frame = store.values.pits_frame()
with st.expander("Start a rollout run", expanded=frame.empty):
    launch_form(store.traces.filter_options()["generators"])
run_progress()  # outside the expander: a finished run's status is seen at once
if frame.empty:
    st.info("No step values yet: start a rollout run above, or `python -m synthqa rollouts`.")
    st.stop()

newest = frame.groupby(["policy", "mode"])["computed_at"].max().sort_values(ascending=False)
runs = [f"{p} · {m}" for p, m in newest.index]   # the latest results first
chosen = st.selectbox("Rollout policy · search", runs, key="pit_run")
policy, mode = chosen.split(" · ")
part = frame[(frame["policy"] == policy) & (frame["mode"] == mode)].reset_index(drop=True)
inputs = store.values.rollout_inputs(None, False, len(part), part["trace_id"].tolist())

st.subheader("Pits against known first errors")
rows = []
lab = inputs[inputs["source"] == "lab"]
for name, pairs in (("human first-error labels", pits.human_pairs(part)),
                    ("the lab's exact first wrong step", pits.lab_pairs(part, lab))):
    a = pits.pit_agreement(pairs)
    if a["traces"]:
        rows.append({"reference": name, **a})
if rows:
    st.dataframe(rows, hide_index=True, column_config={
        "exact": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
        "within_1": st.column_config.ProgressColumn("within ±1", format="percent",
                                                    min_value=0, max_value=1),
        "mean_offset": st.column_config.NumberColumn("mean offset (pit − reference)",
                                                     format="%+.2f")})
    both = pits.human_pairs(part) + pits.lab_pairs(part, lab)
    st.caption("Where pits and first errors meet: traces by the reference's first wrong step "
               "(rows) and the pit's step (columns), 1-based; the diagonal is agreement.")
    st.dataframe(pits.position_table(both))
else:
    st.caption("No human first-error labels or lab traces among these pits yet.")
used = part["rollouts_used"].mean()
st.caption(f"{len(part):,} traces · {used:.1f} rollouts per trace · "
           f"{part['pit_step'].notna().sum():,} pits · "
           f"{sum(len(s) for s in part['spurious'] if s is not None):,} spurious steps in "
           "correct traces")

st.subheader("Training pairs")
c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
kind = c1.selectbox("Kind", KINDS, index=KINDS.index("step-dpo"), key="pair_kind",
                    help="step-dpo: problem, a correct solution, the wrong trace cut at and "
                         "including its pit (Setlur et al.); self-explore: the steps before "
                         "the pit as prompt, the shortest correct rollout from there as chosen, "
                         "the pit step as rejected; dpo / sft / rft need no rollouts")
choices = PairChoices(kind, policy=policy, mode=mode)
examples = build(store, choices)
c2.download_button(f"Download {len(examples):,} {kind} examples (JSONL, TRL format)",
                   jsonl_bytes(examples), file_name=f"synthqa-{kind}.jsonl",
                   mime="application/jsonl", disabled=not examples, key="pair_download")

st.subheader("A trace, step by step")
labels = {t: f"{g} · " + ("no pit (the policy never solves it)" if pd.isna(p) else
                          f"pit at step {int(p) + 1} of {n}") + f" · {t[:8]}"
          for t, g, p, n in zip(part["trace_id"], part["generator"], part["pit_step"],
                                part["n_steps"])}
ordered = part.sort_values("pit_step", na_position="last", kind="stable")["trace_id"]
trace_id = st.selectbox("Trace", list(ordered), format_func=labels.get, key="pit_trace",
                        help="traces with a pit first")
row = part.set_index("trace_id").loc[trace_id]
trace = inputs.set_index("trace_id").loc[trace_id]
steps = list(trace["steps"])
pit = None if pd.isna(row["pit_step"]) else int(row["pit_step"])
st.markdown(markdown_safe(trace["problem"]))
values = store.values.of_trace(trace_id)
values = values[(values["policy"] == policy) & (values["mode"] == mode)]
clicked = value_strip(steps, values, pit, key=f"strip_{trace_id}_{chosen}")
spurious = set() if row["spurious"] is None else {int(i) for i in row["spurious"]}
for i, step in enumerate(steps):
    flag = " ← **first pit**" if i == pit else ""
    flag += " ← spurious (lowers the value of a correct trace)" if i in spurious else ""
    human = row["human_first_error"]
    flag += f" ← first error, per {plain(row['first_error_by'])}" if str(human) == str(i) else ""
    st.markdown(around(markdown_safe(step), f"**{i + 1}**", flag.strip()))
if clicked is not None:
    shown = store.values.rollouts_of(trace_id, policy, mode, clicked)
    st.markdown(f"**Rollouts after {clicked} step(s)** · gold answer "
                f"**{markdown_safe(str(trace['gold']))}**")
    if shown.empty:
        st.caption("No rollouts from here: binary search skipped it, or it is the end.")
    else:
        st.dataframe(shown.assign(gold=trace["gold"]), hide_index=True, column_order=[
            "rollout_index", "text", "answer", "gold", "correct", "n_tokens"])
else:
    st.caption("Click a square to see the rollouts from that prefix.")

if pit is not None:
    st.markdown("**Is the pit the first wrong step?**")
    if reviewing.name_form():
        c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
        note = f"from MC pit ({policy}, {mode})"

        def save(step: int) -> None:
            store.labels.add(first_error_label(trace_id, st.session_state.reviewer, step, note))
            st.session_state["pit_saved"] = f"Saved: first wrong step {step + 1}."

        c1.button("Accept the pit", type="primary", on_click=save, args=(pit,))
        other = c2.number_input("First wrong step is", 1, len(steps), pit + 1, key="pit_fix")
        c3.button("Save correction", on_click=lambda: save(int(st.session_state.pit_fix) - 1))
    if st.session_state.get("pit_saved"):
        st.success(st.session_state.pop("pit_saved"))
