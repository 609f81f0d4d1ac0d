; Preparing a Llama-3.1 fine-tuning with SentencePiece (seed 001, "Example 3: Llama-3.1
; Fine-tuning with SentencePiece", and seed 002, "Llama-3.1 Fine-tuning Ready"): try to
; load a pre-trained tokenizer, train a domain-adapted one when it is missing, encode and
; pad the fine-tuning data, and build a scaled-down transformer for it.
;
;     lispe examples/llama_preparation.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/llama_preparation.lisp   (a smaller last block)
;
; There is no "llama3_tokenizer.model" here, so the program takes the seed's second branch
; and trains "domain_tokenizer.model" in the current directory.
;
; Seed 002's "Llama-3.1 Fine-tuning Ready" follows, with the tokenizer trained above.
;
; What changed from the seeds: "(dict ...)" is "(dictionary ...)" ("dict" is not LispE);
; seed 002 loads "llama3_tokenizer.model", which does not exist here: it loads the
; domain-adapted tokenizer instead; its 4096-wide block is 512 wide in quick mode.

; Load the library
(use 'liblispe_torch)

; === LLAMA-3.1 CONFIGURATION ===
(setq llama_config (dictionary
    "vocab_size" 128256      ; Llama-3.1 vocabulary size
    "embed_dim" 4096         ; Llama-3.1 embedding dimension
    "num_heads" 32           ; Llama-3.1 attention heads
    "num_layers" 32          ; Llama-3.1 transformer layers
    "ff_dim" 11008           ; Llama-3.1 feed-forward dimension
    "max_seq_length" 8192    ; Llama-3.1 maximum sequence length
))

; === SENTENCEPIECE TOKENIZER SETUP ===
; Option 1: Use pre-trained Llama tokenizer (if available)
(setq tokenizer nil)
(setq tokenizer_type "")

; Try to load pre-trained Llama tokenizer
(setq load_result
  (catch
    (setq tokenizer (torch_sentencepiece_tokenizer "llama3_tokenizer.model"))
    (setq tokenizer_type "llama_pretrained")
    "success"))

; Option 2: Train custom SentencePiece tokenizer for domain adaptation
(if (maybe load_result)
    (block
        (println "Training custom SentencePiece tokenizer for domain adaptation...")

        ; Create domain-specific training corpus
        (setq domain_corpus (+
            "Instruction: Explain machine learning concepts in simple terms.\n"
            "Response: Machine learning is a type of artificial intelligence...\n"
            "Instruction: Write efficient Python code for data processing.\n"
            "Response: Here's an optimized Python function for data processing...\n"
            "Instruction: Analyze the benefits of renewable energy systems.\n"
            "Response: Renewable energy systems offer multiple advantages...\n"
            "Instruction: Describe modern software development practices.\n"
            "Response: Modern software development emphasizes collaboration...\n"
            "Instruction: Explain quantum computing principles clearly.\n"
            "Response: Quantum computing leverages quantum mechanical phenomena...\n"))

        (fwrite "domain_corpus.txt" domain_corpus)

        ; Train domain-adapted tokenizer
        (setq train_result (torch_train_sentencepiece "domain_corpus.txt" "domain_tokenizer" 8000 "bpe"))
        (println train_result)

        ; Load the trained tokenizer
        (setq tokenizer (torch_sentencepiece_tokenizer "domain_tokenizer.model"))
        (setq tokenizer_type "domain_adapted")
        (println "✅ Using domain-adapted SentencePiece tokenizer")
    )
    (println "✅ Using pre-trained Llama SentencePiece tokenizer"))

; === SAMPLE FINE-TUNING DATA PREPARATION ===
(setq fine_tuning_data (list
    "Instruction: Explain the transformer architecture. Response: The transformer architecture consists of encoder and decoder stacks with multi-head attention mechanisms that enable parallel processing of sequences."
    "Instruction: Write a Python function to implement binary search. Response: def binary_search(arr, target): left, right = 0, len(arr) - 1; while left <= right: mid = (left + right) // 2; if arr[mid] == target: return mid; elif arr[mid] < target: left = mid + 1; else: right = mid - 1; return -1"
    "Instruction: Compare renewable vs fossil fuel energy sources. Response: Renewable energy sources like solar and wind are sustainable and environmentally friendly, while fossil fuels are finite resources that contribute to climate change but currently provide reliable baseline power."
))

; === ADVANCED TEXT PREPROCESSING ===
(println "Processing fine-tuning data with SentencePiece...")
(setq processed_data (list))
(setq total_tokens 0)

(loop text fine_tuning_data
    (setq tokens (torch_encode tokenizer text))
    (setq token_count (size tokens))
    (setq total_tokens (+ total_tokens token_count))
    (setq processed_data (cons tokens processed_data))
    (println "Text length:" (size text) "characters → " token_count "tokens"))

(println "Total tokens processed:" total_tokens)
(println "Average tokens per example:" (/ total_tokens (size fine_tuning_data)))

; Pad to appropriate sequence length (not full Llama length for demo)
(setq practical_max_length 512)  ; Use shorter length for demonstration
(setq padded_data (torch_pad_sequences (reverse processed_data) practical_max_length))
(setq attention_mask (torch_create_attention_mask padded_data))

; === SENTENCEPIECE-OPTIMIZED MODEL ARCHITECTURE ===
(setq actual_vocab_size (torch_vocab_size tokenizer))
(setq embed_dim 512)    ; Smaller for demonstration
(setq num_heads 8)      ; Scaled down
(setq ff_dim 1024)      ; Scaled down

(println "Using vocabulary size:" actual_vocab_size "for" tokenizer_type "tokenizer")

; Create model components
(setq embedding (torch_embedding actual_vocab_size embed_dim))
(setq transformer_layers (list))

; Create multiple transformer layers
(loop layer_idx (range 0 4 1)  ; 4 layers for demonstration
    (setq layer (torch_transformer_block embed_dim num_heads ff_dim))
    (setq transformer_layers (cons layer transformer_layers))
)

(setq output_projection (torch_model embed_dim 256 actual_vocab_size))

(println "✅ Created model architecture:")
(println "   • Embedding:" actual_vocab_size "→" embed_dim)
(println "   • Transformer layers:" (size transformer_layers))
(println "   • Output projection:" embed_dim "→" actual_vocab_size)

; === TOKENIZATION ANALYSIS ===
(println "\n🔍 SentencePiece Tokenization Analysis:")
(setq analysis_text "The transformer architecture revolutionized natural language processing.")
(setq analysis_tokens (torch_encode tokenizer analysis_text))
(setq reconstructed_text (torch_decode tokenizer analysis_tokens))

(println "Original text: \"" analysis_text "\"")
(println "Tokens:" analysis_tokens)
(println "Token count:" (size analysis_tokens))
(println "Reconstructed: \"" reconstructed_text "\"")
(println "Perfect reconstruction:" (= analysis_text reconstructed_text))

; === DEVICE OPTIMIZATION ===
(setq device (torch_get_best_device))
(println "\n🚀 Device optimization:")
(println "   • Detected device:" device)

(cond
    ((eq device "mps")
        (println "   • Apple Silicon GPU acceleration ready"))
    ((eq device "cuda")
        (println "   • NVIDIA GPU acceleration ready"))
    (true
        (println "   • CPU processing (consider GPU for large models)")))

; === FINE-TUNING READINESS CHECK ===
(println "\n🎯 Llama-3.1 Fine-tuning Setup with SentencePiece Complete!")
(println "   ✅ SentencePiece tokenizer: Ready (" tokenizer_type ")")
(println "   ✅ Vocabulary size:" actual_vocab_size)
(println "   ✅ Architecture: Scaled transformer blocks created")
(println "   ✅ Data: Preprocessed and padded (" (size fine_tuning_data) "examples)")
(println "   ✅ Sequence length:" practical_max_length)
(println "   ✅ Device acceleration:" device)
(println "   ✅ Perfect encode/decode cycle verified")
(println "")
(println "🚀 Ready for:")
(println "   • Full-scale Llama-3.1 fine-tuning")
(println "   • Domain adaptation with custom tokenizers")
(println "   • Production deployment with SentencePiece")
(println "   • Multi-GPU distributed training")

; === Seed 002: Llama-3.1 Fine-tuning Ready ===

; Llama-3.1 configuration
(setq llama_config (dictionary
    "vocab_size" 128256
    "embed_dim" (if (= (getenv "LISPE_EXAMPLE_QUICK" "0") "1") 512 4096)
    "num_heads" 32
    "max_seq_length" 8192
))

; Advanced tokenizer (SentencePiece when available)
(setq tokenizer (torch_sentencepiece_tokenizer "domain_tokenizer.model"))

; Transformer architecture
(setq transformer (torch_transformer_block
    (get llama_config "embed_dim")
    (get llama_config "num_heads")
    11008))  ; Llama FF dimension

; Ready for LoRA fine-tuning! 🚀
(println "Llama-sized transformer block:" transformer)
