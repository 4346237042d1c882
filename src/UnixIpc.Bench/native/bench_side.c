/* bench_side MECH ROLE MODE SIZE COUNT [ARG...]: one side of a `unixipc bench` measurement in C, the baseline of
 * the same side through UnixIpc. The harness made the objects and starts both sides; each side only opens them.
 *   MECH: pipe | fifo | stream | seqpacket | mq | msg | psem | sem | signal | tcp
 *   ROLE: measure (pinned to the first CPU it may use) | peer (the second)
 *   MODE: latency (COUNT round trips of SIZE bytes after WARM unmeasured: the nanoseconds of each, as int64 on stdout)
 *       | throughput (COUNT sends of SIZE bytes after COUNT/4 unmeasured, timed to the peer's answer: "msgs/s" on stdout)
 *   pipe: descriptor 3 reads, 4 writes. stream, seqpacket, tcp (127.0.0.1, TCP_NODELAY): descriptor 3.
 *   fifo: ARG there back (paths).
 *   mq: ARG there back (names). msg: ARG id (type 1 there, 2 back). psem: ARG ping pong (names).
 *   sem: ARG id (semaphore 0 there, 1 back). signal: SIGRTMIN+1 there, SIGRTMIN+2 back (blocked by the harness);
 *   the measuring side gets ARG the peer's pid, the peer answers whoever sent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

#define WARM 1000
static int in_fd = 3, out_fd = 4, measuring, msg_id, sem_id;
static mqd_t mq_out, mq_in;
static sem_t *sem_out, *sem_in;
static pid_t other;
static const char *mech;
static struct { long type; char text[65536]; } message;

static void die(const char *what) { perror(what); exit(1); }
static long long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static int is(const char *name) { return strcmp(mech, name) == 0; }

#include "cpu_pin.h"

/* Sends SIZE bytes (one message, one post, one signal). */
static void send_one(const char *b, size_t n) {
    if (is("mq")) { while (mq_send(mq_out, b, n, 0)) if (errno != EINTR) die("mq_send"); return; }
    if (is("msg")) { message.type = measuring ? 1 : 2; memcpy(message.text, b, n); while (msgsnd(msg_id, &message, n, 0)) if (errno != EINTR) die("msgsnd"); return; }
    if (is("psem")) { if (sem_post(sem_out)) die("sem_post"); return; }
    if (is("sem")) { struct sembuf op = { (unsigned short)(measuring ? 0 : 1), 1, 0 }; while (semop(sem_id, &op, 1)) if (errno != EINTR) die("semop"); return; }
    if (is("signal")) { union sigval v = { .sival_int = 0 }; if (sigqueue(other, measuring ? SIGRTMIN + 1 : SIGRTMIN + 2, v)) die("sigqueue"); return; }
    while (n) { ssize_t w = write(out_fd, b, n); if (w < 0) { if (errno == EINTR) continue; die("write"); } b += w; n -= (size_t)w; }
}

/* Receives what is there, up to CAPACITY bytes (one message): the byte count. */
static size_t receive_some(char *b, size_t capacity) {
    if (is("mq")) { ssize_t r; while ((r = mq_receive(mq_in, b, capacity < 65536 ? 65536 : capacity, NULL)) < 0) if (errno != EINTR) die("mq_receive"); return (size_t)r; }
    if (is("msg")) { ssize_t r; while ((r = msgrcv(msg_id, &message, sizeof message.text, measuring ? 2 : 1, 0)) < 0) if (errno != EINTR) die("msgrcv"); memcpy(b, message.text, (size_t)r < capacity ? (size_t)r : capacity); return (size_t)r; }
    if (is("psem")) { while (sem_wait(sem_in)) if (errno != EINTR) die("sem_wait"); return capacity; }
    if (is("sem")) { struct sembuf op = { (unsigned short)(measuring ? 1 : 0), -1, 0 }; while (semop(sem_id, &op, 1)) if (errno != EINTR) die("semop"); return capacity; }
    if (is("signal")) {
        sigset_t mine; siginfo_t info; sigemptyset(&mine); sigaddset(&mine, measuring ? SIGRTMIN + 2 : SIGRTMIN + 1);
        while (sigwaitinfo(&mine, &info) < 0) if (errno != EINTR) die("sigwaitinfo");
        if (!measuring) other = info.si_pid;
        return capacity;
    }
    ssize_t r; while ((r = read(in_fd, b, capacity)) <= 0) { if (r < 0 && errno == EINTR) continue; if (r == 0) { fprintf(stderr, "end of file\n"); exit(1); } die("read"); }
    return (size_t)r;
}

