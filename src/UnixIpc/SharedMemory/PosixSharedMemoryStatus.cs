namespace UnixIpc;

/// <summary>What fstat says about a POSIX shared memory object.</summary>
/// <param name="Name">The normalised name, e.g. <c>/orders</c>.</param>
/// <param name="Size">Size in bytes (exactly what was set, not rounded to pages).</param>
/// <param name="Mode">Permission bits.</param>
/// <param name="OwnerUserId">Owner uid.</param>
/// <param name="OwnerGroupId">Owner gid.</param>
public sealed record PosixSharedMemoryStatus(string Name, long Size, UnixFileMode Mode, int OwnerUserId, int OwnerGroupId);
