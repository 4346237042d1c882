/* Sends each TYPE:TEXT to the System V queue with KEY (creating it if needed) and prints the queue id. */
#include "peer.h"
#include <sys/ipc.h>
#include <sys/msg.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: msg_send KEY TYPE:TEXT...\n"); return 2; }
    int id = msgget((key_t)parse_long(argv[1]), IPC_CREAT | 0600);
    if (id < 0) FAIL("msgget");
    struct { long mtype; char mtext[8192]; } message;
    for (int i = 2; i < argc; i++) {
        char *colon = strchr(argv[i], ':');
        if (!colon) return 2;
        *colon = '\0';
        message.mtype = parse_long(argv[i]);
        size_t length = strlen(colon + 1);
        memcpy(message.mtext, colon + 1, length);
        if (msgsnd(id, &message, length, 0) < 0) FAIL("msgsnd");
    }
    printf("%d\n", id);
    return 0;
}
