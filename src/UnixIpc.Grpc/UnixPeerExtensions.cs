using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace UnixIpc.Grpc;

/// <summary>Who called: the calling process's pid, uid and gid, as the kernel recorded them when it connected.</summary>
public static class UnixPeerExtensions
{
    /// <summary>
    /// The caller's credentials when the call came over a Unix socket or a shared-memory connection (SO_PEERCRED:
    /// vouched for by the kernel, as of the caller's connect); null over TCP, where the kernel knows no such thing (use TLS client certificates or tokens).
    /// </summary>
    public static PeerCredentials? GetUnixPeer(this ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetHttpContext().GetUnixPeer();
    }

    /// <summary>As <see cref="GetUnixPeer(ServerCallContext)"/>, for any request Kestrel serves.</summary>
    public static PeerCredentials? GetUnixPeer(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Features.Get<IUnixPeerFeature>() is { } local)
        {
            return local.Peer; // a shared-memory connection
        }

        Socket? socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        return socket is { AddressFamily: AddressFamily.Unix } ? socket.GetPeerCredentials() : null;
    }
}
