"""What export_gpt2_onnx.py and export_llama_onnx.py share: the F32 safetensors reader, the command
line, the torch.onnx.export call with Optimum's decoder I/O names and dynamic axes, and the report
(op histogram of the written graph).
Bench and fixture tooling only: torch is never a dependency of the product or its tests.
"""

import argparse
import json
import struct
from collections import Counter
from pathlib import Path

import numpy as np

# The exporters take torch and nn from here, so this hint is the one a missing torch gets.
try:
    import torch
    from torch import nn  # noqa: F401 (re-exported)
except ImportError as e:
    raise SystemExit(f"{e}: run this with Debian's /usr/bin/python3 and install torch with: sudo apt-get install python3-torch") from e


def read_safetensors(path):
    """name -> float32 array. Format: u64 LE header length, JSON header, raw little-endian data."""
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = memoryview(raw)[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: '{name}' is {info['dtype']}; only F32 checkpoints are supported (write one with writeGpt2Checkpoint)")
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(info["shape"]).copy()
    return out


def export_arg_parser(doc):
    """--checkpoint, --out and --opset; the script's docstring's first line is the description."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--checkpoint", required=True, type=Path, help="folder with config.json and model.safetensors")
    parser.add_argument("--out", required=True, type=Path, help="the .onnx file to write")
    parser.add_argument("--opset", type=int, default=14)
    return parser


def export_decoder(model, out, opset, *, n_layer, kv_heads, head_dim, vocab_size, notes=()):
    """Writes model to out with Optimum's decoder I/O, then prints the torch version and out's op histogram.

    model(input_ids, attention_mask, position_ids, key0, value0, key1, ...) -> (logits, present key0,
    value0, ...), each cache tensor (B, kv_heads, T, head_dim). notes end the report's summary line.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    # A non-zero past, a prefill longer than one (Llama's mask records its triu branch) and left
    # padding in the trace, so no shape specializes to an empty cache.
    batch, past, seq = 2, 3, 2
    input_ids = torch.randint(0, vocab_size, (batch, seq), dtype=torch.int64)
    attention_mask = torch.ones((batch, past + seq), dtype=torch.int64)
    attention_mask[1, 0] = 0
    position_ids = torch.arange(past, past + seq, dtype=torch.int64).expand(batch, seq).contiguous()
    pasts = [torch.randn(batch, kv_heads, past, head_dim) for _ in range(2 * n_layer)]

    kv_in = [f"past_key_values.{i}.{kind}" for i in range(n_layer) for kind in ("key", "value")]
    kv_out = [f"present.{i}.{kind}" for i in range(n_layer) for kind in ("key", "value")]
    total = "past_sequence_length + sequence_length"
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: total},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
        **{n: {0: "batch_size", 2: "past_sequence_length"} for n in kv_in},
        **{n: {0: "batch_size", 2: total} for n in kv_out},
    }
    with torch.no_grad():
        torch.onnx.export(
            model,
            (input_ids, attention_mask, position_ids, *pasts),
            str(out),
            input_names=["input_ids", "attention_mask", "position_ids", *kv_in],
            output_names=["logits", *kv_out],
            dynamic_axes=axes,
            opset_version=opset,
            do_constant_folding=True,
        )

    print(f"torch {torch.__version__}")
    hist = op_histogram(out)
    summary = ", ".join([f"{out.stat().st_size} bytes", f"{sum(hist.values())} nodes", f"opset {opset}", *notes])
    print(f"wrote {out} ({summary})")
    for op, n in sorted(hist.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {op:<16} {n}")


def _fields(buf):
    """(field number, wire type, value) of one protobuf message; length-delimited values as memoryview slices."""
    i = 0

    def varint():
        nonlocal i
        shift = result = 0
        while True:
            b = buf[i]
            i += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result
            shift += 7

    while i < len(buf):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            yield field, wire, varint()
        elif wire == 2:
            n = varint()
            yield field, wire, buf[i : i + n]
            i += n
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            raise ValueError(f"protobuf wire type {wire} is not supported")


def op_histogram(path):
    """Node op_type counts of the main graph (ModelProto.graph = 7, GraphProto.node = 1, NodeProto.op_type = 4)."""
    counts = Counter()
    for f, _, graph in _fields(memoryview(Path(path).read_bytes())):
        if f != 7:
            continue
        for g, _, node in _fields(graph):
            if g == 1:
                counts.update(bytes(v).decode() for n, _, v in _fields(node) if n == 4)
    return counts
