#!/usr/bin/env python3
"""Train FDKN (Kim, Ponce, Ham: "Deformable Kernel Networks for Joint Image Filtering", IJCV 2021) weights that
DepthPlugins loads (`depthplugins refine ... --method fdkn --weights OUT.safetensors`), so users are not tied to the
authors' GPL weights.

Data: RGB-D pairs found under the folders given with --data (Middlebury viewN/dispN and imN/dispN, <n>_rgb +
<n>_gt[_filled], <n>_color + <n>_big, <n>.bmp + <n>_depth.bmp). Depth files are 8/16-bit grey scaled to 0..1; 0 is
unknown and left out of the loss. Degradation = the clean protocol: ground truth shrunk by --scale with PIL-style
antialiased bicubic, then bicubic-upsampled back (the target FDKN refines); guide = luminance 0.299 R + 0.587 G +
0.114 B of the sRGB colour in 0..1.

Network and geometry exactly as our inference (src/DepthPlugins.Core/Deformable): two branches of six 3x3 convs
(16-32-32-64-64-128-128, batch norm after conv 1/3/5, ReLU), 1x1 heads of 144 weights (sigmoid) and 288 offsets,
branch products, pixel shuffle x4, 3x3 taps in a 15x15 window at base (7 + i, 7 + j), position (base + offset) x 14/15,
bilinear with zeros outside the window and the image, residual form. The output file holds the state-dict names the
loader reads (ImageKernel.conv1.weight, ..., DepthKernel.conv_offset.bias), float32.

  python3 tools/train_fdkn/train_fdkn.py --data DIR [DIR ...] --out fdkn_x8.safetensors [--minutes 8]
  python3 tools/train_fdkn/train_fdkn.py --smoke          # a few CPU iterations on random data (syntax/shape check)
  python3 tools/train_fdkn/train_fdkn.py --bench 640x480,3840x2160   # inference timings (the peer of our GPU benchmark)
"""
import argparse
import json
import math
import os
import random
import re
import struct
import sys
import time
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

FACTOR = 4          # space-to-depth factor of FDKN
TAPS = 3            # taps per side (k)
WINDOW = 15         # window side (d)
CHANNELS = [FACTOR * FACTOR, 32, 32, 64, 64, 128, 128]


# ----------------------------------------------------------------------------------------------------------------
# The network (names match the authors' state dict, which our loader reads)
# ----------------------------------------------------------------------------------------------------------------

class KernelBranch(nn.Module):
    def __init__(self):
        super().__init__()
        for n in range(1, 7):
            setattr(self, f"conv{n}", nn.Conv2d(CHANNELS[n - 1], CHANNELS[n], 3, padding=1))
            if n % 2 == 1:
                setattr(self, f"conv{n}_bn", nn.BatchNorm2d(CHANNELS[n], eps=1e-5))
        self.conv_weight = nn.Conv2d(CHANNELS[-1], TAPS * TAPS * FACTOR * FACTOR, 1)
        self.conv_offset = nn.Conv2d(CHANNELS[-1], 2 * TAPS * TAPS * FACTOR * FACTOR, 1)

    def forward(self, x):
        for n in range(1, 7):
            x = getattr(self, f"conv{n}")(x)
            if n % 2 == 1:
                x = getattr(self, f"conv{n}_bn")(x)
            x = F.relu(x)
        return torch.sigmoid(self.conv_weight(x)), self.conv_offset(x)


class FDKN(nn.Module):
    def __init__(self):
        super().__init__()
        self.ImageKernel = KernelBranch()
        self.DepthKernel = KernelBranch()

    def forward(self, luma, target):
        """luma, target: (B, 1, H, W) with H, W multiples of 4. Returns the refined target."""
        wi, oi = self.ImageKernel(F.pixel_unshuffle(luma, FACTOR))     # channel 4i + j = pixel (4y + i, 4x + j)
        wd, od = self.DepthKernel(F.pixel_unshuffle(target, FACTOR))
        weights = F.pixel_shuffle(wi * wd, FACTOR)                    # (B, 9, H, W): channel t*16 + 4i + j -> tap t
        offsets = F.pixel_shuffle(oi * od, FACTOR)                    # (B, 18, H, W)
        weights = weights - weights.mean(dim=1, keepdim=True)         # residual form
        return target + deformable_sum(target, weights, offsets)


