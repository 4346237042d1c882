using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace UnixIpc.Grpc;

/// <summary>Serving gRPC (any HTTP/2) over shared-memory streams: no kernel wake-up per message while both sides are busy.</summary>
public static class SharedMemoryTransportExtensions
{
    /// <summary>Adds the shared-memory transport beside Kestrel's sockets transport (which keeps TCP and Unix sockets).</summary>
    public static IWebHostBuilder UseSharedMemoryTransport(this IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ConfigureServices(services => services.AddSingleton<IConnectionListenerFactory, SharedMemoryTransportFactory>());
    }

    /// <summary>Listens for HTTP/2 (gRPC) on the shared-memory listener <paramref name="name"/> (needs <see cref="UseSharedMemoryTransport"/>).</summary>
    public static void ListenSharedMemory(this KestrelServerOptions options, string name, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Listen(new SharedMemoryEndPoint(name), listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            configure?.Invoke(listen);
        });
    }
}
