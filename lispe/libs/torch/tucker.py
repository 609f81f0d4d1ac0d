"""lispe_torch Tucker Decomposition family (torch spec §3.24), backed by `tensorly` with its
PyTorch backend: Tucker decomposition (HOOI, `tensorly.decomposition.tucker`), reconstruction
(`tucker_to_tensor`), the Khatri-Rao product, and the compression ratio of a decomposition.

tensorly's backend is selected per call with `tensorly.backend_context("pytorch")`, so this
module never changes the backend other code sees.  Results are ordinary torch tensors.

Not here: other decompositions (CP, tensor train), non-negative Tucker, and the original's
random initialisation (tensorly starts from an SVD, so decompositions are deterministic).
"""

import array
import contextlib
import math
import warnings

import tensorly
import torch
from tensorly.decomposition import tucker

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, backend_errors, check_int, check_number, describe, int_list


@contextlib.contextmanager
def _pytorch(prefix):
    """tensorly on its PyTorch backend, its advisory warnings silenced, failures as LispErrors."""
    with backend_errors(prefix), tensorly.backend_context("pytorch"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _float(t):
    return t if t.is_floating_point() else t.float()


def _ranks(rank, shape, fname):
    ranks = int_list(rank, fname, "rank")
    if isinstance(rank, int):
        ranks = ranks * len(shape)
    if len(ranks) != len(shape):
        raise LispError("Error in Tucker decomposition: Number of ranks must match tensor dimensions")
    for n, (r, size) in enumerate(zip(ranks, shape)):
        if not 1 <= r <= size:
            raise LispError(f"Error in Tucker decomposition: rank {r} of mode {n} must lie in 1..{size}")
    return ranks


@builtin("torch_tucker_decomposition", library=LIBRARY)
def torch_tucker_decomposition(tensor, rank, max_iter=None, tol=None):
    """The list (core factors) of a Tucker decomposition: tensor ≈ core ×1 U1 ... ×N UN."""
    fname = "torch_tucker_decomposition"
    if not isinstance(tensor, torch.Tensor):
        raise LispError(f"Error: Input must be a tensor (in {fname}, got {describe(tensor)})")
    ranks = _ranks(rank, tensor.shape, fname)
    max_iter = 100 if max_iter is None else check_int(max_iter, fname, "max_iter")
    tol = 1e-6 if tol is None else check_number(tol, fname, "tol")
    with _pytorch("Error in Tucker decomposition"):
        core, factors = tucker(_float(tensor), rank=ranks, n_iter_max=max_iter, tol=tol)
    return [core, list(factors)]


@builtin("torch_tucker_reconstruct", library=LIBRARY)
def torch_tucker_reconstruct(core, factors):
    """The tensor core ×1 U1 ×2 U2 ... ×N UN."""
    fname = "torch_tucker_reconstruct"
    if not isinstance(core, torch.Tensor):
        raise LispError(f"Error: Core must be a tensor (in {fname}, got {describe(core)})")
    if not isinstance(factors, list):
        raise LispError(f"Error: Factors must be a list of tensors (in {fname}, got {describe(factors)})")
    if not all(isinstance(f, torch.Tensor) for f in factors):
        raise LispError(f"Error: All factors must be tensors (in {fname})")
    with _pytorch("Error in Tucker reconstruction"):
        return tensorly.tucker_to_tensor((core, factors))


def _shape(value, fname):
    if isinstance(value, torch.Tensor):
        value = value.tolist() if value.dim() else [value.item()]
    if not isinstance(value, (list, array.array, tuple)):
        raise LispError(f"Error calculating Tucker compression ratio: a shape must be a list "
                        f"(got {describe(value)})")
    return int_list(list(value), fname, "shape")


@builtin("torch_tucker_compression_ratio", library=LIBRARY)
def torch_tucker_compression_ratio(original_shape, core_shape, factor_shapes):
    """Elements of the original tensor divided by elements of core plus factors."""
    fname = "torch_tucker_compression_ratio"
    if not isinstance(factor_shapes, list):
        raise LispError(f"Error calculating Tucker compression ratio: factor_shapes must be a list "
                        f"of shapes (got {describe(factor_shapes)})")
    stored = math.prod(_shape(core_shape, fname)) + sum(math.prod(_shape(s, fname)) for s in factor_shapes)
    if stored == 0:
        raise LispError("Error calculating Tucker compression ratio: the decomposition has no elements")
    return math.prod(_shape(original_shape, fname)) / stored


@builtin("torch_khatri_rao_product", library=LIBRARY)
def torch_khatri_rao_product(A, B):
    """The column-wise Kronecker product of [I, R] and [J, R] matrices: an [I*J, R] matrix."""
    fname = "torch_khatri_rao_product"
    for what, m in (("First", A), ("Second", B)):
        if not isinstance(m, torch.Tensor):
            raise LispError(f"Error: {what} argument must be a tensor (in {fname}, got {describe(m)})")
        if m.dim() != 2:
            raise LispError(f"Error in Khatri-Rao product: {what.lower()} argument must be a matrix "
                            f"(got shape {list(m.shape)})")
    if A.shape[1] != B.shape[1]:
        raise LispError("Error in Khatri-Rao product: Matrices must have the same number of columns")
    dtype = torch.promote_types(A.dtype, B.dtype)
    with _pytorch("Error in Khatri-Rao product"):
        return tensorly.tenalg.khatri_rao([A.to(dtype), B.to(dtype)])
