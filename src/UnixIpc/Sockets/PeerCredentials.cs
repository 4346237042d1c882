namespace UnixIpc;

/// <summary>Who is on the other end of a connected Unix socket, as the kernel recorded it at connect or socketpair (SO_PEERCRED).</summary>
/// <param name="ProcessId">The peer's pid then.</param>
/// <param name="UserId">Its effective user id.</param>
/// <param name="GroupId">Its effective group id.</param>
public readonly record struct PeerCredentials(int ProcessId, int UserId, int GroupId);
