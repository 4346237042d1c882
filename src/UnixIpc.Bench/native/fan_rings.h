/* The C baselines of the channel's many-process rows (included by bench_side.c, after its helpers):
 *   fanin     N producers to one consumer: a bounded multi-producer ring of fixed 72-byte slots (an 8-byte sequence
 *             word and the 64-byte message, what a channel record of 64 bytes takes). A producer takes a ticket with
 *             one fetch-and-add, waits until its slot is free, copies, and publishes the slot's sequence word; the
 *             consumer waits on the next slot's word, copies, and frees the slot for the producer one lap later.
 *   broadcast one producer to N subscribers: a single-producer ring of the same slots, a read position per subscriber
 *             on its own cache line; the producer waits for the slowest (nobody loses a message, as the channel's
 *             back-pressure mode).
 * More processes than CPUs may take part (three on this 2-CPU machine), so a waiting side spins a little, then
 * yields its CPU: a pure spin would wait for a process that the spinner itself keeps off its CPU until the end of a
 * time slice. Both start from a zeroed object (the harness makes it; nothing to initialise, so no side waits for another to set
 * it up). Every message carries its sender's index and sequence number in its first 8 bytes, and every receiver
 * checks them: a lost, repeated or reordered message fails the run rather than inflating the rate. */
#define FAN_SLOTS 16384u
#define FAN_MESSAGE 64
#define FAN_MAX_PEERS 8

typedef struct { uint64_t word; unsigned char data[FAN_MESSAGE]; } fan_slot;

/* A slot's word, for the lap starting at position BASE: BASE = free for that lap's producer, BASE + 1 = full. */
typedef struct {
    _Alignas(64) uint64_t next_ticket;
    _Alignas(64) fan_slot slots[FAN_SLOTS];
} fan_in_ring;

typedef struct { _Alignas(64) uint64_t read; uint64_t ready, done; } fan_subscriber;
typedef struct {
    _Alignas(64) uint64_t head;
    fan_subscriber subscribers[FAN_MAX_PEERS];
    _Alignas(64) fan_slot slots[FAN_SLOTS];
} fan_out_ring;

#define FAN_SPINS 64
/* One turn of a wait: PAUSE, and every FAN_SPINS turns give the CPU to whoever else is runnable on it. */
static void fan_wait(unsigned *turns) { if (++*turns % FAN_SPINS == 0) sched_yield(); else cpu_relax(); }

static uint64_t fan_base(uint64_t position) { return position & ~(uint64_t)(FAN_SLOTS - 1); }

static void fan_stamp(unsigned char *message, uint32_t sender, uint32_t sequence) {
    memcpy(message, &sequence, 4);
    memcpy(message + 4, &sender, 4);
}

/* Checks that MESSAGE is SENDER's next one (EXPECTED[sender]), and counts it. */
static void fan_check(const unsigned char *message, uint32_t *expected, int senders) {
    uint32_t sequence, sender;
    memcpy(&sequence, message, 4);
    memcpy(&sender, message + 4, 4);
    if ((int)sender >= senders || sequence != expected[sender]) {
        fprintf(stderr, "message %u from sender %u where sender %u's message %u was due: lost, repeated or reordered\n",
                sequence, sender, sender < (uint32_t)senders ? sender : 0, sender < (uint32_t)senders ? expected[sender] : 0);
        exit(1);
    }
    expected[sender]++;
}

static void fan_in_send(fan_in_ring *ring, const unsigned char *message) {
    uint64_t ticket = __atomic_fetch_add(&ring->next_ticket, 1, __ATOMIC_RELAXED);
    fan_slot *slot = &ring->slots[ticket & (FAN_SLOTS - 1)];
    for (unsigned turns = 0; __atomic_load_n(&slot->word, __ATOMIC_ACQUIRE) != fan_base(ticket);) fan_wait(&turns);
    memcpy(slot->data, message, FAN_MESSAGE);
    __atomic_store_n(&slot->word, fan_base(ticket) + 1, __ATOMIC_RELEASE);
}

static void fan_in_receive(fan_in_ring *ring, uint64_t position, unsigned char *message) {
    fan_slot *slot = &ring->slots[position & (FAN_SLOTS - 1)];
    for (unsigned turns = 0; __atomic_load_n(&slot->word, __ATOMIC_ACQUIRE) != fan_base(position) + 1;) fan_wait(&turns);
    memcpy(message, slot->data, FAN_MESSAGE);
    __atomic_store_n(&slot->word, fan_base(position) + FAN_SLOTS, __ATOMIC_RELEASE);
}

