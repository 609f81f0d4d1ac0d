; Interactive generation (seed 000, "Practical Examples", Example 3), on the bundled model.
;
; Reads prompts from stdin, one per line, and prints the model's continuation token by token
; (sampling at temperature 0.7 with a KV cache). Type "quit", or end the input (Ctrl-D, or
; the end of a pipe), to stop.
;
;     lispe examples/interactive_generation.lisp
;     echo "The tensor" | lispe examples/interactive_generation.lisp
;
; What changed from the seed: the model and tokenizer paths are the bundled model's; the
; loop also stops when the input ends ((input) returns nil at end of file); the 150-token
; limit is a variable, lower in quick mode (LISPE_EXAMPLE_QUICK=1). The Tokenizer
; class is the one of the seed's "TikToken Tokenizer" section.

(use 'lispe_torch)
(use 'lispe_tiktoken)

; At most this many new tokens per answer (fewer in quick mode)
(setq max_tokens (if (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1") 20 150))

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

; Interactive generation system
(defun interactive_generation(model_path tokenizer_path)
    ; Load model
    (setq config (dictionary "device" "mps"))
    (setq model_id (torch_hf_load_model model_path config))

    ; Load tokenizer
    (setq tok (Tokenizer tokenizer_path))
    (withclass Tokenizer (tok (configure)))

    ; Interactive loop
    (loop true
        (print "Prompt (or 'quit' to exit): ")
        (setq user_input (input))

        ; End of the input: stop like "quit"
        (check (nullp user_input)
            (println)
            (break)
        )

        (check (== user_input "quit")
            (break)
        )

        ; Generate response
        (println "\nGenerating...")
        (setq response (generate_response model_id tok user_input))
        (println "Generation complete.")
        (println)
    )
)

(defun generate_response(model_id tokenizer prompt)
    ; Encode prompt
    (setq prompt_tokens (tokenizer (encode prompt)))
    (setq context_id (torch_hf_enable_kv_cache model_id true))

    ; Generate response
    (setq current_input (tensor_unsqueeze (tensor_create prompt_tokens) 0))
    (setq generated (clone prompt_tokens))

    (print "Response: ")
    (loop i max_tokens
        (setq logits (torch_hf_forward model_id current_input context_id))
        (setq last_logits (tensor_select logits 1 -1))
        (setq last_logits (tensor_select last_logits 0 0))

        ; Sampling with temperature
        (setq scaled_logits (tensor_div_scalar last_logits 0.7))
        (setq probs (tensor_softmax scaled_logits -1))
        (setq next_token (tensor_multinomial probs 1 true))
        (setq next_token_id (tensor_item next_token))

        ; Display token
        (setq token_text (tokenizer (decode (integers next_token_id))))
        (print token_text)

        ; Check end of generation
        (check (== next_token_id (tokenizer (eos_id)))
            (break)
        )

        (push generated next_token_id)
        (setq current_input (tensor_unsqueeze (tensor_create (integers next_token_id)) 0))
    )

    (println)
    generated
)

(interactive_generation (torch_default_model_path) (torch_default_model_path))
