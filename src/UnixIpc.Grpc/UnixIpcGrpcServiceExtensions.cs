using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace UnixIpc.Grpc;

/// <summary>Server set-up: gRPC on a Unix socket (path or @abstract) beside TCP, and the caller policy.</summary>
public static class UnixIpcGrpcServiceExtensions
{
    /// <summary>
    /// Listens for HTTP/2 (gRPC) on the Unix socket <paramref name="address"/>: a path (a stale socket file there is
    /// replaced, a live one refused with EADDRINUSE, anything else left alone) or @name in the abstract namespace.
    /// </summary>
    public static void ListenUnixSocketForGrpc(this KestrelServerOptions options, string address, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        UnixSocket.RemoveStaleSocketFile(address);
        options.Listen(UnixSocket.EndPoint(address), listen =>
        {
            listen.Protocols = HttpProtocols.Http2; // gRPC without TLS: HTTP/2 with prior knowledge
            configure?.Invoke(listen);
        });
    }

    /// <summary>Refuses, with PermissionDenied and before the method runs, every call whose caller <paramref name="policy"/> does not allow.</summary>
    public static GrpcServiceOptions AddUnixPeerAuthorization(this GrpcServiceOptions options, UnixPeerPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        // First in line, whenever it is added: no other interceptor runs for a refused caller.
        options.Interceptors.Add<UnixPeerAuthorizationInterceptor>(policy);
        var registration = options.Interceptors[^1];
        options.Interceptors.RemoveAt(options.Interceptors.Count - 1);
        options.Interceptors.Insert(0, registration);
        return options;
    }
}
