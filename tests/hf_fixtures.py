"""Tiny Hugging Face checkpoints built with transformers, for tests and benchmarks.

`build_checkpoint(directory, arch)` writes a randomly initialised causal LM of architecture
`arch` ("llama", "qwen2", "qwen3", "mistral") in the standard layout (config.json +
model.safetensors); `shard_size` makes it sharded, `safe=False` writes pytorch_model.bin.
Nothing is downloaded.
"""

import torch
from transformers import (AutoModelForCausalLM, LlamaConfig, MistralConfig, Qwen2Config,
                          Qwen3Config)

_CONFIGS = {"llama": LlamaConfig, "qwen2": Qwen2Config, "qwen3": Qwen3Config,
            "mistral": MistralConfig}

TINY = dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
            bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)


def tiny_config(arch="llama", **overrides):
    """A transformers config of a tiny model of `arch`."""
    values = dict(TINY, **overrides)
    if arch in ("qwen3", "mistral"):
        values.setdefault("head_dim", values["hidden_size"] // values["num_attention_heads"])
    return _CONFIGS[arch](**values)


def build_checkpoint(directory, arch="llama", seed=0, shard_size=None, safe=True, **overrides):
    """Write a tiny random `arch` model into `directory`; returns the directory as a string."""
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(tiny_config(arch, **overrides))
    with torch.no_grad():  # larger weights than the default init give peaked, tie-free logits
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0.0, 0.2)
    if not safe:  # transformers only writes safetensors: write the legacy layout by hand
        model.config.save_pretrained(directory)
        torch.save(model.state_dict(), f"{directory}/pytorch_model.bin")
    elif shard_size:
        model.save_pretrained(directory, max_shard_size=shard_size)
    else:
        model.save_pretrained(directory)
    return str(directory)


def reference_model(directory, **kwargs):
    """The same checkpoint loaded directly with transformers, in eval mode."""
    return AutoModelForCausalLM.from_pretrained(directory, local_files_only=True, **kwargs).eval()
