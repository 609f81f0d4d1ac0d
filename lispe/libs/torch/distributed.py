"""lispe_torch Distributed training (extensions, DECISIONS.md 9): torch.distributed launched
by `torchrun` (or `lispe --nproc N`), with DDP for data parallelism and FSDP (torch's
`fully_shard`) for models that do not fit one device.

Everything here is torch's own machinery: the process group is `init_process_group` reading
torchrun's environment (gloo on CPU, nccl on CUDA); collectives are `torch.distributed`'s;
`torch_ddp_wrap` is `DistributedDataParallel`; `torch_fsdp_wrap` is `fully_shard` on every
decoder layer (the model's `_no_split_modules`, as accelerate does) then on the whole model;
the sampler is `torch.utils.data.DistributedSampler` over a LispE list.

A program not launched by torchrun runs in a world of one process: `torch_dist_init` does
nothing, rank is 0, collectives return their argument, wrappers return the model as is, so the
same program runs with 1 or N processes unchanged.

A Hugging Face model keeps its id: DDP replaces the registry's model by a wrapper that reads
the attributes it lacks from the wrapped model (as FSDP does), so every `torch_hf_*` function
keeps working; FSDP shards the model in place. The `torch_dist_*save*` helpers are collective
(every rank calls them): rank 0 calls the library's own save function (on the gathered
parameters under FSDP), the other ranks wait and share its result or its error.
"""

import contextlib
import itertools
import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler

from ...errors import LispError
from ...registry import builtin
from ...values import truthy
from ._common import LIBRARY, check_int, describe
from ._modules import library_kind
from .hf import lookup_model
from .hf_finetune import torch_hf_save_model
from .hf_lora import torch_hf_lora_save
from .persistence import torch_save_checkpoint, torch_save_model

BACKENDS = ("gloo", "nccl")
# gloo has no AVG: "mean" is a sum divided by the world size
_OPS = {"sum": dist.ReduceOp.SUM, "mean": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX,
        "min": dist.ReduceOp.MIN}

# the process group ----------------------------------------------------------------------


_joined = []    # set when this process called init_process_group


def joined():
    """True when this process joined a process group (even one destroyed since): its gloo or
    nccl threads may still be running."""
    return bool(_joined)


def launched():
    """True when torchrun (or another launcher) set this process's rank and world size."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def active():
    """True when a process group is initialised."""
    return dist.is_available() and dist.is_initialized()


def rank():
    """This process's rank (0 in a world of one)."""
    return dist.get_rank() if active() else 0


def world_size():
    """The number of processes (1 when no process group is initialised)."""
    return dist.get_world_size() if active() else 1


def local_rank():
    """The rank of this process on its machine (torchrun's LOCAL_RANK)."""
    return int(os.environ.get("LOCAL_RANK", "0")) if active() else 0


def _backend(name, fname):
    if name is None:
        return "nccl" if torch.cuda.is_available() else "gloo"
    if not isinstance(name, str) or name.lower() not in BACKENDS:
        raise LispError(f"Error in {fname}: backend must be \"gloo\" or \"nccl\" (got {name!r})")
    if name.lower() == "nccl" and not torch.cuda.is_available():
        print("Warning: backend 'nccl' needs CUDA, using 'gloo'", file=sys.stderr)
        return "gloo"
    return name.lower()


@builtin("torch_dist_init", library=LIBRARY, errors=True)
def torch_dist_init(backend=None):
    """Join torchrun's process group (gloo on CPU, nccl on CUDA); returns the world size.

    The backend can be named. Not launched by torchrun: a world of one process."""
    name = _backend(backend, "torch_dist_init")
    if active() or not launched():
        return world_size()
    if name == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(name)
    _joined.append(name)
    return world_size()


@builtin("torch_dist_destroy", library=LIBRARY, errors=True)
def torch_dist_destroy():
    """Leave the process group (nothing to do in a world of one); returns true."""
    if active():
        dist.destroy_process_group()
    return True


@builtin("torch_dist_rank", library=LIBRARY)
def torch_dist_rank():
    """The rank of this process, 0 .. world size - 1 (0 when not distributed)."""
    return rank()


@builtin("torch_dist_world_size", library=LIBRARY)
def torch_dist_world_size():
    """The number of processes of the group (1 when not distributed)."""
    return world_size()


@builtin("torch_dist_local_rank", library=LIBRARY)
def torch_dist_local_rank():
    """The rank of this process on its machine (0 when not distributed)."""
    return local_rank()


