/* What the channel peers share: typed access to the shared bytes, acquire/release, the process identity. */
#ifndef UNIXIPC_CHANNEL_PEER_H
#define UNIXIPC_CHANNEL_PEER_H
#include "peer.h"
#include <stdint.h>

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
#endif
