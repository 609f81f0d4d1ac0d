; Training multi-layer perceptrons (seed 001 "Example 1: Simple MLP Training", seed 000
; "Models and Neural Networks" and "Example 1: Simple Classification", seed 002 "Simple
; Neural Network").
;
;     lispe examples/mlp_training.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/mlp_training.lisp   (fewer epochs)
;
; What changed from the seeds: the epoch counts are variables (the seeds' values, fewer in
; quick mode); the first and last losses are kept to show that they decrease; seed 000's
; classifier is called and its result printed.

(use 'lispe_torch)

(setq quick (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1"))
(torch_manual_seed 0)

; === Seed 001, Example 1: Simple MLP Training ===

; Automatically detect the best device
(setq device (torch_get_best_device))
(println "Using device:" device)

; Create training data
(setq input_data (torch_tensor (floats 1.0 2.0 3.0 4.0)))
(setq targets (torch_tensor (floats 0.5 1.5)))

; Move to best available device
(cond
    ((eq device "mps")
        (block
            (setq input_data (torch_to_mps input_data))
            (setq targets (torch_to_mps targets))
        ))
    ((eq device "cuda")
        (block
            (torch_set_device 0)
            (setq input_data (torch_to_cuda input_data))
            (setq targets (torch_to_cuda targets))
        ))
    (true (println "Using CPU - no acceleration"))
)

; Create a model (4 inputs, 64 hidden, 2 outputs)
(setq model (torch_model 4 64 2))

; Create an Adam optimizer with learning rate 0.001
(setq optimizer (torch_optimizer model 0.001 "adam"))

(setq num_epochs (if quick 200 1000))
(setq first_loss nil)

; Training loop
(loop epoch (range 0 num_epochs 1)
    ; Forward pass
    (setq predictions (torch_forward model input_data))

    ; Compute loss
    (setq loss (torch_mse_loss predictions targets))
    (check (nullp first_loss) (setq first_loss (tensor_item loss)))

    ; Zero gradients
    (torch_optimizer_zero_grad optimizer)

    ; Backward pass
    (torch_backward loss)

    ; Update parameters
    (torch_optimizer_step optimizer)

    ; Print progress every 100 epochs
    (if (= (% epoch 100) 0)
        (println "Epoch:" epoch "Loss:" (tensor_item loss)))
)

(println "Training completed!")
(println "Final predictions:" (torch_forward model input_data))
(println "MLP loss: first" first_loss "-> last" (tensor_item loss))

; === Seed 000: Simple Model Creation ===

; Create individual PyTorch layers
(setq linear1 (torch_linear 784 128))    ; linear layer input->hidden
(setq linear2 (torch_linear 128 10))     ; linear layer hidden->output

; Create example data
(setq input_data (tensor_randn (integers 32 784)))  ; batch_size=32, features=784

; Manual forward pass
(setq h1 (torch_linear_forward linear1 input_data))  ; first layer
(setq h1_relu (tensor_relu h1))                       ; ReLU activation
(setq output (torch_linear_forward linear2 h1_relu)) ; second layer
(println "Manual forward pass output shape:" (tensor_shape output))

; Other available components
(setq embedding (torch_embedding_create 1000 128))   ; vocabulary=1000, dim=128
(setq layer_norm (torch_layer_norm_create 128))      ; layer normalization
(setq attention (torch_multihead_attention 128 8))  ; multi-head attention
(println embedding "|" layer_norm "|" attention)

; === Seed 000, Example 1: Simple Classification ===

; Train a simple MNIST classifier
(defun train_mnist_classifier()
    ; Create model
    (setq input_size 784)
    (setq hidden_size 128)
    (setq output_size 10)
    (setq model (torch_model_create))
    (setq learning_rate 0.001)
    (setq optimizer (torch_optimizer_create))
    (torch_optimizer_add_params optimizer model)

    ; Example data (normalization required)
    (setq train_data (tensor_div_scalar (tensor_randn (integers 1000 784)) 255.0))
    (setq train_labels (tensor_randint 0 10 (integers 1000)))

    ; Training
    (loop epoch (if quick 20 50)
        (setq input_data train_data)
        (setq predictions (torch_model_forward))
        (setq loss (torch_loss_crossentropy predictions train_labels))

        (torch_optimizer_zero_grad optimizer)
        (torch_backward loss)
        (torch_optimizer_step optimizer)

        (if (== (% epoch 10) 0)
            (println "Epoch" epoch "Loss:" (tensor_item loss)))
    )

    model
)

(println "Classifier:" (train_mnist_classifier))

; === Seed 002: Simple Neural Network ===

; Auto-detect best device (MPS/CUDA/CPU)
(setq device (torch_get_best_device))

; Create model and data
(setq model (torch_model 4 64 2))
(setq tensor_data (torch_tensor (floats 1.0 2.0 3.0 4.0)))
(setq targets (torch_tensor (floats 0.5 1.5)))

; Training
(setq optimizer (torch_optimizer model 0.001 "adam"))
(setq output (torch_forward model tensor_data))
(setq loss (torch_mse_loss output targets))
(torch_backward loss)
(torch_optimizer_step optimizer)
(println "One training step, loss:" (tensor_item loss))

(println "MLP examples done")
