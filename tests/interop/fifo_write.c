/* fifo_write PATH TEXT: opens PATH for writing (blocking: waits for a reader), writes TEXT, closes. */
#include "peer.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: fifo_write PATH TEXT\n"); return 2; }
    int fd = open(argv[1], O_WRONLY | O_CLOEXEC);
    if (fd < 0) FAIL("open");
    size_t length = strlen(argv[2]);
    if (write(fd, argv[2], length) != (ssize_t)length) FAIL("write");
    if (close(fd) != 0) FAIL("close");
    printf("wrote %zu\n", length);
    return 0;
}
