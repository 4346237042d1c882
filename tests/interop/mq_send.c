/* Opens POSIX message queue NAME (creating it with MAXMSG x MSGSIZE if given) and sends each PRIO:TEXT pair. */
#include "peer.h"
#include <fcntl.h>
#include <mqueue.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: mq_send NAME PRIO:TEXT... (env MQ_CREATE=MAXMSG:MSGSIZE)\n"); return 2; }
    mqd_t q;
    const char *create = getenv("MQ_CREATE");
    if (create) {
        struct mq_attr attr = {0};
        if (sscanf(create, "%ld:%ld", &attr.mq_maxmsg, &attr.mq_msgsize) != 2) return 2;
        q = mq_open(argv[1], O_WRONLY | O_CREAT, 0600, &attr);
    } else {
        q = mq_open(argv[1], O_WRONLY);
    }
    if (q == (mqd_t)-1) FAIL("mq_open");
    for (int i = 2; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        if (!colon) return 2;
        *colon = '\0';
        if (mq_send(q, colon + 1, strlen(colon + 1), (unsigned)parse_long(argv[i])) < 0) FAIL("mq_send");
    }
    mq_close(q);
    return 0;
}
