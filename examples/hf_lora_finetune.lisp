; Hugging Face models and LoRA fine-tuning, the short way (seed 000 "Loading Pre-trained
; Models", "Training with LoRA", "LoRA Fine-tuning" and "Example 2: Language Model
; Fine-tuning"), on the bundled model.
;
;     lispe examples/hf_lora_finetune.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/hf_lora_finetune.lisp   (a few samples only)
;
; LoRA checkpoints are written as PEFT directories under the current directory.
;
; What changed from the seed: the model is the bundled one and the data the project's
; dataset (whose answers are under "response", where the seed reads "output"); token ids come
; from the bundled tokenizer (the seed's 15496 318 257 are outside its vocabulary); the
; tokenizer files sit in the model directory (the seed reads "<model>/tokenizer"); the names
; the seed uses without defining them (calculate_loss, targets, get_batch_data, num_batches,
; calculate_lm_loss, calculate_language_modeling_loss, output_dir) are defined; the number
; of samples is limited (24, 4 in quick mode) to keep the run short; "float16" is
; "bfloat16" (on a CPU, float16 adapters trained with Adam turn to NaN and a float16 model's
; loss overflows; bfloat16 halves the memory just the same).

(use 'lispe_torch)
(use 'lispe_tiktoken)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(setq max_samples (if quick 4 24))
(torch_manual_seed 11)

(setq model_path (torch_default_model_path))
(setq dataset_path (+ _current "data/lispe_qa.json"))

; Tokenizer class using TikToken (seed 000, "TikToken Tokenizer")
(class@ Tokenizer (tokenizer_path init)
    (defun configure()
        ; Load configuration
        (setq config (json_parse (fread (+ tokenizer_path "/tokenizer_config.json"))))
        (setq vocab (json_parse (fread (+ tokenizer_path "/tokenizer.json"))))

        ; Create tokenizer
        (setqi tokenizer_obj (tiktoken_create
            (@ vocab "model" "vocab")
            (@ vocab "added_tokens")
            (@ vocab "pre_tokenizer" "pretokenizers" 0 "pattern" "Regex")
        ))

        ; Get special tokens
        (setqi bos_id (tiktoken_special_encode tokenizer_obj "<|begin_of_text|>"))
        (setqi eos_id (tiktoken_special_encode tokenizer_obj "<|end_of_text|>"))
    )

    (defun encode(text)
        ; Encode text with special tokens
        (setq tokens (tiktoken_encode tokenizer_obj text))
        (pushfirst tokens bos_id)
        tokens
    )

    (defun decode(token_list)
        ; Decode tokens
        (tiktoken_decode tokenizer_obj token_list)
    )

    (defun eos_id()
        eos_id
    )
)

(setq tok (Tokenizer model_path))
(withclass Tokenizer (tok (configure)))

; Next-token loss of [1, S, V] logits on the [1, S] ids they were computed from
(defun calculate_language_modeling_loss(logits input_tokens)
    (setq seq_len (@ (tensor_shape logits) 1))
    (setq vocab_size (@ (tensor_shape logits) 2))
    (torch_cross_entropy
        (tensor_reshape (tensor_slice logits 1 0 (- seq_len 1)) (integers -1 vocab_size))
        (tensor_reshape (tensor_slice input_tokens 1 1 seq_len) (integers -1))))

(defun calculate_lm_loss(logits input_ids)
    (calculate_language_modeling_loss logits input_ids))

; === Loading Pre-trained Models ===

; To load pre-trained models (different from creating models)
(setq config (dictionary "device" "mps"))
(setq model_id (torch_hf_load_model model_path config))

; Forward pass with HuggingFace model
(setq input_tokens (tensor_create (tok (encode "The model reads tokens"))))
(setq input_batch (tensor_unsqueeze input_tokens 0))
(setq logits (torch_hf_forward model_id input_batch))
(println "Logits shape:" (tensor_shape logits))
(println "Model info:" (torch_hf_model_info model_id))

; === Training with LoRA ===

; The loss of predicting each next token of the batch
(setq targets input_batch)
(defun calculate_loss(logits targets)
    (calculate_language_modeling_loss logits targets))

; Training is primarily done with LoRA
; Load model with LoRA support
(setq model_name "my_model")
(torch_hf_load_model_lora model_path config model_name)

; Initialize LoRA
(setq lora_config (dictionary "rank" 16 "alpha" 32))
(torch_hf_lora_init model_name lora_config)

; Create optimizer for LoRA
(setq lora_params (torch_hf_lora_parameters model_name))
(setq optimizer (torch_adamw_optimizer_create 2e-4))
(torch_optimizer_add_params optimizer lora_params)

; Training loop
(loop epoch 3
    ; Forward pass with LoRA
    (setq logits (torch_hf_forward model_name input_batch))

    ; Compute loss
    (setq loss (calculate_loss logits targets))
    (println "Epoch" epoch "loss:" (tensor_item loss))

    ; Backward pass
    (torch_optimizer_zero_grad optimizer)
    (torch_backward loss)
    (torch_optimizer_step optimizer)
)

; === LoRA Fine-tuning: initialization ===

(setq qa (json_parse (fread dataset_path)))
(setq num_batches (min max_samples (size qa)))
(setq output_dir "lora_output")

; The [1, S] ids of the dataset sample number batch_idx
(defun get_batch_data(batch_idx)
    (setq sample (@ qa batch_idx))
    (tensor_unsqueeze (tensor_create (tok (encode
        (+ (@ sample "instruction") "\n" (@ sample "response"))))) 0))

; Load model with LoRA support
(setq model_name "llama_lora")
(torch_hf_load_model_lora
    model_path
    config
    model_name)

; LoRA configuration
(setq lora_config (dictionary
    "rank" 16
    "alpha" 32.0
    "target_modules" (strings "q_proj" "k_proj" "v_proj" "o_proj")
    "dtype" "bfloat16"
))

; Initialize LoRA adapters
(torch_hf_lora_init
    model_name
    lora_config)

; === LoRA Fine-tuning: training ===

; Create optimizer for LoRA parameters only
(setq lora_params (torch_hf_lora_parameters model_name))
(setq learning_rate 2e-4)
(setq optimizer (torch_optimizer_create))
(torch_optimizer_add_params optimizer lora_params)

; Training loop
(loop epoch 3
    (println "Epoch" (+ epoch 1))

    ; For each data batch
    (loop batch_idx num_batches
        ; Prepare data
        (setq input_ids (get_batch_data batch_idx))

        ; Forward pass with LoRA
        (setq logits (torch_hf_forward model_name input_ids))

        ; Compute loss
        (setq loss (calculate_lm_loss logits input_ids))

        ; Backward pass
        (torch_optimizer_zero_grad optimizer)
        (torch_backward loss)
        (torch_optimizer_step optimizer)

        ; Logging
        (if (== (% batch_idx 10) 0)
            (println "  Batch" batch_idx "Loss:" (tensor_item loss)))
    )

    ; Save LoRA adapters
    (torch_hf_lora_save model_name (+ output_dir "/epoch_" epoch))
)

; === Example 2: Language Model Fine-tuning ===

; Complete fine-tuning with LoRA
(defun finetune_language_model(model_path dataset_path)
    ; Configuration
    (setq config (dictionary
        "device" "mps"
        "dtype" "bfloat16"
        "low_memory" true
    ))

    ; Load model and tokenizer
    (setq model_name "llama_ft")
    (torch_hf_load_model_lora model_path config model_name)

    (setq tokenizer (Tokenizer model_path))
    (withclass Tokenizer (tokenizer (configure)))

    ; Initialize LoRA
    (setq lora_config (dictionary
        "rank" 16
        "alpha" 32
        "target_modules" (strings "q_proj" "k_proj" "v_proj" "o_proj")
    ))
    (torch_hf_lora_init model_name lora_config)

    ; Load dataset
    (setq dataset (@@ (json_parse (fread dataset_path)) 0 max_samples))

    ; Training configuration
    (setq train_config (dictionary
        "learning_rate" 2e-4
        "num_epochs" 3
        "batch_size" 1
        "max_seq_length" 512
    ))

    ; Create optimizer
    (setq lora_params (torch_hf_lora_parameters model_name))
    (setq learning_rate (@ train_config "learning_rate"))
    (setq optimizer (torch_optimizer_create))
    (torch_optimizer_add_params optimizer lora_params)

    ; Training loop
    (loop epoch (@ train_config "num_epochs")
        (println "=== Epoch" (+ epoch 1) "===")

        (loop sample_idx (size dataset)
            (setq sample (@ dataset sample_idx))
            (setq instruction (@ sample "instruction"))
            (setq response (@ sample "response"))

            ; Prepare tokens
            (setq formatted_text (+
                "<|start_header_id|>user<|end_header_id|>\n"
                instruction
                "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n"
                response
                "<|eot_id|>"
            ))

            (setq tokens (tokenizer (encode formatted_text)))
            (setq input_tensor (tensor_unsqueeze (tensor_create tokens) 0))

            ; Forward pass
            (setq logits (torch_hf_forward model_name input_tensor))

            ; Compute loss (language modeling)
            (setq loss (calculate_language_modeling_loss logits input_tensor))

            ; Backward pass
            (torch_optimizer_zero_grad optimizer)
            (torch_backward loss)
            (torch_optimizer_step optimizer)

            ; Logging
            (if (== (% sample_idx 50) 0)
                (println "  Sample" sample_idx "/" (size dataset)
                        "Loss:" (tensor_item loss)))
        )

        ; Save LoRA adapters
        (setq checkpoint_path (+ "./checkpoints/epoch_" epoch))
        (torch_hf_lora_save model_name checkpoint_path)
        (println "✓ Checkpoint saved:" checkpoint_path)
    )

    model_name
)

(println "Fine-tuned model:" (finetune_language_model model_path dataset_path))
