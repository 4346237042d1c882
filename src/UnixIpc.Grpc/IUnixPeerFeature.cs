namespace UnixIpc.Grpc;

/// <summary>A connection whose peer is a local process the kernel vouches for (set by the shared-memory transport).</summary>
public interface IUnixPeerFeature
{
    /// <summary>The connecting process's pid, uid and gid.</summary>
    PeerCredentials Peer { get; }
}
