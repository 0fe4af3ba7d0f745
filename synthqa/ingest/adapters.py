"""Adapters from public formats to TraceRecords, and the sniffing of a file's format."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from synthqa.checks.answers import extract_answer
from synthqa.ingest.readers import reader_for
from synthqa.ingest.records import NO_ERROR, RecordError, TraceRecord, from_generic


# -- adapters: one source object -> TraceRecords --------------------------------------------
GSM8K_GENERATORS = {  # OpenAI's grade-school-math example solutions (Cobbe et al. 2021)
    "6b_finetuning": 6_000_000_000, "6b_verification": 6_000_000_000,
    "175b_finetuning": 175_000_000_000, "175b_verification": 175_000_000_000,
}


def adapt_gsm8k_openai(obj: Any) -> list[TraceRecord]:
    if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
        raise RecordError("expected an object with a 'question' string")
    reference = obj.get("ground_truth")
    if not isinstance(reference, str):
        raise RecordError("field 'ground_truth' must be a string")
    gold, _ = extract_answer(reference)
    records = []
    for generator, params in GSM8K_GENERATORS.items():
        entry = obj.get(generator)
        if not isinstance(entry, dict) or not isinstance(entry.get("solution"), str):
            raise RecordError(f"field '{generator}' must hold a 'solution' string")
        records.append(TraceRecord(
            problem=obj["question"], generator=generator, text=entry["solution"],
            gold_answer=gold, gold_solution=reference, source="gsm8k", split="test",
            params=params, is_correct=entry.get("is_correct"),
            run=f"{generator}:gsm8k-example-solutions"))
    return records


def adapt_mr_gsm8k(obj: Any) -> list[TraceRecord]:
    if not isinstance(obj, dict):
        raise RecordError("expected an object")
    steps = _steps(obj.get("model_output_steps"), "model_output_steps")
    first = obj.get("model_output_solution_first_error_step")
    if first is not None and (not isinstance(first, int) or not 1 <= first <= len(steps)):
        raise RecordError(f"first_error_step {first!r} is not a step number 1..{len(steps)}")
    question = obj.get("question")
    if not isinstance(question, str):
        raise RecordError("field 'question' must be a string")
    correct = obj.get("model_output_answer_correctness")
    return [TraceRecord(
        problem=question, generator="mr-gsm8k-model", steps=steps,
        gold_answer=_mr_gold(obj.get("ground_truth_answer"), obj.get("ground_truth_solution")),
        gold_solution=obj.get("ground_truth_solution"), source="mr-gsm8k", split="test",
        topic=obj.get("question_type"), problem_id=None,
        is_correct=None if correct is None else correct == "correct",
        first_error_step=None if first is None else first - 1,  # 1-based in the file
        first_error_note=obj.get("model_output_solution_first_error_reason"),
        labeller="MR-GSM8K annotators", run="mr-gsm8k-model:mr-gsm8k",
        meta={"uuid": obj.get("uuid"),
              "solution_correctness": obj.get("model_output_solution_correctness")})]


def _mr_gold(answer: Any, solution: Any) -> str | None:
    """Some "reversed" items hold "Let's think step by step." as their answer: use the solution."""
    if answer is not None and any(ch.isdigit() for ch in str(answer)):
        return str(answer)
    return extract_answer(solution)[0] if isinstance(solution, str) else None


def adapt_bigbench_mistake(obj: Any) -> list[TraceRecord]:
    if not isinstance(obj, dict) or not isinstance(obj.get("input"), str):
        raise RecordError("expected an object with an 'input' string")
    steps = _steps(obj.get("steps"), "steps")
    mistake = obj.get("mistake_index")
    if mistake is not None and (not isinstance(mistake, int) or not 0 <= mistake < len(steps)):
        raise RecordError(f"mistake_index {mistake!r} is not a step index 0..{len(steps) - 1}")
    return [TraceRecord(
        problem=obj["input"], generator="palm-2-l", steps=steps,
        gold_answer=None if obj.get("target") is None else str(obj["target"]),
        source="bigbench-mistake", split="test", topic="multistep_arithmetic",
        first_error_step=NO_ERROR if mistake is None else mistake,  # 0-based; null = none
        labeller="BIG-Bench Mistake annotators", run="palm-2-l:bigbench-mistake",
        meta={"model_answer": obj.get("answer")})]


def adapt_processbench(obj: Any) -> list[TraceRecord]:
    """ProcessBench (Zheng et al. 2024): `label` = earliest wrong step, 0-based, -1 = none; no
    gold answer, so the file's `final_answer_correct` is the answer verdict."""
    if not isinstance(obj, dict) or not isinstance(obj.get("problem"), str):
        raise RecordError("expected an object with a 'problem' string")
    steps = _steps(obj.get("steps"), "steps")
    label = obj.get("label")
    if not isinstance(label, int) or isinstance(label, bool) or not -1 <= label < len(steps):
        raise RecordError(f"label {label!r} is not -1 (no error) or a step index "
                          f"0..{len(steps) - 1}")
    item_id, generator = obj.get("id"), obj.get("generator")
    if not isinstance(generator, str) or not generator.strip():
        raise RecordError("field 'generator' must be a non-empty string")
    correct = obj.get("final_answer_correct")
    if correct is not None and not isinstance(correct, bool):
        raise RecordError("field 'final_answer_correct' must be true or false")
    source = str(item_id).rsplit("-", 1)[0] if isinstance(item_id, str) and "-" in item_id \
        else "processbench"
    return [TraceRecord(
        problem=obj["problem"], generator=generator, steps=steps, source=f"processbench-{source}",
        split="test", is_correct=correct, first_error_step=label,
        labeller="ProcessBench annotators", run=f"{generator}:processbench-{source}",
        meta={"id": item_id})]