def deformable_sum(target, weights, offsets):
    """sum_t w_t * bilinear(target at tap t's position); corners outside the window or the image count as zero.
    Tap t = 3i + j: window position ((7 + i + offset_x) * 14/15, (7 + j + offset_y) * 14/15), window pixel 7 = the pixel."""
    b, _, h, w = target.shape
    c = (WINDOW - 1) // 2
    scale = (WINDOW - 1) / WINDOW
    flat = target.reshape(b, h * w)
    ys = torch.arange(h, device=target.device).view(1, h, 1)
    xs = torch.arange(w, device=target.device).view(1, 1, w)
    out = torch.zeros_like(target[:, 0])
    for t in range(TAPS * TAPS):
        i, j = divmod(t, TAPS)
        sx = (c + i + offsets[:, 2 * t]) * scale
        sy = (c + j + offsets[:, 2 * t + 1]) * scale
        u0, v0 = torch.floor(sx), torch.floor(sy)
        fx, fy = sx - u0, sy - v0
        sample = torch.zeros_like(sx)
        for du, dv, wt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            u, v = u0 + du, v0 + dv
            px, py = xs + u.long() - c, ys + v.long() - c
            ok = (u >= 0) & (u <= WINDOW - 1) & (v >= 0) & (v <= WINDOW - 1) & (px >= 0) & (px < w) & (py >= 0) & (py < h)
            idx = (py.clamp(0, h - 1) * w + px.clamp(0, w - 1)).reshape(b, -1)
            val = torch.gather(flat, 1, idx).reshape(b, h, w)
            sample = sample + torch.where(ok, val * wt, torch.zeros_like(val))
        out = out + weights[:, t] * sample
    return out.unsqueeze(1)


def luminance(rgb):
    return (0.299 * rgb[:, 0:1] + 0.587 * rgb[:, 1:2] + 0.114 * rgb[:, 2:3])


# ----------------------------------------------------------------------------------------------------------------
# safetensors writer (the format: 8-byte little-endian header length, JSON header, little-endian data)
# ----------------------------------------------------------------------------------------------------------------

