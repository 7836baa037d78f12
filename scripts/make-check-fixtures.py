#!/usr/bin/python3
"""Writes the weight files of tests/fixtures/check/ with PyTorch's, NumPy's and
SciPy's own initializers, in every format 'initlab check' reads.

Usage: scripts/make-check-fixtures.py [FOLDER [SEED]]   [tests/fixtures/check 20261129]
(With another FOLDER the fuzz corpora are not written; another SEED gives
other draws, to see that tests/cli_check.sh does not hang on one seed's luck:
ILAB_CHECK_FIXTURES=FOLDER sh tests/cli_check.sh.)
Needs python3-torch, python3-numpy and python3-scipy (Debian); 'make check'
only reads the files this writes.  Seeds are fixed: running it again writes
the same draws (for the same library versions).  The files are small (about
10^4 values a tensor): at that n a variance off by 10% is detected; see
tests/cli_check.sh for the tests and their power.
"""
import json
import math
import os
import struct
import sys
import io
import zipfile

import numpy as np
import scipy.stats
import torch

out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/check"
os.makedirs(out, exist_ok=True)
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261129
torch.manual_seed(seed)
rng = np.random.default_rng(seed)


def path(name):
    return os.path.join(out, name)


def save_npy(name, a, version=None):
    with open(path(name), "wb") as f:
        np.lib.format.write_array(f, a, version=version)


def t2np(t):
    return t.detach().numpy()


# nn.Linear(120, 80)'s default weight: kaiming_uniform_(a=sqrt(5)), i.e.
# U(+-1/sqrt(120)); npy 1.0, <f4.
lin = torch.nn.Linear(120, 80)
save_npy("linear_default.npy", t2np(lin.weight), (1, 0))

# kaiming_normal_ (fan_in, relu) on a conv weight (out 32, in 16, 3x3):
# fan_in 144, fan_out 288; npy 1.0, <f4.
w = torch.empty(32, 16, 3, 3)
torch.nn.init.kaiming_normal_(w)
save_npy("conv_kaiming_normal.npy", t2np(w), (1, 0))

# xavier_uniform_ on (80, 120); npy 2.0, big-endian >f4.
w = torch.empty(80, 120)
torch.nn.init.xavier_uniform_(w)
save_npy("xavier_uniform.npy", t2np(w).astype(">f4"), (2, 0))

# xavier_normal_ on (80, 120); npy 1.0, big-endian >f8.
w = torch.empty(80, 120, dtype=torch.float64)
torch.nn.init.xavier_normal_(w)
save_npy("xavier_normal_f8be.npy", t2np(w).astype(">f8"), (1, 0))

# trunc_normal_(std=0.02): cut at the absolute bounds -2, 2; npy 3.0, <f8.
w = torch.empty(80, 120, dtype=torch.float64)
torch.nn.init.trunc_normal_(w, std=0.02)
save_npy("trunc_normal_002.npy", t2np(w), (3, 0))

# trunc_normal_() with its defaults (std 1, a=-2, b=2); npy 1.0, <f4.
w = torch.empty(80, 120)
torch.nn.init.trunc_normal_(w)
save_npy("trunc_normal_default.npy", t2np(w), (1, 0))

# kaiming_uniform_ (fan_in, relu) drawn in float16, as a model.half() would
# store it: the draws rounded to the binary16 grid; npy 1.0, <f2.
w = torch.empty(80, 120)
torch.nn.init.kaiming_uniform_(w)
save_npy("kaiming_uniform_f16.npy", t2np(w.half()), (1, 0))

# A Keras Dense kernel (in 120, out 80) with he_normal as torch draws it
# (an untruncated normal, Var = 2/120), by NumPy; Fortran order.
save_npy("keras_dense_he_normal.npy",
         np.asfortranarray(rng.normal(0, math.sqrt(2 / 120), (120, 80)).astype("<f4")), (1, 0))

# A Keras Conv2D kernel (3, 3, in 16, out 32) with Keras's he_normal: a normal
# cut at +-2 sd, sd corrected so Var = 2/fan_in = 2/144, by SciPy.
sd = math.sqrt(2 / 144) / 0.87962566103423978
save_npy("keras_conv_he_normal.npy",
         scipy.stats.truncnorm.rvs(-2, 2, scale=sd, size=(3, 3, 16, 32), random_state=rng).astype("<f4"))

# Text: he_uniform by NumPy for a layer (out 30, in 40), written by savetxt.
np.savetxt(path("he_uniform_30x40.txt"), rng.uniform(-math.sqrt(6 / 40), math.sqrt(6 / 40), (30, 40)),
           header="he_uniform for (out 30, in 40): initlab check --shape 30x40")

