#!/usr/bin/env python3
"""Small dataset files in the official layouts, and a local HTTP server for them.

The fetch tests never touch the internet: they point nashost's --mirror at this server.

  fixture_server.py make DIR
      DIR/files/<dataset>/<file> as the official sites publish them (tiny: a few images or
      lines each) and DIR/checksums.txt ("<hex>  <dataset>/<file>", md5 where the official list
      has md5, sha256 for the text corpora) for --checksums / NAS_DATA_CHECKSUMS.
  fixture_server.py serve DIR PORT_FILE LOG_FILE
      Serves DIR/files on 127.0.0.1 (a free port, written to PORT_FILE once listening) and
      logs one line per request to LOG_FILE: "<path> <Range header or -> <status>".
      The first path component picks a behaviour, the rest is the file:
        /files/...    the file; Range (bytes=N-) answered with 206, as S3 and GitHub do
        /missing/...  404 for everything
        /cut-N/...    a request from byte 0 gets N bytes of the body, then the connection
                      is closed (a cut mid-file); a Range request is served normally
        /corrupt/...  the file with one byte changed (a damaged copy)
        /nozip/...    404 for .zip files, the rest as /files/
Python's http.server answers no Range requests, hence this server.
"""
import gzip
import hashlib
import http.server
import io
import os
import socketserver
import struct
import sys
import tarfile
import threading
import time
import zipfile


def idx_images(n, rows=28, cols=28):
    pixels = bytes((i * 7 + y * 3 + x) % 256 for i in range(n) for y in range(rows) for x in range(cols))
    return struct.pack(">IIII", 2051, n, rows, cols) + pixels


def idx_labels(n):
    return struct.pack(">II", 2049, n) + bytes(i % 10 for i in range(n))


def cifar_records(n, label_bytes):
    out = bytearray()
    for i in range(n):
        labels = bytes([i % 20, i % 100]) if label_bytes == 2 else bytes([i % 10])
        out += labels + bytes((i + k) % 256 for k in range(3072))
    return bytes(out)


def text_lines(words, lines):
    vocab = ["w%d" % k for k in range(words)]
    return "".join(" " + " ".join(vocab[(i * 7 + j) % words] for j in range(6)) + " \n" for i in range(lines)).encode()


def tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def make(root):
    files = {}
    for ds in ("fashion-mnist", "mnist"):
        files[ds + "/train-images-idx3-ubyte.gz"] = gzip.compress(idx_images(20), mtime=0)
        files[ds + "/train-labels-idx1-ubyte.gz"] = gzip.compress(idx_labels(20), mtime=0)
        files[ds + "/t10k-images-idx3-ubyte.gz"] = gzip.compress(idx_images(10), mtime=0)
        files[ds + "/t10k-labels-idx1-ubyte.gz"] = gzip.compress(idx_labels(10), mtime=0)
    c10 = {"cifar-10-batches-bin/data_batch_%d.bin" % b: cifar_records(4, 1) for b in range(1, 6)}
    c10["cifar-10-batches-bin/test_batch.bin"] = cifar_records(4, 1)
    c10["cifar-10-batches-bin/batches.meta.txt"] = b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
    files["cifar10/cifar-10-binary.tar.gz"] = tar_gz(c10)
    c100 = {"cifar-100-binary/train.bin": cifar_records(8, 2), "cifar-100-binary/test.bin": cifar_records(4, 2),
            "cifar-100-binary/fine_label_names.txt": "".join("fine%d\n" % k for k in range(100)).encode(),
            "cifar-100-binary/coarse_label_names.txt": "".join("coarse%d\n" % k for k in range(20)).encode()}
    files["cifar100/cifar-100-binary.tar.gz"] = tar_gz(c100)
    for split, lines in (("train", 40), ("valid", 8), ("test", 8)):
        files["ptb/ptb.%s.txt" % split] = text_lines(30, lines)
        files["wikitext2/wiki.%s.tokens" % split] = text_lines(40, lines)
    files["wikitext2/wikitext-2-v1.zip"] = zip_bytes(
        {"wikitext-2/wiki.%s.tokens" % s: files["wikitext2/wiki.%s.tokens" % s] for s in ("train", "valid", "test")})
    sums = []
    for rel, data in sorted(files.items()):
        path = os.path.join(root, "files", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        # The official lists: md5 for MNIST, Fashion-MNIST and the CIFAR archives; sha256 (ours)
        # for the corpora, whose zip has none (its members are checked).
        if rel.endswith(".zip"):
            continue
        algo = hashlib.sha256 if rel.startswith(("ptb/", "wikitext2/")) else hashlib.md5
        sums.append("%s  %s\n" % (algo(data).hexdigest(), rel))
    with open(os.path.join(root, "checksums.txt"), "w") as f:
        f.writelines(sums)


class Handler(http.server.BaseHTTPRequestHandler):
    root = ""
    log_file = ""

    def log_message(self, *args):  # quiet: the log file says what happened
        pass

    def record(self, status):
        with open(self.log_file, "a") as f:
            f.write("%s %s %d\n" % (self.path, self.headers.get("Range", "-"), status))

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        mode, rel = parts[0], "/".join(parts[1:])
        path = os.path.normpath(os.path.join(self.root, "files", rel))
        if ".." in rel.split("/") or mode == "missing" or not os.path.isfile(path) or \
                (mode == "nozip" and rel.endswith(".zip")):
            self.record(404)
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        if mode == "corrupt":
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng[6:].split("-")[0].isdigit():
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.record(416)
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.end_headers()
                return
        status = 206 if start > 0 else 200
        self.record(status)
        self.send_response(status)
        self.send_header("Content-Length", str(len(data) - start))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        body = data[start:]
        if mode.startswith("cut-") and start == 0:
            self.wfile.write(body[:int(mode[4:])])
            self.wfile.flush()
            self.connection.shutdown(2)  # the connection drops mid-file
            return
        self.wfile.write(body)


def exit_with_parent():
    # A test process that dies (a crash, kill -9) leaves no server behind.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def serve(root, port_file, log_file):
    Handler.root = root
    Handler.log_file = log_file
    threading.Thread(target=exit_with_parent, daemon=True).start()
    socketserver.TCPServer.allow_reuse_address = True
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        os.replace(port_file + ".tmp", port_file)  # the reader never sees half a number
        server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