/* At least one receive: a post or a signal carries no bytes (SIZE 0). */
static void receive_exactly(char *b, size_t n) { do { size_t r = receive_some(b, n); b += r; n -= r < n ? r : n; } while (n); }

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: bench_side MECH measure|peer latency|throughput SIZE COUNT [ARG...]\n"); return 2; }
    mech = argv[1];
    measuring = strcmp(argv[2], "measure") == 0;
    int latency = strcmp(argv[3], "latency") == 0;
    long size = atol(argv[4]), n = atol(argv[5]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (is("stream") || is("seqpacket") || is("tcp")) in_fd = out_fd = 3;
    else if (is("fifo")) {
        /* The same order on both sides ("there" first), or the two opens would wait for each other. */
        if (measuring) { out_fd = open(argv[6], O_WRONLY); in_fd = open(argv[7], O_RDONLY); }
        else { in_fd = open(argv[6], O_RDONLY); out_fd = open(argv[7], O_WRONLY); }
        if (in_fd < 0 || out_fd < 0) die("open");
    } else if (is("mq")) {
        mq_out = mq_open(argv[measuring ? 6 : 7], O_WRONLY); mq_in = mq_open(argv[measuring ? 7 : 6], O_RDONLY);
        if (mq_out == (mqd_t)-1 || mq_in == (mqd_t)-1) die("mq_open");
    } else if (is("msg")) msg_id = atoi(argv[6]);
    else if (is("sem")) sem_id = atoi(argv[6]);
    else if (is("psem")) {
        sem_out = sem_open(argv[measuring ? 6 : 7], 0); sem_in = sem_open(argv[measuring ? 7 : 6], 0);
        if (sem_out == SEM_FAILED || sem_in == SEM_FAILED) die("sem_open");
    } else if (is("signal")) { if (measuring) other = (pid_t)atoi(argv[6]); }
    else if (!is("pipe")) { fprintf(stderr, "unknown mechanism %s\n", mech); return 2; }
    pin(measuring ? 0 : 1);
    char *buffer = calloc(1, 65536 + (size_t)size);
    if (!measuring) {
        if (latency) { for (long i = 0; i < n + WARM; i++) { receive_exactly(buffer, (size_t)size); send_one(buffer, (size_t)size); } return 0; }
        for (long long left = (long long)(n + n / 4) * size; left > 0;) left -= (long long)receive_some(buffer, 65536);
        send_one(buffer, 1);
        return 0;
    }
    if (latency) {
        long long *samples = malloc(sizeof(long long) * (size_t)n);
        for (int i = 0; i < WARM; i++) { send_one(buffer, (size_t)size); receive_exactly(buffer, (size_t)size); }
        for (long i = 0; i < n; i++) { long long t = now_ns(); send_one(buffer, (size_t)size); receive_exactly(buffer, (size_t)size); samples[i] = now_ns() - t; }
        if (fwrite(samples, sizeof *samples, (size_t)n, stdout) != (size_t)n) die("fwrite");
        return 0;
    }
    for (long i = 0; i < n / 4; i++) send_one(buffer, (size_t)size);
    long long t = now_ns();
    for (long i = 0; i < n; i++) send_one(buffer, (size_t)size);
    receive_exactly(buffer, 1);
    printf("%.1f\n", n / ((now_ns() - t) / 1e9));
    return 0;
}
