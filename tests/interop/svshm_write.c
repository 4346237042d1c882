/* Creates the System V segment for ftok(PATH, PROJ) holding the given ints, writes them, prints key and id. */
#include "peer.h"
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: svshm_write PATH PROJ INT...\n"); return 2; }
    key_t key = ftok(argv[1], (int)parse_long(argv[2]));
    if (key == -1) FAIL("ftok");
    int count = argc - 3;
    int id = shmget(key, count * sizeof(int), IPC_CREAT | 0600);
    if (id < 0) FAIL("shmget");
    int *values = shmat(id, NULL, 0);
    if (values == (void *)-1) FAIL("shmat");
    for (int i = 0; i < count; i++) values[i] = (int)parse_long(argv[3 + i]);
    if (shmdt(values) < 0) FAIL("shmdt");
    printf("0x%08x %d\n", (unsigned)key, id);
    return 0;
}
