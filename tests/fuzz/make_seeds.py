#!/usr/bin/env python3
"""Writes the committed seed corpora tests/fuzz/corpus/<target>/ (run once; the output is
committed, so the fuzz runs need neither the data nor this script).

Seeds are small cuts of the real files (NAS_DATA_DIR or ../shared/data: MNIST, Fashion-MNIST,
PTB, WikiText-2) in every variant the parsers distinguish (gzip or plain, each PNG colour
type, each netCDF format, each genotype format), plus the repository's configs. There is no
CIFAR or image or netCDF data in the shared folder: those seeds carry Fashion-MNIST pixels
in the real layouts, the netCDF ones are written by the netCDF library itself (ctypes),
and JPEG/GIF come from Graphviz (`dot`).
"""
import ctypes
import ctypes.util
import gzip
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/fuzz/corpus"
DATA = pathlib.Path(os.environ.get("NAS_DATA_DIR") or ROOT.parent / "shared/data")


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def gz(data):
    return gzip.compress(data, mtime=0)


def idx_images(path, n):
    raw = gzip.open(path).read()
    rows, cols = struct.unpack(">II", raw[8:16])
    return struct.pack(">IIII", 2051, n, rows, cols) + raw[16:16 + n * rows * cols]


def idx_labels(path, n):
    raw = gzip.open(path).read()
    return struct.pack(">II", 2049, n) + raw[8:8 + n]


def fmnist_image(k):
    """28×28 grey pixels of Fashion-MNIST training image k."""
    raw = gzip.open(DATA / "fashion-mnist/train-images-idx3-ubyte.gz").read()
    return raw[16 + k * 784:16 + (k + 1) * 784]


# ------------------------------------------------------------------ IDX
put("fuzz_idx", "mnist-train-images-3", idx_images(DATA / "mnist/train-images-idx3-ubyte.gz", 3))
put("fuzz_idx", "mnist-train-labels-20", idx_labels(DATA / "mnist/train-labels-idx1-ubyte.gz", 20))
put("fuzz_idx", "fmnist-t10k-images-2.gz", gz(idx_images(DATA / "fashion-mnist/t10k-images-idx3-ubyte.gz", 2)))
put("fuzz_idx", "fmnist-t10k-labels-8.gz", gz(idx_labels(DATA / "fashion-mnist/t10k-labels-idx1-ubyte.gz", 8)))


# ------------------------------------------------------------------ CIFAR binary
def cifar_planes(k):
    """A Fashion-MNIST image padded to 32×32, as R, G, B planes (3072 bytes)."""
    img = fmnist_image(k)
    plane = b"".join(bytes(2) + img[r * 28:(r + 1) * 28] + bytes(2) if 2 <= r + 2 < 30 else bytes(32)
                     for r in range(-2, 30))
    return plane * 3


put("fuzz_cifar", "cifar10-1-record.bin", bytes([3]) + cifar_planes(0))
put("fuzz_cifar", "cifar100-1-record.bin", bytes([11, 87]) + cifar_planes(1))
put("fuzz_cifar", "cifar10-2-records.bin.gz", gz(bytes([9]) + cifar_planes(2) + bytes([0]) + cifar_planes(3)))


# ------------------------------------------------------------------ text corpora
def head(path, lines):
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(lines))


put("fuzz_corpus", "ptb.train-head.txt", head(DATA / "ptb/ptb.train.txt", 25))
put("fuzz_corpus", "wiki.valid-head.tokens", head(DATA / "wikitext-2/wiki.valid.tokens", 6)[:3000])
put("fuzz_corpus", "crlf-tabs.txt", b"a b\tc\r\n\r\n  d\x0b e\x0cf\n<unk> N\n")


# ------------------------------------------------------------------ images
def png(width, height, color_type, bit_depth, rows, palette=None, interlace=0):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette:
        out += chunk(b"PLTE", palette)
    return out + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