# .npz, stored (savez) and deflated (savez_compressed): a small torch model.
model = torch.nn.Sequential(torch.nn.Linear(120, 80), torch.nn.LayerNorm(80))
conv = torch.empty(16, 8, 3, 3)
torch.nn.init.kaiming_normal_(conv, mode="fan_out")
deconv = torch.nn.ConvTranspose2d(16, 8, 3)
members = {
    "fc1.weight": t2np(model[0].weight), "fc1.bias": t2np(model[0].bias),
    "ln.weight": t2np(model[1].weight), "ln.bias": t2np(model[1].bias),
    "conv.weight": t2np(conv), "decoder.convtranspose.weight": t2np(deconv.weight),
}
np.savez(path("model.npz"), **members)
np.savez_compressed(path("model_compressed.npz"), **members)


# .safetensors, a Hugging Face BERT-style layout (nn.init.normal_(std=0.02)
# for Linear and Embedding weights, zeros for biases, ones for LayerNorm),
# in F32, BF16, F16 and F64.  Written by hand to the format's specification:
# 8-byte little-endian header length, JSON header, then the data in order.
def save_safetensors(name, tensors):
    header, blobs, at = {"__metadata__": {"format": "pt"}}, [], 0
    dt = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64"}
    for key, t in tensors:
        t = t.contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[key] = {"dtype": dt[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def normal(shape, std, dtype):
    w = torch.empty(*shape)
    torch.nn.init.normal_(w, std=std)
    return w.to(dtype)


w = torch.empty(128, 64)
torch.nn.init.xavier_uniform_(w)
h = torch.empty(192, 32, dtype=torch.float64)
torch.nn.init.kaiming_normal_(h)
save_safetensors("model.safetensors", [
    ("embeddings.word_embeddings.weight", normal((200, 64), 0.02, torch.float32)),
    ("encoder.layer.0.attention.query.weight", normal((64, 64), 0.02, torch.bfloat16)),
    ("encoder.layer.0.attention.query.bias", torch.zeros(64, dtype=torch.bfloat16)),
    ("encoder.layer.0.intermediate.dense.weight", w.half()),
    ("encoder.layer.0.output.LayerNorm.weight", torch.ones(64)),
    ("classifier.weight", h),
])


# Seed corpora for 'make fuzz' (tests/fuzz/corpus_NAME/): small valid files
# of each format, at most 4096 bytes, from the same writers.
if len(sys.argv) > 1:
    sys.exit(0)


def corpus(name, fname, data):
    d = os.path.join("tests", "fuzz", "corpus_" + name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


def npy_bytes(a, version=None):
    import io
    b = io.BytesIO()
    np.lib.format.write_array(b, a, version=version)
    return b.getvalue()


small = rng.normal(0, 0.1, (4, 6))
corpus("npy", "v1-f4.npy", npy_bytes(small.astype("<f4"), (1, 0)))
corpus("npy", "v2-f8be.npy", npy_bytes(small.astype(">f8"), (2, 0)))
corpus("npy", "v3-f2.npy", npy_bytes(small.astype("<f2"), (3, 0)))
corpus("npy", "fortran.npy", npy_bytes(np.asfortranarray(small.astype("<f4"))))
corpus("npy", "conv.npy", npy_bytes(rng.normal(0, 0.1, (2, 3, 3, 3)).astype("<f4")))
corpus("npy", "scalar.npy", npy_bytes(np.float32(0.5)))
corpus("npy", "empty.npy", npy_bytes(np.zeros((0, 3), "<f4")))
corpus("npy", "int.npy", npy_bytes(np.arange(6, dtype="<i4")))
for kind, fn in (("stored", np.savez), ("deflated", np.savez_compressed)):
    import io
    b = io.BytesIO()
    fn(b, w=small.astype("<f4"), b=np.zeros(4, "<f4"))
    corpus("npz", kind + ".npz", b.getvalue())
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    pass
corpus("npz", "empty.npz", b.getvalue())
for dtype, name in ((torch.float32, "f32"), (torch.bfloat16, "bf16"), (torch.float16, "f16"), (torch.float64, "f64")):
    save_safetensors("fuzz.safetensors", [("w", normal((4, 6), 0.02, dtype)), ("b", torch.zeros(4, dtype=dtype))])
    with open(path("fuzz.safetensors"), "rb") as f:
        corpus("safetensors", name + ".safetensors", f.read())
    os.remove(path("fuzz.safetensors"))
corpus("text", "lines.txt", "".join("%.17g\n" % v for v in small.ravel()).encode())
corpus("text", "matrix.txt", "# comment\n1 2 3\n4e-3, -5.5, 6\n".encode())