@builtin("torch_dist_is_main", library=LIBRARY)
def torch_dist_is_main():
    """True on rank 0 (the process that prints and saves), and when not distributed."""
    return rank() == 0


@builtin("torch_dist_device", library=LIBRARY)
def torch_dist_device():
    """The device this process should use: "cuda:<local rank>" when CUDA is present, else "cpu"."""
    return f"cuda:{local_rank()}" if torch.cuda.is_available() else "cpu"


@builtin("torch_dist_barrier", library=LIBRARY, errors=True)
def torch_dist_barrier():
    """Wait until every process reaches this point; returns true."""
    if active():
        dist.barrier()
    return True

# collectives ----------------------------------------------------------------------------


def _comm_device():
    """Where the backend's tensors live: the process's GPU for nccl, else the CPU."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _number_tensor(value, fname):
    """A 0-dim tensor for a number, else None for a tensor; other values are errors."""
    if isinstance(value, torch.Tensor):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LispError(f"Error in {fname}: expects a tensor or a number (got {describe(value)})")
    return torch.tensor(value, dtype=torch.int64 if isinstance(value, int) else torch.float64)


@builtin("torch_dist_all_reduce", library=LIBRARY, errors=True)
def torch_dist_all_reduce(value, op="sum"):
    """Sum (default), "mean", "max" or "min" of a tensor or number over every process.

    Returns a new tensor (the argument is unchanged) or a number."""
    fname = "torch_dist_all_reduce"
    if not isinstance(op, str) or op.lower() not in _OPS:
        raise LispError(f"Error in {fname}: op must be \"sum\", \"mean\", \"max\" or \"min\" "
                        f"(got {op!r})")
    op = op.lower()
    number = _number_tensor(value, fname)
    tensor = value.detach() if number is None else number
    if active():
        work = tensor.to(_comm_device(), copy=True)
        dist.all_reduce(work, _OPS[op])
        tensor = work.to(tensor.device)
    else:
        tensor = tensor.clone()
    if op == "mean":
        tensor = tensor / world_size()
    return tensor if number is None else tensor.item()


@builtin("torch_dist_broadcast", library=LIBRARY, errors=True)
def torch_dist_broadcast(value, src=0):
    """The value of process `src` (default 0) on every process: a tensor or any LispE value.

    A tensor must have the same shape and dtype on every process."""
    src = check_int(src, "torch_dist_broadcast", "src")
    if not active():
        return value
    if not 0 <= src < world_size():
        raise LispError("Error in torch_dist_broadcast: src must be a rank in "
                        f"0..{world_size() - 1} (got {src})")
    if isinstance(value, torch.Tensor):
        work = value.detach().to(_comm_device(), copy=True)
        dist.broadcast(work, src)
        return work.to(value.device)
    box = [value]
    dist.broadcast_object_list(box, src)
    return box[0]


@builtin("torch_dist_all_gather", library=LIBRARY, errors=True)
def torch_dist_all_gather(value):
    """The list of every process's value, in rank order (tensors or any LispE values).

    Tensors must have the same shape on every process."""
    if not active():
        return [value]
    if isinstance(value, torch.Tensor):
        work = value.detach().to(_comm_device())
        parts = [torch.empty_like(work) for _ in range(world_size())]
        dist.all_gather(parts, work.contiguous())
        return [p.to(value.device) for p in parts]
    parts = [None] * world_size()
    dist.all_gather_object(parts, value)
    return parts

# models ---------------------------------------------------------------------------------


class ModelDDP(DistributedDataParallel):
    """DistributedDataParallel that reads the attributes it lacks from the wrapped model (as
    FSDP does), so that peft's and transformers' methods are reached through it."""

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module":
                raise
            return getattr(self.module, name)

    def get_base_model(self):
        """The transformers model inside (what `HFModel.base` reads)."""
        inner = self.module
        return inner.get_base_model() if hasattr(inner, "get_base_model") else inner


library_kind(ModelDDP, "torch_ddp_module_", "PyTorch DDP Module")


def _check_trainable(module, fname):
    """A LispE error when nothing in `module` is trainable (DDP would have nothing to average)."""
    if not any(p.requires_grad for p in module.parameters()):
        raise LispError(f"Error in {fname}: the model has no trainable parameters (wrap it after "
                        "torch_hf_lora_init, torch_hf_lora_load or torch_hf_parameters)")


def _ddp(module):
    """`module` in DDP; on a GPU, DDP is told which one."""
    device = next(p for p in module.parameters() if p.requires_grad).device
    ids = None
    if device.type == "cuda":
        ids = [device.index if device.index is not None else torch.cuda.current_device()]
    return ModelDDP(module, device_ids=ids)


@builtin("torch_ddp_wrap", library=LIBRARY, errors=True)
def torch_ddp_wrap(model):
    """DDP: wrap a module (gives the DDP module) or an HF model (gives its id) for training.

    DistributedDataParallel copies rank 0's weights to every process, then averages the
    gradients over the processes in every backward pass. Not distributed: the model as is."""
    fname = "torch_ddp_wrap"
    if isinstance(model, str):
        entry = lookup_model(model, fname)
        _check_trainable(entry.model, fname)
        if active() and not isinstance(entry.model, DistributedDataParallel):
            entry.model = _ddp(entry.model)
        return model
    if not isinstance(model, torch.nn.Module):
        raise LispError(f"Error in {fname}: expects a module or the id of a Hugging Face model "
                        f"(got {describe(model)})")
    _check_trainable(model, fname)
    if not active() or isinstance(model, DistributedDataParallel):
        return model
    return _ddp(model)


@builtin("torch_ddp_unwrap", library=LIBRARY)
def torch_ddp_unwrap(model):
    """The module inside a DDP module; for an HF model id, its DDP wrapper is removed.

    Other values are given back as they are."""
    if isinstance(model, str):
        entry = lookup_model(model, "torch_ddp_unwrap")
        if isinstance(entry.model, DistributedDataParallel):
            entry.model = entry.model.module
        return model
    return _unwrapped(model)


def _unwrapped(model):
    return model.module if isinstance(model, DistributedDataParallel) else model


@builtin("torch_fsdp_wrap", library=LIBRARY, errors=True)
def torch_fsdp_wrap(model):
    """FSDP: shard an HF model (with or without LoRA adapters) over the processes; its id.

    Every decoder layer, then the whole model, is sharded, starting from rank 0's weights.
    Call it before collecting the parameters for the optimizer. Not distributed: the model
    stays as it is."""
    from torch.distributed.fsdp import FSDPModule, fully_shard
    if not isinstance(model, str):
        raise LispError("Error in torch_fsdp_wrap: expects the id of a Hugging Face model "
                        f"(got {describe(model)})")
    entry = lookup_model(model, "torch_fsdp_wrap")
    if not active() or isinstance(entry.model, FSDPModule):
        return model
    if isinstance(entry.model, DistributedDataParallel):
        raise LispError(f"Error in torch_fsdp_wrap: {model} is already wrapped in DDP")
    _copy_from_main(entry.model)
    layers = set(getattr(entry.base, "_no_split_modules", None) or ())
    for module in list(entry.model.modules()):
        if type(module).__name__ in layers:
            fully_shard(module)
    fully_shard(entry.model)
    return model


def _copy_from_main(module):
    """Every parameter and buffer of `module` set to rank 0's values, as DDP does on wrapping
    (FSDP would otherwise shard each process's own initialisation)."""
    with torch.no_grad():
        for tensor in itertools.chain(module.parameters(), module.buffers()):
            dist.broadcast(tensor.data, 0)


@contextlib.contextmanager
def _full_parameters(module):
    """Every FSDP unit of `module` all-gathered while the block runs (a collective), with
    `state_dict()` giving those full tensors: FSDP's pre-hooks, which reshard first so that a
    state dict always holds shards, are set aside meanwhile."""
    from torch.distributed.fsdp import FSDPModule
    units = [m for m in module.modules() if isinstance(m, FSDPModule)]
    hooks = {m: dict(m._state_dict_pre_hooks) for m in module.modules()} if units else {}
    for unit in units:
        unit.unshard()
    for m in hooks:
        m._state_dict_pre_hooks.clear()
    try:
        yield
    finally:
        for m, saved in hooks.items():
            m._state_dict_pre_hooks.update(saved)
        for unit in units:
            unit.reshard()

# the sampler ----------------------------------------------------------------------------


class DistSampler:
    """torch's DistributedSampler over a LispE list: this process's share of the examples,
    reshuffled each epoch with the same seed on every process."""

    def __init__(self, examples, shuffle, seed, drop_last):
        self.examples = examples
        self.sampler = DistributedSampler(examples, num_replicas=world_size(), rank=rank(),
                                          shuffle=shuffle, seed=seed, drop_last=drop_last)

    def items(self):
        """The examples of this process for the current epoch."""
        return [self.examples[i] for i in self.sampler]


library_kind(DistSampler, "torch_dist_sampler_",
             lambda s: f"Distributed Sampler (rank {s.sampler.rank} of "
                       f"{s.sampler.num_replicas}, {s.sampler.num_samples} examples per process)")


@builtin("torch_dist_sampler", library=LIBRARY, errors=True)
def torch_dist_sampler(examples, shuffle=True, seed=0, drop_last=False):
    """A distributed sampler over a list: each process gets its share of every epoch.

    Process r takes every world-size-th example of the epoch's order from r (shuffled with
    `seed` and the epoch when `shuffle`); the shortest shares are padded by repeating examples
    unless `drop_last`."""
    fname = "torch_dist_sampler"
    if isinstance(examples, (str, dict)) or not hasattr(examples, "__len__") \
            or not hasattr(examples, "__getitem__"):
        raise LispError(f"Error in {fname}: expects a list of examples (got {describe(examples)})")
    return DistSampler(examples, truthy(shuffle), check_int(seed, fname, "seed"),
                       truthy(drop_last))


def _check_sampler(value, fname):
    if not isinstance(value, DistSampler):
        raise LispError(f"Error in {fname}: expects a distributed sampler (got {describe(value)})")
    return value


@builtin("torch_dist_sampler_set_epoch", library=LIBRARY)
def torch_dist_sampler_set_epoch(sampler, epoch):
    """Choose the epoch whose order the sampler gives (call it at the start of every epoch)."""
    fname = "torch_dist_sampler_set_epoch"
    _check_sampler(sampler, fname).sampler.set_epoch(check_int(epoch, fname, "epoch"))
    return True


@builtin("torch_dist_sampler_items", library=LIBRARY)
def torch_dist_sampler_items(sampler):
    """The examples of this process for the sampler's current epoch, as a list."""
    return _check_sampler(sampler, "torch_dist_sampler_items").items()

# saving on rank 0 -----------------------------------------------------------------------


def _on_main(fname, save, *args):
    """`save(*args)` on rank 0 only; every process returns its result or raises its error."""
    outcome = [None, None]
    if rank() == 0:
        try:
            outcome[0] = save(*args)
        except Exception as e:  # noqa: BLE001 - shared with every rank, then raised there
            outcome[1] = str(e) if isinstance(e, LispError) else f"Error in {fname}: {e}"
    if active():
        box = [outcome]
        dist.broadcast_object_list(box, 0)
        outcome = box[0]
    if outcome[1] is not None:
        raise LispError(outcome[1])
    return outcome[0]


@builtin("torch_dist_save_model", library=LIBRARY)
def torch_dist_save_model(model, path):
    """torch_save_model by rank 0 only (of the module inside DDP); every process calls it.

    Every process gets rank 0's result, or raises rank 0's error."""
    return _on_main("torch_dist_save_model", torch_save_model,  # either order, as torch_save_model
                    _unwrapped(model), _unwrapped(path))


@builtin("torch_dist_save_checkpoint", library=LIBRARY)
def torch_dist_save_checkpoint(model, optimizer, epoch, path):
    """torch_save_checkpoint by rank 0 only (of the module inside DDP); every process calls it.

    Every process gets rank 0's result, or raises rank 0's error."""
    return _on_main("torch_dist_save_checkpoint", torch_save_checkpoint, _unwrapped(model),
                    optimizer, epoch, path)


def _hf_on_main(fname, save, model, path):
    entry = lookup_model(model, fname)
    with _full_parameters(entry.model):
        return _on_main(fname, save, model, path)


@builtin("torch_dist_hf_lora_save", library=LIBRARY, errors=True)
def torch_dist_hf_lora_save(model, path):
    """torch_hf_lora_save by rank 0 only (FSDP shards gathered); every process calls it.

    Every process gets rank 0's result, or raises rank 0's error."""
    return _hf_on_main("torch_dist_hf_lora_save", torch_hf_lora_save, model, path)


@builtin("torch_dist_hf_save_model", library=LIBRARY, errors=True)
def torch_dist_hf_save_model(model, directory):
    """torch_hf_save_model by rank 0 only (FSDP shards gathered); every process calls it.

    Every process gets rank 0's result, or raises rank 0's error."""
    return _hf_on_main("torch_dist_hf_save_model", torch_hf_save_model, model, directory)

