; Model loading and persistence (seed 001 "Model Loading & Persistence" and "Production
; Workflow Example", seed 004 "Model Loading & Persistence", "Production Workflow" and
; "Advanced Features", seed 002 "Model Persistence"): save and load modules, state
; dictionaries, training checkpoints, and a build / train / export / deploy workflow.
;
;     lispe examples/persistence.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/persistence.lisp   (smaller models)
;
; Files (*.pt) are written in the current directory. They are read back with
; weights_only=True: loading a file never runs code stored in it.
;
; What changed from the seeds: configurations written "(@ (@ key value) ...)" and read
; "(config @ key)" are LispE dictionaries read with "(@ config key)"; "(loop (epoch 1 100))"
; style loops keep the seeds' form; the seeds' undefined names ("input", "my_model",
; "model", "optimizer", "vocab_size"...) are created first ("input" is a builtin, so the
; tensor is "input_data"); the large vocabularies are smaller in quick mode.

(use 'lispe_torch)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(torch_manual_seed 0)

; === Seed 001: torch_save_model ===

; Save a linear layer
(setq linear (torch_linear 512 256))
(println (torch_save_model linear "linear_layer.pt"))

; Save an embedding layer
(setq embedding (torch_embedding (if quick 1000 10000) 512))
(torch_save_model embedding "embeddings.pt")

; Save attention mechanism
(setq attention (torch_multihead_attention 512 8))
(torch_save_model attention "attention.pt")

; === Seed 001: torch_load_model ===

(setq input_data (tensor_randn (integers 4 512)))

; Create new model with same architecture
(setq new_linear (torch_linear 512 256))
; Load pre-trained weights
(println (torch_load_model "linear_layer.pt" new_linear))

; Model is now ready with loaded weights
(setq output (torch_linear_forward new_linear input_data))
(println "Loaded layer computes like the saved one:"
    (< (tensor_item (tensor_max (tensor_abs (tensor_sub output (torch_linear_forward linear input_data))))) 1e-6))

; === Seed 001: torch_state_dict, torch_load_state_dict ===

(setq linear (torch_linear 256 128))
(setq state_dict (torch_state_dict linear))
(println state_dict)
; Returns: PyTorch State Dict (2 parameters)

(setq source_model (torch_linear 256 128))
(setq target_model (torch_linear 256 128))

; Transfer parameters
(setq state_dict (torch_state_dict source_model))
(println (torch_load_state_dict target_model state_dict))

; === Seed 001: checkpoints ===

(setq model (torch_linear 512 256))
(setq optimizer (torch_optimizer model 0.001 "adam"))

; Save training checkpoint
(println (torch_save_checkpoint model optimizer 100 "checkpoint_epoch_100.pt"))

(setq checkpoint (torch_load_checkpoint "checkpoint_epoch_100.pt"))
; Use checkpoint data to resume training
(println "Checkpoint:" checkpoint)
(setq resumed (torch_linear 512 256))
(torch_load_state_dict resumed checkpoint)

; === Seed 001: Production Workflow Example ===

; 1. Configuration
(setq config (dictionary
    "vocab_size" (if quick 3000 30000)
    "embed_dim" (if quick 192 768)
    "num_heads" 12
    "seq_length" 512
    "learning_rate" 0.0001
))

; 2. Model components
(setq tokenizer (torch_simple_tokenizer))
(setq embedding (torch_embedding (@ config "vocab_size") (@ config "embed_dim")))
(setq pos_encoding (torch_positional_encoding (@ config "embed_dim") (@ config "seq_length")))
(setq attention (torch_multihead_attention (@ config "embed_dim") (@ config "num_heads")))
(setq layer_norm (torch_layer_norm (list (@ config "embed_dim"))))

; 3. Training setup
(setq optimizer (torch_optimizer attention (@ config "learning_rate") "adam"))

; 4. Training loop with checkpointing
(loop (epoch 1 100)
    ; ... training steps ...

    ; Save checkpoint every 10 epochs
    (if (= (% epoch 10) 0)
        (torch_save_checkpoint attention optimizer epoch
            (+ "checkpoint_epoch_" (string epoch) ".pt")))
)
(println "Last checkpoint:" (torch_load_checkpoint "checkpoint_epoch_90.pt"))

; 5. Save final trained model
(torch_save_model embedding "final_embedding.pt")
(torch_save_model pos_encoding "final_positional.pt")
(torch_save_model attention "final_attention.pt")
(torch_save_model layer_norm "final_layernorm.pt")

; 6. Production deployment
; Load pre-trained components in production environment
(setq prod_embedding (torch_embedding (@ config "vocab_size") (@ config "embed_dim")))
(setq prod_attention (torch_multihead_attention (@ config "embed_dim") (@ config "num_heads")))

(torch_load_model "final_embedding.pt" prod_embedding)
(torch_load_model "final_attention.pt" prod_attention)

; Ready for inference!
(setq ids (tensor_create (integers 1 2 3)))
(println "Deployed embedding equals the trained one:"
    (< (tensor_item (tensor_max (tensor_abs (tensor_sub
        (torch_embedding_forward prod_embedding ids)
        (torch_embedding_forward embedding ids))))) 1e-6))

; === Seed 004: Save Models, Load Models, State Dictionaries ===

(setq linear (torch_linear 512 256))
(torch_save_model linear "my_layer.pt")

(setq new_linear (torch_linear 512 256))
(torch_load_model "my_layer.pt" new_linear)

(setq my_model (torch_model 16 32 4))
(setq state_dict (torch_state_dict my_model))
; Returns: PyTorch State Dict (N parameters)
(println state_dict)

; === Seed 004: Production Workflow ===

(setq vocab_size (if quick 1000 10000))
(setq embed_dim 256)
(setq max_seq 512)
(setq num_heads 8)
(setq num_epochs 300)
(setq embedding (torch_embedding vocab_size embed_dim))
(setq attention (torch_multihead_attention embed_dim num_heads))
(setq model attention)
(setq optimizer (torch_optimizer model 0.001 "adam"))

; 1. Model Development - build your Transformer
(setq transformer_components (list
    (torch_embedding vocab_size embed_dim)
    (torch_positional_encoding embed_dim max_seq)
    (torch_multihead_attention embed_dim num_heads)
    (torch_layer_norm (list embed_dim))
))

; 2. Training Loop - training with checkpoints
(loop (i 0 num_epochs)
    ; ... training step ...

    ; Save checkpoint every 100 steps
    (if (= (% i 100) 0)
        (torch_save_checkpoint model optimizer i
            (+ "checkpoint_" (string i) ".pt")))
)

; 3. Model Export - save final trained model
(torch_save_model model "final_transformer.pt")

; Export individual components
(torch_save_model embedding "embedding_final.pt")
(torch_save_model attention "attention_final.pt")

; 4. Production Deployment - load pre-trained model in production
(setq production_model (torch_embedding vocab_size embed_dim))
(torch_load_model "embedding_final.pt" production_model)

; Inference pipeline ready!

; === Seed 004: Multi-Module Persistence ===

; Complex model with multiple components
(setq big_vocab (if quick 5000 50000))
(setq full_transformer (dictionary
    "embedding" (torch_embedding big_vocab 768)
    "pos_encoding" (torch_positional_encoding 768 2048)
    "attention" (torch_multihead_attention 768 12)
    "layer_norm" (torch_layer_norm (list 768))
))

; Save all components
(torch_save_model (@ full_transformer "embedding") "transformer_embedding.pt")
(torch_save_model (@ full_transformer "pos_encoding") "transformer_pos.pt")
(torch_save_model (@ full_transformer "attention") "transformer_attention.pt")
(torch_save_model (@ full_transformer "layer_norm") "transformer_norm.pt")

; Memory-Efficient Loading: load specific layers for fine-tuning
(torch_save_model embedding "pre_trained_embedding.pt")
(setq embedding_only (torch_embedding vocab_size embed_dim))
(torch_load_model "pre_trained_embedding.pt" embedding_only)

; Fine-tune just the embedding layer

; === Seed 002: Model Persistence ===

(setq my_model (torch_model 16 32 4))
(setq model my_model)
(setq epoch 3)

; Save trained models
(torch_save_model my_model "transformer.pt")

; Load pre-trained models
(torch_load_model "transformer.pt" my_model)

; Extract model parameters
(setq state_dict (torch_state_dict my_model))

; Training checkpoints
(setq optimizer (torch_optimizer model 0.001 "adam"))
(torch_save_checkpoint model optimizer epoch "checkpoint.pt")
(setq checkpoint (torch_load_checkpoint "checkpoint.pt"))
(println "Seed 002 checkpoint:" checkpoint)

(println "Persistence examples done")
