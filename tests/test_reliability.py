"""Nothing lost, nothing silent (issue 9, DECISIONS.md 11): saves that survive a kill at any
moment, exact resume from a checkpoint, strict loads, Ctrl-C, range and option checks, and
errors that name the function called in one clean line.

Kill tests fork the test process (torch already imported) and SIGKILL the child at a random
moment while it saves in a loop; ten tries each, a few seconds in all.  The tests of the
`lispe` command itself start it with `python -m lispe`.
"""

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file, save_file

from lispe import Lisp, LispError
from lispe.files import atomic_write
from lispe.libs.torch import hf, hf_lora, optim, persistence as ps
from lispe.runtime import mangle

# helpers --------------------------------------------------------------------------------


def lisp_with(**values):
    """An interpreter with lispe_torch loaded and `values` bound to LispE variables."""
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch)")
    for name, value in values.items():
        lisp.globals[mangle(name)] = value
    return lisp


def error_of(lisp, code):
    """The one-line message a LispE program prints for the error raised by `code`."""
    with pytest.raises(LispError) as info:
        lisp.eval(code)
    return info.value.located()


def kill_while_saving(save, check, tries=10, seed=0):
    """Fork a child that calls `save()` forever, SIGKILL it at a random moment, then `check()`
    what is on disk; `tries` times."""
    rng = random.Random(seed)
    for _ in range(tries):
        pid = os.fork()
        if pid == 0:  # the child: save until killed, never return into pytest
            try:
                while True:
                    save()
            finally:
                os._exit(1)
        time.sleep(rng.uniform(0.002, 0.06))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        check()


