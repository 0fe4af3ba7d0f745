"""`python -m synthqa init | import | verify | stats | export | metrics | compare | problems |
index | backup | restore | rollouts | pairs | train | experiment | judge | cluster | demo`: the parser, and the
verbs on traces (exit codes: synthqa.cli.codes).

Verbs import what they need inside them, so `--help` and quick verbs start fast."""
from __future__ import annotations

import argparse
import sys
from contextlib import closing

from tqdm import tqdm

from synthqa.cli.backup import add_parser as add_backup_parser
from synthqa.cli.cluster import add_parser as add_cluster_parser
from synthqa.cli.codes import (EXIT_BUSY, EXIT_CODES, EXIT_DAMAGED, EXIT_FAILED, EXIT_OK,
                               EXIT_PARTIAL)
from synthqa.cli.experiment import add_parser as add_experiment_parser
from synthqa.cli.judge import add_parser as add_judge_parsers
from synthqa.cli.problems import add_parser as add_problem_parsers
from synthqa.cli.train import add_parser as add_train_parsers
from synthqa.cli.values import add_parser as add_values_parser
from synthqa.config import Settings
from synthqa.ingest.adapters import FORMATS
from synthqa.store import StoreBusy, damage_of
from synthqa.workspace import Workspace


def _workspace(args) -> Workspace:
    return Workspace(Settings.from_env(args.workspace).home)


def cmd_init(args) -> int:
    ws = _workspace(args)
    with closing(ws.open_store()) as store:
        print(f"workspace {ws.root} ready (schema v{store.schema_version()})")
    return EXIT_OK


