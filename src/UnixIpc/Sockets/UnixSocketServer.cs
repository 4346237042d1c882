using System.Collections.Concurrent;
using System.Net.Sockets;

namespace UnixIpc;

/// <summary>
/// A local server on a Unix socket: an accept loop, one task per client, a limit on clients served at once, refusal of
/// uids not allowed, and a graceful stop that waits for the clients being served. The handler gets the connected
/// socket (disposed for it when the handler returns) and the client's kernel-verified credentials.
/// </summary>
/// <example>An echo server:
/// <code>
/// await using var server = UnixSocketServer.Start("@echo", async (client, peer, stop) =>
/// {
///     var buffer = new byte[4096];
///     int read;
///     while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, stop)) > 0)
///         await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stop);
/// });
/// </code></example>
public sealed class UnixSocketServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, PeerCredentials, CancellationToken, Task> _handler;
    private readonly UnixSocketServerOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<Socket, byte> _clients = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ulong _inode; // of the socket file this server bound (0: abstract), so a stop removes only its own
    private int _active;
    private long _accepted;
    private long _refused;

    private UnixSocketServer(string address, Socket listener, Func<Socket, PeerCredentials, CancellationToken, Task> handler, UnixSocketServerOptions options, ulong inode)
    {
        Address = address;
        _listener = listener;
        _handler = handler;
        _options = options;
        _inode = inode;
        _slots = new SemaphoreSlim(options.MaxConcurrentClients, options.MaxConcurrentClients);
        Completion = AcceptLoopAsync();
    }

    /// <summary>The address listened on (a path, or @name).</summary>
    public string Address { get; }

    /// <summary>Clients being served now.</summary>
    public int ActiveClients => Volatile.Read(ref _active);

    /// <summary>Clients accepted and handed to the handler so far.</summary>
    public long AcceptedClients => Interlocked.Read(ref _accepted);

    /// <summary>Clients disconnected unserved because their uid is not in <see cref="UnixSocketServerOptions.AllowedUserIds"/>.</summary>
    public long RefusedClients => Interlocked.Read(ref _refused);

    /// <summary>The accept loop: completes when the server stops, faults if accepting fails for another reason.</summary>
    public Task Completion { get; }

    /// <summary>Binds <paramref name="address"/> (see <see cref="UnixSocket.Listen"/>: stale files replaced, mode 0600) and starts serving.</summary>
    /// <exception cref="UnixIpcException">EADDRINUSE when a process listens there; ENOENT for a missing directory; EACCES.</exception>
    public static unsafe UnixSocketServer Start(string address, Func<Socket, PeerCredentials, CancellationToken, Task> handler, UnixSocketServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        options ??= new UnixSocketServerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentClients, 1, "options.MaxConcurrentClients");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Backlog, 1, "options.Backlog");
        Socket listener = UnixSocket.Listen(address, options.SocketType, options.Backlog);
        Interop.statx st;
        ulong inode = address[0] != '@' && Interop.StatxPathNoFollow(address, &st) == 0 ? st.stx_ino : 0;
        return new UnixSocketServer(address, listener, handler, options, inode);
    }

    /// <summary>
    /// Stops: no client is accepted any more (the socket file is removed), the handlers' token is cancelled, and the
    /// call waits for every handler to return. Should <paramref name="cancellationToken"/> fire first, the clients
    /// still connected are closed under their handlers, and the wait goes on until they return.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            _listener.Dispose();
            RemoveOwnSocketFile();
        }

        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or UnixIpcException)
        {
            // an accept failure is Completion's to report; stopping still drains the clients
        }

        if (Volatile.Read(ref _active) == 0)
        {
            return;
        }

        try
        {
            await _drained.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (Socket client in _clients.Keys)
            {
                client.Dispose();
            }

            await _drained.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Stops, waiting for the clients being served (<see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _slots.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        await Task.Yield(); // Start returns at once; the loop runs on the pool
        CancellationToken stopping = _stopping.Token;
        try
        {
            while (true)
            {
                await _slots.WaitAsync(stopping).ConfigureAwait(false);
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync(stopping).ConfigureAwait(false);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                {
                    // The client gave up while queued, or descriptors or memory ran out for a moment: go on (ending
                    // the loop would stop serving for good).
                    _slots.Release();
                    if (e.SocketErrorCode != SocketError.ConnectionAborted)
                    {
                        await Task.Delay(50, stopping).ConfigureAwait(false);
                    }

                    continue;
                }
                catch
                {
                    _slots.Release();
                    throw;
                }

                PeerCredentials peer;
                try
                {
                    peer = client.GetPeerCredentials();
                }
                catch (UnixIpcException)
                {
                    client.Dispose(); // gone before we could ask who it was: nothing to serve
                    _slots.Release();
                    continue;
                }

                if (_options.AllowedUserIds is { } allowed && !allowed.Contains(peer.UserId))
                {
                    Interlocked.Increment(ref _refused);
                    client.Dispose(); // the client reads end of stream (or ECONNRESET if it had sent)
                    _slots.Release();
                    continue;
                }

                Interlocked.Increment(ref _accepted);
                Interlocked.Increment(ref _active);
                _clients[client] = 0;
                _ = ServeAsync(client, peer, stopping);
            }
        }
        catch (Exception e) when (stopping.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // stopped
        }
    }

    private async Task ServeAsync(Socket client, PeerCredentials peer, CancellationToken stopping)
    {
        try
        {
            await Task.Yield(); // the handler runs beside the accept loop, never in it
            await _handler(client, peer, stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (!(stopping.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException))
        {
            _options.ClientFailed?.Invoke(peer, e);
        }
        catch
        {
            // the stop cancelled or closed it
        }
        finally
        {
            _clients.TryRemove(client, out _);
            client.Dispose();
            _slots.Release();
            if (Interlocked.Decrement(ref _active) == 0 && stopping.IsCancellationRequested)
            {
                _drained.TrySetResult();
            }
        }
    }

    private unsafe void RemoveOwnSocketFile()
    {
        Interop.statx st;
        if (_inode != 0 && Interop.StatxPathNoFollow(Address, &st) == 0 && st.stx_ino == _inode && (st.stx_mode & Interop.S_IFMT) == Interop.S_IFSOCK)
        {
            File.Delete(Address);
        }
    }
}
