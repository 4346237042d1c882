using System.Net.Sockets;

namespace UnixIpc;

/// <summary>How a <see cref="UnixSocketServer"/> listens and whom it serves.</summary>
public sealed class UnixSocketServerOptions
{
    /// <summary><see cref="SocketType.Stream"/> (the default) or <see cref="SocketType.Seqpacket"/> (message boundaries kept).</summary>
    public SocketType SocketType { get; init; } = SocketType.Stream;

    /// <summary>
    /// The most clients served at once (default 64). At the limit the server stops accepting: further clients wait in
    /// the kernel's backlog (their connect completes or waits there) until a running client ends.
    /// </summary>
    public int MaxConcurrentClients { get; init; } = 64;

    /// <summary>The listen backlog (default 16).</summary>
    public int Backlog { get; init; } = 16;

    /// <summary>
    /// When set, only clients whose effective uid (SO_PEERCRED, vouched for by the kernel) is in this set are served;
    /// any other is disconnected before the handler runs, and counted in <see cref="UnixSocketServer.RefusedClients"/>.
    /// </summary>
    public IReadOnlySet<int>? AllowedUserIds { get; init; }

    /// <summary>
    /// Called when a client's handler throws (anything but the cancellation of a stop). The server goes on serving the
    /// others either way; without a callback the failure is dropped.
    /// </summary>
    public Action<PeerCredentials, Exception>? ClientFailed { get; init; }
}
