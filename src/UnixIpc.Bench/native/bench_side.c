/* bench_side MECH ROLE MODE SIZE COUNT [ARG...]: one side of a `unixipc bench` measurement in C, the baseline of
 * the same side through UnixIpc. The harness made the objects and starts both sides; each side only opens them.
 *   MECH: pipe | fifo | stream | seqpacket | mq | msg | psem | sem | signal | tcp | lock | shmsem | ring
 *   ROLE: measure (pinned to the first CPU it may use) | peer (the second)
 *   MODE: latency (COUNT round trips of SIZE bytes after WARM unmeasured: the nanoseconds of each, as int64 on stdout)
 *       | throughput (a hello and the peer's 1-byte answer, then COUNT sends of SIZE bytes after COUNT/4 unmeasured, timed
 *         to the peer's answer: "msgs/s" on stdout)
 *       | wakeup (the measuring side says hello, then receives COUNT messages after WAKE_WARM, which the peer sends
 *         WAKE_GAP_NS apart, asleep in between (its CPU idle, as the receiver's), each with the low 32 bits of its CLOCK_MONOTONIC nanoseconds: the
 *         nanoseconds from that stamp to the receive's return, as int64 on stdout)
 *   pipe: descriptor 3 reads, 4 writes. stream, seqpacket, tcp (127.0.0.1, TCP_NODELAY): descriptor 3.
 *   fifo: ARG there back (paths).
 *   mq: ARG there back (names). msg: ARG id (type 1 there, 2 back). psem: ARG ping pong (names).
 *   sem: ARG id (semaphore 0 there, 1 back). signal: SIGRTMIN+1 there, SIGRTMIN+2 back (blocked by the harness);
 *   the measuring side gets ARG the peer's pid, the peer answers whoever sent.
 *   lock: ARG path: OFD write locks on bytes 0, 1, 2 handed back and forth (see lock_step).
 *   shmsem: ARG shm there-empty there-full back-empty back-full: a bounded buffer each way, SLOTS items of 64 bytes
 *   in shared memory, one POSIX semaphore counting free slots and one counting full ones (the classic producer and
 *   consumer).
 *   ring: ARG shm: the minimal single-producer single-consumer spin ring each way (the channel's C baseline).
 *   ring with MODE fanin or broadcast (SIZE 64): ARG shm N, and each peer its INDEX: N producers to one measuring
 *   consumer, or a measuring producer to N subscribers (fan_rings.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WARM 1000
#define WAKE_WARM 20
#define WAKE_GAP_NS 200000LL
enum kind { PIPE, FIFO, STREAM, SEQPACKET, MQ, MSG, PSEM, SEM, SIGNAL, TCP, LOCK, SHMSEM, RING, KINDS };
static const char *const kind_names[KINDS] = { "pipe", "fifo", "stream", "seqpacket", "mq", "msg", "psem", "sem", "signal", "tcp", "lock", "shmsem", "ring" };
static enum kind kind = KINDS;
static int in_fd = 3, out_fd = 4, measuring, msg_id, sem_id;
static mqd_t mq_out, mq_in;
static sem_t *sem_out, *sem_in;
static pid_t other;
static struct { long type; char text[65536]; } message;

static void die(const char *what) { perror(what); exit(1); }
static long long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static size_t least(size_t a, size_t b) { return a < b ? a : b; }

#if defined(__x86_64__)
static inline void cpu_relax(void) { __builtin_ia32_pause(); }
#else
static inline void cpu_relax(void) { __asm__ volatile("yield"); }
#endif

#include "cpu_pin.h"

static void *map_shared(const char *name, size_t size) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) die("shm_open");
    void *at = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (at == MAP_FAILED) die("mmap");
    close(fd);
    return at;
}

/* lock: the measuring side starts holding bytes 0 and 1, the peer byte 2. Each hand-off, one side unlocks the byte
 * the other is waiting for, then waits for the next: round k, the measuring side unlocks (1-k) mod 3 and waits for
 * (2-k) mod 3; the peer waits for (1-k) mod 3 and unlocks (2-k) mod 3. A round trip is two hand-offs. */
