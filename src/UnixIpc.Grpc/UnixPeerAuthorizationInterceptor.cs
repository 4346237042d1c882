using Grpc.Core;
using Grpc.Core.Interceptors;

namespace UnixIpc.Grpc;

/// <summary>
/// Refuses every call whose caller the <see cref="UnixPeerPolicy"/> does not allow, with PermissionDenied, before the
/// service method runs. Added by <see cref="UnixIpcGrpcServiceExtensions.AddUnixPeerAuthorization"/>.
/// </summary>
public sealed class UnixPeerAuthorizationInterceptor(UnixPeerPolicy policy) : Interceptor
{
    private readonly UnixPeerPolicy _policy = policy ?? throw new ArgumentNullException(nameof(policy));

    /// <inheritdoc/>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(request, context);
    }

    /// <inheritdoc/>
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(requestStream, context);
    }

    /// <inheritdoc/>
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    /// <inheritdoc/>
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        if (_policy.Refusal(context.GetUnixPeer()) is string refusal)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, refusal));
        }
    }
}
