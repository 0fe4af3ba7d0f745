"""The lab experiment: its data sets from the store, every run trained and scored once, the
tables over seeds, and the multipliers of its methods over SFT."""
import json
import math
from dataclasses import asdict

import pytest

from synthqa.ingest.commit import import_file
from synthqa.ingest.rows import stable_id
from synthqa.lab.demo import available
from synthqa.lab.model import LAB_SOURCE, lab_label
from synthqa.lab.problems import make_problems
from synthqa.sampling.base import Completion, Problem, SamplingSpec
from synthqa.sampling.run import trace_record
from synthqa.train import experiment, experiment_pairs
from synthqa.train import experiment_plan as plans
from synthqa.train import experiment_report as report
from synthqa.train.efficiency import PowerLaw
from synthqa.train.pairs import LABELLED, PairChoices, build


def wrong_at(steps: tuple[str, ...], index: int, answer: int) -> str:
    """The solution with step `index`'s result and the final answer off by one."""
    out = list(steps)
    lhs, value = out[index].split("=")
    out[index] = f"{lhs}={int(value) + 1}"
    return "\n".join(out[:-1] + [f"#### {answer + 1}"])


def lab_traces(store, tmp_path, n=12):
    """lab-se: one sample per problem, lab-wc: three, each a quarter wrong in its first step;
    the records carry the lab's exact first-error labels, as the demo's do."""
    rows = []
    for i, p in enumerate(make_problems(n, seed=5, ops=(2, 3))):
        problem = Problem(stable_id(LAB_SOURCE, p.text), p.text, str(p.answer),
                          source=LAB_SOURCE, split="test")
        for gen, k in (("lab-se", 1), ("lab-wc", 3)):
            for j in range(k):
                text = wrong_at(p.steps, 0, p.answer) if (i + j) % 4 == 0 else p.solution
                rows.append(trace_record(problem, j, Completion(text, len(text) + 1),
                                    SamplingSpec(), gen, 1000, f"{gen}:t", lab_label))
    path = tmp_path / "lab.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert import_file(store, path).n_errors == 0


def test_per_step_pairs_from_first_error_labels_cut_the_wrong_trace_at_its_label(store,
                                                                                tmp_path):
    lab_traces(store, tmp_path)
    pairs = build(store, PairChoices("step-dpo", "lab-wc", LABELLED))
    wrong = [r for r in store.labels.labelled_pits("lab-wc").itertuples()]
    assert len(pairs) == len(wrong) > 0 and all(r.pit_step == 0 for r in wrong)
    for pair in pairs:                          # the rejected side is the wrong first step only
        assert "\n" not in pair["rejected"] and pair["rejected"].count("=") == 1
        assert pair["chosen"].startswith(pair["rejected"].split("=")[0])
    with pytest.raises(ValueError, match="rollouts"):
        PairChoices("self-explore", "lab-wc", LABELLED).validate()


@pytest.mark.skipif(not available(), reason="lab models not built (data/lab)")
def test_the_experiment_trains_each_run_once_and_tabulates_them(store, workspace, tmp_path):
    lab_traces(store, tmp_path)
    plan = plans.Plan(students=("tiny",), fractions=(1.0,), seeds=1, epochs=0.5,
                           learning_rates=(3e-4,), betas=(0.1,), pairs=(0,),
                           eval_problems=10)
    folder = experiment.prepare(store, experiment.folder_for(workspace), plan)
    assert experiment.folders(workspace) == [folder]
    rows = experiment.run(folder)
    assert len(rows) == plans.planned(plan) == 1 + 2 + 4    # one of each setting: no tuning
    assert all(0 <= r["accuracy"] <= 1 and (r["trained_on"] > 0 or r["part"] == "base")
               for r in rows)
    assert {r["data"] for r in rows if r["part"] == "se-vs-wc"} == {"lab-se", "lab-wc"}
    assert not (folder / "runs").exists()                 # the models are not kept
    lines = (folder / "results.jsonl").read_text()
    assert experiment.run(folder) and (folder / "results.jsonl").read_text() == lines  # done
    frame = report.frame(experiment.results_of(folder))
    table = report.se_vs_wc(frame, plans.load_plan(folder))
    assert list(table["student"]) == ["lab-tiny"] and table["seeds"].iloc[0] == 1
    assert set(report.methods(frame)["method"]) == set(plans.METHODS)
    flops = plans.load_plan(folder).flops     # 2 * params * tokens of each's samples
    assert flops["lab-wc"] > 2.5 * flops["lab-se"] > 0


