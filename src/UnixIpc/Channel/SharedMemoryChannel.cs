using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// A bounded, many-producer message channel in POSIX shared memory. As a queue every message goes to exactly
/// one consumer; as a broadcast to every subscriber, which either holds producers back when it falls a ring
/// behind or is overrun and told how many messages it lost (<see cref="SlowSubscriberPolicy"/>). Messages
/// come in reservation order (commit order per producer). Writes and reads touch no system call while the
/// other side keeps up; a sleeping side is woken through a shared futex only when it flagged itself asleep.
/// Producers and consumers may be killed at any moment without wedging it (see docs/channel-protocol.md).
/// </summary>
/// <remarks>
/// <para>Use one <see cref="SharedMemoryChannelWriter"/> / <see cref="SharedMemoryChannelReader"/> per thread
/// (each holds a slot in the channel's participant table: 64 in all). The channel object itself is
/// thread-safe. The code is split by concern: participants, crash recovery (orphans apart), giving space
/// back, waiting.</para>
/// <para>The name is a POSIX shared memory object: <c>unixipc pshm stat NAME</c> sees it, and
/// <c>unixipc channel stat NAME</c> shows its participants and whether they are alive.</para>
/// <para>The methods of the write and read paths (and the wait loop) are marked AggressiveOptimization: fully
/// optimised at their first call. Under default tiering some of them never left instrumented tier 0 in a
/// two-process run (Write stayed there after 3 s of warm-up, TryWrite in one process of two), which halved the
/// 64-byte rate (docs/benchmarks/2026-12-02/channel.md).</para>
/// </remarks>
public sealed unsafe partial class SharedMemoryChannel : IDisposable
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
            return Initialize(shm, header, options);
        }
        catch
        {
            shm.Dispose();
            PosixSharedMemory.TryUnlink(name);
            throw;
        }
    }

    /// <summary>
    /// A channel in anonymous shared memory sealed against resizing (memfd), for handing to one other process over a
    /// Unix socket (<see cref="ObjectHandle"/>): no name, nothing left behind.
    /// </summary>
    internal static SharedMemoryChannel CreateAnonymous(string label, SharedMemoryChannelOptions options)
    {
        ChannelHeader header = HeaderFor(options);
        PosixSharedMemory shm = PosixSharedMemory.CreateSealed(label, header.ObjectSize);
        try
        {
            return Initialize(shm, header, options);
        }
        catch
        {
            shm.Dispose();
            throw;
        }
    }

    /// <summary>Opens a channel another process created with <see cref="CreateAnonymous"/> and sent; validated like any.</summary>
    internal static SharedMemoryChannel OpenAnonymous(PosixSharedMemory shm, SharedMemoryChannelOpenOptions options) => OpenValidated(shm, options);

    /// <summary>The descriptor of the memory behind the channel (to pass to another process).</summary>
    internal System.Runtime.InteropServices.SafeHandle ObjectHandle => _shm.Handle;

    private static SharedMemoryChannel Initialize(PosixSharedMemory shm, ChannelHeader header, SharedMemoryChannelOptions options)
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
            var channel = new SharedMemoryChannel(shm, region, header, options.WaitStrategy, options.SpinDuration, unlinkOnDispose: false);
            if (channel.ImpossiblePositions() is string problem)
            {
                channel.Dispose(); // (also disposes shm; the catch below disposing it again is harmless)
                throw new InvalidDataException($"{shm.Name} is a damaged channel: its positions ({problem}) cannot occur. Unlink it and create it again.");
            }

            return channel;
        }
        catch
        {
            shm.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What is wrong with the positions, if anything: release ≤ read ≤ tail ≤ release + capacity always holds (read
    /// only in a queue), so anything else was written by someone who is not a participant. Read as release, read,
    /// tail, release again: if the release position did not move meanwhile, the others were read while it held.
    /// Null also when the channel moves too fast to tell (it is alive, then).
    /// </summary>
    internal string? ImpossiblePositions()
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            ulong release = Volatile.Read(ref U64(ChannelLayout.ReleaseOffset));
            ulong read = Volatile.Read(ref U64(ChannelLayout.ReadOffset));
            ulong tail = Volatile.Read(ref U64(ChannelLayout.TailOffset));
            if (Volatile.Read(ref U64(ChannelLayout.ReleaseOffset)) != release)
            {
                continue;
            }

            bool queueOk = IsBroadcast || (release <= read && read <= tail);
            bool ok = queueOk && release <= tail && tail - release <= (ulong)Capacity && ((release | tail) & ChannelLayout.PendingFlags) == 0;
            return ok ? null : $"tail {tail}, read {read}, release {release}, capacity {Capacity}";
        }

        return null;
    }

    /// <summary>Removes the channel's name; processes that have it open keep working.</summary>
    /// <exception cref="UnixIpcException">ENOENT when no object has this name.</exception>
    /// <exception cref="InvalidDataException">The object is not a channel (it is left alone: remove it with <see cref="PosixSharedMemory.Unlink"/>).</exception>
    public static void Unlink(string name)
    {
        name = PosixName.Normalize(name);
        RequireChannel(name);
        PosixSharedMemory.Unlink(name);
    }

    /// <summary>Removes the name if it exists.</summary>
    /// <exception cref="InvalidDataException">The object is not a channel (it is left alone).</exception>
    public static bool TryUnlink(string name)
    {
        name = PosixName.Normalize(name);
        return File.Exists("/dev/shm" + name) && RequireChannel(name) && PosixSharedMemory.TryUnlink(name);
    }

    // Removing a name is for channels only: a shared memory object of someone else's under the name is not ours
    // to destroy. A channel is a regular file with the channel magic (any version, damaged or not).
    private static bool RequireChannel(string name)
    {
        using SafeFdHandle path = Interop.Open("/dev/shm" + name, Interop.O_PATH | Interop.O_CLOEXEC, 0);
        if (path.IsInvalid)
        {
            return true; // gone (or not visible): shm_unlink says what is wrong
        }

        Interop.statx st = Interop.FStatx(path, name);
        bool regular = (st.stx_mode & Interop.S_IFMT) == Interop.S_IFREG;
        bool isChannel = regular && st.stx_size >= sizeof(ulong) && ReadMagic(name) == ChannelLayout.Magic;
        return isChannel ? true : throw new InvalidDataException(
            $"{name} is not a channel ({(regular ? "no channel header" : "not a regular file")}), so it was not removed. If it is yours to remove, use PosixSharedMemory.Unlink (unixipc pshm unlink).");
    }

    private static ulong ReadMagic(string name)
    {
        using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name, readOnly: true);
        using MappedRegion header = shm.Map(MapAccess.ReadOnly, 0, sizeof(ulong));
        return header.Read<ulong>(ChannelLayout.MagicOffset);
    }

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

        // A participant leaving moves its counters into the totals. Had it done so between the look at its slot and
        // the look at the totals, its work would be counted twice (seen: 600 000 messages written for 400 000); so the
        // totals are read before and after the slots, and the slots again, until nothing moved in between.
        for (int attempt = 0; ; attempt++)
        {
            long[] totals = Totals();
            int[] states = States();
            List<ChannelParticipant> participants = Participants(states);
            if ((totals.AsSpan().SequenceEqual(Totals()) && States().AsSpan().SequenceEqual(states)) || attempt == 1000)
            {
                return Status(participants, totals);
            }

            Thread.Yield();
        }
    }

    private long[] Totals()
    {
        var totals = new long[2 * ChannelLayout.TotalsPerRole];
        for (int i = 0; i < totals.Length; i++)
        {
            totals[i] = Volatile.Read(ref *((long*)(_base + ChannelLayout.TotalsOffset) + i));
        }

        return totals;
    }

    private int[] States()
    {
        var states = new int[SlotCount];
        for (int i = 0; i < SlotCount; i++)
        {
            states[i] = Volatile.Read(ref *(int*)(Slot(i) + ChannelLayout.SlotStateOffset));
        }

        return states;
    }

    // The participants registered in these states (one per slot, as read), with their counters.
    private List<ChannelParticipant> Participants(int[] states)
    {
        var participants = new List<ChannelParticipant>();
        for (int i = 0; i < SlotCount; i++)
        {
            byte* slot = Slot(i);
            int state = states[i];
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

        return participants;
    }

    private SharedMemoryChannelStatus Status(List<ChannelParticipant> participants, long[] totals)
    {
        long Total(int role, int counter) => totals[((role - 1) * ChannelLayout.TotalsPerRole) + counter];
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

    /// <summary>The cold end of a writer's or reader's check that neither it nor the channel is disposed: says which one is.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void ThrowDisposed(object participant, bool participantDisposed)
    {
        ObjectDisposedException.ThrowIf(participantDisposed, participant);
        ThrowIfDisposed();
        throw new UnreachableException();
    }

    // --- raw access -------------------------------------------------------------------------------

    internal ref ulong U64(int offset) => ref Unsafe.AsRef<ulong>(_base + offset);

    internal ref int I32(int offset) => ref Unsafe.AsRef<int>(_base + offset);

    /// <summary>The address of a header word, for a writer or reader to keep (the mapping outlives them).</summary>
    internal byte* At(int offset) => _base + offset;

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
}
