"""Text generation: torch_hf_generate and the torch_generator_* family, checked against
transformers' own generate and against the same sampling done directly with torch."""

import pytest
import torch

from hf_fixtures import reference_model
from lispe import Lisp, LispError
from lispe.libs.torch import generation as gen
from lispe.libs.torch import hf
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


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_greedy_is_transformers_greedy(hf_checkpoint, arch):
    directory = hf_checkpoint(arch)
    key = hf.torch_hf_load_model(directory, None)
    reference = reference_model(directory)
    for prompt in PROMPTS:
        result = gen.torch_hf_generate(key, Integers(prompt), None, 25, {"greedy": True})
        assert isinstance(result, Integers)
        assert list(result) == hf_greedy(reference, prompt, 25)


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
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    torch.manual_seed(0)
    draws = {gen.pick_top_p(logits, 0.85) for _ in range(200)}
    assert draws == {0, 1}  # cumulative 0.5, 0.8 <= 0.85; 0.95 > 0.85


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


@pytest.mark.parametrize("beams", [2, 4])
def test_beam_search_matches_transformers(llama, reference, beams):
    generator = gen.torch_generator_create(llama)
    ended = 0
    for prompt in PROMPTS[:2]:
        gen.torch_generator_config(generator, {"eos_token_id": 1000})
        unended = gen.torch_generator_beam_search(generator, prompt, 12, beams)[0].tolist()
        for eos in (1000, unended[len(prompt) + 2], unended[len(prompt) + 6]):
            gen.torch_generator_config(generator, {"eos_token_id": eos})
            out = gen.torch_generator_beam_search(generator, prompt, 12, beams)
            theirs = reference.generate(torch.tensor([prompt]), max_new_tokens=12,
                                        num_beams=beams, do_sample=False, eos_token_id=eos,
                                        pad_token_id=eos)[0].tolist()
            if theirs[-1] == eos and len(theirs) > len(prompt):
                theirs, ended = theirs[:-1], ended + 1
            assert out[0].tolist() == theirs
    assert ended  # some beams finished on their end id


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
    assert "one non-empty sequence" in message(gen.torch_generate, generator, [[1, 2], [3, 4]])
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
