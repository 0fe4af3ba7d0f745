"""PRM scoring in length-sorted, token-budgeted batches gives each trace the scores it gets
alone, and packs traces into few forward passes."""
import random

import pytest
import torch
from transformers import LlamaConfig, LlamaForTokenClassification

from synthqa.judges.base import JudgeInput
from synthqa.judges.prm import PrmJudge
from synthqa.lab.model import make_tokenizer
from synthqa.sampling.batches import token_batches


@pytest.fixture(scope="module")
def prm_dir(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("prm")
    tokenizer = make_tokenizer()
    LlamaForTokenClassification(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, max_position_embeddings=512, num_labels=2)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def traces(n: int) -> list[JudgeInput]:
    rng = random.Random(1)
    return [JudgeInput(f"t{i}", f"{rng.randint(1, 99)}+{rng.randint(1, 99)}", None,
                       tuple(f"{rng.randint(1, 999)}*{rng.randint(1, 9)}={rng.randint(1, 9999)}"
                             for _ in range(rng.randint(1, 12)))) for i in range(n)]


def test_batched_scores_equal_one_trace_at_a_time(prm_dir):
    judge = PrmJudge(str(prm_dir), batch_tokens=400)
    items = traces(40)
    alone = [judge.step_scores_many([t])[0] for t in items]
    batched = judge.step_scores_many(items)
    assert [len(s) for s in batched] == [len(t.steps) for t in items]
    for a, b in zip(alone, batched):
        assert a == pytest.approx(b, abs=1e-4)
    verdicts = judge.judge(items)
    assert [v.trace_id for v in verdicts] == [t.trace_id for t in items]   # input order kept


def test_token_batches_keep_to_the_budget_and_cover_every_row():
    lengths = [5, 120, 30, 31, 29, 300, 7, 8, 64]
    batches = token_batches(lengths, 128)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        widest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or len(batch) * widest <= 128
    assert batches[0] == [5]                       # longer than the budget: alone, first


def test_rows_tokenized_together_equal_each_piece_tokenized_alone():
    """One tokenizer call for every prompt and step of a run gives each row the ids and
    labels its pieces give one at a time (TRL's PRMTrainer layout), on MATH-style text."""
    from synthqa.judges.prm import tokenize_rows

    tokenizer = make_tokenizer()
    rows = [("Find \\(x^2\\) if x=3.", ["\\[ x^2 = 9 \\]", "", "So 9."], [1, 0, 1]),
            ("", [], []), ("2+2", ["4"], [True])]
    for max_length in (None, 12):
        together = tokenize_rows(rows, tokenizer, "\n", max_length)
        for (prompt, steps, labels), got in zip(rows, together):
            def ids(text):
                return tokenizer(text, add_special_tokens=False)["input_ids"]
            bos = [] if tokenizer.bos_token_id is None else [tokenizer.bos_token_id]
            want_ids, want_labels = bos + ids(prompt), [-100] * len(bos + ids(prompt))
            for step, label in zip(steps, labels):
                piece = ids(step) + ids("\n")
                want_ids += piece
                want_labels += [-100] * (len(piece) - 1) + [int(label)]
            assert got == {"input_ids": want_ids[:max_length], "labels": want_labels[:max_length]}
