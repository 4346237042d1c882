using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>Locks between processes: a C holder with fcntl, the test child, deadlock detection, split ranges.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class FileLockCrossProcessTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.lock");

    public FileLockCrossProcessTests()
    {
        File.WriteAllBytes(_path, new byte[100]);
    }

    public void Dispose() => File.Delete(_path);

    [SkippableFact]
    [Trait("conformance", "LOCK-01")]
    [Trait("conformance", "LOCK-04")]
    public async Task A_C_process_holding_a_fcntl_lock_is_seen_with_its_pid_and_waited_for()
    {
        var info = new System.Diagnostics.ProcessStartInfo(CPeers.Path("fcntl_hold"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(_path);
        info.ArgumentList.Add("0");
        info.ArgumentList.Add("10");
        using var holder = System.Diagnostics.Process.Start(info)!;
        try
        {
            Assert.Equal($"locked {holder.Id}", await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            using FileLock posix = FileLock.Open(_path, FileLockKind.Process);
            Assert.False(posix.TryLock(FileLockType.Write, 5, 1));
            Assert.False(posix.TryLock(FileLockType.Read, 9, 1));
            Assert.True(posix.TryLock(FileLockType.Write, 10, 1));
            Assert.Equal(new FileLockConflict(FileLockType.Write, 0, 10, holder.Id), posix.GetConflict(FileLockType.Read, 0, 1));

            using FileLock ofd = FileLock.Open(_path);
            Assert.Equal(holder.Id, ofd.GetConflict(FileLockType.Write, 3, 1)!.ProcessId);

            Task<bool> waiting = await ThreadProbe.StartBlockedAsync(() => { posix.Lock(FileLockType.Write, 0, 10); return true; });
            await holder.StandardInput.WriteLineAsync("release");
            await holder.StandardInput.FlushAsync();
            Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
            await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill();
            }
        }
    }

    [Fact]
    [Trait("conformance", "LOCK-02")]
    [Trait("conformance", "LOCK-03")]
    public async Task Read_locks_share_write_locks_exclude_and_a_free_range_reports_no_conflict()
    {
        await using TestChildProcess child = await TestChildProcess.StartAsync("lock-open", _path, nameof(FileLockKind.Process));
        using FileLock mine = FileLock.Open(_path, FileLockKind.Process);
        Assert.Null(mine.GetConflict(FileLockType.Write, 0, 100));
        Assert.Equal("locked", await child.SendAsync("lock read 0 10"));
        Assert.True(mine.TryLock(FileLockType.Read, 5, 10));
        Assert.False(mine.TryLock(FileLockType.Write, 0, 1));
        Assert.Equal("busy", await child.SendAsync("trylock write 12 1"));
        Assert.Equal("locked", await child.SendAsync("trylock write 20 5"));
        Assert.Equal($"read 0 10 {child.Id}", Describe(mine.GetConflict(FileLockType.Write, 0, 3)));
        await child.StopAsync();
    }

    [Fact]
    [Trait("conformance", "LOCK-05")]
    public async Task Two_processes_waiting_on_each_other_get_EDEADLK()
    {
        await using TestChildProcess child = await TestChildProcess.StartAsync("lock-open", _path, nameof(FileLockKind.Process));
        using FileLock mine = FileLock.Open(_path, FileLockKind.Process);
        Assert.True(mine.TryLock(FileLockType.Write, 0, 1));
        Assert.Equal("locked", await child.SendAsync("lock write 1 1"));
        Task<string> childWaits = child.SendAsync("lock write 0 1");
        await ThreadProbe.WaitUntilProcessBlockedInAsync(child.Id, "fcntl");
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => mine.Lock(FileLockType.Write, 1, 1));
        Assert.Equal(Errno.EDEADLK, e.Error);
        mine.Unlock(0, 1);
        Assert.Equal("locked", await childWaits);
        await child.StopAsync();
    }

    [Fact]
    [Trait("conformance", "LOCK-07")]
    public async Task Overlapping_locks_of_one_process_split_and_others_see_the_pieces()
    {
        using FileLock mine = FileLock.Open(_path, FileLockKind.Process);
        Assert.True(mine.TryLock(FileLockType.Write, 10, 10));
        Assert.True(mine.TryLock(FileLockType.Read, 13, 5));
        await using TestChildProcess child = await TestChildProcess.StartAsync("lock-open", _path, nameof(FileLockKind.Process));
        int me = Environment.ProcessId;
        Assert.Equal($"write 10 3 {me}", await child.SendAsync("conflict write 10 1"));
        Assert.Equal($"read 13 5 {me}", await child.SendAsync("conflict write 15 1"));
        Assert.Equal($"write 18 2 {me}", await child.SendAsync("conflict read 19 1"));
        Assert.Equal("none", await child.SendAsync("conflict read 14 1"));
        await child.StopAsync();
    }

    [Fact]
    [Trait("conformance", "LOCK-08")]
    [Trait("conformance", "LOCK-11")]
    public async Task Locks_go_when_their_holder_is_killed()
    {
        foreach (FileLockKind kind in new[] { FileLockKind.Process, FileLockKind.OpenFileDescription, FileLockKind.WholeFile })
        {
            await using TestChildProcess child = await TestChildProcess.StartAsync("lock-open", _path, kind.ToString());
            Assert.Equal("locked", await child.SendAsync(kind == FileLockKind.WholeFile ? "lock write 0 0" : "lock write 0 10"));
            using FileLock mine = FileLock.Open(_path, kind);
            Assert.False(mine.TryLock(FileLockType.Write));
            child.Kill();
            await child.WaitForExitAsync();
            Assert.True(mine.TryLock(FileLockType.Write), $"{kind} lock outlived its holder");
        }
    }

    private static string Describe(FileLockConflict? conflict)
        => conflict is null ? "none" : string.Create(CultureInfo.InvariantCulture, $"{conflict.Type.ToString().ToLowerInvariant()} {conflict.Start} {conflict.Length} {conflict.ProcessId}");
}
