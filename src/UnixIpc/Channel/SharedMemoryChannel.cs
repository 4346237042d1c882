using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// A bounded, many-producer many-consumer message channel in POSIX shared memory: every message goes to
/// exactly one consumer, in commit order per producer. Writes and reads touch no system call while the
/// other side keeps up; a sleeping side is woken through a shared futex only when it flagged itself asleep.
/// Producers and consumers may be killed at any moment without wedging it (see docs/channel-protocol.md).
/// </summary>
/// <remarks>
/// <para>Use one <see cref="SharedMemoryChannelWriter"/> / <see cref="SharedMemoryChannelReader"/> per thread
/// (each holds a slot in the channel's participant table: 64 in all). The channel object itself is
/// thread-safe.</para>
/// <para>The name is a POSIX shared memory object: <c>unixipc pshm stat NAME</c> sees it, and
/// <c>unixipc channel stat NAME</c> shows its participants and whether they are alive.</para>
/// </remarks>
public sealed unsafe class SharedMemoryChannel : IDisposable
{
    private static readonly TimeSpan RecoveryInterval = TimeSpan.FromMilliseconds(20);
    private readonly PosixSharedMemory _shm;
    private readonly MappedRegion _region;
    private readonly SafeHandle _mapping;
    private readonly byte* _base;
    private readonly byte* _data;
    private readonly long _mask;
    private readonly bool _unlinkOnDispose;
    private long _lastRecovery;
    private int _disposed;

    private SharedMemoryChannel(PosixSharedMemory shm, MappedRegion region, ChannelHeader header, ChannelWaitStrategy waitStrategy, TimeSpan spinDuration, bool unlinkOnDispose)
    {
        _shm = shm;
        _region = region;
        MappedRegionAccess access = region.Acquire();
        _base = access.Address;
        _mapping = access.DetachHandle();

        // From the validated header, never read again from the shared bytes: another process may overwrite them.
        Capacity = header.Capacity;
        MaxMessageSize = header.MaxMessage;
        SlotCount = header.SlotCount;
        _data = _base + header.DataOffset;
        _mask = Capacity - 1;
        Delivery = header.Mode == ChannelLayout.ModeQueue ? ChannelDelivery.Queue : ChannelDelivery.Broadcast;
        SlowSubscribers = header.Mode == ChannelLayout.ModeBroadcastOverrun ? SlowSubscriberPolicy.Overrun : SlowSubscriberPolicy.BackPressure;
        IsBroadcast = Delivery == ChannelDelivery.Broadcast;
        IsOverrun = SlowSubscribers == SlowSubscriberPolicy.Overrun;
        Headroom = IsOverrun ? ChannelLayout.RecordHeaderSize : 0;
        WaitStrategy = waitStrategy;
        SpinDuration = spinDuration;
        _unlinkOnDispose = unlinkOnDispose;
        ChannelMetrics.Track(this);
    }

    /// <summary>The channel's name (a POSIX shared memory object).</summary>
    public string Name => _shm.Name;

    /// <summary>Bytes of the data ring.</summary>
    public long Capacity { get; }

    /// <summary>Queue (each message to one reader) or broadcast (to every reader).</summary>
    public ChannelDelivery Delivery { get; }

    /// <summary>Broadcast: whether producers wait for the slowest subscriber or overrun it.</summary>
    public SlowSubscriberPolicy SlowSubscribers { get; }

    /// <summary>The largest message: half the capacity, less the 32-byte record header.</summary>
    public int MaxMessageSize { get; }

    internal int SlotCount { get; }

    internal ChannelWaitStrategy WaitStrategy { get; }

    internal TimeSpan SpinDuration { get; }

    /// <summary>Creates a channel that must not exist yet.</summary>
    /// <exception cref="UnixIpcException">EEXIST when the name is taken.</exception>
    /// <exception cref="ArgumentException">Overrun asked for a queue.</exception>
    public static SharedMemoryChannel CreateNew(string name, SharedMemoryChannelOptions? options = null)
    {
        options ??= new SharedMemoryChannelOptions();
        ChannelHeader header = HeaderFor(options);
        PosixSharedMemory shm = PosixSharedMemory.CreateNew(name, header.ObjectSize, new PosixSharedMemoryOptions { Mode = options.Mode });
        try
        {
            MappedRegion region = shm.Map();
            region.Write(ChannelLayout.MagicOffset, ChannelLayout.Magic);
            region.Write(ChannelLayout.VersionOffset, ChannelLayout.Version);
            region.Write(ChannelLayout.ModeOffset, header.Mode);
            region.Write(ChannelLayout.CapacityOffset, (ulong)header.Capacity);
            region.Write(ChannelLayout.MaxMessageOffset, header.MaxMessage);
            region.Write(ChannelLayout.SlotCountOffset, header.SlotCount);
            region.Write(ChannelLayout.DataOffsetOffset, (ulong)header.DataOffset);
            region.AtomicWriteInt32(ChannelLayout.ReadyOffset, 1); // last, with release order: openers wait for it
            return new SharedMemoryChannel(shm, region, header, options.WaitStrategy, options.SpinDuration, options.UnlinkOnDispose);
        }
        catch
        {
            shm.Dispose();
            PosixSharedMemory.TryUnlink(name);
            throw;
        }
    }

    /// <summary>
    /// Opens an existing channel. Its header is validated before anything else of the object is touched; a
    /// creator still writing it is waited for up to <see cref="SharedMemoryChannelOpenOptions.ReadyTimeout"/>.
    /// </summary>
    /// <exception cref="UnixIpcException">ENOENT when there is no such channel.</exception>
    /// <exception cref="InvalidDataException">The object is not a channel, speaks another protocol version, or is damaged.</exception>
    public static SharedMemoryChannel OpenExisting(string name, SharedMemoryChannelOpenOptions? options = null)
        => OpenValidated(PosixSharedMemory.OpenExisting(name), options ?? new SharedMemoryChannelOpenOptions());

    /// <summary>As <see cref="OpenExisting"/>; <see langword="false"/> instead of ENOENT when there is no such object.</summary>
    public static bool TryOpenExisting(string name, [NotNullWhen(true)] out SharedMemoryChannel? channel, SharedMemoryChannelOpenOptions? options = null)
    {
        channel = PosixSharedMemory.TryOpenExisting(name, out PosixSharedMemory? shm) ? OpenValidated(shm, options ?? new SharedMemoryChannelOpenOptions()) : null;
        return channel is not null;
    }

    /// <summary>
    /// Opens the channel, creating it if it does not exist. Safe when several processes race: one creates,
    /// the others open. An existing channel must be what <paramref name="options"/> describes (capacity,
    /// delivery, slow-subscriber policy).
    /// </summary>
    /// <exception cref="InvalidOperationException">A channel of another shape has the name.</exception>
    public static SharedMemoryChannel CreateOrOpen(string name, SharedMemoryChannelOptions? options = null)
    {
        options ??= new SharedMemoryChannelOptions();
        ChannelHeader wanted = HeaderFor(options);
        while (true)
        {
            try
            {
                return CreateNew(name, options);
            }
            catch (UnixIpcException e) when (e.Error == Errno.EEXIST)
            {
            }

            if (TryOpenExisting(name, out SharedMemoryChannel? channel, options))
            {
                if (channel.Capacity != wanted.Capacity || channel.Delivery != options.Delivery || channel.SlowSubscribers != SlowSubscribersOf(wanted))
                {
                    string found = channel.Describe();
                    channel.Dispose();
                    throw new InvalidOperationException($"{name} exists as a {found}, not as the {Describe(options.Delivery, SlowSubscribersOf(wanted), wanted.Capacity)} asked for. Use that shape, or another name.");
                }

                return channel;
            }

            // Unlinked between our create and our open: try again.
        }
    }

