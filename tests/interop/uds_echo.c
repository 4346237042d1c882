/* uds_echo ADDRESS MESSAGE: connects to the Unix stream socket ADDRESS (a path, or @name in the abstract namespace),
 * sends MESSAGE, shuts down its sending side, reads the reply until the server closes, prints "PID REPLY". */
#include "peer.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: uds_echo ADDRESS MESSAGE\n"); return 2; }
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) FAIL("socket");
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    size_t length = strlen(argv[1]);
    if (length >= sizeof address.sun_path) { fprintf(stderr, "address too long\n"); return 2; }
    memcpy(address.sun_path, argv[1], length);
    if (argv[1][0] == '@') address.sun_path[0] = '\0';
    socklen_t size = argv[1][0] == '@' ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length) : sizeof address;
    if (connect(sock, (struct sockaddr *)&address, size) != 0) FAIL("connect");
    size_t todo = strlen(argv[2]);
    for (const char *p = argv[2]; todo > 0;) {
        ssize_t sent = write(sock, p, todo);
        if (sent < 0) FAIL("write");
        p += sent;
        todo -= (size_t)sent;
    }
    if (shutdown(sock, SHUT_WR) != 0) FAIL("shutdown");
    char reply[4096];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof reply - 1 && (n = read(sock, reply + got, sizeof reply - 1 - got)) > 0) got += (size_t)n;
    if (n < 0) FAIL("read");
    reply[got] = '\0';
    printf("%d %s\n", (int)getpid(), reply);
    return 0;
}
