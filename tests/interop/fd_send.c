/* fd_send SOCKFD FILE: opens FILE read-only and passes the descriptor over the Unix socket SOCKFD (SCM_RIGHTS) with
 * one byte of data; then reads 3 bytes from it itself and prints them, to show the offset is shared. */
#include "peer.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: fd_send SOCKFD FILE\n"); return 2; }
    int sock = (int)parse_long(argv[1]);
    int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
    if (fd < 0) FAIL("open");
    char byte = 'F';
    struct iovec iov = { &byte, 1 };
    union { char buffer[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof(int));
    if (sendmsg(sock, &message, 0) != 1) FAIL("sendmsg");
    char ack;
    if (read(sock, &ack, 1) != 1) FAIL("read ack"); /* the receiver has read its part */
    char three[4] = { 0 };
    if (read(fd, three, 3) != 3) FAIL("read");
    printf("%s\n", three);
    return 0;
}