    private static ChannelHeader HeaderFor(SharedMemoryChannelOptions options)
    {
        if (options.SlowSubscribers == SlowSubscriberPolicy.Overrun && options.Delivery != ChannelDelivery.Broadcast)
        {
            throw new ArgumentException("SlowSubscribers = Overrun applies to broadcast channels only: a queue hands each message to one consumer and never drops it. Set Delivery = ChannelDelivery.Broadcast.", nameof(options));
        }

        return ChannelHeader.ForNew(
            options.Delivery == ChannelDelivery.Queue ? ChannelLayout.ModeQueue
                : options.SlowSubscribers == SlowSubscriberPolicy.Overrun ? ChannelLayout.ModeBroadcastOverrun : ChannelLayout.ModeBroadcast,
            options.Capacity);
    }

    private static SlowSubscriberPolicy SlowSubscribersOf(ChannelHeader header) => header.Mode == ChannelLayout.ModeBroadcastOverrun ? SlowSubscriberPolicy.Overrun : SlowSubscriberPolicy.BackPressure;

    private string Describe() => Describe(Delivery, SlowSubscribers, Capacity);

    private static string Describe(ChannelDelivery delivery, SlowSubscriberPolicy slow, long capacity)
        => $"{(delivery == ChannelDelivery.Queue ? "queue" : slow == SlowSubscriberPolicy.Overrun ? "broadcast (overrun)" : "broadcast")} channel of {capacity} bytes";

    // Validates the header, then maps exactly what it describes (the object may be larger; it is never smaller).
    private static SharedMemoryChannel OpenValidated(PosixSharedMemory shm, SharedMemoryChannelOpenOptions options)
    {
        try
        {
            ChannelHeader header = ChannelHeader.Read(shm, options.ReadyTimeout);
            MappedRegion region = shm.Map(MapAccess.ReadWrite, 0, header.ObjectSize);
            return new SharedMemoryChannel(shm, region, header, options.WaitStrategy, options.SpinDuration, unlinkOnDispose: false);
        }
        catch
        {
            shm.Dispose();
            throw;
        }
    }

    /// <summary>Removes the channel's name; processes that have it open keep working.</summary>
    public static void Unlink(string name) => PosixSharedMemory.Unlink(name);

    /// <summary>Removes the name if it exists.</summary>
    public static bool TryUnlink(string name) => PosixSharedMemory.TryUnlink(name);

    /// <summary>A producer: registers this process in a free participant slot. Use one per thread.</summary>
    public SharedMemoryChannelWriter CreateWriter()
    {
        AddMappingReference(); // handed to the writer, which releases it when disposed
        try
        {
            return new(this, ClaimSlot(ChannelLayout.StateProducer, out _));
        }
        catch
        {
            ReleaseMappingReference();
            throw;
        }
    }

    /// <summary>
    /// Each writer and reader keeps the mapping alive until it is disposed, and Stat holds it while it runs,
    /// so disposing the channel while another thread is still inside a call (a wait, or a metrics listener's
    /// Stat) ends that call with ObjectDisposedException instead of a read of unmapped memory.
    /// </summary>
    private void AddMappingReference()
    {
        ThrowIfDisposed();
        bool added = false;
        _mapping.DangerousAddRef(ref added); // ObjectDisposedException if Dispose won the race
    }

    private void ReleaseMappingReference() => _mapping.DangerousRelease();

    /// <summary>A reader that leaves its slot to an orphan gives back its hold on the mapping.</summary>
    internal void ReleaseMapping() => ReleaseMappingReference();

    /// <summary>
    /// A consumer (queue mode) or subscriber (broadcast mode, starting at the newest message): registers this
    /// process in a free participant slot. Use one per thread.
    /// </summary>
    public SharedMemoryChannelReader CreateReader()
    {
        AddMappingReference(); // handed to the reader, which releases it when disposed
        try
        {
            return new(this, ClaimSlot(ChannelLayout.StateConsumer, out ulong startSequence), startSequence);
        }
        catch
        {
            ReleaseMappingReference();
            throw;
        }
    }

    internal bool IsBroadcast { get; }

    internal bool IsOverrun { get; }

    /// <summary>Bytes producers leave free before the release position: overrun mode keeps one record header's worth, so the sequence stamped at the frontier is never overwritten while it is the frontier.</summary>
    internal long Headroom { get; }

    /// <summary>Reads positions, usage and every participant's counters; from any process.</summary>
    public SharedMemoryChannelStatus Stat()
    {
        AddMappingReference();
        try
        {
            return StatCore();
        }
        finally
        {
            ReleaseMappingReference();
        }
    }