def rows_of(part, data_or_method, accuracies, **extra):
    return [{"part": part, "student": extra.get("student", "tiny"), "data": data_or_method,
             "method": extra.get("method", "sft"), "fraction": extra.get("fraction", 1.0),
             "seed": seed, "examples": extra.get("examples", 100), "accuracy": acc}
            for seed, acc in enumerate(accuracies)]


def test_se_vs_wc_means_intervals_and_findings():
    plan = plans.Plan(students=("tiny", "wc"))
    rows = (rows_of("se-vs-wc", "lab-se", [0.50, 0.52, 0.54])
            + rows_of("se-vs-wc", "lab-wc", [0.60, 0.62, 0.64])
            + rows_of("se-vs-wc", "lab-se", [0.5], student="wc")
            + rows_of("se-vs-wc", "lab-wc", [0.4], student="wc"))
    table = report.se_vs_wc(report.frame(rows), plan).set_index("student")
    tiny = table.loc["lab-tiny"]
    assert tiny["SE data"] == pytest.approx(0.52) and tiny["WC - SE"] == pytest.approx(0.10)
    # t interval of 3 seeds: mean +- 4.303 * sd / sqrt(3), sd 0.02
    assert tiny["WC high"] - tiny["WC data"] == pytest.approx(4.303 * 0.02 / math.sqrt(3),
                                                              rel=1e-3)
    assert math.isnan(table.loc["lab-wc", "SE low"])          # one seed: no interval
    text = report.findings(report.frame(rows), plan)
    assert "WC data >= SE data for 1 of 2 students" in text[0]
    assert "do not overlap for lab-tiny." in text[1]


def test_each_methods_multiplier_over_sft_from_the_fitted_law():
    law = PowerLaw(2.0, 0.5)
    rows = []
    for n, f in ((100, 0.25), (400, 0.5), (1600, 1.0)):
        rows += rows_of("methods", "lab-wc", [1 - law.error(n)] * 2, fraction=f, examples=n)
        if n < 1600:       # SFT on 8 x 1600 would be at the edge of the fit's reach
            rows += rows_of("methods", "lab-wc", [1 - law.error(8 * n)] * 2, fraction=f,
                            examples=n, method="step-dpo")
        rows += rows_of("methods", "lab-wc", [1 - law.error(2 * n)] * 2, fraction=f,
                        examples=n, method="rft")
    frame = report.frame(rows)
    assert report.multipliers(frame) == {
        "rft": {"value": pytest.approx(2.0), "sizes": 3, "of": 3},
        "step-dpo": {"value": pytest.approx(8.0), "sizes": 2, "of": 2},
        "dpo": {"value": None, "sizes": 0, "of": 0}}
    table = report.methods(frame)
    assert list(table["method"][:3]) == ["sft"] * 3 and table["seeds"].eq(2).all()
    assert "step-dpo 8.0x (from 2 of 2 sizes)" in report.findings(frame, plans.Plan())[-1]


def test_tuning_chooses_by_validation_and_a_stopped_experiment_trains_only_the_rest(
        tmp_path, monkeypatch):
    folder = tmp_path / "experiment-x"
    folder.mkdir()
    plan = plans.Plan(students=("tiny", "se"), fractions=(0.5, 1.0), seeds=2,
                           learning_rates=(1e-5, 3e-5, 1e-4), betas=(0.03, 0.1, 0.3),
                           pairs=(0, 1, 2))
    (folder / "plan.json").write_text(json.dumps(asdict(plan)))
    best_lr = {"sft": 3e-5, "dpo": 1e-4, "step-dpo": 1e-5}
    best_beta = {"dpo": 0.3, "step-dpo": 0.03}
    best_pairs = {"dpo": 2, "step-dpo": 0}
    trained = []

    def fake(folder, plan, r):
        trained.append(r)
        row = {"name": r.name, **asdict(r), "examples": 10, "accuracy": 0.5}
        score = ((r.lr == best_lr.get(r.method)) + (r.beta == best_beta.get(r.method))
                 + (r.pairs == best_pairs.get(r.method)))
        return row | ({"validation_accuracy": score / 3} if r.part == "tuning" else {})

    monkeypatch.setattr(experiment, "train_and_score", fake)
    rows = experiment.run(folder)
    assert len(rows) == len(trained) == plans.planned(plan) == \
        2 + 9 + 4 + 4 + 2 * (4 + 4 * 2)
    assert len({r.name for r in trained}) == len(trained)
    assert [r.student for r in trained[:2]] == ["tiny", "se"]          # the students as they are
    assert {r.sft_lr for r in trained if r.part == "tuning" and r.method != "sft"} == {3e-5}
    main = [r for r in trained if r.part in ("se-vs-wc", "methods")]
    for method in ("sft", "rft", "dpo", "step-dpo"):
        mine = [r for r in main if r.method == method]
        assert {r.lr for r in mine} == {best_lr.get(method, 3e-5)}
        assert {r.sft_base.lr for r in mine} == {3e-5}               # from the chosen SFT
    assert {r.beta for r in main if r.method == "dpo"} == {0.3}
    assert {r.beta for r in main if r.method == "step-dpo"} == {0.03}
    assert {r.pairs for r in main if r.method == "dpo"} == {2}
    assert {r.pairs for r in main if r.method == "step-dpo"} == {0}
    assert {r.sft_base.pairs for r in main} == {0}
    lines = (folder / "results.jsonl").read_text().splitlines()
    (folder / "results.jsonl").write_text("\n".join(lines[:12]) + '\n{"name": "cut off')
    trained.clear()
    assert len(experiment.run(folder)) == len(rows)
    assert len(trained) == len(rows) - 12
    assert len(experiment.results_of(folder)) == len(rows)    # the cut-off line is gone
    assert plans.planned(plan) == json.loads((folder / "progress.json").read_text())["done"]


