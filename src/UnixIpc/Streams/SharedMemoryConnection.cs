using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;

namespace UnixIpc;

/// <summary>
/// A full-duplex byte stream between two processes over shared memory: one ring per direction (the channel's rings,
/// so waits spin then sleep on a futex and a full ring makes the writer wait). Closing one side is end of stream on
/// the other; a side that dies is a connection reset on the other at once (the setup socket hangs up). Made by
/// <see cref="ConnectAsync"/> and <see cref="SharedMemoryListener.AcceptAsync"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710", Justification = "A connection first (its peer, its listener); that it is read and written as a Stream is how, not what.")]
public sealed class SharedMemoryConnection : Stream
{
    private readonly SharedMemoryChannel _inbound;
    private readonly SharedMemoryChannel _outbound;
    private readonly SharedMemoryChannelReader _reader;
    private readonly SharedMemoryChannelWriter _writer;
    private readonly Socket _control; // kept open: its hang-up is the peer's exit
    private readonly CancellationTokenSource _peerGone = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly byte[] _pending; // the rest of a message larger than the caller's buffer
    private int _pendingOffset;
    private int _pendingLength;
    private bool _endOfStream;
    private bool _shutDown;
    private bool _disposed;

    internal SharedMemoryConnection(string name, SharedMemoryChannel inbound, SharedMemoryChannel outbound, Socket control, PeerCredentials peer)
    {
        Name = name;
        Peer = peer;
        _inbound = inbound;
        _outbound = outbound;
        _control = control;
        _reader = inbound.CreateReader();
        _writer = outbound.CreateWriter();
        _pending = new byte[inbound.MaxMessageSize];
        MaxChunk = outbound.MaxMessageSize;
        _ = WatchPeerAsync();
    }

    /// <summary>The listener's name.</summary>
    public string Name { get; }

    /// <summary>The other process: pid, uid and gid as the kernel recorded them at connect (SO_PEERCRED on the setup socket).</summary>
    public PeerCredentials Peer { get; }

    private int MaxChunk { get; }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanWrite => !_disposed && !_shutDown;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Connects to the listener <paramref name="name"/>: creates this connection's two rings and hands them over.</summary>
    /// <exception cref="UnixIpcException">ECONNREFUSED: no listener of that name; ECONNRESET: it went away during the handshake; ETIMEDOUT.</exception>
    public static async Task<SharedMemoryConnection> ConnectAsync(string name, SharedMemoryConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        name = PosixName.Normalize(name, 200);
        options ??= new SharedMemoryConnectionOptions();
        Socket control;
        try
        {
            control = await UnixSocket.ConnectAsync(SharedMemoryStreamNames.ControlAddress(name), SocketType.Seqpacket, cancellationToken).ConfigureAwait(false);
        }
        catch (UnixIpcException e) when (e.Error == Errno.ECONNREFUSED)
        {
            throw new UnixIpcException(Errno.ECONNREFUSED, "connect", name, null, $"No shared-memory listener {name} is running (SharedMemoryListener.Start or `unixipc stream listen {name}`).");
        }

        string upName = SharedMemoryStreamNames.NewRing(Environment.ProcessId, "up");
        string downName = SharedMemoryStreamNames.NewRing(Environment.ProcessId, "down");
        SharedMemoryChannel? up = null, down = null;
        try
        {
            var ring = new SharedMemoryChannelOptions { Capacity = options.Capacity, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite, WaitStrategy = options.WaitStrategy };
            up = SharedMemoryChannel.CreateNew(upName, ring);
            down = SharedMemoryChannel.CreateNew(downName, ring);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.HandshakeTimeout);
            try
            {
                await control.SendAsync(Encoding.ASCII.GetBytes(upName + "\n" + downName), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                var reply = new byte[256];
                int length = await control.ReceiveAsync(reply, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                string answer = Encoding.UTF8.GetString(reply, 0, length);
                if (answer != "ok")
                {
                    throw new UnixIpcException(length == 0 ? Errno.ECONNRESET : Errno.ECONNREFUSED, "connect", name, null,
                        length == 0 ? "The listener closed the connection during the handshake." : "The listener refused: " + answer);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new UnixIpcException(Errno.ETIMEDOUT, "connect", name, null, $"The listener did not complete the handshake within {options.HandshakeTimeout.TotalSeconds:0.#} s.");
            }
            catch (SocketException e)
            {
                throw UnixSocket.ToUnixIpcException(e, "connect", name);
            }

            return new SharedMemoryConnection(name, down, up, control, control.GetPeerCredentials());
        }
        catch
        {
            // Not handed over: the names are still ours to remove (the listener removes them once it has opened them).
            SharedMemoryChannel.TryUnlink(upName);
            SharedMemoryChannel.TryUnlink(downName);
            up?.Dispose();
            down?.Dispose();
            control.Dispose();
            throw;
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            if (TryReadNow(buffer) is int read)
            {
                return read;
            }

            try
            {
                _reader.WaitToRead(Timeout.InfiniteTimeSpan, _peerGone.Token);
            }
            catch (OperationCanceledException)
            {
                // the peer is gone: read what it left, then report the reset
            }
        }
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc cref="Read(Span{byte})"/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryReadNow(buffer.Span) is int read)
            {
                return read;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _peerGone.Token);
            try
            {
                await _reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // the peer is gone: read what it left, then report the reset
            }
        }
    }

