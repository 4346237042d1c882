using System.Net.Sockets;
using System.Text;

namespace UnixIpc;

/// <summary>
/// Listening and connecting by Unix socket address: a path, or <c>@name</c> in the Linux abstract namespace (no file,
/// gone with the last socket). A listener replaces a stale socket file (one nothing listens on) but never a live
/// socket or a file that is not a socket; its file gets mode 0600.
/// </summary>
public static class UnixSocket
{
    /// <summary>The longest address: sun_path is 108 bytes including its terminating NUL.</summary>
    public const int MaxAddressBytes = 107;

    /// <summary>The endpoint for <paramref name="address"/> (a path, or @name), its length checked instead of cut off.</summary>
    /// <exception cref="ArgumentException">Empty, or longer than <see cref="MaxAddressBytes"/> bytes.</exception>
    public static UnixDomainSocketEndPoint EndPoint(string address)
    {
        RequiredText.ThrowIfEmpty(address, "the socket address");
        if (address == "@" || address.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A Unix socket address is a path, or @name for the abstract namespace (no NUL characters).", nameof(address));
        }

        string raw = address[0] == '@' ? "\0" + address[1..] : address;
        int length = Encoding.UTF8.GetByteCount(raw);
        return length > MaxAddressBytes
            ? throw new ArgumentException($"The address is {length} bytes; a Unix socket address holds at most {MaxAddressBytes} (sun_path is 108 bytes with its NUL). Use a shorter path, or an @abstract name.", nameof(address))
            : new UnixDomainSocketEndPoint(raw);
    }

    /// <summary>Binds and listens on <paramref name="address"/> (close-on-exec, as .NET's sockets are).</summary>
    /// <exception cref="UnixIpcException">EADDRINUSE when a process listens there; ENOENT for a missing directory; EACCES.</exception>
    /// <exception cref="InvalidDataException">Something that is not a socket is at the path (never removed).</exception>
    public static Socket Listen(string address, SocketType type = SocketType.Stream, int backlog = 16)
    {
        UnixDomainSocketEndPoint endPoint = EndPoint(address);
        bool isPath = address[0] != '@';
        RemoveStaleSocketFile(address);
        var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            socket.Bind(endPoint);
            if (isPath)
            {
                File.SetUnixFileMode(address, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            socket.Listen(backlog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw Failure(e, "bind", address);
        }
    }

    /// <summary>
    /// Makes <paramref name="address"/> free to bind, as <see cref="Listen"/> does first: removes a stale socket file
    /// (its socket is gone), refuses a live one, never touches anything that is not a socket. For servers that bind
    /// themselves (Kestrel's <c>ListenUnixSocket</c>). An abstract name has no file: nothing to do.
    /// </summary>
    /// <returns>Whether a stale file was removed.</returns>
    /// <exception cref="UnixIpcException">EADDRINUSE when a process listens there; EACCES when the stale file may not be removed.</exception>
    /// <exception cref="InvalidDataException">Something that is not a socket is at the path (never removed).</exception>
    public static unsafe bool RemoveStaleSocketFile(string address)
    {
        EndPoint(address); // the address rules first
        Interop.statx st;
        if (address[0] == '@' || Interop.StatxPathNoFollow(address, &st) != 0)
        {
            return false;
        }

        if ((st.stx_mode & Interop.S_IFMT) != Interop.S_IFSOCK)
        {
            throw new InvalidDataException($"{address} exists and is not a socket (a symbolic link is not one either): not replacing it. Choose another path.");
        }

        // Live or stale, judged from the kernel's table of Unix sockets (/proc/net/unix) by path, without
        // connecting: a probe connection would be taken by a live listener as a client.
        if (IsBound(address))
        {
            throw new UnixIpcException(Errno.EADDRINUSE, "bind", address, $"\"{address}\"", $"A socket is bound at {address} (a process listens there): stop it, or use another address.");
        }

        try
        {
            File.Delete(address); // stale: its socket is gone, its file stayed
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnixIpcException(Errno.EACCES, "unlink", address, $"\"{address}\"", $"A stale socket file is at {address}, and this user may not remove it.");
        }
    }

    /// <summary>
    /// Connects to <paramref name="address"/>, waiting (cancellably, without holding a thread) while the listener's
    /// backlog is full. The socket is left in blocking mode, so later blocking Send/Receive calls go straight to the
    /// kernel (.NET's own ConnectAsync leaves the descriptor non-blocking for good, and every blocking receive after it
    /// costs a wake-up of the runtime's event thread).
    /// </summary>
    /// <exception cref="UnixIpcException">ENOENT (no socket file), ECONNREFUSED (nobody listens), EPROTOTYPE (another socket type).</exception>
    public static async Task<Socket> ConnectAsync(string address, SocketType type = SocketType.Stream, CancellationToken cancellationToken = default)
    {
        UnixDomainSocketEndPoint endPoint = EndPoint(address);
        int pause = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryConnectNow(endPoint, type, address) is Socket socket)
            {
                return socket;
            }

            // The listener's backlog is full. The kernel offers nothing to wait on from outside (a blocking connect
            // cannot be cancelled, not even by closing the socket), so try again after a pause that grows to 20 ms:
            // no thread is held, and a cancellation or deadline is honoured.
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = Math.Min(pause * 2, 20);
        }
    }

