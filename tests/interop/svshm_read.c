/* Attaches the System V segment for ftok(PATH, PROJ) read-only, prints COUNT ints, optionally removes it. */
#include "peer.h"
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: svshm_read PATH PROJ COUNT [--remove]\n"); return 2; }
    key_t key = ftok(argv[1], (int)parse_long(argv[2]));
    if (key == -1) FAIL("ftok");
    int count = (int)parse_long(argv[3]);
    int id = shmget(key, 0, 0);
    if (id < 0) FAIL("shmget");
    const int *values = shmat(id, NULL, SHM_RDONLY);
    if (values == (void *)-1) FAIL("shmat");
    for (int i = 0; i < count; i++) printf(i ? " %d" : "%d", values[i]);
    printf("\n");
    if (shmdt(values) < 0) FAIL("shmdt");
    if (argc == 5 && shmctl(id, IPC_RMID, NULL) < 0) FAIL("shmctl");
    return 0;
}
