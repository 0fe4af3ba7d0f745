"""Per-step values from Monte Carlo rollouts, first pits and spurious steps.

Setlur et al. 2024 (../shared/papers.md, section 1): for a trace with steps y_1..y_n, Q_i is the
value of the prefix ending with step i, estimated by sampling K continuations with the rollout
policy and checking each final answer. The paper's Q is best-of-K (1 if any rollout succeeds);
the mean success rate is kept too. A_i = Q_i - Q_{i-1}, Q_0 from the bare problem. The first
pit is the earliest step with the lowest Q. Binary search (OmegaPRM, Luo et al. 2024) finds the
first step whose best-of-K value is 0 with about log2(n) prefix evaluations instead of n.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from synthqa.checks.answers import extract_answer, is_equivalent
from synthqa.sampling.base import Sampler, SamplingSpec

MODES = ("exhaustive", "binary")
SPURIOUS_ADVANTAGE = -0.2  # a step of a correct trace whose mean-value advantage is this low


@dataclass(frozen=True)
class Rollout:
    prefix_steps: int   # rolled out after this many steps of the trace (0 = bare problem)
    index: int
    text: str           # the continuation only
    answer: str | None
    correct: bool
    n_tokens: int


@dataclass(frozen=True)
class PrefixValue:
    prefix_steps: int
    q_mean: float       # share of the K rollouts that reach the gold answer
    q_best: float       # best-of-K: 1.0 if any does (the paper's Q)
    k: int              # rollouts behind it (0: the trace's own final answer)


@dataclass
class TraceValues:
    trace_id: str
    n_steps: int
    correct: bool
    mode: str
    values: list[PrefixValue] = field(default_factory=list)   # by prefix length
    rollouts: list[Rollout] = field(default_factory=list)

    def q(self, prefix_steps: int, kind: str = "best") -> float | None:
        for v in self.values:
            if v.prefix_steps == prefix_steps:
                return v.q_best if kind == "best" else v.q_mean
        return None

    @property
    def rollouts_used(self) -> int:
        return len(self.rollouts)


@dataclass
class RolloutPolicy:
    """Continues a trace from a prefix: K samples from `sampler`, verified against the gold."""
    sampler: Sampler
    spec: SamplingSpec
    k: int = 5
    joiner: str = "\n"      # how the trace's steps are joined (and a prefix ends)
    seed: int = 0
    verify: Callable[[str | None, str | None], bool] = is_equivalent

    def prompt(self, problem: str, steps: Sequence[str], prefix_steps: int) -> str:
        prefix = "".join(s + self.joiner for s in steps[:prefix_steps])
        return self.spec.prompt(problem) + prefix

    def evaluate(self, problem: str, gold: str | None, steps: Sequence[str],
                 prefixes: Sequence[int]) -> list[tuple[PrefixValue, list[Rollout]]]:
        """Values of several prefixes of one trace, in one batched sampler call."""
        trace = Trace("", problem, gold, tuple(steps), False)
        return self.evaluate_many([(trace, i) for i in prefixes])

    def evaluate_many(self, asks: Sequence[tuple[Trace, int]]
                      ) -> list[tuple[PrefixValue, list[Rollout]]]:
        """Values of prefixes of many traces, every rollout in one sampler call: the engine
        gets the whole set at once (vLLM schedules it and shares each trace's prefix)."""
        prompts = [self.prompt(t.problem, t.steps, i) for t, i in asks]
        outputs = self.sampler.complete(prompts, self.spec, self.k, self.seed) if asks else []
        return [self._value(t, i, completions) for (t, i), completions in zip(asks, outputs)]

    def _value(self, trace: Trace, i: int, completions) -> tuple[PrefixValue, list[Rollout]]:
        prefix = "".join(s + self.joiner for s in trace.steps[:i])
        rollouts = []
        for j, c in enumerate(completions):
            answer, _ = extract_answer(prefix + c.text)
            rollouts.append(Rollout(i, j, c.text, answer, bool(self.verify(answer, trace.gold)),
                                    c.n_tokens))
        wins = sum(r.correct for r in rollouts)
        return PrefixValue(i, wins / len(rollouts), float(wins > 0), len(rollouts)), rollouts


@dataclass(frozen=True)
class Trace:
    """A trace to roll out."""
    trace_id: str
    problem: str
    gold: str | None
    steps: tuple[str, ...]
    correct: bool


def exhaustive_many(policy: RolloutPolicy, traces: Sequence[Trace]) -> list[TraceValues]:
    """Q_0..Q_n of each trace: rollouts from the bare problem and after every step but the
    last, whose value is the trace's own reward (it already ends in a final answer); every
    prefix of every trace in one sampler call."""
    outs = [TraceValues(t.trace_id, len(t.steps), t.correct, "exhaustive") for t in traces]
    asks = [(k, i) for k, t in enumerate(traces) for i in range(len(t.steps))]
    results = policy.evaluate_many([(traces[k], i) for k, i in asks])
    for (k, _), (value, rollouts) in zip(asks, results):
        outs[k].values.append(value)
        outs[k].rollouts.extend(rollouts)
    for out in outs:
        out.values.append(_final(out.n_steps, out.correct))
    return outs


def binary_search_many(policy: RolloutPolicy, traces: Sequence[Trace]) -> list[TraceValues]:
    """The first prefix whose best-of-K value is 0, assuming values only fall once they are 0.

    For a wrong trace Q_n = 0; the search keeps lo < hi with Q_hi = 0 and Q_lo > 0 (or lo =
    the bare problem not yet known) and halves the interval: about log2(n) evaluations. The
    traces search in step: one sampler call per round, for every trace still searching.
    """
    outs = [TraceValues(t.trace_id, len(t.steps), t.correct, "binary") for t in traces]
    for out in outs:
        out.values.append(_final(out.n_steps, out.correct))
    bounds = {k: (0, len(t.steps)) for k, t in enumerate(traces) if not t.correct and t.steps}
    while bounds:
        asks = [(k, (lo + hi) // 2) for k, (lo, hi) in bounds.items()]
        results = policy.evaluate_many([(traces[k], mid) for k, mid in asks])
        for (k, mid), (value, rollouts) in zip(asks, results):
            outs[k].values.append(value)
            outs[k].rollouts.extend(rollouts)
            lo, hi = bounds[k]
            lo, hi = (lo, mid) if value.q_best == 0 else (mid + 1, hi)
            if lo < hi:
                bounds[k] = (lo, hi)
            else:
                del bounds[k]
    for out in outs:
        out.values.sort(key=lambda v: v.prefix_steps)
    return outs


def exhaustive(policy: RolloutPolicy, trace_id: str, problem: str, gold: str | None,
               steps: Sequence[str], correct: bool) -> TraceValues:
    return exhaustive_many(policy, [Trace(trace_id, problem, gold, tuple(steps), correct)])[0]


def binary_search(policy: RolloutPolicy, trace_id: str, problem: str, gold: str | None,
                  steps: Sequence[str], correct: bool) -> TraceValues:
    return binary_search_many(policy, [Trace(trace_id, problem, gold, tuple(steps),
                                             correct)])[0]


def _final(n: int, correct: bool) -> PrefixValue:
    reward = float(bool(correct))
    return PrefixValue(n, reward, reward, 0)


def advantages(values: TraceValues, kind: str = "best") -> dict[int, float]:
    """A_i = Q_i - Q_{i-1} for every step i (1-based prefix length) whose two values exist."""
    out = {}
    for i in range(1, values.n_steps + 1):
        a, b = values.q(i - 1, kind), values.q(i, kind)
        if a is not None and b is not None:
            out[i] = b - a
    return out


def first_pit(values: TraceValues, kind: str = "best") -> int | None:
    """0-based index of the pit step of a wrong trace: the earliest step where the value falls
    to its lowest (for binary search: the first prefix found at 0).

    None for a correct trace, and when the value never falls: the policy cannot solve the
    problem from the bare problem either, so no step is where the value was lost.
    """
    if values.correct:
        return None
    if values.mode == "binary":
        zero = min(v.prefix_steps for v in values.values if v.q_best == 0)
        return None if zero == 0 else zero - 1
    q = {v.prefix_steps: v.q_best if kind == "best" else v.q_mean for v in values.values}
    lowest = min(value for i, value in q.items() if i >= 1)
    for i in sorted(q):
        if i >= 1 and q[i] == lowest and q.get(i - 1, lowest) > lowest:
            return i - 1
    return None


def spurious_steps(values: TraceValues, threshold: float = SPURIOUS_ADVANTAGE) -> list[int]:
    """0-based indices of the steps of a correct trace that lower its mean value (no progress
    or a detour the policy has to recover from)."""
    if not values.correct:
        return []
    return [i - 1 for i, a in advantages(values, "mean").items() if a <= threshold]


def run_many(policy: RolloutPolicy, mode: str, traces: Sequence[Trace]) -> list[TraceValues]:
    """The values of many traces with one search, their rollouts batched across traces."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
    search = exhaustive_many if mode == "exhaustive" else binary_search_many
    return search(policy, traces)


def run(policy: RolloutPolicy, mode: str, trace_id: str, problem: str, gold: str | None,
        steps: Sequence[str], correct: bool) -> TraceValues:
    return run_many(policy, mode, [Trace(trace_id, problem, gold, tuple(steps), correct)])[0]
