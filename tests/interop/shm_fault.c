/* Shows the raw faults a managed wrapper must prevent. Prints "no fault" and exits 0 if the access survived.
 *   sigbus NAME        maps two pages of an object one page long and touches the second (SIGBUS)
 *   rdonly-write ID    attaches a System V segment SHM_RDONLY and writes to it (SIGSEGV)
 *   after-detach ID    attaches, detaches, then reads the old address (SIGSEGV)
 */
#include "peer.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: shm_fault sigbus NAME | rdonly-write ID | after-detach ID\n"); return 2; }
    long page = sysconf(_SC_PAGESIZE);
    volatile char *p;
    if (strcmp(argv[1], "sigbus") == 0) {
        int fd = shm_open(argv[2], O_RDWR, 0);
        if (fd < 0) FAIL("shm_open");
        p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) FAIL("mmap");
        printf("mapped\n");
        fflush(stdout);
        p[page] = 1;
    } else if (strcmp(argv[1], "rdonly-write") == 0) {
        p = shmat((int)parse_long(argv[2]), NULL, SHM_RDONLY);
        if (p == (void *)-1) FAIL("shmat");
        printf("attached\n");
        fflush(stdout);
        p[0] = 1;
    } else if (strcmp(argv[1], "after-detach") == 0) {
        p = shmat((int)parse_long(argv[2]), NULL, 0);
        if (p == (void *)-1) FAIL("shmat");
        if (shmdt((const void *)p) < 0) FAIL("shmdt");
        printf("detached\n");
        fflush(stdout);
        (void)p[0];
    } else {
        return 2;
    }
    printf("no fault\n");
    return 0;
}
