namespace UnixIpc;

/// <summary>One kernel limit on IPC objects, with how much of it is in use where that can be counted.</summary>
/// <param name="Mechanism">"shm", "msg", "sem" (System V), "mq" or "pshm" (POSIX), as in <c>unixipc ls</c>.</param>
/// <param name="Name">The kernel's name for it (SHMMAX, msg_max, RLIMIT_MSGQUEUE …).</param>
/// <param name="Value">The limit; null when unlimited.</param>
/// <param name="Used">The amount in use system-wide (this user's, for per-user limits); null when it cannot be counted.</param>
/// <param name="Source">Where the value comes from and where it is raised (a /proc/sys file, a ulimit).</param>
/// <param name="Description">What it limits and in which unit.</param>
public sealed record IpcLimit(string Mechanism, string Name, ulong? Value, ulong? Used, string Source, string Description);
