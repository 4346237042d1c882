/* min_ring: the floor for the channel benchmark, a minimal single-producer single-consumer byte ring in shared
 * memory between two processes (fork), spinning with PAUSE. One tail (producer) and one head (consumer) counter
 * per direction, each on its own 64-byte cache line; each side keeps a private copy of the other's counter and
 * reloads it only when the copy says "full" or "empty". A record is an 8-byte length then the payload padded to
 * 8 bytes; a record that would not fit before the ring's end leaves a wrap mark and starts at the beginning.
 * The parent is pinned to the first CPU it may use and the child to the second, as the .NET rows pin theirs.
 *   min_ring latency N CAPACITY          -> "p50 p99 p999" ns per 8-byte round trip (after 1000 unmeasured)
 *   min_ring throughput N SIZE CAPACITY  -> messages per second, N messages of SIZE bytes (after N/4 unmeasured),
 *                                           timed until the consumer has copied out the last one
 * CAPACITY is the ring's bytes (a power of two), the channel's capacity in the same measurement. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }
#include "cpu_pin.h" /* from src/UnixIpc.Bench/native, copied beside this file */

#if defined(__x86_64__)
static inline void cpu_relax(void) { __builtin_ia32_pause(); }
#else
static inline void cpu_relax(void) { __asm__ volatile("yield"); }
#endif

#define WRAP UINT64_MAX

typedef struct {
    _Alignas(64) uint64_t tail;     /* written by the producer only */
    _Alignas(64) uint64_t head;     /* written by the consumer only */
    _Alignas(64) uint64_t consumed; /* throughput: messages the consumer has copied out (the end of the clock) */
    _Alignas(64) unsigned char data[];
} ring;

typedef struct { ring *r; uint64_t mask, mine, theirs; } side; /* a process's view: its own counter, its copy of the other's */

static uint64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec; }

static void put(side *s, const void *message, uint64_t size) {
    uint64_t record = 8 + ((size + 7) & ~7ull), capacity = s->mask + 1, at = s->mine & s->mask;
    uint64_t skip = at + record > capacity ? capacity - at : 0;
    while (s->mine + skip + record - s->theirs > capacity) {
        s->theirs = __atomic_load_n(&s->r->head, __ATOMIC_ACQUIRE);
        if (s->mine + skip + record - s->theirs > capacity) cpu_relax();
    }
    if (skip) { *(uint64_t *)(s->r->data + at) = WRAP; s->mine += skip; at = 0; }
    *(uint64_t *)(s->r->data + at) = size;
    memcpy(s->r->data + at + 8, message, size);
    s->mine += record;
    __atomic_store_n(&s->r->tail, s->mine, __ATOMIC_RELEASE);
}

static uint64_t get(side *s, void *buffer) {
    while (s->mine == s->theirs) {
        s->theirs = __atomic_load_n(&s->r->tail, __ATOMIC_ACQUIRE);
        if (s->mine == s->theirs) cpu_relax();
    }
    uint64_t at = s->mine & s->mask, size = *(uint64_t *)(s->r->data + at);
    if (size == WRAP) { s->mine += s->mask + 1 - at; at = 0; size = *(uint64_t *)(s->r->data); }
    memcpy(buffer, s->r->data + at + 8, size);
    s->mine += 8 + ((size + 7) & ~7ull);
    __atomic_store_n(&s->r->head, s->mine, __ATOMIC_RELEASE);
    return size;
}

static int cmp(const void *a, const void *b) { uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: min_ring latency N CAPACITY | throughput N SIZE CAPACITY\n"); return 2; }
    int latency = strcmp(argv[1], "latency") == 0;
    long n = atol(argv[2]);
    uint64_t size = latency ? 8 : (uint64_t)atol(argv[3]);
    uint64_t capacity = (uint64_t)atol(argv[latency ? 3 : 4]);
    if (capacity & (capacity - 1) || 8 + size > capacity / 2) { fprintf(stderr, "min_ring: capacity must be a power of two above twice the record\n"); return 2; }
    ring *ab = mmap(NULL, sizeof(ring) + capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ring *ba = mmap(NULL, sizeof(ring) + capacity, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ab == MAP_FAILED || ba == MAP_FAILED) die("mmap");
    unsigned char *buffer = aligned_alloc(64, (size + 63) & ~63ull);
    memset(buffer, 7, size);
    long warm = latency ? 1000 : n / 4;
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        pin(1);
        side in = { ab, capacity - 1, 0, 0 }, out = { ba, capacity - 1, 0, 0 };
        if (latency) for (long i = 0; i < n + warm; i++) { get(&in, buffer); put(&out, buffer, 8); }
        else for (long i = 0; i < n + warm; i++) { get(&in, buffer); __atomic_store_n(&ab->consumed, (uint64_t)i + 1, __ATOMIC_RELEASE); }
        _exit(0);
    }
    pin(0);
    side out = { ab, capacity - 1, 0, 0 }, in = { ba, capacity - 1, 0, 0 };
    if (latency) {
        uint64_t *samples = malloc(sizeof(uint64_t) * (size_t)n);
        for (long i = 0; i < warm; i++) { put(&out, buffer, 8); get(&in, buffer); }
        for (long i = 0; i < n; i++) { uint64_t t0 = now_ns(); put(&out, buffer, 8); get(&in, buffer); samples[i] = now_ns() - t0; }
        qsort(samples, (size_t)n, sizeof *samples, cmp);
        printf("%llu %llu %llu\n", (unsigned long long)samples[n / 2], (unsigned long long)samples[n * 99 / 100], (unsigned long long)samples[n * 999 / 1000]);
    } else {
        for (long i = 0; i < warm; i++) put(&out, buffer, size);
        uint64_t t0 = now_ns();
        for (long i = 0; i < n; i++) put(&out, buffer, size);
        while (__atomic_load_n(&ab->consumed, __ATOMIC_ACQUIRE) != (uint64_t)(n + warm)) cpu_relax();
        printf("%.0f\n", n / ((now_ns() - t0) / 1e9));
    }
    waitpid(child, NULL, 0);
    return 0;
}
