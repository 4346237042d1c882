/* A consumer written from docs/channel-protocol.md alone: opens the UnixIpc channel NAME, registers in a
 * participant slot, receives COUNT messages (sleeping on the futex when empty) and prints each as text. */
#include "channel_peer.h"
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

#define CAS(x, expected, desired) __atomic_compare_exchange_n((x), &(uint64_t){expected}, (desired), 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

static char *base, *data;
static uint64_t mask;

static char *record(uint64_t p) { return data + (p & mask); }

static void advance_release(void) {
    int advanced = 0;
    for (;;) {
        uint64_t release = LOAD(U64(base, 256)), read = LOAD(U64(base, 192));
        if (release >= read) break;
        char *r = record(release);
        uint64_t commit = LOAD(U64(r, 0));
        if ((commit != (release | 1) && commit != (release | 3)) || LOAD(U64(r, 16)) != (release | 2)) break;
        uint64_t span = (commit & 3) == 3 ? 32 + *U32(r, 8) : align32(32 + *U32(r, 8));
        if (CAS(U64(base, 256), release, release + span)) advanced = 1;
    }
    if (advanced) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (LOAD(U32(base, 388)) != 0) {
            __atomic_add_fetch(U32(base, 384), 1, __ATOMIC_SEQ_CST);
            syscall(SYS_futex, U32(base, 384), FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: channel_consume NAME COUNT\n"); return 2; }
    base = open_channel(argv[1]);
    mask = *U64(base, 16) - 1;
    data = base + *U64(base, 32);

    /* Take a participant slot as a consumer. */
    uint32_t slot_index;
    char *slot = claim_slot(base, &slot_index);
    STORE(I32(slot, 0), 2);

    long count = parse_long(argv[2]);
    for (long received = 0; received < count;) {
        uint64_t r = LOAD(U64(base, 192));
        char *rec = record(r);
        uint64_t commit = LOAD(U64(rec, 0));
        if (commit == (r | 3)) {
            if (CAS(U64(base, 192), r, r + 32 + *U32(rec, 8))) advance_release(); /* padding is written released: store nothing into it */
            continue;
        }
        if (commit != (r | 1)) {
            /* Empty: flag ourselves asleep, re-check, sleep on the futex (sliced). */
            __atomic_add_fetch(U32(base, 324), 1, __ATOMIC_SEQ_CST);
            uint32_t seq = LOAD(U32(base, 320));
            uint64_t again = LOAD(U64(record(LOAD(U64(base, 192))), 0));
            uint64_t now_read = LOAD(U64(base, 192));
            if (again != (now_read | 1) && again != (now_read | 3)) {
                struct timespec slice = { 0, 20 * 1000 * 1000 };
                syscall(SYS_futex, U32(base, 320), FUTEX_WAIT, seq, &slice, NULL, 0);
            }
            __atomic_sub_fetch(U32(base, 324), 1, __ATOMIC_SEQ_CST);
            continue;
        }
        uint32_t length = *U32(rec, 8);
        STORE(U64(slot, 16), r | 1);
        if (!CAS(U64(base, 192), r, r + align32(32 + length))) { STORE(U64(slot, 16), 0); continue; }
        STORE(U64(slot, 16), r | 2); /* confirmed: the claim is surely ours */
        *U32(rec, 24) = slot_index;
        STORE(U64(rec, 16), r | 1);
        printf("%.*s\n", (int)length, rec + 32);
        fflush(stdout);
        STORE(U64(rec, 16), r | 2);
        STORE(U64(slot, 16), 0);
        *U64(slot, 32) += 1;
        *U64(slot, 40) += length;
        advance_release();
        received++;
    }

    STORE(U64(slot, 16), 0);
    STORE(I32(slot, 0), 0);
    return 0;
}
