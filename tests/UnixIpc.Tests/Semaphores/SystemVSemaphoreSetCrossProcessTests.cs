using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>System V semaphore sets between processes: SEM_UNDO at a killed child's exit, removal, counts, permissions.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class SystemVSemaphoreSetCrossProcessTests
{
    [Fact]
    [Trait("conformance", "SVSEM-06")]
    public async Task SEM_UNDO_is_reverted_when_a_killed_child_exits_and_without_it_the_change_stays()
    {
        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 2, initialValue: 1);
        try
        {
            string id = set.Id.ToString(CultureInfo.InvariantCulture);
            await using (TestChildProcess child = await TestChildProcess.StartAsync("sem-open", id))
            {
                Assert.Equal("done", await child.SendAsync("op 0:-1u,1:-1"));
                Assert.Equal(new[] { 0, 0 }, set.GetValues());
                child.Kill();
                await child.WaitForExitAsync();
            }

            Assert.Equal(1, set.GetValue(0)); // undone at exit, even a kill
            Assert.Equal(0, set.GetValue(1)); // no SEM_UNDO: the change stays
        }
        finally
        {
            set.Remove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSEM-06")]
    public async Task SETVAL_clears_pending_undo_and_undo_stops_at_zero()
    {
        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 1, initialValue: 0);
        try
        {
            await using TestChildProcess child = await TestChildProcess.StartAsync("sem-open", set.Id.ToString(CultureInfo.InvariantCulture));
            Assert.Equal("done", await child.SendAsync("op 0:+5u")); // undo would take 5 at exit
            set.SetValue(0, 2);                                       // clears every process's undo for it
            Assert.Equal("done", await child.SendAsync("op 0:+3u"));  // a new undo of -3 from value 5
            Assert.Equal("done", await child.SendAsync("op 0:-4"));   // value 1: the undo can only go to 0
            child.Kill();
            await child.WaitForExitAsync();
            Assert.Equal(0, set.GetValue(0));
        }
        finally
        {
            set.Remove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSEM-09")]
    [Trait("conformance", "SVSEM-11")]
    public async Task Removal_wakes_a_waiter_in_another_process_with_EIDRM_after_counts_showed_it()
    {
        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 2, initialValue: 1);
        string id = set.Id.ToString(CultureInfo.InvariantCulture);
        await using TestChildProcess increase = await TestChildProcess.StartAsync("sem-open", id);
        await using TestChildProcess zero = await TestChildProcess.StartAsync("sem-open", id);
        try
        {
            set.SetValue(0, 0);
            Task<string> waitingIncrease = increase.SendAsync("op 0:-1");
            Task<string> waitingZero = zero.SendAsync("op 1:0");
            await ThreadProbe.WaitUntilProcessBlockedInAsync(increase.Id, "semop");
            await ThreadProbe.WaitUntilProcessBlockedInAsync(zero.Id, "semop");
            Assert.Equal(1, set.GetWaitingForIncrease(0));
            Assert.Equal(1, set.GetWaitingForZero(1));

            set.Remove();
            Assert.Equal("EIDRM", await waitingIncrease);
            Assert.Equal("EIDRM", await waitingZero);
            Assert.Equal("EINVAL", await increase.SendAsync("op 0:1"));
            await increase.StopAsync();
            await zero.StopAsync();
        }
        finally
        {
            SystemVSemaphoreSet.TryRemove(set.Id);
        }
    }

    [Fact]
    [Trait("conformance", "SVSEM-16")]
    public async Task Two_processes_over_one_binary_semaphore_are_never_inside_together()
    {
        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 1, initialValue: 1);
        string shmName = TestNames.Unique("pshm");
        try
        {
            // Both processes' protected sections flip a shared "inside" word from 0 to 1 and back; whoever enters
            // while the other is inside sees 1 (the child reports what it saw).
            using var shm = PosixSharedMemory.CreateNew(shmName, 4096);
            using MappedRegion region = shm.Map();
            await using TestChildProcess child = await TestChildProcess.StartAsync("sem-open", set.Id.ToString(CultureInfo.InvariantCulture));
            await using TestChildProcess counter = await TestChildProcess.StartAsync("pshm-open", shmName);
            await using TestChildProcess parentCounter = await TestChildProcess.StartAsync("pshm-open", shmName); // the parent's adds take as long as the child's
            Task<string> childRounds = Task.Run(async () =>
            {
                for (int i = 0; i < 200; i++)
                {
                    if (await child.SendAsync("op 0:-1") != "done")
                    {
                        return "failed";
                    }

                    string entered = await counter.SendAsync("enter 64");
                    await counter.SendAsync("add32 0 1");
                    string left = await counter.SendAsync("leave 64");
                    if ((entered, left) != ("0", "1"))
                    {
                        return $"round {i}: the child entered while the parent was inside (flag {entered}, then {left})";
                    }

                    if (await child.SendAsync("op 0:1") != "done")
                    {
                        return "failed";
                    }
                }

                return "ok";
            });
            // Start once the child is looping, so the two loops really run side by side.
            Assert.True(SpinWait.SpinUntil(() => region.AtomicReadInt32(0) >= 1 || childRounds.IsCompleted, TimeSpan.FromSeconds(30)), "the child never entered");
            for (int i = 0; i < 200; i++)
            {
                set.Apply(SemaphoreOperation.Acquire(0, undo: true));
                Assert.True(region.AtomicExchangeInt32(64, 1) == 0, $"round {i}: the parent entered while the child was inside");
                Assert.Equal("ok", await parentCounter.SendAsync("add32 0 1")); // a round trip inside, as long as the child's
                Assert.Equal(1, region.AtomicExchangeInt32(64, 0));
                set.Apply(SemaphoreOperation.Release(0, undo: true));
            }

            Assert.Equal("ok", await childRounds);
            Assert.Equal(400, region.AtomicReadInt32(0));
            await child.StopAsync();
            await counter.StopAsync();
            await parentCounter.StopAsync();
        }
        finally
        {
            set.Remove();
            PosixSharedMemory.TryUnlink(shmName);
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVSEM-08")]
    [Trait("conformance", "SVSEM-14")]
    public async Task Without_permission_operations_and_reads_are_EACCES_and_changes_by_others_EPERM()
    {
        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 1);
        try
        {
            string id = set.Id.ToString(CultureInfo.InvariantCulture);
            Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("sem-op", id));
            Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("sem-getval", id));
            set.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            Assert.Equal("ok", await Unprivileged.RunAsNobodyAsync("sem-op", id));
            Assert.Equal("EPERM", await Unprivileged.RunAsNobodyAsync("sem-set", id));
        }
        finally
        {
            set.Remove();
        }
    }
}
