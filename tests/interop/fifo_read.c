/* fifo_read PATH: opens PATH for reading (blocking: waits for a writer), copies it to stdout until end of stream. */
#include "peer.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: fifo_read PATH\n"); return 2; }
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) FAIL("open");
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        if (fwrite(buffer, 1, (size_t)n, stdout) != (size_t)n) FAIL("fwrite");
    }
    if (n < 0) FAIL("read");
    return 0;
}
