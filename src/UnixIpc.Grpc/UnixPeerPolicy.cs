namespace UnixIpc.Grpc;

/// <summary>Which local callers a service accepts, by the uid and gid the kernel vouches for (SO_PEERCRED).</summary>
public sealed class UnixPeerPolicy
{
    /// <summary>Callers whose uid is in this set are allowed (null: any uid, unless <see cref="AllowedGroupIds"/> decides).</summary>
    public IReadOnlySet<int>? AllowedUserIds { get; init; }

    /// <summary>Callers whose gid is in this set are allowed (null: any gid, unless <see cref="AllowedUserIds"/> decides).</summary>
    public IReadOnlySet<int>? AllowedGroupIds { get; init; }

    /// <summary>
    /// Whether calls that did not come over a Unix socket (TCP: no kernel-verified identity) are refused too
    /// (default true: a policy that names users is not satisfied by a caller without one).
    /// </summary>
    public bool RefuseCallersWithoutCredentials { get; init; } = true;

    /// <summary>Why <paramref name="peer"/> is refused, or null when it is allowed.</summary>
    public string? Refusal(PeerCredentials? peer)
    {
        if (peer is not PeerCredentials caller)
        {
            return RefuseCallersWithoutCredentials ? "The call did not come over a Unix socket, so the caller's identity is unknown." : null;
        }

        bool anyRule = AllowedUserIds is not null || AllowedGroupIds is not null;
        bool allowed = !anyRule || (AllowedUserIds?.Contains(caller.UserId) ?? false) || (AllowedGroupIds?.Contains(caller.GroupId) ?? false);
        return allowed ? null : $"uid {caller.UserId} gid {caller.GroupId} (pid {caller.ProcessId}) is not allowed to call this service.";
    }
}