def adapt_prm800k(obj: Any) -> list[TraceRecord]:
    """PRM800K (Lightman et al. 2023): per step the chosen completion (or the labeller's own)
    with its rating -1 / 0 / +1; labelling stops at the first -1, the first error."""
    if not isinstance(obj, dict) or not isinstance(obj.get("question"), dict) \
            or not isinstance(obj.get("label"), dict):
        raise RecordError("expected an object with 'question' and 'label' objects")
    question, label = obj["question"], obj["label"]
    if not isinstance(question.get("problem"), str):
        raise RecordError("field 'question.problem' must be a string")
    steps, ratings = _prm800k_steps(label.get("steps"))
    first = next((i for i, r in enumerate(ratings) if r == -1), None)
    finish = label.get("finish_reason")
    if first is None and finish == "solution":
        first = NO_ERROR
    gold = question.get("ground_truth_answer")
    return [TraceRecord(
        problem=question["problem"], generator="prm800k-generator", steps=steps,
        gold_answer=None if gold is None else str(gold),
        gold_solution=question.get("ground_truth_solution"), source="prm800k",
        split=f"phase{obj['generation']}" if isinstance(obj.get("generation"), int) else None,
        answer=None if question.get("pre_generated_answer") is None
        else str(question["pre_generated_answer"]),
        first_error_step=first, step_labels=ratings,
        labeller=str(obj.get("labeler") or "PRM800K labellers"), run="prm800k-generator:prm800k",
        meta={"finish_reason": finish, "timestamp": obj.get("timestamp"),
              "quality_control": bool(obj.get("is_quality_control_question")),
              "initial_screening": bool(obj.get("is_initial_screening_question"))})]


def _prm800k_steps(raw: Any) -> tuple[list[str], list[int | None]]:
    if not isinstance(raw, list) or not raw:
        raise RecordError("field 'label.steps' must be a non-empty list")
    steps, ratings = [], []
    for n, step in enumerate(raw):
        if not isinstance(step, dict):
            raise RecordError(f"label.steps[{n}] must be an object")
        chosen, human = step.get("chosen_completion"), step.get("human_completion")
        completions = step.get("completions") or []
        if isinstance(human, dict) and isinstance(human.get("text"), str):
            pick = human
        elif chosen is not None:
            if isinstance(chosen, bool) or not isinstance(chosen, int) \
                    or not 0 <= chosen < len(completions):
                raise RecordError(f"label.steps[{n}]: chosen_completion {chosen!r} is not one "
                                  f"of its {len(completions)} completions")
            pick = completions[chosen]
        elif completions:
            pick = completions[0]  # the step labelling stopped at (rated -1, none chosen)
        else:
            raise RecordError(f"label.steps[{n}] has no completion")
        if not isinstance(pick, dict) or not isinstance(pick.get("text"), str):
            raise RecordError(f"label.steps[{n}]: a completion needs a 'text' string")
        rating = pick.get("rating")
        if rating is not None and (isinstance(rating, bool) or rating not in (-1, 0, 1)):
            raise RecordError(f"label.steps[{n}]: rating {rating!r} is not -1, 0 or 1")
        rating = None if rating is None else int(rating)   # 1.0 is 1; true is no rating
        steps.append(pick["text"])
        ratings.append(rating)
        if rating == -1:
            break
    return steps, ratings


def _steps(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise RecordError(f"field '{name}' must be a non-empty list of strings")
    if not any(s.strip() for s in value):
        raise RecordError(f"field '{name}' holds only blank steps")
    return value


def adapt_generic(obj: Any) -> list[TraceRecord]:
    return [from_generic(obj)]


FORMATS: dict[str, tuple[Callable[[Any], list[TraceRecord]], str]] = {
    "generic": (adapt_generic, "the SynthQA trace format (data/README.md)"),
    "gsm8k-openai": (adapt_gsm8k_openai, "OpenAI grade-school-math example_model_solutions"),
    "mr-gsm8k": (adapt_mr_gsm8k, "MR-GSM8K eval results (human first error step, 1-based)"),
    "bigbench-mistake": (adapt_bigbench_mistake, "BIG-Bench Mistake (mistake_index, 0-based)"),
    "processbench": (adapt_processbench, "ProcessBench (label = earliest wrong step, 0-based)"),
    "prm800k": (adapt_prm800k, "PRM800K (per-step ratings -1/0/+1; first -1 = first error)"),
}


SNIFF_RECORDS = 20   # a junk first record does not make a ProcessBench file generic


def detect_format(path: Path, max_line_bytes: int) -> str:
    """Sniff the keys of the first records (up to SNIFF_RECORDS, skipping ones that are not
    objects); nothing recognised is the generic format."""
    for n, (_, obj) in enumerate(reader_for(path)(path, max_line_bytes)):
        if n >= SNIFF_RECORDS:
            break
        found = _format_of(obj) if isinstance(obj, dict) else None
        if found is not None:
            return found
    return "generic"


def _format_of(obj: dict) -> str | None:
    if "model_output_steps" in obj:
        return "mr-gsm8k"
    if "mistake_index" in obj and "steps" in obj and "input" in obj:
        return "bigbench-mistake"
    if "ground_truth" in obj and any(g in obj for g in GSM8K_GENERATORS):
        return "gsm8k-openai"
    if {"final_answer_correct", "label", "steps", "problem"} <= obj.keys():
        return "processbench"
    if isinstance(obj.get("question"), dict) and isinstance(obj.get("label"), dict) \
            and "steps" in obj["label"]:
        return "prm800k"
    if {"problem", "generator"} <= obj.keys():
        return "generic"
    return None
