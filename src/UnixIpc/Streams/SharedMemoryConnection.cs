using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

/// <summary>
/// A full-duplex byte stream between two processes over shared memory: one ring per direction (the channel's rings,
/// so waits spin then sleep on a futex and a full ring makes the writer wait). Closing one side is end of stream on
/// the other; a side that dies is a connection reset on the other at once (the setup socket hangs up). Made by
/// <see cref="ConnectAsync"/> and <see cref="SharedMemoryListener.AcceptAsync"/>. One reader and one writer may
/// work at the same time; <see cref="Stream.Dispose()"/> may come from any thread, and waits for both to leave.
/// </summary>
/// <remarks>A little over our ~500-line mark: the Stream overrides, the duplex-pipe view and the shutdown/dispose
/// hand-shake share one set of fields and one state machine; split into partial files they would hide it.</remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "A connection first (its peer, its listener); that it is read and written as a Stream is how, not what.")]
public sealed class SharedMemoryConnection : Stream
{
    private readonly SharedMemoryChannel _inbound;
    private readonly SharedMemoryChannel _outbound;
    private readonly SharedMemoryChannelReader _reader;
    private readonly SharedMemoryChannelWriter _writer;
    private readonly Socket _control; // kept open: a "bye" on it is the peer's close, its hang-up the peer's death
    private readonly CancellationTokenSource _peerGone = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _stopWaiting; // either of the two above
    private byte[]? _pending; // the rest of a message larger than the caller's buffer (rented)
    private int _pendingOffset;
    private int _pendingLength;
    private bool _endOfStream;
    private volatile bool _peerClosed; // said bye: an empty ring then is the end of the stream, not a reset
    private bool _shutDown;
    private int _disposed;
    private int _operations; // reads and writes under way: Dispose waits for them before unmapping

    internal SharedMemoryConnection(string name, SharedMemoryChannel inbound, SharedMemoryChannel outbound, Socket control, PeerCredentials peer)
    {
        Name = name;
        Peer = peer;
        _inbound = inbound;
        _outbound = outbound;
        _control = control;
        _control.Blocking = false; // only the watcher reads it, after readiness
        _reader = inbound.CreateReader();
        _writer = outbound.CreateWriter();
        MaxChunk = outbound.MaxMessageSize;
        _stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(_peerGone.Token, _closing.Token);
        _ = WatchPeerAsync();
    }

    /// <summary>The listener's name.</summary>
    public string Name { get; }

    /// <summary>The other process: pid, uid and gid as the kernel recorded them at connect (SO_PEERCRED on the setup socket).</summary>
    public PeerCredentials Peer { get; }

    private int MaxChunk { get; }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc/>
    public override bool CanRead => !IsDisposed;