img, W, H = fmnist_image(0), 28, 28
grey_rows = b"".join(b"\0" + img[r * W:(r + 1) * W] for r in range(H))
put("fuzz_image", "fmnist-grey.png", png(W, H, 0, 8, grey_rows))
rgb_rows = b"".join(b"\1" + bytes(v for p in img[r * W:(r + 1) * W] for v in (p, 255 - p, p // 2)) for r in range(H))
put("fuzz_image", "fmnist-rgb-sub-filter.png", png(W, H, 2, 8, rgb_rows))
small = [img[(2 * r) * W + 2 * c] for r in range(12) for c in range(12)]  # 12×12, fewer bytes
rgba_rows = b"".join(b"\2" + bytes(v for p in small[r * 12:(r + 1) * 12] for v in (p, p, 255 - p, 200))
                     for r in range(12))
put("fuzz_image", "fmnist-rgba-up-filter.png", png(12, 12, 6, 8, rgba_rows))
pal_rows = b"".join(b"\0" + bytes(p >> 6 for p in small[r * 12:(r + 1) * 12]) for r in range(12))
put("fuzz_image", "fmnist-palette.png", png(12, 12, 3, 8, pal_rows, palette=bytes(range(12))))
g16_rows = b"".join(b"\0" + b"".join(struct.pack(">H", p * 257) for p in small[r * 12:(r + 1) * 12]) for r in range(12))
put("fuzz_image", "fmnist-grey16.png", png(12, 12, 0, 16, g16_rows))
# Adam7: 7 passes, each a filtered sub-image; a 1×1 image keeps it short (pass 1 only).
put("fuzz_image", "interlaced-1x1.png", png(1, 1, 2, 8, b"\0\x10\x80\xf0", interlace=1))
bmp_rows = b"".join(bytes(v for p in small[r * 12:(r + 1) * 12] for v in (p, p, p)) for r in reversed(range(12)))
put("fuzz_image", "fmnist.bmp", b"BM" + struct.pack("<IHHI", 54 + len(bmp_rows), 0, 0, 54) +
    struct.pack("<IiiHHIIiiII", 40, 12, 12, 1, 24, 0, len(bmp_rows), 2835, 2835, 0, 0) + bmp_rows)
for fmt in ("jpg", "gif"):
    if shutil.which("dot"):
        put("fuzz_image", "graphviz." + fmt,
            subprocess.run(["dot", "-T" + fmt, "-Gsize=0.4,0.3", "-Gdpi=40"], input=b"digraph{a->b}",
                           capture_output=True, check=True).stdout)


# ------------------------------------------------------------------ netCDF (libnetcdf via ctypes)
def netcdf(fmt_flag, with_record, image_type):
    nc = ctypes.CDLL(ctypes.util.find_library("netcdf"))
    nc.nc_strerror.restype = ctypes.c_char_p
    NC_CLOBBER, NC_UNLIMITED, NC_DOUBLE = 0, 0, 6

    def ok(status):
        if status != 0:
            sys.exit("netCDF: " + nc.nc_strerror(status).decode())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.nc").encode()
        ncid, sample, y, x, img_id, strain_id = (ctypes.c_int() for _ in range(6))
        ok(nc.nc_create(path, NC_CLOBBER | fmt_flag, ctypes.byref(ncid)))
        ok(nc.nc_def_dim(ncid, b"sample", NC_UNLIMITED if with_record else 3, ctypes.byref(sample)))
        ok(nc.nc_def_dim(ncid, b"y", 4, ctypes.byref(y)))
        ok(nc.nc_def_dim(ncid, b"x", 5, ctypes.byref(x)))
        ok(nc.nc_put_att_text(ncid, -1, b"title", 8, b"graphene"))
        dims = (ctypes.c_int * 3)(sample, y, x)
        ok(nc.nc_def_var(ncid, b"fine_image", image_type, 3, dims, ctypes.byref(img_id)))
        ok(nc.nc_def_var(ncid, b"strain", NC_DOUBLE, 1, (ctypes.c_int * 1)(sample), ctypes.byref(strain_id)))
        fill = ctypes.c_double(-1.0)
        ok(nc.nc_put_att_double(ncid, strain_id, b"_FillValue", NC_DOUBLE, 1, ctypes.byref(fill)))
        ok(nc.nc_enddef(ncid))
        pixels = (ctypes.c_double * 60)(*[p >> 7 for p in fmnist_image(4)[:60]])
        start, count = (ctypes.c_size_t * 3)(0, 0, 0), (ctypes.c_size_t * 3)(3, 4, 5)
        ok(nc.nc_put_vara_double(ncid, img_id, start, count, pixels))
        strains = (ctypes.c_double * 3)(0.25, 0.5, 1.5)
        ok(nc.nc_put_vara_double(ncid, strain_id, start, (ctypes.c_size_t * 1)(3), strains))
        ok(nc.nc_close(ncid))
        return open(path, "rb").read()


NC_BYTE, NC_FLOAT, NC_64BIT_OFFSET, NC_64BIT_DATA, NC_NETCDF4, NC_CLASSIC_MODEL = 1, 5, 0x200, 0x20, 0x1000, 0x100
put("fuzz_netcdf", "classic-byte.nc", netcdf(0, False, NC_BYTE))
put("fuzz_netcdf", "64bit-offset-record.nc", netcdf(NC_64BIT_OFFSET, True, NC_FLOAT))
put("fuzz_netcdf", "cdf5-record.nc", netcdf(NC_64BIT_DATA, True, NC_BYTE))
put("fuzz_netcdf", "netcdf4.nc", netcdf(NC_NETCDF4, False, NC_FLOAT))


# ------------------------------------------------------------------ configs (parts: main, base, sub/other, --set lines)
def config(name):
    return (ROOT / "configs" / name).read_text()


flexible = re.sub(r'extends = "enas_ptb.toml"', 'extends = "base.toml"', config("enas_ptb_flexible.toml"))
put("fuzz_config", "enas-ptb-flexible-extends", flexible + "\n---\n" + config("enas_ptb.toml"))
put("fuzz_config", "hello", config("hello.toml"))
put("fuzz_config", "fmnist-darts-set", config("fmnist_darts.toml") +
    "\n---\n\n---\n\n---\nsearch.epochs=3\ndata.dataset=fashion-mnist\nsearch.lr=[1, 2]\n")
put("fuzz_config", "extends-chain-cycle",
    'extends = "sub/other.toml"\n[a]\nx = 1\n---\nextends = "main.toml"\n---\n'
    'extends = "../base.toml"\nwhen = 1979-05-27T07:32:00Z\nt = 07:32:00\nd = 1979-05-27\n'
    '[[runs]]\nname = "a"\n[profiles.quick]\na.x = 2\n')


# ------------------------------------------------------------------ genotypes (every format load_genotype reads)
V2 = ("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
      "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
      "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
      "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))\n")
put("fuzz_genotype", "darts-v2.txt", V2)
put("fuzz_genotype", "darts-nested.txt",
    'Genotype(\n  normal=[[("sep_conv_3x3", 1), ("skip_connect", 0)], [("dil_conv_5x5", 2)]],\n'
    '  normal_concat=[2, 3],\n  reduce=[[("max_pool_3x3", 0), ("avg_pool_3x3", 1)], [("skip_connect", 2),],],\n'
    '  reduce_concat=(2, 3))\n')
put("fuzz_genotype", "nashost.json",
    '{"format": "nashost-genotype", "version": 1, "space": "darts",\n'
    ' "normal": {"nodes": [[["sep_conv_3x3", 0], ["skip_connect", 1]], [["dil_conv_3x3", 2], ["none", 0]]], "concat": [2, 3]},\n'
    ' "reduce": {"nodes": [[["max_pool_3x3", 0], ["max_pool_3x3", 1]], [["skip_connect", 2], ["avg_pool_3x3", 1]]]},\n'
    ' "meta": {"strategy": "darts", "epoch": 49, "lambda": 0.5, "seeds": [1, 2]}}\n')
put("fuzz_genotype", "darts-cc.json", "[[[0, 7], [2, 3, 7]], [[3, 7], [1, 7, 5]]]\n")
put("fuzz_genotype", "enas-rnn-dag.json",
    '{"space": "enas-rnn", "dag": [{"activation": "tanh", "parent": -1}, {"activation": "ReLU", "parent": 0},\n'
    ' {"activation": "none", "parent": 1}, {"activation": "identity", "parent": 1}, {"activation": "sigmoid", "parent": 3}]}\n')
put("fuzz_genotype", "enas-cnn.json",
    '{"space": "enas-cnn", "normal": {"nodes": [[["sep_conv_3x3", 0], ["identity", 1]], [["avg_pool_3x3", 2], '
    '["max_pool_3x3", 0]]], "concat": [3]},\n "reduce": {"nodes": [[["sep_conv_5x5", 1], ["identity", 1]], '
    '[["identity", 0], ["sep_conv_3x3", 2]]], "concat": [3]}}\n')
put("fuzz_genotype", "enas-cnn-macro.json",
    '{"space": "enas-cnn-macro", "normal": {"nodes": [[["conv_3x3", 1]], [["max_pool_3x3", 2], ["skip", 2]], '
    '[["sep_conv_5x5", 3], ["skip", 2]]], "concat": [4]}, "reduce": {"nodes": [], "concat": []}}\n')
print("seeds written to", OUT)
