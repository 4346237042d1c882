/* fd_inherit [FD TEXT]: lists its open descriptors on stdout ("fds 0 1 2 3"), then writes TEXT to FD if given. */
#include "peer.h"
#include <dirent.h>
#include <unistd.h>

int main(int argc, char **argv) {
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) FAIL("opendir");
    int own = dirfd(dir);
    int fds[1024];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && count < 1024) {
        if (entry->d_name[0] == '.') continue;
        int fd = (int)parse_long(entry->d_name);
        if (fd != own) fds[count++] = fd;
    }
    closedir(dir);
    for (int i = 1; i < count; i++) /* insertion sort: the kernel lists in order, but do not rely on it */
        for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) { int t = fds[j]; fds[j] = fds[j - 1]; fds[j - 1] = t; }
    printf("fds");
    for (int i = 0; i < count; i++) printf(" %d", fds[i]);
    printf("\n");
    fflush(stdout);
    if (argc == 3) {
        int fd = (int)parse_long(argv[1]);
        size_t length = strlen(argv[2]);
        if (write(fd, argv[2], length) != (ssize_t)length) FAIL("write");
    }
    return 0;
}
