"""Summary table of scripts/gpu-test.sh: segrt (bench --json lines) against
the PyTorch peer (bench/peer_unet.py rows), same card, same run.

  python3 bench/gpu_summary.py bench.jsonl peer.jsonl"""
import json, sys

def rows(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out

seg, peer = rows(sys.argv[1]), rows(sys.argv[2])
peer_of = {("fp16" if r["mode"].startswith("fp16") else r["mode"], r["hw"], r["batch"]): r for r in peer}
print(f"{'precision':9} {'input':>9} {'batch':>5} | {'segrt ms':>9} {'img/s':>8} {'compute':>8} {'h2d+d2h':>8} {'dev MiB':>8} |"
      f" {'torch ms':>9} {'img/s':>8} {'MiB':>8} | {'speedup':>7} {'(compute)':>9}")
for s in seg:
    shape = s.get("input_shape", "")
    dims = [int(d) for d in shape.strip("[]").split(",") if d]
    hw = dims[-1] if dims else 0
    p = peer_of.get((s["precision"], hw, s["batch"]))
    copies = s.get("h2d_ms", 0) + s.get("d2h_ms", 0)
    line = (f"{s['precision']:9} {hw:>4}x{hw:<4} {s['batch']:>5} | {s['median_ms']:>9.3f} {s['throughput_ips']:>8.1f}"
            f" {s.get('compute_ms', float('nan')):>8.3f} {copies:>8.3f} {s['peak_memory_bytes'] / 2**20:>8.0f} |")
    if p:
        line += f" {p['ms']:>9.3f} {p['img_s']:>8.1f} {p['peak_bytes'] / 2**20:>8.0f} | {p['ms'] / s['median_ms']:>6.2f}x"
        if s.get("compute_ms"):
            line += f" {p['ms'] / s['compute_ms']:>8.2f}x"
    print(line)
for p in peer:
    if not any(s["precision"] == ("fp16" if p["mode"].startswith("fp16") else p["mode"]) and s["batch"] == p["batch"]
               and s.get("input_shape", "").endswith(f",{p['hw']}]") for s in seg):
        print(f"torch {p['mode']} {p['hw']}x{p['hw']} b{p['batch']}: {p['ms']} ms, {p['img_s']} img/s, "
              f"{p['peak_bytes'] / 2**20:.0f} MiB")
print(f"(device: {seg[0]['device_name'] if seg else '?'}; segrt ms = wall time of Engine::run incl. copies;"
      " speedup = torch ms / segrt ms; (compute) = torch ms / segrt GPU compute ms)")
