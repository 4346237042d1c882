using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace UnixIpc;

/// <summary>
/// A producer on a <see cref="SharedMemoryChannel"/>: one per thread (it owns a participant slot).
/// <see cref="TryWrite(ReadOnlySpan{byte})"/> and <see cref="TryReserve"/> are the core and make no system call unless a
/// consumer sleeps; blocking, timed and async writes wait for room with the channel's wait strategy.
/// </summary>
public sealed unsafe partial class SharedMemoryChannelWriter : IDisposable
{
    private readonly SharedMemoryChannel _channel;
    private readonly int _slot;
    private readonly byte* _slotBase;
    private readonly Func<bool> _hasRoom;
    private int _needed;
    private int _polls;
    private long _reservationStart;
    private bool _disposed;

    internal SharedMemoryChannelWriter(SharedMemoryChannel channel, int slot)
    {
        _channel = channel;
        _slot = slot;
        _slotBase = channel.Slot(slot);
        _hasRoom = () => HasRoom(_needed);
    }

    /// <summary>Writes a copy of <paramref name="message"/> if there is room now; <see langword="false"/> when the channel is full.</summary>
    /// <param name="message">0 to <see cref="SharedMemoryChannel.MaxMessageSize"/> bytes.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryWrite(ReadOnlySpan<byte> message)
    {
        if (!TryReserveCore(message.Length, out long position))
        {
            return false;
        }

        message.CopyTo(new Span<byte>(_channel.Record(position) + ChannelLayout.RecordHeaderSize, message.Length));
        Commit(position, message.Length, _reservationStart);
        return true;
    }

    /// <summary>
    /// Reserves <paramref name="size"/> bytes in the ring for writing in place (zero copy); commit the lease to
    /// publish them. <see langword="false"/> when there is no room now. Until committed, consumers wait at
    /// this record (and skip it if this process dies), so commit promptly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryReserve(int size, out WriteLease lease)
    {
        if (!TryReserveCore(size, out long position))
        {
            lease = default;
            return false;
        }

        lease = new WriteLease(this, position, _reservationStart, _channel.Record(position) + ChannelLayout.RecordHeaderSize, size);
        return true;
    }

    /// <summary>Writes, waiting up to <paramref name="timeout"/> for room; <see langword="false"/> if none came.</summary>
    public bool TryWrite(ReadOnlySpan<byte> message, TimeSpan timeout)
    {
        if (TryWrite(message))
        {
            return true;
        }

        long deadline = Timeouts.DeadlineFrom(timeout);
        while (true)
        {
            if (!WaitForRoom(message.Length, deadline, CancellationToken.None))
            {
                return false;
            }

            if (TryWrite(message))
            {
                return true;
            }
        }
    }

    /// <summary>Writes, waiting as long as it takes for room (or until <paramref name="cancellationToken"/> fires; then nothing is written).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Write(ReadOnlySpan<byte> message, CancellationToken cancellationToken = default)
    {
        while (!TryWrite(message))
        {
            WaitForRoom(message.Length, long.MaxValue, cancellationToken);
        }
    }

    /// <summary>Writes, waiting for room on a dedicated waiter thread if there is none now (never a thread-pool thread).</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (TryWrite(message.Span))
        {
            return ValueTask.CompletedTask;
        }

