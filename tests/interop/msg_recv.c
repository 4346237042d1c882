/* Receives COUNT messages selected by MSGTYP (0, N or -N) from the System V queue with KEY; prints "TYPE TEXT" lines. */
#include "peer.h"
#include <sys/ipc.h>
#include <sys/msg.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: msg_recv KEY MSGTYP COUNT\n"); return 2; }
    int id = msgget((key_t)parse_long(argv[1]), 0);
    if (id < 0) FAIL("msgget");
    struct { long mtype; char mtext[8192]; } message;
    long count = parse_long(argv[3]);
    for (long i = 0; i < count; i++) {
        ssize_t n = msgrcv(id, &message, sizeof message.mtext, parse_long(argv[2]), 0);
        if (n < 0) FAIL("msgrcv");
        printf("%ld %.*s\n", message.mtype, (int)n, message.mtext);
        fflush(stdout);
    }
    return 0;
}
