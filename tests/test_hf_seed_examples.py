"""The Hugging Face, LoRA and generation examples of seed 000, run as LispE programs on a tiny
Llama (token ids inside its vocabulary of 128; the undefined helpers the snippets call, such
as `calculate_loss` or a `Tokenizer` class, are written here)."""

import pytest
import torch

from hf_fixtures import reference_model
from lispe import Lisp

LOSS = '''
(defun calculate_loss (logits targets)
    (setq n (@ (tensor_shape logits) 1))
    (torch_cross_entropy (tensor_reshape logits (integers n 128)) (tensor_reshape targets (integers n))))
'''

TOKENIZER = '''
; a character-level stand-in for the seed's tokenizer class (ids 3..127, end id 2)
(class@ Tokenizer (init)
    (defun encode (text) (integers (map (lambda (c) (+ 3 (% c 125))) (ord text))))
    (defun decode (ids) (join (map (lambda (i) (chr (+ 32 (% i 90)))) ids) ""))
    (defun eos_id () 2))
'''


@pytest.fixture()
def lisp(tiny_llama_dir):
    interpreter = Lisp()
    interpreter.eval(f'(use \'lispe_torch) (setq model_path "{tiny_llama_dir}")')
    return interpreter


def test_loading_and_training_with_lora(lisp):
    """Seed 000: "Loading Pre-trained Models" then "Training with LoRA"."""
    losses = lisp.eval(LOSS + '''
    (setq config (dictionary "device" "mps"))
    (setq model_id (torch_hf_load_model model_path config))
    (setq input_tokens (tensor_create (integers 15 49 57)))
    (setq input_batch (tensor_unsqueeze input_tokens 0))
    (setq logits (torch_hf_forward model_id input_batch))

    (setq targets (tensor_unsqueeze (tensor_create (integers 49 57 15)) 0))
    (setq model_name "my_model")
    (torch_hf_load_model_lora model_path config model_name)
    (setq lora_config (dictionary "rank" 16 "alpha" 32))
    (torch_hf_lora_init model_name lora_config)
    (setq lora_params (torch_hf_lora_parameters model_name))
    (setq optimizer (torch_adamw_optimizer_create 2e-2))
    (torch_optimizer_add_params optimizer lora_params)
    (setq losses (list))
    (loop epoch 3
        (setq logits (torch_hf_forward model_name input_batch))
        (setq loss (calculate_loss logits targets))
        (push losses (tensor_item loss))
        (torch_optimizer_zero_grad optimizer)
        (torch_backward loss)
        (torch_optimizer_step optimizer))
    losses
    ''')
    assert len(losses) == 3 and losses[2] < losses[0]


def test_lora_initialization_and_training(lisp, tmp_path):
    """Seed 000: "LoRA Initialization" (argument order of seed 000) and "LoRA Training"."""
    losses = lisp.eval(LOSS + f'''
    (setq output_dir "{tmp_path}")
    (setq config (dictionary "device" "cpu"))
    (setq model_name "llama_lora")
    (torch_hf_load_model_lora
        model_path
        config
        model_name)
    (setq lora_config (dictionary
        "rank" 16
        "alpha" 32.0
        "target_modules" (strings "q_proj" "k_proj" "v_proj" "o_proj")
        "dtype" "float16"
    ))
    (torch_hf_lora_init
        model_name
        lora_config)

    (defun get_batch_data (i) (tensor_unsqueeze (tensor_create (integers 5 9 (+ 20 i) 33 41)) 0))
    (defun calculate_lm_loss (logits input_ids)
        (calculate_loss (tensor_slice logits 1 0 4) (tensor_slice input_ids 1 1 5)))
    (setq num_batches 2)
    (setq losses (list))

    (setq lora_params (torch_hf_lora_parameters model_name))
    (setq learning_rate 2e-2)
    (setq optimizer (torch_optimizer_create))
    (torch_optimizer_add_params optimizer lora_params)

    (loop epoch 3
        (println "Epoch" (+ epoch 1))
        (loop batch_idx num_batches
            (setq input_ids (get_batch_data batch_idx))
            (setq logits (torch_hf_forward model_name input_ids))
            (setq loss (calculate_lm_loss logits input_ids))
            (torch_optimizer_zero_grad optimizer)
            (torch_backward loss)
            (torch_optimizer_step optimizer)
            (push losses (tensor_item loss))
            (if (== (% batch_idx 10) 0)
                (println "  Batch" batch_idx "Loss:" (tensor_item loss)))
        )
        (torch_hf_lora_save model_name (+ output_dir "/epoch_" epoch))
    )
    losses
    ''')
    assert losses[-1] < losses[0] and losses[-2] < losses[1]
    for epoch in range(3):
        assert (tmp_path / f"epoch_{epoch}" / "adapter_model.safetensors").is_file()


