namespace UnixIpc.Tests;

/// <summary>POSIX shared memory between real processes: the test child (UnixIpc in another process) and C peers.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class PosixSharedMemoryCrossProcessTests
{
    [SkippableFact]
    [Trait("conformance", "PSHM-01")]
    public async Task A_C_producer_writes_and_UnixIpc_reads_the_same_bytes_which_persist_until_unlink()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            ProcessRunner.Result producer = await CPeers.RunAsync("pshm_write", name, "4096", "made in C");
            Assert.True(producer.ExitCode == 0, producer.ToString());

            // The producer has exited: nothing holds the object open, yet the data is there.
            using var shm = PosixSharedMemory.OpenExisting(name, readOnly: true);
            Assert.Equal(4096, shm.Size);
            using MappedRegion region = shm.Map();
            var bytes = new byte[10];
            region.Read(0, bytes);
            Assert.Equal("made in C\0"u8.ToArray(), bytes);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [SkippableFact]
    [Trait("conformance", "PSHM-01")]
    public async Task UnixIpc_writes_and_a_C_consumer_reads_the_same_bytes()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using (var shm = PosixSharedMemory.CreateNew(name, 3000))
            using (MappedRegion region = shm.Map())
            {
                region.Write(0, "made in C#\0"u8);
            }

            ProcessRunner.Result consumer = await CPeers.RunAsync("pshm_read", name);
            Assert.True(consumer.ExitCode == 0, consumer.ToString());
            Assert.Equal("3000 made in C#\n", consumer.Stdout);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-01")]
    public async Task Writes_cross_in_both_directions_between_two_UnixIpc_processes()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 4096);
            using MappedRegion region = shm.Map();
            region.Write(0, "from parent"u8);

            await using TestChildProcess child = await TestChildProcess.StartAsync("pshm-open", name);
            Assert.Equal(Convert.ToHexString("from parent"u8), await child.SendAsync("read 0 11"));
            Assert.Equal("ok", await child.SendAsync("write 100 " + Convert.ToHexString("from child"u8)));
            var seen = new byte[10];
            region.Read(100, seen);
            Assert.Equal("from child"u8.ToArray(), seen);
            await child.StopAsync();
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public async Task Atomic_adds_from_two_processes_lose_no_update()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, 4096);
            using MappedRegion region = shm.Map();
            await using TestChildProcess child = await TestChildProcess.StartAsync("pshm-open", name);
            const int Each = 200_000;
            Task<string> childAdds = child.SendAsync($"add32 64 {Each}");
            for (int i = 0; i < Each; i++)
            {
                region.AtomicAddInt32(64, 1);
            }

            Assert.Equal("ok", await childAdds);
            Assert.Equal(2 * Each, region.AtomicReadInt32(64));
            await child.StopAsync();
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-12")]
    public async Task Exclusive_create_is_atomic_across_racing_processes()
    {
        string[] names = Enumerable.Range(0, 20).Select(_ => TestNames.Unique("pshm")).ToArray();
        var children = new List<TestChildProcess>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                children.Add(await TestChildProcess.StartAsync("pshm-race", names));
            }

            Task<string>[] counts = children.Select(c => c.SendAsync("go")).ToArray();
            int total = 0;
            foreach (Task<string> count in counts)
            {
                total += int.Parse(await count, System.Globalization.CultureInfo.InvariantCulture);
            }

            Assert.Equal(names.Length, total);
        }
        finally
        {
            foreach (TestChildProcess child in children)
            {
                await child.DisposeAsync();
            }

            foreach (string name in names)
            {
                PosixSharedMemory.TryUnlink(name);
            }
        }
    }

    [SkippableFact]
    [Trait("conformance", "PSHM-15")]
    public async Task Touching_a_whole_page_past_the_end_raises_SIGBUS_in_a_raw_C_process()
    {
        // The fault the bounded MappedRegion prevents, shown in a throw-away process.
        string name = TestNames.Unique("pshm");
        try
        {
            using var shm = PosixSharedMemory.CreateNew(name, Environment.SystemPageSize);
            ProcessRunner.Result result = await CPeers.RunAsync("shm_fault", "sigbus", name);
            Assert.Equal("mapped\n", result.Stdout);
            Assert.Equal(128 + 7, result.ExitCode); // killed by SIGBUS (7)
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "PSHM-16")]
    public async Task With_no_descriptor_left_create_fails_with_EMFILE_and_says_which_limit()
    {
        string name = TestNames.Unique("pshm");
        try
        {
            await using TestChildProcess child = await TestChildProcess.StartAsync("emfile", name);
            string outcome = await child.ReadLineAsync();
            Assert.StartsWith("EMFILE ", outcome, StringComparison.Ordinal);
            Assert.Contains("RLIMIT_NOFILE", outcome, StringComparison.Ordinal);
            Assert.Equal(0, await child.WaitForExitAsync());
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }
}