def lispe_command(*args, **options):
    return subprocess.Popen([sys.executable, "-m", "lispe", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **options)

# 1. atomic saves ------------------------------------------------------------------------


def test_atomic_write_replaces_in_one_step_or_not_at_all(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError):
        with atomic_write(str(path)) as temporary:
            with open(temporary, "w") as f:
                f.write("half")
            raise RuntimeError("the writer failed")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["data.txt"]
    with atomic_write(str(path)) as temporary:
        with open(temporary, "w") as f:
            f.write("new")
        assert path.read_text() == "old"          # nothing visible before the end
    assert path.read_text() == "new" and os.stat(path).st_mode & 0o777 == 0o640
    link = tmp_path / "link.txt"
    link.symlink_to(path)
    with atomic_write(str(link)) as temporary:
        with open(temporary, "w") as f:
            f.write("through the link")
    assert link.is_symlink() and path.read_text() == "through the link"


def test_atomic_folder_swap_and_leftovers(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    dead = tmp_path / ".model.tmp-999999999-deadbeef"     # left by a killed process
    dead.mkdir()
    with atomic_write(str(folder), folder=True) as temporary:
        (tmp_path / temporary / "weights").write_text("new")
        assert (folder / "config.json").exists()
    assert os.listdir(folder) == ["weights"] and sorted(os.listdir(tmp_path)) == ["model"]
    with pytest.raises(LispError, match="no such folder: /nonexistent"):
        Lisp().eval('(fwrite "/nonexistent/dir/f.txt" "x")')


def test_folder_swap_without_renameat2(tmp_path, monkeypatch):
    """Where the system cannot exchange two folders, the old one goes aside for a moment; a
    kill in that moment is repaired by the next write to the same path."""
    from lispe import files
    monkeypatch.setattr(files, "_renameat2", None)
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "old").write_text("old")
    with atomic_write(str(folder), folder=True) as temporary:
        (tmp_path / temporary / "new").write_text("new")
    assert os.listdir(folder) == ["new"] and os.listdir(tmp_path) == ["model"]
    os.rename(folder, tmp_path / ".model.old-12345")          # killed between the renames
    with pytest.raises(RuntimeError):
        with atomic_write(str(folder), folder=True):
            assert os.listdir(folder) == ["new"]              # put back before anything else
            raise RuntimeError("the writer failed")
    assert os.listdir(folder) == ["new"] and os.listdir(tmp_path) == ["model"]


def test_kill_during_fwrite_keeps_the_old_file(tmp_path):
    path = str(tmp_path / "notes.txt")
    old = "old content\n" * 1000
    lisp = lisp_with(path=path, big="new content\n" * 200000)
    with open(path, "w") as f:
        f.write(old)

    def check():
        assert open(path).read() in (old, "new content\n" * 200000)
    kill_while_saving(lambda: lisp.eval("(fwrite path big)"), check)


def test_kill_during_checkpoint_and_model_saves_keeps_the_old_files(tmp_path):
    torch.manual_seed(0)
    lisp = lisp_with(ck=str(tmp_path / "ck.pt"), mp=str(tmp_path / "model.pt"))
    lisp.eval("""(setq model (torch_model 256 512 256))
                 (setq opt (torch_optimizer model 0.01 "adam"))
                 (torch_save_checkpoint model opt 3 ck)
                 (torch_save_model model mp)""")

    def check():
        assert ps.torch_checkpoint_epoch(ps.torch_load_checkpoint(lisp.eval("ck"))) == 3
        assert lisp.eval("(torch_load_model model mp)") == "Model loaded successfully"
    kill_while_saving(lambda: lisp.eval("(torch_save_checkpoint model opt 3 ck)"), check)
    kill_while_saving(lambda: lisp.eval("(torch_save_model model mp)"), check, seed=1)
    lisp.eval("(torch_save_model model mp) (torch_save_checkpoint model opt 3 ck)")
    assert sorted(os.listdir(tmp_path)) == ["ck.pt", "model.pt"]   # leftovers cleaned


def test_kill_during_adapter_saves_keeps_the_old_adapters(tmp_path, tiny_llama_dir):
    key = hf.torch_hf_load_model_lora("kill_saves", tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj", "v_proj"])
    folder, pt = str(tmp_path / "adapter"), str(tmp_path / "adapter.pt")
    hf_lora.torch_hf_lora_save(key, folder)
    hf_lora.torch_hf_lora_save(key, pt)
    expected = load_file(os.path.join(folder, "adapter_model.safetensors"))

    def check():
        assert json.load(open(os.path.join(folder, "adapter_config.json")))["r"] == 4
        saved = load_file(os.path.join(folder, "adapter_model.safetensors"))
        assert saved.keys() == expected.keys()
        assert hf_lora.torch_hf_lora_load(key, pt) is True
    kill_while_saving(lambda: hf_lora.torch_hf_lora_save(key, folder), check)
    kill_while_saving(lambda: hf_lora.torch_hf_lora_save(key, pt), check, seed=2)

# 2. Ctrl-C -------------------------------------------------------------------------------


def interrupt(program, tmp_path, after="ready"):
    """Run a LispE program, SIGINT it once it printed `after`; (status, stderr)."""
    path = tmp_path / "prog.lisp"
    path.write_text(program)
    process = lispe_command(str(path))
    assert process.stdout.readline().strip() == after
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    return process.returncode, err, str(path)


def test_ctrl_c_in_a_matmul_loop(tmp_path):
    status, err, path = interrupt("""(use 'lispe_torch)
(setq a (tensor_randn (integers 200 200)))
(println "ready")
(while true
    (setq b (tensor_matmul a a)))
""", tmp_path)
    assert status == 130
    assert err.splitlines() == [f"Interrupted, line: {err.split('line: ')[1].split()[0]} in: {path}"]
    assert int(err.split("line: ")[1].split()[0]) in (4, 5)


def test_ctrl_c_during_generation(tmp_path, tiny_llama_dir):
    status, err, path = interrupt(f"""(use 'lispe_torch)
(setq m (torch_hf_load_model "{tiny_llama_dir}"))
(println "ready")
(while true
    (torch_hf_generate m (integers 1 5 7) 2 50 (dictionary "greedy" true)))
""", tmp_path)
    assert status == 130 and len(err.splitlines()) == 1
    assert err.startswith("Interrupted, line: ") and err.strip().endswith(path)
    assert "terminate called" not in err and "Traceback" not in err


def test_ctrl_c_in_the_repl_returns_to_the_prompt():
    process = subprocess.Popen([sys.executable, "-m", "lispe"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdin.write('(setq x 0)\n(block (println "ready") (while true (setq x (+ x 1))))\n')
    process.stdin.flush()
    while process.stdout.readline().strip() != "ready":   # the value of the setq first
        pass
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate("(+ 40 2)\n", timeout=60)
    assert process.returncode == 0 and out.split()[-1] == "42"
    assert err.splitlines() == ["Interrupted, line: 1"]

# 3. strict loads ------------------------------------------------------------------------


def test_state_dict_loads_are_strict():
    lisp = lisp_with(noise={"encoder.weight": torch.ones(3, 3)})
    lisp.eval("(setq lin (torch_linear 3 2)) (setq mlp (torch_model 3 4 2))")
    message = error_of(lisp, "(torch_load_state_dict lin noise)")
    assert message.startswith("Error loading state dict: nothing to load, no entry matches the "
                              "model (2 missing entries (weight, bias) and 1 unexpected entry "
                              "(encoder.weight)) (in torch_load_state_dict)")
    assert "State dict" not in error_of(lisp, "(torch_load_state_dict lin noise nil)")[:20]
    lisp.eval("(setq sd (torch_state_dict (torch_model 3 4 2)))")
    lisp.eval("(setq part (dictionary \"fc1.weight\" (@ sd \"fc1.weight\") \"extra\" (@ sd \"fc1.bias\")))")
    message = error_of(lisp, "(torch_load_state_dict mlp part)")
    assert "5 missing entries (fc1.bias, fc2.weight, fc2.bias and 2 more) and 1 unexpected " \
           "entry (extra); give strict nil to load the matching entries only" in message
    assert lisp.eval("(torch_load_state_dict mlp part nil)") == "State dict loaded successfully"
    lisp.eval("(setq other (torch_linear 2 2))")
    assert "size mismatch for weight: [2, 2] in the file, [2, 3] in the model" in \
        error_of(lisp, "(torch_load_state_dict lin (torch_state_dict other))")
    before = lisp.eval("(torch_state_dict lin)")["weight"].clone()
    error_of(lisp, "(torch_load_state_dict lin (torch_state_dict other))")
    assert torch.equal(lisp.eval("(torch_state_dict lin)")["weight"], before)  # all or nothing


def test_model_file_loads_are_strict(tmp_path):
    lisp = lisp_with(path=str(tmp_path / "mlp.pt"))
    lisp.eval("(torch_save_model (torch_model 3 4 2) path)")
    message = error_of(lisp, "(torch_load_model (torch_linear 3 2) path)")
    assert message.startswith("Error loading model: nothing to load, no entry matches the model")
    lisp.eval("(setq bigger (torch_model 3 4 2)) (setq parts (torch_state_dict bigger))")
    assert lisp.eval("(torch_load_model bigger path)") == "Model loaded successfully"


def hf_lora_model(directory, name, targets=("q_proj", "v_proj")):
    key = hf.torch_hf_load_model_lora(name, directory)
    hf_lora.torch_hf_lora_init(key, 4, 8, list(targets))
    with torch.no_grad():
        for p in hf_lora.torch_hf_lora_get_parameters(key):
            p.normal_(0.0, 0.3)
    return key


def test_hf_lora_pt_file_without_adapters_is_an_error(tmp_path, tiny_llama_dir):
    key = hf_lora_model(tiny_llama_dir, "strict_pt")
    ids = torch.tensor([[1, 5, 9, 3]])
    before = hf.torch_hf_forward(key, ids)
    empty, wrong = str(tmp_path / "empty.pt"), str(tmp_path / "wrong.pt")
    torch.save({}, empty)
    torch.save({"layer.0.q_proj.lora_A.weight": torch.zeros(4, 32)}, wrong)
    lisp = lisp_with(key=key, empty=empty, wrong=wrong)
    assert "8 missing entries" in error_of(lisp, "(torch_hf_lora_load key empty)")
    message = error_of(lisp, "(torch_hf_lora_load key wrong)")
    assert "7 missing entries (layer.0.q_proj.lora_B.weight" in message
    assert message.endswith("(in torch_hf_lora_load), line: 1")
    assert torch.equal(hf.torch_hf_forward(key, ids), before)          # nothing changed
    assert lisp.eval("(torch_hf_lora_load key wrong nil)") is True    # explicit partial load


def test_peft_folder_matching_nothing_is_an_error(tmp_path, tiny_llama_dir):
    key = hf_lora_model(tiny_llama_dir, "strict_peft")
    folder = str(tmp_path / "adapter")
    hf_lora.torch_hf_lora_save(key, folder)
    weights = os.path.join(folder, "adapter_model.safetensors")
    save_file({k.replace("self_attn", "attention"): v for k, v in load_file(weights).items()},
              weights)
    other = hf_lora_model(tiny_llama_dir, "strict_peft_target", targets=("k_proj",))
    ids = torch.tensor([[1, 5, 9, 3]])
    before = hf.torch_hf_forward(other, ids)
    message = error_of(lisp_with(key=other, folder=folder), "(torch_hf_lora_load key folder)")
    assert message.startswith("Error loading LoRA adapters: nothing to load, no entry matches")
    assert "missing entries" in message and "unexpected entries" in message
    assert torch.equal(hf.torch_hf_forward(other, ids), before)   # its own adapters are back
    assert len(hf_lora.torch_hf_lora_get_parameters(other)) == 4

# 4. numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("code, expected", [
    ("(torch_clip_grad_norm opt -1.0)", "max_norm must be a number > 0 (got -1)"),
    ("(torch_adam_optimizer -0.1)", "learning_rate must be a number >= 0 (got -0.1)"),
    ("(torch_optimizer (torch_linear 2 2) -1 \"sgd\")", "learning_rate must be a number >= 0"),
    ("(torch_optimizer_add_params (list w) 0.1 -0.01)", "weight_decay must be a number >= 0"),
    ("(torch_scheduler_set_lr (torch_lr_scheduler opt \"cosine\") -2)", "learning_rate must be"),
    ("(torch_save_checkpoint (torch_linear 2 2) opt \"3\" \"x.pt\")",
     "epoch must be an integer (got string_)"),
    ("(torch_save_checkpoint (torch_linear 2 2) opt -3 \"x.pt\")", "epoch must be an integer >= 0"),
    ("(torch_lr_scheduler opt \"step\" (dictionary \"step_size\" 0))", "step_size must be a number >= 1"),
    ("(torch_lr_scheduler opt \"cosine\" (dictionary \"total_steps\" -5))", "total_steps must be"),
    ("(torch_lr_scheduler opt \"exponential\" (dictionary \"gamma\" 0))", "gamma must be a number > 0"),
    ("(torch_linear 99999999999999999999 2)", "in_features must be an integer in [1, 2147483647]"),
    ("(torch_linear 0 2)", "in_features must be an integer in [1, 2147483647] (got 0)"),
])
def test_bad_numbers_are_refused(code, expected):
    lisp = lisp_with(w=torch.zeros(2, requires_grad=True))
    lisp.eval("(setq opt (torch_sgd_optimizer 0.1)) (torch_optimizer_add_params opt (list w))")
    message = error_of(lisp, code)
    assert expected in message and "\n" not in message and message.startswith("Error")


def test_a_warmup_longer_than_the_run_keeps_warming_up():
    """As in the original (the LoRA script of its repository on a small data set): no error,
    the rate rises as initial_lr * step / warmup_steps."""
    lisp = lisp_with(w=torch.zeros(2, requires_grad=True))
    lisp.eval("(setq opt (torch_sgd_optimizer 0.1)) (torch_optimizer_add_params opt (list w))")
    lisp.eval('(setq s (torch_lr_scheduler opt "linear_warmup_cosine" '
              '(dictionary "initial_lr" 0.5 "warmup_steps" 50 "total_steps" 10)))')
    rates = [lisp.eval("(torch_scheduler_step s) (torch_scheduler_get_lr s)") for _ in range(10)]
    assert rates == pytest.approx([0.5 * k / 50 for k in range(1, 11)])


def test_negative_max_norm_no_longer_reverses_gradients():
    w = torch.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    with pytest.raises(LispError, match="max_norm"):
        optim.torch_clip_grad_norm([w], -1.0)
    assert torch.equal(w.grad, torch.full((3,), 2.0))

# 5. exact resume ------------------------------------------------------------------------


TRAINING = """
(use 'lispe_torch)
(defun setup (seed)
    (torch_manual_seed seed)
    (setg attn (torch_flash_attention_create 8 2))
    (setg opt (torch_optimizer attn 0.05 "adam"))
    (setg sched (torch_lr_scheduler opt "cosine" (dictionary "initial_lr" 0.05 "total_steps" 12))))
(defun train (start end checkpoint)
    (setq losses (list))
    (loop step (range start end 1)
        (torch_optimizer_zero_grad opt)
        (setq x (tensor_mul_scalar (tensor_randn (integers 2 5 8)) (+ 0.5 (random 1.0))))
        (setq y (torch_flash_attention_with_dropout attn x x x 0.3 true))
        (setq loss (torch_mse_loss y (tensor_zeros (integers 2 5 8))))
        (torch_backward loss)
        (torch_optimizer_step opt)
        (torch_scheduler_step sched)
        (push losses (tensor_item loss))
        (if checkpoint (torch_save_checkpoint attn opt (+ step 1) checkpoint)))
    losses)
(defun resume (checkpoint end)
    (setq state (torch_load_checkpoint checkpoint))
    (torch_load_state_dict attn state)
    (torch_load_state_dict opt state)
    (train (torch_checkpoint_epoch state) end nil))
"""


def test_resume_gives_bit_identical_losses(tmp_path):
    straight = Lisp()
    straight.eval(TRAINING + "(setup 11)")
    expected = straight.eval("(train 0 12 nil)")
    first = Lisp()
    first.eval(TRAINING + "(setup 11)")
    first.globals[mangle("path")] = str(tmp_path / "ck.pt")
    assert first.eval("(train 0 5 path)") == expected[:5]
    torch.manual_seed(999)                  # the generators move on before the resume
    random.seed(999)
    resumed = Lisp()
    resumed.eval(TRAINING + "(setup 5)")    # another initialisation, overwritten by the load
    resumed.globals[mangle("path")] = str(tmp_path / "ck.pt")
    assert resumed.eval("(resume path 12)") == expected[5:]
    assert resumed.eval("(torch_scheduler_get_lr sched)") == straight.eval("(torch_scheduler_get_lr sched)")


def test_kill_then_resume_in_new_processes(tmp_path):
    """A run killed at a random moment (while it saves a checkpoint each step) resumes from its
    last checkpoint in a new process with the losses of a run never stopped."""
    reference = Lisp()
    reference.eval(TRAINING + "(setup 3)")
    expected = reference.eval("(train 0 12 nil)")
    path = str(tmp_path / "ck.pt")
    runner = tmp_path / "run.py"
    runner.write_text(f"""import sys
from lispe import Lisp
from lispe.runtime import mangle
lisp = Lisp()
lisp.eval({TRAINING!r})
lisp.globals[mangle("path")] = {path!r}
if sys.argv[1] == "train":
    lisp.eval("(setup 3)")
    for step in range(12):
        lisp.eval(f"(train {{step}} {{step + 1}} path)")
        print(step, flush=True)
else:
    lisp.eval("(setup 8)")
    print(repr(lisp.eval("(torch_checkpoint_epoch (torch_load_checkpoint path))")))
    print(repr(lisp.eval("(resume path 12)")))
""")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    training = subprocess.Popen([sys.executable, str(runner), "train"], stdout=subprocess.PIPE,
                                text=True, env=env)
    for _ in range(random.Random(4).randint(3, 7)):
        training.stdout.readline()
    training.kill()
    training.wait()
    out = subprocess.run([sys.executable, str(runner), "resume"], capture_output=True, text=True,
                         env=env, timeout=120).stdout.splitlines()
    epoch = int(out[0])
    assert 3 <= epoch < 12 and eval(out[1]) == expected[epoch:]


def test_checkpoint_holds_schedule_and_random_states(tmp_path):
    lisp = Lisp()
    lisp.eval(TRAINING + "(setup 1) (train 0 3 nil)")
    lisp.globals[mangle("path")] = str(tmp_path / "ck.pt")
    lisp.eval("(torch_save_checkpoint attn opt 3 path)")
    raw = torch.load(str(tmp_path / "ck.pt"), weights_only=True)
    assert raw["scheduler"] == {"kind": "cosine", "step": 3} and raw["epoch"] == 3
    assert set(raw["rng"]) >= {"torch", "python", "numpy"}
    lisp.eval("(setq fresh (torch_lr_scheduler (torch_adam_optimizer 0.1) \"cosine\"))")
    lisp.eval("(torch_load_state_dict fresh (torch_load_checkpoint path))")
    assert lisp.eval("fresh").step_count == 3
    lisp.eval("(setq other (torch_lr_scheduler (torch_adam_optimizer 0.1) \"linear\"))")
    assert "the checkpoint's schedule is cosine, this one is linear" in \
        error_of(lisp, "(torch_load_state_dict other (torch_load_checkpoint path))")

# 6. errors name the function called -----------------------------------------------------


@pytest.mark.parametrize("code, name", [
    ("(tensor_matmul 1 2)", "tensor_matmul"), ("(tensor_sub \"a\" nil)", "tensor_sub"),
    ("(tensor_mul_scalar \"x\" 2)", "tensor_mul_scalar"), ("(tensor_abs \"x\")", "tensor_abs"),
    ("(tensor_exp nil)", "tensor_exp"), ("(torch_linear \"a\" 2)", "torch_linear"),
    ("(torch_embedding 1.5 2)", "torch_embedding"),
    ("(torch_hf_lora_merge \"ghost\")", "torch_hf_lora_merge"),
    ("(torch_hf_lora_enable \"ghost\" true)", "torch_hf_lora_enable"),
    ("(torch_hf_lora_save \"ghost\" \"x.pt\")", "torch_hf_lora_save"),
])
def test_errors_name_the_function_called(code, name):
    message = error_of(lisp_with(), code)
    named = re.findall(r"\(in (\w+)|Error in (\w+)", message)
    assert named and {a or b for a, b in named} == {name}, message

# 7. option names ------------------------------------------------------------------------


@pytest.mark.parametrize("code, expected", [
    ("(torch_lr_scheduler opt \"cosine\" (dictionary \"totl_steps\" 5))",
     "unknown config key: totl_steps (did you mean 'total_steps'?"),
    ("(torch_lr_scheduler opt \"cosin\")", "Unknown scheduler type: cosin (did you mean 'cosine'?"),
    ("(torch_optimizer (torch_linear 2 2) 0.1 \"adamm\")",
     "Unsupported optimizer type: adamm (did you mean 'adam'?"),
])
def test_misspelt_options_are_errors(code, expected):
    lisp = lisp_with()
    lisp.eval("(setq opt (torch_sgd_optimizer 0.1))")
    assert expected in error_of(lisp, code)


@pytest.mark.parametrize("code, expected", [
    ('(torch_generator_config g (dictionary "max_lenght" 3 "temprature" 0.1))',
     "unknown configuration key: max_lenght (did you mean 'max_length'?"),
    ('(torch_generate g (integers 1 2) "beam_serach")',
     "unknown strategy: beam_serach (did you mean 'beam_search'?"),
    ('(torch_generator_config g (dictionary "temperature" -0.5))',
     "temperature must be a number > 0 (got -0.5)"),
    ('(torch_generator_config g (dictionary "top_k" 0))', "top_k must be an integer >= 1 (got 0)"),
    ('(torch_generator_config g (dictionary "top_p" 1.5))', "top_p must be a number in (0, 1]"),
    ('(torch_generator_top_p g (integers 1 2) 5 0)', "top_p must be a number in (0, 1] (got 0)"),
])
def test_generator_options_are_checked(code, expected):
    lisp = lisp_with()
    lisp.eval("(setq g (torch_generator_create (torch_embedding 10 10)))")
    assert expected in error_of(lisp, code)
    assert lisp.eval("g").config["max_length"] == 100          # nothing half-applied


def test_hf_options_are_checked(tiny_llama_dir):
    lisp = lisp_with(path=tiny_llama_dir)
    assert "unknown load option: devise (did you mean 'device'?" in \
        error_of(lisp, '(torch_hf_load_model path (dictionary "devise" "cpu"))')
    lisp.eval("(setq m (torch_hf_load_model path))")
    for options, expected in (('"gredy" true', "unknown option: gredy (did you mean 'greedy'?"),
                              ('"topk" 0', "topk must be an integer >= 1 (got 0)"),
                              ('"topp" 1.5', "topp must be a number in (0, 1] (got 1.5)"),
                              ('"temperature" -1', "temperature must be")):
        message = error_of(lisp, f"(torch_hf_generate m (integers 1 5) 2 3 (dictionary {options}))")
        assert expected in message and "torch_hf_generate" in message, message


def test_misspelt_lora_config_key(tiny_llama_dir):
    key = hf.torch_hf_load_model_lora("options_lora", tiny_llama_dir)
    message = error_of(lisp_with(key=key), '(torch_hf_lora_init key (dictionary "rnk" 4))')
    assert "unknown LoRA config key: rnk (did you mean 'rank'?" in message

# 8. no internals in messages ------------------------------------------------------------


def test_backend_failures_are_one_line_without_internals(tmp_path):
    lisp = lisp_with(bad=str(tmp_path / "bad.pt"), evil=str(tmp_path / "evil.pt"))
    (tmp_path / "bad.pt").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "evil.pt").write_bytes(b"\x80\x04c__builtin__\neval\n.")
    for code in ("(torch_load_checkpoint bad)", "(torch_load_checkpoint evil)",
                 "(torch_linear 99999999999999999999 2)", "(tensor_create (list nil 1))",
                 "(torch_layer_norm (list 0))"):
        message = error_of(lisp, code)
        assert "\n" not in message and message.startswith("Error"), message
        for leak in ("weights_only=False", "NoneType", "c10::", "Exception raised from",
                     "Traceback", "object at 0x"):
            assert leak not in message, message
    assert "refused" in error_of(lisp, "(torch_load_checkpoint evil)")


def test_byte_order_mark_is_ignored(tmp_path):
    (tmp_path / "data.json").write_bytes(b'\xef\xbb\xbf{"a": 1}')
    (tmp_path / "text.txt").write_bytes(b"\xef\xbb\xbfhello")
    lisp = lisp_with(j=str(tmp_path / "data.json"), t=str(tmp_path / "text.txt"))
    assert lisp.eval("(json_read j)") == {"a": 1} and lisp.eval("(fread t)") == "hello"


def test_library_warnings_print_as_one_line(tmp_path):
    program = tmp_path / "warn.lisp"
    program.write_text("(use 'lispe_torch)\n(torch_hf_load_model_lora \"m\" \"/nonexistent\")\n")
    result = subprocess.run([sys.executable, "-W", "always", "-m", "lispe", "-e",
                             '(use \'lispe_torch) (tensor_item (tensor_std (tensor_ones (integers 1))))'],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "UserWarning" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line] == \
        [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]

# 9. the REPL survives values it cannot print --------------------------------------------


def test_repl_prints_huge_integers_and_survives_surrogates():
    code = ("(setq n 1)\n(loop i (range 0 5000 1) (setq n (* n 10)))\nn\n(chr 55296)\n"
            "(+ 1 2)\n")
    result = subprocess.run([sys.executable, "-m", "lispe"], input=code, capture_output=True,
                            text=True, timeout=60)
    lines = result.stdout.split()
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "1" + "0" * 5000 in lines and lines[-1] == "3"


def test_a_folder_is_written_below_folders_that_do_not_exist_yet(tmp_path):
    """The seeds save adapters to checkpoints/epoch_N without creating checkpoints/ first."""
    target = tmp_path / "checkpoints" / "epoch_1"
    with atomic_write(str(target), folder=True) as temporary:
        (tmp_path / temporary / "adapter_config.json").write_text("{}")
    assert os.listdir(target) == ["adapter_config.json"]
