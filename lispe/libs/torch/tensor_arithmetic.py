"""lispe_torch, Tensor - Arithmetic (torch spec §3.17): element-wise and matrix arithmetic.

These functions sit on hot loops, so each one is a single torch call: the arguments are only
examined when torch refuses them (`_common.diagnose`).  As the spec allows, a LispE number is
accepted wherever a tensor is (torch promotes it), and 0-dim tensors serve as scalars.
"""

import torch

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, diagnose, register_unary

_BOTH = "Both arguments must be tensors"


def _binary(name, op, doc, aliases=()):
    def apply(tensor1, tensor2):
        try:
            return op(tensor1, tensor2)
        except Exception as e:  # noqa: BLE001 - diagnosed after the fact, off the hot path
            raise diagnose(name, e, (tensor1, tensor2), _BOTH) from e
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc
    return builtin(name, library=LIBRARY, aliases=aliases)(apply)


def _non_numbers(*values):
    return [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float))]


tensor_add = _binary("tensor_add", torch.add, "Element-wise sum of two tensors (broadcast).",
                     ("torch_add",))
tensor_sub = _binary("tensor_sub", torch.sub, "Element-wise difference of two tensors (broadcast).",
                     ("torch_sub",))
tensor_mul = _binary("tensor_mul", torch.mul, "Element-wise product of two tensors (broadcast).",
                     ("torch_mul",))
tensor_div = _binary("tensor_div", torch.div, "Element-wise quotient of two tensors (broadcast).")
tensor_matmul = _binary("tensor_matmul", torch.matmul, "Matrix product of two tensors (torch.matmul rules).",
                        ("torch_matmul",))


def _scalar(name, op, doc):
    def apply(tensor, scalar):
        try:
            return op(tensor, scalar)
        except Exception as e:  # noqa: BLE001 - diagnosed after the fact, off the hot path
            raise _scalar_error(name, e, tensor, scalar) from e
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc
    return builtin(name, library=LIBRARY)(apply)


def _scalar_error(name, error, tensor, scalar):
    if not isinstance(tensor, torch.Tensor):
        return diagnose(name, error, (tensor,), "First argument must be a tensor")
    return diagnose(name, error, _non_numbers(scalar), "Second argument must be a number")


tensor_add_scalar = _scalar("tensor_add_scalar", torch.add, "Add a number to every element of a tensor.")
tensor_mul_scalar = _scalar("tensor_mul_scalar", torch.mul, "Multiply every element of a tensor by a number.")


@builtin("tensor_div_scalar", library=LIBRARY, aliases=("torch_div_scalar",))
def tensor_div_scalar(tensor, scalar):
    """Divide every element of a tensor by a non-zero number."""
    if not isinstance(scalar, torch.Tensor) and scalar == 0:
        raise LispError("Error: Division by zero (in tensor_div_scalar)")
    try:
        return torch.div(tensor, scalar)
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact, off the hot path
        raise _scalar_error("tensor_div_scalar", e, tensor, scalar) from e


tensor_neg = register_unary("tensor_neg", torch.neg, "Negate every element of a tensor.")
tensor_reciprocal = register_unary("tensor_reciprocal", torch.reciprocal,
                                   "1/x for every element of a tensor.")
