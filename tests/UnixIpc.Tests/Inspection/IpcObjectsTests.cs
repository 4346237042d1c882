namespace UnixIpc.Tests;

/// <summary>Inspection from the library (the CLI's ls and limits are tested in Cli/): what exists, of which kind, with which owner and size.</summary>
public sealed class IpcObjectsTests
{
    [Fact]
    public void Objects_this_test_makes_are_listed_with_their_kind_size_and_owner_and_gone_once_removed()
    {
        string shmName = TestNames.Unique("insp");
        string channelName = TestNames.Unique("inspch");
        string semName = TestNames.Unique("inspsem");
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(IpcKey.Private);
        try
        {
            using var shm = PosixSharedMemory.CreateNew(shmName, 8192);
            using var channel = SharedMemoryChannel.CreateNew(channelName, new SharedMemoryChannelOptions { Capacity = 4096 });
            using var semaphore = PosixSemaphore.CreateNew(semName, 0);
            IReadOnlyList<IpcObjectInfo> listed = IpcObjects.List();

            IpcObjectInfo plain = Assert.Single(listed, o => o.Name == shmName);
            Assert.Equal((IpcObjectKind.PosixSharedMemory, 8192L, (int)TestNative.GetEuid()), (plain.Kind, plain.Size, plain.OwnerUserId));
            Assert.Equal(IpcObjectKind.Channel, Assert.Single(listed, o => o.Name == channelName).Kind);
            Assert.Equal(IpcObjectKind.PosixSemaphore, Assert.Single(listed, o => o.Name == semName).Kind);
            Assert.Equal(IpcObjectKind.SystemVMessageQueue, Assert.Single(listed, o => o.Id == queue.Id && o.Kind == IpcObjectKind.SystemVMessageQueue).Kind);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(shmName);
            SharedMemoryChannel.TryUnlink(channelName);
            PosixSemaphore.TryUnlink(semName);
            queue.TryRemove();
        }

        IReadOnlyList<IpcObjectInfo> after = IpcObjects.List();
        Assert.DoesNotContain(after, o => o.Name == shmName || o.Name == channelName || o.Name == semName || (o.Kind == IpcObjectKind.SystemVMessageQueue && o.Id == queue.Id));
    }

    [Fact]
    public void Limits_name_where_each_comes_from_and_read_the_kernels_values()
    {
        IReadOnlyList<IpcLimit> limits = IpcLimits.Read();
        IpcLimit msgMax = Assert.Single(limits, l => l.Mechanism == "mq" && l.Name == "msg_max");
        Assert.Equal(ulong.Parse(File.ReadAllText("/proc/sys/fs/mqueue/msg_max").Trim(), System.Globalization.CultureInfo.InvariantCulture), msgMax.Value);
        Assert.All(limits, l => Assert.False(string.IsNullOrWhiteSpace(l.Source)));
    }
}
