/* The kernel's share of building a table in a fresh process: the time to get MiB of new
 * anonymous memory and touch each page once, as a table's column buffers are (docs/BENCHMARKS-
 * DATAFRAME.md: to_arrow()'s 1M-row table is 258 MiB). Modes: 0 mmap + one write a 4 KiB page,
 * 1 MAP_POPULATE (the kernel fills the pages in one call), 2 MADV_HUGEPAGE (2 MiB pages).
 * Usage: cc -O2 -o page_floor benchmarks/page_floor.c && ./page_floor MODE [MiB]  (default 260) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: page_floor MODE [MiB]\n");
    return 2;
  }
  const int mode = atoi(argv[1]);
  const size_t n = (size_t)(argc > 2 ? atol(argv[2]) : 260) << 20, huge = 2u << 20;
  const double t0 = now();
  char *p;
  if (mode == 2) {  /* aligned to a huge page, so that each 2 MiB can be one */
    char *raw = mmap(0, n + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return 1;
    p = (char *)(((size_t)raw + huge - 1) & ~(huge - 1));
    madvise(p, n, MADV_HUGEPAGE);
  } else {
    p = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | (mode == 1 ? MAP_POPULATE : 0), -1, 0);
    if (p == MAP_FAILED) return 1;
  }
  for (size_t i = 0; i < n; i += 4096) p[i] = 1;
  const double t1 = now();
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  printf("mode %d: %zu MiB in %.3f s (user %.3f s, system %.3f s, %ld page faults)\n", mode, n >> 20, t1 - t0,
         r.ru_utime.tv_sec + r.ru_utime.tv_usec * 1e-6, r.ru_stime.tv_sec + r.ru_stime.tv_usec * 1e-6, r.ru_minflt);
  return 0;
}
