using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>
/// Least privilege (#10): every verb that only looks (stat, read, value, a read lock) opens read-only, so a user
/// who may only read an object succeeds. Run for real even as root: the CLI runs as nobody, without capabilities.
/// </summary>
[Collection(CrossProcessCollection.Name)]
public sealed class CliLeastPrivilegeTests
{
    private const UnixFileMode ReadableByOthers = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [SkippableFact]
    public async Task Read_only_verbs_succeed_for_a_user_who_may_only_read()
    {
        Skip.IfNot(Unprivileged.CanDropPrivileges && File.Exists("/usr/bin/setpriv"), "running the CLI as nobody needs CAP_SETUID, CAP_SETGID and setpriv");
        string pshm = TestNames.Unique("lppshm"), mq = TestNames.Unique("lpmq"), psem = TestNames.Unique("lppsem");
        string lockFile = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.lock");
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 4096, ReadableByOthers);
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(IpcKey.Private, ReadableByOthers);
        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 1, ReadableByOthers);
        try
        {
            using (PosixSharedMemory shm = PosixSharedMemory.CreateNew(pshm, 64, new PosixSharedMemoryOptions { Mode = ReadableByOthers }))
            using (MappedRegion region = shm.Map())
            {
                region.Write(0, "hi"u8);
            }

            using (PosixMessageQueue q = PosixMessageQueue.CreateNew(mq, new PosixMessageQueueOptions { Mode = ReadableByOthers }))
            {
                q.Send("m"u8);
            }

            using (PosixSemaphore.CreateNew(psem, 2, new PosixSemaphoreOptions { Mode = ReadableByOthers }))
            {
            }

            set.SetValue(0, 5);
            queue.Send(4, "typed"u8);
            File.WriteAllBytes(lockFile, []);
            File.SetUnixFileMode(lockFile, ReadableByOthers);
            string shmId = segment.Id.ToString(CultureInfo.InvariantCulture), msgId = queue.Id.ToString(CultureInfo.InvariantCulture), semId = set.Id.ToString(CultureInfo.InvariantCulture);

            foreach ((string[] args, string output) in new (string[], string)[]
            {
                (["pshm", "read", pshm, "--cstring"], "hi\n"),
                (["pshm", "stat", pshm], $"name  {pshm}"),
                (["shm", "read", shmId, "--length", "2"], "\0\0"),
                (["shm", "stat", shmId], "key "),
                (["mq", "attr", mq], "current_messages  1"),
                (["psem", "value", psem], "2\n"), // sem_open needs read and write: it was EACCES
                (["sem", "value", semId, "0"], "5\n"),
                (["sem", "stat", semId], "key "),
                (["msg", "stat", msgId], "qnum "),
                (["msg", "recv", msgId, "--copy", "0"], "typed"),
                (["lock", "get", lockFile], "unlocked\n"),
                (["lock", "set", lockFile, "--type", "read"], string.Empty), // opened read-write: it was EACCES
                (["lock", "set", lockFile, "--flock"], string.Empty),
            })
            {
                ProcessRunner.Result result = await AsNobodyAsync(args);
                Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0 && result.Stdout.Contains(output, StringComparison.Ordinal), $"{string.Join(' ', args)}: {result}");
            }

            // The control: what needs write access is still refused, so the runs above were really unprivileged.
            ProcessRunner.Result write = await AsNobodyAsync(["lock", "set", lockFile, "--type", "write"]);
            Assert.True(write.ExitCode == 1 && write.Stderr == "unixipc: lock set: EACCES (Permission denied)\n", write.ToString());
            Assert.Equal(1, queue.Stat().MessageCount); // looked at, not taken
        }
        finally
        {
            PosixSharedMemory.TryUnlink(pshm);
            PosixMessageQueue.TryUnlink(mq);
            PosixSemaphore.TryUnlink(psem);
            File.Delete(lockFile);
            segment.TryRemove();
            queue.TryRemove();
            set.TryRemove();
        }
    }

    private static Task<ProcessRunner.Result> AsNobodyAsync(string[] args)
        => ProcessRunner.RunAsync("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", ProcessRunner.DotnetHost, "exec", Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), .. args]);
}