def test_a_best_learning_rate_at_the_edge_of_the_grid_is_said():
    rows = [{"part": "tuning", "method": m, "lr": lr, "beta": 0.1, "validation_accuracy": acc,
             "accuracy": acc} for m, accs in (("sft", (0.5, 0.6, 0.55)), ("dpo", (0.5, 0.4, 0.3)))
            for lr, acc in zip((1e-5, 3e-5, 1e-4), accs)]
    text = report.findings(report.frame(rows), plans.Plan())
    assert [line.split("'")[0] for line in text] == ["dpo"]
    assert "1e-05, is at the edge" in text[0]


def test_pairs_per_problem_keep_at_most_that_many_of_each_problem_in_their_order():
    pairs = [{"prompt": p, "rejected": str(i)} for i, p in enumerate("aaabcc")]
    one = experiment_pairs.per_problem(pairs, 1, seed=0)
    assert sorted(r["prompt"] for r in one) == ["a", "b", "c"]
    assert one == [r for r in pairs if r in one]                       # order kept
    assert experiment_pairs.per_problem(pairs, 1, seed=0) == one      # seeded
    assert experiment_pairs.per_problem(pairs, 5, seed=0) == pairs


def test_own_pairs_reject_the_models_wrong_samples_cut_after_their_first_error(monkeypatch):
    p, = make_problems(1, seed=5, ops=(3, 3))
    prompt, wrong = f"{p.text}\n", wrong_at(p.steps, 1, p.answer)

    class Sampler:
        def __init__(self, *args, **kwargs):
            pass

        def complete(self, prompts, spec, n, seed):
            assert prompts == [prompt] and n == 2 and spec.temperature > 0
            return [[Completion(wrong, 9), Completion(p.solution, 9)]]

    monkeypatch.setattr(experiment_pairs, "HFSampler", Sampler)
    problems = [{"prompt": prompt, "answer": str(p.answer)}]
    dpo = experiment_pairs.own_pairs("m", problems, [], "dpo", 2, 0)
    assert dpo == [{"prompt": prompt, "chosen": p.solution, "rejected": wrong}]
    step, = experiment_pairs.own_pairs("m", problems, [], "step-dpo", 2, 0)
    assert step["rejected"] == "\n".join(wrong.split("\n")[:2])       # steps 1-2, the 2nd wrong
    assert step["rejected"].split("\n")[0] == p.steps[0]


def test_seeds_that_all_score_the_same_are_not_read_as_separated_intervals():
    rows = [{"part": "se-vs-wc", "student": "tiny", "method": "sft", "data": gen,
             "fraction": 1.0, "seed": s, "accuracy": acc, "name": f"{gen}{s}"}
            for gen, acc in (("lab-se", 0.535), ("lab-wc", 0.530)) for s in range(3)]
    text = report.findings(report.frame(rows), plans.Plan())
    assert not any("95% intervals" in line for line in text)
    assert any(line.startswith("Every seed scored the same on SE or WC data for lab-tiny")
               and "200 test problems alone" in line for line in text)


def test_a_flat_sft_curve_is_said_to_give_no_multiplier():
    rows = [{"part": "methods", "student": "tiny", "method": m, "data": "lab-wc",
             "fraction": f, "seed": 0, "examples": n, "accuracy": acc, "name": f"{m}{f}"}
            for m, acc in (("sft", 0.53), ("rft", 0.60), ("dpo", 0.60), ("step-dpo", 0.60))
            for f, n in ((0.25, 100), (0.5, 200), (1.0, 400))]
    text = report.findings(report.frame(rows), plans.Plan())
    assert any(line.startswith("Effective data multiplier over SFT: none can be read")
               for line in text)
