"""`python -m synthqa problems generate | check | list`: synthetic problems from seed problems,
their gold answers and their contamination against test sets (synthqa.problem_sets.generate).

Verbs import what they need inside them, so `--help` and quick verbs start fast."""
from __future__ import annotations

import sys
from contextlib import closing

from synthqa.cli.codes import EXIT_FAILED, EXIT_OK


def cmd_generate(args, workspace) -> int:
    from synthqa.lab.model import prompt_of
    from synthqa.problem_sets import generate as synthetic
    from synthqa.sampling.base import SamplingSpec

    with closing(workspace.open_store()) as store:
        seeds = store.problem_sets.of_source(args.seeds)["text"].tolist()
        if not seeds:
            print(f"error: no problems in seed source {args.seeds!r}", file=sys.stderr)
            return EXIT_FAILED
        if args.writer == "lab":
            problems = synthetic.ChainWriter(seeds).write(args.n, args.seed)
            writer = synthetic.ChainWriter.name
        else:
            texts = synthetic.write_with_model(_model(args.writer).sampler(), seeds, args.n,
                                               SamplingSpec(temperature=1.0, max_tokens=160),
                                               seed=args.seed)
            problems = [synthetic.NewProblem(t, None, "none") for t in texts if t]
            writer = args.writer
        if args.gold == "majority":
            se = _model(args.se)
            spec = SamplingSpec(temperature=0.8, max_tokens=256, prompt_template=prompt_of(
                "{problem}") if args.se.startswith("lab-") else "{problem}")
            problems = synthetic.majority_gold(se.sampler(), [p.text for p in problems], spec,
                                               args.k, args.seed)
        new = synthetic.add_set(store, args.name, problems, writer, args.seeds)
    golds = sum(p.gold is not None for p in problems)
    print(f"{args.name}: {len(problems):,} problems written by {writer} from {args.seeds} "
          f"seeds, {new:,} new, {golds:,} with a gold answer ({args.gold}); check them with "
          f"python -m synthqa problems check --set {args.name} --against {args.seeds}")
    return EXIT_OK


def cmd_check(args, workspace) -> int:
    from synthqa.problem_sets import generate as synthetic

    with closing(workspace.open_store()) as store:
        try:
            checks, notes = synthetic.check_set(store, args.set, args.against, args.embedder,
                                                args.similar)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    s = synthetic.summary(checks)
    print(f"{args.set}: {s['problems']:,} problems checked against {', '.join(args.against)}: "
          f"{s['contaminated']:,} contaminated (left out of training sets), "
          f"{s['near_duplicates']:,} near-duplicates inside the set")
    for note in notes:
        print(f"note: {note}")
    return EXIT_OK


def cmd_list(args, workspace) -> int:
    with closing(workspace.open_store()) as store:
        if args.set:
            frame = store.problem_sets.checks(args.set)
            columns = ["text", "gold_answer", "gold_method", "test_set", "ngram_overlap",
                       "ngram_match", "nn_similarity", "nn_match", "contaminated"]
            frame = frame[columns]
        else:
            frame = store.problem_sets.sources()
    if frame.empty:
        print("no problems" + (f" in {args.set}" if args.set else ""))
        return EXIT_OK
    print(frame.to_json(orient="records", lines=True).rstrip("\n") if args.json
          else frame.to_string(index=False, float_format="%.3f", na_rep="—"))
    return EXIT_OK


def _model(name: str):
    from synthqa.lab.model import model_choice

    return model_choice(name)


def add_parser(sub, workspace_of) -> None:
    """`problems` and its verbs; `workspace_of(args)` opens the chosen workspace."""
    from synthqa.embeddings import models as embeddings
    from synthqa.problem_sets import contamination

    problems = sub.add_parser("problems", help="synthetic problems from seed problems: "
                              "generate, check for contamination against test sets, list")
    verbs = problems.add_subparsers(dest="verb", required=True)
    gen = verbs.add_parser("generate", help="write new problems like the seeds into a new "
                           "problem source")
    gen.add_argument("--name", required=True, help="the new problem source, e.g. synthetic-1")
    gen.add_argument("--seeds", default="lab", help="seed problem source (default lab)")
    gen.add_argument("-n", "--n", type=int, default=200, help="problems to write")
    gen.add_argument("--writer", default="lab", help="lab (a chain writer fitted to the "
                     "seeds, exact answers) or a model: lab-se, lab-wc or a local folder")
    gen.add_argument("--gold", choices=["writer", "majority"], default="writer",
                     help="gold answers from the writer, or the majority of --k samples of --se")
    gen.add_argument("--se", default="lab-se", help="the model whose majority vote is gold")
    gen.add_argument("--k", type=int, default=5, help="samples per problem for the vote")
    gen.add_argument("--seed", type=int, default=0)
    gen.set_defaults(fn=lambda a: cmd_generate(a, workspace_of(a)))
    chk = verbs.add_parser("check", help="13-gram overlap and nearest-neighbour similarity "
                           "against test sources, near-duplicates inside the set")
    chk.add_argument("--set", required=True, help="the problem source to check")
    chk.add_argument("--against", nargs="+", required=True, help="test problem sources")
    chk.add_argument("--embedder", choices=list(embeddings.EMBEDDERS),
                     default=embeddings.DEFAULT)
    chk.add_argument("--similar", type=float, default=contamination.SIMILAR,
                     help="cosine at or above which the nearest test problem flags")
    chk.set_defaults(fn=lambda a: cmd_check(a, workspace_of(a)))
    lst = verbs.add_parser("list", help="problem sources with their checks, or one set's "
                           "problems with their scores")
    lst.add_argument("--set", help="one problem source, problem by problem")
    lst.add_argument("--json", action="store_true", help="one JSON object per line")
    lst.set_defaults(fn=lambda a: cmd_list(a, workspace_of(a)))
