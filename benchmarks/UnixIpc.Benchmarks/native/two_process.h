/* The loops of the two-process C baselines (pipe_bench.c, uds_bench.c), shared so that both time the same thing
 * as TwoProcessLoops does on the .NET side: IN and OUT are the side's descriptors (the same one for a socket). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static void die(const char *what) { perror(what); exit(1); }
static void full_write(int fd, const char *b, size_t n) { while (n) { ssize_t w = write(fd, b, n); if (w < 0) { if (errno == EINTR) continue; die("write"); } b += w; n -= (size_t)w; } }
static void full_read(int fd, char *b, size_t n) { while (n) { ssize_t r = read(fd, b, n); if (r <= 0) { if (r < 0 && errno == EINTR) continue; die("read"); } b += r; n -= (size_t)r; } }
static int cmp(const void *a, const void *b) { long long x = *(const long long *)a, y = *(const long long *)b; return (x > y) - (x < y); }

/* The child: echo N + 1000 8-byte messages, or read all (N + N/4) * SIZE bytes, 64 KiB at most a read, and answer one. */
static void peer_side(int in, int out, int latency, long n, long size, char *buffer) {
    if (latency) { for (long i = 0; i < n + 1000; i++) { full_read(in, buffer, 8); full_write(out, buffer, 8); } return; }
    long long total = (long long)(n + n / 4) * size;
    while (total > 0) { ssize_t r = read(in, buffer, 65536); if (r <= 0) { if (r < 0 && errno == EINTR) continue; die("read"); } total -= r; }
    full_write(out, buffer, 1);
}

/* The parent: prints "p50 p99 p999" ns of N round trips after 1000, or the messages per second of N writes of SIZE
 * after N/4 unmeasured ones (the .NET side's JIT warm-up, done here too), timed to the child's answer. */
static void measuring_side(int out, int in, int latency, long n, long size, char *buffer) {
    if (latency) {
        long long *samples = malloc(sizeof(long long) * (size_t)n);
        for (int i = 0; i < 1000; i++) { full_write(out, buffer, 8); full_read(in, buffer, 8); }
        for (long i = 0; i < n; i++) { long long t = now_ns(); full_write(out, buffer, 8); full_read(in, buffer, 8); samples[i] = now_ns() - t; }
        qsort(samples, (size_t)n, sizeof *samples, cmp);
        printf("%lld %lld %lld\n", samples[n / 2], samples[n * 99 / 100], samples[n * 999 / 1000]);
        return;
    }
    for (long i = 0; i < n / 4; i++) full_write(out, buffer, (size_t)size);
    long long t = now_ns();
    for (long i = 0; i < n; i++) full_write(out, buffer, (size_t)size);
    full_read(in, buffer, 1);
    printf("%.1f\n", n / ((now_ns() - t) / 1e9));
}