    // A connect that does not wait: a Unix connect completes at once, or waits for room in a full backlog, for at most
    // SO_SNDTIMEO (1 ms here) before EAGAIN (null). The descriptor itself stays blocking throughout: a socket put in
    // non-blocking mode once is emulated as blocking by .NET for good, and every later receive pays for it (measured).
    // .NET refuses a second connect on a socket whose first failed, hence a new socket per attempt.
    private static Socket? TryConnectNow(UnixDomainSocketEndPoint endPoint, SocketType type, string address)
    {
        var socket = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified) { SendTimeout = 1 };
        try
        {
            socket.Connect(endPoint);
            socket.SendTimeout = 0; // sends wait for room for as long as it takes, as a caller expects
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            socket.Dispose();
            return null;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw Failure(e, "connect", address);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Accepts the next client whose effective uid (SO_PEERCRED, as of its connect) is in <paramref name="allowedUserIds"/>;
    /// any other client is disconnected at once and the wait goes on. The access check for a local server: the kernel
    /// vouches for the uid, the client cannot claim another.
    /// </summary>
    public static async Task<Socket> AcceptFromAsync(this Socket listener, IReadOnlySet<int> allowedUserIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(allowedUserIds);
        while (true)
        {
            Socket client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            if (allowedUserIds.Contains(client.GetPeerCredentials().UserId))
            {
                return client;
            }

            client.Dispose(); // refused: the client reads end of stream
        }
    }

    /// <summary>Removes the socket file of a path address, if it is a socket (an abstract name has none).</summary>
    public static unsafe void RemoveSocketFile(string address)
    {
        RequiredText.ThrowIfEmpty(address, "the socket address");
        Interop.statx st;
        if (address[0] != '@' && Interop.StatxPathNoFollow(address, &st) == 0 && (st.stx_mode & Interop.S_IFMT) == Interop.S_IFSOCK)
        {
            File.Delete(address);
        }
    }

    // Whether a socket bound to this path is in the kernel's table (/proc/net/unix, as it was bound: absolute or
    // relative; a name may hold spaces and newlines): a live socket is listed, a stale file's socket is gone.
    // A relative name was bound relative to *its* process's directory, which we cannot know: any relative name that
    // could be this path (it ends our full path) counts as bound — refusing a stale file by mistake costs a retry,
    // deleting a live socket's file cuts its server off. Unreadable: counts as bound too.
    private static bool IsBound(string address)
    {
        string full = Path.GetFullPath(address);
        try
        {
            return UnixSocketTable.Read().Any(r => r.Name.Length > 0 && r.Name[0] != '@'
                && (r.Name == address || r.Name == full || (r.Name[0] != '/' && (full.EndsWith("/" + r.Name.TrimStart('.', '/'), StringComparison.Ordinal) || Path.GetFullPath(r.Name) == full))));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>The errno behind a <see cref="SocketException"/> on a Unix socket (.NET folds ENOENT into AddressNotAvailable).</summary>
    public static UnixIpcException ToUnixIpcException(SocketException exception, string operation, string address)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Failure(exception, operation, address);
    }

    private static UnixIpcException Failure(SocketException e, string operation, string address)
    {
        // .NET folds errno into SocketError, and on Unix ENOENT comes back as AddressNotAvailable: map back.
        Errno error = e.SocketErrorCode switch
        {
            SocketError.AddressNotAvailable => Errno.ENOENT,
            SocketError.ConnectionRefused => Errno.ECONNREFUSED,
            SocketError.ProtocolType => Errno.EPROTOTYPE,
            SocketError.AddressAlreadyInUse => Errno.EADDRINUSE,
            SocketError.AccessDenied => Errno.EACCES,
            SocketError.Shutdown => Errno.EPIPE,
            SocketError.ConnectionReset => Errno.ECONNRESET,
            SocketError.MessageSize => Errno.EMSGSIZE,
            SocketError.WouldBlock => Errno.EAGAIN,
            _ when Enum.IsDefined((Errno)e.NativeErrorCode) => (Errno)e.NativeErrorCode,
            _ => Errno.EIO,
        };
        return new UnixIpcException(error, operation, address, $"\"{address}\"", error switch
        {
            Errno.ENOENT => operation == "bind" ? $"The directory of {address} does not exist." : $"Nothing is listening at {address} (no such socket file).",
            Errno.ECONNREFUSED => address.StartsWith('@')
                ? $"No process listens on the abstract address {address} (nothing has bound it, or its listener has closed)."
                : $"{address} exists, but no process listens on it (or it is not a socket).",
            Errno.EADDRINUSE => $"{address} is taken.",
            Errno.EPROTOTYPE => "The socket there is of another type (stream against seqpacket).",
            Errno.EACCES => $"This user may not use {address} or its directory.",
            _ => null,
        });
    }
}
