"""Models bundled with the lispe package.

`default_model_path()` gives the folder of the default model, a tiny Llama-architecture causal
LM in Hugging Face format (config.json, model.safetensors, tokenizer.json, ...; see README.md
beside this file), so that scripts and tests find it without knowing where lispe is installed.
This module only locates files: loading them is the job of transformers / lispe_torch.
"""

import os

DEFAULT_MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json",
                       "tokenizer_config.json", "special_tokens_map.json",
                       "generation_config.json")


def default_model_path():
    """The directory of the bundled default model, without a trailing separator."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "default")
