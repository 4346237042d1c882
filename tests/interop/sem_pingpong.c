/* Strict alternation over two named semaphores: waits on MINE, appends "ROLE i" to stdout, posts OTHER; N rounds. */
#include "peer.h"
#include <fcntl.h>
#include <semaphore.h>

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: sem_pingpong MINE OTHER ROLE N\n"); return 2; }
    sem_t *mine = sem_open(argv[1], 0);
    if (mine == SEM_FAILED) FAIL("sem_open mine");
    sem_t *other = sem_open(argv[2], 0);
    if (other == SEM_FAILED) FAIL("sem_open other");
    long rounds = parse_long(argv[4]);
    for (long i = 0; i < rounds; i++) {
        if (sem_wait(mine) < 0) FAIL("sem_wait");
        printf("%s %ld\n", argv[3], i);
        fflush(stdout);
        if (sem_post(other) < 0) FAIL("sem_post");
    }
    return 0;
}
