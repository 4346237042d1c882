/* What the channel peers share: typed access to the shared bytes, acquire/release, the process identity. */
#ifndef UNIXIPC_CHANNEL_PEER_H
#define UNIXIPC_CHANNEL_PEER_H
#include "peer.h"
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define U64(p, off) ((uint64_t *)((char *)(p) + (off)))
#define U32(p, off) ((uint32_t *)((char *)(p) + (off)))
#define I32(p, off) ((int32_t *)((char *)(p) + (off)))
#define LOAD(x) __atomic_load_n((x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n((x), (v), __ATOMIC_RELEASE)

static inline uint64_t align32(uint64_t v) { return (v + 31) & ~(uint64_t)31; }

/* Field 22 of /proc/self/stat: with the pid, what identifies this process in a participant slot. */
static inline uint64_t start_time(void) {
    char buffer[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f || !fgets(buffer, sizeof buffer, f)) FAIL("/proc/self/stat");
    fclose(f);
    char *p = strrchr(buffer, ')') + 2;
    for (int field = 3; field < 22; field++) p = strchr(p, ' ') + 1;
    return strtoull(p, NULL, 10);
}

/* Maps the channel NAME and waits for its creator to finish the header; exits unless it is version 4. */
static inline char *open_channel(const char *name) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) FAIL("shm_open");
    struct stat st;
    if (fstat(fd, &st) < 0) FAIL("fstat");
    char *base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) FAIL("mmap");
    while (LOAD(U32(base, 40)) != 1) sched_yield();
    if (*U64(base, 0) != 0x314E484343504955ull || *U32(base, 8) != 4) { fprintf(stderr, "not a version 4 channel\n"); exit(1); }
    return base;
}

/* Claims a free participant slot (state -pid) and writes this process's identity into it; the caller
 * publishes its role by storing it into the state once it is ready. Exits when every slot is taken. */
static inline char *claim_slot(char *base, uint32_t *index) {
    for (uint32_t i = 0; i < *U32(base, 28); i++) {
        int32_t free_state = 0;
        char *slot = base + 1024 + i * 128;
        if (__atomic_compare_exchange_n(I32(slot, 0), &free_state, -(int32_t)getpid(), 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            memset(slot + 4, 0, 124);
            *U32(slot, 4) = (uint32_t)getpid();
            *U64(slot, 8) = start_time();
            if (index) *index = i;
            return slot;
        }
    }
    fprintf(stderr, "no free slot\n");
    exit(1);
}
#endif
