"""Quantization benchmark: `torch_model_quantize_dynamic` on an MLP of 1024-wide linear layers,
timed from LispE against the float model on the same batch, plus the int8 round-trip error of
`torch_quantize_int8` / `torch_dequantize`.

    python bench/bench_quantization.py             # width 1024, batch 64
    python bench/bench_quantization.py --quick     # width 512, fewer repeats
    python bench/bench_quantization.py --threads 1

Prints: float and quantized forward times (best of N, ms), the speed-up ratio, the fraction of
the batch whose argmax is unchanged, the max |output difference|, and the int8 error against
its bound scale/2.
"""

import argparse

import torch

from timing import best_of
from lispe import Lisp

PROGRAM = """
(use 'lispe_torch)
(setq model (torch_model {width} {width} 10))
(setq quantized (torch_model_quantize_dynamic model "qint8"))
(setq weights (torch_randn (integers {width} {width})))
(setq int8_weights (torch_quantize_int8 weights))
(setq restored (torch_dequantize int8_weights))
(list model quantized weights int8_weights restored
      (lambda (m x) (torch_model_forward m x)))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    width, batch, repeat = (512, 64, 10) if args.quick else (1024, 64, 30)

    torch.manual_seed(0)
    model, quantized, weights, int8, restored, forward = Lisp().eval(PROGRAM.format(width=width))
    inputs = torch.randn(batch, width)
    with torch.no_grad():
        float_time = best_of(lambda: forward(model, inputs), repeat, warm_up=True)
        quant_time = best_of(lambda: forward(quantized, inputs), repeat, warm_up=True)
        float_out, quant_out = forward(model, inputs), forward(quantized, inputs)
    same = (float_out.argmax(1) == quant_out.argmax(1)).float().mean().item()
    error = (restored - weights).abs().max().item()

    print(f"model: (torch_model {width} {width} 10) = Linear {width}->{width}->{width}->10, "
          f"batch {batch}, {torch.get_num_threads()} threads, engine {torch.backends.quantized.engine}")
    print(f"{'forward':<28}{'ms':>10}")
    print(f"{'float32':<28}{float_time * 1e3:>10.2f}")
    print(f"{'dynamic qint8':<28}{quant_time * 1e3:>10.2f}")
    print(f"speed-up (float / quantized): {float_time / quant_time:.2f}x")
    print(f"argmax unchanged on the batch: {same * 100:.1f}%   "
          f"max |output difference|: {(float_out - quant_out).abs().max().item():.4g}")
    print(f"int8 round trip of a {width}x{width} randn: max error {error:.5f}, "
          f"bound scale/2 = {int8.q_scale() / 2:.5f}")


if __name__ == "__main__":
    main()
