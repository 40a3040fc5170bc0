// segrt_load_time MODEL [RUNS]: times Engine::load with the Keras import in a
// child process (the default) and in this process (--trusted), alternating,
// and prints wall and CPU seconds (this process + its children) of each.
// bench/NOTES-fuzz.md reports it for a 32 M-parameter Keras U-Net.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "segrt/engine.h"

static double cpu_seconds() {
  double s = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage u;
    getrusage(who, &u);
    s += u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
  }
  return s;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: segrt_load_time MODEL [RUNS]\n");
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  double best_wall[2] = {1e9, 1e9}, best_cpu[2] = {1e9, 1e9};
  for (int r = 0; r < runs; ++r)
    for (int isolate : {1, 0}) {
      segrt::Options o;
      o.backend = "ref";
      o.isolate_import = isolate;
      auto t0 = std::chrono::steady_clock::now();
      double c0 = cpu_seconds();
      try {
        segrt::Engine e = segrt::Engine::load(argv[1], o);
      } catch (const segrt::Error& err) {
        std::fprintf(stderr, "segrt_load_time: %s\n", err.what());
        return err.exit_code();
      }
      double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double cpu = cpu_seconds() - c0;
      std::printf("%-10s wall %6.3f s  cpu %6.3f s\n", isolate ? "isolated" : "in-process", wall, cpu);
      if (wall < best_wall[isolate]) best_wall[isolate] = wall;
      if (cpu < best_cpu[isolate]) best_cpu[isolate] = cpu;
    }
  std::printf("best of %d: in-process wall %.3f s cpu %.3f s; isolated wall %.3f s cpu %.3f s (+%.3f s cpu)\n", runs,
              best_wall[0], best_cpu[0], best_wall[1], best_cpu[1], best_cpu[1] - best_cpu[0]);
  return 0;
}