def save_safetensors(model, path):
    tensors = [(k, v.detach().float().cpu().contiguous()) for k, v in model.state_dict().items() if v.is_floating_point()]
    header, blobs, offset = {"__metadata__": {"source": "tools/train_fdkn/train_fdkn.py"}}, [], 0
    for name, t in tensors:
        data = struct.pack(f"<{t.numel()}f", *t.flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def check_safetensors(path):
    """Re-reads the header and checks every tensor our loader needs is there with the right shape."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    for p in ("ImageKernel", "DepthKernel"):
        for n in range(1, 7):
            assert header[f"{p}.conv{n}.weight"]["shape"] == [CHANNELS[n], CHANNELS[n - 1], 3, 3]
            if n % 2 == 1:
                for s in ("weight", "bias", "running_mean", "running_var"):
                    assert header[f"{p}.conv{n}_bn.{s}"]["shape"] == [CHANNELS[n]]
        assert header[f"{p}.conv_weight.weight"]["shape"] == [144, 128, 1, 1]
        assert header[f"{p}.conv_offset.weight"]["shape"] == [288, 128, 1, 1]


# ----------------------------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------------------------

def read_png_plain(path):
    """Minimal PNG reader (8/16-bit grey/RGB/RGBA, not interlaced) for machines without Pillow. Returns (C, H, W) 0..1."""
    d = open(path, "rb").read()
    if d[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat = 8, b""
    while pos < len(d):
        n, typ = struct.unpack(">I", d[pos:pos + 4])[0], d[pos + 4:pos + 8]
        body = d[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            w, h, bd, ct, _, _, il = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
    if il != 0 or bd not in (8, 16) or ct not in (0, 2, 4, 6):
        raise ValueError(f"{path}: unsupported PNG (bit depth {bd}, colour type {ct}, interlace {il}); install Pillow")
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[ct]
    bpp = ch * bd // 8
    stride = w * bpp
    raw = zlib.decompress(idat)
    rows, prev, p = bytearray(), bytearray(stride), 0
    for _ in range(h):
        f, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows += line
        prev = line
    if bd == 8:
        t = torch.frombuffer(bytes(rows), dtype=torch.uint8).float() / 255
    else:
        v = struct.unpack(f">{len(rows) // 2}H", bytes(rows))
        t = torch.tensor(v, dtype=torch.float32) / 65535
    return t.view(h, w, ch).permute(2, 0, 1).contiguous()


def read_image(path):
    """(C, H, W) float 0..1 for 8/16-bit images."""
    try:
        from PIL import Image
        im = Image.open(path)
        mode = im.mode
        if mode in ("I;16", "I;16B", "I;16L", "I"):
            t = torch.tensor(list(im.getdata()), dtype=torch.float32).view(1, im.height, im.width) / 65535
            return t
        if mode not in ("L", "RGB"):
            im = im.convert("RGB" if mode in ("RGBA", "P", "CMYK") else "L")
        b = torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).float() / 255
        return b.view(im.height, im.width, len(im.getbands())).permute(2, 0, 1).contiguous()
    except ImportError:
        if not path.lower().endswith(".png"):
            raise
        return read_png_plain(path)


PAIR_RULES = [
    (re.compile(r"^view(\d+)\.png$"), lambda m: f"disp{m.group(1)}.png"),           # Middlebury 2005/2006
    (re.compile(r"^im(\d+)\.png$"), lambda m: f"disp{m.group(1)}.png"),             # Middlebury 2003
    (re.compile(r"^(.+)_rgb\.png$"), lambda m: [f"{m.group(1)}_gt_filled.png", f"{m.group(1)}_gt.png"]),
    (re.compile(r"^(.+)_color\.png$"), lambda m: f"{m.group(1)}_big.png"),          # Park et al.
    (re.compile(r"^(?!.*_depth)(.+)\.bmp$"), lambda m: f"{m.group(1)}_depth.bmp"),  # Graz ToF
]


def find_pairs(roots, exclude):
    pairs = []
    for root in roots:
        for dirpath, _, files in sorted(os.walk(root)):
            names = set(files)
            for f in sorted(files):
                for rx, depth_name in PAIR_RULES:
                    m = rx.match(f)
                    if not m:
                        continue
                    cands = depth_name(m)
                    for d in ([cands] if isinstance(cands, str) else cands):
                        if d in names:
                            colour, depth = os.path.join(dirpath, f), os.path.join(dirpath, d)
                            if not any(x.lower() in colour.lower() for x in exclude):
                                pairs.append((colour, depth))
                            break
    return pairs


def resize_pil_bicubic(x, h, w):
    """PIL-compatible bicubic (a = -0.5, antialiased when shrinking, pixel-centre aligned), as our Resampler."""
    return F.interpolate(x, size=(h, w), mode="bicubic", antialias=True, align_corners=False)


def fill_holes(depth, valid):
    """Fills unknown pixels by repeated averaging of known neighbours (training inputs only; the loss ignores them)."""
    d, m = depth * valid, valid.clone()
    for _ in range(256):
        if bool(m.min() > 0):
            break
        s = F.avg_pool2d(d, 3, 1, 1, count_include_pad=False)
        c = F.avg_pool2d(m, 3, 1, 1, count_include_pad=False)
        grow = (m == 0) & (c > 0)
        d = torch.where(grow, s / c.clamp_min(1e-6), d)
        m = torch.where(grow, torch.ones_like(m), m)
    return d


def prepare(colour, depth, scale):
    """Crops to a multiple of 4*scale, degrades; returns (luma, target, truth, valid), each (1, 1, H, W)."""
    h = min(colour.shape[1], depth.shape[1])
    w = min(colour.shape[2], depth.shape[2])
    m = math.lcm(FACTOR, scale)
    h, w = h - h % m, w - w % m
    rgb = colour[:3, :h, :w] if colour.shape[0] >= 3 else colour[:1, :h, :w].expand(3, h, w)
    truth = depth[:1, :h, :w].unsqueeze(0)
    valid = (truth > 0).float()
    full = fill_holes(truth, valid)
    low = resize_pil_bicubic(full, h // scale, w // scale)
    target = resize_pil_bicubic(low, h, w)
    return luminance(rgb.unsqueeze(0)), target, truth, valid


def random_batch(data, batch, crop, device, augment=True):
    ls, ts, gs, vs = [], [], [], []
    for _ in range(batch):
        luma, target, truth, valid = random.choice(data)
        h, w = luma.shape[2], luma.shape[3]
        ch, cw = min(crop, h - h % FACTOR), min(crop, w - w % FACTOR)
        y, x = random.randrange(0, h - ch + 1), random.randrange(0, w - cw + 1)
        parts = [a[:, :, y:y + ch, x:x + cw] for a in (luma, target, truth, valid)]
        if augment:
            if random.random() < 0.5:
                parts = [p.flip(3) for p in parts]
            if random.random() < 0.5:
                parts = [p.flip(2) for p in parts]
        if ch != crop or cw != crop:  # small images: pad by reflection to the crop size, padding excluded from the loss
            pad = (0, crop - cw, 0, crop - ch)
            parts = [F.pad(p, pad, mode="replicate") for p in parts[:3]] + [F.pad(parts[3], pad)]
        for lst, p in zip((ls, ts, gs, vs), parts):
            lst.append(p)
    return [torch.cat(lst).to(device) for lst in (ls, ts, gs, vs)]


def rmse255(a, b, valid):
    return float(torch.sqrt((((a - b) * 255) ** 2 * valid).sum() / valid.sum().clamp_min(1)))


def evaluate(model, data, device):
    """Mean over images of RMSE(FDKN) / RMSE(bicubic) on 0..255, known pixels only (whole images)."""
    model.eval()
    ratios = []
    with torch.no_grad():
        for luma, target, truth, valid in data:
            out = model(luma.to(device), target.to(device)).cpu()
            ratios.append(rmse255(out, truth, valid) / max(rmse255(target, truth, valid), 1e-9))
    model.train()
    return sum(ratios) / max(len(ratios), 1)


# ----------------------------------------------------------------------------------------------------------------

def bench(sizes, runs, warmup, device):
    """Median forward time of this PyTorch FDKN (random weights, fp32, no autograd) per size, one JSON line each, as
    bench/DepthPlugins.Bench reads them. CUDA events time the GPU work of one forward pass, inputs already on the device."""
    model = FDKN().to(device).eval()
    cuda = device.type == "cuda"
    for size in sizes.split(","):
        w, h = (int(v) for v in size.split("x"))
        luma = torch.rand(1, 1, h + (-h) % FACTOR, w + (-w) % FACTOR, device=device)
        target = torch.rand_like(luma)
        times = []
        with torch.no_grad():
            for i in range(warmup + runs):
                if cuda:
                    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    start.record()
                    model(luma, target)
                    end.record()
                    torch.cuda.synchronize()
                    ms = start.elapsed_time(end)
                else:
                    t = time.perf_counter()
                    model(luma, target)
                    ms = (time.perf_counter() - t) * 1e3
                if i >= warmup:
                    times.append(ms)
        times.sort()
        print(json.dumps({"case": "fdkn", "size": size, "median_ms": times[len(times) // 2], "runs": runs,
                          "device": torch.cuda.get_device_name(device) if cuda else "cpu", "torch": torch.__version__}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", nargs="+", default=[], help="folders searched (recursively) for RGB-D pairs")
    ap.add_argument("--exclude", nargs="*", default=[], help="skip pairs whose path contains any of these (e.g. evaluation scenes)")
    ap.add_argument("--val", nargs="*", default=[], help="folders of pairs scored (ratio to bicubic) during and after training")
    ap.add_argument("--out", default="fdkn_x8.safetensors")
    ap.add_argument("--scale", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128, help="training crop side (multiple of 4)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--iters", type=int, default=100000, help="stop after this many iterations ...")
    ap.add_argument("--minutes", type=float, default=8.0, help="... or after this much training time")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--smoke", action="store_true", help="a few CPU iterations on random data, then a file check")
    ap.add_argument("--bench", metavar="WxH,...", help="time inference at these sizes instead of training")
    ap.add_argument("--runs", type=int, default=20, help="--bench: timed runs per size")
    ap.add_argument("--warmup", type=int, default=3, help="--bench: untimed runs first")
    a = ap.parse_args()
    if a.bench:
        torch.backends.cudnn.benchmark = True
        bench(a.bench, a.runs, a.warmup, torch.device(a.device))
        return
    if a.crop % FACTOR:
        sys.exit("--crop must be a multiple of 4")
    random.seed(a.seed)
    torch.manual_seed(a.seed)
    torch.backends.cudnn.benchmark = True

    if a.smoke:
        a.device, a.iters, a.batch, a.crop, a.minutes = "cpu", 3, 2, 32, 5.0
        g = torch.Generator().manual_seed(0)
        data = [prepare(torch.rand(3, 72, 88, generator=g), torch.rand(1, 72, 88, generator=g) * 0.8 + 0.1, a.scale) for _ in range(3)]
        val = data[:1]
        a.out = a.out if a.out != "fdkn_x8.safetensors" else os.path.join(os.environ.get("TMPDIR", "/tmp"), "fdkn_smoke.safetensors")
    else:
        pairs = find_pairs(a.data, a.exclude)
        if not pairs:
            sys.exit(f"no RGB-D pairs found under {a.data}")
        print(f"{len(pairs)} training pairs:", *[f"  {c} + {os.path.basename(d)}" for c, d in pairs], sep="\n", flush=True)
        data = [prepare(read_image(c), read_image(d), a.scale) for c, d in pairs]
        vpairs = find_pairs(a.val, [])
        val = [prepare(read_image(c), read_image(d), a.scale) for c, d in vpairs]
        print(f"{len(vpairs)} validation pairs", flush=True)

    device = torch.device(a.device)
    # The data set is small (tens of images): keep it on the device, so batches are cut there.
    data = [tuple(t.to(device) for t in d) for d in data]
    model = FDKN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    # Cosine decay over the time budget or the iterations, whichever ends first.
    start, it, log_every = time.time(), 0, 200
    budget = a.minutes * 60
    running = torch.zeros((), device=device)  # summed on the device: no host sync per iteration
    while it < a.iters and time.time() - start < budget:
        progress = max(it / a.iters, (time.time() - start) / budget)
        for group in opt.param_groups:
            group["lr"] = a.lr * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
        luma, target, truth, valid = random_batch(data, a.batch, a.crop, device)
        out = model(luma, target)
        loss = ((out - truth).abs() * valid).sum() / valid.sum().clamp_min(1)   # L1 on known pixels, as the authors
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        running += loss.detach()
        it += 1
        if it % log_every == 0 or a.smoke:
            msg = f"iter {it} loss {float(running) / (log_every if not a.smoke else 1):.5f} lr {opt.param_groups[0]['lr']:.2e} {time.time() - start:.0f}s"
            if val and it % (10 * log_every) == 0:
                msg += f" val FDKN/bicubic {evaluate(model, val, device):.3f}"
            print(msg, flush=True)
            running.zero_()
    model.eval()
    save_safetensors(model, a.out)
    check_safetensors(a.out)
    print(f"{it} iterations in {time.time() - start:.0f}s; wrote {a.out}", flush=True)
    if val:
        print(f"validation FDKN/bicubic RMSE ratio (mean over {len(val)} images): {evaluate(model, val, device):.3f}", flush=True)


if __name__ == "__main__":
    main()
