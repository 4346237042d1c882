using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>System V shared memory between real processes: C peers with ftok keys, and the test child.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class SystemVSharedMemoryCrossProcessTests
{
    [SkippableFact]
    [Trait("conformance", "SVSHM-01")]
    public async Task A_C_producer_writes_ints_under_an_ftok_key_and_UnixIpc_reads_them()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 'C');
        try
        {
            ProcessRunner.Result producer = await CPeers.RunAsync("svshm_write", file, "67", "10", "-20", "30", "40", "50");
            Assert.True(producer.ExitCode == 0, producer.ToString());
            string[] printed = producer.Stdout.Trim().Split(' ');
            Assert.Equal(key.ToString(), printed[0]);

            SystemVSharedMemory segment = SystemVSharedMemory.OpenExisting(key);
            Assert.Equal(int.Parse(printed[1], CultureInfo.InvariantCulture), segment.Id);
            Assert.Equal(5 * sizeof(int), segment.Size);
            using MappedRegion region = segment.Attach(readOnly: true);
            int[] values = Enumerable.Range(0, 5).Select(i => region.Read<int>(i * sizeof(int))).ToArray();
            Assert.Equal(new[] { 10, -20, 30, 40, 50 }, values);
        }
        finally
        {
            Cleanup.RemoveSegment(key);

            File.Delete(file);
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVSHM-01")]
    public async Task UnixIpc_writes_ints_under_an_ftok_key_and_a_C_consumer_reads_and_removes_them()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 'S');
        try
        {
            SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(key, 4 * sizeof(int));
            using (MappedRegion region = segment.Attach())
            {
                for (int i = 0; i < 4; i++)
                {
                    region.Write(i * sizeof(int), (i + 1) * 111);
                }
            }

            ProcessRunner.Result consumer = await CPeers.RunAsync("svshm_read", file, "83", "4", "--remove");
            Assert.True(consumer.ExitCode == 0, consumer.ToString());
            Assert.Equal("111 222 333 444\n", consumer.Stdout);
            Assert.False(SystemVSharedMemory.TryOpenExisting(key, out _));
        }
        finally
        {
            Cleanup.RemoveSegment(key);

            File.Delete(file);
        }
    }

    [SkippableFact]
    public async Task IpcKey_FromPath_equals_the_key_C_ftok_computes()
    {
        string file = TestNames.KeyFile();
        try
        {
            ProcessRunner.Result c = await CPeers.RunAsync("ftok_key", file, "255");
            Assert.True(c.ExitCode == 0, c.ToString());
            Assert.Equal(IpcKey.FromPath(file, 255).ToString(), c.Stdout.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-01")]
    [Trait("conformance", "SVSHM-04")]
    public async Task Another_process_attachment_counts_sets_lpid_and_shares_bytes()
    {
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 4096);
        try
        {
            using MappedRegion region = segment.Attach();
            region.Write(0, "parent"u8);
            await using TestChildProcess child = await TestChildProcess.StartAsync("shm-attach", segment.Id.ToString(CultureInfo.InvariantCulture));
            SystemVSharedMemoryStatus both = segment.Stat();
            Assert.Equal(2, both.AttachCount);
            Assert.Equal(child.Id, both.LastProcessId);

            Assert.Equal(Convert.ToHexString("parent"u8), await child.SendAsync("read 0 6"));
            Assert.Equal("ok", await child.SendAsync("write 10 " + Convert.ToHexString("child"u8)));
            var seen = new byte[5];
            region.Read(10, seen);
            Assert.Equal("child"u8.ToArray(), seen);

            Assert.Equal("ok", await child.SendAsync("detach"));
            Assert.Equal(1, segment.Stat().AttachCount);
            Assert.Equal(child.Id, segment.Stat().LastProcessId);
            await child.StopAsync();
        }
        finally
        {
            segment.Remove();
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-05")]
    public async Task Removed_while_another_process_is_attached_it_lives_until_that_process_detaches()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 5);
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(key, 4096);
        try
        {
            await using TestChildProcess child = await TestChildProcess.StartAsync("shm-attach", segment.Id.ToString(CultureInfo.InvariantCulture));
            segment.Remove();
            Assert.True(segment.Stat().MarkedForRemoval);
            Assert.False(SystemVSharedMemory.TryOpenExisting(key, out _));

            Assert.Equal("ok", await child.SendAsync("write 0 CAFE"));
            Assert.Equal("CAFE", await child.SendAsync("read 0 2"));
            Assert.Equal("ok", await child.SendAsync("detach"));

            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => segment.Stat()).Error);
            await child.StopAsync();
        }
        finally
        {
            SystemVSharedMemory.TryRemove(segment.Id);

            File.Delete(file);
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVSHM-06")]
    public async Task Writing_through_a_read_only_attachment_faults_in_a_raw_C_process()
    {
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 4096);
        try
        {
            ProcessRunner.Result result = await CPeers.RunAsync("shm_fault", "rdonly-write", segment.Id.ToString(CultureInfo.InvariantCulture));
            Assert.Equal("attached\n", result.Stdout);
            Assert.Equal(128 + 11, result.ExitCode); // SIGSEGV
        }
        finally
        {
            segment.Remove();
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVSHM-07")]
    public async Task Touching_a_detached_address_faults_in_a_raw_C_process()
    {
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 4096);
        try
        {
            ProcessRunner.Result result = await CPeers.RunAsync("shm_fault", "after-detach", segment.Id.ToString(CultureInfo.InvariantCulture));
            Assert.Equal("detached\n", result.Stdout);
            Assert.Equal(128 + 11, result.ExitCode);
        }
        finally
        {
            segment.Remove();
        }
    }
}
