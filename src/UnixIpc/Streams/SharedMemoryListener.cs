using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace UnixIpc;

/// <summary>
/// Accepts shared-memory connections (<see cref="SharedMemoryConnection"/>) under a name, like every POSIX object
/// ("/api"). Handshakes run beside each other, so a client that connects and says nothing holds up no one. Each
/// accepted connection knows its client's pid, uid and gid from the kernel, and the uid is also the owner of the
/// rings the client made: never a value the client merely wrote.
/// </summary>
public sealed class SharedMemoryListener : IDisposable
{
    private readonly Socket _socket;
    private readonly Channel<SharedMemoryConnection> _accepted = Channel.CreateUnbounded<SharedMemoryConnection>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeSpan _handshakeTimeout;
    private long _refused;

    private SharedMemoryListener(string name, Socket socket, TimeSpan handshakeTimeout)
    {
        Name = name;
        _socket = socket;
        _handshakeTimeout = handshakeTimeout;
        _ = AcceptLoopAsync();
    }

    /// <summary>The listener's name.</summary>
    public string Name { get; }

    /// <summary>Clients whose handshake failed (rings not theirs, malformed, too slow) and were turned away.</summary>
    public long RefusedClients => Interlocked.Read(ref _refused);

    /// <summary>Starts listening under <paramref name="name"/> (a POSIX-style name, "/api").</summary>
    /// <exception cref="UnixIpcException">EADDRINUSE: a listener of that name is running.</exception>
    public static SharedMemoryListener Start(string name, TimeSpan? handshakeTimeout = null)
    {
        name = PosixName.Normalize(name, 200);
        try
        {
            return new SharedMemoryListener(name, UnixSocket.Listen(SharedMemoryStreamNames.ControlAddress(name), SocketType.Seqpacket, backlog: 64), handshakeTimeout ?? TimeSpan.FromSeconds(10));
        }
        catch (UnixIpcException e) when (e.Error == Errno.EADDRINUSE)
        {
            throw new UnixIpcException(Errno.EADDRINUSE, "listen", name, null, $"A shared-memory listener {name} is already running: stop it, or use another name.");
        }
    }

    /// <summary>The next connection whose handshake succeeded.</summary>
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
        try
        {
            while (true)
            {
                Socket control = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                _ = HandshakeAsync(control);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            _accepted.Writer.TryComplete();
        }
    }

    // The client sends "UP\nDOWN", the names of the two rings it made; both must carry its pid and be owned by its
    // uid (so a client cannot make this process open or remove someone else's object). They are opened, removed from
    // /dev/shm (mapped on both sides, nothing is left behind whatever happens next), and the answer is "ok".
    private async Task HandshakeAsync(Socket control)
    {
        SharedMemoryChannel? up = null, down = null;
        string[] names = [];
        try
        {
            PeerCredentials peer = control.GetPeerCredentials();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(_handshakeTimeout);
            var request = new byte[512];
            int length = await control.ReceiveAsync(request, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            names = Encoding.ASCII.GetString(request, 0, length).Split('\n');
            if (names.Length != 2 || !SharedMemoryStreamNames.IsRingOf(names[0], peer.ProcessId, "up") || !SharedMemoryStreamNames.IsRingOf(names[1], peer.ProcessId, "down"))
            {
                names = [];
                throw new InvalidDataException("malformed request");
            }

            var open = new SharedMemoryChannelOpenOptions { ReadyTimeout = TimeSpan.FromSeconds(1) };
            up = SharedMemoryChannel.OpenExisting(names[0], open);
            down = SharedMemoryChannel.OpenExisting(names[1], open);
            if (up.ObjectStatus().OwnerUserId != peer.UserId || down.ObjectStatus().OwnerUserId != peer.UserId || up.Delivery != ChannelDelivery.Queue || down.Delivery != ChannelDelivery.Queue)
            {
                throw new InvalidDataException("the rings are not the client's own queue channels");
            }

            SharedMemoryChannel.TryUnlink(names[0]);
            SharedMemoryChannel.TryUnlink(names[1]);
            names = [];
            var connection = new SharedMemoryConnection(Name, up, down, control, peer);
            up = down = null;
            await control.SendAsync("ok"u8.ToArray(), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            if (!_accepted.Writer.TryWrite(connection))
            {
                connection.Dispose();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or UnixIpcException or InvalidDataException or ArgumentException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _refused);
            TryRefuse(control, e is InvalidDataException ? e.Message : e.GetType().Name);
            foreach (string ring in names)
            {
                SharedMemoryChannel.TryUnlink(ring); // the client's own, checked above
            }

            up?.Dispose();
            down?.Dispose();
            control.Dispose();
        }
    }

    private static void TryRefuse(Socket control, string reason)
    {
        try
        {
            control.Blocking = false; // a refusal is a courtesy: never wait for room to send it
            control.Send(Encoding.UTF8.GetBytes("no: " + reason));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // gone already
        }
    }
}
