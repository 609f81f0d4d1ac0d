"""Text generation: torch_hf_generate and the torch_generator_* family, checked against
transformers' own generate and against the same sampling done directly with torch."""

import pytest
import torch

from hf_fixtures import reference_model
from lispe import Lisp, LispError
from lispe.libs.torch import generation as gen
from lispe.libs.torch import hf
from lispe.libs.torch.quantization import Int8Linear
from lispe.printer import to_string
from lispe.values import Integers, type_name

PROMPTS = [[5, 17, 33], [90, 4, 4, 61, 12, 100], [7]]


@pytest.fixture(scope="module")
def llama(tiny_llama_dir):
    return hf.torch_hf_load_model(tiny_llama_dir, None)


@pytest.fixture(scope="module")
def reference(tiny_llama_dir):
    return reference_model(tiny_llama_dir)


def hf_greedy(model, prompt, new, **kwargs):
    out = model.generate(torch.tensor([prompt]), max_new_tokens=new, do_sample=False,
                         pad_token_id=0, **{"eos_token_id": None, **kwargs})
    return out[0, len(prompt):].tolist()


def reference_loop(model, prompt, new, choose):
    """Token-by-token generation on the reference model, `choose(logits, history)`."""
    history, out = list(prompt), []
    with torch.no_grad():
        for _ in range(new):
            logits = model(torch.tensor([history])).logits[0, -1].float()
            token = choose(logits, history)
            out.append(token)
            history.append(token)
    return out

# torch_hf_generate ----------------------------------------------------------------------


def test_greedy_value_is_ignored_and_end_ids(llama, reference):
    greedy = hf_greedy(reference, PROMPTS[0], 12)
    assert list(gen.torch_hf_generate(llama, PROMPTS[0], None, 12, {"greedy": False})) == greedy
    eos = greedy[4]
    stop = greedy.index(eos)
    assert list(gen.torch_hf_generate(llama, PROMPTS[0], eos, 12, {"greedy": True})) == \
        greedy[:stop + 1]  # the end id is included
    both = Integers([999, greedy[2]])
    assert list(gen.torch_hf_generate(llama, PROMPTS[0], both, 12, {"greedy": True})) == \
        greedy[:greedy.index(greedy[2]) + 1]
    ending = PROMPTS[0] + [eos]
    assert list(gen.torch_hf_generate(llama, ending, eos, 12, {"greedy": True})) == []
    assert list(gen.torch_hf_generate(llama, torch.tensor(PROMPTS[0]), None, 3,
                                      {"greedy": True})) == greedy[:3]
    assert list(gen.torch_hf_generate(llama, PROMPTS[0], None, 0)) == []
    assert list(gen.torch_hf_generate(llama, PROMPTS[0], None, -2)) == []


def test_default_sampling_is_softmax_multinomial(llama, reference):
    torch.manual_seed(11)
    ours = list(gen.torch_hf_generate(llama, PROMPTS[1], None, 15))
    torch.manual_seed(11)
    theirs = reference_loop(reference, PROMPTS[1], 15,
                            lambda logits, _: int(torch.multinomial(torch.softmax(logits, -1), 1)))
    assert ours == theirs


def test_topk_and_topp_are_reproducible_and_bounded(llama, reference):
    for options in ({"topk": 5}, {"topp": 0.8}):
        torch.manual_seed(3)
        first = list(gen.torch_hf_generate(llama, PROMPTS[0], None, 20, options))
        torch.manual_seed(3)
        assert list(gen.torch_hf_generate(llama, PROMPTS[0], None, 20, options)) == first
    greedy = hf_greedy(reference, PROMPTS[0], 20)
    assert list(gen.torch_hf_generate(llama, PROMPTS[0], None, 20, {"topk": 1})) == greedy
    assert list(gen.torch_hf_generate(llama, PROMPTS[0], None, 20, {"topp": 1e-9})) == greedy
    assert list(gen.torch_hf_generate(llama, PROMPTS[0], None, 20,
                                      {"topk": 1, "topp": 1e-9, "greedy": True})) == greedy
    torch.manual_seed(4)
    sampled = gen.torch_hf_generate(llama, PROMPTS[0], None, 20, {"topk": 3})
    history = list(PROMPTS[0])
    with torch.no_grad():
        for token in sampled:  # every sampled id is among the 3 most likely
            logits = reference(torch.tensor([history])).logits[0, -1]
            assert token in torch.topk(logits, 3).indices.tolist()
            history.append(token)


