#!/usr/bin/env python3
"""Checks that scripts/setup.sh installs every Debian package the configured build reads.

A fresh machine has only what setup.sh installs (plus Debian's required base), so a
package the build happens to find because someone installed it by hand is a bug that
CI, running on a machine with history, cannot see. This lists the files the build
really touched:
  - headers: the compiler's dependency information (`ninja -t deps`: gcc's and nvcc's
    depfiles, as Ninja recorded them);
  - libraries and tools: absolute paths in build.ninja's link and command lines, and
    FILEPATH/PATH entries of CMakeCache.txt (compilers, protoc, found libraries);
  - CMake config and Find modules read at configure time: the files build.ninja's
    re-run rule depends on, and the paths CMakeFiles/ records;
maps each to its package with `dpkg -S`, and fails naming every package that neither
setup.sh's list nor the Depends/Pre-Depends closure of that list (plus Debian's
Essential/required base) installs. Files of no package (/usr/local/cuda, the build
itself) are outside its reach and counted only.

  scripts/check_deps.py build                                   # the check
  scripts/check_deps.py build --without ocl-icd-opencl-dev      # as if setup.sh lacked it
"""
import argparse
import os
import re
import subprocess
import sys

# include(CTest) looks these programs up for dashboard submissions (memcheck,
# coverage, version control); nothing in the build or the tests runs them.
CTEST_DASHBOARD_KEYS = {"MEMORYCHECK_COMMAND", "GITCOMMAND", "COVERAGE_COMMAND", "CVSCOMMAND", "SVNCOMMAND",
                        "HGCOMMAND", "P4COMMAND", "BZRCOMMAND", "MAKECOMMAND", "SITE", "BUILDNAME"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def setup_packages():
    """The PACKAGES=( ... ) array of scripts/setup.sh, comments stripped."""
    text = open(os.path.join(ROOT, "scripts", "setup.sh")).read()
    m = re.search(r"^PACKAGES=\((.*?)^\)", text, re.S | re.M)
    if not m:
        sys.exit("check_deps: no PACKAGES=( ... ) array in scripts/setup.sh")
    names = []
    for line in m.group(1).splitlines():
        names += line.split("#", 1)[0].split()
    return names


def installed_metadata():
    """Installed packages: name -> (depends, pre_depends, provides, essential, priority)."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Abbrev}\t${Package}\t${Depends}\t${Pre-Depends}\t"
         "${Provides}\t${Essential}\t${Priority}\n"], capture_output=True, text=True, check=True).stdout
    meta = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 7 or not f[0].startswith("ii"):
            continue
        meta[f[1]] = f[2:]
    return meta


def dep_names(field):
    """'a (>= 1) | b, c:any' -> [['a', 'b'], ['c']]: each clause's alternatives."""
    clauses = []
    for clause in field.split(","):
        alts = [re.split(r"[\s(:]", a.strip(), maxsplit=1)[0] for a in clause.split("|")]
        alts = [a for a in alts if a]
        if alts:
            clauses.append(alts)
    return clauses


def closure(roots, meta):
    """Every installed package reachable from roots through Depends and Pre-Depends;
    a virtual name resolves to its installed providers, alternatives to those installed."""
    providers = {}
    for name, f in meta.items():
        for alts in dep_names(f[2]):
            providers.setdefault(alts[0], []).append(name)
    seen, stack = set(), list(roots)
    while stack:
        p = stack.pop()
        for q in ([p] if p in meta else []) + providers.get(p, []):
            if q in seen:
                continue
            seen.add(q)
            for alts in dep_names(meta[q][0]) + dep_names(meta[q][1]):
                stack.extend(alts)
    return seen


def build_files(build):
    """Absolute paths outside the build and source trees that the build read."""
    files = set()
    deps = subprocess.run(["ninja", "-C", build, "-t", "deps"], capture_output=True, text=True).stdout
    for line in deps.splitlines():
        s = line.strip()
        if s.startswith("/"):
            files.add(s)
    abs_path = re.compile(r"(?<![\w.-])(/(?:usr|lib|lib64|bin|sbin|etc|opt)/[^\s;:\"'$]+)")
    texts = [os.path.join(build, "build.ninja"), os.path.join(build, "CMakeCache.txt")]
    for dirpath, _, names in os.walk(os.path.join(build, "CMakeFiles")):
        if dirpath.count(os.sep) - build.count(os.sep) > 3:
            continue  # the per-target object folders hold nothing configure read
        texts += [os.path.join(dirpath, n) for n in names if n.endswith((".cmake", ".txt", ".log"))]
    for t in texts:
        try:
            data = open(t, errors="replace").read()
        except OSError:
            continue
        if t.endswith("CMakeCache.txt"):  # CTest's optional dashboard tools: looked up, never run
            data = "\n".join(l for l in data.splitlines() if l.split(":", 1)[0] not in CTEST_DASHBOARD_KEYS)
        for m in abs_path.finditer(data):
            files.add(m.group(1).rstrip(",)"))
    return {f for f in files if os.path.isfile(f)}


def owners(paths):
    """path -> set of packages (dpkg -S), trying the path as given, resolved, and usr-merged."""
    def candidates(p):
        c = [p, os.path.realpath(p)]
        for x in list(c):
            if x.startswith("/usr/"):
                c.append(x[4:])
            else:
                c.append("/usr" + x)
        return list(dict.fromkeys(c))

    found = {}
    todo = sorted(paths)
    for attempt in range(4):
        query = {}
        for p in todo:
            cands = candidates(p)
            if attempt < len(cands):
                query[cands[attempt]] = p
        if not query:
            break
        names = list(query)
        for i in range(0, len(names), 500):
            out = subprocess.run(["dpkg", "-S"] + names[i:i + 500], capture_output=True, text=True).stdout
            for line in out.splitlines():
                pkgs, _, path = line.partition(": ")
                if path in query and not pkgs.startswith("diversion"):
                    found.setdefault(query[path], set()).update(
                        x.strip().split(":")[0] for x in pkgs.split(","))
        todo = [p for p in todo if p not in found]
    return found, todo


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", help="a configured (and built) build directory")
    ap.add_argument("--without", action="append", default=[], help="check as if setup.sh lacked this package")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    if not os.path.isfile(os.path.join(build, "build.ninja")):
        sys.exit(f"check_deps: {build} is not a configured Ninja build directory")

    listed = [p for p in setup_packages() if p not in a.without]
    meta = installed_metadata()
    base = [n for n, f in meta.items() if f[3] == "yes" or f[4] == "required"]
    allowed = closure(listed + base, meta)

    files = build_files(build)
    found, unowned = owners(files)
    used = {}
    for path, pkgs in found.items():
        if pkgs & allowed:
            continue  # several owners (a shared directory's file): any allowed one will do
        for p in pkgs:
            used.setdefault(p, []).append(path)
    print(f"check_deps: {len(files)} files read by the build in {build}: {len(found)} from "
          f"{len({p for s in found.values() for p in s})} Debian packages, {len(unowned)} from no package "
          f"(e.g. /usr/local/cuda); setup.sh lists {len(listed)} packages, {len(allowed)} with their Depends "
          f"closure and Debian's base")
    if a.verbose:
        for p in unowned:
            print("  no package:", p)
    if used:
        print("check_deps: FAILED: the build reads files of packages scripts/setup.sh does not install:")
        for p in sorted(used):
            ex = sorted(used[p])
            print(f"  {p}: {ex[0]}" + (f" (+{len(ex) - 1} more)" if len(ex) > 1 else ""))
        print("check_deps: add them to PACKAGES in scripts/setup.sh (a fresh machine lacks them)")
        return 1
    print("check_deps: OK, every package the build reads is installed by scripts/setup.sh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
