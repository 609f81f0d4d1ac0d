; Positional encoding and rotary position embedding (seed 004 "Positional Encoding" and its
; "Complete Transformer Pipeline", seed 001 "Positional Encoding", seed 002 "Rotary Position
; Embedding" and "Complete Text Processing").
;
;     lispe examples/positional_encoding.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/positional_encoding.lisp   (smaller model)
;
; Model files (*.pt) are written in the current directory.
;
; What changed from the seeds: the configurations written "(@ (@ key value) ...)" and read
; "(config @ key)" are LispE dictionaries read with "(@ config key)"; the sizes are the
; seeds' (smaller in quick mode); seed 002's RoPE example uses query, key, value and an
; attention module that it does not create: they are created here, [batch, seq, head_dim]
; shaped so that the rotary tables apply and the sequence-first attention module accepts them.
; Seed 001's pipeline is the same program as seed 004's, with other variable names.

(use 'lispe_torch)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(torch_manual_seed 0)

; === Seed 004: Create Positional Encoder ===

(setq pos_encoder (torch_positional_encoding 512 1024))
(println pos_encoder)

; Create positional encoder for 512-dim embeddings, max 2048 tokens (seed 001)
(setq pos_encoder (torch_positional_encoding 512 2048))

; === Seed 004: Complete Transformer Pipeline ===

; Configuration
(setq config (dictionary
    "vocab_size" (if quick 1000 10000)
    "embed_dim" (if quick 128 512)
    "num_heads" 8
    "seq_length" 128
))

; Components
(setq tokenizer (torch_simple_tokenizer))
(setq embedding (torch_embedding (@ config "vocab_size") (@ config "embed_dim")))
(setq pos_encoding (torch_positional_encoding (@ config "embed_dim") (@ config "seq_length")))
(setq attention (torch_multihead_attention (@ config "embed_dim") (@ config "num_heads")))
(setq layer_norm (torch_layer_norm (list (@ config "embed_dim"))))

; Text processing
(setq text "The quick brown fox jumps over the lazy dog")
(setq tokens (torch_tokenizer_encode tokenizer text))
(setq padded_tokens (torch_pad_sequence (list tokens) (@ config "seq_length")))

; Forward pass
(setq embedded (torch_embedding_forward embedding padded_tokens))
(setq pos_embedded (torch_positional_encoding_forward pos_encoding embedded))
(setq attention_mask (torch_create_attention_mask padded_tokens 0))
(setq attention_out (torch_multihead_attention_forward attention pos_embedded attention_mask))
(setq output (torch_layer_norm_forward layer_norm attention_out))
(println "Pipeline output shape:" (tensor_shape output))

; Save complete pipeline
(torch_save_model embedding "embedding.pt")
(torch_save_model pos_encoding "pos_encoding.pt")
(torch_save_model attention "attention.pt")
(torch_save_model layer_norm "layer_norm.pt")

; === Seed 002: Rotary Position Embedding (RoPE) ===

(setq query (tensor_randn (integers 2 128 64)))
(setq key (tensor_randn (integers 2 128 64)))
(setq value (tensor_randn (integers 2 128 64)))
(setq attention (torch_multihead_attention 64 4))

; Create RoPE for head dimension
(setq rope (torch_rotary_embedding 64 8192))  ; head_dim, max_seq_len
(println rope)

; Generate cos/sin tensors for sequence length
(setq cos_sin (torch_rotary_forward rope 128 "mps"))
(setq cos_tensor (car cos_sin))
(setq sin_tensor (cadr cos_sin))

; Apply RoPE to query and key tensors
(setq query_rope (torch_apply_rotary_pos_emb query cos_tensor sin_tensor))
(setq key_rope (torch_apply_rotary_pos_emb key cos_tensor sin_tensor))

; Use in Multi-Head Attention
(setq attention_out (torch_attention_forward attention query_rope key_rope value))
(println "RoPE attention output shape:" (tensor_shape attention_out))

; === Seed 002: Complete Text Processing ===

; Advanced tokenization
(setq tokenizer (torch_simple_tokenizer))
(setq tokens (torch_tokenizer_encode tokenizer "Hello world!"))

; Complete Transformer pipeline
(setq vocab_size (torch_tokenizer_get_vocab_size tokenizer))
(setq embed_dim 128)
(setq seq_length 10)

; Model components
(setq embedding (torch_embedding vocab_size embed_dim))
(setq pos_encoding (torch_positional_encoding embed_dim seq_length))
(setq attention (torch_multihead_attention embed_dim 4))
(setq layer_norm (torch_layer_norm (list embed_dim)))

; Forward pass with positional encoding
(setq embedded (torch_forward embedding tokens))
(setq pos_embedded (torch_positional_encoding_forward pos_encoding embedded))
(setq attention_out (torch_multihead_attention_forward attention pos_embedded))
(setq output (torch_layer_norm_forward layer_norm attention_out))
(println "Text processing output shape:" (tensor_shape output))

; Save the complete model
(torch_save_model attention "transformer_model.pt")

(println "Positional encoding examples done")
