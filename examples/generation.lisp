; Text generation with every strategy (seed 000 "Hugging Face Model Loading", "Text
; Generation", "Tokenization"; seed 001 "Text Generation System"; seed 002 "Text Generation
; System"), on the bundled model.
;
;  1. the tiktoken Tokenizer class, and the Model class that generates token by token with a
;     KV cache;
;  2. torch_hf_generate: default sampling, greedy, top-k, top-p, a callback given as a quoted
;     function name and as a lambda;
;  3. the torch_generator_* family (greedy, top-k, top-p, beam search, configuration).
;
;     lispe examples/generation.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/generation.lisp   (shorter outputs)
;
; What changed from the seeds: the model is the bundled one (the seeds load a Llama or a
; "model.pt"); token ids come from its tokenizer (the seeds' GPT-2 ids 15496 318 257 are
; outside its vocabulary); configurations are LispE dictionaries (the seeds' "(map)" and
; "(config key value)" are not LispE) and seed 002's list of pairs is quoted; the generated
; ids are decoded and printed; the lengths are variables, shorter in quick mode.

(use 'lispe_torch)
(use 'lispe_tiktoken)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(setq new_tokens (if quick 12 60))
(torch_manual_seed 7)

; === Tokenizer (seed 000, "TikToken Tokenizer") ===

; Tokenizer class using TikToken
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

; Create and configure tokenizer
(setq tok (Tokenizer (torch_default_model_path)))
(withclass Tokenizer
    (tok (configure))
)

; Encode text
(setq tokens (tok (encode "Hello, how are you?")))
(println "Tokens:" tokens)

; Decode tokens
(setq text (tok (decode tokens)))
(println "Decoded text:" text)

; === Loading the model (seed 000, "Hugging Face Model Loading") ===

(setq model_path (torch_default_model_path))
(setq config (dictionary
    ; === BASIC PARAMETERS ===
    "device" "mps"                    ; Device: "cuda", "mps", "cpu" (falls back to what exists)

    ; === SEQUENCE PARAMETERS ===
    "max_seq_len" 2048                ; Maximum supported sequence length
    "rope_scaling" 1.0                ; Scaling factor for RoPE (Rotary Position Embedding)

    ; === GENERATION PARAMETERS ===
    "temperature" 0.7                 ; Temperature for sampling (0.1-2.0)
    "top_p" 0.9                       ; Nucleus sampling - cumulative probability
    "top_k" 50                        ; Top-K sampling - number of tokens considered
    "repetition_penalty" 1.1          ; Repetition penalty (1.0 = no penalty)

    ; === CACHE PARAMETERS ===
    "use_kv_cache" true               ; Enable Key-Value cache for generation
    "max_cache_len" 4096              ; Maximum cache size (sliding window)

    ; === ADVANCED PARAMETERS ===
    "manual_attention" false          ; Manual attention mode (debugging/fine control)
))

; Load model with complete configuration
(setq model_id (torch_hf_load_model model_path config))
(println "✓ Model loaded with ID:" model_id)

; === Inference with KV cache (seed 000) ===

; Enable KV cache for efficient generation
(setq context_id (torch_hf_enable_kv_cache model_id true))

; Prepare input tokens
(setq input_tokens (tensor_create (tok (encode "This is a"))))   ; "This is a"
(setq input_batch (tensor_unsqueeze input_tokens 0))             ; Add batch dimension

; Forward pass (automatically uses cache)
(setq logits (torch_hf_forward model_id input_batch context_id))

; Extract logits from last token
(setq last_logits (tensor_select logits 1 -1))
(setq next_token (tensor_argmax last_logits -1))
(println "Most likely token after \"This is a\":" (tok (decode (integers (tensor_item next_token)))))

; === Model class for generation (seed 000, "Text Generation") ===

; Model class for inference
(class@ Model (model_path config tokenizer init)
    (defun configure()
        ; Initialize HuggingFace model
        (setqi model_id (torch_hf_load_model model_path config))
        (setqi temperature 0.7)
        (setqi top_p 0.9)
        (setqi max_tokens 100)
    )

    (defun generate(prompt max_length)
        ; Encode prompt
        (setq prompt_tokens (tokenizer (encode prompt)))
        (setq generated_tokens (clone prompt_tokens))

        ; Enable KV cache for performance
        (setq context_id (torch_hf_enable_kv_cache model_id true))

        ; Token-by-token generation
        (setq current_input (tensor_unsqueeze (tensor_create prompt_tokens) 0))

        (loop i max_length
            ; Forward pass
            (setq logits (torch_hf_forward model_id current_input context_id))
            (setq last_logits (tensor_select logits 1 -1))
            (setq last_logits (tensor_select last_logits 0 0))

            ; Apply temperature
            (setq scaled_logits (tensor_div_scalar last_logits temperature))

            ; Sampling with top-p (nucleus sampling)
            (setq probs (tensor_softmax scaled_logits -1))
            (setq next_token (tensor_multinomial probs 1 true))
            (setq next_token_id (tensor_item next_token))

            ; Display generated token
            (print (tokenizer (decode (integers next_token_id))))

            ; Add to sequence
            (push generated_tokens next_token_id)

            ; Check end token
            (check (== next_token_id (tokenizer (eos_id)))
                (break)
            )

            ; Prepare next input (only the new token)
            (setq current_input (tensor_unsqueeze (tensor_create (integers next_token_id)) 0))
        )

        (println)  ; New line
        generated_tokens
    )
)

(setq model (Model model_path config tok))
(withclass Model (model (configure)))
(print "Model class, sampling: The tensor")
(setq generated (model (generate "The tensor" new_tokens)))
(println "Model class generated" (- (size generated) (size (tok (encode "The tensor")))) "tokens")

; === Advanced generation with parameters (seed 000) ===

; The data given to the callbacks below
(setq tokenizer tok)

; Complete generation with configuration
(defun generate_with_config(model_path prompt_tokens eos_id)
    ; Examples with different sampling strategies

    ; 1. Default generation (simple sampling)
    (setq result_default (torch_hf_generate model_path prompt_tokens eos_id new_tokens))
    (println "default:" (tokenizer (decode result_default)))

    ; 2. Greedy generation (deterministic)
    (setq greedy_options (dictionary "greedy" true))
    (setq result_greedy (torch_hf_generate model_path prompt_tokens eos_id new_tokens greedy_options))
    (println "greedy: " (tokenizer (decode result_greedy)))

    ; 3. Top-K sampling (controlled diversity)
    (setq topk_options (dictionary "topk" 50))
    (setq result_topk (torch_hf_generate model_path prompt_tokens eos_id new_tokens topk_options))
    (println "top-k:  " (tokenizer (decode result_topk)))

    ; 4. Nucleus/Top-P sampling (dynamic diversity)
    (setq topp_options (dictionary "topp" 0.9))
    (setq result_topp (torch_hf_generate model_path prompt_tokens eos_id new_tokens topp_options))
    (println "top-p:  " (tokenizer (decode result_topp)))

    ; 5. Generation with callback for real-time monitoring
    ; CONCRETE EXAMPLE: Display function to show each generated token
    (defun display_token(token_id tokenizer)
        (printerr (tokenizer (decode (integers token_id))))
    )

    (setq callback_options (dictionary
        "topk" 30                      ; Top-K sampling with K=30
        "callback" 'display_token      ; Function reference (with quote)
        "data" tokenizer               ; Pass tokenizer as data
    ))
    (printerr "callback (stderr): ")
    (setq result_callback (torch_hf_generate model_path prompt_tokens eos_id new_tokens callback_options))
    (printerrln)
    (println "callback generated" (size result_callback) "tokens")

    ; Alternative with inline lambda
    (setq lambda_options (dictionary
        "topp" 0.95
        "callback" (lambda (token_id data)
            (println "Generated token:" token_id)
            (printerr (data (decode (integers token_id))))  ; data = tokenizer
        )
        "data" tokenizer
    ))
    (setq result_lambda (torch_hf_generate model_path prompt_tokens eos_id (if quick 3 5) lambda_options))
    (printerrln)

    result_callback
)

(generate_with_config model_id (tok (encode "The model")) (tok (eos_id)))

; === The torch_generator family on the same model (seed 001) ===

(setq generator (torch_generator_create model_id))

; Configure generation parameters
(setq config (dictionary
    "max_length" new_tokens
    "temperature" 0.8
    "top_k" 40
    "top_p" 0.95
    "repetition_penalty" 1.1
    "do_sample" true))
(torch_generator_configure generator config)
(println "Generator:" generator)

; Prepare input tokens
(setq prompt_tokens (tok (encode "This is a test")))   ; "This is a test"
(setq input_tensor (torch_tensor prompt_tokens))

; Generate text
(setq generated (torch_generator_generate generator input_tensor))
(println "Generated tokens:" (tensor_shape generated))

; Greedy generation for deterministic output
(setq greedy_output (torch_generator_greedy generator input_tensor new_tokens))
(println "generator greedy:" (tok (decode (tensor_to_list (tensor_reshape greedy_output (integers -1))))))

; Top-k sampling for balanced creativity
(setq top_k_output (torch_generator_top_k generator input_tensor new_tokens 50 0.8))

; Nucleus sampling for creative generation
(setq nucleus_output (torch_generator_top_p generator input_tensor new_tokens 0.9 1.0))

; Beam search for high-quality output
(setq beam_output (torch_generator_beam_search generator input_tensor new_tokens 4))
(println "generator beam search:" (tok (decode (tensor_to_list (tensor_reshape beam_output (integers -1))))))

; Use GPU if available
(if (torch_cuda_available)
    (torch_generator_set_device generator "cuda")
    (torch_generator_set_device generator "cpu"))

; === Configuration by pairs and strategies by name (seed 002) ===

(setq generator (torch_generator_create model_id "cpu"))

; Configure generation parameters with a list of pairs
(setq config '(
    ("max_length" 20)
    ("temperature" 0.8)
    ("top_k" 40)
    ("top_p" 0.9)
    ("strategy" "greedy")
    ("repetition_penalty" 1.1)
    ("eos_token_id" 50256)
))
(torch_generator_config generator config)

; Or configure with dedicated function
(torch_set_generation_params generator new_tokens 0.8 40 0.9)

; Generate text with different strategies
(setq input_tokens (torch_tensor (tok (encode "The library"))))

; Greedy search (deterministic)
(setq greedy_result (torch_generate generator input_tokens "greedy"))

; Top-K sampling (stochastic)
(setq topk_result (torch_generate generator input_tokens "top_k"))

; Top-P (Nucleus) sampling (dynamic vocabulary)
(setq topp_result (torch_generate generator input_tokens "top_p"))

; Beam search
(setq beam_result (torch_generate generator input_tokens "beam_search"))

(loop result (list greedy_result topk_result topp_result beam_result)
    (println "strategy result:" (tok (decode (tensor_to_list (tensor_reshape result (integers -1)))))))

; === Complete text generation pipeline with the simple tokenizer (seed 001) ===
; The simple tokenizer builds its own small vocabulary, unrelated to the model's: the text
; printed at the end shows the API at work, not a meaningful answer.

; 1. Load model
(setq generator (torch_generator_create model_id))

; 2. Configure generation
(setq config (dictionary
    "max_length" new_tokens
    "temperature" 0.85
    "top_p" 0.95
    "repetition_penalty" 1.1
    "do_sample" true))
(torch_generator_configure generator config)

; 3. Prepare input
(setq prompt "The future of artificial intelligence")
(setq tokenizer (torch_tokenizer_create))
(setq tokens (torch_tokenizer_encode tokenizer prompt))

; 4. Generate text
(setq generated_tokens (torch_generator_generate generator tokens))

; 5. Decode output
(setq generated_text (torch_tokenizer_decode tokenizer generated_tokens))
(println "Generated text:" generated_text)

(println "Generation examples done")