        return WriteOnWaiterThread(message, cancellationToken);
    }

    // The waiting branches live in methods of their own: a lambda's closure is built on entry to the method that holds
    // it, so inline they would allocate on every call, even one that completes at once.
    private ValueTask WriteOnWaiterThread(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() =>
        {
            Write(message.Span, cancellationToken);
            return true;
        }));

    private ValueTask<bool> WaitForRoomOnWaiterThread(CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() => WaitForRoom(0, long.MaxValue, cancellationToken)));

    /// <summary>
    /// Completes with <see langword="true"/> when a message of up to <see cref="SharedMemoryChannel.MaxMessageSize"/>
    /// bytes would probably fit (another producer may take the room first); waits on a dedicated waiter thread.
    /// </summary>
    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        return RoomFor(0) ? ValueTask.FromResult(true) : WaitForRoomOnWaiterThread(cancellationToken);
    }

    /// <summary>Leaves the channel: frees this writer's participant slot.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _channel.Leave(_slot);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Commit(long position, int length, long reservationStart)
    {
        byte* record = _channel.Record(position);
        *(long*)(_slotBase + ChannelLayout.SlotMessagesOffset) += 1;
        *(long*)(_slotBase + ChannelLayout.SlotBytesOffset) += length;

        // The commit is an exchange (a full barrier on its own), so reading the sleeper flag after it cannot
        // be reordered before it; this replaces a separate fence on every message. The pending mark is
        // cleared only after the commit: a producer that dies in between leaves a committed record, never
        // an unowned stalled one.
        Interlocked.Exchange(ref SharedMemoryChannel.RecordCommit(record), (ulong)position | ChannelLayout.Committed);
        Volatile.Write(ref *(ulong*)(_slotBase + ChannelLayout.SlotPendingOffset), 0);
        _channel.WakeReadersFor(reservationStart, _slot);
        if (_channel.IsOverrun)
        {
            // Producers wait only for each other here: one may sleep for the frontier this record held back.
            _channel.WakeIfSleeping(ChannelLayout.SpaceSeqOffset, ChannelLayout.SpaceSleepersOffset, _slot);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool WaitForRoom(int length, long deadline, CancellationToken cancellationToken)
    {
        _needed = length;
        return _channel.WaitUntil(_hasRoom, ChannelLayout.SpaceSeqOffset, ChannelLayout.SpaceSleepersOffset, _slot, deadline, cancellationToken);
    }

    // Room for a record of `length` payload bytes, counting the padding a wrap would need. When there is
    // none, catch the release position up first: for broadcast always (a scan of the subscribers' cursors),
    // for a queue on every 16th look only, since that walks records the consumers are busy with.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool HasRoom(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this); // ends a wait another thread's Dispose cut short
        if (RoomFor(length))
        {
            return true;
        }

        if (_channel.IsBroadcast || (++_polls & 15) == 0)
        {
            _channel.ReclaimSpace(_slot);
            return RoomFor(length);
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool RoomFor(int length)
    {
        long size = ChannelLayout.RecordSize(length);
        long tail = (long)Volatile.Read(ref _channel.U64(ChannelLayout.TailOffset));
        long release = (long)Volatile.Read(ref _channel.U64(ChannelLayout.ReleaseOffset));
        long offset = tail & (_channel.Capacity - 1);
        long pad = offset + size > _channel.Capacity ? _channel.Capacity - offset : 0;
        return tail + pad + size + _channel.Headroom - release <= _channel.Capacity;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryReserveCore(int length, out long position)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _channel.ThrowIfDisposed();
        if ((uint)length > (uint)_channel.MaxMessageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A message on {_channel.Name} is 0 to {_channel.MaxMessageSize} bytes (half the capacity, less the record header).");
        }

        long size = ChannelLayout.RecordSize(length);
        long capacity = _channel.Capacity;
        ref ulong tailWord = ref _channel.U64(ChannelLayout.TailOffset);
        ref ulong pendingWord = ref *(ulong*)(_slotBase + ChannelLayout.SlotPendingOffset);
        long tail;
        long pad;
        while (true)
        {
            tail = (long)Volatile.Read(ref tailWord);
            long offset = tail & (capacity - 1);
            pad = offset + size > capacity ? capacity - offset : 0; // a record never wraps: pad to the ring's end
            long release = (long)Volatile.Read(ref _channel.U64(ChannelLayout.ReleaseOffset));
            if (tail + pad + size + _channel.Headroom - release > capacity)
            {
                // Consumers (overrun: producers) advance the release position lazily; catch it up before calling the ring full.
                if (_channel.ReclaimSpace(_slot))
                {
                    continue;
                }

                position = 0;
                return false;
            }

            // Announce the reservation before making it, so a reader can tell whose it is if we die.
            *(ulong*)(_slotBase + ChannelLayout.SlotPendingSizeOffset) = (ulong)(pad + size);
            Volatile.Write(ref pendingWord, (ulong)tail | ChannelLayout.Announced);
            if (Interlocked.CompareExchange(ref tailWord, (ulong)(tail + pad + size), (ulong)tail) == (ulong)tail)
            {
                // Mark it ours for sure, so recovery never confuses it with another dead producer's announcement.
                Volatile.Write(ref pendingWord, (ulong)tail | ChannelLayout.Confirmed);
                break;
            }
        }

        if (pad > 0)
        {
            byte* padding = _channel.Record(tail);
            *(int*)(padding + ChannelLayout.RecordLengthOffset) = (int)(pad - ChannelLayout.RecordHeaderSize);
            *(int*)(padding + ChannelLayout.RecordProducerOffset) = _slot;
            _channel.InitializeClaim(padding, tail, padding: true);
            Volatile.Write(ref SharedMemoryChannel.RecordCommit(padding), (ulong)tail | ChannelLayout.Padding);
        }

        _reservationStart = tail;
        position = tail + pad;
        byte* record = _channel.Record(position);
        *(int*)(record + ChannelLayout.RecordLengthOffset) = length;
        *(int*)(record + ChannelLayout.RecordProducerOffset) = _slot;
        _channel.InitializeClaim(record, position, padding: false);
        return true;
    }
}

/// <summary>Space reserved in a channel for one message, written in place; <see cref="Commit"/> publishes it.</summary>
public readonly unsafe ref struct WriteLease
{
    private readonly SharedMemoryChannelWriter? _writer;
    private readonly long _position;
    private readonly long _reservationStart;
    private readonly byte* _payload;

    internal WriteLease(SharedMemoryChannelWriter writer, long position, long reservationStart, byte* payload, int length)
    {
        _writer = writer;
        _position = position;
        _reservationStart = reservationStart;
        _payload = payload;
        Length = length;
    }

    /// <summary>The reserved size.</summary>
    public int Length { get; }

    /// <summary>The bytes to fill, in shared memory.</summary>
    public Span<byte> Span => _writer is null ? throw new InvalidOperationException("This lease holds no reservation.") : new Span<byte>(_payload, Length);

    /// <summary>Publishes the message (all <see cref="Length"/> bytes) to consumers.</summary>
    public void Commit()
    {
        if (_writer is null)
        {
            throw new InvalidOperationException("This lease holds no reservation.");
        }

        _writer.Commit(_position, Length, _reservationStart);
    }
}
