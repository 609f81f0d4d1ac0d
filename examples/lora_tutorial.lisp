; The complete LoRA training tutorial of the LispE PyTorch guide (seed 000,
; "Complete LoRA Training Tutorial"), running end to end on the bundled model.
;
; It loads the bundled model with LoRA support, fine-tunes LoRA adapters on the project's
; instruction dataset (a progress bar on stderr shows step, loss, learning rate and tokens/s),
; keeps the adapters of the epoch with the lowest validation loss as a standard PEFT directory
; (early stopping), then answers questions with the adapters disabled and enabled: two of the
; training set, one held out for validation and one that is in no file.
;
;     lispe examples/lora_tutorial.lisp                        (1 to 2 minutes on 2 CPU cores)
;     LISPE_EXAMPLE_QUICK=1 lispe examples/lora_tutorial.lisp  (a few steps only)
;
; What changed from the seed, and why:
;   - the model and tokenizer are the bundled model (torch_default_model_path), the dataset is
;     examples/data/lispe_qa.json; adapters and checkpoints go to the current directory;
;   - the device is the best one present (torch_get_best_device) instead of "mps";
;   - every fifth sample is held out for validation instead of the last fifth: the dataset is
;     ordered by topic, and a validation set on other topics than training only gets worse;
;   - the hyper-parameters fit a small model on a CPU: a larger learning rate, and adapters on
;     the MLP projections too (seed 003's advice for "full attention + FFN"); the adapters use
;     the model's own dtype (float32) instead of the seed's bfloat16;
;   - early stopping: training stops when the validation loss has not improved for
;     "patience" epochs, and the adapters of the best epoch are the ones saved and used (more
;     epochs learn the training answers by heart and do worse on anything else);
;     a checkpoint is also saved every "save_every_epochs" epochs;
;   - the load configuration sets a repetition penalty, so that greedy answers of this small
;     model do not repeat one word until the token limit;
;   - the seed leaves out "setup_components" and the body of "train"; they are written here
;     with the pieces of the LoRA guide (seed 003): gradient accumulation, gradient clipping,
;     learning-rate scheduler, validation without gradients, checkpoints;
;   - the loss calculator is an object held by the trainer (a method cannot call a method of
;     another class without an instance of it).

; Load required libraries
(use 'lispe_torch)
(use 'lispe_tiktoken)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(torch_manual_seed 42)

; Global configuration
(setq model-path (torch_default_model_path))
(setq tiktoken-path (torch_default_model_path))
(setq dataset-path (+ _current "data/lispe_qa.json"))
(setq output-dir "lispe_lora_adapters")
(setq checkpoint-dir "lispe_lora_checkpoints")

; LoRA configuration - KEY POINT: parameters of the decomposition W' = W + α/r × B × A
(setq lora-config (dictionary
    "rank" 16                                          ; r: A is (r × d), B is (d × r)
    "alpha" 32                                         ; α: scale of the correction, α/r = 2
    "target_modules" (strings "q_proj" "k_proj" "v_proj" "o_proj"  ; attention projections
                              "gate_proj" "up_proj" "down_proj")  ; and the MLP ones
))

; Training configuration - sized for the bundled model on a CPU
(setq training-config (dictionary
    "learning_rate" 1e-3                               ; a small model needs a larger rate than an 8B one
    "weight_decay" 0.01
    "num_epochs" (if quick 2 12)                       ; at most: early stopping ends sooner
    "patience" 2                                       ; epochs without a better validation loss
    "batch_size" 1
    "gradient_accumulation_steps" 4                    ; simulates batch_size=4
    "max_seq_length" 256
    "max_train_samples" (if quick 8 0)                 ; 0: the whole training split
    "logging_steps" 50                                 ; steps between lines kept on stderr
    "save_steps" 100
    "save_every_epochs" (if quick 1 5)                 ; checkpoint period
    "eval_steps" 50
    "validation_samples" (if quick 2 24)               ; the whole validation split
    "warmup_steps" (if quick 0 30)
    "max_grad_norm" 1.0
    "scheduler_type" "linear_warmup_cosine"
    "min_lr" 1e-6
    "device" (torch_get_best_device)                   ; "mps" (Apple), "cuda" (NVIDIA) or "cpu"
))

; TikToken tokenizer class for Llama models
(class@ TiktokenTokenizer (tokenizer_path init)
    (defun configure()
        (printerrln "📝 Configuring the tiktoken tokenizer...")

        ; Load tokenizer configuration files
        (setq spec_tokens (json_parse (fread (+ tokenizer_path "/special_tokens_map.json"))))
        (setq tok_file (json_parse (fread (+ tokenizer_path "/tokenizer.json"))))

        ; Extract special tokens
        (setqi bos_token (@ spec_tokens "bos_token" "content"))
        (setqi eos_token (@ spec_tokens "eos_token" "content"))
        (setq pattern (@ tok_file "pre_tokenizer" "pretokenizers" 0 "pattern" "Regex"))

        ; Create tokenizer object
        (setqi tokenizer_obj (tiktoken_create
            (@ tok_file "model" "vocab")
            (@ tok_file "added_tokens")
            pattern))

        ; Get special token IDs
        (setqi bos_id (tiktoken_special_encode tokenizer_obj bos_token))
        (setqi eos_id (tiktoken_special_encode tokenizer_obj eos_token))
        (setqi eot_id (tiktoken_special_encode tokenizer_obj "<|eot_id|>"))
        (setqi end_id (tiktoken_special_encode tokenizer_obj "<|end_of_text|>"))
        (setqi pad_id 0)

        (printerrln "✓ Tokenizer configured - vocab size:" (tiktoken_vocab_size tokenizer_obj))
    )

    ; The chat template up to the start of the assistant's answer
    (defun chat_prompt(instruction)
        (+
            "<|begin_of_text|>"
            "<|start_header_id|>system<|end_header_id|>\n\n"
            "You are a helpful assistant knowledgeable about programming languages."
            "<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\n"
            instruction
            "<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n")
    )

    ; Format text in chat template format
    (defun encode_chat_format(instruction response)
        (setq formatted_text (+ (chat_prompt instruction) response "<|eot_id|>"))

        ; Encode and add BOS token
        (setq tokens (tiktoken_encode tokenizer_obj formatted_text))
        (pushfirst tokens bos_id)

        ; Truncate if too long
        (if (> (size tokens) (@ training-config "max_seq_length"))
            (setq tokens (@@ tokens 0 (@ training-config "max_seq_length")))
        )

        tokens
    )

    ; Encode a question alone, ready for the model to write the answer
    (defun encode_question(instruction)
        (setq tokens (tiktoken_encode tokenizer_obj (chat_prompt instruction)))
        (pushfirst tokens bos_id)
        tokens
    )

    ; The ids that end an answer
    (defun stop_ids()
        (integers eot_id eos_id end_id)
    )

    ; Decode tokens back to text
    (defun decode(token_ids)
        (tiktoken_decode tokenizer_obj token_ids)
    )
)

; Dataset manager class for handling training data
(class@ DatasetManager (dataset_path tiktokenizer init)
    (defun configure()
        (printerrln "📚 Loading dataset...")

        ; Load and parse JSON dataset
        (setq raw_data (json_parse (fread dataset_path)))
        (setqi samples (list))
        (setqi validation_samples (list))

        ; Split into train/validation (80/20): every fifth sample is held out
        (setq total_size (size raw_data))

        (printerrln "⚙️  Preparing samples...")
        (loopcount total_size i
            (setq sample (@ raw_data i))
            (setq instruction (@ sample "instruction"))
            (setq response (@ sample "response"))

            ; Tokenize using chat format
            (setq tokens (tiktokenizer TiktokenTokenizer
                (encode_chat_format instruction response)))
            (setq token_tensor (tensor_create tokens))

            ; Add to appropriate dataset
            (if (== (% i 5) 4)
                (push validation_samples token_tensor)
                (push samples token_tensor)
            )

            ; Progress indicator
            (if (== (% i 100) 0)
                (printerr ".")
            )
        )

        (printerrln "\n✓ Dataset prepared:")
        (printerrln "  • Train:" (size samples) "samples")
        (printerrln "  • Validation:" (size validation_samples) "samples")
    )

    (defun train_count()
        (size samples)
    )

    ; Get training batch
    (defun get_batch(start_idx batch_size)
        (setq batch (list))
        (setq end_idx (min (+ start_idx batch_size) (size samples)))

        (loopcount (- end_idx start_idx) i
            (push batch (@ samples (+ start_idx i)))
        )
        batch
    )

    ; Get validation batch
    (defun get_validation_batch(max_samples)
        (setq val_batch (list))
        (setq num_samples (min max_samples (size validation_samples)))

        (loopcount num_samples i
            (push val_batch (@ validation_samples i))
        )
        val_batch
    )
)

; Language modeling loss calculator
(class@ LossCalculator (init)
    (defun calculate_language_modeling_loss(logits input_tokens)
        (setq logits_shape (tensor_shape logits))
        (setq batch_size (@ logits_shape 0))
        (setq seq_len (@ logits_shape 1))
        (setq vocab_size (@ logits_shape 2))

        (check (> seq_len 1)
            ; Predictions: logits for next token at each position
            (setq pred_logits (tensor_slice logits 1 0 (- seq_len 1)))

            ; Targets: actual next tokens (shifted by 1)
            (setq target_tokens (tensor_slice input_tokens 1 1 seq_len))

            ; Reshape for cross-entropy loss
            (setq pred_flat (tensor_reshape pred_logits
                (integers (* batch_size (- seq_len 1)) vocab_size)))
            (setq target_flat (tensor_reshape target_tokens
                (integers (* batch_size (- seq_len 1)))))

            ; Calculate cross-entropy loss
            (setq loss (torch_cross_entropy pred_flat target_flat))

            ; Synchronize for memory management
            (torch_mps_synchronize)

            loss
        )
    )
)

; Main LoRA trainer class
(class@ LoRATrainerV2 (model_path tokenizer_path dataset_path config)
    (defun configure()
        (printerrln "⚙️  Configuring LoRA Trainer V2...")
        (setqi model_name "lispe_lora")
        (setqi optimizer nil)
        (setqi scheduler nil)
        (setqi global_step 0)
        (setqi best_loss 1000.0)
        (setqi best_epoch 0)
        true
    )

    ; Load model with LoRA support
    (defun load_model()
        (printerrln "\n🚀 Loading model with LoRA...")

        ; Load HuggingFace model with LoRA infrastructure
        (torch_hf_load_model_lora
            model_name
            model_path
            (dictionary "device" (@ config "device")
                        "repetition_penalty" 1.15))  ; answers that do not loop on one word

        ; Display model info
        (setq memory_usage (torch_hf_memory_usage model_name))
        (setq memory_gb (/ memory_usage 1073741824.0))

        (printerrln "✓ HuggingFace model loaded with LoRA support:")
        (printerrln "  • Name:" model_name)
        (printerrln "  • Path:" model_path)
        (printerrln "  • Device:" (@ config "device"))
        (printerrln "  • Memory:" memory_gb "GB")

        true
    )

    ; Initialize LoRA adapters
    (defun setup_lora()
        (printerrln "\n🎨 Initializing LoRA adapters...")

        ; Creates the matrices A (normal) and B (zero) of W' = W + α/r × B × A
        (torch_hf_lora_init
            model_name
            (@ lora-config "rank")
            (@ lora-config "alpha")
            (@ lora-config "target_modules")
            "float32")                                  ; the dtype of the bundled model

        (printerrln "✓ LoRA adapters initialized:")
        (printerrln "  • Rank:" (@ lora-config "rank"))
        (printerrln "  • Alpha:" (@ lora-config "alpha"))
        (printerrln "  • Modules:" (@ lora-config "target_modules"))

        ; Only the matrices A and B are trainable, not the original weights W
        (setq lora_params (torch_hf_lora_get_parameters model_name))
        (printerrln "  • LoRA parameters:" (size lora_params) "tensors")

        lora_params
    )

    ; Tokenizer, dataset, loss, adapters, optimizer and scheduler
    (defun setup_components()
        (printerrln "\n🧩 Setting up components...")
        (setq tok_path tokenizer_path)
        (setq tok (TiktokenTokenizer tok_path))
        (withclass TiktokenTokenizer (tok (configure)))
        (setqi text_tokenizer tok)   ; not "tokenizer": a core function has that name

        (setq data_path dataset_path)
        (setq data (DatasetManager data_path tok))
        (withclass DatasetManager (data (configure)))
        (setqi dataset data)

        (setqi loss_calculator (LossCalculator))

        (setq lora_params (setup_lora))
        (setqi optimizer (torch_optimizer_add_params
            lora_params
            (@ config "learning_rate")
            (@ config "weight_decay")))

        (setqi train_count (dataset DatasetManager (train_count)))
        (check (> (@ config "max_train_samples") 0)
            (setqi train_count (min train_count (@ config "max_train_samples"))))
        (setq accum_steps (@ config "gradient_accumulation_steps"))
        (setqi total_steps (* (@ config "num_epochs") (integer (ceil (/ train_count accum_steps)))))
        (setqi scheduler (torch_lr_scheduler optimizer (@ config "scheduler_type")
            (dictionary
                "initial_lr" (@ config "learning_rate")
                "min_lr" (@ config "min_lr")
                "total_steps" total_steps
                "warmup_steps" (@ config "warmup_steps"))))
        (printerrln "✓ Optimizer AdamW, scheduler" (@ config "scheduler_type") "over" total_steps "steps")
        true
    )

    ; Training step with gradient accumulation
    (defun train_step(input_tensor is_accumulating)
        ; Zero gradients at start of accumulation cycle
        (check (not is_accumulating)
            (torch_optimizer_zero_grad optimizer)
        )

        ; FORWARD PASS with LoRA: torch_hf_forward applies W' = W + α/r × B × A
        (setq input_2d (tensor_reshape input_tensor (integers 1 -1)))
        (setq output (torch_hf_forward model_name input_2d))

        ; Calculate language modeling loss
        (setq loss (loss_calculator LossCalculator
            (calculate_language_modeling_loss output input_2d)))

        (check loss
            ; Scale loss by accumulation steps
            (setq accum_steps (@ config "gradient_accumulation_steps"))
            (setq scaled_loss (tensor_div loss (tensor_create (floats accum_steps))))

            ; Backward pass
            (torch_backward scaled_loss)

            ; Memory synchronization for MPS
            (torch_mps_synchronize)

            loss
        )
    )

    ; At the end of an accumulation cycle: clip, step the optimizer and the scheduler
    (defun update_weights(accumulation_step)
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
            (torch_optimizer_zero_grad optimizer)
            (setqi global_step (+ global_step 1)))

        should_update
    )

    ; One line on stderr: bar, step, loss, learning rate, tokens per second
    (defun show_progress(loss_value)
        (setq width 30)
        (setq filled (integer (/ (* width global_step) total_steps)))
        (setq seconds (/ (- (elapse) start_time) 1000.0))
        (printerr "\r  [" (fill "█" filled) (fill "·" (- width filled)) "] "
            "step " global_step "/" total_steps
            " | loss " (/ (round (* loss_value 10000)) 10000)
            " | lr " (torch_scheduler_get_lr scheduler)
            " | " (integer (/ tokens_seen seconds)) " tokens/s   ")
        (check (== (% global_step (@ config "logging_steps")) 0)
            (printerrln))
    )

    ; Mean loss over the first validation samples, without gradients
    (defun validate()
        (torch_set_grad_enabled false)
        (setq val_batch (dataset DatasetManager
            (get_validation_batch (@ config "validation_samples"))))
        (setq total_loss 0.0)
        (loop input_tensor val_batch
            (setq input_2d (tensor_reshape input_tensor (integers 1 -1)))
            (setq output (torch_hf_forward model_name input_2d))
            (setq loss (loss_calculator LossCalculator
                (calculate_language_modeling_loss output input_2d)))
            (check loss
                (+= total_loss (tensor_item loss))))
        (torch_set_grad_enabled true)
        (/ total_loss (max 1 (size val_batch)))
    )

    ; LoRA adapters of this epoch (a PEFT directory) and the training state beside them
    (defun save_checkpoint(epoch)
        (setq checkpoint_path (+ checkpoint-dir "/epoch_" epoch))
        (torch_hf_lora_save model_name checkpoint_path)
        (setq checkpoint_info (dictionary
            "epoch" epoch
            "global_step" global_step
            "best_loss" best_loss
            "best_epoch" best_epoch
            "lora_config" lora-config))
        (fwrite (+ checkpoint_path "/training_info.json") (json checkpoint_info))
        (printerrln "💾 Checkpoint saved:" checkpoint_path)
    )

    ; One pass over the training samples; returns their mean loss
    (defun train_epoch()
        (setq batch_size (@ config "batch_size"))
        (setq epoch_loss 0.0)
        (setq epoch_samples 0)
        (setq start_idx 0)
        (while (< start_idx train_count)
            (setq batch (dataset DatasetManager
                (get_batch start_idx (min batch_size (- train_count start_idx)))))
            (loop input_tensor batch
                (setq accum_steps (@ config "gradient_accumulation_steps"))
                (setq is_accumulating (!= (% accumulation_step accum_steps) 0))
                (setq loss (train_step input_tensor is_accumulating))
                (setq loss_value (tensor_item loss))
                (setqi cycle_loss (+ cycle_loss loss_value))
                (+= epoch_loss loss_value)
                (+= epoch_samples 1)
                (setqi tokens_seen (+ tokens_seen (size input_tensor)))
                (check (update_weights accumulation_step)
                    (show_progress (/ cycle_loss accum_steps))
                    (setqi cycle_loss 0.0))
                (setqi accumulation_step (+ accumulation_step 1)))
            (+= start_idx batch_size))
        (/ epoch_loss epoch_samples)
    )

    ; The adapters of the best epoch so far, as a standard PEFT directory
    (defun keep_best(validation_loss epoch)
        (setqi best_loss validation_loss)
        (setqi best_epoch epoch)
        (torch_hf_lora_save model_name output-dir)
        (printerrln "💾 Best adapters so far:" output-dir "- validation loss" validation_loss)
    )

    ; Main training loop, with early stopping
    (defun train()
        (printerrln "\n🚀 Starting LoRA training...")

        (setq num_epochs (@ config "num_epochs"))
        (setqi start_time (elapse))
        (setqi tokens_seen 0)
        (setqi accumulation_step 0)
        (setqi cycle_loss 0.0)
        (setq epoch_losses (numbers))

        ; Before training, the adapters change nothing (B = 0): the first "best" adapters
        (setq initial_validation (validate))
        (println "Validation loss before training:" initial_validation)
        (keep_best initial_validation 0)

        ; Stop after "patience" epochs without a better validation loss
        (setq epoch 0)
        (while (and (< epoch num_epochs) (< (- epoch best_epoch) (@ config "patience")))
            (+= epoch 1)
            (printerrln "\n📖 Epoch" epoch "/" num_epochs)

            (push epoch_losses (train_epoch))
            (setq validation_loss (validate))
            (printerrln "\n✓ Epoch" epoch "completed - train loss"
                (last epoch_losses) "- validation loss" validation_loss)
            (check (< validation_loss best_loss)
                (keep_best validation_loss epoch))
            (check (== (% epoch (@ config "save_every_epochs")) 0)
                (save_checkpoint epoch))
        )

        ; Back to the adapters of the best epoch
        (torch_hf_lora_load model_name output-dir)
        (setq seconds (/ (- (elapse) start_time) 1000.0))
        (println "Training loss: first epoch" (car epoch_losses) "-> last epoch" (last epoch_losses))
        (println "Epochs:" epoch "of" num_epochs "| best epoch:" best_epoch
            (if (< epoch num_epochs) "(early stop: no better validation loss since)" ""))
        (println "Validation loss after training:" (validate) "(the best epoch's adapters)")
        (println "Optimizer steps:" global_step "| tokens:" tokens_seen "| seconds:" seconds)
        (println "LoRA adapters saved (PEFT format):" output-dir)

        (printerrln "🎉 Training completed successfully!")
        true
    )

    ; The model's answer to a question, greedy decoding
    (defun answer(question max_new_tokens)
        (setq prompt (text_tokenizer TiktokenTokenizer (encode_question question)))
        (setq generated (torch_hf_generate model_name prompt
            (text_tokenizer TiktokenTokenizer (stop_ids))
            max_new_tokens
            (dictionary "greedy" true)))
        (trim (replace (text_tokenizer TiktokenTokenizer (decode generated)) "<|eot_id|>" ""))
    )

    ; Answers of the base model (adapters disabled) and of the fine-tuned one (enabled)
    ; to each (kind question expected-answer)
    (defun compare_answers(questions max_new_tokens)
        (loop item questions
            (setq question (@ item 1))
            (torch_hf_lora_enable model_name false)
            (setq base_answer (answer question max_new_tokens))
            (torch_hf_lora_enable model_name true)
            (setq tuned_answer (answer question max_new_tokens))
            (println)
            (println (+ "Question (" (@ item 0) "):") question)
            (println "  Expected answer:  " (@ item 2))
            (println "  Adapters disabled:" base_answer)
            (println "  Adapters enabled: " tuned_answer))
        true
    )
)

; Main execution
(printerrln "🚀 Initializing LoRA fine-tuning...\n")

; Create trainer instance
(setq trainer (LoRATrainerV2
    model-path
    tiktoken-path
    dataset-path
    training-config))

; Execute training pipeline
(withclass LoRATrainerV2
    (trainer (configure))
    (if (trainer (load_model))
        (if (trainer (setup_components))
            (if (trainer (train))
                (printerrln "\n✅ LoRA fine-tuning completed successfully! 🎉")
                (printerrln "\n❌ Training failed")
            )
            (printerrln "\n❌ Component setup failed")
        )
        (printerrln "\n❌ Model loading failed")
    )
)

; Ask the model questions without and with the adapters: two of the training set, one held out
; for validation (sample 4: every fifth sample is), and one of our own, worded like none
(setq qa (json_parse (fread dataset-path)))
(setq questions (list
    (list "training set" (@ qa 0 "instruction") (@ qa 0 "response"))
    (list "training set" (@ qa 1 "instruction") (@ qa 1 "response"))
    (list "held out, never trained on" (@ qa 4 "instruction") (@ qa 4 "response"))
    (list "new wording of a training question" "How can I execute a LispE file?"
          (@ qa 1 "response"))))
(withclass LoRATrainerV2
    (trainer (compare_answers questions (if quick 12 64))))
(println)
