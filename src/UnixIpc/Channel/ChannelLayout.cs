namespace UnixIpc;

/// <summary>
/// The byte layout of a shared-memory channel, version 4 (docs/channel-protocol.md is the normative text).
/// All integers little-endian; positions are 64-bit byte counts that only grow, and a record lives at
/// position % capacity of the data ring.
/// </summary>
internal static class ChannelLayout
{
    public const ulong Magic = 0x314E_4843_4350_4955; // "UIPCCHN1"
    public const int Version = 4; // 4: a dead consumer's message is kept by its slot (orphan, adopted), claim words start at the position; 3: broadcast with overrun; 2: records aligned to 32 bytes (1 had 64)

    // Header (first 1024 bytes). Hot words sit on cache lines of their own.
    public const int MagicOffset = 0;            // u64
    public const int VersionOffset = 8;          // u32
    public const int ModeOffset = 12;            // u32: 0 queue, 1 broadcast (back-pressure), 2 broadcast with overrun
    public const int CapacityOffset = 16;        // u64: data ring bytes, a power of two
    public const int MaxMessageOffset = 24;      // u32
    public const int SlotCountOffset = 28;       // u32
    public const int DataOffsetOffset = 32;      // u64: where the ring starts in the object
    public const int ReadyOffset = 40;           // u32: 1 once the creator has written the header
    public const int TailOffset = 128;           // u64: next position to reserve (producers CAS it)
    public const int ReadOffset = 192;           // u64: next position to claim (consumers CAS it)
    public const int ReleaseOffset = 256;        // u64: everything before it is free for producers
    public const int DataSeqOffset = 320;        // u32 futex word: bumped when a record is committed and consumers sleep
    public const int DataSleepersOffset = 324;   // u32: consumers asleep (or about to be) on DataSeq
    public const int SpaceSeqOffset = 384;       // u32 futex word: bumped when space is released and producers sleep
    public const int SpaceSleepersOffset = 388;  // u32
    public const int OrphansOffset = 448;        // i32: a hint: > 0 when a slot may be an orphan waiting for a consumer (a reader that finds none resets it)
    public const int TotalsOffset = 512;         // u64 × 16: counters of participants that have left, by role
    public const int TotalsPerRole = 8;          // messages, bytes, waits, wake-ups, abandoned, redelivered, lost, overruns (slot counter order)
    public const int WalkerOffset = 640;         // u64 (overrun mode): pid << 32 | slot + 1 of the producer walking the frontier; 0 when none

    // Participant table.
    public const int SlotsOffset = 1024;
    public const int SlotSize = 128;
    public const int DefaultSlotCount = 64;
    public const int MaxSlotCount = 1024;         // what an opener accepts from a header (this build creates 64)
    public const int SlotStateOffset = 0;        // i32: 0 free, 1 producer, 2 consumer, 3 orphan, 4 adopted, -pid being claimed by pid (or, pending set: a dead producer's slot held by recoverer pid), int.MinValue + role being freed
    public const int SlotPidOffset = 4;          // u32
    public const int SlotStartTimeOffset = 8;    // u64: the process's start time (clock ticks since boot), with the pid its identity
    public const int SlotPendingOffset = 16;     // u64: position of the reservation or claim in progress | Announced or Confirmed; 0 when none
    public const int SlotPendingSizeOffset = 24; // u64: bytes of that reservation (producers)
    public const int SlotMessagesOffset = 32;    // u64 counters, written only by the slot's owner
    public const int SlotBytesOffset = 40;
    public const int SlotWaitsOffset = 48;
    public const int SlotWakeupsOffset = 56;
    public const int SlotAbandonedOffset = 64;   // records of dead producers this participant skipped
    public const int SlotRedeliveredOffset = 72; // records of dead consumers this participant took over
    public const int SlotLostOffset = 80;        // messages this subscriber lost to overrun
    public const int SlotOverrunsOffset = 88;    // times this subscriber was overrun (lapped) and skipped ahead
    public const int SlotCursorOffset = 96;      // u64: broadcast subscribers: the next position this one reads

    public const int ModeQueue = 0;
    public const int ModeBroadcast = 1;
    public const int ModeBroadcastOverrun = 2;

    public const int StateFree = 0;
    public const int StateProducer = 1;
    public const int StateConsumer = 2;
    public const int StateOrphan = 3;             // queue: a dead consumer's slot keeping the message it claimed (pending) until another consumer adopts it
    public const int StateAdopted = 4;            // queue: an orphan being redelivered by the consumer whose pid is in the pid field
    public const int StateFreeing = int.MinValue; // + the freed slot's role (0 none, 1, 2): a recoverer, whose pid is in the pid field, folds its counters and frees it

    /// <summary>A recoverer is freeing the slot (state StateFreeing + role).</summary>
    public static bool IsFreeing(int state) => state <= StateFreeing + StateConsumer;

    /// <summary>State -pid: being claimed by that process, or (with a pending mark) a dead producer's slot it holds.</summary>
    public static bool IsClaimedOrHeld(int state) => state < 0 && !IsFreeing(state);

    // Records: a 32-byte header, then the payload; every record starts on a 32-byte boundary (a 64-byte
    // message takes 96 bytes, not 128: ~20% more small-message throughput, measured).
    public const int RecordAlignment = 32;
    public const int RecordHeaderSize = 32;
    public const int RecordCommitOffset = 0;     // u64: position|1 committed, position|3 padding (skip), anything else: not yet
    public const int RecordLengthOffset = 8;     // u32: payload bytes (for padding: bytes after the header)
    public const int RecordProducerOffset = 12;  // u32: producer slot
    public const int RecordClaimOffset = 16;     // u64 (queue): position (written by the producer: not released yet), position|2 released; position|1 claimed (optional)
    public const int RecordSequenceOffset = 16;  // u64 (overrun mode, same bytes as claim): messages before this position, stamped at the frontier
    public const int RecordConsumerOffset = 24;  // u32: consumer slot that claimed it

    // Low bits of a slot's pending word (positions are multiples of 32, so the low 5 bits are free).
    public const ulong Announced = 1;            // written before the CAS that makes the reservation or claim
    public const ulong Confirmed = 2;            // the CAS succeeded: the reservation or claim is surely this slot's own
    public const ulong PendingFlags = RecordAlignment - 1;

    public const ulong Committed = 1;
    public const ulong Padding = 3;
    public const ulong Claimed = 1;
    public const ulong Released = 2;

    public static int DataOffset(int slotCount) => AlignUp(SlotsOffset + (slotCount * SlotSize), 4096);

    public static long RecordSize(int payload) => AlignUp(RecordHeaderSize + payload, RecordAlignment);

    public static int AlignUp(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);

    public static long AlignUp(long value, long alignment) => (value + alignment - 1) & ~(alignment - 1);
}
