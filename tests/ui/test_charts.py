import pandas as pd

from synthqa.ui import charts


def test_thirty_generators_get_thirty_colours_the_same_on_every_chart():
    names = [f"gen-{i:02d}" for i in range(30)]
    colours = charts.generator_colours(reversed(names))
    assert len(set(colours.values())) == 30
    assert colours == charts.generator_colours(names)           # order of discovery is moot
    points = pd.DataFrame({"m_x": [0.0, 1.0], "m_y": [0.0, 1.0], "trace_id": ["a", "b"],
                           "generator": ["gen-03", "gen-17"], "correct": [True, False],
                           "label": ["", ""], "problem": ["p", "q"]})
    figure = charts.map_figure(points, "m", "generator", colours)
    assert {t.name: t.marker.color for t in figure.data} == {
        "gen-03": colours["gen-03"], "gen-17": colours["gen-17"]}
    table = pd.DataFrame({"gen-17": [0.5], "gen-03": [0.4]}, index=pd.Index(["1"], name="value"))
    bars = charts.slice_figure(table, "accuracy", "level", colours)
    assert {t.name: t.marker.color for t in bars.data} == {
        "gen-03": colours["gen-03"], "gen-17": colours["gen-17"]}


def test_se_and_wc_curves_take_their_generators_colours():
    curves = pd.DataFrame({"generator": ["se", "wc"], "k": [1, 1], "flops": [1e12, 1e11],
                           "coverage": [0.5, 0.3], "maj": [0.5, 0.3], "diversity": [1, 1],
                           "fpr": [0.1, 0.2], "fpr_low": [0, 0], "fpr_high": [1, 1],
                           "fpr_n": [0, 0]})
    colours = charts.generator_colours(["wc", "se", "other"])
    figure = charts.curves_figure(curves, "se", "wc", pd.DataFrame(), colours)
    lines = {t.name: t.line.color for t in figure.data if t.showlegend}
    assert lines == {"SE: se": colours["se"], "WC: wc": colours["wc"]}
