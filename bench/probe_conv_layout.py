"""Probe (bench/NOTES-cuda.md v7): strict fp32 (TF32 off) convolutions of the classic U-Net
in PyTorch, NCHW vs channels_last, per layer and whole model, cudnn.benchmark on.
  python3 bench/probe_conv_layout.py DIR_WITH_torch_unet.py [CFGS like 512x16,256x1]"""
import sys, statistics, json
import torch, torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
import torch_unet as tu

torch.backends.cudnn.benchmark = True

def timeit(fn, iters=15):
    for _ in range(3): fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(iters):
        a = torch.cuda.Event(enable_timing=True); b = torch.cuda.Event(enable_timing=True)
        a.record(); fn(); b.record(); b.synchronize(); ts.append(a.elapsed_time(b))
    return statistics.median(ts)

def layers(H):
    c = [64, 128, 256, 512, 1024]
    L = [("d0a", 1, 64, 3, H, 1), ("d0b", 64, 64, 3, H, 1)]
    for i in range(1, 5):
        h = H >> i
        L += [(f"d{i}a", c[i-1], c[i], 3, h, 1), (f"d{i}b", c[i], c[i], 3, h, 1)]
    for i in range(4):
        h = H >> (3 - i)      # output resolution of this decoder level
        ci, co = c[4-i], c[3-i]
        L += [(f"up{i}", ci, co, 2, h, "up"), (f"sub{i}", ci, 4 * co, 2, h // 2, "sub"),
              (f"u{i}a", 2 * co, co, 3, h, 1), (f"u{i}b", co, co, 3, h, 1)]
    L += [("head", 64, 2, 3, H, 1), ("head1x1", 2, 1, 1, H, 0)]
    return L

def main():
    cfgs = [tuple(map(int, c.split("x"))) for c in (sys.argv[2] if len(sys.argv) > 2 else "512x16,256x1").split(",")]
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    for H, N in cfgs:
        tot = {"nchw": 0.0, "cl": 0.0}
        for name, ci, co, k, h, pad in layers(H):
            row = dict(cfg=f"{H}x{N}", layer=name, cin=ci, cout=co, k=k, h=h)
            for fmt in ("nchw", "cl"):
                mf = torch.channels_last if fmt == "cl" else torch.contiguous_format
                hin = h + 1 if pad in ("up", "sub") else h
                x = torch.randn(N, ci, hin, hin, device="cuda").contiguous(memory_format=mf)
                w = torch.randn(co, ci, k, k, device="cuda").contiguous(memory_format=mf)
                b = torch.randn(co, device="cuda")
                p = pad if isinstance(pad, int) else 0
                with torch.inference_mode():
                    ms = timeit(lambda: F.conv2d(x, w, b, padding=p))
                row[fmt] = round(ms, 3)
                if name.startswith("sub") is False: tot[fmt] += ms   # totals: unfolded graph
                del x, w
            row["cl/nchw"] = round(row["cl"] / row["nchw"], 2)
            print(json.dumps(row), flush=True)
        print(json.dumps(dict(cfg=f"{H}x{N}", layer="TOTAL(unfolded)", nchw=round(tot["nchw"], 2), cl=round(tot["cl"], 2))), flush=True)
        torch.cuda.empty_cache()
    for mode in ("fp32", "tf32"):
        torch.backends.cudnn.allow_tf32 = mode == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = mode == "tf32"
        for H, N in cfgs:
            for fmt in ("nchw", "cl"):
                mf = torch.channels_last if fmt == "cl" else torch.contiguous_format
                m = tu.UNet().eval().cuda().to(memory_format=mf)
                x = torch.randn(N, 1, H, H, device="cuda").contiguous(memory_format=mf)
                with torch.inference_mode():
                    ms = timeit(lambda: m(x), iters=10)
                print(json.dumps(dict(model=mode, cfg=f"{H}x{N}", fmt=fmt, ms=round(ms, 2))), flush=True)
                del m, x
                torch.cuda.empty_cache()

if __name__ == "__main__":
    main()
