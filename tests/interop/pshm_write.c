/* Creates (or opens) POSIX shared memory NAME of SIZE bytes and writes TEXT and a NUL at offset 0. */
#include "peer.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: pshm_write NAME SIZE TEXT\n"); return 2; }
    long size = parse_long(argv[2]);
    if ((long)strlen(argv[3]) + 1 > size) { fprintf(stderr, "TEXT does not fit\n"); return 2; }
    int fd = shm_open(argv[1], O_RDWR | O_CREAT, 0600);
    if (fd < 0) FAIL("shm_open");
    if (ftruncate(fd, size) < 0) FAIL("ftruncate");
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) FAIL("mmap");
    memcpy(p, argv[3], strlen(argv[3]) + 1);
    munmap(p, size);
    close(fd);
    return 0;
}
