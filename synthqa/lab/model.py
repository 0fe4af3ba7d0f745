"""The lab's tiny causal LMs: a character tokenizer (one token per digit) and Llama configs."""
from __future__ import annotations

from pathlib import Path

from synthqa.lab.problems import LabProblem, exact_label
from synthqa.sampling.base import Problem
from synthqa.sampling.models import ModelChoice

LAB_SOURCE = "lab"  # the problems' source in the store: the lab models' own domain
LAB_CHARS = "0123456789+-*=# \n"
DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "lab"
# WC 1.58M and SE 4.73M parameters (3.0x, like Bansal et al.'s Gemma2 9B / 27B), so that
# compute-matched sampling gives the WC model 3 samples for each SE sample. tiny (0.59M, the
# first WC) is the fast base model of the fine-tuning tests and experiments.
SIZES = {
    "tiny": {"hidden_size": 96, "intermediate_size": 384, "num_hidden_layers": 4,
             "num_attention_heads": 4},
    "wc": {"hidden_size": 128, "intermediate_size": 512, "num_hidden_layers": 6,
           "num_attention_heads": 4},
    "se": {"hidden_size": 192, "intermediate_size": 768, "num_hidden_layers": 8,
           "num_attention_heads": 6},
}
MAX_LEN = 96  # tokens: the longest lab prompt + solution is well under this


def make_tokenizer():
    """A fast tokenizer with one token per character; decoding joins them back exactly."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<bos>", "<eos>", "<unk>"]
    vocab = {tok: i for i, tok in enumerate(specials + list(LAB_CHARS))}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    core.decoder = decoders.Fuse()
    # Encoding a prompt adds <bos> (what the models were trained to start from).
    core.post_processor = processors.TemplateProcessing(
        single="<bos> $A", special_tokens=[("<bos>", vocab["<bos>"])])
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<bos>", eos_token="<eos>",
                                   pad_token="<pad>", unk_token="<unk>")


def make_model(size: str, tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=len(tokenizer), max_position_embeddings=MAX_LEN,
                         bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
                         **SIZES[size])
    return LlamaForCausalLM(config)


def prompt_of(problem_text: str) -> str:
    """What a lab model sees before it writes the solution."""
    return f"{problem_text}\n"


def training_text(problem: LabProblem) -> tuple[str, str]:
    return prompt_of(problem.text), problem.solution


LAB_MODELS = {"lab-wc": DATA_DIR / "wc", "lab-se": DATA_DIR / "se", "lab-tiny": DATA_DIR / "tiny"}


def model_choice(policy: str, name: str | None = None) -> ModelChoice:
    """A lab model by name (`lab-wc`, `lab-se`, `lab-tiny`) or a local model folder."""
    return ModelChoice(name or policy, path=str(LAB_MODELS.get(policy, policy)))


def lab_label(problem: Problem, solution: str) -> dict:
    """A sampled lab trace's exact first error as record fields (run_sampling's `label`); {}
    for a problem of another source."""
    return exact_label(problem.text, solution) if problem.source == LAB_SOURCE else {}
