"""Distributed training (docs/distributed.md): torch.distributed on CPU with gloo, as
accelerate and PyTorch test it.

Two-process runs are launched with torch's own launcher (`python -m torch.distributed.run`,
loopback only, a free port each, killed with their workers past a timeout). This file is also
the worker script: each process runs a LispE training program, then saves its view of the
model (the full parameters, gathered under FSDP) for the checks: (a) trainable parameters
bit-identical across ranks, (b) equal to one process trained on the concatenated batch (run
here, in a world of one), (c) base weights unchanged, (d) only rank 0 wrote through the
`torch_dist_*save*` helpers. The example runs with 1 and 2 processes and must agree.
"""

import os
import pickle
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from lispe import LispError
from lispe.cli import main as lispe_main
from lispe.interpreter import Lisp
from lispe.libs.torch import distributed as D
from lispe.libs.torch.hf import lookup_model

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300

# the LispE programs -------------------------------------------------------------------
# _args: program out-directory model-directory model-name. A global batch of 4 sequences per
# step, shared out by the sampler; each rank seeds differently (DDP must copy rank 0's start).

LORA_TRAINING = """
(use 'lispe_torch)
(setq out (@ _args 1))
(setq world (torch_dist_init))
(setq rank (torch_dist_rank))
(setq per (integer (/ 4 world)))
(torch_manual_seed (+ 7 rank))
(setq model (torch_hf_load_model_lora (@ _args 3) (@ _args 2)))
(torch_hf_lora_init model 4 8 (strings "q_proj" "v_proj"))
(WRAP model)
(setq opt (torch_optimizer_add_params (torch_hf_lora_get_parameters model) 0.01 0.0))
(setq examples (list))
(loopcount 8 i
    (setq row (integers))
    (loopcount 8 j (push row (% (+ (* i 7) (* j 3) 1) 128)))
    (push examples row))
(setq sampler (torch_dist_sampler examples true 3))
(setq seen (list))
(loopcount 2 epoch
    (torch_dist_sampler_set_epoch sampler epoch)
    (setq mine (torch_dist_sampler_items sampler))
    (push seen mine)
    (setq k 0)
    (while (< k (size mine))
        (setq batch (tensor_create (@@ mine k (+ k per))))
        (setq logits (torch_hf_forward model batch))
        (setq loss (torch_cross_entropy
            (tensor_reshape (tensor_slice logits 1 0 7) (integers -1 128))
            (tensor_reshape (tensor_slice batch 1 1 8) (integers -1))))
        (torch_optimizer_zero_grad opt)
        (torch_backward loss)
        (torch_clip_grad_norm opt 1.0)
        (torch_optimizer_step opt)
        (+= k per)))
(torch_dist_hf_lora_save model (+ out "/adapters_main" rank))
"""

DDP_EXTRA = """
(setq mlp (torch_ddp_wrap (torch_model 3 5 2)))
(setq sgd (torch_optimizer mlp 0.1 "sgd"))
(setq rows (torch_dist_sampler_items (torch_dist_sampler (range 0 4 1) false)))
(setq x (tensor_create (maplist (lambda (r) (floats r (+ r 1) (* r r))) rows)))
(setq y (tensor_create (maplist (lambda (r) (floats (- 0 r) 1)) rows)))
(loopcount 3 i
    (torch_optimizer_zero_grad sgd)
    (torch_backward (torch_mse_loss (torch_forward mlp x) y))
    (torch_optimizer_step sgd))
(torch_save_model (torch_ddp_unwrap mlp) (+ out "/mlp_rank" rank ".pt"))
(torch_dist_save_model mlp (+ out "/mlp_main" rank ".pt"))
(dictionary
    "seen" seen "rank" rank "world" world "local" (torch_dist_local_rank)
    "main" (torch_dist_is_main) "device" (torch_dist_device)
    "sum" (torch_dist_all_reduce (+ rank 1)) "mean" (torch_dist_all_reduce (+ rank 1) "mean")
    "max" (torch_dist_all_reduce (+ 0.5 rank) "max") "min" (torch_dist_all_reduce (+ rank 2) "min")
    "tensor" (torch_dist_all_reduce (tensor_create (floats rank 1)))
    "broadcast" (torch_dist_broadcast (list "from" rank) 1)
    "broadcast_tensor" (torch_dist_broadcast (tensor_create (integers rank rank)))
    "gather" (torch_dist_all_gather (* 10 rank))
    "gather_tensor" (torch_dist_all_gather (tensor_create (integers rank)))
    "barrier" (torch_dist_barrier))
"""