    // What can be read without waiting: bytes (or 0 at end of stream), or null when the ring is empty. An empty ring
    // after the peer has gone is a reset: it never said it was done.
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
            return n;
        }

        if (_endOfStream)
        {
            return 0;
        }

        bool gone = _peerGone.IsCancellationRequested; // before the read: a message written before death is still read
        if (_reader.TryRead(out ReadLease lease))
        {
            // In place: what fits goes straight to the caller, only the rest through _pending (one copy, not two).
            ReadOnlySpan<byte> message = lease.Span;
            int n = Math.Min(buffer.Length, message.Length);
            message[..n].CopyTo(buffer);
            message[n..].CopyTo(_pending);
            _pendingOffset = 0;
            _pendingLength = message.Length - n;
            _endOfStream = message.Length == 0;
            lease.Release();
            return n;
        }

        return gone ? throw Reset("read") : null;
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Writes all of <paramref name="buffer"/>, waiting for room in the ring as needed.</summary>
    /// <exception cref="UnixIpcException">EPIPE: the peer went away.</exception>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckWritable();
        while (!buffer.IsEmpty)
        {
            ReadOnlySpan<byte> chunk = buffer[..Math.Min(buffer.Length, MaxChunk)];
            try
            {
                _writer.Write(chunk, _peerGone.Token);
            }
            catch (OperationCanceledException)
            {
                throw Reset("write");
            }

            buffer = buffer[chunk.Length..];
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc cref="Write(ReadOnlySpan{byte})"/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        while (!buffer.IsEmpty)
        {
            ReadOnlyMemory<byte> chunk = buffer[..Math.Min(buffer.Length, MaxChunk)];
            if (!_writer.TryWrite(chunk.Span))
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _peerGone.Token);
                try
                {
                    await _writer.WriteAsync(chunk, wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Reset("write");
                }
            }

            buffer = buffer[chunk.Length..];
        }
    }

    /// <summary>Ends this side's writing: the peer reads end of stream after what was written; reading goes on.</summary>
    public void ShutdownWrite()
    {
        CheckWritable();
        _shutDown = true;
        try
        {
            _writer.Write([], _peerGone.Token); // an empty message is end of stream
        }
        catch (OperationCanceledException)
        {
            throw Reset("shutdown");
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

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (!_shutDown && !_peerGone.IsCancellationRequested)
            {
                _writer.TryWrite([], TimeSpan.FromSeconds(1)); // end of stream; if the ring stays full, our hang-up says it
            }

            _closing.Cancel();
            _control.Dispose();
            _reader.Dispose();
            _writer.Dispose();
            _inbound.Dispose();
            _outbound.Dispose();
            _peerGone.Dispose();
            _closing.Dispose();
        }

        base.Dispose(disposing);
    }

    // A write to a peer known to be gone fails at once (as a socket's does), instead of filling a ring nobody reads.
    private void CheckWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
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

    // The setup socket carries nothing after the handshake: readable means the peer closed it, or died.
    private async Task WatchPeerAsync()
    {
        try
        {
            await EpollReactor.Shared.WaitAsync((int)_control.SafeHandle.DangerousGetHandle(), Readiness.Read, _closing.Token).ConfigureAwait(false);
            await _peerGone.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // this side closed first
        }
    }
}