static int lock_fd;
static long lock_round;
static int mod3(long v) { return (int)(((v % 3) + 3) % 3); }
static void lock_byte(short type, int index) {
    struct flock range = { .l_type = type, .l_whence = SEEK_SET, .l_start = index, .l_len = 1 };
    while (fcntl(lock_fd, type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW, &range)) if (errno != EINTR) die("fcntl");
}
static int held_by_other(int index) {
    struct flock range = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = index, .l_len = 1 };
    if (fcntl(lock_fd, F_OFD_GETLK, &range)) die("fcntl F_OFD_GETLK");
    return range.l_type != F_UNLCK;
}
static void lock_start(const char *path) {
    if ((lock_fd = open(path, O_RDWR)) < 0) die("open");
    if (measuring) { lock_byte(F_WRLCK, 0); lock_byte(F_WRLCK, 1); } else lock_byte(F_WRLCK, 2);
    /* Neither side goes on before the other holds its starting bytes (or the peer could take byte 1 first). The peer
     * looks at byte 0, which the measuring side holds until the peer has answered once (byte 1 it may already have
     * handed over). */
    for (long long deadline = now_ns() + 30000000000LL; !held_by_other(measuring ? 2 : 0); usleep(100))
        if (now_ns() > deadline) { fprintf(stderr, "the other side never took its locks\n"); exit(1); }
}

/* shmsem: SLOTS items of 64 bytes each way. */
#define SLOTS 64
#define ITEM 64
static unsigned char *items_out, *items_in;
static sem_t *out_empty, *out_full, *in_empty, *in_full;
static unsigned long items_written, items_read;
static sem_t *open_semaphore(const char *name) { sem_t *s = sem_open(name, 0); if (s == SEM_FAILED) die("sem_open"); return s; }
static void wait_semaphore(sem_t *s) { while (sem_wait(s)) if (errno != EINTR) die("sem_wait"); }

/* ring: per direction, the producer's head and the consumer's tail, each on its own 64-byte cache line, then the
 * data. A record is an 8-byte length and the payload padded to 8; one that does not fit before the end is preceded
 * by a PAD header that sends the consumer back to the start. Each side spins (PAUSE) while it waits and keeps the
 * last value of the other's counter it saw, so it reads the other's cache line only when it has to. */
#define RING_DATA (1u << 20)
#define PAD UINT64_MAX
typedef struct { _Alignas(64) uint64_t head; _Alignas(64) uint64_t tail; _Alignas(64) unsigned char data[RING_DATA]; } ring;
static ring *ring_out, *ring_in;
static uint64_t out_head, out_tail_seen, in_tail, in_head_seen;

static void ring_send(const char *b, size_t n) {
    uint64_t need = 8 + ((n + 7) & ~7ULL), at = out_head & (RING_DATA - 1), skip = RING_DATA - at < need ? RING_DATA - at : 0;
    if (out_head + skip + need - out_tail_seen > RING_DATA)
        while ((out_tail_seen = __atomic_load_n(&ring_out->tail, __ATOMIC_ACQUIRE)), out_head + skip + need - out_tail_seen > RING_DATA) cpu_relax();
    if (skip) { memcpy(ring_out->data + at, &(uint64_t){ PAD }, 8); out_head += skip; at = 0; }
    uint64_t length = n;
    memcpy(ring_out->data + at + 8, b, n);
    memcpy(ring_out->data + at, &length, 8);
    out_head += need;
    __atomic_store_n(&ring_out->head, out_head, __ATOMIC_RELEASE);
}

static size_t ring_receive(char *b, size_t capacity) {
    for (;;) {
        if (in_tail == in_head_seen)
            while ((in_head_seen = __atomic_load_n(&ring_in->head, __ATOMIC_ACQUIRE)) == in_tail) cpu_relax();
        uint64_t at = in_tail & (RING_DATA - 1), length;
        memcpy(&length, ring_in->data + at, 8);
        if (length == PAD) { in_tail += RING_DATA - at; __atomic_store_n(&ring_in->tail, in_tail, __ATOMIC_RELEASE); continue; }
        memcpy(b, ring_in->data + at + 8, least(length, capacity));
        in_tail += 8 + ((length + 7) & ~7ULL);
        __atomic_store_n(&ring_in->tail, in_tail, __ATOMIC_RELEASE);
        return length;
    }
}

#include "fan_rings.h"