FSDP_EXTRA = """
(torch_dist_hf_save_model model (+ out "/model_main" rank))
(dictionary "seen" seen "rank" rank "world" world)
"""

PROGRAMS = {"ddp": LORA_TRAINING.replace("WRAP", "torch_ddp_wrap") + DDP_EXTRA,
            "fsdp": LORA_TRAINING.replace("WRAP", "torch_fsdp_wrap") + FSDP_EXTRA}


def run_program(kind, out, model_dir, name):
    """Run a program in this process: its result and the model's full state dict."""
    result = Lisp(["program", str(out), model_dir, name]).eval(PROGRAMS[kind])
    entry = lookup_model(name, "test")
    with D._full_parameters(entry.model):
        state = {k: v.detach().clone() for k, v in entry.base.state_dict().items()}
    return result, state


def worker(root, model_dir):
    """One process of a torchrun launch: run each program, save what the checks need."""
    torch.set_num_threads(1)
    for kind in PROGRAMS:
        out = Path(root) / kind / "out"
        result, state = run_program(kind, out, model_dir, f"m_{kind}")
        with open(out / f"rank{D.rank()}.pkl", "wb") as f:
            pickle.dump({"result": result, "state": state}, f)
    D.torch_dist_destroy()

# launching ----------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(arguments, cwd=None):
    """Run a command in its own process group; kill the whole group past TIMEOUT."""
    env = dict(os.environ, OMP_NUM_THREADS="1", LISPE_EXAMPLE_QUICK="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    process = subprocess.Popen(arguments, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"{arguments} ran past {TIMEOUT} s:\n{out}\n{err}")
    assert process.returncode == 0, f"{arguments} failed:\n{out}\n{err}"
    return out


def torchrun(*options):
    return [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", *options]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, tiny_llama_dir):
    """kind -> (its two ranks' views, one process's state dict and result, the folders): each
    program run here in a world of one process, then by both processes of one launch (the
    static rendezvous of a multi-node job, on one node)."""
    root = tmp_path_factory.mktemp("distributed")
    references = {}
    for kind in PROGRAMS:
        for folder in ("single", "out"):
            (root / kind / folder).mkdir(parents=True)
        references[kind] = run_program(kind, root / kind / "single", tiny_llama_dir, f"{kind}_1")
    launch(torchrun("--nnodes", "1", "--node-rank", "0", "--master-addr", "127.0.0.1",
                    "--master-port", str(free_port()), __file__, str(root), tiny_llama_dir))
    views = {kind: [pickle.loads((root / kind / "out" / f"rank{r}.pkl").read_bytes())
                    for r in (0, 1)] for kind in PROGRAMS}
    return {kind: (views[kind], *references[kind], root / kind / "single", root / kind / "out")
            for kind in PROGRAMS}

# the checks ---------------------------------------------------------------------------


def check_training(views, reference, model_dir):
    states = [view["state"] for view in views]
    adapters = [k for k in states[0] if ".lora_" in k]
    assert len(adapters) == 8  # A and B, 2 layers, 2 modules
    for k in states[0]:  # (a) bit-identical across ranks
        assert torch.equal(states[0][k], states[1][k]), k
    for k in adapters:   # (b) as one process on the concatenated batch
        torch.testing.assert_close(states[0][k], reference[k], rtol=1e-4, atol=1e-6)
    assert any(torch.count_nonzero(states[0][k]) for k in adapters if ".lora_B." in k)
    checkpoint = load_file(f"{model_dir}/model.safetensors")
    for state in states:  # (c) base weights unchanged
        for k, v in state.items():
            if ".lora_" not in k:
                assert torch.equal(v, checkpoint[k.replace(".base_layer", "")]), k


def check_sampler(views):
    seen = [view["result"]["seen"] for view in views]
    for epoch in (0, 1):
        shares = [[tuple(row) for row in s[epoch]] for s in seen]
        assert len(shares[0]) == len(shares[1]) == 4
        assert sorted(shares[0] + shares[1]) == sorted({*shares[0], *shares[1]})  # disjoint
        assert len(set(shares[0] + shares[1])) == 8
    assert seen[0][0] != seen[0][1]  # a new order each epoch


def test_ddp_two_processes(runs, tiny_llama_dir):
    views, result, reference, single, out = runs["ddp"]
    check_training(views, reference, tiny_llama_dir)
    check_sampler(views)
    mlp = [torch.load(out / f"mlp_rank{r}.pt", weights_only=True) for r in (0, 1)]
    mlp_single = torch.load(single / "mlp_rank0.pt", weights_only=True)
    for k in mlp[0]:
        assert torch.equal(mlp[0][k], mlp[1][k])
        torch.testing.assert_close(mlp[0][k], mlp_single[k], rtol=1e-5, atol=1e-6)
    assert sorted(p.name for p in out.iterdir() if "main" in p.name) == [
        "adapters_main0", "mlp_main0.pt"]  # (d) written by rank 0 only
    assert (out / "adapters_main0" / "adapter_config.json").is_file()
    results = [view["result"] for view in views]
    assert [r["rank"] for r in results] == [0, 1] and {r["world"] for r in results} == {2}
    assert [r["local"] for r in results] == [0, 1] and [r["main"] for r in results] == [True, False]
    for r in results:
        assert (r["sum"], r["mean"], r["max"], r["min"]) == (3, 1.5, 1.5, 2)
        assert r["tensor"].tolist() == [1.0, 2.0]
        assert r["broadcast"] == ["from", 1] and r["broadcast_tensor"].tolist() == [0, 0]
        assert r["gather"] == [0, 10] and [t.tolist() for t in r["gather_tensor"]] == [[0], [1]]
        assert r["device"] == "cpu" and r["barrier"] is True
    assert (result["world"], result["sum"], result["gather"]) == (1, 1, [0])


def test_fsdp_two_processes(runs, tiny_llama_dir):
    """FSDP on a tiny HF Llama with LoRA adapters."""
    views, _, reference, single, out = runs["fsdp"]
    check_training(views, reference, tiny_llama_dir)
    check_sampler(views)
    assert sorted(p.name for p in out.iterdir() if "main" in p.name) == [
        "adapters_main0", "model_main0"]
    saved = load_file(out / "adapters_main0" / "adapter_model.safetensors")
    expected = load_file(single / "adapters_main0" / "adapter_model.safetensors")
    assert saved.keys() == expected.keys()
    for k in saved:  # gathered from the shards, not one rank's shard
        torch.testing.assert_close(saved[k], expected[k], rtol=1e-4, atol=1e-6)
    merged = load_file(out / "model_main0" / "model.safetensors")
    assert merged.keys() == load_file(single / "model_main0" / "model.safetensors").keys()


def test_example_one_and_two_processes(tmp_path):
    """examples/distributed_lora.lisp gives the same adapters run by plain `lispe` (a world of
    one process) and by `lispe --nproc 2`."""
    example = str(ROOT / "examples" / "distributed_lora.lisp")
    adapters = {}
    for n, options in ((1, []), (2, ["--nproc", "2"])):
        cwd = tmp_path / f"n{n}"
        cwd.mkdir()
        out = launch([sys.executable, "-m", "lispe", *options, example], cwd=cwd)
        assert out.count("Validation loss after training:") == 1  # rank 0 prints
        assert f"Processes: {n} |" in out
        adapters[n] = load_file(cwd / "distributed_lora_adapters" / "adapter_model.safetensors")
    assert adapters[1].keys() == adapters[2].keys()
    for k in adapters[1]:
        torch.testing.assert_close(adapters[2][k], adapters[1][k], rtol=1e-3, atol=1e-5)


def test_a_process_of_a_group_ends_cleanly(tmp_path):
    """A process that joined a group ends without Python's finalization (cli.finish): its
    output is flushed and its open streams are closed first."""
    program = tmp_path / "end.lisp"
    program.write_text("""(use 'lispe_torch)
(torch_dist_init)
(setq f (file (+ "stream" (torch_dist_rank) ".txt") 'w))
(file_write f (torch_dist_all_reduce (+ 1 (torch_dist_rank))))
(print "rank" (torch_dist_rank) " ")
(torch_dist_destroy)
""")
    out = launch([sys.executable, "-m", "lispe", "--nproc", "2", str(program)], cwd=tmp_path)
    assert sorted(out.split()) == ["rank0", "rank1", "true", "true"]
    assert [(tmp_path / f"stream{r}.txt").read_text() for r in (0, 1)] == ["3", "3"]

# a world of one process, in this process ------------------------------------------------


def test_world_of_one():
    assert D.torch_dist_init() == 1 and D.torch_dist_init("gloo") == 1
    assert (D.torch_dist_rank(), D.torch_dist_world_size(), D.torch_dist_local_rank()) == (0, 1, 0)
    assert D.torch_dist_is_main() is True and D.torch_dist_barrier() is True
    assert D.torch_dist_device() == ("cuda:0" if torch.cuda.is_available() else "cpu")
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    reduced = D.torch_dist_all_reduce(t, "mean")
    assert reduced is not t and reduced.tolist() == [1.0, 2.0] and not reduced.requires_grad
    assert D.torch_dist_all_reduce(3) == 3 and D.torch_dist_all_reduce(3, "mean") == 3.0
    assert D.torch_dist_broadcast([1, "a"]) == [1, "a"]
    assert D.torch_dist_all_gather(5) == [5]
    module = torch.nn.Linear(2, 2)
    assert D.torch_ddp_wrap(module) is module and D.torch_ddp_unwrap(module) is module
    assert D.torch_dist_destroy() is True


def test_sampler_in_one_process():
    items = list(range(10))
    sampler = D.torch_dist_sampler(items, True, 5)
    first = D.torch_dist_sampler_items(sampler)
    assert sorted(first) == items and first != items
    assert D.torch_dist_sampler_items(D.torch_dist_sampler(items, True, 5)) == first
    D.torch_dist_sampler_set_epoch(sampler, 1)
    second = D.torch_dist_sampler_items(sampler)
    assert sorted(second) == items and second != first
    assert D.torch_dist_sampler_items(D.torch_dist_sampler(items, False)) == items
    result = Lisp().eval("(use 'lispe_torch) (string (torch_dist_sampler (list 1 2 3)))")
    assert result == "Distributed Sampler (rank 0 of 1, 3 examples per process)"


@pytest.mark.parametrize("code, message", [
    ('(torch_dist_init "mpi")', 'Error in torch_dist_init: backend must be "gloo" or "nccl"'),
    ('(torch_dist_all_reduce "a")', "Error in torch_dist_all_reduce: expects a tensor or a number"),
    ('(torch_dist_all_reduce 1 "avg")', 'Error in torch_dist_all_reduce: op must be "sum"'),
    ("(torch_dist_broadcast 1 1.5)", "Error in torch_dist_broadcast: src must be an integer"),
    ("(torch_ddp_wrap 3)", "Error in torch_ddp_wrap: expects a module or the id"),
    ('(torch_ddp_wrap "nothing")', "Error: Model not loaded: nothing (in torch_ddp_wrap)"),
    ("(torch_fsdp_wrap (torch_model 2 2 2))", "Error in torch_fsdp_wrap: expects the id"),
    ('(torch_dist_sampler "abc")', "Error in torch_dist_sampler: expects a list of examples"),
    ("(torch_dist_sampler_items 3)", "Error in torch_dist_sampler_items: expects a distributed"),
    ("(torch_dist_sampler_set_epoch (torch_dist_sampler (list 1)) 1.5)",
     "Error in torch_dist_sampler_set_epoch: epoch must be an integer"),
    ('(torch_dist_save_model (torch_model 2 2 2) "/nonexistent/dir/m.pt")', "Error saving model"),
])
def test_errors(code, message):
    with pytest.raises(LispError) as error:
        Lisp().eval("(use 'lispe_torch) " + code)
    assert str(error.value).startswith(message), str(error.value)


def test_save_helpers_in_one_process(tmp_path, tiny_llama_dir):
    module = torch.nn.Linear(2, 3)
    path = str(tmp_path / "m.pt")
    assert D.torch_dist_save_model(module, path) == "Model saved successfully"
    assert torch.load(path, weights_only=True).keys() == module.state_dict().keys()
    Lisp().eval(f"""(use 'lispe_torch)
        (torch_hf_load_model_lora "dist_one" "{tiny_llama_dir}")
        (torch_hf_lora_init "dist_one" 2 4 (strings "q_proj"))
        (torch_ddp_wrap "dist_one")
        (torch_dist_hf_lora_save "dist_one" "{tmp_path}/adapters")""")
    assert (tmp_path / "adapters" / "adapter_model.safetensors").is_file()


def test_wrap_needs_trainable_parameters(tiny_llama_dir):
    with pytest.raises(LispError) as error:
        Lisp().eval(f"""(use 'lispe_torch)
            (torch_hf_load_model_lora "dist_frozen" "{tiny_llama_dir}")
            (torch_ddp_wrap "dist_frozen")""")
    assert str(error.value).startswith("Error in torch_ddp_wrap: the model has no trainable")


def test_nproc_needs_a_file_and_a_count(capsys):
    assert lispe_main(["--nproc", "0", "x.lisp"]) == 2
    assert lispe_main(["--nproc", "2"]) == 2
    assert "--nproc needs" in capsys.readouterr().err


if __name__ == "__main__":
    worker(*sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)     # without Python's finalization, as `lispe` ends (cli.finish)
