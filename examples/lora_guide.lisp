; The LoRA fine-tuning guide (seed 003) as one program, on the bundled model:
; quick start, the Hugging Face LoRA API, the complete training pipeline (train_step,
; should_update_weights, validate, save_checkpoint, optimizer and scheduler), memory
; management and production deployment (merge, adapter switching, enable/disable).
;
;     lispe examples/lora_guide.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/lora_guide.lisp   (a few samples only)
;
; What changed from the seed: the model is the bundled one and the data are the project's
; dataset (examples/data/lispe_qa.json), encoded with the tokenizer class of seed 000; the
; seed's "calculate_loss" and "DatasetManager" (used but not shown in seed 003) are written
; out; the adapters use the model's dtype (float32) instead of bfloat16; a small model wants
; a larger learning rate and fewer warmup steps; the "checkpoints" directory is created
; before use; the seed's variable "input" is named "input_ids" ("input" is a builtin);
; files are written in the current directory.

(use 'lispe_torch)
(use 'lispe_tiktoken)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(torch_manual_seed 3)
(setq model_path (torch_default_model_path))

; === The data: the project's dataset, in the chat format of seed 000 ===

(class@ TiktokenTokenizer (tokenizer_path init)
    (defun configure()
        (setq spec_tokens (json_parse (fread (+ tokenizer_path "/special_tokens_map.json"))))
        (setq tok_file (json_parse (fread (+ tokenizer_path "/tokenizer.json"))))
        (setqi tokenizer_obj (tiktoken_create
            (@ tok_file "model" "vocab")
            (@ tok_file "added_tokens")
            (@ tok_file "pre_tokenizer" "pretokenizers" 0 "pattern" "Regex")))
        (setqi bos_id (tiktoken_special_encode tokenizer_obj (@ spec_tokens "bos_token" "content")))
        true
    )

    (defun encode_chat_format(instruction response)
        (setq tokens (tiktoken_encode tokenizer_obj (+
            "<|start_header_id|>user<|end_header_id|>\n\n" instruction "<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n" response "<|eot_id|>")))
        (pushfirst tokens bos_id)
        tokens
    )
)

(class@ DatasetManager (dataset_path tiktokenizer max_samples init)
    (defun configure()
        (setq raw_data (json_parse (fread dataset_path)))
        (setqi samples (list))
        (setqi validation_samples (list))
        (setq total_size (min max_samples (size raw_data)))
        (setq train_size (floor (* total_size 0.8)))
        (loopcount total_size i
            (setq sample (@ raw_data i))
            (setq tokens (tiktokenizer TiktokenTokenizer
                (encode_chat_format (@ sample "instruction") (@ sample "response"))))
            (if (< i train_size)
                (push samples (tensor_create tokens))
                (push validation_samples (tensor_create tokens))))
        true
    )

    (defun get_batch(start_idx batch_size)
        (setq batch (list))
        (loopcount (- (min (+ start_idx batch_size) (size samples)) start_idx) i
            (push batch (@ samples (+ start_idx i))))
        batch
    )

    (defun get_validation_batch(max_samples)
        (setq val_batch (list))
        (loopcount (min max_samples (size validation_samples)) i
            (push val_batch (@ validation_samples i)))
        val_batch
    )

    (defun train_count()
        (size samples)
    )
)

(setq tokenizer (TiktokenTokenizer model_path))
(withclass TiktokenTokenizer (tokenizer (configure)))
(setq dataset_manager (DatasetManager (+ _current "data/lispe_qa.json") tokenizer (if quick 10 40)))
(withclass DatasetManager (dataset_manager (configure)))

; Next-token language-modelling loss of a [1, S, V] output on its [1, S] input
(defun calculate_loss(output input_2d)
    (setq seq_len (@ (tensor_shape input_2d) 1))
    (setq vocab_size (@ (tensor_shape output) 2))
    (check (> seq_len 1)
        (torch_cross_entropy
            (tensor_reshape (tensor_slice output 1 0 (- seq_len 1)) (integers -1 vocab_size))
            (tensor_reshape (tensor_slice input_2d 1 1 seq_len) (integers -1))))
)

(setq input_tensor (@ (dataset_manager DatasetManager (get_batch 0 1)) 0))

; === Quick Start: the HuggingFace LoRA API ===

; Load model with LoRA support
(torch_hf_load_model_lora "my_model" model_path (dictionary "device" "mps"))

; Initialize LoRA adapters
(torch_hf_lora_init "my_model" 16 32 (strings "q_proj" "k_proj" "v_proj" "o_proj") "float32")

; Get trainable parameters
(setq lora_params (torch_hf_lora_get_parameters "my_model"))

; Forward pass (LoRA applied automatically)
(setq output (torch_hf_forward "my_model" (tensor_reshape input_tensor (integers 1 -1))))
(println "Quick start output shape:" (tensor_shape output))

; Save adapters
(torch_hf_lora_save "my_model" "adapters.pt")

; === Complete Training Pipeline: configuration ===

; LoRA Configuration
(setq lora-config (dictionary
    "rank" 16
    "alpha" 32
    "target_modules" (strings "q_proj" "k_proj" "v_proj" "o_proj")
))

; Training Configuration
(setq training-config (dictionary
    "learning_rate" 2e-3
    "weight_decay" 0.01
    "num_epochs" (if quick 1 2)
    "batch_size" 1
    "gradient_accumulation_steps" 4
    "max_seq_length" 256
    "logging_steps" 10
    "save_steps" 100
    "eval_steps" 50
    "warmup_steps" 2
    "max_grad_norm" 1.0
    "scheduler_type" "linear_warmup_cosine"
    "min_lr" 1e-6
    "device" "mps"  ; "mps" for Apple Silicon, "cuda" for NVIDIA, "cpu" otherwise
))

; === Model Loading and LoRA Setup ===

; Load model with LoRA support
(torch_hf_load_model_lora
    "llama31_lora"
    model_path
    (dictionary "device" (@ training-config "device")))

; Initialize LoRA adapters
(torch_hf_lora_init
    "llama31_lora"
    (@ lora-config "rank")
    (@ lora-config "alpha")
    (@ lora-config "target_modules")
    "float32")

; Get trainable parameters
(setq lora_params (torch_hf_lora_get_parameters "llama31_lora"))
(println "LoRA parameters:" (size lora_params) "tensors")

; === Training Step ===

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

; === Weight Update ===

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

; === Validation ===

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

; === Checkpoint Saving ===

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

; === Optimizer and Scheduler ===

(setq num_train (dataset_manager DatasetManager (train_count)))
(setq total_steps (* (@ training-config "num_epochs")
    (integer (ceil (/ num_train (@ training-config "gradient_accumulation_steps"))))))

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
(println "Scheduler:" scheduler)

; === The training loop that ties the pieces together ===

(command "mkdir -p checkpoints")
(setq global_step 0)
(setq accumulation_step 0)
(setq first_validation (validate "llama31_lora" dataset_manager nil))
(println "Validation loss before training:" first_validation)

(loopcount (@ training-config "num_epochs") epoch
    (loopcount num_train sample_idx
        (setq batch (dataset_manager DatasetManager (get_batch sample_idx 1)))
        (setq is_accumulating (!= (% accumulation_step (@ training-config "gradient_accumulation_steps")) 0))
        (setq loss (train_step (@ batch 0) is_accumulating optimizer training-config))
        (check (should_update_weights accumulation_step optimizer scheduler training-config)
            (+= global_step 1)
            ; Monitor Training (seed 003, "Debugging")
            (setq loss (tensor_item loss))
            (println "Step" global_step
                "| Loss:" (round (* loss 10000) 10000)
                "| LR:" (torch_scheduler_get_lr scheduler)))
        (+= accumulation_step 1))
    (save_checkpoint "llama31_lora" (+ epoch 1) "checkpoints" lora-config training-config))

(setq last_validation (validate "llama31_lora" dataset_manager nil))
(println "Validation loss after training:" last_validation)

; === Memory Management ===

; Synchronize MPS/CUDA operations
(torch_mps_synchronize)

; Check number of tensors in memory
(println "Tensors in memory:" (tensor_in_memory))

; Check model memory usage
(setq memory_gb (/ (torch_hf_memory_usage "llama31_lora") 1073741824.0))
(println "Model memory:" memory_gb "GB")

; Use gradient accumulation for large effective batch sizes
(setq batch_size 1)
(setq gradient_accumulation_steps 4)
(setq effective_batch_size (* batch_size gradient_accumulation_steps))
(println "Effective batch size:" effective_batch_size)

; === Production Deployment ===

(setq input_ids (tensor_reshape input_tensor (integers 1 -1)))
(setq before_merge (torch_hf_forward "llama31_lora" input_ids))

; Option 1: Merged Weights - merge for optimal performance
(torch_hf_lora_merge "llama31_lora")

; Forward pass now has zero LoRA overhead
(setq output (torch_hf_forward "llama31_lora" input_ids))
(println "Merged logits differ from unmerged by at most:"
    (tensor_item (tensor_max (tensor_abs (tensor_sub output before_merge)))))

; Unmerge to continue training
(torch_hf_lora_unmerge "llama31_lora")

; Option 2: Adapter Switching - two task adapters, then switch between them
(torch_hf_lora_save "llama31_lora" "summarization_adapters.pt")
(torch_hf_lora_save "my_model" "translation_adapters.pt")

(torch_hf_lora_load "llama31_lora" "summarization_adapters.pt")
(setq summarization_logits (torch_hf_forward "llama31_lora" input_ids))

(torch_hf_lora_load "llama31_lora" "translation_adapters.pt")
(setq translation_logits (torch_hf_forward "llama31_lora" input_ids))
(println "Switching adapters changes the logits:"
    (> (tensor_item (tensor_max (tensor_abs (tensor_sub summarization_logits translation_logits)))) 0))

; Option 3: Enable/Disable LoRA - use base model only
(torch_hf_lora_enable "llama31_lora" false)
(setq base_logits (torch_hf_forward "llama31_lora" input_ids))

; Re-enable LoRA adapters
(torch_hf_lora_enable "llama31_lora" true)
(torch_hf_lora_load "llama31_lora" "summarization_adapters.pt")
(setq tuned_logits (torch_hf_forward "llama31_lora" input_ids))
(println "Adapters change the base model's logits:"
    (> (tensor_item (tensor_max (tensor_abs (tensor_sub tuned_logits base_logits)))) 0))

; Gradient Explosion: use gradient clipping
(torch_clip_grad_norm optimizer 1.0)

(println "Memory usage:" (/ (torch_hf_memory_usage "llama31_lora") 1073741824.0) "GB")
(println "LoRA guide done")
