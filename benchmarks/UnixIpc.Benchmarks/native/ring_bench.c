/* Baselines for the channel benchmark: a minimal single-producer single-consumer ring in shared memory,
 * between two processes (fork), waiting either by spinning or by a futex after a short spin.
 *   ring_bench spin|futex latency N        -> prints "p50_ns p99_ns p999_ns" of N round trips of 8 bytes
 *   ring_bench spin|futex throughput N SIZE -> prints "messages_per_second" for N messages of SIZE bytes
 *   ring_bench futex wake N                 -> as latency, but 1 ms apart, so the peer is asleep each time
 * The ring holds fixed 64-byte-aligned slots: [u64 sequence][payload]. Deliberately simple: the limit
 * of what shared memory can do, not a general channel. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 1024
typedef struct { _Alignas(64) uint64_t head; _Alignas(64) uint64_t tail; _Alignas(64) uint32_t seq; uint32_t sleepers; } ring_ctl;
typedef struct { ring_ctl ctl; _Alignas(64) char slots[SLOTS][64 * 1025]; } ring; /* room for 64 KiB payloads */

#if defined(__x86_64__)
static inline void cpu_relax(void) { __builtin_ia32_pause(); }
#else
static inline void cpu_relax(void) { __asm__ volatile("yield"); }
#endif

static int use_futex;
static size_t slot_size = 64;

static uint64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec; }

static void wait_for(ring *r, uint64_t *word, uint64_t value_not) {
    int spins = 0;
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value_not) {
        if (!use_futex || ++spins < 2000) { cpu_relax(); continue; }
        __atomic_add_fetch(&r->ctl.sleepers, 1, __ATOMIC_SEQ_CST);
        uint32_t s = __atomic_load_n(&r->ctl.seq, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value_not)
            syscall(SYS_futex, &r->ctl.seq, FUTEX_WAIT, s, NULL, NULL, 0);
        __atomic_sub_fetch(&r->ctl.sleepers, 1, __ATOMIC_SEQ_CST);
    }
}

static void wake(ring *r) {
    if (!use_futex) return;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->ctl.sleepers, __ATOMIC_SEQ_CST)) {
        __atomic_add_fetch(&r->ctl.seq, 1, __ATOMIC_SEQ_CST);
        syscall(SYS_futex, &r->ctl.seq, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
}

static void put(ring *r, const void *data, size_t size) {
    uint64_t tail = r->ctl.tail;
    while (tail - __atomic_load_n(&r->ctl.head, __ATOMIC_ACQUIRE) >= SLOTS) wait_for(r, &r->ctl.head, __atomic_load_n(&r->ctl.head, __ATOMIC_ACQUIRE));
    memcpy(r->slots[tail % SLOTS], data, size);
    __atomic_store_n(&r->ctl.tail, tail + 1, __ATOMIC_RELEASE);
    wake(r);
}

static void get(ring *r, void *data, size_t size) {
    uint64_t head = r->ctl.head;
    wait_for(r, &r->ctl.tail, head);
    memcpy(data, r->slots[head % SLOTS], size);
    __atomic_store_n(&r->ctl.head, head + 1, __ATOMIC_RELEASE);
    wake(r);
}

static int cmp(const void *a, const void *b) { uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: ring_bench spin|futex latency N | throughput N SIZE\n"); return 2; }
    use_futex = strcmp(argv[1], "futex") == 0;
    long n = atol(argv[3]);
    size_t size = argc > 4 ? (size_t)atol(argv[4]) : 8;
    slot_size = size;
    ring *ab = mmap(NULL, sizeof(ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ring *ba = mmap(NULL, sizeof(ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ab == MAP_FAILED || ba == MAP_FAILED) { perror("mmap"); return 1; }
    char *buffer = malloc(size + 64);
    memset(buffer, 7, size);
    int wake_test = strcmp(argv[2], "wake") == 0;
    int latency = wake_test || strcmp(argv[2], "latency") == 0;
    pid_t child = fork();
    if (child == 0) {
        if (latency) for (long i = 0; i < n + 1000; i++) { get(ab, buffer, size); put(ba, buffer, size); }
        else for (long i = 0; i < n; i++) get(ab, buffer, size);
        _exit(0);
    }
    if (latency) {
        uint64_t *samples = malloc(sizeof(uint64_t) * n);
        for (long i = 0; i < 1000; i++) { put(ab, buffer, size); get(ba, buffer, size); }
        for (long i = 0; i < n; i++) {
            if (wake_test) usleep(1000);
            uint64_t t0 = now_ns(); put(ab, buffer, size); get(ba, buffer, size); samples[i] = now_ns() - t0;
        }
        qsort(samples, n, sizeof(uint64_t), cmp);
        printf("%llu %llu %llu\n", (unsigned long long)samples[n / 2], (unsigned long long)samples[n * 99 / 100], (unsigned long long)samples[n * 999 / 1000]);
    } else {
        uint64_t t0 = now_ns();
        for (long i = 0; i < n; i++) put(ab, buffer, size);
        waitpid(child, NULL, 0);
        printf("%.0f\n", n / ((now_ns() - t0) / 1e9));
        return 0;
    }
    waitpid(child, NULL, 0);
    return 0;
}
