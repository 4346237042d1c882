using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    // The channel's fixed shape and the words the write path touches, resolved once: the path reads them from
    // here instead of through the channel's properties on every message.
    private readonly byte* _ring;
    private readonly long _mask;
    private readonly long _capacity;
    private readonly long _headroom;
    private readonly int _maxMessage;
    private readonly bool _isOverrun;
    private readonly ulong* _tail;
    private readonly ulong* _release;
    private readonly ulong* _pending;
    private readonly int* _dataSleepers;

    private int _needed;
    private int _polls;
    private bool _disposed;

    internal SharedMemoryChannelWriter(SharedMemoryChannel channel, int slot)
    {
        _channel = channel;
        _slot = slot;
        _slotBase = channel.Slot(slot);
        _hasRoom = () => HasRoom(_needed);
        _ring = channel.Record(0);
        _capacity = channel.Capacity;
        _mask = _capacity - 1;
        _headroom = channel.Headroom;
        _maxMessage = channel.MaxMessageSize;
        _isOverrun = channel.IsOverrun;
        _tail = (ulong*)channel.At(ChannelLayout.TailOffset);
        _release = (ulong*)channel.At(ChannelLayout.ReleaseOffset);
        _pending = (ulong*)(_slotBase + ChannelLayout.SlotPendingOffset);
        _dataSleepers = (int*)channel.At(ChannelLayout.DataSleepersOffset);
    }

    /// <summary>Writes a copy of <paramref name="message"/> if there is room now; <see langword="false"/> when the channel is full.</summary>
    /// <param name="message">0 to <see cref="SharedMemoryChannel.MaxMessageSize"/> bytes.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryWrite(ReadOnlySpan<byte> message)
    {
        // Reserve, copy and commit in this one method (the two halves are inlined): a message costs no call but the copy.
        int length = message.Length;
        byte* record = TryReserveCore(length, out long position, out long reservationStart);
        if (record == null)
        {
            return false;
        }

        QueueCopy.Copy(ref *(record + ChannelLayout.RecordHeaderSize), ref MemoryMarshal.GetReference(message), length);
        Commit(record, position, length, reservationStart);
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
        byte* record = TryReserveCore(size, out long position, out long reservationStart);
        if (record == null)
        {
            lease = default;
            return false;
        }

        lease = new WriteLease(this, position, reservationStart, record + ChannelLayout.RecordHeaderSize, size);
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

    /// <summary>Tests: commits the record reserved at <paramref name="position"/>.</summary>
    internal void Commit(long position, int length, long reservationStart) => Commit(Record(position), position, length, reservationStart);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Commit(byte* record, long position, int length, long reservationStart)
    {
        *(long*)(_slotBase + ChannelLayout.SlotMessagesOffset) += 1;
        *(long*)(_slotBase + ChannelLayout.SlotBytesOffset) += length;

        // The commit is an exchange (a full barrier on its own), so reading the sleeper flag after it cannot
        // be reordered before it; this replaces a separate fence on every message. The pending mark is
        // cleared only after the commit: a producer that dies in between leaves a committed record, never
        // an unowned stalled one.
        Interlocked.Exchange(ref SharedMemoryChannel.RecordCommit(record), (ulong)position | ChannelLayout.Committed);
        Volatile.Write(ref *_pending, 0);
        if (Volatile.Read(ref *_dataSleepers) != 0) // WakeReadersFor's own first test, here to save the call while nobody sleeps
        {
            _channel.WakeReadersFor(reservationStart, _slot);
        }

        if (_isOverrun)
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
        long tail = (long)Volatile.Read(ref *_tail);
        return Fits(tail, ChannelLayout.RecordSize(length), (long)Volatile.Read(ref *_release), out _);
    }

    // Whether a record of `size` bytes reserved at `tail` fits below the release position, with the padding to the
    // ring's end a record that would wrap needs first (a record never wraps).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Fits(long tail, long size, long release, out long pad)
    {
        long offset = tail & _mask;
        pad = offset + size > _capacity ? _capacity - offset : 0;
        return tail + pad + size + _headroom - release <= _capacity;
    }

    private byte* Record(long position) => _ring + (position & _mask);

    // The record reserved for `length` payload bytes, its header written (not committed); null when there is no room.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* TryReserveCore(int length, out long position, out long reservationStart)
    {
        if (_disposed | _channel.IsDisposed)
        {
            _channel.ThrowDisposed(this, _disposed);
        }

        if ((uint)length > (uint)_maxMessage)
        {
            ThrowTooLarge(length);
        }

        long size = ChannelLayout.RecordSize(length);
        ulong* tailWord = _tail;
        ulong* pendingWord = _pending;
        long tail;
        long pad;
        while (true)
        {
            tail = (long)Volatile.Read(ref *tailWord);
            if (!Fits(tail, size, (long)Volatile.Read(ref *_release), out pad))
            {
                // Consumers (overrun: producers) advance the release position lazily; catch it up before calling the ring full.
                if (_channel.ReclaimSpace(_slot))
                {
                    continue;
                }

                position = 0;
                reservationStart = 0;
                return null;
            }

            // Announce the reservation before making it, so a reader can tell whose it is if we die.
            *(ulong*)(_slotBase + ChannelLayout.SlotPendingSizeOffset) = (ulong)(pad + size);
            Volatile.Write(ref *pendingWord, (ulong)tail | ChannelLayout.Announced);
            if (Interlocked.CompareExchange(ref *tailWord, (ulong)(tail + pad + size), (ulong)tail) == (ulong)tail)
            {
                // Mark it ours for sure, so recovery never confuses it with another dead producer's announcement.
                Volatile.Write(ref *pendingWord, (ulong)tail | ChannelLayout.Confirmed);
                break;
            }
        }

        if (pad > 0)
        {
            WritePadding(tail, pad);
        }

        reservationStart = tail;
        position = tail + pad;
        byte* record = Record(position);
        *(int*)(record + ChannelLayout.RecordLengthOffset) = length;
        *(int*)(record + ChannelLayout.RecordProducerOffset) = _slot;
        _channel.InitializeClaim(record, position, padding: false);
        return record;
    }

    // A reservation that would wrap first fills the ring's end with a padding record (released: nobody claims it).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WritePadding(long tail, long pad)
    {
        byte* padding = Record(tail);
        *(int*)(padding + ChannelLayout.RecordLengthOffset) = (int)(pad - ChannelLayout.RecordHeaderSize);
        *(int*)(padding + ChannelLayout.RecordProducerOffset) = _slot;
        _channel.InitializeClaim(padding, tail, padding: true);
        Volatile.Write(ref SharedMemoryChannel.RecordCommit(padding), (ulong)tail | ChannelLayout.Padding);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooLarge(int length)
        => throw new ArgumentOutOfRangeException(nameof(length), length, $"A message on {_channel.Name} is 0 to {_maxMessage} bytes (half the capacity, less the record header).");
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

        _writer.Commit(_payload - ChannelLayout.RecordHeaderSize, _position, Length, _reservationStart);
    }
}
