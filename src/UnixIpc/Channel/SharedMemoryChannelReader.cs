using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UnixIpc;

/// <summary>
/// A consumer on a <see cref="SharedMemoryChannel"/> (a subscriber, on a broadcast channel): one per thread (it
/// owns a participant slot). <see cref="TryRead(Span{byte}, out int)"/> and <see cref="TryRead(out ReadLease)"/>
/// are the core and make no system call unless a producer sleeps.
/// </summary>
/// <remarks>
/// Queue: each message goes to one consumer, once, except when a consumer dies (or is disposed) between taking
/// it and releasing it (a copy read completes within the call; a lease is held until
/// <see cref="ReadLease.Release"/>): another consumer then gets it again (at-least-once), counted as
/// redelivered. Committed messages are never lost. Broadcast: every subscriber gets every message from where it
/// started (the newest at the time), or, with <see cref="SlowSubscriberPolicy.Overrun"/>, is told how many it lost.
/// Hold one lease at a time per reader.
/// </remarks>
public sealed unsafe partial class SharedMemoryChannelReader : IDisposable
{
    private readonly SharedMemoryChannel _channel;
    private readonly int _slot;
    private readonly byte* _slotBase;
    private readonly Func<bool> _hasData;
    private readonly Func<long>? _stalledAt; // broadcast: a subscriber waits at its own cursor

    // The channel's fixed shape and the words the read path touches, resolved once: the path reads them from
    // here instead of through the channel's properties on every message.
    private readonly byte* _ring;
    private readonly long _mask;
    private readonly bool _isBroadcast;
    private readonly bool _isOverrun;
    private readonly ulong* _read;
    private readonly int* _orphans;
    private readonly ulong* _pending;
    private ulong _sequence; // overrun: messages below this subscriber's cursor
    private long _lost;
    private long _lostUnreported; // skipped when no message followed yet: reported with the next one
    private int _adoptedSlot = -1; // queue: the orphan slot whose message this reader holds (released through it)
    private long _adoptedPosition;
    private bool _disposed;

    internal SharedMemoryChannelReader(SharedMemoryChannel channel, int slot, ulong startSequence)
    {
        _channel = channel;
        _slot = slot;
        _slotBase = channel.Slot(slot);
        _hasData = HasData;
        _stalledAt = channel.IsBroadcast ? () => (long)Volatile.Read(ref *(ulong*)(_slotBase + ChannelLayout.SlotCursorOffset)) : null;
        _sequence = startSequence;
        _ring = channel.Record(0);
        _mask = channel.Capacity - 1;
        _isBroadcast = channel.IsBroadcast;
        _isOverrun = channel.IsOverrun;
        _read = (ulong*)channel.At(ChannelLayout.ReadOffset);
        _orphans = (int*)channel.At(ChannelLayout.OrphansOffset);
        _pending = (ulong*)(_slotBase + ChannelLayout.SlotPendingOffset);
    }

    /// <summary>
    /// Broadcast with <see cref="SlowSubscriberPolicy.Overrun"/>: messages this subscriber lost because producers
    /// lapped it, in all (see <see cref="TryRead(Span{byte}, out int, out long)"/> for where). Always 0 otherwise.
    /// </summary>
    public long MessagesLost => _lost;

    /// <summary>Tests: runs between an overrun read's copy and its check (a test overwrites the message there), and between a copying read's copy and its release (a test stops the reader there, holding the message).</summary>
    internal Action? AfterCopy { get; set; }

    /// <summary>Copies the next message into <paramref name="buffer"/> if there is one; <see langword="false"/> when the channel is empty.</summary>
    /// <exception cref="ArgumentException">The buffer is shorter than the next message (it stays for the next read).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(Span<byte> buffer, out int length) => TryRead(buffer, out length, out _);

    /// <summary>
    /// As <see cref="TryRead(Span{byte}, out int)"/>, also saying how many messages this subscriber lost just
    /// before this one because producers overran it (broadcast with <see cref="SlowSubscriberPolicy.Overrun"/>;
    /// always 0 otherwise). Losses found when no message follows yet are reported with the next one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(Span<byte> buffer, out int length, out long lost)
    {
        if (_isOverrun)
        {
            return TryReadOverrun(buffer, out length, out lost);
        }

        // Claim, copy and release in this one method (the two halves are inlined): a message costs no call but the
        // copy and the lazy release's look at the positions.
        lost = 0;
        byte* record = TryClaim(buffer.Length, out long position, out int size); // (a local: the out parameter is the caller's memory)
        length = size;
        if (record == null)
        {
            return false;
        }

        byte* payload = record + ChannelLayout.RecordHeaderSize;
        if (size >= QueueCopy.LargeMessage && !_isBroadcast) // subscribers share the record: they never write into it
        {
            QueueCopy.CopyOutTakingLines(payload, buffer[..size]);
        }
        else
        {
            QueueCopy.Copy(ref MemoryMarshal.GetReference(buffer), ref *payload, size); // size <= buffer.Length: TryClaim checked
        }

        AfterCopy?.Invoke();
        Release(record, position, size);
        return true;
    }

