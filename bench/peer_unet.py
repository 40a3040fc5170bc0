"""PyTorch peer for scripts/gpu-test.sh: times the classic U-Net of
../shared/peers/torch_unet.py (imported from the directory given first) in
the given modes and configurations, and records the peak memory PyTorch
allocated for each (torch.cuda.max_memory_allocated), one JSON row each.

  python3 bench/peer_unet.py DIR_WITH_torch_unet.py fp16cl_graph,fp32 256x1,512x16 > peer.jsonl"""
import json, sys
sys.path.insert(0, sys.argv[1])
import torch
import torch_unet as tu

def main():
    modes = sys.argv[2].split(",")
    cfgs = [tuple(map(int, c.split("x"))) for c in sys.argv[3].split(",")]
    torch.manual_seed(0)
    for mode in modes:
        torch.backends.cudnn.allow_tf32 = mode != "fp32"
        torch.backends.cuda.matmul.allow_tf32 = mode != "fp32"
        torch.backends.cudnn.benchmark = True
        dt = torch.float16 if mode.startswith("fp16") else torch.float32
        m = tu.UNet().eval().to("cuda").to(dt)
        cl = "cl" in mode
        if cl:
            m = m.to(memory_format=torch.channels_last)
        for hw, b in cfgs:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            x = torch.randn(b, 1, hw, hw, device="cuda", dtype=dt)
            if cl:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                if mode.endswith("_graph"):
                    s = torch.cuda.Stream(); s.wait_stream(torch.cuda.current_stream())
                    with torch.cuda.stream(s):
                        for _ in range(3): m(x)
                    torch.cuda.current_stream().wait_stream(s)
                    g = torch.cuda.CUDAGraph(); sx = x.clone()
                    with torch.cuda.graph(g): sy = m(sx)
                    fn = lambda _x: g.replay()
                else:
                    fn = m
                ms = tu.bench(fn, x)
            row = dict(mode=mode, hw=hw, batch=b, ms=round(ms, 4), img_s=round(b * 1000 / ms, 1),
                       peak_bytes=torch.cuda.max_memory_allocated())
            print(json.dumps(row), flush=True)
            del fn
            if mode.endswith("_graph"):
                del g, sx, sy

if __name__ == "__main__":
    main()
