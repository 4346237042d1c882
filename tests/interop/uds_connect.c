/* uds_connect PATH: connects to the Unix stream socket PATH, prints its pid, waits for one byte back, exits. */
#include "peer.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: uds_connect PATH\n"); return 2; }
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) FAIL("socket");
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    if (connect(sock, (struct sockaddr *)&address, sizeof address) != 0) FAIL("connect");
    printf("%d\n", (int)getpid());
    fflush(stdout);
    char byte;
    if (read(sock, &byte, 1) < 0) FAIL("read");
    return 0;
}
