; Flash attention (seed 000 "Flash Attention", seed 001 "Flash Attention Operations" and its
; quick start, seed 002 "Flash Attention Quick Start"): memory-efficient attention on long
; sequences, with masks, dropout, and the native scaled dot-product attention.
;
;     lispe examples/flash_attention.lisp                        (4096-token sequences)
;     LISPE_EXAMPLE_QUICK=1 lispe examples/flash_attention.lisp  (512-token sequences)
;
; What changed from the seeds: the long sequence length is a variable (the seeds' 4096 and
; 2048, 512 in quick mode); seed 001 passes "thekey" and "thevalue" without defining them:
; they are the tensors of seed 002; seed 001's "Similar for k and v..." is written out.

(use 'lispe_torch)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(torch_manual_seed 0)

; === Seed 000: Memory-Efficient Attention ===

; Create attention tensors for long sequences
(setq batch_size 2)
(setq num_heads 8)
(setq seq_length (if quick 512 4096))  ; Long sequence
(setq head_dim 64)

; Query, Key, Value tensors
(setq query (tensor_randn (integers batch_size num_heads seq_length head_dim)))
(setq key (tensor_randn (integers batch_size num_heads seq_length head_dim)))
(setq value (tensor_randn (integers batch_size num_heads seq_length head_dim)))

; Flash Attention - O(N) memory instead of O(N²)
(setq scale (/ 1.0 (sqrt head_dim)))
(setq attention_output (torch_flash_attention query key value scale))

(println "✓ Flash Attention computed efficiently")
(println "Output shape:" (tensor_shape attention_output))

; Create causal mask
(setq causal_mask (tensor_tril (tensor_ones (integers seq_length seq_length))))

; Apply Flash Attention with mask
(setq masked_output (torch_flash_attention_masked
    query key value scale causal_mask))
(println "Masked output shape:" (tensor_shape masked_output))

; The same causal attention through the native function
(setq causal_output (torch_scaled_dot_product_attention query key value nil 0.0 true scale))
(println "Causal mask and is_causal agree:"
    (< (tensor_item (tensor_max (tensor_abs (tensor_sub masked_output causal_output)))) 1e-4))

; === Seed 001: quick start ===

; Direct Flash Attention for long sequences
(setq long_length (if quick 512 2048))
(setq query (torch_randn (integers 2 8 long_length 64)))   ; [batch, heads, seq, dim]
(setq key (torch_randn (integers 2 8 long_length 64)))
(setq value (torch_randn (integers 2 8 long_length 64)))
(setq scale (/ 1.0 (sqrt 64)))
(setq output (torch_flash_attention query key value scale))  ; O(N) memory!
(println "Quick start output shape:" (torch_shape output))

; === Seed 002: Flash Attention Quick Start ===

; Create Flash Attention module
(setq flash_attn (torch_flash_attention_create 256 8 0.1 true))
; Parameters: embed_dim=256, num_heads=8, dropout=0.1, bias=true
(println flash_attn)

; Create input tensors
(setq query (torch_zeros (integers 2 32 256)))   ; [batch, seq_len, embed_dim]
(setq thekey (torch_zeros (integers 2 32 256)))
(setq thevalue (torch_ones (integers 2 32 256)))

; Standard forward pass
(setq output (torch_flash_attention_forward flash_attn query thekey thevalue))

; With attention mask
(setq attention_mask (torch_ones (integers 2 8 32 32)))
(setq masked_output (torch_flash_attention_with_mask flash_attn query thekey thevalue attention_mask))

; With custom dropout
(setq dropout_output (torch_flash_attention_with_dropout flash_attn query thekey thevalue 0.2 true))

; Direct native attention (PyTorch 2.0+)
(setq direct_output (torch_scaled_dot_product_attention query thekey thevalue nil 0.0 false))

; === Seed 001: Flash Attention Operations ===

; Create Flash Attention with 256 embedding dimensions, 8 heads
(setq flash_attn (torch_flash_attention_create 256 8 0.1 true))
(println flash_attn)  ; Flash Attention (embed_dim=256, num_heads=8, head_dim=32, dropout=0.1, bias=true)

; Create input tensors
(setq query (torch_zeros (integers 2 32 256)))
(setq key (torch_zeros (integers 2 32 256)))
(setq value (torch_ones (integers 2 32 256)))

; Forward pass
(setq output (torch_flash_attention_forward flash_attn query thekey thevalue))
(println "Output shape:" (torch_size output))  ; (2 32 256)

; Create attention mask (e.g., for padding)
(setq attention_mask (torch_ones (integers 2 8 32 32)))
(setq masked_output (torch_flash_attention_with_mask flash_attn query thekey thevalue attention_mask))

; Training with higher dropout
(setq training_output (torch_flash_attention_with_dropout flash_attn query thekey thevalue 0.2 true))

; Evaluation with no dropout
(setq eval_output (torch_flash_attention_with_dropout flash_attn query thekey thevalue 0.0 false))

; Reshape tensors for multi-head format
(setq q_reshaped (torch_reshape query (integers 2 32 8 32)))  ; [batch, seq, heads, head_dim]
(setq q_transposed (torch_transpose q_reshaped 1 2))         ; [batch, heads, seq, head_dim]
(setq k_transposed (torch_transpose (torch_reshape key (integers 2 32 8 32)) 1 2))
(setq v_transposed (torch_transpose (torch_reshape value (integers 2 32 8 32)) 1 2))

; Direct attention computation
(setq direct_output (torch_scaled_dot_product_attention q_transposed k_transposed v_transposed nil 0.0 false))
(println "Direct attention output shape:" (torch_shape direct_output))

; Direct Flash Attention computation
(setq scale (/ 1.0 (sqrt 64)))  ; head_dim = 64
(setq output (torch_flash_attention query key value scale))
(println "Flash attention output shape:" (torch_shape output))

; Memory-efficient for long sequences
(setq long_query (torch_randn (integers 1 8 seq_length 64)))
(setq long_key (torch_randn (integers 1 8 seq_length 64)))
(setq long_value (torch_randn (integers 1 8 seq_length 64)))
(setq long_output (torch_flash_attention long_query long_key long_value 0.125))
(println "Long sequence output shape:" (torch_shape long_output))

(println "Flash attention examples done")
