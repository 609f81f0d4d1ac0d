"""lispe_torch tensor manipulation, information, sampling, utility, conversions (§1.7, §1.8),
printed form and the tensor object protocol (§1.6): results against torch, and errors."""

import gc

import pytest
import torch

from lispe.errors import LispError
from lispe.printer import to_string
from lispe.registry import load_library, lookup
from lispe.values import Floats, Integers, Numbers, Shorts, protocol, type_name

load_library("lispe_torch")


def call(name, *args):
    return lookup(name).func(*args)


def same(a, b):
    assert isinstance(a, torch.Tensor)
    torch.testing.assert_close(a, b)


def raises(fragment, name, *args):
    with pytest.raises(LispError) as info:
        call(name, *args)
    assert fragment in str(info.value)


@pytest.fixture
def x():
    return torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)


# Manipulation ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tensor_reshape", "torch_reshape"])
def test_reshape(name, x):
    result = call(name, x, Integers([4, -1]))
    same(result, x.reshape(4, -1))
    assert result.data_ptr() == x.data_ptr()   # a view
    raises("First argument must be a tensor", name, [1], [1])
    raises("shape must be a list of integers", name, x, "4 6")
    raises("Error in tensor_reshape", name, x, [5, 5])


@pytest.mark.parametrize("name", ["tensor_transpose", "torch_transpose"])
def test_transpose(name, x):
    same(call(name, x, 0, -1), x.transpose(0, -1))
    raises("Dimensions must be integers", name, x, 0, 1.0)
    raises("Error in tensor_transpose", name, x, 0, 3)


@pytest.mark.parametrize("name", ["tensor_unsqueeze", "torch_unsqueeze"])
def test_unsqueeze(name, x):
    same(call(name, x, 0), x.unsqueeze(0))
    same(call(name, x, -1), x.unsqueeze(-1))
    raises("dim must be an integer", name, x, 0.0)
    raises("Error in tensor_unsqueeze", name, x, 7)


def test_squeeze():
    t = torch.zeros(1, 3, 1)
    same(call("tensor_squeeze", t), t.squeeze())
    same(call("tensor_squeeze", t, 0), t.squeeze(0))
    same(call("tensor_squeeze", t, None), t.squeeze())
    raises("dim must be an integer", "tensor_squeeze", t, "0")
    raises("First argument must be a tensor", "tensor_squeeze", [1])
    raises("Error in tensor_squeeze", "tensor_squeeze", t, 5)


def test_slice(x):
    same(call("tensor_slice", x, 2, 1, 3), x[:, :, 1:3])
    same(call("tensor_slice", x, -1, -3, 100), x[..., -3:100])    # clamped, negative
    same(call("torch_tensor_slice", x, 0, 1), x[0:1])
    same(call("torch_tensor_slice", x, 1, 0, 2), x[:, 0:2])
    raises("Dimension must be an integer", "tensor_slice", x, 0.5, 0, 1)
    raises("Start index must be an integer", "tensor_slice", x, 0, "a", 1)
    raises("End index must be an integer", "tensor_slice", x, 0, 0, 1.5)
    raises("First argument must be a tensor", "tensor_slice", [1], 0, 0, 1)
    raises("out of range", "tensor_slice", x, 3, 0, 1)


def test_select(x):
    same(call("tensor_select", x, 1, -1), x.select(1, -1))
    raises("Dimension must be an integer", "tensor_select", x, 1.0, 0)
    raises("Index must be an integer", "tensor_select", x, 1, "0")
    raises("First argument must be a tensor", "tensor_select", [1], 0, 0)
    raises("Error in tensor_select", "tensor_select", x, 0, 5)


def test_set_item_returns_a_copy(x):
    result = call("tensor_set_item", x, Integers([1, 2, 3]), 99)
    expected = x.clone()
    expected[1, 2, 3] = 99
    same(result, expected)
    assert x[1, 2, 3] == 23
    raises("indices must be a list of integers", "tensor_set_item", x, [1.5], 0)
    raises("Maximum 4 dimensions", "tensor_set_item", x, [0, 0, 0, 0, 0], 0)
    raises("Error in tensor_set_item", "tensor_set_item", x, [5], 0)
    raises("First argument must be a tensor", "tensor_set_item", [1], [0], 0)


def test_masked_fill_in_place(x):
    mask = x > 10
    expected = x.masked_fill(mask, -1.0)
    assert call("tensor_masked_fill_", x, mask.float(), -1) is x
    same(x, expected)
    raises("Second argument must be a tensor", "tensor_masked_fill_", x, [1], 0)
    raises("Error in tensor_masked_fill_", "tensor_masked_fill_", x, torch.ones(5), 0)


def test_clamp(x):
    same(call("tensor_clamp", x, 3, 10), x.clamp(3, 10))
    same(call("tensor_clamp", x, None, 10), x.clamp(max=10))
    same(call("tensor_clamp", x, 3.5, None), x.clamp(min=3.5))
    raises("At least one of min_val or max_val", "tensor_clamp", x, None, None)
    raises("min_val must be a number", "tensor_clamp", x, "a", None)


