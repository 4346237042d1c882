using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>POSIX semaphores between processes: C peers, the test child, a killed holder.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class PosixSemaphoreCrossProcessTests : IDisposable
{
    private readonly string _a = TestNames.Unique("psem");
    private readonly string _b = TestNames.Unique("psem");

    public void Dispose()
    {
        PosixSemaphore.TryUnlink(_a);
        PosixSemaphore.TryUnlink(_b);
    }

    [Fact]
    [Trait("conformance", "PSEM-01")]
    public async Task A_wait_at_zero_blocks_until_another_process_posts()
    {
        using var semaphore = PosixSemaphore.CreateNew(_a, 0);
        await using TestChildProcess child = await TestChildProcess.StartAsync("psem-open", _a);
        Task<bool> blocked = await ThreadProbe.StartBlockedAsync(() => { semaphore.Wait(); return true; });
        Assert.Equal("posted", await child.SendAsync("post"));
        Assert.True(await blocked.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, semaphore.Value);

        // And the other way: the child blocks until we post.
        Task<string> childWaits = child.SendAsync("wait");
        await ThreadProbe.WaitUntilProcessBlockedInAsync(child.Id, "futex");
        semaphore.Release();
        Assert.Equal("taken", await childWaits);
        await child.StopAsync();
    }

    [SkippableFact]
    [Trait("conformance", "PSEM-01")]
    public async Task A_C_process_and_UnixIpc_alternate_strictly_over_two_named_semaphores()
    {
        using var mine = PosixSemaphore.CreateNew(_a, 0);
        using var theirs = PosixSemaphore.CreateNew(_b, 1);
        const int Rounds = 50;
        Task<ProcessRunner.Result> peer = CPeers.RunAsync("sem_pingpong", _b, _a, "C", Rounds.ToString(CultureInfo.InvariantCulture));
        var order = new List<string>();
        for (int i = 0; i < Rounds; i++)
        {
            Assert.True(await Task.Run(() => mine.TryWait(TimeSpan.FromSeconds(30))), $"round {i}: the C process never posted");
            order.Add($"cs {i}");
            theirs.Release();
        }

        ProcessRunner.Result result = await peer;
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] cLines = result.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(Enumerable.Range(0, Rounds).Select(i => $"C {i}"), cLines);
        Assert.Equal(1, theirs.Value); // the C side ran exactly once per post and handed back every time
    }

    [Fact]
    [Trait("conformance", "PSEM-17")]
    public async Task An_unnamed_semaphore_in_shared_memory_synchronises_two_processes()
    {
        string shmName = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(shmName, 4096);
            using MappedRegion region = shm.Map();
            using PosixSemaphore semaphore = PosixSemaphore.Initialize(region, 256, 0);
            await using TestChildProcess child = await TestChildProcess.StartAsync("psem-in-shm", shmName, "256");
            Task<string> childWaits = child.SendAsync("wait");
            await ThreadProbe.WaitUntilProcessBlockedInAsync(child.Id, "futex");
            semaphore.Release();
            Assert.Equal("taken", await childWaits);
            Assert.Equal("posted", await child.SendAsync("post"));
            Assert.True(semaphore.TryWait());
            await child.StopAsync();
        }
        finally
        {
            PosixSharedMemory.TryUnlink(shmName);
        }
    }

    [Fact]
    public async Task A_count_taken_by_a_process_that_is_killed_is_not_given_back()
    {
        using var semaphore = PosixSemaphore.CreateNew(_a, 1);
        await using TestChildProcess child = await TestChildProcess.StartAsync("psem-open", _a);
        Assert.Equal("taken", await child.SendAsync("wait"));
        child.Kill();
        await child.WaitForExitAsync();
        Assert.Equal(0, semaphore.Value); // documented: POSIX semaphores are not crash-safe; see FileLock or SEM_UNDO
        Assert.False(semaphore.TryWait());
    }

    [SkippableFact]
    [Trait("conformance", "PSEM-15")]
    public async Task A_mode_that_denies_access_gives_EACCES_and_so_does_unlinking_without_permission()
    {
        using var semaphore = PosixSemaphore.CreateNew(_a, 0, new PosixSemaphoreOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("psem-open", _a));
        Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("psem-unlink", _a));
        Assert.True(PosixSemaphore.TryOpenExisting(_a, out PosixSemaphore? still));
        still!.Dispose();
    }
}
