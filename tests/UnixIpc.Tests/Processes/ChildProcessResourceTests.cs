namespace UnixIpc.Tests;

/// <summary>
/// Counts taken over the whole process (threads, descriptors): alone in the non-parallel collection, so no other
/// test's descriptors or children come and go in the middle of a count (it failed once in CI that way).
/// </summary>
[Collection(CrossProcessCollection.Name)]
public sealed class ChildProcessResourceTests
{
    [Fact]
    [Trait("conformance", "PROC-05")]
    [Trait("conformance", "PROC-11")]
    public async Task Five_hundred_short_lived_children_awaited_at_once_add_no_threads_zombies_or_descriptors()
    {
        int descriptorsBefore = TestNative.OpenDescriptorCount();
        int threadsBefore = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
        const int Children = 500;
        var children = new List<ChildProcess>();
        try
        {
            for (int i = 0; i < Children; i++)
            {
                children.Add(ChildProcess.Start("/bin/sh", "-c", $"exit {i % 256}"));
            }

            Task<ChildExitStatus>[] exits = [.. children.Select(c => c.WaitForExitAsync())];
            int threadsWhileWaiting = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;

            // Not a thread per wait (the count), and not waits parked on the thread pool either (it grows too slowly for a
            // count to see them; its queue would hold them).
            int queued = (int)ThreadPool.PendingWorkItemCount;
            Assert.True(queued < 100, $"{queued} work items wait in the thread pool behind 500 exit waits");
            ChildExitStatus[] statuses = await Task.WhenAll(exits).WaitAsync(TimeSpan.FromMinutes(5));
            for (int i = 0; i < Children; i++)
            {
                Assert.Equal(i % 256, statuses[i].ExitCode);
            }

            Assert.True(threadsWhileWaiting < threadsBefore + 50, $"{threadsWhileWaiting} threads while 500 children ran (was {threadsBefore})");
        }
        finally
        {
            foreach (ChildProcess child in children)
            {
                child.Kill();
                child.Dispose();
            }
        }

        Assert.All(children, c => Assert.False(ChildProcessTests.IsOurZombie(c.ProcessId)));
        await ChildProcessTests.WaitUntilAsync(() => TestNative.OpenDescriptorCount() <= descriptorsBefore);
        Assert.True(TestNative.OpenDescriptorCount() <= descriptorsBefore, "pidfds were left open");
    }
}
