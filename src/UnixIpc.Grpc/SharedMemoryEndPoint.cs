using System.Net;

namespace UnixIpc.Grpc;

/// <summary>Where a shared-memory listener listens: a POSIX-style name ("/api"). Bind it in Kestrel with <see cref="SharedMemoryTransportExtensions.ListenSharedMemory"/>.</summary>
public sealed class SharedMemoryEndPoint(string name) : EndPoint
{
    /// <summary>The listener's name.</summary>
    public string Name { get; } = name ?? throw new ArgumentNullException(nameof(name));

    /// <inheritdoc/>
    public override string ToString() => "shm:" + Name;
}
