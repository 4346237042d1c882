/* Opens POSIX shared memory NAME read-only and prints its size and the NUL-terminated text at offset 0. */
#include "peer.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: pshm_read NAME\n"); return 2; }
    int fd = shm_open(argv[1], O_RDONLY, 0);
    if (fd < 0) FAIL("shm_open");
    struct stat st;
    if (fstat(fd, &st) < 0) FAIL("fstat");
    const char *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) FAIL("mmap");
    printf("%lld %.*s\n", (long long)st.st_size, (int)strnlen(p, st.st_size), p);
    return 0;
}
