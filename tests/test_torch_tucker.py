"""lispe_torch Tucker Decomposition family: results against tensorly (PyTorch backend) and
against torch computing the same products, the documented errors, and the seed's calls as LispE.
Decompositions are checked by shape, orthonormality and reconstruction error (torch spec §3.24)."""

import warnings

import pytest
import tensorly
import torch
from tensorly.decomposition import tucker

from lispe import Lisp
from lispe.errors import LispError
from lispe.registry import load_library, lookup
from lispe.values import Integers, Shorts

load_library("lispe_torch")


def call(name, *args):
    return lookup(name).func(*args)


def raises(fragment, name, *args):
    with pytest.raises(LispError) as info:
        call(name, *args)
    assert fragment in str(info.value)


def low_rank(shape, ranks, seed=0):
    """A tensor of exact multilinear rank `ranks`: a random core times random factors."""
    torch.manual_seed(seed)
    core = torch.randn(*ranks)
    factors = [torch.randn(n, r) for n, r in zip(shape, ranks)]
    return torch.einsum("abc,ia,jb,kc->ijk", core, *factors)


def test_decomposition_shapes_orthonormality_and_error():
    x = low_rank((6, 7, 8), (2, 3, 4))
    core, factors = call("torch_tucker_decomposition", x, Integers([2, 3, 4]))
    assert core.shape == (2, 3, 4) and [tuple(f.shape) for f in factors] == [(6, 2), (7, 3), (8, 4)]
    for f in factors:
        torch.testing.assert_close(f.T @ f, torch.eye(f.shape[1]), atol=1e-4, rtol=0)
    rebuilt = call("torch_tucker_reconstruct", core, factors)
    assert torch.linalg.norm(rebuilt - x) / torch.linalg.norm(x) < 1e-4


def test_decomposition_matches_tensorly():
    torch.manual_seed(1)
    x = torch.randn(5, 6, 4)
    core, factors = call("torch_tucker_decomposition", x, [3, 3, 2], 50, 1e-8)
    with tensorly.backend_context("pytorch"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = tensorly.tucker_to_tensor(tucker(x, rank=[3, 3, 2], n_iter_max=50, tol=1e-8))
    torch.testing.assert_close(call("torch_tucker_reconstruct", core, factors), expected)


def test_single_rank_and_integer_tensors():
    x = torch.randint(0, 5, (4, 4, 4))
    core, factors = call("torch_tucker_decomposition", x, 2)
    assert core.shape == (2, 2, 2) and core.is_floating_point()
    core, factors = call("torch_tucker_decomposition", torch.randn(3, 5, dtype=torch.float64), Shorts([2, 2]))
    assert core.dtype == torch.float64 and len(factors) == 2


def test_reconstruct_is_the_mode_products():
    torch.manual_seed(2)
    core = torch.randn(2, 3, 2)
    factors = [torch.randn(4, 2), torch.randn(5, 3), torch.randn(3, 2)]
    expected = torch.einsum("abc,ia,jb,kc->ijk", core, *factors)
    torch.testing.assert_close(call("torch_tucker_reconstruct", core, factors), expected)


def test_compression_ratio():
    ratio = call("torch_tucker_compression_ratio", Integers([6, 7, 8]), [2, 3, 4],
                 [Integers([6, 2]), [7, 3], Integers([8, 4])])
    assert ratio == pytest.approx((6 * 7 * 8) / (2 * 3 * 4 + 6 * 2 + 7 * 3 + 8 * 4))
    x = low_rank((6, 7, 8), (2, 3, 4))
    core, factors = call("torch_tucker_decomposition", x, [2, 3, 4])
    from_tensors = call("torch_tucker_compression_ratio", list(x.shape), list(core.shape),
                        [list(f.shape) for f in factors])
    assert from_tensors == pytest.approx(ratio)


def test_khatri_rao_product():
    torch.manual_seed(3)
    a, b = torch.randn(3, 4), torch.randn(5, 4)
    out = call("torch_khatri_rao_product", a, b)
    expected = torch.stack([torch.kron(a[:, r], b[:, r]) for r in range(4)], dim=1)
    assert out.shape == (15, 4)
    torch.testing.assert_close(out, expected)
    with tensorly.backend_context("pytorch"):
        torch.testing.assert_close(out, tensorly.tenalg.khatri_rao([a, b]))


def test_errors():
    x = torch.randn(4, 5, 6)
    raises("Error: Input must be a tensor", "torch_tucker_decomposition", [1.0, 2.0], 2)
    raises("Error in Tucker decomposition: Number of ranks must match tensor dimensions",
           "torch_tucker_decomposition", x, [2, 2])
    raises("rank 9 of mode 0 must lie in 1..4", "torch_tucker_decomposition", x, [9, 2, 2])
    raises("rank must be", "torch_tucker_decomposition", x, "two")
    raises("Error: Core must be a tensor", "torch_tucker_reconstruct", "core", [])
    raises("Error: Factors must be a list of tensors", "torch_tucker_reconstruct", x, x)
    raises("Error: All factors must be tensors", "torch_tucker_reconstruct", x, [x, 1])
    raises("Error in Tucker reconstruction:", "torch_tucker_reconstruct", torch.randn(2, 2),
           [torch.randn(3, 5), torch.randn(3, 2)])
    raises("First argument must be a tensor", "torch_khatri_rao_product", 1, x)
    raises("Second argument must be a tensor", "torch_khatri_rao_product", torch.ones(2, 2), None)
    raises("Error in Khatri-Rao product: Matrices must have the same number of columns",
           "torch_khatri_rao_product", torch.ones(2, 2), torch.ones(2, 3))
    raises("Error calculating Tucker compression ratio:", "torch_tucker_compression_ratio",
           [4, 4], "core", [])


def test_seed_000_tucker_calls_as_lispe():
    out = Lisp().eval("""(use 'lispe_torch)
(setq data (torch_randn (integers 8 9 10)))
(setq decomposition (torch_tucker_decomposition data (integers 4 4 4) 100 1e-6))
(setq core (car decomposition))
(setq factors (cadr decomposition))
(setq rebuilt (torch_tucker_reconstruct core factors))
(setq ratio (torch_tucker_compression_ratio (integers 8 9 10) (integers 4 4 4)
                                           (list (integers 8 4) (integers 9 4) (integers 10 4))))
(setq kr (torch_khatri_rao_product (car factors) (cadr factors)))
(list data rebuilt ratio (tensor_shape kr))""")
    data, rebuilt, ratio, kr_shape = out
    assert rebuilt.shape == data.shape
    assert torch.linalg.norm(rebuilt - data) < torch.linalg.norm(data)
    assert ratio == pytest.approx(720 / (64 + 32 + 36 + 40))
    assert list(kr_shape) == [72, 4]