    /// <inheritdoc/>
    public override bool CanWrite => !IsDisposed && !_shutDown;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// Connects to the listener <paramref name="name"/>: asks for rings of <see cref="SharedMemoryConnectionOptions.Capacity"/>
    /// bytes (the listener may grant less) and receives them.
    /// </summary>
    /// <exception cref="UnixIpcException">ECONNREFUSED: no listener of that name, or it refused; ECONNRESET: it went away during the handshake; ETIMEDOUT.</exception>
    /// <exception cref="InvalidDataException">What the listener sent is not a pair of sealed rings.</exception>
    public static async Task<SharedMemoryConnection> ConnectAsync(string name, SharedMemoryConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        name = PosixName.Normalize(name, 200);
        options ??= new SharedMemoryConnectionOptions();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.HandshakeTimeout);
        Socket? control = null;
        SafeFileHandle[] rings = [];
        SharedMemoryChannel? outbound = null, inbound = null;
        try
        {
            try
            {
                control = await UnixSocket.ConnectAsync(SharedMemoryStreamProtocol.ControlAddress(name), SocketType.Seqpacket, deadline.Token).ConfigureAwait(false);
            }
            catch (UnixIpcException e) when (e.Error == Errno.ECONNREFUSED)
            {
                throw new UnixIpcException(Errno.ECONNREFUSED, "connect", name, null, $"No shared-memory listener {name} is running (SharedMemoryListener.Start or `unixipc stream listen {name}`).");
            }

            await control.SendAsync(Encoding.ASCII.GetBytes(SharedMemoryStreamProtocol.Hello(options.Capacity)), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            var reply = new byte[128];
            (int length, rings) = await control.ReceiveWithDescriptorsAsync(reply, 2, deadline.Token).ConfigureAwait(false);
            string answer = Encoding.ASCII.GetString(reply, 0, length);
            if (!answer.StartsWith("ok ", StringComparison.Ordinal))
            {
                throw new UnixIpcException(length == 0 ? Errno.ECONNRESET : Errno.ECONNREFUSED, "connect", name, null,
                    length == 0 ? "The listener closed the connection during the handshake." : "The listener refused: " + answer);
            }

            if (rings.Length != 2)
            {
                throw new InvalidDataException($"{name}: the listener answered without the two rings.");
            }

            var open = new SharedMemoryChannelOpenOptions { ReadyTimeout = TimeSpan.Zero, WaitStrategy = options.WaitStrategy };
            outbound = SharedMemoryChannel.OpenAnonymous(PosixSharedMemory.FromSealed(rings[0], SharedMemoryStreamProtocol.RingLabel(name, "up")), open);
            inbound = SharedMemoryChannel.OpenAnonymous(PosixSharedMemory.FromSealed(rings[1], SharedMemoryStreamProtocol.RingLabel(name, "down")), open);
            if (outbound.Delivery != ChannelDelivery.Queue || inbound.Delivery != ChannelDelivery.Queue)
            {
                throw new InvalidDataException($"{name}: the rings the listener sent are not queue channels.");
            }

            var connection = new SharedMemoryConnection(name, inbound, outbound, control, control.GetPeerCredentials());
            control = null;
            inbound = outbound = null;
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnixIpcException(Errno.ETIMEDOUT, "connect", name, null, $"The listener did not complete the handshake within {options.HandshakeTimeout.TotalSeconds:0.#} s.");
        }
        catch (SocketException e)
        {
            throw UnixSocket.ToUnixIpcException(e, "connect", name);
        }
        catch (UnixIpcException e) when (e.Error == Errno.ECONNRESET && e.Hint is null)
        {
            throw new UnixIpcException(Errno.ECONNRESET, "connect", name, null, "The listener closed the connection during the handshake (it may be busy: too many connections waiting to be accepted).");
        }
        finally
        {
            foreach (SafeFileHandle ring in rings)
            {
                ring.Dispose(); // no-op for those taken over
            }

            inbound?.Dispose();
            outbound?.Dispose();
            control?.Dispose();
        }
    }