def cmd_import(args) -> int:
    from synthqa.ingest.inbox import import_or_queue
    settings = Settings.from_env(args.workspace)
    worst = EXIT_OK
    for path in args.files:
        with tqdm(desc=f"import {path}", unit=" traces", disable=args.quiet) as bar:
            try:
                result = import_or_queue(Workspace(settings.home), path, args.format, settings,
                                         bar.update)
            except (OSError, ValueError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                worst = max(worst, EXIT_FAILED)
                continue
        print(result.summary())
        for note in result.notes:
            print(f"  note: {note}")
        for error in result.errors:
            print(f"  {error}", file=sys.stderr)
        if result.n_errors > len(result.errors):
            print(f"  … and {result.n_errors - len(result.errors)} more", file=sys.stderr)
        if not result.ok:
            code = EXIT_PARTIAL if result.n_traces else EXIT_FAILED
            worst = code if worst == EXIT_OK else max(worst, code)
    return worst


def _json_value(value):
    """NaN and NumPy numbers as JSON: null, int, float."""
    if value is None or value != value:
        return None
    return value.item() if hasattr(value, "item") else value


def _stats_text(table):
    """The generator table as text: rates with 3 decimals, the interval, "-" when missing."""
    from synthqa.judges.generators import compact

    def rate(value):
        return "-" if value != value else f"{value:.3f}"
    return table.assign(
        params=table["params"].map(lambda p: compact(p, "-")),
        accuracy=table["accuracy"].map(rate), fpr=table["fpr"].map(rate),
        fpr_ci=[f"{lo:.3f}-{hi:.3f}" if n else "-"
                for lo, hi, n in zip(table["fpr_low"], table["fpr_high"], table["fpr_n"])],
        judge_auroc=table["judge_auroc"].map(rate),
    )[["generator", "params", "traces", "accuracy", "suspects", "labelled", "fpr", "fpr_ci",
       "fpr_n", "fpr_method", "fpr_by", "judge", "judge_auroc"]].fillna("-")


def cmd_verify(args) -> int:
    from synthqa.checks.recheck import recheck_steps, reverify

    settings = Settings.from_env(args.workspace)
    with closing(Workspace(settings.home).open_store()) as store:
        with tqdm(desc="answers", unit=" traces", disable=args.quiet) as bar:
            n = reverify(store, args.all, settings.verify_workers, bar.update)
        with tqdm(desc="step checks", unit=" traces", disable=args.quiet) as bar:
            m = recheck_steps(store, args.all, bar.update)
    print(f"checked {n:,} answers and the steps of {m:,} traces")
    return EXIT_OK


def cmd_stats(args) -> int:
    import json

    from synthqa.judges.evaluate import first_error_agreement
    from synthqa.judges.generators import generator_table

    with _workspace(args).reader() as store:
        table, checks = generator_table(store), store.labels.step_check_vs_human()
    if args.json:
        for row in table.to_dict("records"):
            print(json.dumps({key: _json_value(value) for key, value in row.items()}))
        return EXIT_OK
    if table.empty:
        print(f"no traces yet: {sys.executable} -m synthqa import FILE")
        return EXIT_OK
    print(_stats_text(table).to_string(index=False))
    if checks:
        print("\nfirst failed step check vs human first-error label:")
        for source, pairs in checks.items():
            a = first_error_agreement(pairs)
            print(f"  {source}: {a['traces']} labelled traces, {a['flagged']} flagged, "
                  f"precision {a['precision']:.3f}, recall {a['recall']:.3f}, "
                  f"flagged traces humans call wrong {a['flag_precision']:.3f}")
    return EXIT_OK


def cmd_export(args) -> int:
    from synthqa.export import export_file

    with _workspace(args).reader() as store:
        n = export_file(store, args.out, args.generator, args.source, args.labelled, args.format)
    print(f"wrote {n:,} {'examples' if args.format == 'prm' else 'traces'} to {args.out}")
    return EXIT_OK


def cmd_metrics(args) -> int:
    from synthqa.metrics import report

    if args.cached:
        with _workspace(args).reader() as store:
            result, stale = report.cached(store)
        if result is None:
            print("no metrics computed yet: run `metrics` without --cached (or open the "
                  "Data quality page)", file=sys.stderr)
            return EXIT_FAILED
        if stale:
            print("note: computed before the latest changes to the store")
    else:
        with closing(_workspace(args).open_store()) as store, \
                tqdm(total=100, desc="metrics", unit="%", disable=args.quiet) as bar:
            def progress(fraction: float, message: str) -> None:
                bar.set_postfix_str(message, refresh=False)
                bar.update(round(100 * fraction) - bar.n)
            result = report.recompute(store, progress, embed=not args.no_embed,
                                      embedder=args.embedder)
    if result.generators.empty:
        print("no traces yet: python -m synthqa import FILE")
        return EXIT_OK
    columns = ["generator", "traces", "accuracy", "coverage", "unique_correct", "vendi",
               "intrinsic_dim", "suspect_share", "fpr_human", "fpr_n"]
    print(result.generators[columns].to_string(index=False, float_format="%.3f"))
    for note in result.notes:
        print(f"note: {note}")
    return EXIT_OK


def cmd_index(args) -> int:
    with closing(_workspace(args).open_store()) as store:
        n = store.rebuild_search()
    print(f"full-text index rebuilt: {n:,} traces")
    return EXIT_OK


def cmd_compare(args) -> int:
    from synthqa.metrics.compare import CompareError, compare

    with _workspace(args).reader() as store:
        try:
            result = compare(store, args.se, args.wc)
            print(result.to_json() if args.json else result.text())
        except CompareError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    return EXIT_OK


def cmd_demo(args) -> int:
    from synthqa.lab.demo import build_demo, build_smollm2_demo, tracked

    settings = Settings.from_env(args.workspace)
    ws = Workspace(settings.home).init()
    if args.source == "smollm2":
        n_problems = args.problems or 36
        with tqdm(desc="SmolLM2 sampling", unit=" problems", disable=args.quiet) as bar:
            n = build_smollm2_demo(ws, n_problems, settings.cache,
                                   progress=tracked(ws, "smollm2", n_problems, bar.update))
        print(f"workspace {ws.root}: {n:,} traces" if n else
              f"the store is held by the dashboard: it ingests the samples from {ws.inbox}")
        return EXIT_OK
    n_problems = args.problems or 300
    with tqdm(desc="sampling", unit=" problems", disable=args.quiet) as bar:  # SE, then WC
        result = build_demo(ws, n_problems, args.se_samples,
                            tracked(ws, "lab", 2 * n_problems, bar.update))
    if result.ingested:
        print(f"demo workspace {ws.root}: {result.traces:,} traces")
        for row in result.summary:
            print("  " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                   for k, v in row.items()))
    else:
        print(f"the store is held by the dashboard: it ingests the samples from {ws.inbox}")
    return EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m synthqa", description="SynthQA workspace commands.", epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", help="workspace folder (default: $SYNTHQA_HOME or "
                        "./workspace)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help="create the workspace and its store").set_defaults(fn=cmd_init)

    imp = sub.add_parser("import", help="import trace files (queued via inbox/ if the store "
                         "is held by the dashboard)", epilog=EXIT_CODES,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    imp.add_argument("files", nargs="+", help="JSONL, JSON or Parquet files")
    imp.add_argument("--format", default="auto", choices=["auto", *FORMATS],
                     help="source format (default: detect from the first record)")
    imp.set_defaults(fn=cmd_import)

    ver = sub.add_parser("verify", help="re-check answers and step checks with the current "
                         "verifier and checker")
    ver.add_argument("--all", action="store_true", help="every trace, not only those checked "
                     "by another version")
    ver.set_defaults(fn=cmd_verify)

    sta = sub.add_parser("stats", help="per generator: traces, accuracy, suspects, labelled, "
                         "the human FPR from every label (95%% CI, n, whose labels)")
    sta.add_argument("--json", action="store_true", help="one JSON object per generator")
    sta.set_defaults(fn=cmd_stats)

    exp = sub.add_parser("export", help="write traces in the SynthQA trace format")
    exp.add_argument("out", help="output file: .jsonl or .parquet")
    exp.add_argument("--generator", help="only this generator")
    exp.add_argument("--source", help="only this source (e.g. gsm8k)")
    exp.add_argument("--labelled", action="store_true", help="only traces with human labels")
    exp.add_argument("--format", choices=["traces", "prm"], default="traces",
                     help="traces: the SynthQA trace format; prm: TRL's stepwise supervision "
                     "(prompt, completions, labels) from human first-error labels")
    exp.set_defaults(fn=cmd_export)
    met = sub.add_parser("metrics", help="embed new solutions and recompute the cached "
                         "quality / diversity / complexity / coverage report")
    met.add_argument("--embedder", choices=["static", "minilm"], default="static",
                     help="static: model2vec distilled from MiniLM, thousands of texts/s "
                          "(default); minilm: all-MiniLM-L6-v2 itself, the accurate choice")
    met.add_argument("--no-embed", action="store_true", help="skip embedding new solutions "
                     "(diversity from embeddings then covers the embedded ones only)")
    met.add_argument("--cached", action="store_true", help="print the last computed report, "
                     "recomputing nothing (works while the dashboard runs)")
    met.set_defaults(fn=cmd_metrics)
    add_values_parser(sub, _workspace)
    add_train_parsers(sub, _workspace)
    add_judge_parsers(sub, _workspace)
    com = sub.add_parser("compare", help="SE vs WC at matched sampling compute: samples, "
                         "FLOPs, coverage, diversity and FPR (95%% interval) of each, deltas; "
                         "default: the demo's lab pair")
    com.add_argument("--se", help="the strong-expensive generator (default lab-se)")
    com.add_argument("--wc", help="the weak-cheap generator (default lab-wc)")
    com.add_argument("--json", action="store_true", help="one JSON object: the matched point "
                     "at the largest SE k that WC has samples for")
    com.set_defaults(fn=cmd_compare)
    add_problem_parsers(sub, _workspace)
    add_experiment_parser(sub, _workspace)
    add_cluster_parser(sub, _workspace)
    sub.add_parser("index", help="rebuild the full-text search index of the traces (after a "
                   "crash between an import and its indexing, or for an older workspace)"
                   ).set_defaults(fn=cmd_index)
    add_backup_parser(sub, _workspace)
    demo = sub.add_parser("demo", help="fill the workspace with lab problems sampled by the "
                          "weak-cheap and strong-expensive lab models at matched compute")
    demo.add_argument("--source", choices=["lab", "smollm2"], default="lab",
                      help="lab: the two lab models at matched compute; smollm2: "
                      "SmolLM2-135M-Instruct on GSM8K-style word problems (slow on a CPU)")
    demo.add_argument("--problems", type=int, help="problems to sample (lab 300, smollm2 36)")
    demo.add_argument("--se-samples", type=int, default=1,
                      help="SE samples per problem; the WC model gets (P_SE/P_WC) times more")
    demo.set_defaults(fn=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.fn(args)
    except StoreBusy as exc:
        print(f"error: {exc}; stop it or use its dashboard", file=sys.stderr)
        return EXIT_BUSY
    except Exception as exc:
        if (damage := damage_of(exc)) is None:
            raise
        print(f"error: {_workspace(args).recovery(damage)}", file=sys.stderr)
        return EXIT_DAMAGED
