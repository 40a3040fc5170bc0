"""deploy/: the manifests parse, and the ports, paths and health routes they
name are the ones segrt serve serves: each container's args start a real
server (repository, host and ports swapped for test ones), its probe paths
and metrics path answer 200, its declared ports equal its --http-port /
--grpc-port, Services target them, the HPA's metric is one /metrics exports,
and the Dockerfile's EXPOSE / HEALTHCHECK / CMD agree. Usage: deploy_test.py SEGRT"""
import glob
import json
import http.client
import os
import re
import shlex
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from serve_util import ROOT, Server, check, fail, make_repository, skip_unless_served

SEGRT = sys.argv[1]


def flags(args):
    """--name=value and --name value -> {name: value}."""
    out, i = {}, 0
    while i < len(args):
        a = str(args[i])
        if a.startswith("--"):
            if "=" in a:
                k, v = a[2:].split("=", 1)
            elif i + 1 < len(args) and not str(args[i + 1]).startswith("--"):
                k, v = a[2:], str(args[i + 1])
                i += 1
            else:
                k, v = a[2:], ""
            out[k] = v
        i += 1
    return out


def containers(doc):
    spec = doc.get("spec", {})
    if doc["kind"] == "ServingRuntime":
        return spec.get("containers", [])
    if doc["kind"] == "Deployment":
        return spec["template"]["spec"]["containers"]
    return []


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    return r.status, r.read().decode(errors="replace")


def serve_args_check(tmp, repo, args, paths):
    """Starts segrt serve with the container's own flags (but test repository,
    loopback and free ports) and GETs each path."""
    f = flags(args)
    extra = []
    for k, v in f.items():
        if k in ("model-repository", "host", "http-port", "grpc-port"):
            continue
        extra += ["--" + k] + ([v] if v else [])
    srv = Server(SEGRT, repo, *extra)
    try:
        for p in paths:
            s, body = get(srv.http_port, p)
            check(s == 200, f"segrt serve answers GET {p} with 200 (got {s})")
        _, metrics = get(srv.http_port, "/metrics")
    finally:
        srv.stop()
    return metrics


def main():
    try:
        import yaml
    except ImportError:
        print("SKIP: python3-yaml is not installed")
        sys.exit(77)
    skip_unless_served(SEGRT)
    tmp = tempfile.mkdtemp()
    repo = make_repository(tmp)
    docs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "deploy", "**", "*.yaml"), recursive=True)):
        with open(path) as fh:
            for d in yaml.safe_load_all(fh):
                if d:
                    check("apiVersion" in d and "kind" in d, f"{os.path.relpath(path, ROOT)}: {d.get('kind')} parses")
                    docs.append(d)
    kinds = {d["kind"] for d in docs}
    check({"ServingRuntime", "InferenceService", "Deployment", "Service", "HorizontalPodAutoscaler"} <= kinds,
          "all manifests present: " + ", ".join(sorted(kinds)))

    metrics_text = ""
    deployment_ports = {}
    for d in docs:
        for c in containers(d):
            args = c["args"]
            check(args[0] == "serve", f"{d['kind']}: runs segrt serve")
            f = flags(args[1:])
            check(f.get("host") == "0.0.0.0", f"{d['kind']}: binds beyond loopback (--host 0.0.0.0)")
            http_port, grpc_port = int(f["http-port"]), int(f["grpc-port"])
            declared = {int(p["containerPort"]) for p in c.get("ports", [])}
            check(http_port in declared, f"{d['kind']}: containerPort {http_port} is --http-port")
            if d["kind"] == "Deployment":
                check(grpc_port in declared, f"{d['kind']}: containerPort {grpc_port} is --grpc-port")
                deployment_ports = {p.get("name"): int(p["containerPort"]) for p in c["ports"]}
            paths = []
            for probe in ("readinessProbe", "livenessProbe"):
                g = c[probe]["httpGet"]
                check(int(g["port"]) == http_port, f"{d['kind']}: {probe} on the HTTP port")
                paths.append(g["path"])
            check(set(paths) == {"/v2/health/ready", "/v2/health/live"}, f"{d['kind']}: probes are the v2 health routes")
            ann = d["spec"].get("annotations", {}) if d["kind"] == "ServingRuntime" else \
                d["spec"]["template"]["metadata"].get("annotations", {})
            mport = ann.get("prometheus.kserve.io/port") or ann.get("prometheus.io/port")
            mpath = ann.get("prometheus.kserve.io/path") or ann.get("prometheus.io/path")
            check(int(mport) == http_port and mpath == "/metrics", f"{d['kind']}: metrics scraped from the HTTP port")
            metrics_text = serve_args_check(tmp, repo, args[1:], paths + [mpath, "/v2"])
    for d in docs:
        if d["kind"] == "Service":
            for p in d["spec"]["ports"]:
                check(int(p["targetPort"]) in deployment_ports.values(), f"Service port {p['name']} targets a container port")
        if d["kind"] == "HorizontalPodAutoscaler":
            for m in d["spec"]["metrics"]:
                name = m["pods"]["metric"]["name"]
                check(re.search(r"^" + name + r"\b", metrics_text, re.M) is not None, f"HPA metric {name} is exported")
        if d["kind"] == "InferenceService":
            p = d["spec"]["predictor"]["model"]
            rt = [x for x in docs if x["kind"] == "ServingRuntime"][0]
            check(p["runtime"] == rt["metadata"]["name"] and p["protocolVersion"] in rt["spec"]["protocolVersions"],
                  "InferenceService uses the runtime and a protocol it speaks")
            check(p["modelFormat"]["name"] in [m["name"] for m in rt["spec"]["supportedModelFormats"]],
                  "InferenceService's model format is one the runtime supports")

    with open(os.path.join(ROOT, "deploy", "Dockerfile")) as fh:
        df = fh.read()
    expose = {int(p) for p in re.search(r"^EXPOSE (.+)$", df, re.M).group(1).split()}
    cmd = flags(json.loads(re.search(r"^CMD (\[.+\])$", df, re.M).group(1))[1:])
    check(expose == {int(cmd["http-port"]), int(cmd["grpc-port"])}, "Dockerfile EXPOSEs the ports its CMD serves")
    hc = re.search(r"HEALTHCHECK .*http://127\.0\.0\.1:(\d+)(/\S+)", df)
    check(hc and int(hc.group(1)) == int(cmd["http-port"]) and hc.group(2) == "/v2/health/ready",
          "Dockerfile HEALTHCHECK asks the ready route on the HTTP port")
    check(cmd.get("host") == "0.0.0.0", "Dockerfile CMD binds beyond loopback")
    print("PASS")


if __name__ == "__main__":
    main()
