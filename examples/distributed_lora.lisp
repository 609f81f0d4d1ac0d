; LoRA fine-tuning of the bundled model on several processes with DDP (docs/distributed.md).
;
;     lispe examples/distributed_lora.lisp                           one process
;     lispe --nproc 2 examples/distributed_lora.lisp                 two processes, this machine
;     torchrun --nproc-per-node 2 -m lispe examples/distributed_lora.lisp     the same, by hand
;     LISPE_EXAMPLE_QUICK=1 lispe examples/distributed_lora.lisp     a few steps only
;
; Every process runs this same program. torch_dist_init joins the process group that torchrun
; set up (a world of one process when the program is started by plain `lispe`); the sampler
; gives each process its share of every global batch; DDP averages the gradients, so every
; process holds the same adapters after each step. The global batch does not depend on the
; number of processes: one process or four train the same adapters (up to float rounding),
; the processes only share the work. Rank 0 prints the progress and saves the adapters once.

(use 'lispe_torch)
(use 'lispe_tiktoken)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))

; Configuration
(setq global-batch 4)                          ; examples per optimizer step, all processes together
(setq epochs (if quick 1 2))
(setq train-samples (if quick 8 32))           ; the first examples of the training split
(setq validation-samples (if quick 4 8))
(setq learning-rate 3e-3)
(setq output-dir "distributed_lora_adapters")

; The process group: rank 0 is the one that prints and saves
(setq world (torch_dist_init))
(setq main (torch_dist_is_main))
(check (!= 0 (% global-batch world))
    (throw (+ "the global batch of " global-batch " examples must split evenly over " world
              " processes")))
(setq per-process (integer (/ global-batch world)))
(check main
    (println "Processes:" world "| examples per process and step:" per-process))

; The tokenizer of the bundled model (tiktoken on its tokenizer.json)
(setq model-path (torch_default_model_path))
(setq vocab (json_parse (fread (+ model-path "/tokenizer.json"))))
(setq tokenizer (tiktoken_create (@ vocab "model" "vocab") (@ vocab "added_tokens")
    (@ vocab "pre_tokenizer" "pretokenizers" 0 "pattern" "Regex")))
(setq bos (tiktoken_special_encode tokenizer "<|begin_of_text|>"))
(setq eot (tiktoken_special_encode tokenizer "<|eot_id|>"))

; One example: question and answer in the chat format, as a [1, S] tensor of token ids
(defun encode(pair)
    (setq tokens (tiktoken_encode tokenizer
        (+ "<|start_header_id|>user<|end_header_id|>\n\n" (@ pair "instruction") "<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\n" (@ pair "response"))))
    (pushfirst tokens bos)
    (push tokens eot)
    (tensor_reshape (tensor_create tokens) (integers 1 -1)))

; The dataset: 80% training, 20% validation
(setq pairs (json_parse (fread (+ _current "data/lispe_qa.json"))))
(setq split (integer (* 0.8 (size pairs))))
(setq train (maplist 'encode (@@ pairs 0 train-samples)))
(setq validation (maplist 'encode (@@ pairs split (+ split validation-samples))))

; The model: the same seed everywhere, adapters, then DDP
(torch_manual_seed 42)
(setq model (torch_hf_load_model_lora "distributed_lora" model-path
    (dictionary "device" (torch_dist_device))))
(torch_hf_lora_init model 8 16 (strings "q_proj" "k_proj" "v_proj" "o_proj") "float32")
(torch_ddp_wrap model)
(setq optimizer (torch_optimizer_add_params (torch_hf_lora_get_parameters model) learning-rate 0.0))

; Mean next-token loss of one example
(defun example_loss(tokens)
    (setq logits (torch_hf_forward model tokens))
    (setq length (@ (tensor_shape tokens) 1))
    (torch_cross_entropy
        (tensor_reshape (tensor_slice logits 1 0 (- length 1)) (integers (- length 1) -1))
        (tensor_reshape (tensor_slice tokens 1 1 length) (integers -1))))

; Validation loss of all the processes together: sums and counts added over processes
(setq validation-sampler (torch_dist_sampler validation false))
(defun validate()
    (torch_set_grad_enabled false)
    (setq total 0.0)
    (setq mine (torch_dist_sampler_items validation-sampler))
    (loop tokens mine
        (+= total (tensor_item (example_loss tokens))))
    (torch_set_grad_enabled true)
    (/ (torch_dist_all_reduce total) (torch_dist_all_reduce (size mine))))

; One optimizer step on this process's share of a global batch; returns the loss of the batch
(defun train_step(batch)
    (torch_optimizer_zero_grad optimizer)
    (setq loss (example_loss (car batch)))
    (loop tokens (cdr batch)
        (setq loss (tensor_add loss (example_loss tokens))))
    (setq loss (tensor_div_scalar loss (size batch)))
    (torch_backward loss)                       ; DDP averages the gradients of all processes
    (torch_clip_grad_norm optimizer 1.0)
    (torch_optimizer_step optimizer)
    (torch_dist_all_reduce (tensor_item loss) "mean"))

(setq sampler (torch_dist_sampler train true 42))
(setq before (validate))
(check main (println "Validation loss before training:" before))

(setq start (elapse))
(setq tokens-seen 0)
(setq step 0)
(loopcount epochs epoch
    (torch_dist_sampler_set_epoch sampler epoch)     ; a new order each epoch, the same everywhere
    (setq mine (torch_dist_sampler_items sampler))
    (setq first 0)
    (while (< first (size mine))
        (setq batch (@@ mine first (+ first per-process)))
        (setq loss (train_step batch))
        (+= tokens-seen (torch_dist_all_reduce (sum (map (lambda (t) (torch_numel t)) batch))))
        (+= step 1)
        (+= first per-process)
        (check main
            (println "epoch" (+ epoch 1) "step" step "loss" (/ (round (* loss 10000)) 10000)
                "|" (integer (/ tokens-seen (/ (- (elapse) start) 1000.0))) "tokens/s"))))

(setq after (validate))
(check main
    (println "Validation loss after training:" after)
    (println "Optimizer steps:" step "| tokens:" tokens-seen
        "| seconds:" (/ (- (elapse) start) 1000.0)))

; Saved once, by rank 0, as a PEFT adapter directory; every process waits for it
(torch_dist_hf_lora_save model output-dir)
(check main (println "LoRA adapters saved (PEFT format):" output-dir))
(torch_dist_destroy)