/* fanin, ARG shm N [INDEX]: each of the N producers (peers, INDEX 0..N-1) sends TOTAL/N messages; the measuring side
 * receives all TOTAL = COUNT + COUNT/4 and times the last COUNT (the first quarter warms up both sides). */
static int fan_in_run(char **arg, long count) {
    int producers = atoi(arg[1]);
    fan_in_ring *ring = map_shared(arg[0], sizeof(fan_in_ring));
    long share = (count + count / 4) / producers, total = share * producers;
    unsigned char message[FAN_MESSAGE] = { 0 };
    if (!measuring) {
        uint32_t index = (uint32_t)atoi(arg[2]);
        for (long i = 0; i < share; i++) { fan_stamp(message, index, (uint32_t)i); fan_in_send(ring, message); }
        return 0;
    }
    uint32_t expected[FAN_MAX_PEERS] = { 0 };
    long long start = 0;
    for (long i = 0; i < total; i++) {
        if (i == total - count) start = now_ns();
        fan_in_receive(ring, (uint64_t)i, message);
        fan_check(message, expected, producers);
    }
    printf("%.1f\n", count / ((now_ns() - start) / 1e9));
    return 0;
}

/* broadcast, ARG shm N [INDEX]: the measuring side (the producer) waits until the N subscribers (peers) are ready,
 * sends COUNT/4 messages unmeasured and COUNT timed, until every subscriber says it has read them all. */
static int fan_out_run(char **arg, long count) {
    int subscribers = atoi(arg[1]);
    fan_out_ring *ring = map_shared(arg[0], sizeof(fan_out_ring));
    long total = count + count / 4;
    unsigned char message[FAN_MESSAGE] = { 0 };
    if (!measuring) {
        fan_subscriber *me = &ring->subscribers[atoi(arg[2])];
        uint32_t expected[1] = { 0 };
        __atomic_store_n(&me->ready, 1, __ATOMIC_RELEASE);
        for (uint64_t position = 0, head_seen = 0; position < (uint64_t)total; position++) {
            if (position == head_seen)
                for (unsigned turns = 0; (head_seen = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE)) == position;) fan_wait(&turns);
            memcpy(message, ring->slots[position & (FAN_SLOTS - 1)].data, FAN_MESSAGE);
            __atomic_store_n(&me->read, position + 1, __ATOMIC_RELEASE);
            fan_check(message, expected, 1);
        }
        __atomic_store_n(&me->done, 1, __ATOMIC_RELEASE);
        return 0;
    }
    for (unsigned s = 0, turns = 0; s < (unsigned)subscribers; s++) while (!__atomic_load_n(&ring->subscribers[s].ready, __ATOMIC_ACQUIRE)) fan_wait(&turns);
    long long start = 0;
    uint64_t slowest = 0;
    for (uint64_t position = 0; position < (uint64_t)total; position++) {
        if (position == (uint64_t)(total - count)) start = now_ns();
        for (unsigned turns = 0; position - slowest >= FAN_SLOTS;) {
            slowest = UINT64_MAX;
            for (int s = 0; s < subscribers; s++) {
                uint64_t read = __atomic_load_n(&ring->subscribers[s].read, __ATOMIC_ACQUIRE);
                if (read < slowest) slowest = read;
            }
            if (position - slowest >= FAN_SLOTS) fan_wait(&turns);
        }
        fan_stamp(message, 0, (uint32_t)position);
        memcpy(ring->slots[position & (FAN_SLOTS - 1)].data, message, FAN_MESSAGE);
        __atomic_store_n(&ring->head, position + 1, __ATOMIC_RELEASE);
    }
    for (unsigned s = 0, turns = 0; s < (unsigned)subscribers; s++) while (!__atomic_load_n(&ring->subscribers[s].done, __ATOMIC_ACQUIRE)) fan_wait(&turns);
    printf("%.1f\n", count / ((now_ns() - start) / 1e9));
    return 0;
}

/* The harness makes the object FAN_OBJECT_SIZE bytes long (BenchMechanism's FanObjectSize). */
#define FAN_OBJECT_SIZE (2u << 20)
_Static_assert(sizeof(fan_in_ring) <= FAN_OBJECT_SIZE && sizeof(fan_out_ring) <= FAN_OBJECT_SIZE, "the fan rings fit the harness's object");