    /// <summary>This connection as a System.IO.Pipelines duplex pipe (for Kestrel and other pipe-based protocols).</summary>
    public IDuplexPipe AsDuplexPipe() => new DuplexPipe(PipeReader.Create(this, new StreamPipeReaderOptions(leaveOpen: true)), PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true)));

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads what has arrived, waiting for at least one byte; 0 at end of stream (the peer closed or shut down its side).</summary>
    /// <exception cref="UnixIpcException">ECONNRESET: the peer went away without closing.</exception>
    public override int Read(Span<byte> buffer)
    {
        Enter();
        try
        {
            while (true)
            {
                if (TryReadNow(buffer) is int read)
                {
                    return read;
                }

                try
                {
                    _reader.WaitToRead(Timeout.InfiniteTimeSpan, _stopWaiting.Token);
                }
                catch (OperationCanceledException)
                {
                    ThrowIfClosing(); // else the peer is gone: read what it left, then the end or a reset
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc cref="Read(Span{byte})"/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TryReadNow(buffer.Span) is int read)
                {
                    return read;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopWaiting.Token);
                try
                {
                    await _reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    ThrowIfClosing();
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    // What can be read without waiting: bytes (or 0 at end of stream), or null when the ring is empty. An empty ring
    // after the peer has gone is the end if it said bye, else a reset.
    private int? TryReadNow(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_pendingLength > 0)
        {
            int n = Math.Min(buffer.Length, _pendingLength);
            _pending.AsSpan(_pendingOffset, n).CopyTo(buffer);
            _pendingOffset += n;
            _pendingLength -= n;
            if (_pendingLength == 0)
            {
                ArrayPool<byte>.Shared.Return(_pending!);
                _pending = null;
            }

            return n;
        }

        if (_endOfStream)
        {
            return 0;
        }

        bool gone = _peerGone.IsCancellationRequested; // before the read: a message written before the end is still read
        if (_reader.TryRead(out ReadLease lease))
        {
            // In place: what fits goes straight to the caller, only the rest through a rented buffer (one copy).
            ReadOnlySpan<byte> message = lease.Span;
            int n = Math.Min(buffer.Length, message.Length);
            message[..n].CopyTo(buffer);
            if (n < message.Length)
            {
                _pending = ArrayPool<byte>.Shared.Rent(message.Length - n);
                message[n..].CopyTo(_pending);
                _pendingOffset = 0;
                _pendingLength = message.Length - n;
            }

            _endOfStream = message.Length == 0;
            lease.Release();
            return n;
        }

        if (!gone)
        {
            return null;
        }

        if (_peerClosed)
        {
            _endOfStream = true; // it said bye: its end of stream may simply not have fitted the ring
            return 0;
        }

        throw Reset("read");
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Writes all of <paramref name="buffer"/>, waiting for room in the ring as needed.</summary>
    /// <exception cref="UnixIpcException">EPIPE: the peer has closed or died.</exception>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Enter();
        try
        {
            CheckWritable();
            while (!buffer.IsEmpty)
            {
                ReadOnlySpan<byte> chunk = buffer[..Math.Min(buffer.Length, MaxChunk)];
                try
                {
                    _writer.Write(chunk, _stopWaiting.Token);
                }
                catch (OperationCanceledException)
                {
                    ThrowIfClosing();
                    throw Reset("write");
                }

                buffer = buffer[chunk.Length..];
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc cref="Write(ReadOnlySpan{byte})"/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            CheckWritable();
            while (!buffer.IsEmpty)
            {
                ReadOnlyMemory<byte> chunk = buffer[..Math.Min(buffer.Length, MaxChunk)];
                if (!_writer.TryWrite(chunk.Span))
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopWaiting.Token);
                    try
                    {
                        await _writer.WriteAsync(chunk, wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        ThrowIfClosing();
                        throw Reset("write");
                    }
                }

                buffer = buffer[chunk.Length..];
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Ends this side's writing: the peer reads end of stream after what was written; reading goes on.</summary>
    public void ShutdownWrite(CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            CheckWritable();
            _shutDown = true;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopWaiting.Token);
            try
            {
                _writer.Write([], wait.Token); // an empty message is end of stream
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                ThrowIfClosing();
                throw Reset("shutdown");
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        // Every write is visible to the peer when it returns.
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// Closes: the peer reads what was written, then end of stream (an end-of-stream mark if the ring has room, and a
    /// "bye" on the setup socket either way). Never waits for the peer; waits for a read or write under way on another
    /// thread to leave (their waits are cancelled) before the rings are unmapped.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (!_shutDown && !_peerGone.IsCancellationRequested)
            {
                _writer.TryWrite([]);
            }

            SayBye();
            _closing.Cancel();
            var spin = new SpinWait();
            while (Volatile.Read(ref _operations) != 0)
            {
                spin.SpinOnce(); // a read or write leaving: its wait was just cancelled
            }

            EpollReactor.Shared.Forget((int)_control.SafeHandle.DangerousGetHandle());
            _control.Dispose();
            _reader.Dispose();
            _writer.Dispose();
            _inbound.Dispose();
            _outbound.Dispose();
            _stopWaiting.Dispose();
            if (_pending is not null)
            {
                ArrayPool<byte>.Shared.Return(_pending);
                _pending = null;
            }
        }

        base.Dispose(disposing);
    }

    private void SayBye()
    {
        try
        {
            _control.Send([SharedMemoryStreamProtocol.Bye]);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the peer is gone; nothing to tell
        }
    }

    private void Enter()
    {
        Interlocked.Increment(ref _operations);
        if (IsDisposed)
        {
            Interlocked.Decrement(ref _operations);
            throw new ObjectDisposedException(nameof(SharedMemoryConnection));
        }
    }

    private void Exit() => Interlocked.Decrement(ref _operations);

    private void ThrowIfClosing() => ObjectDisposedException.ThrowIf(_closing.IsCancellationRequested, this);

    // A write to a peer known to be gone fails at once (as a socket's does), instead of filling a ring nobody reads.
    private void CheckWritable()
    {
        if (_shutDown)
        {
            throw new InvalidOperationException("This side was shut down for writing (ShutdownWrite).");
        }

        if (_peerGone.IsCancellationRequested)
        {
            throw Reset("write");
        }
    }

    private UnixIpcException Reset(string operation) => operation == "read"
        ? new(Errno.ECONNRESET, operation, Name, null, $"The peer (pid {Peer.ProcessId}) went away without closing the connection.")
        : new(Errno.EPIPE, operation, Name, null, $"The peer (pid {Peer.ProcessId}) has closed the connection, or died.");

    // The setup socket carries one thing after the handshake: the peer's "bye". Readable without it is a hang-up: death.
    private async Task WatchPeerAsync()
    {
        try
        {
            var bye = new byte[1];
            while (true)
            {
                await EpollReactor.Shared.WaitAsync((int)_control.SafeHandle.DangerousGetHandle(), Readiness.Read, _closing.Token).ConfigureAwait(false);
                int received;
                try
                {
                    received = _control.Receive(bye);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    continue; // a spurious wake-up
                }
                catch (SocketException)
                {
                    received = 0; // reset: it died
                }

                _peerClosed = received == 1 && bye[0] == SharedMemoryStreamProtocol.Bye;
                break;
            }

            await _peerGone.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // this side closed first
        }
    }
}
