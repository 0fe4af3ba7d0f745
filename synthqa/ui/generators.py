"""The Workspace's table of every generator: accuracy, the human FPR and the best judge."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from synthqa.judges.generators import compact, generator_table
from synthqa.ui.text import MISSING, dashed, decimal_text, percent_text

ROW_PX, HEADER_PX, MOST_ROWS = 35, 38, 30


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """The table as people read it: the interval as text, "—" where a figure is missing."""
    table = table.assign(
        params=table["params"].map(compact),
        # as text, padded so that sorting the column sorts the numbers ("—" last): the grid
        # writes "None" for a missing number
        fpr=table["fpr"].map(percent_text),
        judge_auroc=table["judge_auroc"].map(decimal_text),
        fpr_ci=[MISSING if n == 0 else f"{lo:.1%}–{hi:.1%}"
                for lo, hi, n in zip(table["fpr_low"], table["fpr_high"], table["fpr_n"])])
    columns = ["generator", "params", "traces", "accuracy", "suspects", "labelled", "fpr",
               "fpr_ci", "fpr_n", "fpr_method", "fpr_by", "judge", "judge_auroc"]
    return dashed(table[columns])


def generators_table(store) -> None:
    table = generator_table(store)
    st.dataframe(shown(table), hide_index=True, key="generators", width="stretch",
                 height=HEADER_PX + ROW_PX * min(len(table), MOST_ROWS) + 2, column_config={
        "params": st.column_config.TextColumn("parameters"),
        "accuracy": st.column_config.ProgressColumn("accuracy", min_value=0, max_value=1,
                                                    format="percent"),
        "suspects": st.column_config.NumberColumn(
            help="answer correct, but a step's arithmetic is wrong: review these first"),
        "labelled": st.column_config.NumberColumn(help="traces with human labels"),
        "fpr": st.column_config.TextColumn("FPR", help="human false-positive rate of the "
                                                       "answer-correct traces"),
        "fpr_ci": st.column_config.TextColumn("FPR 95% CI"),
        "fpr_n": st.column_config.NumberColumn("n", help="answer-correct traces with a verdict"),
        "fpr_method": st.column_config.TextColumn("method"),
        "fpr_by": st.column_config.TextColumn("whose labels"),
        "judge": st.column_config.TextColumn("best judge"),
        "judge_auroc": st.column_config.TextColumn(
            "judge AUROC", help="how well the judge's score separates the "
                                               "human false positives from correct traces")})
    st.download_button("Generators (CSV)", table.to_csv(index=False).encode(),
                       file_name="generators.csv", mime="text/csv", key="generators_csv")
