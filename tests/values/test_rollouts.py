"""Rollouts with a scripted sampler whose success rate after every prefix is known exactly."""
import pytest

from synthqa.sampling.base import Completion, SamplingSpec
from synthqa.values import rollouts
from synthqa.values.rollouts import RolloutPolicy

PROBLEM, GOLD = "2+3*4", "20"
STEPS = ["2+3=5", "5*4=21", "#### 21"]       # wrong at step 2 (index 1)


class Scripted:
    """Continuations of a prefix of STEPS: wins[i] of the K reach the gold answer."""
    name = "scripted"

    def __init__(self, wins: dict[int, int], k: int, gold: str = GOLD):
        self.wins, self.k, self.gold, self.prompts = wins, k, gold, []

    def complete(self, prompts, spec, n, seed):
        assert n == self.k
        out = []
        for prompt in prompts:
            self.prompts.append(prompt)
            done = prompt.count("\n") - 1          # steps in the prompt after the problem line
            good = self.wins[done]
            out.append([Completion(f"#### {self.gold}" if j < good else "#### 7", 3)
                        for j in range(n)])
        return out


def policy(wins, k=4):
    return RolloutPolicy(Scripted(wins, k), SamplingSpec(prompt_template="{problem}\n"), k=k)


def test_exhaustive_values_advantages_and_pit():
    p = policy({0: 3, 1: 2, 2: 0})
    values = rollouts.exhaustive(p, "t1", PROBLEM, GOLD, STEPS, correct=False)
    assert [(v.prefix_steps, v.q_mean, v.q_best, v.k) for v in values.values] == [
        (0, 0.75, 1.0, 4), (1, 0.5, 1.0, 4), (2, 0.0, 0.0, 4), (3, 0.0, 0.0, 0)]
    assert rollouts.advantages(values) == {1: 0.0, 2: -1.0, 3: 0.0}
    assert rollouts.advantages(values, "mean") == {1: -0.25, 2: -0.5, 3: 0.0}
    assert rollouts.first_pit(values) == 1                  # step "5*4=21"
    assert values.rollouts_used == 12
    assert p.sampler.prompts[2] == "2+3*4\n2+3=5\n5*4=21\n"  # the prefix ends with step 2
    correct_rollout = [r for r in values.rollouts if r.correct][0]
    assert correct_rollout.answer == "20"


def test_binary_search_finds_the_same_pit_with_fewer_rollouts():
    steps = [f"step {i}" for i in range(15)] + ["#### 7"]
    wins = {i: (2 if i < 9 else 0) for i in range(16)}   # the value falls to 0 after step 9
    p = policy(wins)
    full = rollouts.exhaustive(p, "t", PROBLEM, GOLD, steps, correct=False)
    fast = rollouts.binary_search(policy(wins), "t", PROBLEM, GOLD, steps, correct=False)
    assert rollouts.first_pit(full) == rollouts.first_pit(fast) == 8
    assert full.rollouts_used == 16 * 4
    assert fast.rollouts_used == 4 * 4                      # log2(16) prefix evaluations
    assert [v.prefix_steps for v in fast.values] == [8, 9, 10, 12, 16]


def test_no_step_is_a_pit_when_the_policy_cannot_solve_the_problem_at_all():
    never = {i: 0 for i in range(3)}
    fast = rollouts.binary_search(policy(never), "t", PROBLEM, GOLD, STEPS, correct=False)
    full = rollouts.exhaustive(policy(never), "t", PROBLEM, GOLD, STEPS, correct=False)
    assert rollouts.first_pit(fast) is None and rollouts.first_pit(full) is None
    assert [v.prefix_steps for v in fast.values] == [0, 1, 3]


def test_the_pit_is_where_the_value_falls_even_after_a_hopeless_start():
    values = rollouts.exhaustive(policy({0: 0, 1: 3, 2: 0}), "t", PROBLEM, GOLD, STEPS, False)
    assert [v.q_best for v in values.values] == [0.0, 1.0, 0.0, 0.0]
    assert rollouts.first_pit(values) == 1          # step 1 made progress, step 2 lost it


def test_a_correct_trace_has_no_pit_but_may_have_spurious_steps():
    p = policy({0: 2, 1: 1, 2: 4})
    values = rollouts.exhaustive(p, "t", PROBLEM, GOLD, ["2+3=5", "detour", "#### 20"], True)
    assert rollouts.first_pit(values) is None
    assert rollouts.spurious_steps(values) == [0]           # 0.5 -> 0.25
    assert rollouts.binary_search(p, "t", PROBLEM, GOLD, STEPS, True).rollouts_used == 0


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown mode"):
        rollouts.run(policy({}), "greedy", "t", PROBLEM, GOLD, STEPS, False)


class Counting(Scripted):
    def __init__(self, *args):
        super().__init__(*args)
        self.calls = 0

    def complete(self, prompts, spec, n, seed):
        self.calls += 1
        return super().complete(prompts, spec, n, seed)


def test_a_shard_of_traces_is_one_sampler_call_per_round():
    """Exhaustive: every prefix of every trace in one call; binary search: the traces search
    in step, one call per round; the values are those of one trace at a time (issue 26)."""
    steps = [f"step {i}" for i in range(15)] + ["#### 7"]
    wins = {i: (2 if i < 9 else 0) for i in range(16)}
    traces = [rollouts.Trace(f"t{j}", PROBLEM, GOLD, tuple(steps), False) for j in range(3)]
    for mode, calls in (("exhaustive", 1), ("binary", 4)):
        sampler = Counting(wins, 4)
        batched = rollouts.run_many(RolloutPolicy(sampler, SamplingSpec(
            prompt_template="{problem}\n"), k=4), mode, traces)
        assert sampler.calls == calls
        alone = [rollouts.run(policy(wins), mode, t.trace_id, t.problem, t.gold, t.steps,
                              False) for t in traces]
        assert batched == alone