def test_topp_keeps_the_head_of_the_distribution():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05], [0.05, 0.15, 0.3, 0.5]]))
    torch.manual_seed(0)
    draws = {tuple(gen.pick_top_p(logits, 0.85).tolist()) for _ in range(200)}
    assert {d[0] for d in draws} == {0, 1} and {d[1] for d in draws} == {3, 2}  # 0.5, 0.8 <= 0.85
    assert gen.pick_top_k(logits, 1).tolist() == [0, 3]


def test_temperature_from_load_config_and_option(tiny_llama_dir, reference):
    key = hf.torch_hf_load_model_lora("hot", tiny_llama_dir, {"temperature": 0.5})

    def choose(temperature):
        return lambda logits, _: int(torch.multinomial(torch.softmax(logits / temperature, -1), 1))

    torch.manual_seed(8)
    ours = list(gen.torch_hf_generate(key, PROMPTS[2], None, 10))
    torch.manual_seed(8)
    assert ours == reference_loop(reference, PROMPTS[2], 10, choose(0.5))
    torch.manual_seed(9)
    ours = list(gen.torch_hf_generate(key, PROMPTS[2], None, 10, {"temperature": 2.0}))
    torch.manual_seed(9)
    assert ours == reference_loop(reference, PROMPTS[2], 10, choose(2.0))


def test_repetition_penalty_of_the_original(tiny_llama_dir, reference):
    penalty = 1.3
    key = hf.torch_hf_load_model_lora("penalised", tiny_llama_dir,
                                      {"repetition_penalty": penalty})

    def choose(logits, history):  # torch spec §3.6.4, written out with Python numbers
        logits = logits.clone()
        recent = history[-100:]
        for token in set(recent):
            factor = penalty ** recent.count(token)
            if token in recent[-10:]:
                factor *= 2 * penalty
            logits[token] = logits[token] * (1.0 / max(factor, penalty))
        return int(torch.argmax(logits))

    ours = list(gen.torch_hf_generate(key, PROMPTS[1], None, 20, {"greedy": True}))
    assert ours == reference_loop(reference, PROMPTS[1], 20, choose)
    assert ours != hf_greedy(reference, PROMPTS[1], 20)


def test_a_batch_gives_each_prompt_its_own_result(tiny_llama_dir, llama):
    """Left padding changes nothing: greedy rows, the original penalty (padding not counted)
    and per-row end ids give what each prompt gives alone."""
    penalised = hf.torch_hf_load_model_lora("batch penalised", tiny_llama_dir,
                                            {"repetition_penalty": 1.3})
    for key in (llama, penalised):
        alone = [list(gen.torch_hf_generate(key, p, None, 12, {"greedy": True})) for p in PROMPTS]
        batch = gen.torch_hf_generate(key, [Integers(p) for p in PROMPTS], None, 12,
                                      {"greedy": True})
        assert isinstance(batch, list) and all(isinstance(row, Integers) for row in batch)
        assert [list(row) for row in batch] == alone
    alone = [list(gen.torch_hf_generate(llama, p, None, 12, {"greedy": True})) for p in PROMPTS]
    end = alone[0][3]
    ended = PROMPTS[2] + [end]  # a prompt that already ends with an end id gives nothing
    batch = gen.torch_hf_generate(llama, torch.tensor([PROMPTS[0], [4, 8, 15]]), end, 12,
                                  {"greedy": True})
    assert list(batch[0]) == alone[0][:alone[0].index(end) + 1]
    assert list(gen.torch_hf_generate(llama, [PROMPTS[0], ended], end, 5, {"greedy": True})[1]) == []


def test_batch_callback_sees_each_step(llama):
    lisp = Lisp()
    steps, result = lisp.eval(f'''
    (use 'lispe_torch)
    (setq steps (list))
    (setq result (torch_hf_generate "{llama}" (list (integers 5 17 33) (integers 7)) nil 6
        (dictionary "greedy" true "callback" (lambda (ids) (push steps ids)))))
    (list steps result)
    ''')
    assert [list(step) for step in steps] == [list(pair) for pair in zip(*result)]
    end = result[0][2]
    steps, result = lisp.eval(f'''
    (setq steps (list))
    (setq result (torch_hf_generate "{llama}" (list (integers 5 17 33) (integers 7)) {end} 6
        (dictionary "greedy" true "callback" (lambda (ids) (push steps ids)))))
    (list steps result)
    ''')
    assert len(result[0]) == 3 and [step[0] for step in steps][3:] == [None] * (len(steps) - 3)


