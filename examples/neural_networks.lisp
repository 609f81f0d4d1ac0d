; Neural network building blocks (seed 001 "Neural Network Models", "Optimizers", "Loss
; Functions", "Training Utilities"; seed 000 "Transformer Blocks"): create each kind of
; module, run it, compute losses and gradients.
;
;     lispe examples/neural_networks.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/neural_networks.lisp   (smaller transformer batch)
;
; What changed from the seeds: seed 001's torch_backward example back-propagates the loss
; of a model's output (its predictions and targets were constants with nothing to train);
; seed 000's transformer batch is smaller in quick mode.

(use 'lispe_torch)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(torch_manual_seed 0)

; === Seed 001: Neural Network Models ===

; Create a model with 784 inputs, 128 hidden units, 10 outputs
(setq model (torch_model 784 128 10))
(println model)

; Create embedding for vocabulary of 1000 tokens with 512-dimensional vectors
(setq embedding (torch_embedding 1000 512))
(println embedding)

; Create Multi-Head Attention with 512-dim embeddings and 8 heads
(setq attention (torch_multihead_attention 512 8))
(println attention)

; Create Layer Normalization for 512-dimensional vectors
(setq layer_norm (torch_layer_norm 512))
(println layer_norm)

; Create Transformer block: 512-dim, 8 heads, 2048 FF dimension
(setq transformer (torch_transformer_block 512 8 2048))
(println transformer)

(setq model (torch_model 4 64 2))
(setq input_data (torch_tensor (floats 1.0 2.0 3.0 4.0)))
(setq output (torch_forward model input_data))
(println output)

; === Seed 001: Optimizers ===

; Create an Adam optimizer with learning rate 0.001
(setq optimizer (torch_optimizer model 0.001 "adam"))
; Create an SGD optimizer with learning rate 0.01
(setq sgd_optimizer (torch_optimizer model 0.01 "sgd"))
(println optimizer)

; === Seed 001: Loss Functions ===

(setq predictions (torch_tensor (floats 1.0 2.0 3.0)))
(setq targets (torch_tensor (floats 1.1 1.9 3.2)))
(setq loss (torch_mse_loss predictions targets))
(println loss)

(setq predictions (torch_tensor (floats 2.0 1.0 0.1)))
(setq targets (torch_tensor (integers 0))) ; target class 0
(setq loss (torch_crossentropy_loss predictions targets))
(println loss)

; === Seed 001: Training Utilities ===

(setq predictions (torch_forward model input_data))
(setq targets (torch_tensor (floats 0.5 1.5)))
(setq loss (torch_mse_loss predictions targets))
(torch_backward loss)

(torch_optimizer_step optimizer)
(torch_optimizer_zero_grad optimizer)
(println "After one step, loss:" (tensor_item (torch_mse_loss (torch_forward model input_data) targets)))

; === Seed 000: Transformer Blocks ===

(setq batch (if quick 4 32))

; Create a Transformer block
(setq transformer_block (torch_transformer_block_create 512 8 2048))

; Forward pass with mask
(setq input_seq (tensor_randn (integers batch 128 512)))  ; [batch, seq, dim]
(setq mask (tensor_ones (integers batch 128 128)))        ; attention mask
(setq output (torch_transformer_block_forward transformer_block input_seq mask))
(println "Transformer block output shape:" (tensor_shape output))

(println "Neural network examples done")
