"""Every program in examples/ runs as a user runs it, and does its job.

Each example runs in quick mode (`LISPE_EXAMPLE_QUICK=1`: fewer steps, smaller sizes) in a
fresh directory, with stdin closed (the interactive example gets one prompt, then end of file).
It must exit with status 0 and print what shows that it did its job: losses that decrease,
adapters saved in the PEFT layout, outputs that agree with each other...  The main job
(lora_tutorial) runs through the real `lispe` command, with lispe's default threads; the others
run the command's `main` in this process (the `lispe_command` fixture of conftest.py), which
saves the start-up of a process that imports torch.

Adding an example means adding its checks to CHECKS; `test_every_example_is_checked` fails
until then.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ENV = {"LISPE_EXAMPLE_QUICK": "1", "LISPE_DEBUG": "0"}
REAL_COMMAND = {"lora_tutorial"}


def run_real_command(name, cwd, stdin):
    env = dict(os.environ, **ENV,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "lispe.cli", str(EXAMPLES / f"{name}.lisp")],
                          input=stdin, capture_output=True, text=True, timeout=900, cwd=cwd, env=env)


def first_and_last(label, text):
    """The two numbers of the line `<label> first <a> -> last <b>` (any words between)."""
    match = re.search(re.escape(label) + r"[^\n]*?(-?[\d.]+(?:e[-+]?\d+)?)\s*->[^\n]*?(-?[\d.]+(?:e[-+]?\d+)?)\s*$",
                      text, re.MULTILINE)
    assert match, f"no line starting with {label!r} in:\n{text}"
    return float(match.group(1)), float(match.group(2))


def number_after(label, text):
    match = re.search(re.escape(label) + r"\s*(-?[\d.]+(?:e[-+]?\d+)?)", text)
    assert match, f"no number after {label!r} in:\n{text}"
    return float(match.group(1))


def contains(*markers):
    def check(out, err, cwd):
        for marker in markers:
            assert marker in out, f"{marker!r} missing from the output:\n{out}"
    return check


def check_lora_tutorial(out, err, cwd):
    first, last = first_and_last("Training loss:", out)
    assert last < first
    assert number_after("Validation loss after training:", out) < number_after(
        "Validation loss before training:", out)
    assert "| best epoch:" in out and "Best adapters so far: lispe_lora_adapters" in err
    assert "LoRA adapters saved (PEFT format): lispe_lora_adapters" in out
    assert err.count("Device:") == 1 and "not available" not in err   # one device message
    adapters = cwd / "lispe_lora_adapters"
    config = json.loads((adapters / "adapter_config.json").read_text())
    assert config["r"] == 16 and config["lora_alpha"] == 32
    assert set(config["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj",
                                             "gate_proj", "up_proj", "down_proj"}
    assert (adapters / "adapter_model.safetensors").is_file()
    info = json.loads((cwd / "lispe_lora_checkpoints" / "epoch_1" / "training_info.json").read_text())
    assert info["epoch"] == 1 and info["best_epoch"] in (0, 1)
    assert out.count("Adapters disabled:") == 4 and out.count("Adapters enabled:") == 4
    assert "Question (held out, never trained on):" in out
    assert "step 4/4" in err and "tokens/s" in err and "| lr " in err


def check_lora_guide(out, err, cwd):
    assert number_after("Validation loss after training:", out) < number_after(
        "Validation loss before training:", out)
    assert (cwd / "checkpoints" / "lora_adapters_epoch_1.pt").is_file()
    assert json.loads((cwd / "checkpoints" / "training_info_epoch_1.json").read_text())["epoch"] == 1
    contains("Merged logits differ", "Switching adapters changes the logits: true",
             "Adapters change the base model's logits: true", "LoRA guide done")(out, err, cwd)
    assert number_after("Merged logits differ from unmerged by at most:", out) < 1e-3


def check_lora_basic(out, err, cwd):
    first, last = first_and_last("LoRA training loss:", out)
    assert last < first
    assert number_after("Largest change from merging:", out) < 1e-4
    contains("Production layer equals the merged LoRA layer: true", "Basic LoRA pipeline done")(
        out, err, cwd)


def check_interactive(out, err, cwd):
    contains("Prompt (or 'quit' to exit): ", "Generating...", "Response: ",
             "Generation complete.")(out, err, cwd)
    assert out.count("Prompt (or 'quit' to exit): ") == 2   # the prompt, then end of input


def check_generation(out, err, cwd):
    contains("Decoded text: <|begin_of_text|>Hello, how are you?", "greedy: ", "top-k: ",
             "top-p: ", "callback generated", "Generated token:",
             "generator beam search:", "strategy result:", "Generation examples done")(out, err, cwd)
    assert "callback (stderr): " in err and "Error" not in err.split("callback (stderr): ")[1]


def check_decreasing(label, *markers):
    def check(out, err, cwd):
        first, last = first_and_last(label, out)
        assert last < first
        contains(*markers)(out, err, cwd)
    return check


def check_quantization(out, err, cwd):
    assert number_after("INT8 reconstruction error:", out) < 1e-3
    assert number_after("Quantization relative error:", out) < 0.05
    contains("3 scales for 64 channels: Error", "Per-channel quantized: qint8 (64 3 3 3)",
             "Quantization examples done")(out, err, cwd)


def check_persistence(out, err, cwd):
    contains("Loaded layer computes like the saved one: true",
             "Deployed embedding equals the trained one: true", "PyTorch State Dict (2 parameters)",
             "Persistence examples done")(out, err, cwd)
    for name in ("linear_layer.pt", "checkpoint_epoch_90.pt", "final_embedding.pt", "checkpoint.pt"):
        assert (cwd / name).is_file()


def check_sentencepiece(out, err, cwd):
    contains("Padded sequences shape: (3 25)", "Transformer output shape: (3 25 128)",
             "Perfect reconstruction: true", "Complete SentencePiece pipeline successful")(out, err, cwd)
    assert (cwd / "my_tokenizer.model").is_file()


def check_hf_lora_finetune(out, err, cwd):
    contains("Logits shape:", "Fine-tuned model: llama_ft")(out, err, cwd)
    for epoch in range(3):
        assert (cwd / "checkpoints" / f"epoch_{epoch}" / "adapter_config.json").is_file()
        assert (cwd / "lora_output" / f"epoch_{epoch}" / "adapter_model.safetensors").is_file()


def check_distributed_lora(out, err, cwd):
    assert number_after("Validation loss after training:", out) < \
        number_after("Validation loss before training:", out)
    contains("LoRA adapters saved (PEFT format):")(out, err, cwd)
    assert (cwd / "distributed_lora_adapters" / "adapter_config.json").is_file()


CHECKS = {
    "lora_tutorial": check_lora_tutorial,
    "distributed_lora": check_distributed_lora,
    "lora_guide": check_lora_guide,
    "lora_basic": check_lora_basic,
    "interactive_generation": check_interactive,
    "generation": check_generation,
    "hf_lora_finetune": check_hf_lora_finetune,
    "mlp_training": check_decreasing("MLP loss:", "Classifier: PyTorch Model", "MLP examples done"),
    "transformer_training": check_decreasing("Transformer loss:", "Transformer training completed!"),
    "neural_networks": contains("Transformer block output shape: (4 128 512)",
                                "Neural network examples done"),
    "tensor_basics": contains("at: 10 30 50 40", "Out of bounds: Error", "Tensor basics done"),
    "quantization": check_quantization,
    "flash_attention": contains("Causal mask and is_causal agree: true", "Flash attention examples done"),
    "positional_encoding": contains("Pipeline output shape: (1 128 128)",
                                    "RoPE attention output shape: (2 128 64)",
                                    "Positional encoding examples done"),
    "persistence": check_persistence,
    "sentencepiece_pipeline": check_sentencepiece,
    "llama_preparation": contains("Using domain-adapted SentencePiece tokenizer",
                                  "Data: Preprocessed and padded ( 3 examples)",
                                  "Llama-sized transformer block: PyTorch Transformer Block"),
}

STDIN = {"interactive_generation": "How do I create a tensor in LispE?\n"}


def test_every_example_is_checked():
    assert sorted(p.stem for p in EXAMPLES.glob("*.lisp")) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example_runs(name, tmp_path, lispe_command):
    stdin = STDIN.get(name, "")
    if name in REAL_COMMAND:
        result = run_real_command(name, tmp_path, stdin)
    else:
        result = lispe_command(EXAMPLES / f"{name}.lisp", stdin=stdin, cwd=tmp_path, env=ENV)
    assert result.returncode == 0, f"exit {result.returncode}\n--- stdout\n{result.stdout[-3000:]}\n" \
                                   f"--- stderr\n{result.stderr[-3000:]}"
    CHECKS[name](result.stdout, result.stderr, tmp_path)