def test_contiguous_cumsum_gather(x):
    assert call("tensor_contiguous", x) is x
    transposed = x.transpose(0, 2)
    result = call("tensor_contiguous", transposed)
    assert result.is_contiguous() and torch.equal(result, transposed)
    raises("Argument must be a tensor", "tensor_contiguous", 1)
    same(call("tensor_cumsum", x, 1), x.cumsum(1))
    index = torch.tensor([[[0, 3], [1, 1], [2, 0]]] * 2)
    same(call("tensor_gather", x, 2, index), torch.gather(x, 2, index))
    raises("Third argument must be a tensor", "tensor_gather", x, 2, [0])
    raises("Error in tensor_gather", "tensor_gather", x, 2, index.float())


@pytest.mark.parametrize("name, reference", [("tensor_triu", torch.triu), ("tensor_tril", torch.tril)])
def test_triangles(name, reference):
    m = torch.arange(16.0).reshape(4, 4)
    same(call(name, m), reference(m))
    same(call(name, m, 1), reference(m, 1))
    same(call(name, m, -1), reference(m, -1))
    raises("diagonal must be an integer", name, m, 0.5)
    raises(f"Error in {name}", name, torch.ones(3))


def test_index_put_ge_where():
    t = torch.zeros(4, 2)
    assert call("torch_index_put_", t, Integers([0, 2]), 5) is t
    same(t, torch.tensor([[5.0, 5], [0, 0], [5, 5], [0, 0]]))
    call("torch_index_put_", t, torch.tensor([3]), torch.tensor([1.0, 2.0]))
    same(t[3], torch.tensor([1.0, 2.0]))
    raises("First argument must be a tensor", "torch_index_put_", [1], [0], 1)
    raises("Error in torch_index_put_", "torch_index_put_", t, [9], 1)
    v = torch.tensor([1.0, 5.0, 3.0])
    same(call("torch_ge", v, 3), torch.ge(v, 3))
    same(call("torch_ge", v, torch.tensor([2.0, 5.0, 4.0])), torch.tensor([False, True, False]))
    raises("First argument must be a tensor", "torch_ge", "v", 1)
    cond = call("torch_ge", v, 3)
    same(call("torch_where", cond, v, 0.0), torch.where(cond, v, 0.0))
    same(call("torch_where", cond.float(), v, -v), torch.where(cond, v, -v))
    raises("x and y must be tensors or numbers", "torch_where", cond, "a", v)
    raises("Error in torch_where", "torch_where", cond, torch.ones(2), v)


# Information and conversion ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["tensor_shape", "torch_shape", "tensor_size", "torch_size"])
def test_shape(name, x):
    result = call(name, x)
    assert isinstance(result, Integers) and list(result) == list(x.shape)
    assert list(call(name, torch.tensor(1.0))) == []
    raises("Argument must be a tensor", name, [1, 2])


def test_numel_item(x):
    assert call("torch_numel", x) == x.numel()
    raises("Argument must be a tensor", "torch_numel", 3)
    for name in ("tensor_item", "torch_item"):
        assert call(name, torch.tensor([[2.5]])) == 2.5
        assert type(call(name, torch.tensor([7]))) is int
        assert call(name, torch.tensor(True)) is True
        raises("exactly one element, but has 24 elements", name, x)
        raises("Argument must be a tensor", name, 3.0)


@pytest.mark.parametrize("tensor, kind", [
    (torch.tensor([1.5, 2.0]), Floats), (torch.tensor([1.5, 2.0], dtype=torch.float64), Numbers),
    (torch.tensor([1, 2]), Integers), (torch.tensor([1, 2], dtype=torch.int32), Integers),
    (torch.tensor([1, 2], dtype=torch.int16), Shorts), (torch.tensor([True, False]), Integers),
    (torch.tensor([1.5, 2.0], dtype=torch.bfloat16), Floats),
])
def test_to_list_and_back(tensor, kind):
    result = call("tensor_to_list", tensor)
    assert type(result) is kind
    assert list(result) == tensor.tolist()
    if tensor.dtype in (torch.float32, torch.float64, torch.int64, torch.int16):
        assert torch.equal(call("tensor_create", result), tensor)   # §1.7 round trip


def test_to_list_nested_and_scalar(x):
    nested = call("tensor_to_list", x)
    assert len(nested) == 2 and all(isinstance(row, Floats) for row in nested[0])
    assert torch.equal(call("tensor_create", nested), x)
    assert call("tensor_to_list", torch.tensor(3)) == 3
    raises("Argument must be a tensor", "tensor_to_list", [1])


# Printed form and protocol (§1.6) ----------------------------------------------------------

