using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace UnixIpc.Grpc;

// Kestrel's transport over shared-memory streams: it binds SharedMemoryEndPoint and leaves every other endpoint to the
// sockets transport (IConnectionListenerFactorySelector).
internal sealed class SharedMemoryTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is SharedMemoryEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var shm = endpoint as SharedMemoryEndPoint ?? throw new ArgumentException($"The shared-memory transport binds only {nameof(SharedMemoryEndPoint)}.", nameof(endpoint));
        return ValueTask.FromResult<IConnectionListener>(new SharedMemoryConnectionListener(shm, SharedMemoryListener.Start(shm.Name)));
    }
}

internal sealed class SharedMemoryConnectionListener(SharedMemoryEndPoint endPoint, SharedMemoryListener listener) : IConnectionListener
{
    public EndPoint EndPoint { get; } = endPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return new SharedMemoryConnectionContext(await listener.AcceptAsync(cancellationToken).ConfigureAwait(false), EndPoint);
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
        {
            return null; // unbound: Kestrel stops accepting
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        listener.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        listener.Dispose();
        return ValueTask.CompletedTask;
    }
}

internal sealed class SharedMemoryConnectionContext : ConnectionContext, IUnixPeerFeature
{
    private static long s_ids;
    private readonly SharedMemoryConnection _connection;
    private readonly IDuplexPipe _pipe;

    public SharedMemoryConnectionContext(SharedMemoryConnection connection, EndPoint endPoint)
    {
        _connection = connection;
        _pipe = connection.AsDuplexPipe();
        Transport = _pipe;
        LocalEndPoint = endPoint;
        ConnectionId = "shm-" + Interlocked.Increment(ref s_ids).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Features.Set<IUnixPeerFeature>(this);
    }

    public PeerCredentials Peer => _connection.Peer;

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override void Abort(ConnectionAbortedException abortReason) => _connection.Dispose();

    public override async ValueTask DisposeAsync()
    {
        await _pipe.Input.CompleteAsync().ConfigureAwait(false);
        await _pipe.Output.CompleteAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
