using System.Net.Sockets;
using Grpc.Net.Client;

namespace UnixIpc.Grpc;

/// <summary>Client set-up: a <see cref="GrpcChannel"/> whose connections go to a Unix socket instead of TCP.</summary>
public static class UnixGrpcChannel
{
    /// <summary>
    /// A channel to the gRPC server on the Unix socket <paramref name="address"/> (a path, or @name). Deadlines,
    /// cancellation and streaming work as over TCP; the server knows this process's pid, uid and gid.
    /// </summary>
    /// <param name="address">The socket path or @abstract name.</param>
    /// <param name="options">Further channel options; its HttpHandler, if any, is replaced.</param>
    public static GrpcChannel ForUnixSocket(string address, GrpcChannelOptions? options = null)
    {
        UnixSocket.EndPoint(address); // the address rules now, not at the first call
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                Socket socket = await UnixSocket.ConnectAsync(address, SocketType.Stream, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        options ??= new GrpcChannelOptions();
        options.HttpHandler = handler;
        options.DisposeHttpClient = true;
        return GrpcChannel.ForAddress("http://localhost", options); // the authority is nominal: the callback connects
    }

    /// <summary>
    /// A channel to the gRPC server on the shared-memory listener <paramref name="name"/> (see
    /// <see cref="SharedMemoryTransportExtensions.ListenSharedMemory"/>): HTTP/2 over a <see cref="SharedMemoryConnection"/>.
    /// </summary>
    public static GrpcChannel ForSharedMemory(string name, GrpcChannelOptions? options = null, SharedMemoryConnectionOptions? connectionOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) => await SharedMemoryConnection.ConnectAsync(name, connectionOptions, cancellationToken).ConfigureAwait(false),
        };
        options ??= new GrpcChannelOptions();
        options.HttpHandler = handler;
        options.DisposeHttpClient = true;
        return GrpcChannel.ForAddress("http://localhost", options);
    }
}
