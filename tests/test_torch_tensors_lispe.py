"""lispe_torch tensors used from LispE as a user writes them: the object protocol through the
core builtins, printed forms, nil for omitted arguments, errors seen by `catch`, and the
sampling pipeline of the example programs (MQ, GTD)."""

import pytest
import torch
import torch.nn.functional as F

from lispe import Lisp
from lispe.errors import LispError


@pytest.fixture
def lisp():
    interpreter = Lisp()
    interpreter.eval("(use 'lispe_torch) (setq t (tensor_create (integers 10 20 30 40 50)))")
    return interpreter


@pytest.mark.parametrize("expression, expected", [
    ("(at t 0)", 10), ("(@ t -1)", 50), ("(torch_tensor_at t 2)", 30), ("(size t)", 5),
    ("(@ (tensor_create (floats 1.5 2.5)) 1)", 2.5), ("(torch_tensor_at (list 1 2 3) 1)", 2),
    ("(tensor_item (tensor_sum t))", 150), ("(torch_numel (tensor_ones (integers 2 3)))", 6),
])
def test_values(lisp, expression, expected):
    assert lisp.eval(expression) == expected


def test_slices_and_iteration(lisp):
    assert lisp.eval("(car t)").item() == 10
    assert lisp.eval("(cdr t)").tolist() == [20, 30, 40, 50]
    assert lisp.eval("(@@ t 1 3)").tolist() == [20, 30]
    assert lisp.eval("(setq s 0) (loop x t (+= s x)) s") == 150
    assert lisp.eval("(type t)") == "torch_tensor_"


def test_out_of_bounds(lisp):
    with pytest.raises(LispError, match="tensor index out of bounds"):
        lisp.eval("(at t 5)")


def test_printed_forms(lisp, capsys):
    lisp.eval("(println (tensor_sum t)) (println (tensor_create (floats 1.5 2)))")
    assert capsys.readouterr().out.splitlines() == [
        "150", "[ CPULongType{} ]", " 1.5000", " 2.0000", "[ CPUFloatType{2} ]"]
    assert lisp.eval("(tensor_shape (tensor_zeros (integers 2 3)))") == [2, 3]


def test_lispe_data_round_trip(lisp):
    matrix = lisp.eval("(tensor_create (rho 2 2 (floats 1 2 3 4)))")
    assert matrix.dtype == torch.float32 and matrix.tolist() == [[1, 2], [3, 4]]
    assert list(lisp.eval("(floats (tensor_create (floats 1 2)))")) == [1.0, 2.0]
    assert list(lisp.eval("(tensor_to_list t)")) == [10, 20, 30, 40, 50]


def test_nil_means_omitted(lisp):
    assert lisp.eval("(tensor_shape (tensor_squeeze (tensor_zeros (integers 1 3)) nil))") == [3]
    assert lisp.eval("(tensor_item (tensor_argmax t nil))") == 4
    values = lisp.eval("(car (torch_sort t true))")
    assert values.tolist() == [50, 40, 30, 20, 10]


def test_errors_name_the_function(lisp):
    message = str(lisp.eval('(catch (tensor_add t "x"))'))
    assert "tensor_add" in message and "must be tensors" in message
    assert lisp.eval('(maybe (tensor_softmax t 9) "failed")') == "failed"
    with pytest.raises(LispError, match="tensor_reshape"):
        lisp.eval("(tensor_reshape t (integers 2 2))")


def test_reductions_back_propagate(lisp):
    lisp.eval("(setq w (tensor_randn (integers 3))) (setq u (tensor_create (floats 1 2 3)))")
    w = lisp.eval("w").requires_grad_(True)
    lisp.eval("(setq loss (tensor_mean (tensor_mul w u)))")
    lisp.eval("loss").backward()
    torch.testing.assert_close(w.grad, torch.tensor([1.0, 2.0, 3.0]) / 3)


def test_sampling_pipeline_of_the_examples(lisp):
    """Temperature, top-p filtering and a draw, written as GTD/MQ write them."""
    lisp.eval("""
        (torch_manual_seed 3)
        (setq logits (tensor_randn (integers 50)))
        (setq scaled (tensor_div_scalar logits 0.7))
        (setq sorted (torch_sort scaled true))
        (setq probs (torch_softmax (@ sorted 0) -1))
        (setq cumulative (tensor_cumsum probs 0))
        (setq keep (torch_ge cumulative 0.9))
        (setq filtered (torch_where keep (torch_full_like probs 0.0) probs))
        (setq choice (torch_item (tensor_multinomial (torch_unsqueeze filtered 0) 1 true)))
        (setq token (@ (@ sorted 1) choice))
    """)
    torch.manual_seed(3)
    logits = torch.randn(50)
    values, indices = torch.sort(logits / 0.7, descending=True)
    probs = F.softmax(values, -1)
    filtered = torch.where(probs.cumsum(0) >= 0.9, torch.zeros_like(probs), probs)
    choice = torch.multinomial(filtered.unsqueeze(0), 1, True).item()
    assert lisp.eval("choice") == choice and lisp.eval("token") == indices[choice].item()
