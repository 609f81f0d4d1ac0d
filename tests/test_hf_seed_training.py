"""The seeds' LoRA training programs, run as LispE programs on a tiny Llama:

- seed 000 "Complete LoRA Training Tutorial": its classes as written in the seed, with the
  parts the seed leaves out completed (`setup_components`, the body of `train`);
- seed 003 "Complete Training Pipeline": its functions as written in the seed, with the
  glue it leaves out (data, loss, loop).

Both train with gradient accumulation, clipping, a warmup-cosine scheduler, validation under
`(torch_set_grad_enabled false)` and checkpoints, and the loss goes down. The tokenizer is the
bundled model's (Llama 3 layout), the data the seed's dataset (first samples only), the model
a 2-layer Llama with hidden size 32; learning rates suit that model.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
import torch

from hf_fixtures import build_checkpoint
from lispe import Lisp
from lispe.models import default_model_path

DATASET = Path(__file__).resolve().parents[2] / "shared" / "data" / "tamgu_dataset.json"

TUTORIAL = r'''
(use 'lispe_torch)
(use 'lispe_tiktoken)
(torch_manual_seed 0)

; LoRA configuration
(setq lora-config (dictionary
    "rank" 16
    "alpha" 32
    "target_modules" (strings "q_proj" "k_proj" "v_proj" "o_proj")
))

; Training configuration (a tiny model: larger learning rate, short warmup)
(setq training-config (dictionary
    "learning_rate" 1e-2
    "weight_decay" 0.01
    "num_epochs" 3
    "batch_size" 1
    "gradient_accumulation_steps" 4
    "max_seq_length" 96
    "logging_steps" 10
    "save_steps" 100
    "eval_steps" 50
    "warmup_steps" 2
    "max_grad_norm" 1.0
    "scheduler_type" "linear_warmup_cosine"
    "min_lr" 1e-6
    "device" "mps"
))

; TikToken tokenizer class for Llama models (as in the seed)
(class@ TiktokenTokenizer (tokenizer_path init)
    (defun configure()
        (setq spec_tokens (json_parse (fread (+ tokenizer_path "/special_tokens_map.json"))))
        (setq tok_file (json_parse (fread (+ tokenizer_path "/tokenizer.json"))))
        (setqi bos_token (@ spec_tokens "bos_token" "content"))
        (setqi eos_token (@ spec_tokens "eos_token" "content"))
        (setq pattern (@ tok_file "pre_tokenizer" "pretokenizers" 0 "pattern" "Regex"))
        (setqi tokenizer_obj (tiktoken_create
            (@ tok_file "model" "vocab")
            (@ tok_file "added_tokens")
            pattern))
        (setqi bos_id (tiktoken_special_encode tokenizer_obj bos_token))
        (setqi eos_id (tiktoken_special_encode tokenizer_obj eos_token))
        (setqi pad_id 0)
        (printerrln "Tokenizer configured - vocab size:" (tiktoken_vocab_size tokenizer_obj))
    )

    (defun encode_chat_format(instruction response)
        (setq formatted_text (+
            "<|begin_of_text|>"
            "<|start_header_id|>system<|end_header_id|>\n\n"
            "You are a helpful assistant knowledgeable about programming languages."
            "<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\n"
            instruction
            "<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n"
            response
            "<|eot_id|>"
        ))
        (setq tokens (tiktoken_encode tokenizer_obj formatted_text))
        (pushfirst tokens bos_id)
        (if (> (size tokens) (@ training-config "max_seq_length"))
            (setq tokens (@@ tokens 0 (@ training-config "max_seq_length")))
        )
        tokens
    )

    (defun decode(token_ids)
        (tiktoken_decode tokenizer_obj token_ids)
    )
)

; Dataset manager class (as in the seed)
(class@ DatasetManager (dataset_path tiktokenizer init)
    (defun configure()
        (setq raw_data (json_parse (fread dataset_path)))
        (setqi samples (list))
        (setqi validation_samples (list))
        (setq total_size (size raw_data))
        (setq train_size (floor (* total_size 0.8)))
        (loopcount total_size i
            (setq sample (@ raw_data i))
            (setq instruction (@ sample "instruction"))
            (setq response (@ sample "response"))
            (setq tokens (tiktokenizer TiktokenTokenizer
                (encode_chat_format instruction response)))
            (setq token_tensor (tensor_create tokens))
            (if (< i train_size)
                (push samples token_tensor)
                (push validation_samples token_tensor)
            )
        )
        (printerrln "Dataset prepared:" (size samples) "train," (size validation_samples) "validation")
    )

    (defun get_batch(start_idx batch_size)
        (setq batch (list))
        (setq end_idx (min (+ start_idx batch_size) (size samples)))
        (loopcount (- end_idx start_idx) i
            (push batch (@ samples (+ start_idx i)))
        )
        batch
    )

    (defun get_validation_batch(max_samples)
        (setq val_batch (list))
        (setq num_samples (min max_samples (size validation_samples)))
        (loopcount num_samples i
            (push val_batch (@ validation_samples i))
        )
        val_batch
    )
)

; Language modeling loss calculator (as in the seed)
(class@ LossCalculator (init)
    (defun calculate_language_modeling_loss(logits input_tokens)
        (setq logits_shape (tensor_shape logits))
        (setq batch_size (@ logits_shape 0))
        (setq seq_len (@ logits_shape 1))
        (setq vocab_size (@ logits_shape 2))
        (check (> seq_len 1)
            (setq pred_logits (tensor_slice logits 1 0 (- seq_len 1)))
            (setq target_tokens (tensor_slice input_tokens 1 1 seq_len))
            (setq pred_flat (tensor_reshape pred_logits
                (integers (* batch_size (- seq_len 1)) vocab_size)))
            (setq target_flat (tensor_reshape target_tokens
                (integers (* batch_size (- seq_len 1)))))
            (setq loss (torch_cross_entropy pred_flat target_flat))
            (torch_mps_synchronize)
            loss
        )
    )
)

; Main LoRA trainer class: the seed's methods, plus setup_components and the body of train
(class@ LoRATrainerV2 (model_path tokenizer_path dataset_path config)
    (defun configure()
        (setqi model_name "llama31_lora")
        (setqi optimizer nil)
        (setqi scheduler nil)
        (setqi global_step 0)
        (setqi best_loss 1000.0)
        true
    )

    (defun load_model()
        (torch_hf_load_model_lora
            model_name
            model_path
            (dictionary "device" (@ config "device")))
        (setq memory_usage (torch_hf_memory_usage model_name))
        (setq memory_gb (/ memory_usage 1073741824.0))
        (printerrln "Model loaded:" model_name "memory:" memory_gb "GB")
        true
    )

    (defun setup_lora()
        (torch_hf_lora_init
            model_name
            (@ lora-config "rank")
            (@ lora-config "alpha")
            (@ lora-config "target_modules")
            "bfloat16")
        (setq lora_params (torch_hf_lora_get_parameters model_name))
        (printerrln "LoRA parameters:" (size lora_params) "tensors")
        lora_params
    )

    (defun setup_components()
        (setq tok (TiktokenTokenizer tokenizer_path (configure)))
        (setqi dataset (DatasetManager dataset_path tok (configure)))
        (setqi loss_calculator (LossCalculator true))
        (setqi optimizer (torch_optimizer_add_params (setup_lora)
            (@ config "learning_rate") (@ config "weight_decay")))
        (setq updates_per_epoch (integer (ceil (/ (size (@ dataset 'samples))
            (@ config "gradient_accumulation_steps")))))
        (setqi scheduler (torch_lr_scheduler optimizer (@ config "scheduler_type")
            (dictionary
                "initial_lr" (@ config "learning_rate")
                "min_lr" (@ config "min_lr")
                "total_steps" (* updates_per_epoch (@ config "num_epochs"))
                "warmup_steps" (@ config "warmup_steps"))))
        true
    )

    (defun train_step(input_tensor is_accumulating)
        (check (not is_accumulating)
            (torch_optimizer_zero_grad optimizer)
        )
        (setq input_2d (tensor_reshape input_tensor (integers 1 -1)))
        (setq output (torch_hf_forward model_name input_2d))
        (setq loss (loss_calculator LossCalculator
            (calculate_language_modeling_loss output input_2d)))
        (check loss
            (setq accum_steps (@ config "gradient_accumulation_steps"))
            (setq scaled_loss (tensor_div loss (tensor_create (floats accum_steps))))
            (torch_backward scaled_loss)
            (torch_mps_synchronize)
            loss
        )
    )

    (defun validate()
        (torch_set_grad_enabled false)
        (setq total_loss 0.0)
        (setq val_batch (dataset DatasetManager (get_validation_batch 4)))
        (loop input_tensor val_batch
            (setq input_2d (tensor_reshape input_tensor (integers 1 -1)))
            (setq output (torch_hf_forward model_name input_2d))
            (setq loss (loss_calculator LossCalculator
                (calculate_language_modeling_loss output input_2d)))
            (+= total_loss (tensor_item loss)))
        (torch_set_grad_enabled true)
        (/ total_loss (size val_batch))
    )

    (defun train()
        (setq num_epochs (@ config "num_epochs"))
        (setq batch_size (@ config "batch_size"))
        (setq accum_steps (@ config "gradient_accumulation_steps"))
        (setqi losses (list))
        (setqi validation_losses (list (validate)))
        (setq step 0)
        (loopcount num_epochs epoch
            (setq epoch_loss 0.0)
            (setq count (size (@ dataset 'samples)))
            (loopcount count idx
                (setq batch (dataset DatasetManager (get_batch idx batch_size)))
                (setq loss (train_step (@ batch 0) (!= (% step accum_steps) 0)))
                (+= epoch_loss (tensor_item loss))
                (check (== (% (+ step 1) accum_steps) 0)
                    (torch_clip_grad_norm optimizer (@ config "max_grad_norm"))
                    (torch_optimizer_step optimizer)
                    (torch_scheduler_step scheduler)
                    (torch_optimizer_zero_grad optimizer)
                    (setqi global_step (+ global_step 1)))
                (+= step 1))
            (push losses (/ epoch_loss count))
            (push validation_losses (validate))
            (torch_hf_lora_save model_name (+ checkpoint_dir "/epoch_" epoch ".pt"))
            (printerrln "Epoch" (+ epoch 1) "loss" (last losses) "validation" (last validation_losses)))
        (torch_hf_lora_save model_name output_dir)
        true
    )
)

(setq trainer (LoRATrainerV2 model-path tiktoken-path dataset-path training-config))
(withclass LoRATrainerV2
    (trainer (configure))
    (if (trainer (load_model))
        (if (trainer (setup_components))
            (if (trainer (train))
                (printerrln "LoRA fine-tuning completed successfully!")
                (printerrln "Training failed"))
            (printerrln "Component setup failed"))
        (printerrln "Model loading failed")))
(list (@ trainer 'losses) (@ trainer 'validation_losses) (@ trainer 'global_step))
'''

PIPELINE = r'''
(use 'lispe_torch)
(use 'lispe_tiktoken)
(torch_manual_seed 1)

; Configuration (seed 003; a tiny model: larger learning rate, short warmup)
(setq lora-config (dictionary
    "rank" 16
    "alpha" 32
    "target_modules" (strings "q_proj" "k_proj" "v_proj" "o_proj")
))
(setq training-config (dictionary
    "learning_rate" 1e-2
    "weight_decay" 0.01
    "num_epochs" 3
    "batch_size" 1
    "gradient_accumulation_steps" 4
    "max_seq_length" 96
    "logging_steps" 10
    "save_steps" 100
    "eval_steps" 50
    "warmup_steps" 2
    "max_grad_norm" 1.0
    "scheduler_type" "linear_warmup_cosine"
    "min_lr" 1e-6
    "device" "mps"
))

; Model Loading and LoRA Setup (seed 003)
(torch_hf_load_model_lora
    "llama31_lora"
    model_path
    (dictionary "device" (@ training-config "device")))
(torch_hf_lora_init
    "llama31_lora"
    (@ lora-config "rank")
    (@ lora-config "alpha")
    (@ lora-config "target_modules")
    "bfloat16")
(setq lora_params (torch_hf_lora_get_parameters "llama31_lora"))
(println "LoRA parameters:" (size lora_params) "tensors")

; The data and the loss the seed assumes
(setq tok_file (json_parse (fread (+ tokenizer_path "/tokenizer.json"))))
(setq tokenizer (tiktoken_create (@ tok_file "model" "vocab") (@ tok_file "added_tokens")
    (@ tok_file "pre_tokenizer" "pretokenizers" 0 "pattern" "Regex")))
(defun encode_sample(sample)
    (setq tokens (tiktoken_encode tokenizer (+ (@ sample "instruction") "\n" (@ sample "response"))))
    (tensor_create (@@ tokens 0 (min (size tokens) (@ training-config "max_seq_length")))))

(class@ DatasetManager (samples validation_samples)
    (defun get_validation_batch(max_samples)
        (@@ validation_samples 0 (min max_samples (size validation_samples)))))

(defun calculate_loss(logits input_2d)
    (setq seq_len (@ (tensor_shape logits) 1))
    (setq vocab_size (@ (tensor_shape logits) 2))
    (check (> seq_len 1)
        (torch_cross_entropy
            (tensor_reshape (tensor_slice logits 1 0 (- seq_len 1)) (integers (- seq_len 1) vocab_size))
            (tensor_reshape (tensor_slice input_2d 1 1 seq_len) (integers (- seq_len 1))))))

; Training Step (seed 003)
(defun train_step(input_tensor is_accumulating optimizer config)
    ; Zero gradients at the start of new accumulation
    (check (not is_accumulating)
        (torch_optimizer_zero_grad optimizer))

    ; Forward pass - LoRA applied automatically
    (setq input_2d (tensor_reshape input_tensor (integers 1 -1)))
    (setq output (torch_hf_forward "llama31_lora" input_2d))

    ; Calculate loss
    (setq loss (calculate_loss output input_2d))

    (check loss
        ; Scale loss by accumulation steps
        (setq accum_steps (@ config "gradient_accumulation_steps"))
        (setq scaled_loss (tensor_div loss (tensor_create (floats accum_steps))))

        ; Backward pass
        (torch_backward scaled_loss)

        ; Synchronize GPU memory
        (torch_mps_synchronize)

        loss))

; Weight Update (seed 003)
(defun should_update_weights(accumulation_step optimizer scheduler config)
    (setq accum_steps (@ config "gradient_accumulation_steps"))
    (setq should_update (== (% (+ accumulation_step 1) accum_steps) 0))

    (check should_update
        ; Gradient clipping
        (setq max_norm (@ config "max_grad_norm"))
        (check (> max_norm 0)
            (torch_clip_grad_norm optimizer max_norm))

        ; Optimizer and scheduler step
        (torch_optimizer_step optimizer)
        (torch_scheduler_step scheduler)

        ; Zero gradients after update
        (torch_optimizer_zero_grad optimizer))

    should_update)

; Validation (seed 003)
(defun validate(model_name dataset_manager loss_calculator)
    ; Disable gradient computation
    (torch_set_grad_enabled false)

    (setq total_loss 0.0)
    (setq num_samples 5)

    (loopcount num_samples i
        (setq val_batch (dataset_manager DatasetManager (get_validation_batch 1)))
        (check (> (size val_batch) 0)
            (setq input_tensor (@ val_batch 0))
            (setq input_2d (tensor_reshape input_tensor (integers 1 -1)))
            (setq output (torch_hf_forward model_name input_2d))
            (setq loss (calculate_loss output input_2d))
            (check loss
                (+= total_loss (@ loss 0))))
        (torch_mps_synchronize))

    ; Re-enable gradient computation
    (torch_set_grad_enabled true)

    (/ total_loss num_samples))

; Checkpoint Saving (seed 003)
(defun save_checkpoint(model_name epoch checkpoint_dir lora_config training_config)
    (setq checkpoint_path (+ checkpoint_dir "/lora_adapters_epoch_" (string epoch) ".pt"))

    ; Save only LoRA adapters (lightweight!)
    (torch_hf_lora_save model_name checkpoint_path)

    ; Save metadata
    (setq checkpoint_info (dictionary
        "epoch" epoch
        "lora_config" lora_config
        "training_config" training_config))

    (setq info_file (+ checkpoint_dir "/training_info_epoch_" (string epoch) ".json"))
    (fwrite info_file (json checkpoint_info))

    (println "Checkpoint saved:" checkpoint_path))

; Optimizer and Scheduler (seed 003)
(setq raw_data (json_parse (fread dataset-path)))
(setq train_samples (list))
(setq validation_samples (list))
(loopcount (size raw_data) i
    (if (< i (* 0.8 (size raw_data)))
        (push train_samples (encode_sample (@ raw_data i)))
        (push validation_samples (encode_sample (@ raw_data i)))))
(setq dataset_manager (DatasetManager train_samples validation_samples))
(setq total_steps (* (@ training-config "num_epochs")
    (integer (ceil (/ (size train_samples) (@ training-config "gradient_accumulation_steps"))))))

(setq optimizer (torch_optimizer_add_params
    lora_params
    (@ training-config "learning_rate")
    (@ training-config "weight_decay")))

(setq scheduler (torch_lr_scheduler optimizer (@ training-config "scheduler_type")
    (dictionary
        "initial_lr" (@ training-config "learning_rate")
        "min_lr" (@ training-config "min_lr")
        "total_steps" total_steps
        "warmup_steps" (@ training-config "warmup_steps"))))

; The training loop the seed describes
(setq validation_losses (list (validate "llama31_lora" dataset_manager nil)))
(setq epoch_losses (list))
(setq accumulation_step 0)
(loopcount (@ training-config "num_epochs") epoch
    (setq epoch_loss 0.0)
    (loop input_tensor train_samples
        (setq loss (train_step input_tensor
            (!= (% accumulation_step (@ training-config "gradient_accumulation_steps")) 0)
            optimizer training-config))
        (+= epoch_loss (tensor_item loss))
        (should_update_weights accumulation_step optimizer scheduler training-config)
        (+= accumulation_step 1))
    (push epoch_losses (/ epoch_loss (size train_samples)))
    (push validation_losses (validate "llama31_lora" dataset_manager nil))
    (save_checkpoint "llama31_lora" epoch checkpoint_dir lora-config training-config))
(list epoch_losses validation_losses (torch_scheduler_get_lr scheduler))
'''


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A tiny Llama with the bundled tokenizer's vocabulary, that tokenizer, a small dataset."""
    if not DATASET.is_file():
        pytest.skip(f"the seed's dataset is not at {DATASET}")
    root = tmp_path_factory.mktemp("seed_training")
    vocab = json.load(open(os.path.join(default_model_path(), "config.json")))["vocab_size"]
    model = build_checkpoint(root / "model", "llama", seed=0, vocab_size=vocab)
    tokenizer = root / "tokenizer"
    tokenizer.mkdir()
    for name in ("tokenizer.json", "special_tokens_map.json"):
        shutil.copyfile(os.path.join(default_model_path(), name), tokenizer / name)
    samples = json.load(open(DATASET))[:10]
    (root / "dataset.json").write_text(json.dumps(samples))
    (root / "checkpoints").mkdir()
    return root, model, str(tokenizer)