    /// <summary>
    /// Takes the next message in place (zero copy); <see langword="false"/> when the channel is empty. Read the
    /// span, then <see cref="ReadLease.Release"/>: until then its space is not reused.
    /// </summary>
    /// <exception cref="NotSupportedException">The channel overruns slow subscribers: a message read in place could be overwritten.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(out ReadLease lease)
    {
        if (_isOverrun)
        {
            throw new NotSupportedException($"{_channel.Name} overruns slow subscribers, so a message read in place could be overwritten while it is read. "
                + "Use TryRead(Span<byte>, out int), which copies the message and checks the copy.");
        }

        byte* record = TryClaim(int.MaxValue, out long position, out int length);
        if (record == null)
        {
            lease = default;
            return false;
        }

        lease = new ReadLease(this, position, record + ChannelLayout.RecordHeaderSize, length);
        return true;
    }

    /// <summary>Reads, waiting up to <paramref name="timeout"/> for a message; <see langword="false"/> if none came.</summary>
    public bool TryRead(Span<byte> buffer, TimeSpan timeout, out int length)
    {
        if (TryRead(buffer, out length))
        {
            return true;
        }

        long deadline = Timeouts.DeadlineFrom(timeout);
        while (true)
        {
            if (!_channel.WaitUntil(_hasData, ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, _slot, deadline, CancellationToken.None, _stalledAt))
            {
                return false;
            }

            if (TryRead(buffer, out length))
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Waits until a message is probably there (another reader may take it first), up to <paramref name="timeout"/>;
    /// <see langword="false"/> if none came. With <see cref="TryRead(out ReadLease)"/> this gives blocking zero-copy reads.
    /// </summary>
    public bool WaitToRead(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long deadline = Timeouts.DeadlineFrom(timeout);
        return _channel.WaitUntil(_hasData, ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, _slot, deadline, cancellationToken, _stalledAt);
    }

    /// <summary>As <see cref="WaitToRead"/>, on a dedicated waiter thread when it has to wait.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return HasData() ? ValueTask.FromResult(true) : WaitToReadOnWaiterThread(cancellationToken);
    }

    // The waiting branches live in methods of their own: a lambda's closure is built on entry to the method that holds
    // it, so inline they would allocate on every call, even one that completes at once.
    private ValueTask<bool> WaitToReadOnWaiterThread(CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() => WaitToRead(Timeout.InfiniteTimeSpan, cancellationToken)));

    private ValueTask<int> ReadOnWaiterThread(Memory<byte> buffer, CancellationToken cancellationToken)
        => new(WaiterThreads.Run(() => Read(buffer.Span, cancellationToken)));

    /// <summary>Reads, waiting as long as it takes (or until <paramref name="cancellationToken"/> fires; then nothing is taken).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Read(Span<byte> buffer, CancellationToken cancellationToken = default)
    {
        int length;
        while (!TryRead(buffer, out length))
        {
            _channel.WaitUntil(_hasData, ChannelLayout.DataSeqOffset, ChannelLayout.DataSleepersOffset, _slot, long.MaxValue, cancellationToken, _stalledAt);
        }

        return length;
    }

    /// <summary>Reads, waiting on a dedicated waiter thread if the channel is empty (never a thread-pool thread).</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (TryRead(buffer.Span, out int length))
        {
            return ValueTask.FromResult(length);
        }