def test_printed_form():
    assert to_string(torch.tensor([1.5, 2.0])).splitlines() == [" 1.5000", " 2.0000",
                                                                "[ CPUFloatType{2} ]"]
    assert to_string(torch.tensor([[1, 2], [3, 4]])).splitlines()[-1] == "[ CPULongType{2,2} ]"
    assert to_string(torch.tensor(6.0)).splitlines() == ["6", "[ CPUFloatType{} ]"]
    text = to_string(torch.zeros(2, 1, 2, dtype=torch.float64))
    assert "(0,.,.) = " in text and "(1,.,.) = " in text
    assert text.splitlines()[-1] == "[ CPUDoubleType{2,1,2} ]"
    assert type_name(torch.ones(1)) == "torch_tensor_"


def test_protocol_at():
    at = protocol("at", torch.ones(1))
    t = torch.tensor([[10, 20], [30, 40]])
    assert at(t, 0) == 10 and at(t, 3) == 40 and at(t, -1) == 40 and at(t, -4) == 10
    assert type(at(t, 1)) is int
    assert at(torch.tensor([True, False]), 0) is True
    assert abs(at(torch.tensor([1.5, 2.7, 3.9]), 1) - 2.7) < 1e-6
    for index in (4, -5):
        with pytest.raises(LispError, match="tensor index out of bounds"):
            at(t, index)
    assert call("torch_tensor_at", t, -2) == 30


def test_protocol_car_cdr_extract_size_iter(x):
    assert torch.equal(protocol("car", x)(x), x[0])
    assert torch.equal(protocol("cdr", x)(x), x[1:])
    assert protocol("cdr", torch.ones(1, 3))(torch.ones(1, 3)) is None
    assert protocol("car", torch.tensor(1.0))(torch.tensor(1.0)) is None
    assert protocol("car", torch.ones(0))(torch.ones(0)) is None
    extract = protocol("extract", x)
    assert torch.equal(extract(x, 0, 1), x[0:1])
    v = torch.arange(5)
    assert torch.equal(extract(v, 1, -1), v[1:4])
    assert torch.equal(extract(v, 2, None), v[2:])
    with pytest.raises(LispError, match="out of bounds"):
        extract(v, 0, 9)
    assert protocol("size", x)(x) == 24
    assert list(protocol("iter", x)(x)) == x.reshape(-1).tolist()
    assert list(protocol("iter", x)(torch.tensor([True, False]))) == [1, 0]


# Sampling -----------------------------------------------------------------------------------

def test_topk_and_sort():
    torch.manual_seed(0)
    t = torch.randn(3, 6)
    values, indices = call("torch_topk", t, 2)
    ref = torch.topk(t, 2)
    same(values, ref.values)
    same(indices, ref.indices)
    values, indices = call("torch_topk", t, 2, 0, False)
    ref = torch.topk(t, 2, 0, largest=False)
    same(values, ref.values)
    same(indices, ref.indices)
    raises("First argument must be a torch tensor", "torch_topk", [1.0], 1)
    raises("Error in torch_topk", "torch_topk", t, 9)
    raises("k must be an integer", "torch_topk", t, 1.5)
    for args, ref in [((), torch.sort(t)), ((0,), torch.sort(t, 0)), ((0, True), torch.sort(t, 0, True)),
                      ((True,), torch.sort(t, -1, True)), ((None, True), torch.sort(t, -1, True))]:
        result = call("torch_sort", t, *args)
        assert isinstance(result, list)
        same(result[0], ref.values)
        same(result[1], ref.indices)
    raises("First argument must be a torch tensor", "torch_sort", [3, 1])
    raises("Error in torch_sort", "torch_sort", t, 4)


@pytest.mark.parametrize("name", ["torch_multinomial", "tensor_multinomial"])
def test_multinomial(name):
    probs = torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    torch.manual_seed(5)
    expected = torch.multinomial(probs, 4, True)
    torch.manual_seed(5)
    same(call(name, probs, 4, True), expected)
    torch.manual_seed(6)
    expected = torch.multinomial(probs[0], 2)
    torch.manual_seed(6)
    same(call(name, probs[0], 2), expected)
    raises("First argument must be a torch tensor", name, [0.5, 0.5], 1)
    raises("num_samples must be an integer", name, probs, 1.5)
    raises("Error in torch_multinomial", name, probs, 4)   # 4 draws from 3 categories without replacement


# Utility ------------------------------------------------------------------------------------

def test_tensor_in_memory_tracks_live_tensors():
    gc.disable()   # no cyclic collection may free tensors between the counts
    try:
        before = call("tensor_in_memory")
        kept = [call("tensor_ones", [2]) for _ in range(5)]
        parameter = torch.nn.Parameter(torch.ones(2))  # noqa: F841 - parameters are not counted
        assert call("tensor_in_memory") == before + 5
        del kept
        assert call("tensor_in_memory") == before
    finally:
        gc.enable()


def test_manual_seed_reproduces_draws():
    import random
    call("torch_manual_seed", 11)
    first = (torch.rand(3), random.random())
    call("torch_manual_seed", 11)
    same(torch.rand(3), first[0])
    assert random.random() == first[1]
    raises("seed must be an integer", "torch_manual_seed", "11")