def program(text, **variables):
    header = "".join(f'(setq {name} "{value}")\n' for name, value in variables.items())
    return header + text


def test_seed_000_lora_tutorial_trains(workspace):
    root, model, tokenizer = workspace
    losses, validation, steps = Lisp().eval(program(
        TUTORIAL, **{"model-path": model, "tiktoken-path": tokenizer,
                     "dataset-path": root / "dataset.json",
                     "checkpoint_dir": root / "checkpoints", "output_dir": root / "adapters"}))
    assert steps == 6  # 8 training samples, accumulation 4, 3 epochs
    assert losses[-1] < losses[0] and validation[-1] < validation[0]
    assert (root / "checkpoints" / "epoch_2.pt").is_file()
    assert (root / "adapters" / "adapter_model.safetensors").is_file()
    saved = torch.load(root / "checkpoints" / "epoch_2.pt", weights_only=True)
    assert len(saved) == 2 * 2 * 4 and all(t.dtype == torch.bfloat16 for t in saved.values())


def test_seed_003_training_pipeline_trains(workspace):
    root, model, tokenizer = workspace
    checkpoints = root / "pipeline_checkpoints"
    checkpoints.mkdir()
    losses, validation, rate = Lisp().eval(program(
        PIPELINE, model_path=model, tokenizer_path=tokenizer,
        **{"dataset-path": root / "dataset.json", "checkpoint_dir": checkpoints}))
    assert losses[-1] < losses[0] and validation[-1] < validation[0]
    assert rate < 1e-2  # the cosine schedule went down
    info = json.loads((checkpoints / "training_info_epoch_2.json").read_text())
    assert info["epoch"] == 2 and info["lora_config"]["rank"] == 16
    assert (checkpoints / "lora_adapters_epoch_2.pt").is_file()