/* Sends SIZE bytes (one message, one post, one signal, one hand-off). */
static void send_one(const char *b, size_t n) {
    switch (kind) {
    case MQ: while (mq_send(mq_out, b, n, 0)) if (errno != EINTR) die("mq_send"); return;
    case MSG: message.type = measuring ? 1 : 2; memcpy(message.text, b, n); while (msgsnd(msg_id, &message, n, 0)) if (errno != EINTR) die("msgsnd"); return;
    case PSEM: if (sem_post(sem_out)) die("sem_post"); return;
    case SEM: { struct sembuf op = { (unsigned short)(measuring ? 0 : 1), 1, 0 }; while (semop(sem_id, &op, 1)) if (errno != EINTR) die("semop"); return; }
    case SIGNAL: { union sigval v = { .sival_int = 0 }; if (n >= 4) memcpy(&v.sival_int, b, 4); if (sigqueue(other, measuring ? SIGRTMIN + 1 : SIGRTMIN + 2, v)) die("sigqueue"); return; }
    case LOCK: lock_byte(F_UNLCK, mod3((measuring ? 1 : 2) - lock_round)); if (!measuring) lock_round++; return;
    case SHMSEM:
        wait_semaphore(out_empty);
        memcpy(items_out + (items_written++ % SLOTS) * ITEM, b, least(n, ITEM));
        if (sem_post(out_full)) die("sem_post");
        return;
    case RING: ring_send(b, n); return;
    default:
        while (n) { ssize_t w = write(out_fd, b, n); if (w < 0) { if (errno == EINTR) continue; die("write"); } b += w; n -= (size_t)w; }
    }
}

/* Receives what is there, up to CAPACITY bytes (one message, one item): the byte count. */
static size_t receive_some(char *b, size_t capacity) {
    ssize_t r;
    switch (kind) {
    case MQ: while ((r = mq_receive(mq_in, b, capacity < 65536 ? 65536 : capacity, NULL)) < 0) if (errno != EINTR) die("mq_receive"); return (size_t)r;
    case MSG: while ((r = msgrcv(msg_id, &message, sizeof message.text, measuring ? 2 : 1, 0)) < 0) if (errno != EINTR) die("msgrcv"); memcpy(b, message.text, least((size_t)r, capacity)); return (size_t)r;
    case PSEM: wait_semaphore(sem_in); return capacity;
    case SEM: { struct sembuf op = { (unsigned short)(measuring ? 1 : 0), -1, 0 }; while (semop(sem_id, &op, 1)) if (errno != EINTR) die("semop"); return capacity; }
    case SIGNAL: {
        sigset_t mine; siginfo_t info; sigemptyset(&mine); sigaddset(&mine, measuring ? SIGRTMIN + 2 : SIGRTMIN + 1);
        while (sigwaitinfo(&mine, &info) < 0) if (errno != EINTR) die("sigwaitinfo");
        if (!measuring) other = info.si_pid;
        if (capacity >= 4) memcpy(b, &info.si_value.sival_int, 4);
        return capacity;
    }
    case LOCK: lock_byte(F_WRLCK, mod3((measuring ? 2 : 1) - lock_round)); if (measuring) lock_round++; return capacity;
    case SHMSEM:
        wait_semaphore(in_full);
        memcpy(b, items_in + (items_read++ % SLOTS) * ITEM, least(capacity, ITEM));
        if (sem_post(in_empty)) die("sem_post");
        return ITEM;
    case RING: return ring_receive(b, capacity);
    default:
        while ((r = read(in_fd, b, capacity)) <= 0) { if (r < 0 && errno == EINTR) continue; if (r == 0) { fprintf(stderr, "end of file\n"); exit(1); } die("read"); }
        return (size_t)r;
    }
}

/* At least one receive: a post, a signal or a hand-off carries no bytes (SIZE 0). */
static void receive_exactly(char *b, size_t n) { do { size_t r = receive_some(b, n); b += r; n -= r < n ? r : n; } while (n); }

