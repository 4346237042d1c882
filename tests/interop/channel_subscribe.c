/* A subscriber for a broadcast channel with overrun, written from docs/channel-protocol.md alone: opens the
 * UnixIpc channel NAME, registers in a participant slot, and prints every message it gets as "TEXT LOST"
 * (LOST: messages it missed just before this one, because producers lapped it) until a message "stop". */
#include "channel_peer.h"
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

static char *base, *data;
static uint64_t capacity;

static char *record(uint64_t p) { return data + (p & (capacity - 1)); }

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* A test peer must not hang its test: after 20 s without progress, say where it is stuck and fail. */
static double last_progress;
static void watchdog(const char *where, uint64_t position) {
    if (now() - last_progress < 20) return;
    char *r = record(position);
    fprintf(stderr, "stuck in %s at %lu: tail %lu release %lu commit %lu length %u stamp %lu\n", where, (unsigned long)position,
            (unsigned long)LOAD(U64(base, 128)), (unsigned long)LOAD(U64(base, 256)), (unsigned long)LOAD(U64(r, 0)), *U32(r, 8),
            (unsigned long)LOAD(U64(r, 16)));
    exit(3);
}

/* The seqlock: what was read from position p on is intact if no producer has reserved a ring above it. */
static int intact(uint64_t p, uint64_t slack) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return LOAD(U64(base, 128)) - p <= capacity - slack;
}

/* The frontier and the count of messages below it (stamped in its header), read until not lapped. */
static void frontier(uint64_t *position, uint64_t *sequence) {
    for (;;) {
        uint64_t f = LOAD(U64(base, 256));
        uint64_t s = LOAD(U64(record(f), 16));
        if (intact(f, 32)) { *position = f; *sequence = s; return; }
        watchdog("frontier", f);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: channel_subscribe NAME\n"); return 2; }
    base = open_channel(argv[1]);
    if (*U32(base, 12) != 2) { fprintf(stderr, "not a broadcast channel with overrun\n"); return 1; }
    capacity = *U64(base, 16);
    data = base + *U64(base, 32);
    char *buffer = malloc(capacity);
    if (!buffer) FAIL("malloc");

    /* Take a participant slot as a subscriber. Where it starts is fixed before the role is published:
     * from the frontier, count the committed records up to the first that is not (the newest message). */
    char *slot = claim_slot(base, NULL);
    uint64_t cursor = 0, sequence = 0;
    last_progress = now();
    for (;;) {
        uint64_t f, s;
        frontier(&f, &s);
        uint64_t p = f, tail = LOAD(U64(base, 128));
        while (p < tail) {
            char *r = record(p);
            uint64_t commit = LOAD(U64(r, 0));
            uint32_t length = *U32(r, 8);
            if (length > capacity) break;
            if (commit == (p | 1)) { s++; p += align32(32 + length); }
            else if (commit == (p | 3)) p += 32 + length;
            else break;
        }
        if (intact(f, 32)) { cursor = p; sequence = s; break; }
        watchdog("start", f);
    }
    *U64(slot, 96) = cursor;
    STORE(I32(slot, 0), 2);

    uint64_t unreported = 0;
    for (;;) {
        char *r = record(cursor);
        uint64_t commit = LOAD(U64(r, 0));
        uint32_t length = *U32(r, 8);
        if (commit == (cursor | 1) && length <= capacity / 2) {
            memcpy(buffer, r + 32, length);
            if (intact(cursor, 0)) {
                sequence++;
                cursor += align32(32 + length);
                STORE(U64(slot, 96), cursor);
                *U64(slot, 32) += 1;
                *U64(slot, 40) += length;
                printf("%.*s %lu\n", (int)length, buffer, (unsigned long)unreported);
                last_progress = now();
                fflush(stdout);
                unreported = 0;
                if (length == 4 && memcmp(buffer, "stop", 4) == 0) break;
                continue;
            }
        } else if (commit == (cursor | 3) && length < capacity) {
            if (intact(cursor, 0)) { cursor += 32 + length; STORE(U64(slot, 96), cursor); continue; }
        } else if (intact(cursor, 0)) {
            /* Nothing yet: flag ourselves asleep, re-check, sleep on the futex (sliced). */
            __atomic_add_fetch(U32(base, 324), 1, __ATOMIC_SEQ_CST);
            uint32_t seq = LOAD(U32(base, 320));
            uint64_t again = LOAD(U64(record(cursor), 0));
            if (again != (cursor | 1) && again != (cursor | 3) && intact(cursor, 0)) {
                struct timespec slice = { 0, 20 * 1000 * 1000 };
                syscall(SYS_futex, U32(base, 320), FUTEX_WAIT, seq, &slice, NULL, 0);
            }
            __atomic_sub_fetch(U32(base, 324), 1, __ATOMIC_SEQ_CST);
            watchdog("wait", cursor);
            continue;
        }

        /* Lapped: drop what was read here and jump to the oldest message still in the ring. */
        watchdog("lapped", cursor);
        uint64_t f, s;
        frontier(&f, &s);
        unreported += s - sequence;
        *U64(slot, 80) += s - sequence;
        *U64(slot, 88) += 1;
        sequence = s;
        cursor = f;
        STORE(U64(slot, 96), cursor);
    }

    STORE(I32(slot, 0), 0);
    return 0;
}
