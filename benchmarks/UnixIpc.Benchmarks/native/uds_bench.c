/* uds_bench TYPE MODE ARGS: the C baseline for Unix domain sockets, both sides in one fork over a socketpair
 * (the kernel's send and receive path is the one of an accepted connection too), the parent pinned to the first
 * CPU it may use and the child to the second, as the .NET rows pin their working threads.
 *   TYPE: stream | seqpacket
 *   latency N          -> "p50 p99 p999" nanoseconds per 8-byte round trip (after 1000 unmeasured)
 *   throughput N SIZE  -> messages per second, N sends of SIZE bytes (after N/4 unmeasured), one reader */
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "two_process.h"

#include "cpu_pin.h" /* from src/UnixIpc.Bench/native, copied beside this file */

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: uds_bench stream|seqpacket latency N | throughput N SIZE\n"); return 2; }
    int type = strcmp(argv[1], "seqpacket") == 0 ? SOCK_SEQPACKET : SOCK_STREAM;
    int latency = strcmp(argv[2], "latency") == 0;
    long n = atol(argv[3]);
    long size = latency ? 8 : atol(argv[4]);
    int sv[2];
    if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv)) die("socketpair");
    char *buffer = malloc(size > 65536 ? (size_t)size : 65536);
    memset(buffer, 1, size > 65536 ? (size_t)size : 65536);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        close(sv[0]);
        pin(1);
        peer_side(sv[1], sv[1], latency, n, size, buffer); /* read/write on a socket: recv/send with no flags */
        _exit(0);
    }
    close(sv[1]);
    pin(0);
    measuring_side(sv[0], sv[0], latency, n, size, buffer);
    waitpid(pid, NULL, 0);
    return 0;
}
