; The basic LoRA pipeline with stand-alone LoRA layers (seed 001 "LoRA Fine-tuning",
; seed 002 "LoRA Fine-tuning", seed 003 "Basic LoRA API", seed 004 "LoRA Adapter Management").
;
; A LoRA layer wraps a frozen linear layer W and adds (alpha/rank)·B·A, with A random and
; B zero at the start, so a fresh LoRA layer computes exactly what its base layer computes.
; Here the adapters are trained for a few steps, saved, loaded into other layers, switched,
; and merged into the base weights for deployment.
;
;     lispe examples/lora_basic.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/lora_basic.lisp   (512-wide layers instead of 4096)
;
; What changed from the seeds: the width is a variable (4096 as in the seeds, 512 in quick
; mode); the seeds' "(3. Training loop (simplified))" is a real training loop; the adapter and
; base files the seeds load ("pretrained_base.pt", "summarization_adapters.pt", ...) are made
; first; seed 003's undefined "input" is a tensor named "input_data" ("input" is a builtin).

(use 'lispe_torch)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(setq width (if quick 512 4096))
(torch_manual_seed 1)

; === Seed 001: LoRA layers ===

; Create LoRA layer for Llama-3.1 scale
(setq lora_layer (torch_lora_linear width width 16 32.0))

; Much fewer trainable parameters than full fine-tuning!
(println "LoRA layer created:" lora_layer)

(setq tensor_input (torch_ones (integers 32 width)))
(setq output (torch_lora_forward lora_layer tensor_input))
(println "LoRA output shape:" (torch_size output))

; Start with pre-trained linear layer
(setq base_layer (torch_linear 512 256))
; Convert to LoRA for fine-tuning
(setq lora_adapted (torch_lora_apply_to_linear base_layer 8 16.0))
(println "Adapted layer:" lora_adapted)

; === Seed 001: LoRA Fine-tuning Pipeline ===

; 1. Create or load base model
(setq base_model (torch_linear width width))

; 2. Apply LoRA adaptation
(setq lora_model (torch_lora_apply_to_linear base_model 16 32.0))

; 3. Training loop: only A and B are trained, the base weights stay frozen
(setq tensor_input (torch_ones (integers 32 width)))
(setq target (torch_zeros (integers 32 width)))

(setq trainable (torch_lora_trainable_params lora_model))
(println "Trainable tensors:" (size trainable))
(setq optimizer (torch_adam_optimizer 0.01))
(torch_optimizer_add_params optimizer trainable)

(setq losses (numbers))
(loopcount (if quick 5 20) step
    ; Forward pass
    (setq output (torch_lora_forward lora_model tensor_input))
    (setq loss (torch_mse_loss output target))
    (push losses (tensor_item loss))
    (torch_optimizer_zero_grad optimizer)
    (torch_backward loss)
    (torch_optimizer_step optimizer))
(println "LoRA training loss: first" (car losses) "-> last" (last losses))
(println "Adaptation magnitude ||(alpha/rank)·B·A||:" (torch_lora_get_adaptation_magnitude lora_model))
(println "Delta shape:" (tensor_shape (torch_lora_compute_delta lora_model)))

; 4. Save adapters (much smaller than full model)
(println (torch_lora_save_adapters lora_model "task_specific_adapters.pt"))

; 5. For deployment: merge weights for optimal inference
(setq before (torch_lora_forward lora_model tensor_input))
(println (torch_lora_merge_weights lora_model))
(setq after (torch_lora_forward lora_model tensor_input))
(println "Merged layer:" lora_model)
(println "Largest change from merging:" (tensor_item (tensor_max (tensor_abs (tensor_sub after before)))))

; 6. Or load adapters into new model
(setq deployment_model (torch_lora_linear width width 16 32.0))
(println (torch_lora_load_adapters deployment_model "task_specific_adapters.pt"))

; === Seed 002: LoRA Fine-tuning ===

; Create a LoRA-adapted linear layer
(setq lora_layer (torch_lora_linear width width 16 32.0))
; Parameters: in_features, out_features, rank, alpha

; Apply LoRA to existing layers
(setq base_linear (torch_linear 512 256))
(setq lora_adapted (torch_lora_apply_to_linear base_linear 8 16.0))

; Forward pass with LoRA
(setq tensor_input (torch_ones (integers 32 512)))
(setq output (torch_lora_forward lora_adapted tensor_input))

; Save only the LoRA adapters (much smaller!)
(torch_lora_save_adapters lora_adapted "llama_lora_adapters.pt")

; Load adapters for inference
(setq new_model (torch_lora_linear 512 256 8 16.0))
(torch_lora_load_adapters new_model "llama_lora_adapters.pt")

; Merge weights for deployment (no overhead)
(torch_lora_merge_weights lora_adapted)

; === Seed 003: Basic LoRA API ===

(setq input_data (torch_randn (integers 4 512)))

; Create a LoRA linear layer
(setq lora_layer (torch_lora_linear 512 256 16 32.0))

; Forward pass
(setq output (torch_lora_forward lora_layer input_data))

; Forward pass with gradient tracking
(setq output (torch_lora_forward_with_gradients lora_layer input_data true))
(println "Forward with gradients, output shape:" (tensor_shape output))

; Save adapters
(torch_lora_save_adapters lora_layer "adapters.pt")

; === Seed 004: LoRA Adapter Management ===

; Create LoRA-adapted layer
(setq lora_layer (torch_lora_linear width width 16 32.0))

; Save only LoRA adapters (much smaller!)
(torch_lora_save_adapters lora_layer "task_adapters.pt")

; Save complete model with LoRA merged
(torch_lora_merge_weights lora_layer)
(torch_save_model lora_layer "merged_model.pt")

; The files the adapter-switching workflow loads: a base layer and two task adapters
(setq pretrained (torch_linear width width))
(torch_save_model pretrained "pretrained_base.pt")
(torch_save_model pretrained "base_model.pt")
(setq task_layer (torch_lora_apply_to_linear pretrained 16 32.0))
(torch_lora_save_adapters task_layer "summarization_adapters.pt")
(torch_lora_save_adapters (torch_lora_apply_to_linear pretrained 16 32.0) "translation_adapters.pt")

; Adapter Switching Workflow: base model loading
(setq base_model (torch_linear width width))
(torch_load_model "pretrained_base.pt" base_model)

; Convert to LoRA for task adaptation
(setq lora_adapted (torch_lora_apply_to_linear base_model 16 32.0))

; Load task-specific adapters
(torch_lora_load_adapters lora_adapted "summarization_adapters.pt")

; Switch to different task
(torch_lora_load_adapters lora_adapted "translation_adapters.pt")

; Option 1: Merged Weights (Optimal Performance)
(setq lora_model (torch_lora_linear width width 16 32.0))
; ... training ...

; For deployment: merge weights for zero overhead
(torch_lora_merge_weights lora_model)
(torch_save_model lora_model "production_model.pt")

; Load in production (no LoRA overhead)
(setq prod_model (torch_linear width width))
(torch_load_model "production_model.pt" prod_model)
(setq probe (torch_randn (integers 2 width)))
(println "Production layer equals the merged LoRA layer:"
    (< (tensor_item (tensor_max (tensor_abs (tensor_sub
        (torch_linear_forward prod_model probe)
        (torch_lora_forward lora_model probe))))) 1e-4))

; Option 2: Dynamic Adapter Loading
(setq base_model (torch_linear width width))
(torch_load_model "base_model.pt" base_model)

(setq lora_model (torch_lora_apply_to_linear base_model 16 32.0))

; Runtime task switching
(defun switch_task (task_name)
    (torch_lora_load_adapters lora_model
        (+ task_name "_adapters.pt")))

(println (switch_task "summarization"))  ; Load summarization adapters
(println (switch_task "translation"))    ; Switch to translation adapters

(println "Basic LoRA pipeline done")