def test_model_class_for_generation(lisp, tiny_llama_dir, capsys):
    """Seed 000: "Model Class for Generation", sampling token by token with a KV context."""
    generated = lisp.eval(TOKENIZER + '''
    (class@ Model (model_path config tokenizer init)
        (defun configure()
            (setqi model_id (torch_hf_load_model model_path config))
            (setqi temperature 0.7)
            (setqi top_p 0.9)
            (setqi max_tokens 100)
        )

        (defun generate(prompt max_length)
            (setq prompt_tokens (tokenizer (encode prompt)))
            (setq generated_tokens (clone prompt_tokens))
            (setq context_id (torch_hf_enable_kv_cache model_id true))
            (setq current_input (tensor_unsqueeze (tensor_create prompt_tokens) 0))
            (loop i max_length
                (setq logits (torch_hf_forward model_id current_input context_id))
                (setq last_logits (tensor_select logits 1 -1))
                (setq last_logits (tensor_select last_logits 0 0))
                (setq scaled_logits (tensor_div_scalar last_logits temperature))
                (setq probs (tensor_softmax scaled_logits -1))
                (setq next_token (tensor_multinomial probs 1 true))
                (setq next_token_id (tensor_item next_token))
                (print (tokenizer (decode (integers next_token_id))))
                (push generated_tokens next_token_id)
                (check (== next_token_id (tokenizer (eos_id)))
                    (break)
                )
                (setq current_input (tensor_unsqueeze (tensor_create (integers next_token_id)) 0))
            )
            (println)
            generated_tokens
        )
    )
    (torch_manual_seed 7)
    (setq model (Model model_path (dictionary "device" "cpu") (Tokenizer true) (configure)))
    (withclass Model (model (generate "Hello" 12)))
    ''')
    prompt = [3 + ord(c) % 125 for c in "Hello"]
    assert list(generated[:5]) == prompt and 5 < len(generated) <= 17
    torch.manual_seed(7)
    reference = reference_model(tiny_llama_dir)
    history = list(prompt)
    with torch.no_grad():
        for _ in range(len(generated) - 5):
            logits = reference(torch.tensor([history])).logits[0, -1] / 0.7
            history.append(int(torch.multinomial(torch.softmax(logits, -1), 1, True)))
    assert list(generated) == history
    assert len(capsys.readouterr().out.strip()) == len(generated) - 5


def test_advanced_generation_with_parameters(lisp):
    """Seed 000: "Advanced Generation with Parameters" (the five strategies)."""
    result = lisp.eval(TOKENIZER + '''
    (setq tokenizer (Tokenizer true))
    (defun generate_with_config(model_path prompt_tokens eos_id)
        (setq result_default (torch_hf_generate model_path prompt_tokens eos_id 100))
        (setq greedy_options (dictionary "greedy" true))
        (setq result_greedy (torch_hf_generate model_path prompt_tokens eos_id 100 greedy_options))
        (setq topk_options (dictionary "topk" 50))
        (setq result_topk (torch_hf_generate model_path prompt_tokens eos_id 100 topk_options))
        (setq topp_options (dictionary "topp" 0.9))
        (setq result_topp (torch_hf_generate model_path prompt_tokens eos_id 100 topp_options))

        (defun display_token(token_id tokenizer)
            (printerr (tokenizer (decode (integers token_id))))
        )
        (setq callback_options (dictionary
            "topk" 30
            "callback" 'display_token
            "data" tokenizer
        ))
        (setq result_callback (torch_hf_generate model_path prompt_tokens eos_id 100 callback_options))
        (setq lambda_options (dictionary
            "topp" 0.95
            "callback" (lambda (token_id data)
                (println "Generated token:" token_id)
                (printerr (data (decode (integers token_id))))
            )
            "data" tokenizer
        ))
        (torch_hf_generate model_path prompt_tokens eos_id 20 lambda_options)
        (list result_default result_greedy result_topk result_topp result_callback)
    )
    (setq model_id (torch_hf_load_model model_path))
    (generate_with_config model_id (integers 5 17 33) (integers 2 3))
    ''')
    assert len(result) == 5
    for tokens in result:
        assert 0 < len(tokens) <= 100
        assert all(t not in (2, 3) for t in tokens[:-1])  # generation stops at an end id


def test_seed_callback_calls_a_method_of_its_data(lisp, capfd):
    """The seed's display_token callback decodes with the tokenizer it receives as data."""
    lisp.eval(TOKENIZER + '''
    (setq model_id (torch_hf_load_model model_path))
    (defun display_token(token_id tokenizer)
        (printerr (tokenizer (decode (integers token_id)))))
    (torch_hf_generate model_id (integers 5 17 33) 1000 4
        (dictionary "greedy" true "callback" 'display_token "data" (Tokenizer true)))
    ''')
    assert "Error" not in capfd.readouterr().err
