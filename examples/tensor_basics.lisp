; Tensors, LispE data types and devices (seed 000 "Installation and Configuration", "Data
; Types", "Basic Tensor Operations", "Best Practices"; seed 001 "Quick Start Guide",
; "LispE Data Types", "Enhanced Tensor Operations", the tensor, CUDA, MPS and device
; sections; seed 002 "LispE Data Types" and "Enhanced Tensor Operations").
;
;     lispe examples/tensor_basics.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/tensor_basics.lisp   (same work: it is quick)
;
; On a machine without CUDA or MPS, the seeds' torch_to_cuda / torch_to_mps calls keep the
; tensor on the best device there is and print one warning per device name on stderr.
;
; What changed from the seeds: variables the seeds cannot use in LispE are renamed ("size",
; "last", "product" and "tensor_shape" name builtins: "size_list", "last_element",
; "matmul_result", "test_shape");
; seed 001 and seed 000 use "tensor", "data", "c" and "d" before creating them: they are
; created first; seed 002's "(integers 101 7592 2029 ...)" lose their "...".

(use 'lispe_torch)

(torch_manual_seed 0)

; === Seed 000: Loading the Library ===

; Check GPU availability
(if (torch_cuda_is_available)
    (println "✓ CUDA available")
    (if (torch_mps_available)
        (println "✓ MPS (Apple Silicon) available")
        (println "• Using CPU")))

; Set default device
(setq device (cond
    ((torch_cuda_is_available) "cuda")
    ((torch_mps_available) "mps")
    (true "cpu")))

(println "Selected device:" device)

; === Seed 000: Data Types ===

; Optimized list types (zero-copy)
(setq integers_list (integers 1 2 3 4 5))      ; Integer list
(setq floats_list (floats 1.0 2.0 3.0 4.0))   ; Float list
(setq numbers_list (numbers 1.0 2.0 3.0))      ; Double list
(setq shorts_list (shorts 1 2 3))              ; Short list

; Sequence generators
(setq seq1 (iota0 5))    ; [0, 1, 2, 3, 4]
(setq seq2 (iota 5))     ; [1, 2, 3, 4, 5]
(println "Typed lists:" integers_list floats_list numbers_list shorts_list seq1 seq2)

; === Seed 000: Tensor Creation ===

; Create from LispE lists
(setq data (floats 1.0 2.0 3.0 4.0))
(setq tensor (tensor_create data))

; Tensors with specific shapes
(setq zeros_tensor (tensor_zeros (integers 3 4)))
(setq ones_tensor (tensor_ones (integers 2 3)))
(setq random_tensor (tensor_randn (integers 4 4)))

; Tensors with specific device
(setq cuda_tensor (torch_to_cuda (tensor_randn (integers 2 2))))
(setq mps_tensor (torch_to_mps (tensor_randn (integers 2 2))))
(println "Device of the \"cuda\" tensor:" (torch_device cuda_tensor))

; === Seed 000: Mathematical Operations ===

; Basic operations
(setq a (tensor_randn (integers 3 3)))
(setq b (tensor_randn (integers 3 3)))

(setq sum_result (tensor_add a b))
(setq matmul_result (tensor_matmul a b))
(setq transposed (tensor_transpose a 0 1))

; Activation functions
(setq relu_result (tensor_relu tensor))
(setq sigmoid_result (tensor_sigmoid tensor))
(setq softmax_result (tensor_softmax tensor -1))
(println "Softmax:" (tensor_to_list softmax_result))

; === Seed 000: Shape Manipulation ===

; Get dimensions
(setq shape (tensor_shape tensor))
(println "Tensor shape:" shape)

; Reshape
(setq reshaped (tensor_reshape tensor (integers 2 2)))
(setq squeezed (tensor_squeeze tensor))
(setq unsqueezed (tensor_unsqueeze tensor 0))
(println "Reshaped:" (tensor_shape reshaped) "unsqueezed:" (tensor_shape unsqueezed))

; === Seed 000: Best Practices ===

; Use optimized LispE tensors
(setq data (floats 1.0 2.0 3.0))  ; More efficient than (list 1.0 2.0 3.0)

; Explicitly free GPU memory if needed
(torch_cuda_empty_cache)  ; CUDA

; Use the right device for your tensors
(setq tensor (torch_to_device (tensor_randn (integers 100 100)) device))

; Group operations to avoid synchronizations
(setq c (tensor_randn (integers 3 3)))
(setq d (tensor_add_scalar (tensor_abs (tensor_randn (integers 3 3))) 1.0))
(setq result (tensor_add
    (tensor_mul a b)
    (tensor_div c d)))

; Check tensor shapes
(defun debug_tensor(tensor name)
    (println name "- Shape:" (tensor_shape tensor)
            "Device:" (torch_device tensor)
            "Dtype:" (torch_dtype tensor))
)

; Monitor memory usage
(defun memory_info()
    (if (torch_cuda_is_available)
        (println "CUDA memory used:" (torch_cuda_memory_allocated) "bytes")
        (println "CPU usage"))
)

(debug_tensor result "result")
(memory_info)

; === Seed 001: Quick Start ===

; 2. Check GPU availability
(if (torch_cuda_available)
    (println "CUDA available!")
    (if (torch_mps_available)
        (println "MPS (Apple Silicon) available!")
        (println "Using CPU")))

; Create tensors efficiently
(setq data (floats 1.0 2.0 3.0 4.0))  ; Zero-copy when possible
(setq tensor (torch_tensor data))
(setq shape (torch_shape tensor))      ; Get dimensions

; Mathematical operations
(setq a (torch_randn (integers 4 4)))
(setq b (torch_randn (integers 4 4)))
(setq result (torch_matmul a b))       ; Matrix multiplication

; === Seed 001: LispE Data Types for PyTorch Integration ===

; Equivalent tensor creation methods
(setq t1 (torch_zeros (integers 2 3 4)))     ; Explicit integers list
(setq t2 (torch_zeros (iota0 3)))            ; Using sequence generator: (0 1 2)
(setq t3 (torch_tensor (iota 5)))            ; Tensor with values [1,2,3,4,5]
(println "t3:" (tensor_to_list t3))

; === Seed 001: Enhanced Tensor Operations ===

; Create random tensor for weight initialization
(setq random_weights (torch_rand (integers 512 256)))
(println "Random tensor range: 0 to 1")

; Use for model initialization
(setq init_embedding (torch_rand (integers 10000 768)))

; Reshape for multi-head attention: [batch, seq, embed] -> [batch, heads, seq, head_dim]
(setq tensor (torch_randn (integers 2 32 512)))
(setq reshaped (torch_reshape tensor (integers 2 32 8 64)))
(setq transposed (torch_transpose reshaped 1 2))  ; Swap seq and heads dimensions
(println "Original shape:" (torch_size reshaped))    ; (2 32 8 64)
(println "Transposed shape:" (torch_size transposed)) ; (2 8 32 64)

; Get tensor shape
(setq tensor (torch_zeros (integers 4 8 16 32)))
(setq shape (torch_shape tensor))
(println "Tensor shape:" shape)  ; (4 8 16 32)

; Same as torch_size
(setq size_list (torch_size tensor))
(println "Tensor size:" size_list)    ; (4 8 16 32)

; === Seed 001: Native 'at' Function Support ===

; Create test tensor
(setq test_tensor (torch_tensor (integers 10 20 30 40 50)))

; Access elements
(setq first (at test_tensor 0))    ; Returns: 10
(setq third (at test_tensor 2))    ; Returns: 30
(setq last_element (at test_tensor -1))    ; Returns: 50 (negative indexing)
(setq second_last (at test_tensor -2)) ; Returns: 40
(println "at:" first third last_element second_last)

; Works with different tensor types
(setq float_tensor (torch_tensor (floats 1.5 2.7 3.9)))
(setq decimal (at float_tensor 1))  ; Returns: 2.7
(println "at on floats:" decimal)

; Bounds checking
(println "Out of bounds:" (catch (at test_tensor 10)))

; === Seed 001: torch_tensor, torch_zeros, torch_ones, torch_add, torch_mul, torch_matmul ===

(setq tensor_data (floats 1.0 2.0 3.0 4.0))
(setq tensor (torch_tensor data))
(println tensor)

(setq shape (integers 2 3))
(setq zeros_tensor (torch_zeros shape))
(println zeros_tensor) ; 2x3 tensor of zeros

(setq shape (integers 3 3))
(setq ones_tensor (torch_ones shape))
(println ones_tensor) ; 3x3 tensor of ones

(setq t1 (torch_tensor (floats 1.0 2.0 3.0)))
(setq t2 (torch_tensor (floats 4.0 5.0 6.0)))
(setq result (torch_add t1 t2))
(println result) ; (5.0 7.0 9.0)

(setq t1 (torch_tensor (floats 2.0 3.0 4.0)))
(setq t2 (torch_tensor (floats 5.0 6.0 7.0)))
(setq result (torch_mul t1 t2))
(println result) ; (10.0 18.0 28.0)

(setq shape1 (integers 2 3))
(setq shape2 (integers 3 2))
(setq m1 (torch_ones shape1))
(setq m2 (torch_ones shape2))
(setq result (torch_matmul m1 m2))
(println result) ; 2x2 matrix

; === Seed 001: CUDA Support, MPS Support, Device Detection ===

(if (torch_cuda_is_available)
    (println "CUDA is available!")
    (println "CUDA not available"))

(setq device_count (torch_cuda_device_count))
(println "Number of CUDA devices:" device_count)

(setq cpu_tensor (torch_tensor (floats 1.0 2.0 3.0)))
(if (torch_cuda_is_available)
    (setq cuda_tensor (torch_to_cuda cpu_tensor))
    (println "CUDA not available"))

(if (torch_mps_is_available)
    (println "MPS is available! Using Apple Silicon GPU.")
    (println "MPS not available"))

(setq cpu_tensor (torch_tensor (floats 1.0 2.0 3.0)))
(if (torch_mps_is_available)
    (setq mps_tensor (torch_to_mps cpu_tensor))
    (println "MPS not available"))

(setq best_device (torch_get_best_device))
(println "Best available device:" best_device)

; Use the best device automatically
(setq tensor (torch_tensor (floats 1.0 2.0 3.0)))
(cond
    ((eq best_device "mps") (setq tensor (torch_to_mps tensor)))
    ((eq best_device "cuda") (setq tensor (torch_to_cuda tensor)))
    (true (println "Using CPU"))
)

; === Seed 002: LispE Data Types for PyTorch ===

; LispE - Optimized types (direct memory access)
(setq tokens (integers 101 7592 2029))          ; long* array = 8 bytes × N
(setq masks (shorts 1 0 1 1))                   ; short* array = 2 bytes × N
(setq embeddings (numbers 1.5 2.3 3.7))         ; double* array = 8 bytes × N

; Memory-efficient specialized arrays
(println (integers 2 3 4))    ; → long* list (optimized)
(println (shorts 1 0 1 1))    ; → short* list (optimized)
(println (floats 1.0 2.0))    ; → float* list (optimized)
(println (numbers 1.5 2.5))   ; → double* list (optimized)
(println (list 1 2 3))        ; → generic object list (higher overhead)

; Auto-generating sequences with optimal type selection
(println (iota0 5))     ; → (integers 0 1 2 3 4)
(println (iota 5))      ; → (integers 1 2 3 4 5)
(println (iota 5.0))    ; → (numbers 1 2 3 4 5) - auto-detects float

; === Seed 002: Enhanced Tensor Operations ===

; Random tensor generation for initialization
(setq random_tensor (torch_rand (integers 512 512)))  ; Random values [0, 1]

; Transpose dimensions for attention computations
(setq reshaped (torch_reshape random_tensor (integers 8 64 512)))
(setq transposed (torch_transpose reshaped 0 2))  ; Swap dims 0 and 2

; Access tensor elements with native 'at' function
(setq test_tensor (torch_tensor (integers 10 20 30 40 50)))
(setq first_element (at test_tensor 0))    ; Returns: 10
(setq last_element (at test_tensor -1))    ; Returns: 50 (negative indexing)

; Get tensor shape information
(setq test_shape (torch_shape test_tensor))  ; Returns: (5)
(println "Shape:" test_shape "first:" first_element "last:" last_element)

(println "Tensor basics done")
