/* Prints ftok(PATH, PROJ) as 0x%08x, or the errno name. */
#include "peer.h"
#include <sys/ipc.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: ftok_key PATH PROJ\n"); return 2; }
    key_t key = ftok(argv[1], (int)parse_long(argv[2]));
    if (key == -1) FAIL("ftok");
    printf("0x%08x\n", (unsigned)key);
    return 0;
}