def test_stop_strings(llama, tiny_llama_dir):
    def text(ids):  # the decode function given below, in Python
        return "".join(chr(65 + i % 26) for i in ids)

    greedy = list(gen.torch_hf_generate(llama, PROMPTS[1], None, 25, {"greedy": True}))
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch) (defun letters (ids) (join (map (lambda (i) (chr (+ 65 (% i 26)))) ids) \"\"))")
    decode = lisp.eval("letters")
    for stop in (text(greedy[6:8]), [text(greedy[9:12]), "@@"]):
        strings = [stop] if isinstance(stop, str) else stop
        first = min(k for k in range(1, 26) if any(s in text(greedy[:k]) for s in strings))
        result = gen.torch_hf_generate(llama, PROMPTS[1], None, 25,
                                       {"greedy": True, "stop": stop, "decode": decode})
        assert list(result) == greedy[:first] and first < 25
    options = {"greedy": True, "stop": text(greedy[6:8]), "decode": decode}
    alone = [list(gen.torch_hf_generate(llama, p, None, 25, options)) for p in PROMPTS]
    assert [list(row) for row in gen.torch_hf_generate(llama, PROMPTS, None, 25, options)] == alone


def test_stop_strings_with_the_model_tokenizer():
    from tokenizers import Tokenizer
    from lispe.models import default_model_path
    path = default_model_path()
    key = hf.torch_hf_load_model(path, None)
    tokenizer = Tokenizer.from_file(f"{path}/tokenizer.json")
    prompt = tokenizer.encode("The tensor").ids
    greedy = list(gen.torch_hf_generate(key, prompt, None, 30, {"greedy": True}))
    stop = tokenizer.decode(greedy[10:12]).strip() or tokenizer.decode(greedy[10:13])
    first = min(k for k in range(1, 31) if stop in tokenizer.decode(greedy[:k]))
    result = gen.torch_hf_generate(key, prompt, None, 30, {"greedy": True, "stop": stop})
    assert list(result) == greedy[:first] and first <= 13


def test_callbacks_from_lispe(llama, reference):
    greedy = hf_greedy(reference, PROMPTS[0], 6)
    lisp = Lisp()
    seen = lisp.eval(f'''
    (use 'lispe_torch)
    (setq seen (list))
    (defun display_token (token_id data) (push seen (list token_id data)))
    (setq result (torch_hf_generate "{llama}" (integers 5 17 33) 2000 6
        (dictionary "greedy" true "callback" 'display_token "data" "tok")))
    (setq lambda_seen (list))
    (torch_hf_generate "{llama}" (integers 5 17 33) 2000 3
        (dictionary "greedy" true "callback" (lambda (token_id) (push lambda_seen token_id))))
    (list result seen lambda_seen)
    ''')
    result, pairs, lambda_seen = seen
    assert list(result) == greedy
    assert [list(p) for p in pairs] == [[t, "tok"] for t in greedy]
    assert list(lambda_seen) == greedy[:3]


def test_failing_callback_does_not_stop_generation(llama, capsys):
    def broken(token):
        raise ValueError("boom")
    result = gen.torch_hf_generate(llama, PROMPTS[0], None, 4, {"greedy": True, "callback": broken})
    assert len(result) == 4
    assert capsys.readouterr().err.count("boom") == 4


def test_hf_generate_errors(llama):
    def message(*args):
        with pytest.raises(LispError) as info:
            gen.torch_hf_generate(*args)
        return str(info.value)

    assert "should at least constains beos_id" in message(llama, Integers([]), 2, 5)
    assert "Model not loaded: ghost" in message("ghost", [1, 2], 2, 5)
    assert "outside the vocabulary" in message(llama, [1, 500], 2, 5)
    assert "max_length must be an integer" in message(llama, [1, 2], 2, 5.5)
    assert "eos_id must be a list of integers" in message(llama, [1, 2], "x", 5)
    assert "options must be a dictionary" in message(llama, [1, 2], 2, 5, 7)
    assert "temperature must be a number > 0" in message(llama, [1, 2], 2, 5, {"temperature": 0})
    assert "stop must be a non-empty string" in message(llama, [1, 2], 2, 5, {"stop": 3})
    assert "stop strings need a \"decode\" function" in message(llama, [1, 2], 2, 5, {"stop": "x"})
    assert "should at least constains beos_id" in message(llama, [[1, 2], []], 2, 5)

# the generator --------------------------------------------------------------------------


def test_generator_object(llama):
    generator = gen.torch_generator_create(llama, None)
    assert to_string(generator) == "TorchGenerator(max_length=100, temperature=1, strategy=greedy)"
    assert type_name(generator) == "torch_generator_"
    assert generator.config["eos_token_id"] == 2  # the model's own end id
    pairs = [["max_length", 7], ["temperature", 0.8], ["top_k", 40], ["strategy", "top_p"],
             ["num_beams", 3]]
    assert gen.torch_generator_config(generator, pairs) == "Generator configured successfully"
    assert to_string(generator) == "TorchGenerator(max_length=7, temperature=0.8, strategy=top_p)"
    assert gen.torch_set_generation_params(generator, 9, None, None, 0.5) == \
        "Generation parameters updated"
    assert generator.config["max_length"] == 9 and generator.config["top_p"] == 0.5
    assert generator.config["temperature"] == 0.8 and generator.config["num_beams"] == 3
    assert gen.torch_generator_set_device(generator, "cpu") is generator


def test_generator_greedy_matches_transformers(llama, reference):
    generator = gen.torch_generator_create(llama)
    gen.torch_generator_config(generator, {"max_length": 15, "eos_token_id": 1000})
    for prompt in PROMPTS:
        out = gen.torch_generate(generator, torch.tensor([prompt]), "greedy")
        assert out.dtype == torch.long and out.shape == (1, len(prompt) + 15)
        assert out[0].tolist() == prompt + hf_greedy(reference, prompt, 15)
    assert generator.config["strategy"] == "greedy"
    out = gen.torch_generator_greedy(generator, Integers(PROMPTS[0]), 5)
    assert out[0].tolist() == PROMPTS[0] + hf_greedy(reference, PROMPTS[0], 5)
    assert generator.config["max_length"] == 15  # the helpers leave the configuration alone


def test_generator_stops_before_the_end_id(llama, reference):
    greedy = hf_greedy(reference, PROMPTS[1], 10)
    generator = gen.torch_generator_create(llama)
    gen.torch_generator_config(generator, {"max_length": 10, "eos_token_id": greedy[3]})
    out = gen.torch_generator_generate(generator, PROMPTS[1])
    assert out[0].tolist() == PROMPTS[1] + greedy[:greedy.index(greedy[3])]


def test_generator_repetition_penalty_is_transformers(llama, reference):
    generator = gen.torch_generator_create(llama)
    gen.torch_generator_config(generator, {"repetition_penalty": 1.5, "eos_token_id": 1000})
    out = gen.torch_generator_greedy(generator, PROMPTS[1], 20)
    expected = hf_greedy(reference, PROMPTS[1], 20, repetition_penalty=1.5)
    assert out[0].tolist() == PROMPTS[1] + expected


def test_sampling_strategies_of_the_generator(llama, reference):
    generator = gen.torch_generator_create(llama)
    gen.torch_generator_config(generator, {"eos_token_id": 1000})
    greedy = PROMPTS[0] + hf_greedy(reference, PROMPTS[0], 10)
    assert gen.torch_generator_top_k(generator, PROMPTS[0], 10, 1, 0.7)[0].tolist() == greedy
    assert gen.torch_generator_top_p(generator, PROMPTS[0], 10, 1e-9, 1.0)[0].tolist() == greedy
    for call, args in ((gen.torch_generator_top_k, (10, 8, 0.9)),
                       (gen.torch_generator_top_p, (10, 0.9, 1.2))):
        torch.manual_seed(5)
        first = call(generator, PROMPTS[0], *args)
        torch.manual_seed(5)
        assert torch.equal(call(generator, PROMPTS[0], *args), first)
    gen.torch_generator_config(generator, {"max_length": 8})
    torch.manual_seed(6)
    sampled = gen.torch_generate(generator, PROMPTS[0], "top_k")[0].tolist()
    assert len(sampled) == 3 + 8 and generator.config["strategy"] == "top_k"


def test_generator_over_a_module_and_a_lispe_function():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Embedding(50, 16), torch.nn.Linear(16, 50))
    generator = gen.torch_generator_create(module, "cpu")
    gen.torch_generator_config(generator, {"max_length": 6})
    out = gen.torch_generator_generate(generator, [3, 4])
    expected = [3, 4]
    with torch.no_grad():
        for _ in range(6):
            expected.append(int(module(torch.tensor([expected]))[0, -1].argmax()))
    assert out[0].tolist() == expected
    beams = gen.torch_generator_beam_search(generator, [3, 4], 6, 3)
    assert beams.shape[1] <= 8
    lisp = Lisp()
    result = lisp.eval('''
    (use 'lispe_torch)
    (setq generator (torch_generator_create (lambda (ids) (tensor_randn (integers 1 1 10)))))
    (torch_generator_config generator (dictionary "max_length" 4))
    (tensor_shape (torch_generate generator (integers 1 2) "top_k"))
    ''')
    assert list(result) == [1, 6]


