/* Takes a POSIX write lock on [START, START+LEN) of PATH (waiting for it), prints "locked PID", holds it
 * until a line (or EOF) arrives on stdin, then exits, which releases the lock. */
#include "peer.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: fcntl_hold PATH START LEN\n"); return 2; }
    int fd = open(argv[1], O_RDWR | O_CREAT, 0600);
    if (fd < 0) FAIL("open");
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = parse_long(argv[2]), .l_len = parse_long(argv[3]) };
    if (fcntl(fd, F_SETLKW, &lock) < 0) FAIL("fcntl");
    printf("locked %d\n", (int)getpid());
    fflush(stdout);
    char line[16];
    (void)!fgets(line, sizeof line, stdin);
    return 0;
}