    private SharedMemoryChannelStatus StatCore()
    {
        AdvanceRelease(-1); // consumers give space back lazily; count only what is really in use

        var participants = new List<ChannelParticipant>();
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            int state = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset));
            if (state is not (ChannelLayout.StateProducer or ChannelLayout.StateConsumer))
            {
                continue; // free, or still being claimed (not registered yet)
            }

            int pid = *(int*)(slot + ChannelLayout.SlotPidOffset);
            participants.Add(new ChannelParticipant(
                i,
                state == ChannelLayout.StateProducer ? "producer" : IsBroadcast ? "subscriber" : "consumer",
                pid,
                ProcessIdentity.IsAlive(pid, *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset)),
                Counter(slot, ChannelLayout.SlotMessagesOffset),
                Counter(slot, ChannelLayout.SlotBytesOffset),
                Counter(slot, ChannelLayout.SlotWaitsOffset),
                Counter(slot, ChannelLayout.SlotWakeupsOffset),
                Counter(slot, ChannelLayout.SlotAbandonedOffset),
                Counter(slot, ChannelLayout.SlotRedeliveredOffset),
                Counter(slot, ChannelLayout.SlotLostOffset),
                Counter(slot, ChannelLayout.SlotOverrunsOffset)));
        }

        long tail = (long)Volatile.Read(ref U64(ChannelLayout.TailOffset));
        long read = (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset));
        long release = (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset));
        return new SharedMemoryChannelStatus
        {
            Name = Name,
            Delivery = Delivery,
            SlowSubscribers = SlowSubscribers,
            Capacity = Capacity,
            MaxMessageSize = MaxMessageSize,
            UsedBytes = tail - release,
            Positions = (tail, read, release),
            Participants = participants,
            MessagesWritten = Total(ChannelLayout.StateProducer, 0) + participants.Where(p => p.Role == "producer").Sum(p => p.Messages),
            BytesWritten = Total(ChannelLayout.StateProducer, 1) + participants.Where(p => p.Role == "producer").Sum(p => p.Bytes),
            MessagesRead = Total(ChannelLayout.StateConsumer, 0) + participants.Where(p => p.Role != "producer").Sum(p => p.Messages),
            BytesRead = Total(ChannelLayout.StateConsumer, 1) + participants.Where(p => p.Role != "producer").Sum(p => p.Bytes),
            Waits = Total(ChannelLayout.StateProducer, 2) + Total(ChannelLayout.StateConsumer, 2) + participants.Sum(p => p.Waits),
            Wakeups = Total(ChannelLayout.StateProducer, 3) + Total(ChannelLayout.StateConsumer, 3) + participants.Sum(p => p.Wakeups),
            Abandoned = Total(ChannelLayout.StateProducer, 4) + Total(ChannelLayout.StateConsumer, 4) + participants.Sum(p => p.Abandoned),
            Redelivered = Total(ChannelLayout.StateProducer, 5) + Total(ChannelLayout.StateConsumer, 5) + participants.Sum(p => p.Redelivered),
            MessagesLost = Total(ChannelLayout.StateConsumer, 6) + participants.Sum(p => p.Lost),
            Overruns = Total(ChannelLayout.StateConsumer, 7) + participants.Sum(p => p.Overruns),
        };
    }

    /// <summary>Unmaps the channel (after every writer and reader of this process is disposed); unlinks it if the creator asked.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _mapping.DangerousRelease();
        _region.Dispose();
        _shm.Dispose();
        if (_unlinkOnDispose)
        {
            PosixSharedMemory.TryUnlink(Name);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"SharedMemoryChannel {Name} ({Capacity} bytes)";

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    // --- raw access -------------------------------------------------------------------------------

    internal ref ulong U64(int offset) => ref Unsafe.AsRef<ulong>(_base + offset);

    internal ref int I32(int offset) => ref Unsafe.AsRef<int>(_base + offset);

    internal byte* Slot(int index) => _base + ChannelLayout.SlotsOffset + (index * ChannelLayout.SlotSize);

    internal byte* Record(long position) => _data + (position & _mask);

    internal static ref ulong RecordCommit(byte* record) => ref Unsafe.AsRef<ulong>(record + ChannelLayout.RecordCommitOffset);

    internal static ref ulong RecordClaim(byte* record) => ref Unsafe.AsRef<ulong>(record + ChannelLayout.RecordClaimOffset);

    internal static ref ulong RecordSequence(byte* record) => ref Unsafe.AsRef<ulong>(record + ChannelLayout.RecordSequenceOffset);

    internal static int RecordLength(byte* record) => *(int*)(record + ChannelLayout.RecordLengthOffset);

    /// <summary>
    /// Queue: before a record is committed its claim word is set to its position (not released), so no byte left
    /// from an earlier lap can pass for this lap's release; padding is written released (nobody claims it, so a
    /// consumer killed as it skips padding holds nothing back). Overrun keeps its sequence stamp in these bytes.
    /// </summary>
    internal void InitializeClaim(byte* record, long position, bool padding)
    {
        if (!IsBroadcast)
        {
            RecordClaim(record) = (ulong)position | (padding ? ChannelLayout.Released : 0);
        }
    }

    /// <summary>Bytes the record at <paramref name="record"/> (committed or padding) occupies.</summary>
    internal static long RecordSpan(byte* record, ulong commit)
        => (commit & 3) == ChannelLayout.Padding
            ? ChannelLayout.RecordHeaderSize + RecordLength(record)
            : ChannelLayout.RecordSize(RecordLength(record));

    private static long Counter(byte* slot, int offset) => (long)Volatile.Read(ref *(ulong*)(slot + offset));

    // --- participants -----------------------------------------------------------------------------

    // startSequence: overrun subscribers, the messages below where they start.
    private int ClaimSlot(int role, out ulong startSequence)
    {
        startSequence = 0;
        ThrowIfDisposed();
        for (int attempt = 0; attempt < 2; attempt++)
        {
            for (int i = 0; i < SlotCount; i++)
            {
                byte* slot = Slot(i);
                if (Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotStateOffset), -Environment.ProcessId, ChannelLayout.StateFree) == ChannelLayout.StateFree)
                {
                    // Held as -pid while the identity is written: nobody judges a half-written slot, and if this
                    // process dies before publishing its role, recovery sees whose claim it was and frees it.
                    new Span<byte>(slot + 4, ChannelLayout.SlotSize - 4).Clear();
                    *(int*)(slot + ChannelLayout.SlotPidOffset) = Environment.ProcessId;
                    *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset) = ProcessIdentity.SelfStartTime;
                    if (IsOverrun && role == ChannelLayout.StateConsumer)
                    {
                        // Fixed before the role is published: whoever sees this subscriber registered knows it
                        // gets (or is told it lost) every message committed from then on.
                        (long cursor, startSequence) = OverrunStart();
                        *(ulong*)(slot + ChannelLayout.SlotCursorOffset) = (ulong)cursor;
                    }
                    else if (IsBroadcast && role == ChannelLayout.StateConsumer)
                    {
                        // A subscriber starts at the newest message; its cursor counts for back-pressure from now on.
                        // Producers do not raise the release position while a slot is being claimed, so nothing at
                        // or above this tail is given up before the cursor is stored (RefreshBroadcastRelease).
                        ulong tail = Volatile.Read(ref U64(ChannelLayout.TailOffset));
                        AfterSubscriberStartSeen?.Invoke();
                        *(ulong*)(slot + ChannelLayout.SlotCursorOffset) = tail;
                    }

                    Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), role);
                    return i;
                }
            }

            Recover(force: true); // frees the slots of dead participants that hold nothing
        }

        throw new InvalidOperationException($"All {SlotCount} participant slots of {Name} are taken by live processes: dispose unused readers and writers.");
    }

    /// <summary>A writer or reader leaves: its slot is freed and its hold on the mapping given back.</summary>
    internal void Leave(int index)
    {
        Vacate(index, Volatile.Read(ref *(int*)(Slot(index) + ChannelLayout.SlotStateOffset)));
        ReleaseMappingReference();
    }

    // A leaving participant's counters join the channel's totals, so Stat still counts its work.
    private void FoldCounters(byte* slot, int role)
    {
        if (role is not (ChannelLayout.StateProducer or ChannelLayout.StateConsumer))
        {
            return;
        }

        long* totals = (long*)(_base + ChannelLayout.TotalsOffset) + ((role - 1) * ChannelLayout.TotalsPerRole);
        for (int i = 0; i < ChannelLayout.TotalsPerRole; i++)
        {
            Interlocked.Add(ref totals[i], Interlocked.Exchange(ref *(long*)(slot + ChannelLayout.SlotMessagesOffset + (i * 8)), 0));
        }
    }

    private long Total(int role, int counter) => Volatile.Read(ref *((long*)(_base + ChannelLayout.TotalsOffset) + ((role - 1) * ChannelLayout.TotalsPerRole) + counter));

    private bool IsSlotAlive(byte* slot)
        => ProcessIdentity.IsAlive(*(int*)(slot + ChannelLayout.SlotPidOffset), *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset));

    // --- crash recovery ---------------------------------------------------------------------------

    /// <summary>
    /// Repairs what dead participants left: a record a dead producer reserved but never committed becomes
    /// padding (skipped, counted as abandoned); a message a dead consumer claimed but never released is kept
    /// by its slot, now an orphan, for another consumer to adopt; slots of dead processes that hold nothing are freed. Runs on slow
    /// paths only (a reader finding nothing, a writer finding no room), at most every 20 ms unless forced.
    /// </summary>
    internal void Recover(bool force = false, int recoveringSlot = -1, long stalledAt = -1)
    {
        long now = Stopwatch.GetTimestamp();
        long last = Volatile.Read(ref _lastRecovery);
        if (!force && Stopwatch.GetElapsedTime(last, now) < RecoveryInterval)
        {
            return;
        }

        Volatile.Write(ref _lastRecovery, now);
        // Where a record may stall: a queue's read position; in broadcast, the release position producers wait at
        // (subscribers pass their own cursor).
        AbandonStalledRecord(recoveringSlot, stalledAt >= 0 ? stalledAt : (long)Volatile.Read(ref U64(IsBroadcast ? ChannelLayout.ReleaseOffset : ChannelLayout.ReadOffset)));
        FreeDeadSlots();
        FreeAbandonedClaims();
        if (!IsBroadcast && Volatile.Read(ref I32(ChannelLayout.OrphansOffset)) <= 0 && AnyOrphanSlot())
        {
            Interlocked.Increment(ref I32(ChannelLayout.OrphansOffset)); // its maker died before raising the hint
        }
    }

    private bool AnyOrphanSlot()
    {
        for (int i = 0; i < SlotCount; i++)
        {
            if (Volatile.Read(ref *(int*)(Slot(i) + ChannelLayout.SlotStateOffset)) == ChannelLayout.StateOrphan)
            {
                return true;
            }
        }

        return false;
    }

    // The record at `read` (the queue's read position, or a subscriber's cursor) is not committed: skip it
    // if the producer that reserved it is dead.
    private void AbandonStalledRecord(int recoveringSlot, long read)
    {
        long tail = (long)Volatile.Read(ref U64(ChannelLayout.TailOffset));
        if (read >= tail)
        {
            return;
        }

        byte* record = Record(read);
        ref ulong commitWord = ref RecordCommit(record);
        ulong commit = Volatile.Read(ref commitWord);
        if (IsComplete(commit, read))
        {
            return; // not stalled
        }

        AfterStallSeen?.Invoke();

        // Which producer reserved the range holding this position? Its slot says, from before its CAS.
        // A live one may still commit: wait. Among dead ones, a confirmed reservation is surely real; an
        // announced one may be a CAS that failed, so it is trusted only when no other explains the record.
        bool anyAlive = false;
        long end = -1;
        int owner = -1;
        int ownerPid = 0;
        bool ownerConfirmed = false;
        int candidates = 0;
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            int state = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset));
            if (state != ChannelLayout.StateProducer && !ChannelLayout.IsClaimedOrHeld(state))
            {
                continue;
            }

            ulong raw = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset));
            long start = (long)(raw & ~ChannelLayout.PendingFlags);
            long size = (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingSizeOffset));
            if (raw == 0 || read < start || read >= start + size)
            {
                continue;
            }

            if (state != ChannelLayout.StateProducer)
            {
                return; // held: another recoverer is padding this reservation (if it dies, its hold is undone)
            }

            int pid = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotPidOffset));
            if (ProcessIdentity.IsAlive(pid, Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset))))
            {
                anyAlive = true;
                continue;
            }

            bool confirmed = (raw & ChannelLayout.Confirmed) != 0;
            candidates++;
            if (owner < 0 || (confirmed && !ownerConfirmed))
            {
                (end, owner, ownerPid, ownerConfirmed) = (start + size, i, pid, confirmed);
            }
        }

        if (anyAlive || owner < 0 || (candidates > 1 && !ownerConfirmed))
        {
            return; // someone may still commit it, or the dead candidates cannot be told apart yet
        }

        // Hold the dead owner's slot (producer -> our -pid, checked with its pid so a slot that changed hands is
        // left alone): one recoverer at a time pads a reservation, and nobody writes into a record it no longer
        // owns. Under the hold, look again: the record may have been committed after all (the announcement we
        // went by was a CAS that failed, and the real owner committed and cleared its mark while we looked),
        // and then its header must not be touched. While it stays uncommitted the ring cannot pass it, so the
        // writes below land in this lap's record.
        byte* ownerSlot = Slot(owner);
        if (!TrySwapSlot(ownerSlot, ChannelLayout.StateProducer, ownerPid, -Environment.ProcessId, ownerPid))
        {
            return;
        }

        commit = Volatile.Read(ref commitWord);
        if (IsComplete(commit, read) || (long)Volatile.Read(ref U64(ChannelLayout.TailOffset)) - read > Capacity)
        {
            Volatile.Write(ref *(int*)(ownerSlot + ChannelLayout.SlotStateOffset), ChannelLayout.StateProducer); // not ours to skip
            return;
        }

        // Skip the rest of the dead producer's reservation as one padding record, then free its slot.
        *(int*)(record + ChannelLayout.RecordLengthOffset) = (int)(end - read - ChannelLayout.RecordHeaderSize);
        *(int*)(record + ChannelLayout.RecordProducerOffset) = owner;
        InitializeClaim(record, read, padding: true);
        Volatile.Write(ref commitWord, (ulong)read | ChannelLayout.Padding);
        Vacate(owner, ChannelLayout.StateProducer);
        if (recoveringSlot >= 0)
        {
            Interlocked.Increment(ref *(long*)(Slot(recoveringSlot) + ChannelLayout.SlotAbandonedOffset));
        }

        WakeAll(ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, -1);
    }

    /// <summary>Tests: runs in crash recovery between seeing a stalled record and looking for its producer.</summary>
    internal Action? AfterStallSeen { get; set; }

    /// <summary>Tests: runs in crash recovery between reading a dead consumer's claim and deciding who owns that message.</summary>
    internal Action<long>? AfterDeadClaimSeen { get; set; }

    /// <summary>Tests: runs in crash recovery after the other claimers of a dead consumer's message were looked at, before the record is.</summary>
    internal Action<long>? AfterClaimersScanned { get; set; }

    /// <summary>Tests: runs while a broadcast subscriber registers, between reading the tail and storing its cursor there.</summary>
    internal Action? AfterSubscriberStartSeen { get; set; }

    /// <summary>Tests: runs in crash recovery between judging a slot's participant dead and freeing the slot.</summary>
    internal Action<int>? AfterDeadSlotSeen { get; set; }

    /// <summary>Whether the record at <paramref name="position"/> is complete: a committed message, or padding to skip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsComplete(ulong commit, long position)
        => commit == ((ulong)position | ChannelLayout.Committed) || commit == ((ulong)position | ChannelLayout.Padding);

    // State -pid with a pending reservation: a recoverer (process pid) holds a dead producer's slot while it pads
    // the record that producer left. (A slot being claimed, also -pid, has pending 0: frees clear it.)
    private bool IsHeldForAbandon(int state, byte* slot)
        => ChannelLayout.IsClaimedOrHeld(state) && Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset)) != 0;

    // Queue: a dead consumer's slot that still names a claim (state consumer, pending p). Decides from the slots
    // alone who owned the message at p, then from the record whether it was released:
    // - it was the slot's own (confirmed, or among announced-only claimers that are all dead the lowest slot)
    //   and unreleased: the slot becomes an orphan (one CAS of state and pid), which another consumer adopts;
    // - someone else owns it, it was released, or the claim was never made: the slot holds nothing and is freed;
    // - a live process may still own it (announced, not yet confirmed): left for a later look.
    // Nothing is written into the ring. The record cannot change under these checks once its owner is known to
    // be dead: only the owner (or the consumer that adopts its orphan) releases it, and the release position
    // cannot pass an unreleased record, so the space is not reused.
    private void ResolveDeadClaim(int index, int pid, ulong raw)
    {
        byte* slot = Slot(index);
        long position = (long)(raw & ~ChannelLayout.PendingFlags);
        bool confirmed = (raw & ChannelLayout.Confirmed) != 0;
        AfterDeadClaimSeen?.Invoke(position);

        // The read position first: if a consumer has claimed p by now, it announced p before its CAS, so the scan
        // below sees its mark (or, once it has moved on, the release it stored before). Read after the scan, a
        // claim made between the two would go unseen and its live owner be taken for this dead one.
        if ((long)Volatile.Read(ref U64(ChannelLayout.ReadOffset)) <= position)
        {
            FreeHoldingNothing(index, pid); // the claim was never made (and, this consumer being dead, never will be)
            return;
        }

        Interlocked.MemoryBarrier();
        bool someoneElseOwns = false;
        bool liveClaimer = false;
        bool lowestDead = true;
        for (int i = 0; i < SlotCount && !confirmed; i++)
        {
            byte* other = Slot(i);
            int state = Volatile.Read(ref *(int*)(other + ChannelLayout.SlotStateOffset));
            ulong pending = Volatile.Read(ref *(ulong*)(other + ChannelLayout.SlotPendingOffset));
            if (i == index || pending == 0 || (long)(pending & ~ChannelLayout.PendingFlags) != position)
            {
                continue;
            }

            if (state is ChannelLayout.StateOrphan or ChannelLayout.StateAdopted
                || (state == ChannelLayout.StateConsumer && (pending & ChannelLayout.Confirmed) != 0))
            {
                someoneElseOwns = true;
            }
            else if (state == ChannelLayout.StateConsumer)
            {
                liveClaimer |= IsSlotAlive(other); // announced, and still between its CAS and its confirmation (or about to retry)
                lowestDead &= i > index;
            }
        }

        AfterClaimersScanned?.Invoke(position);

        // The release is stored before the claimer's mark is cleared: a claimer gone from the slots above shows here.
        byte* record = Record(position);
        ulong commit = Volatile.Read(ref RecordCommit(record));
        ulong claim = Volatile.Read(ref RecordClaim(record));
        Interlocked.MemoryBarrier();
        bool settled = someoneElseOwns
            || (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset)) > position // released and passed (what was read above may be a later lap's)
            || commit != ((ulong)position | ChannelLayout.Committed)
            || claim == ((ulong)position | ChannelLayout.Released);
        if (settled)
        {
            FreeHoldingNothing(index, pid);
            return;
        }

        if (!confirmed && (liveClaimer || !lowestDead))
        {
            return; // a live claimer may own it; or the lowest of the dead claimers becomes the orphan (one, whoever recovers)
        }

        MakeOrphan(slot, ChannelLayout.StateConsumer, pid);
    }

    private void FreeHoldingNothing(int index, int pid)
    {
        if (TrySwapSlot(Slot(index), ChannelLayout.StateConsumer, pid, ChannelLayout.StateFreeing + ChannelLayout.StateConsumer, Environment.ProcessId))
        {
            Vacate(index, ChannelLayout.StateConsumer);
        }
    }

    // A dead consumer's (or adopter's, or a leaving reader's) unreleased message is put up for adoption: its slot
    // becomes an orphan. Its counters are folded by whoever frees it (the adopter), when the slot is theirs alone.
    internal void MakeOrphan(byte* slot, int fromState, int pid)
    {
        if (TrySwapSlot(slot, fromState, pid, ChannelLayout.StateOrphan, pid))
        {
            Interlocked.Increment(ref I32(ChannelLayout.OrphansOffset)); // after the state: a reader that sees the hint finds the orphan
            WakeAll(ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, -1);
        }
    }

    // An adopter (state adopted, its pid in the pid field) that no longer runs: if it released the message, the
    // slot is freed; otherwise the message is an orphan again. (A pid alone is trusted in the safe direction:
    // a reused pid keeps the slot.)
    private void ResolveDeadAdopter(int index, int pid)
    {
        byte* slot = Slot(index);
        long position = (long)(Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset)) & ~ChannelLayout.PendingFlags);
        ulong claim = Volatile.Read(ref RecordClaim(Record(position)));
        Interlocked.MemoryBarrier();
        if (claim == ((ulong)position | ChannelLayout.Released) || (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset)) > position)
        {
            if (TrySwapSlot(slot, ChannelLayout.StateAdopted, pid, ChannelLayout.StateFreeing + ChannelLayout.StateConsumer, Environment.ProcessId))
            {
                Vacate(index, ChannelLayout.StateConsumer);
            }

            return;
        }

        MakeOrphan(slot, ChannelLayout.StateAdopted, pid);
    }

    /// <summary>
    /// Queue: hands the oldest orphan (a dead consumer's unreleased message) that fits to this consumer: one CAS
    /// of the orphan slot's state and pid makes it ours; the message is released through that slot. Resets the
    /// orphans hint when there is none.
    /// </summary>
    internal bool TryAdoptOrphan(int bufferLength, out int orphanSlot, out long position, out int tooLarge)
    {
        tooLarge = 0;
        int hint = Volatile.Read(ref I32(ChannelLayout.OrphansOffset));
        bool found = false;
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            ulong word = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStateOffset));
            if ((int)(uint)word != ChannelLayout.StateOrphan)
            {
                continue;
            }

            found = true;
            long at = (long)(Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset)) & ~ChannelLayout.PendingFlags);
            int length = RecordLength(Record(at));
            if (length > bufferLength)
            {
                tooLarge = length; // the caller says its buffer is too small, as for any message (else a waiting reader would spin)
                continue;
            }

            if (TrySwapSlot(slot, ChannelLayout.StateOrphan, (int)(word >> 32), ChannelLayout.StateAdopted, Environment.ProcessId))
            {
                (orphanSlot, position) = (i, at);
                return true;
            }
        }

        if (!found && hint > 0)
        {
            Interlocked.CompareExchange(ref I32(ChannelLayout.OrphansOffset), 0, hint); // fails if an orphan was made meanwhile
        }

        (orphanSlot, position) = (-1, 0);
        return false;
    }

    /// <summary>Queue: whether an orphan waits (resets a stale hint, so an idle reader sleeps).</summary>
    internal bool HasOrphan()
    {
        int hint = Volatile.Read(ref I32(ChannelLayout.OrphansOffset));
        if (hint <= 0)
        {
            return false;
        }

        if (AnyOrphanSlot())
        {
            return true;
        }

        Interlocked.CompareExchange(ref I32(ChannelLayout.OrphansOffset), 0, hint);
        return false;
    }

    /// <summary>Queue: an adopted message is released: its record, then the orphan slot that kept it.</summary>
    internal void ReleaseAdopted(int orphanSlot, long position)
    {
        Volatile.Write(ref RecordClaim(Record(position)), (ulong)position | ChannelLayout.Released);
        Vacate(orphanSlot, ChannelLayout.StateConsumer); // the dead consumer's counters join the totals
    }

    private void FreeDeadSlots()
    {
        long read = (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset));
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            int state = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset));
            int pid = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotPidOffset));
            if (state == ChannelLayout.StateAdopted)
            {
                if (ProcessIdentity.StartTime(pid) is null)
                {
                    ResolveDeadAdopter(i, pid);
                }

                continue;
            }

            if (state is not (ChannelLayout.StateProducer or ChannelLayout.StateConsumer)
                || ProcessIdentity.IsAlive(pid, Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset))))
            {
                continue;
            }

            // A dead producer's pending reservation must stay visible until it is skipped; a dead consumer's
            // claim until it is settled or its slot has become an orphan.
            ulong raw = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset));
            long pending = (long)(raw & ~ChannelLayout.PendingFlags);
            if (raw != 0 && state == ChannelLayout.StateConsumer && !IsBroadcast)
            {
                ResolveDeadClaim(i, pid, raw);
                continue;
            }

            bool holdsNothing = raw == 0 || state == ChannelLayout.StateConsumer
                || (IsBroadcast ? IsReservationDone(pending, (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingSizeOffset))) : pending < read);
            if (!holdsNothing)
            {
                continue;
            }

            AfterDeadSlotSeen?.Invoke(i);
            if (TrySwapSlot(slot, state, pid, ChannelLayout.StateFreeing + state, Environment.ProcessId))
            {
                Vacate(i, state);
            }
        }
    }

    // Slots whose owner process no longer runs, though no role says so (a pid alone is trusted here in the safe
    // direction only: a reused pid keeps the slot, it never frees a live one's):
    // - state -pid, no pending mark: it died claiming the slot. Nothing of it is in use yet, but a subscriber's
    //   cursor may already hold back-pressure: freed.
    // - state -pid with a pending mark: it died holding a dead producer's slot to pad that producer's record. The
    //   slot goes back to being the dead producer's, and the next recovery pads the record again.
    // - state "freeing": the recoverer freeing it died. Another takes the slot over and finishes (folding is
    //   an exchange per counter, so nothing is counted twice).
    private void FreeAbandonedClaims()
    {
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            ulong word = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStateOffset));
            int state = (int)(uint)word;
            int pid = (int)(word >> 32);
            if (state >= 0 || IsClaimerAlive(slot, state, pid))
            {
                continue;
            }

            if (ChannelLayout.IsFreeing(state))
            {
                if (TrySwapSlot(slot, state, pid, state, Environment.ProcessId))
                {
                    Vacate(i, state - ChannelLayout.StateFreeing);
                }
            }
            else if (IsHeldForAbandon(state, slot))
            {
                Interlocked.CompareExchange(ref *(int*)(slot + ChannelLayout.SlotStateOffset), ChannelLayout.StateProducer, state);
            }
            else if (TrySwapSlot(slot, state, pid, ChannelLayout.StateFreeing, Environment.ProcessId))
            {
                Vacate(i, ChannelLayout.StateFree); // nothing to fold: it never had a role
            }
        }
    }

    // Whether the process behind a negative state still runs: a freeing recoverer's pid (in the pid field), a
    // holder's (-state: the pid field is the dead producer's), or a claimer's, by its pid and start time once it
    // has written both (a reused pid then does not keep a dead claimer's slot, which would hold broadcast
    // producers back), else by pid alone.
    private static bool IsClaimerAlive(byte* slot, int state, int pid)
    {
        if (ChannelLayout.IsFreeing(state))
        {
            return ProcessIdentity.StartTime(pid) is not null;
        }

        ulong start = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotStartTimeOffset));
        bool claiming = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset)) == 0;
        return claiming && pid == -state && start != 0 ? ProcessIdentity.IsAlive(pid, start) : ProcessIdentity.StartTime(-state) is not null;
    }

    // Moves a slot from (state, pid) to (state, pid) in one 64-bit CAS (the two fields sit side by side): it
    // fails if the slot was freed and taken by another process since it was judged.
    private static bool TrySwapSlot(byte* slot, int fromState, int fromPid, int toState, int toPid)
    {
        ulong from = ((ulong)(uint)fromPid << 32) | (uint)fromState;
        return Interlocked.CompareExchange(ref *(ulong*)(slot + ChannelLayout.SlotStateOffset), ((ulong)(uint)toPid << 32) | (uint)toState, from) == from;
    }

    // Frees a slot held in STATE (by its owner leaving, or by the recoverer that won it): counters into the
    // totals, a walker mark naming it cleared, no pending claim or reservation, then free.
    private void Vacate(int index, int state)
    {
        byte* slot = Slot(index);
        ulong walker = Volatile.Read(ref U64(ChannelLayout.WalkerOffset));
        if (walker != 0 && (int)(uint)walker == index + 1)
        {
            Interlocked.CompareExchange(ref U64(ChannelLayout.WalkerOffset), 0, walker);
        }

        FoldCounters(slot, state);
        Volatile.Write(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset), 0);
        Volatile.Write(ref *(int*)(slot + ChannelLayout.SlotStateOffset), ChannelLayout.StateFree);
    }

    // Whether every record of a producer's reservation (a padding record and its message, or the message
    // alone) is committed: then a dead producer's stale pending mark holds nothing back.
    private bool IsReservationDone(long start, long size)
    {
        for (long position = start; position < start + size;)
        {
            byte* record = Record(position);
            ulong commit = Volatile.Read(ref RecordCommit(record));
            if (!IsComplete(commit, position))
            {
                return (long)Volatile.Read(ref U64(ChannelLayout.TailOffset)) - position > Capacity; // in flight, unless a later lap overwrote it
            }

            position += RecordSpan(record, commit);
        }

        return true;
    }

    // --- giving space back ------------------------------------------------------------------------

    /// <summary>
    /// For producers that found no room: catch the release position up (queue: over released records;
    /// broadcast: to the slowest live subscriber; overrun: to the first record not yet committed).
    /// </summary>
    internal bool ReclaimSpace(int slot) => IsOverrun ? AdvanceFrontier(slot) : IsBroadcast ? RefreshBroadcastRelease() : AdvanceRelease(-1);

    // Broadcast: everything below every subscriber's cursor is free (all of it, up to tail, if nobody
    // subscribes), except a reservation a producer is still writing: that is never lapped.
    private bool RefreshBroadcastRelease()
    {
        long minimum = (long)Volatile.Read(ref U64(ChannelLayout.TailOffset));
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            int state = Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset));
            if (state == ChannelLayout.StateProducer || IsHeldForAbandon(state, slot))
            {
                ulong raw = Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingOffset));
                long start = (long)(raw & ~ChannelLayout.PendingFlags);
                if (raw != 0 && start < minimum && !IsReservationDone(start, (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotPendingSizeOffset))))
                {
                    minimum = start; // announced-only marks (a CAS that may fail) count too: that errs on the safe side
                }
            }
            else if (ChannelLayout.IsClaimedOrHeld(state))
            {
                // Being claimed: a subscriber reads the tail and then stores its cursor. Had we gone by the tail we
                // read before it did, we could give up records it is about to start at; so nothing is given up now.
                // (A claimer that died is freed by recovery.)
                return false;
            }
            else if (state == ChannelLayout.StateConsumer)
            {
                minimum = Math.Min(minimum, (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotCursorOffset)));
            }
        }

        ref ulong releaseWord = ref U64(ChannelLayout.ReleaseOffset);
        while (true)
        {
            ulong release = Volatile.Read(ref releaseWord);
            if ((ulong)minimum <= release)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref releaseWord, (ulong)minimum, release) == release)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Overrun: moves the release position (the frontier) over every committed record, so producers may reuse
    /// the space below it. One producer walks at a time (the walker word is its lock, holding its pid and slot
    /// so a dead holder can be told from a live one); others wait for it to finish. The walker stamps, in the
    /// header at the new frontier, how many messages lie below it: a lapped subscriber jumps to the frontier
    /// and so knows exactly how many it lost.
    /// </summary>
    private bool AdvanceFrontier(int slot)
    {
        ref ulong releaseWord = ref U64(ChannelLayout.ReleaseOffset);
        ref ulong walkerWord = ref U64(ChannelLayout.WalkerOffset);
        ulong before = Volatile.Read(ref releaseWord);
        ulong me = ((ulong)(uint)Environment.ProcessId << 32) | (uint)(slot + 1);
        for (int spins = 0; spins < 1 << 16; spins++) // a live walker that takes longer: report no room, the caller's wait polls again
        {
            ulong holder = Interlocked.CompareExchange(ref walkerWord, me, 0);
            if (holder == 0)
            {
                try
                {
                    WalkFrontier();
                }
                finally
                {
                    Volatile.Write(ref walkerWord, 0);
                }

                break;
            }

            if (Volatile.Read(ref releaseWord) != before)
            {
                break; // the walker moved it for us
            }

            Thread.SpinWait(20);
            if ((spins & 1023) == 1023 && !IsWalkerAlive(holder))
            {
                Interlocked.CompareExchange(ref walkerWord, 0, holder); // its walk was idempotent: take over
            }
        }

        bool moved = Volatile.Read(ref releaseWord) != before;
        if (moved)
        {
            WakeAll(ChannelLayout.SpaceSeqOffset, ChannelLayout.SpaceSleepersOffset, slot);
        }

        return moved;
    }

    // Under the walker lock. The sequence at the old frontier was stamped when it became the frontier; the
    // new one is stamped before the release position moves, so a walker that dies in between leaves a walk
    // the next one simply repeats.
    private void WalkFrontier()
    {
        ref ulong releaseWord = ref U64(ChannelLayout.ReleaseOffset);
        long release = (long)Volatile.Read(ref releaseWord);
        ulong sequence = Volatile.Read(ref RecordSequence(Record(release)));
        long position = WalkCommitted(release, ref sequence);
        if (position != release)
        {
            Volatile.Write(ref RecordSequence(Record(position)), sequence);
            Volatile.Write(ref releaseWord, (ulong)position);
        }
    }

    // From a record boundary towards the tail over committed and padding records, counting messages; stops
    // at the first record still being written. A length that cannot be (torn by a producer lapping a reader
    // that walks without the lock) also stops it; that reader's check against the tail then repeats the walk.
    private long WalkCommitted(long position, ref ulong sequence)
    {
        long tail = (long)Volatile.Read(ref U64(ChannelLayout.TailOffset));
        while (position < tail)
        {
            byte* record = Record(position);
            ulong commit = Volatile.Read(ref RecordCommit(record));
            if ((uint)RecordLength(record) > (uint)Capacity)
            {
                break;
            }

            if (commit == ((ulong)position | ChannelLayout.Committed))
            {
                sequence++;
            }
            else if (commit != ((ulong)position | ChannelLayout.Padding))
            {
                break; // a producer is still writing it
            }

            position += RecordSpan(record, commit);
        }

        return position;
    }

    private bool IsWalkerAlive(ulong holder)
    {
        int index = (int)(uint)holder - 1;
        if ((uint)index >= (uint)SlotCount)
        {
            return false;
        }

        byte* slot = Slot(index);
        return Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset)) == ChannelLayout.StateProducer
            && *(uint*)(slot + ChannelLayout.SlotPidOffset) == (uint)(holder >> 32)
            && IsSlotAlive(slot);
    }

    /// <summary>
    /// Overrun: where a new subscriber starts, and how many messages lie below that position: the frontier's
    /// stamped sequence, counted on over the committed records up to the tail (or the first one still being
    /// written). The walk is checked against the tail afterwards, and repeated if producers lapped it.
    /// </summary>
    internal (long Cursor, ulong Sequence) OverrunStart()
    {
        while (true)
        {
            (long frontier, ulong sequence) = OverrunFrontier();
            long position = WalkCommitted(frontier, ref sequence);
            if (IsIntactSince(frontier, ChannelLayout.RecordHeaderSize))
            {
                return (position, sequence);
            }
        }
    }

    /// <summary>
    /// Overrun: the frontier and the count of messages below it, for a lapped subscriber to jump to; read
    /// again until no producer has lapped the stamp while it was read.
    /// </summary>
    internal (long Position, ulong Sequence) OverrunFrontier()
    {
        while (true)
        {
            long release = (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset));
            ulong sequence = Volatile.Read(ref RecordSequence(Record(release)));
            if (IsIntactSince(release, ChannelLayout.RecordHeaderSize))
            {
                return (release, sequence);
            }
        }
    }

    /// <summary>
    /// Overrun (a seqlock on the tail): everything read so far at positions from <paramref name="position"/> on
    /// is what was there, if no producer has reserved a position a full ring above it, which it must do before
    /// writing a byte there. The full fence keeps the earlier reads before the look at the tail. A sequence
    /// stamp (bytes 16-23 of a header) asks for <paramref name="slack"/> = 32: the frontier one ring ahead,
    /// stamped when the tail is exactly there, shares its bytes.
    /// </summary>
    internal bool IsIntactSince(long position, long slack = 0)
    {
        Interlocked.MemoryBarrier();
        return (long)Volatile.Read(ref U64(ChannelLayout.TailOffset)) - position <= Capacity - slack;
    }

    /// <summary>
    /// After a release: moves the release position only once a good share of the ring (a quarter) waits
    /// behind it, or, when producers sleep, a sixteenth (or everything has been read). That saves a CAS and a fence on most reads; a producer that
    /// finds the ring full catches the position up itself before waiting (AdvanceRelease).
    /// </summary>
    internal void AdvanceReleaseLazily(int slot)
    {
        long release = (long)Volatile.Read(ref U64(ChannelLayout.ReleaseOffset));
        long read = (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset));
        long behind = read - release;
        if (behind >= Capacity / 4
            || (Volatile.Read(ref I32(ChannelLayout.SpaceSleepersOffset)) != 0
                && (behind >= Capacity / 16 || read == (long)Volatile.Read(ref U64(ChannelLayout.TailOffset)))))
        {
            // Sleeping producers are woken for a batch of space (or once everything is read), not per message.
            AdvanceRelease(slot);
        }
    }

    /// <summary>Moves the release position over every released record at its front; wakes sleeping producers if it moved.</summary>
    internal bool AdvanceRelease(int slot)
    {
        ref ulong releaseWord = ref U64(ChannelLayout.ReleaseOffset);
        bool advanced = false;
        while (true)
        {
            long release = (long)Volatile.Read(ref releaseWord);
            long read = (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset));
            if (release >= read)
            {
                break;
            }

            byte* record = Record(release);
            ulong commit = Volatile.Read(ref RecordCommit(record));
            if (!IsComplete(commit, release)
                || Volatile.Read(ref RecordClaim(record)) != ((ulong)release | ChannelLayout.Released))
            {
                break;
            }

            if (Interlocked.CompareExchange(ref releaseWord, (ulong)(release + RecordSpan(record, commit)), (ulong)release) == (ulong)release)
            {
                advanced = true;
            }
        }

        if (advanced)
        {
            WakeAll(ChannelLayout.SpaceSeqOffset, ChannelLayout.SpaceSleepersOffset, slot);
        }

        return advanced;
    }

    // --- waking and waiting -----------------------------------------------------------------------

    /// <summary>After a commit or release: wakes sleepers on the word, only if one flagged itself (the hot path makes no system call).</summary>
    internal void WakeAll(int sequenceOffset, int sleepersOffset, int wakerSlot)
    {
        Interlocked.MemoryBarrier(); // order our commit/release before reading the sleeper flag (the sleeper does the mirror image)
        WakeIfSleeping(sequenceOffset, sleepersOffset, wakerSlot);
    }

    /// <summary>
    /// After a commit (whose exchange was a full barrier): wakes sleeping readers only if they may be waiting
    /// for this record. In a queue, a consumer sleeps only at the first record it could not take; if the
    /// read position is still below this reservation, that earlier record's producer will wake them when it
    /// commits, and a consumer that is awake will come here by itself. Without this, a commit while one of
    /// two consumers sleeps would cost a FUTEX_WAKE per message. Subscribers (broadcast) likewise: only if
    /// one of them has caught up to this reservation.
    /// </summary>
    internal void WakeReadersFor(long reservationStart, int wakerSlot)
    {
        if (Volatile.Read(ref I32(ChannelLayout.DataSleepersOffset)) == 0)
        {
            return;
        }

        if (IsBroadcast ? !AnySubscriberAt(reservationStart) : (long)Volatile.Read(ref U64(ChannelLayout.ReadOffset)) < reservationStart)
        {
            return;
        }

        WakeIfSleeping(ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, wakerSlot);
    }

    // Broadcast: a subscriber sleeps only at its first record not yet committed; one whose cursor is below
    // this reservation waits for an earlier record, whose producer wakes it.
    private bool AnySubscriberAt(long reservationStart)
    {
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            if (Volatile.Read(ref *(int*)(slot + ChannelLayout.SlotStateOffset)) == ChannelLayout.StateConsumer
                && (long)Volatile.Read(ref *(ulong*)(slot + ChannelLayout.SlotCursorOffset)) >= reservationStart)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>As <see cref="WakeAll"/>, for callers whose last store was already a full barrier.</summary>
    internal void WakeIfSleeping(int sequenceOffset, int sleepersOffset, int wakerSlot)
    {
        if (Volatile.Read(ref I32(sleepersOffset)) == 0)
        {
            return;
        }

        Interlocked.Increment(ref I32(sequenceOffset));
        Interop.FutexWake((int*)(_base + sequenceOffset), int.MaxValue);
        if (wakerSlot >= 0)
        {
            Interlocked.Increment(ref *(long*)(Slot(wakerSlot) + ChannelLayout.SlotWakeupsOffset));
        }
    }

    /// <summary>
    /// Waits until <paramref name="ready"/> holds: spins, then sleeps on the futex word in slices (between
    /// which it runs crash recovery). False when <paramref name="deadline"/> (a Stopwatch timestamp, or
    /// long.MaxValue) passes. A cancellable token interrupts the sleep at once. <paramref name="stalledAt"/>
    /// says where this waiter is held up (a subscriber's cursor), for crash recovery; null: the channel's own
    /// waiting point (a queue's read position, or the release position producers wait at).
    /// </summary>
    internal bool WaitUntil(Func<bool> ready, int sequenceOffset, int sleepersOffset, int slot, long deadline, CancellationToken cancellationToken, Func<long>? stalledAt = null)
    {
        ChannelWaitStrategy strategy = WaitStrategy;
        if (strategy != ChannelWaitStrategy.Sleep)
        {
            // Poll with the shortest pause: the other side's store is seen within tens of nanoseconds. The
            // clock, the token and crash recovery are looked at only every 64 polls.
            long spinUntil = strategy == ChannelWaitStrategy.BusySpin ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(SpinDuration.TotalSeconds * Stopwatch.Frequency);
            long limit = Math.Min(spinUntil, deadline);
            for (int polls = 0; ; polls++)
            {
                if (ready())
                {
                    return true;
                }

                Thread.SpinWait(1);
                if ((polls & 63) == 63)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ThrowIfDisposed();
                    if (Stopwatch.GetTimestamp() >= limit)
                    {
                        break;
                    }

                    if (strategy == ChannelWaitStrategy.BusySpin && (polls & 0xFFFF) == 0xFFFF)
                    {
                        RecoverWhileWaiting(slot, stalledAt);
                    }
                }
            }

            if (strategy == ChannelWaitStrategy.BusySpin)
            {
                return ready();
            }
        }

        // Held while asleep: a reader or writer disposed by another thread during its sleep (misuse, but a long
        // window) ends the wait with ObjectDisposedException, never a read of unmapped memory. Not taken while
        // spinning: two atomics per wait would show in the round-trip latency.
        AddMappingReference();
        try
        {
            return Sleep(ready, sequenceOffset, sleepersOffset, slot, deadline, stalledAt, cancellationToken);
        }
        finally
        {
            ReleaseMappingReference();
        }
    }

    private bool Sleep(Func<bool> ready, int sequenceOffset, int sleepersOffset, int slot, long deadline, Func<long>? stalledAt, CancellationToken cancellationToken)
    {
        using SignalInterrupter.Scope? scope = cancellationToken.CanBeCanceled ? SignalInterrupter.Begin(Timeout.InfiniteTimeSpan, cancellationToken) : null;
        int* word = (int*)(_base + sequenceOffset);
        while (true)
        {
            Interlocked.Increment(ref I32(sleepersOffset));
            try
            {
                int sequence = Volatile.Read(ref *word);
                if (ready())
                {
                    return true;
                }

                long left = deadline == long.MaxValue ? long.MaxValue : deadline - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    return false;
                }

                scope?.ThrowIfCanceledOrTimedOut();
                var slice = Interop.timespec.Relative(TimeSpan.FromSeconds(Math.Min((double)left / Stopwatch.Frequency, RecoveryInterval.TotalSeconds)));
                Interop.FutexWait(word, sequence, &slice);
                Interlocked.Increment(ref *(long*)(Slot(slot) + ChannelLayout.SlotWaitsOffset));
            }
            finally
            {
                Interlocked.Decrement(ref I32(sleepersOffset));
            }

            scope?.ThrowIfCanceledOrTimedOut();
            ThrowIfDisposed(); // disposed by another thread while we slept
            if (ready())
            {
                return true;
            }

            RecoverWhileWaiting(slot, stalledAt);
        }
    }

    // Once per sleep slice: the record this waiter is held up at is looked at every time (each subscriber
    // waits at its own cursor, and the shared 20 ms limit could otherwise always go to someone else's
    // position), the rest of recovery at most every 20 ms.
    private void RecoverWhileWaiting(int slot, Func<long>? stalledAt)
    {
        if (stalledAt is not null)
        {
            AbandonStalledRecord(slot, stalledAt());
        }

        Recover(recoveringSlot: slot);
    }
}
