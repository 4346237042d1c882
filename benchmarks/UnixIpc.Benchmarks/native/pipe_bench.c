/* pipe_bench KIND MODE ARGS: the C baseline for pipes and FIFOs, both sides in one fork.
 *   KIND: pipe | fifo (fifo needs DIR, where two FIFOs are made and removed)
 *   latency N [DIR]          -> "p50 p99 p999" nanoseconds per 8-byte round trip
 *   throughput N SIZE [DIR]  -> messages per second, N writes of SIZE bytes (after N/4 unmeasured), one reader */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "two_process.h"

/* there: parent -> child; back: child -> parent. Each side gets its two ends. */
static void channels(const char *kind, const char *dir, int child, int *out, int *in) {
    static char there[4096], back[4096];
    if (strcmp(kind, "pipe") == 0) {
        static int p1[2], p2[2], made;
        if (!made) { if (pipe2(p1, 0) || pipe2(p2, 0)) die("pipe2"); made = 1; return; }
        if (child) { close(p1[1]); close(p2[0]); *in = p1[0]; *out = p2[1]; }
        else { close(p1[0]); close(p2[1]); *out = p1[1]; *in = p2[0]; }
        return;
    }
    if (!there[0]) {
        snprintf(there, sizeof there, "%s/there", dir); snprintf(back, sizeof back, "%s/back", dir);
        if (mkfifo(there, 0600) || mkfifo(back, 0600)) die("mkfifo");
        return;
    }
    if (child) { *in = open(there, O_RDONLY); *out = open(back, O_WRONLY); }
    else { *out = open(there, O_WRONLY); *in = open(back, O_RDONLY); }
    if (*in < 0 || *out < 0) die("open");
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: pipe_bench pipe|fifo latency N [DIR] | throughput N SIZE [DIR]\n"); return 2; }
    const char *kind = argv[1], *mode = argv[2];
    long n = atol(argv[3]);
    int latency = strcmp(mode, "latency") == 0;
    long size = latency ? 8 : atol(argv[4]);
    const char *dir = argc > (latency ? 4 : 5) ? argv[latency ? 4 : 5] : "/tmp";
    int out, in;
    channels(kind, dir, 0, &out, &in); /* make */
    pid_t pid = fork();
    if (pid < 0) die("fork");
    char *buffer = malloc(size > 65536 ? (size_t)size : 65536);
    memset(buffer, 1, size > 65536 ? (size_t)size : 65536);
    if (pid == 0) {
        channels(kind, dir, 1, &out, &in);
        peer_side(in, out, latency, n, size, buffer);
        _exit(0);
    }
    channels(kind, dir, 0, &out, &in);
    measuring_side(out, in, latency, n, size, buffer);
    waitpid(pid, NULL, 0);
    if (strcmp(kind, "fifo") == 0) { char p[4096]; snprintf(p, sizeof p, "%s/there", dir); unlink(p); snprintf(p, sizeof p, "%s/back", dir); unlink(p); }
    return 0;
}
