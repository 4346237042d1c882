using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace UnixIpc;

/// <summary>
/// Accepts shared-memory connections (<see cref="SharedMemoryConnection"/>) under a name, like every POSIX object
/// ("/api"). The listener makes each connection's two rings itself, in anonymous memory sealed against resizing, and
/// hands them to the client over the setup socket: nothing is ever named in /dev/shm, and no client can make this
/// process open, remove or fault on memory it does not control. Handshakes run beside each other and are bounded in
/// time and number, so no client holds up the others.
/// </summary>
public sealed class SharedMemoryListener : IDisposable
{
    private readonly Socket _socket;
    private readonly SharedMemoryListenerOptions _options;
    private readonly Channel<SharedMemoryConnection> _accepted;
    private readonly CancellationTokenSource _stopping = new();
    private int _handshaking;
    private long _refused;

    private SharedMemoryListener(string name, Socket socket, SharedMemoryListenerOptions options)
    {
        Name = name;
        _socket = socket;
        _options = options;
        _accepted = Channel.CreateBounded<SharedMemoryConnection>(new BoundedChannelOptions(options.MaxPendingConnections) { FullMode = BoundedChannelFullMode.Wait });
        _ = AcceptLoopAsync();
    }

    /// <summary>The listener's name.</summary>
    public string Name { get; }

    /// <summary>Clients turned away: a malformed or late hello, too many waiting, or the rings could not be made.</summary>
    public long RefusedClients => Interlocked.Read(ref _refused);

    /// <summary>Starts listening under <paramref name="name"/> (a POSIX-style name, "/api").</summary>
    /// <exception cref="UnixIpcException">EADDRINUSE: a listener of that name is running.</exception>
    public static SharedMemoryListener Start(string name, SharedMemoryListenerOptions? options = null)
    {
        name = PosixName.Normalize(name, 200);
        options ??= new SharedMemoryListenerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPendingConnections, 1, "options.MaxPendingConnections");
        try
        {
            return new SharedMemoryListener(name, UnixSocket.Listen(SharedMemoryStreamProtocol.ControlAddress(name), SocketType.Seqpacket, backlog: options.MaxPendingConnections), options);
        }
        catch (UnixIpcException e) when (e.Error == Errno.EADDRINUSE)
        {
            throw new UnixIpcException(Errno.EADDRINUSE, "listen", name, null, $"A shared-memory listener {name} is already running: stop it, or use another name.");
        }
    }

    /// <summary>The next connection whose handshake succeeded.</summary>
    /// <exception cref="ObjectDisposedException">The listener was disposed.</exception>
    public async Task<SharedMemoryConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(SharedMemoryListener));
        }
    }

    /// <summary>Stops listening; connections already accepted go on, those not yet taken are closed.</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _socket.Dispose();
        _accepted.Writer.TryComplete();
        while (_accepted.Reader.TryRead(out SharedMemoryConnection? unclaimed))
        {
            unclaimed.Dispose();
        }
    }

    private async Task AcceptLoopAsync()
    {
        int backoff = 10;
        while (!_stopping.IsCancellationRequested)
        {
            Socket control;
            try
            {
                control = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                backoff = 10;
            }
            catch (SocketException e) when (!_stopping.IsCancellationRequested && e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable or SocketError.ConnectionAborted)
            {
                // Out of descriptors or memory for a moment: wait and go on, as Kestrel does (ending would stop serving).
                await Task.Delay(backoff, CancellationToken.None).ConfigureAwait(false);
                backoff = Math.Min(backoff * 2, 1000);
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }

            if (Interlocked.Increment(ref _handshaking) > _options.MaxPendingConnections)
            {
                Interlocked.Decrement(ref _handshaking);
                Refuse(control, "busy");
                continue;
            }

            _ = Task.Run(() => HandshakeAsync(control)); // never on the accept loop: a slow client holds up no one
        }

        _accepted.Writer.TryComplete();
    }

    private async Task HandshakeAsync(Socket control)
    {
        SharedMemoryChannel? inbound = null, outbound = null;
        try
        {
            PeerCredentials peer = control.GetPeerCredentials();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(_options.HandshakeTimeout);
            var hello = new byte[64];
            int length = await control.ReceiveAsync(hello, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            if (SharedMemoryStreamProtocol.ParseHello(Encoding.ASCII.GetString(hello, 0, length)) is not long asked || !SharedMemoryStreamProtocol.IsRingCapacity(asked))
            {
                Refuse(control, "malformed hello");
                return;
            }

            long capacity = Math.Min(asked, _options.MaxCapacity);
            var rings = new SharedMemoryChannelOptions { Capacity = capacity, WaitStrategy = _options.WaitStrategy };
            inbound = SharedMemoryChannel.CreateAnonymous(SharedMemoryStreamProtocol.RingLabel(Name, "up"), rings);
            outbound = SharedMemoryChannel.CreateAnonymous(SharedMemoryStreamProtocol.RingLabel(Name, "down"), rings);
            await control.SendWithDescriptorsAsync(Encoding.ASCII.GetBytes(SharedMemoryStreamProtocol.Ok(capacity)), [inbound.ObjectHandle, outbound.ObjectHandle], deadline.Token).ConfigureAwait(false);

            // Handed over: from here the connection owns the rings and the socket.
            var connection = new SharedMemoryConnection(Name, inbound, outbound, control, peer);
            inbound = outbound = null;
            control = null!;
            if (!_accepted.Writer.TryWrite(connection))
            {
                Interlocked.Increment(ref _refused); // nobody takes connections fast enough: closed, the client sees it
                connection.Dispose();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or UnixIpcException or ObjectDisposedException)
        {
            if (control is not null)
            {
                Refuse(control, e is OperationCanceledException ? "too slow" : "setup failed");
            }
        }
        finally
        {
            inbound?.Dispose();
            outbound?.Dispose();
            Interlocked.Decrement(ref _handshaking);
        }
    }

    private void Refuse(Socket control, string reason)
    {
        Interlocked.Increment(ref _refused);
        try
        {
            control.Blocking = false; // a refusal is a courtesy: never wait for room to send it
            if (control.Available > 0)
            {
                control.Receive(new byte[128]); // a hello left unread would turn our close into a reset for the client
            }

            control.Send(Encoding.ASCII.GetBytes("no: " + reason));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // gone already
        }
        finally
        {
            control.Dispose();
        }
    }
}
