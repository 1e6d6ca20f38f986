#!/usr/bin/env python3
"""PyTorch's copies at the sizes and with the timing method of `talgpu probe` (src/gpu/measure.cpp):
best of 3 repetitions of N back-to-back operations between two CUDA events, after one warm-up.
A device-to-device copy counts its read and its write (2 x bytes); host transfers count bytes once.

usage: probe_torch.py [--copy-mib 1024] [--transfer-mib 256] [--device 0]   (prints JSON)
"""
import argparse
import json

import torch


def best_gbps(op, iters, bytes_per_op):
    op()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    best = None
    for _ in range(3):
        start.record()
        for _ in range(iters):
            op()
        end.record()
        end.synchronize()
        ms = start.elapsed_time(end)
        best = ms if best is None or ms < best else best
    return bytes_per_op * iters / best / 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--copy-mib", type=int, default=1024)
    ap.add_argument("--transfer-mib", type=int, default=256)
    ap.add_argument("--device", type=int, default=0)
    a = ap.parse_args()
    dev = torch.device("cuda", a.device)
    torch.cuda.set_device(dev)
    copy_bytes = a.copy_mib << 20
    transfer_bytes = a.transfer_mib << 20
    src = torch.empty(copy_bytes, dtype=torch.uint8, device=dev)
    dst = torch.empty_like(src)
    d2d = best_gbps(lambda: dst.copy_(src), 10, 2 * copy_bytes)
    host = torch.empty(transfer_bytes, dtype=torch.uint8, pin_memory=True)
    host.random_(0, 255)
    dbuf = torch.empty(transfer_bytes, dtype=torch.uint8, device=dev)
    h2d = best_gbps(lambda: dbuf.copy_(host, non_blocking=True), 4, transfer_bytes)
    d2h = best_gbps(lambda: host.copy_(dbuf, non_blocking=True), 4, transfer_bytes)
    print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(dev),
                      "copy_bytes": copy_bytes, "transfer_bytes": transfer_bytes,
                      "d2d_gbps": round(d2d, 1), "h2d_gbps": round(h2d, 1), "d2h_gbps": round(d2h, 1)}))


if __name__ == "__main__":
    main()
