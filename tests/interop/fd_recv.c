/* fd_recv SOCKFD TEXT: receives one descriptor over the Unix socket SOCKFD (SCM_RIGHTS) and writes TEXT into it. */
#include "peer.h"
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: fd_recv SOCKFD TEXT\n"); return 2; }
    int sock = (int)parse_long(argv[1]);
    char byte;
    struct iovec iov = { &byte, 1 };
    union { char buffer[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer };
    if (recvmsg(sock, &message, MSG_CMSG_CLOEXEC) != 1) FAIL("recvmsg");
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (header == NULL || header->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no descriptor came\n"); return 1; }
    int fd;
    memcpy(&fd, CMSG_DATA(header), sizeof(int));
    size_t length = strlen(argv[2]);
    if (write(fd, argv[2], length) != (ssize_t)length) FAIL("write");
    printf("wrote %zu into descriptor %d\n", length, fd);
    return 0;
}
