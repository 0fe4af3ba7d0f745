"""The GPU install resolves: requirements-vllm.txt adds to requirements.txt a vllm whose own pins
(its wheel's METADATA, read when it was chosen) the shared pins meet, so that one venv holds
SynthQA and vLLM."""
from packaging.requirements import Requirement

from tests.conftest import REPO

# vllm 0.32.0's Requires-Dist on the packages both files name (from its wheel's METADATA)
VLLM_NEEDS = {"vllm==0.32.0": {"torch": "==2.13.0", "transformers": ">=5.16.1,<5.20.0"}}


def pins(name: str) -> dict[str, Requirement]:
    lines = (REPO / name).read_text().splitlines()
    reqs = [Requirement(line) for line in lines if line.strip() and line[0] not in "#-"]
    return {r.name: r for r in reqs}


def test_the_vllm_venv_takes_every_pin_of_the_cpu_one():
    assert "-r requirements.txt" in (REPO / "requirements-vllm.txt").read_text().splitlines()
    (vllm,) = pins("requirements-vllm.txt").values()
    needs = VLLM_NEEDS[str(vllm)]                 # a new vllm: read its METADATA into this
    shared = pins("requirements.txt")
    for package, spec in needs.items():
        (pinned,) = shared[package].specifier     # one exact version each
        assert pinned.operator == "==" and Requirement(f"{package}{spec}").specifier.contains(
            pinned.version), f"{package}{pinned}: {vllm} needs {package}{spec}"
