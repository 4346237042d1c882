/* Receives COUNT messages from POSIX message queue NAME (blocking) and prints "PRIO TEXT" per line. */
#include "peer.h"
#include <fcntl.h>
#include <mqueue.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: mq_recv NAME COUNT\n"); return 2; }
    mqd_t q = mq_open(argv[1], O_RDONLY);
    if (q == (mqd_t)-1) FAIL("mq_open");
    struct mq_attr attr;
    if (mq_getattr(q, &attr) < 0) FAIL("mq_getattr");
    char *buffer = malloc(attr.mq_msgsize);
    long count = parse_long(argv[2]);
    for (long i = 0; i < count; i++) {
        unsigned prio;
        ssize_t n = mq_receive(q, buffer, attr.mq_msgsize, &prio);
        if (n < 0) FAIL("mq_receive");
        printf("%u %.*s\n", prio, (int)n, buffer);
        fflush(stdout);
    }
    mq_close(q);
    return 0;
}