def test_generator_errors(llama):
    def message(call, *args):
        with pytest.raises(LispError) as info:
            call(*args)
        return str(info.value)

    assert "Generator requires a torch model" in message(gen.torch_generator_create, 42)
    assert "Model not loaded" in message(gen.torch_generator_create, "ghost")
    assert "First argument must be a torch generator" in message(gen.torch_generate, 1, [1])
    generator = gen.torch_generator_create(llama)
    assert "needs at least one token" in message(gen.torch_generate, generator, [[1, 2], []])
    assert "outside the vocabulary" in message(gen.torch_generate, generator, [400])
    broken = gen.torch_generator_create(torch.nn.Linear(3, 3))
    assert message(gen.torch_generate, broken, [1, 2]).startswith("Error during generation")
    assert "unknown device" in message(gen.torch_generator_create, llama, "tpu")


def test_seed_generator_example_from_lispe(llama, reference):
    """Seed 002's generator example, with a real model (DECISIONS.md 7), 20 tokens not 50."""
    lisp = Lisp()
    greedy, topk = lisp.eval(f'''
    (use 'lispe_torch)
    (setq model "{llama}")
    (setq generator (torch_generator_create model "cpu"))
    (setq config '(
        ("max_length" 20)
        ("temperature" 0.8)
        ("top_k" 40)
        ("top_p" 0.9)
        ("strategy" "greedy")
        ("repetition_penalty" 1.1)
        ("eos_token_id" 50256)
    ))
    (torch_generator_config generator config)
    (torch_set_generation_params generator 20 0.8 40 0.9)
    (setq input_tokens (torch_tensor (integers 15 13)))
    (setq greedy_result (torch_generate generator input_tokens "greedy"))
    (setq topk_result (torch_generate generator input_tokens "top_k"))
    (setq topp_result (torch_generate generator input_tokens "top_p"))
    (setq beam_result (torch_generate generator input_tokens "beam_search"))
    (list greedy_result topk_result)
    ''')
    expected = [15, 13] + hf_greedy(reference, [15, 13], 20, repetition_penalty=1.1)
    assert greedy[0].tolist() == expected and topk.shape == (1, 22)

