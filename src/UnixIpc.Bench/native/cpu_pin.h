/* pin(index): this process onto the index-th CPU of those it may run on (the last one if there are fewer), as
 * CpuPin does on the .NET side. Shared by bench_side.c and the benchmarks' uds_bench.c. Needs _GNU_SOURCE and a
 * die(const char *) before it. */
#include <sched.h>

static void pin(int index) {
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed)) die("sched_getaffinity");
    int chosen = -1;
    for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; cpu++) if (CPU_ISSET(cpu, &allowed)) { chosen = cpu; if (seen++ == index) break; }
    CPU_ZERO(&one); CPU_SET(chosen, &one);
    if (sched_setaffinity(0, sizeof one, &one)) die("sched_setaffinity");
}
