; The SentencePiece integration and the complete text-to-Transformer pipeline of seed 001
; ("SentencePiece Integration", "Text Processing Pipeline"): train SentencePiece models,
; load them, compare tokenizers, pad, mask, embed and run a transformer block.
;
;     lispe examples/sentencepiece_pipeline.lisp
;     LISPE_EXAMPLE_QUICK=1 lispe examples/sentencepiece_pipeline.lisp   (same work: it is quick)
;
; Model files (*.model, *.vocab) and corpora are written in the current directory.
;
; What changed from the seed: the tokenizer files the seed loads without making them
; ("production_model.model", "general_model.model", "model.model") are ones trained here;
; the vocabulary-coverage cases, written ("news", "...") in the seed, are LispE lists.

; Load the library
(use 'liblispe_torch)

; === Training Custom SentencePiece Models: Basic Training ===

; Create training corpus
(setq training_data "Large corpus of text for training the tokenizer model")
(fwrite "training_corpus.txt" training_data)

; Train model with 8000 vocabulary using BPE
(setq result (torch_train_sentencepiece "training_corpus.txt" "my_model" 8000 "bpe"))
(println result)

; === Advanced Training Configuration ===

; Domain-specific corpus for specialized tokenization
(setq domain_corpus (+
    "Technical documentation requires specialized vocabulary handling.\n"
    "Software engineering terminology needs careful tokenization.\n"
    "API documentation contains structured text patterns.\n"
    "Code examples require preserving syntax elements.\n"))

(fwrite "domain_corpus.txt" domain_corpus)

; Train with smaller vocabulary for domain adaptation
(setq domain_result (torch_train_sentencepiece "domain_corpus.txt" "domain_model" 2000 "bpe"))

; Load the domain-specific tokenizer
(setq domain_tokenizer (torch_sentencepiece_tokenizer "domain_model.model"))

; === Pattern 1: Pre-trained Model Loading ===

; Load existing production tokenizer
(setq production_tokenizer (torch_sentencepiece_tokenizer "domain_model.model"))

; Verify tokenizer properties
(setq vocab_size (torch_vocab_size production_tokenizer))
(println "Production tokenizer loaded with" vocab_size "tokens")

; Test tokenization quality
(setq test_text "Production deployment requires robust tokenization.")
(setq tokens (torch_encode production_tokenizer test_text))
(setq reconstructed (torch_decode production_tokenizer tokens))
(println "Reconstruction quality:" (= test_text reconstructed))

; === Pattern 2: Domain Adaptation Pipeline ===

; Step 1: Collect domain-specific text
(setq domain_texts (list
    "Domain-specific text example 1"
    "Domain-specific text example 2"
    "Domain-specific text example 3"))

; Step 2: Create training corpus
(setq combined_corpus "")
(loop text domain_texts
    (setq combined_corpus (+ combined_corpus text "\n")))
(fwrite "domain_training.txt" combined_corpus)

; Step 3: Train adapted tokenizer
(setq adaptation_result (torch_train_sentencepiece "domain_training.txt" "adapted_model" 4000 "bpe"))

; Step 4: Deploy adapted tokenizer
(setq adapted_tokenizer (torch_sentencepiece_tokenizer "adapted_model.model"))

; === Pattern 3: Multi-Model Tokenization ===

; Load multiple tokenizers for comparison
(setq general_tokenizer (torch_sentencepiece_tokenizer "my_model.model"))
(setq domain_tokenizer (torch_sentencepiece_tokenizer "domain_model.model"))

; Compare tokenization efficiency
(setq test_text "Technical software documentation with API references.")

(setq general_tokens (torch_encode general_tokenizer test_text))
(setq domain_tokens (torch_encode domain_tokenizer test_text))

(println "General tokenizer: " (size general_tokens) "tokens")
(println "Domain tokenizer: " (size domain_tokens) "tokens")
(println "Efficiency gain: " (- (size general_tokens) (size domain_tokens)) "tokens")

; === Complete Text-to-Transformer Pipeline with SentencePiece ===

; === STEP 1: SentencePiece Model Training ===
; Create training corpus
(setq corpus (+ "Natural language processing enables computers to understand text.\n"
                "Machine learning models require sophisticated tokenization systems.\n"
                "SentencePiece provides subword tokenization for modern AI.\n"
                "Deep learning transformers revolutionize language understanding.\n"
                "Tokenization is the foundation of text processing pipelines.\n"))

(fwrite "training_corpus.txt" corpus)

; Train SentencePiece model
(setq training_result (torch_train_sentencepiece "training_corpus.txt" "my_tokenizer" 200 "bpe"))
(println "Training result:" training_result)

; === STEP 2: Tokenizer Comparison ===
(setq simple_tokenizer (torch_simple_tokenizer))
(setq sp_tokenizer (torch_sentencepiece_tokenizer "my_tokenizer.model"))

(setq test_text "Hello world! Natural language processing is amazing.")

; Compare tokenization approaches
(setq simple_tokens (torch_encode simple_tokenizer test_text))
(setq sp_tokens (torch_encode sp_tokenizer test_text))

(println "Original text:" test_text)
(println "Simple tokens:" simple_tokens)
(println "SentencePiece tokens:" sp_tokens)
(println "Simple vocab size:" (torch_vocab_size simple_tokenizer))
(println "SentencePiece vocab size:" (torch_vocab_size sp_tokenizer))

; === STEP 3: Advanced Text Processing ===
(setq texts (list
    "Short text."
    "This is a longer sentence with more complex vocabulary."
    "Machine learning algorithms process natural language efficiently."))

; Process with SentencePiece (recommended for production)
(setq tokenized_texts (list))
(loop text texts
    (setq tokens (torch_encode sp_tokenizer text))
    (setq tokenized_texts (cons tokens tokenized_texts))
)

; === STEP 4: Sequence Processing ===
(setq max_length 25)
(setq padded_sequences (torch_pad_sequences (reverse tokenized_texts) max_length))
(setq attention_mask (torch_create_attention_mask padded_sequences))

(println "Padded sequences shape:" (torch_shape padded_sequences))
(println "Attention mask shape:" (torch_shape attention_mask))

; === STEP 5: Embedding and Transformer ===
(setq vocab_size (torch_vocab_size sp_tokenizer))
(setq embed_dim 128)
(setq num_heads 8)
(setq ff_dim 256)

(setq embedding (torch_embedding vocab_size embed_dim))
(setq transformer (torch_transformer_block embed_dim num_heads ff_dim))

; Forward pass
(setq embedded_sequences (torch_forward embedding padded_sequences))
(setq transformer_output (torch_forward transformer embedded_sequences))

(println "Embedded sequences shape:" (torch_shape embedded_sequences))
(println "Transformer output shape:" (torch_shape transformer_output))

; === STEP 6: Verification ===
; Test bidirectional encoding
(setq verification_text "Test bidirectional encoding with SentencePiece.")
(setq encoded_verification (torch_encode sp_tokenizer verification_text))
(setq decoded_verification (torch_decode sp_tokenizer encoded_verification))

(println "Original:" verification_text)
(println "Reconstructed:" decoded_verification)
(println "Perfect reconstruction:" (= verification_text decoded_verification))

(println "🎉 Complete SentencePiece pipeline successful!")

; === Debugging and Validation: Tokenization Analysis ===

; Analyze tokenization patterns
(setq analysis_texts (list
    "Simple words and punctuation."
    "Complex technical terminology."
    "Mixed-language text with émojis 🚀."
    "Numbers and symbols: version 2.3.1-beta."))

(setq tokenizer (torch_sentencepiece_tokenizer "my_tokenizer.model"))

(loop text analysis_texts
    (setq tokens (torch_encode tokenizer text))
    (setq decoded (torch_decode tokenizer tokens))
    (println "Original:  " text)
    (println "Tokens:    " tokens)
    (println "Token count:" (size tokens))
    (println "Decoded:   " decoded)
    (println "Perfect:   " (= text decoded))
    (println ""))

; === Vocabulary Coverage Analysis ===

; Test vocabulary coverage on different text types
(setq test_cases (list
    (list "news" "Breaking news: Scientists discover new treatment method.")
    (list "technical" "The API endpoint returns JSON with authentication headers.")
    (list "conversational" "Hey! How's your project going? Let me know if you need help.")
    (list "multilingual" "Hello, Bonjour, Hola, こんにちは")
))

(loop case test_cases
    (setq category (@ case 0))
    (setq text (@ case 1))
    (setq tokens (torch_encode tokenizer text))
    (setq efficiency (/ (size text) (size tokens)))
    (println category ": " efficiency "chars/token"))