# int8 weights ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [32, 24])  # packed int8 kernel; dequantized weights
def test_int8_linear_layer(width):
    torch.manual_seed(0)
    linear = torch.nn.Linear(width, 40)
    layer = Int8Linear(linear)
    assert layer.weight.dtype == torch.int8 and layer.packed == (width % 16 == 0)
    dequantized = layer.weight.float() * layer.scale.float()[:, None]
    assert (dequantized - linear.weight).abs().max() <= layer.scale.float().max() / 2 + 1e-6
    x = torch.randn(3, 5, width)
    expected = torch.nn.functional.linear(x, dequantized, linear.bias)
    out = layer(x)
    assert out.shape == (3, 5, 40) and out.dtype == torch.float32
    assert torch.allclose(out, expected, rtol=0.02, atol=0.02)
    assert torch.allclose(out, linear(x), atol=0.1)


def test_int8_model_agrees_with_float32(tiny_llama_dir, llama):
    """Loaded with "dtype" "int8": every linear layer int8, a quarter of their memory, and
    nearly always fp32's next token (teacher-forced over 256 tokens)."""
    key = hf.torch_hf_load_model_lora("int8 llama", tiny_llama_dir, {"dtype": "int8"})
    model = hf.MODELS[key].base
    layers = [m for m in model.modules() if isinstance(m, Int8Linear)]
    assert len(layers) == 7 * 2 + 1 and not any(
        isinstance(m, torch.nn.Linear) for m in model.modules())
    assert hf.MODELS[key].memory_usage < hf.MODELS[llama].memory_usage
    greedy = list(gen.torch_hf_generate(llama, PROMPTS[1], None, 250, {"greedy": True}))
    sequence = torch.tensor([PROMPTS[1] + greedy])
    with torch.inference_mode():
        ours = model(sequence).logits[0, len(PROMPTS[1]) - 1:-1].argmax(-1)
    agreement = (ours == torch.tensor(greedy)).float().mean().item()
    assert agreement >= 0.9, agreement
    ours = list(gen.torch_hf_generate(key, PROMPTS[1], None, 20, {"greedy": True}))
    with torch.inference_mode():  # the decode loop over int8 layers is transformers' over them
        theirs = model.generate(torch.tensor([PROMPTS[1]]), max_new_tokens=20, do_sample=False,
                                pad_token_id=0, eos_token_id=None)
    assert ours == theirs[0, len(PROMPTS[1]):].tolist()
