using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>
/// Permission checks (PSHM-08, SVSHM-10, SVSHM-11) tested for real even in a root run: the caller is a
/// child process that drops to nobody, so no capability bypasses the check.
/// </summary>
[Collection(CrossProcessCollection.Name)]
public sealed class SharedMemoryPermissionTests
{
    [SkippableFact]
    [Trait("conformance", "PSHM-08")]
    public async Task Opening_against_the_objects_mode_fails_with_EACCES()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            // Owner read/write, others read: nobody may open read-only but not read-write.
            using var shm = PosixSharedMemory.CreateNew(name, 4096, new PosixSharedMemoryOptions
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead,
            });
            Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("pshm-open", name));
            Assert.Equal("ok", await Unprivileged.RunAsNobodyAsync("pshm-open-ro", name));
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVSHM-10")]
    public async Task Without_permission_attach_and_stat_fail_with_EACCES()
    {
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 4096);
        try
        {
            string id = segment.Id.ToString(CultureInfo.InvariantCulture);
            Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("shm-attach", id));
            Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("shm-stat", id));

            // The control: with read/write for others the same calls succeed.
            segment.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            Assert.Equal("ok", await Unprivileged.RunAsNobodyAsync("shm-attach", id));
        }
        finally
        {
            segment.Remove();
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVSHM-11")]
    public async Task Only_the_owner_or_creator_may_change_or_remove_a_segment()
    {
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 4096,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        try
        {
            string id = segment.Id.ToString(CultureInfo.InvariantCulture);
            Assert.Equal("EPERM", await Unprivileged.RunAsNobodyAsync("shm-set", id));
            Assert.Equal("EPERM", await Unprivileged.RunAsNobodyAsync("shm-rm", id));
            Assert.False(segment.Stat().MarkedForRemoval);
        }
        finally
        {
            segment.Remove();
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVSHM-14")]
    public async Task Without_CAP_IPC_LOCK_locking_is_bounded_by_RLIMIT_MEMLOCK()
    {
        long limit = MemlockLimitBytes();
        Skip.If(limit < 0, "RLIMIT_MEMLOCK is unlimited here, so there is no bound to cross");
        long page = Environment.SystemPageSize;
        Assert.Equal("ok", await Unprivileged.RunAsNobodyAsync("shm-lock-size", page.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal("ENOMEM", await Unprivileged.RunAsNobodyAsync("shm-lock-size", (limit + (16 * page)).ToString(CultureInfo.InvariantCulture)));
    }

    private static long MemlockLimitBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith("Max locked memory", StringComparison.Ordinal))
            {
                string soft = line["Max locked memory".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return soft == "unlimited" ? -1 : long.Parse(soft, CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