        return ReadOnWaiterThread(buffer, cancellationToken);
    }

    /// <summary>Reads message after message, each into a new array (this allocates; the Try forms do not).</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = new byte[_channel.MaxMessageSize];
        while (true)
        {
            int length = await ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            yield return buffer.AsSpan(0, length).ToArray();
        }
    }

    /// <summary>Leaves the channel: frees this reader's participant slot (release any lease first).</summary>
    /// <remarks>A message still held (a lease not released) is handed to another consumer, as if this reader had died.</remarks>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_adoptedSlot >= 0)
            {
                _channel.MakeOrphan(_channel.Slot(_adoptedSlot), ChannelLayout.StateAdopted, Environment.ProcessId); // back up for adoption
            }

            ulong pending = Volatile.Read(ref *(ulong*)(_slotBase + ChannelLayout.SlotPendingOffset));
            if (!_channel.IsBroadcast && (pending & ChannelLayout.Confirmed) != 0)
            {
                _channel.MakeOrphan(_slotBase, ChannelLayout.StateConsumer, Environment.ProcessId); // the slot keeps the message for another consumer
                _channel.ReleaseMapping();
                return;
            }

            _channel.Leave(_slot);
        }
    }

    // A dead consumer's message, kept by its orphan slot: ours now (at _adoptedPosition), released through that slot.
    private byte* TryAdopt(int bufferLength)
    {
        if (_channel.TryAdoptOrphan(bufferLength, out int orphanSlot, out long position, out int tooLarge))
        {
            (_adoptedSlot, _adoptedPosition) = (orphanSlot, position);
            Interlocked.Increment(ref *(long*)(_slotBase + ChannelLayout.SlotRedeliveredOffset));
            return Record(position);
        }

        return tooLarge > 0 ? throw TooSmall(tooLarge, bufferLength) : null;
    }

    /// <summary>Tests: releases the record claimed at <paramref name="position"/>.</summary>
    internal void Release(long position, int length) => Release(Record(position), position, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Release(byte* record, long position, int length)
    {
        if (_isBroadcast) // (overrun reads never come here: they move the cursor themselves)
        {
            ReleaseSubscribed(position, length);
            return;
        }

        if (_adoptedSlot >= 0 && position == _adoptedPosition)
        {
            _channel.ReleaseAdopted(_adoptedSlot, position);
            _adoptedSlot = -1;
        }
        else
        {
            // The release is stored before the mark is cleared: recovery that no longer sees the mark sees the release.
            Volatile.Write(ref SharedMemoryChannel.RecordClaim(record), (ulong)position | ChannelLayout.Released);
            Volatile.Write(ref *_pending, 0);
        }

        *(long*)(_slotBase + ChannelLayout.SlotMessagesOffset) += 1;
        *(long*)(_slotBase + ChannelLayout.SlotBytesOffset) += length;
        _channel.AdvanceReleaseLazily(_slot);
    }

    // A subscriber's release is moving its own cursor past the record.
    private void ReleaseSubscribed(long position, int length)
    {
        *(long*)(_slotBase + ChannelLayout.SlotMessagesOffset) += 1;
        *(long*)(_slotBase + ChannelLayout.SlotBytesOffset) += length;
        MoveCursor(position, position + ChannelLayout.RecordSize(length));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool HasData()
    {
        ObjectDisposedException.ThrowIf(_disposed, this); // ends a wait another thread's Dispose cut short
        if (_isBroadcast)
        {
            long cursor = (long)Volatile.Read(ref *(ulong*)(_slotBase + ChannelLayout.SlotCursorOffset));
            ulong at = Volatile.Read(ref SharedMemoryChannel.RecordCommit(Record(cursor)));
            return SharedMemoryChannel.IsComplete(at, cursor)
                || (_isOverrun && !_channel.IsIntactSince(cursor)); // lapped: the read skips ahead
        }

        if (Volatile.Read(ref *_orphans) > 0 && _channel.HasOrphan()) // (the hint is HasOrphan's own first test)
        {
            return true;
        }

        long read = (long)Volatile.Read(ref *_read);
        ulong commit = Volatile.Read(ref SharedMemoryChannel.RecordCommit(Record(read)));
        return SharedMemoryChannel.IsComplete(commit, read);
    }

    // The record claimed (queue) or next (broadcast), null when there is none yet.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* TryClaim(int bufferLength, out long position, out int length)
    {
        if (_disposed | _channel.IsDisposed)
        {
            _channel.ThrowDisposed(this, _disposed);
        }

        // (The rarer paths hand back only the record, so that the position and length stay in registers here.)
        byte* found = null;
        if (_isBroadcast)
        {
            found = TryTakeNext(bufferLength);
            position = (long)Volatile.Read(ref *(ulong*)(_slotBase + ChannelLayout.SlotCursorOffset)); // only this subscriber moves it
        }
        else if (Volatile.Read(ref *_orphans) > 0 && _adoptedSlot < 0 && (found = TryAdopt(bufferLength)) != null)
        {
            position = _adoptedPosition;
        }
        else
        {
            return TryClaimNext(bufferLength, out position, out length);
        }

        length = found == null ? 0 : SharedMemoryChannel.RecordLength(found);
        return found;
    }

    // Queue: the record at the read position, if committed, claimed by moving the read position past it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* TryClaimNext(int bufferLength, out long position, out int length)
    {
        ulong* readWord = _read;
        ulong* pendingWord = _pending;
        while (true)
        {
            long read = (long)Volatile.Read(ref *readWord);
            byte* record = Record(read);
            ulong commit = Volatile.Read(ref SharedMemoryChannel.RecordCommit(record));
            if (commit != ((ulong)read | ChannelLayout.Committed))
            {
                if (commit == ((ulong)read | ChannelLayout.Padding))
                {
                    SkipPadding(record, read);
                    continue;
                }

                // Empty, or a producer is still writing this record. If that producer died, skip it.
                _channel.Recover(recoveringSlot: _slot);
                position = 0;
                length = 0;
                return null;
            }

            length = SharedMemoryChannel.RecordLength(record);
            if (length > bufferLength)
            {
                ThrowTooSmall(length, bufferLength);
            }

            // Announce the claim before making it, so a recovery can tell whose it is if we die.
            Volatile.Write(ref *pendingWord, (ulong)read | ChannelLayout.Announced);
            if (Interlocked.CompareExchange(ref *readWord, (ulong)(read + ChannelLayout.RecordSize(length)), (ulong)read) == (ulong)read)
            {
                // The record is ours, and our slot says so for sure (recovery tells an owner from a claimer
                // that lost by this). The claim word is left as it is until the release: one store fewer to a
                // line the producer shares saves a cache-line round trip on every message.
                Volatile.Write(ref *pendingWord, (ulong)read | ChannelLayout.Confirmed);
                position = read;
                return record;
            }

            Volatile.Write(ref *pendingWord, 0); // lost: a stale mark would make recovery wait for us
        }
    }

    // Skip padding (a wrap, or a dead producer's reservation). It was written released, so nothing is stored
    // into it: a consumer killed right here holds nothing back, and no late store can land in space the ring
    // has reused since.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SkipPadding(byte* record, long read)
    {
        long span = ChannelLayout.RecordHeaderSize + SharedMemoryChannel.RecordLength(record);
        if (Interlocked.CompareExchange(ref *_read, (ulong)(read + span), (ulong)read) == (ulong)read)
        {
            _channel.AdvanceReleaseLazily(_slot);
        }
    }

    private byte* Record(long position) => _ring + (position & _mask);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowTooSmall(int length, int buffer) => throw TooSmall(length, buffer);

    // Broadcast: the record at this subscriber's own cursor, if committed. Nobody else moves the cursor, and
    // producers do not overwrite anything at or above the slowest cursor, so the record stays put.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private byte* TryTakeNext(int bufferLength)
    {
        ref ulong cursorWord = ref *(ulong*)(_slotBase + ChannelLayout.SlotCursorOffset);
        while (true)
        {
            long cursor = (long)Volatile.Read(ref cursorWord);
            byte* record = Record(cursor);
            ulong commit = Volatile.Read(ref SharedMemoryChannel.RecordCommit(record));
            if (commit == ((ulong)cursor | ChannelLayout.Padding))
            {
                MoveCursor(cursor, cursor + ChannelLayout.RecordHeaderSize + SharedMemoryChannel.RecordLength(record));
                continue;
            }

            if (commit != ((ulong)cursor | ChannelLayout.Committed))
            {
                _channel.Recover(recoveringSlot: _slot, stalledAt: cursor);
                return null;
            }

            int length = SharedMemoryChannel.RecordLength(record);
            if (length > bufferLength)
            {
                ThrowTooSmall(length, bufferLength);
            }

            return record;
        }
    }

    // Broadcast with overrun. Producers may overwrite anything more than a ring below the tail, so the record
    // is copied first and the copy kept only if the tail shows no producer could have written over it since
    // (a seqlock on the tail). A lapped subscriber jumps to the frontier, whose header says how many messages
    // lie below it: the difference from this subscriber's own count is exactly what it lost.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryReadOverrun(Span<byte> buffer, out int length, out long lost)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _channel.ThrowIfDisposed();
        ref ulong cursorWord = ref *(ulong*)(_slotBase + ChannelLayout.SlotCursorOffset);
        while (true)
        {
            long cursor = (long)Volatile.Read(ref cursorWord);
            byte* record = Record(cursor);
            ulong commit = Volatile.Read(ref SharedMemoryChannel.RecordCommit(record));
            length = SharedMemoryChannel.RecordLength(record);
            if (commit == ((ulong)cursor | ChannelLayout.Committed) && (uint)length <= (uint)buffer.Length)
            {
                new ReadOnlySpan<byte>(record + ChannelLayout.RecordHeaderSize, length).CopyTo(buffer);
                AfterCopy?.Invoke();
                if (_channel.IsIntactSince(cursor))
                {
                    *(long*)(_slotBase + ChannelLayout.SlotMessagesOffset) += 1;
                    *(long*)(_slotBase + ChannelLayout.SlotBytesOffset) += length;
                    _sequence++;
                    Volatile.Write(ref cursorWord, (ulong)(cursor + ChannelLayout.RecordSize(length)));
                    lost = _lostUnreported;
                    _lostUnreported = 0;
                    return true;
                }
            }
            else if (commit == ((ulong)cursor | ChannelLayout.Padding) && (uint)length < (uint)_channel.Capacity)
            {
                if (_channel.IsIntactSince(cursor))
                {
                    Volatile.Write(ref cursorWord, (ulong)(cursor + ChannelLayout.RecordHeaderSize + length));
                    continue;
                }
            }
            else if (_channel.IsIntactSince(cursor))
            {
                if (commit == ((ulong)cursor | ChannelLayout.Committed))
                {
                    throw TooSmall(length, buffer.Length);
                }

                // Nothing yet, or a producer is still writing it. If that producer died, skip it.
                _channel.Recover(recoveringSlot: _slot, stalledAt: cursor);
                length = 0;
                lost = 0;
                return false;
            }

            // Lapped: whatever was read here may be torn. Skip to the oldest message still in the ring.
            (long frontier, ulong sequence) = _channel.OverrunFrontier();
            long skipped = (long)(sequence - _sequence);
            _lostUnreported += skipped;
            _lost += skipped;
            _sequence = sequence;
            *(long*)(_slotBase + ChannelLayout.SlotLostOffset) += skipped;
            *(long*)(_slotBase + ChannelLayout.SlotOverrunsOffset) += 1;
            Volatile.Write(ref cursorWord, (ulong)frontier);
        }
    }

    // Broadcast: moves this subscriber's cursor. Producers asleep for room are woken, not on every message (each would
    // be a FUTEX_WAKE system call), but for a batch of space (the cursor crossing a sixteenth of the ring) or when this
    // subscriber has caught up with them (the record at its new cursor is not committed yet; that includes reaching
    // the tail). Only then is the move an exchange, a full barrier that orders it before the look at the sleeper flag;
    // otherwise a release store. Looking at the record this subscriber reads next, not at the tail, keeps it off the
    // cache line producers write on every reservation.
    private void MoveCursor(long from, long to)
    {
        ref ulong cursorWord = ref *(ulong*)(_slotBase + ChannelLayout.SlotCursorOffset);
        long step = (_mask + 1) / 16;
        if (from / step == to / step && SharedMemoryChannel.IsComplete(Volatile.Read(ref SharedMemoryChannel.RecordCommit(Record(to))), to))
        {
            Volatile.Write(ref cursorWord, (ulong)to);
            return;
        }

        Interlocked.Exchange(ref cursorWord, (ulong)to);
        _channel.WakeIfSleeping(ChannelLayout.SpaceSeqOffset, ChannelLayout.SpaceSleepersOffset, _slot);
    }

    // Named after the public methods' parameter: the caller's buffer is what is too small.
    private ArgumentException TooSmall(int length, int buffer)
        => new($"The next message on {_channel.Name} is {length} bytes; the buffer holds {buffer}. It stays in the channel.", nameof(buffer));
}

/// <summary>A message read in place; <see cref="Release"/> gives its space back (until then it is not reused).</summary>
public readonly unsafe ref struct ReadLease
{
    private readonly SharedMemoryChannelReader? _reader;
    private readonly long _position;
    private readonly byte* _payload;

    internal ReadLease(SharedMemoryChannelReader reader, long position, byte* payload, int length)
    {
        _reader = reader;
        _position = position;
        _payload = payload;
        Length = length;
    }

    /// <summary>The message's length.</summary>
    public int Length { get; }

    /// <summary>The message, in shared memory.</summary>
    public ReadOnlySpan<byte> Span => _reader is null ? throw new InvalidOperationException("This lease holds no message.") : new ReadOnlySpan<byte>(_payload, Length);

    /// <summary>Done with the message: its space may be reused.</summary>
    public void Release()
    {
        if (_reader is null)
        {
            throw new InvalidOperationException("This lease holds no message.");
        }

        _reader.Release(_payload - ChannelLayout.RecordHeaderSize, _position, Length);
    }
}