/* Opens this side's end of the objects the harness made (ARG... are argv[6] on). */
static void open_end(char **arg) {
    switch (kind) {
    case STREAM: case SEQPACKET: case TCP: in_fd = out_fd = 3; break;
    case FIFO:
        /* The same order on both sides ("there" first), or the two opens would wait for each other. */
        if (measuring) { out_fd = open(arg[0], O_WRONLY); in_fd = open(arg[1], O_RDONLY); }
        else { in_fd = open(arg[0], O_RDONLY); out_fd = open(arg[1], O_WRONLY); }
        if (in_fd < 0 || out_fd < 0) die("open");
        break;
    case MQ:
        mq_out = mq_open(arg[measuring ? 0 : 1], O_WRONLY); mq_in = mq_open(arg[measuring ? 1 : 0], O_RDONLY);
        if (mq_out == (mqd_t)-1 || mq_in == (mqd_t)-1) die("mq_open");
        break;
    case MSG: msg_id = atoi(arg[0]); break;
    case SEM: sem_id = atoi(arg[0]); break;
    case PSEM: sem_out = open_semaphore(arg[measuring ? 0 : 1]); sem_in = open_semaphore(arg[measuring ? 1 : 0]); break;
    case SIGNAL: if (measuring) other = (pid_t)atoi(arg[0]); break;
    case LOCK: lock_start(arg[0]); break;
    case SHMSEM: {
        unsigned char *items = map_shared(arg[0], 2 * SLOTS * ITEM);
        items_out = items + (measuring ? 0 : SLOTS * ITEM); items_in = items + (measuring ? SLOTS * ITEM : 0);
        out_empty = open_semaphore(arg[measuring ? 1 : 3]); out_full = open_semaphore(arg[measuring ? 2 : 4]);
        in_empty = open_semaphore(arg[measuring ? 3 : 1]); in_full = open_semaphore(arg[measuring ? 4 : 2]);
        break;
    }
    case RING: {
        ring *rings = map_shared(arg[0], 2 * sizeof(ring));
        ring_out = &rings[measuring ? 0 : 1]; ring_in = &rings[measuring ? 1 : 0];
        break;
    }
    default: break;
    }
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: bench_side MECH measure|peer latency|throughput SIZE COUNT [ARG...]\n"); return 2; }
    for (int k = 0; k < KINDS; k++) if (strcmp(argv[1], kind_names[k]) == 0) kind = (enum kind)k;
    if (kind == KINDS) { fprintf(stderr, "unknown mechanism %s\n", argv[1]); return 2; }
    measuring = strcmp(argv[2], "measure") == 0;
    int latency = strcmp(argv[3], "latency") == 0, wakeup = strcmp(argv[3], "wakeup") == 0;
    long size = atol(argv[4]), n = atol(argv[5]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (kind == RING && (strcmp(argv[3], "fanin") == 0 || strcmp(argv[3], "broadcast") == 0)) {
        if (argc < 8 + !measuring || size != FAN_MESSAGE) { fprintf(stderr, "%s: ARG shm N [INDEX], SIZE %d\n", argv[3], FAN_MESSAGE); return 2; }
        pin(measuring ? 0 : 1);
        return strcmp(argv[3], "fanin") == 0 ? fan_in_run(argv + 6, n) : fan_out_run(argv + 6, n);
    }
    open_end(argv + 6);
    pin(measuring ? 0 : 1);
    char *buffer = calloc(1, 65536 + (size_t)size);
    if (wakeup && !measuring) {
        receive_exactly(buffer, (size_t)size); /* the receiver's hello */
        for (long i = 0, last = now_ns(); i < WAKE_WARM + n; i++) {
            struct timespec until = { (last + WAKE_GAP_NS) / 1000000000LL, (last + WAKE_GAP_NS) % 1000000000LL };
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) { }
            last = now_ns();
            uint32_t stamp = (uint32_t)last;
            memcpy(buffer, &stamp, 4);
            send_one(buffer, (size_t)size);
        }
        return 0;
    }
    if (wakeup) {
        long long *samples = malloc(sizeof(long long) * (size_t)n);
        send_one(buffer, (size_t)size);
        for (long i = 0; i < WAKE_WARM + n; i++) {
            receive_exactly(buffer, (size_t)size);
            uint32_t now = (uint32_t)now_ns(), stamp;
            memcpy(&stamp, buffer, 4);
            if (i >= WAKE_WARM) samples[i - WAKE_WARM] = (uint32_t)(now - stamp);
        }
        if (fwrite(samples, sizeof *samples, (size_t)n, stdout) != (size_t)n) die("fwrite");
        return 0;
    }
    if (!measuring) {
        if (latency) { for (long i = 0; i < n + WARM; i++) { receive_exactly(buffer, (size_t)size); send_one(buffer, (size_t)size); } return 0; }
        receive_exactly(buffer, (size_t)size); /* the sender's hello, answered: it starts its clock after that */
        send_one(buffer, 1);
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
    send_one(buffer, (size_t)size); /* hello: the clock starts once the peer reads */
    receive_exactly(buffer, 1);
    for (long i = 0; i < n / 4; i++) send_one(buffer, (size_t)size);
    long long t = now_ns();
    for (long i = 0; i < n; i++) send_one(buffer, (size_t)size);
    receive_exactly(buffer, 1);
    printf("%.1f\n", n / ((now_ns() - t) / 1e9));
    return 0;
}
