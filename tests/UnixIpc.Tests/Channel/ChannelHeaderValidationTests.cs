namespace UnixIpc.Tests;

/// <summary>
/// A channel's object lives in world-writable /dev/shm: opening one that is damaged, truncated, forged or not a
/// regular file is a clear <see cref="InvalidDataException"/>, before anything of it is written, and listing
/// shows it as damaged instead of crashing.
/// </summary>
public sealed class ChannelHeaderValidationTests : IDisposable
{
    private static readonly SharedMemoryChannelOpenOptions Quick = new() { ReadyTimeout = TimeSpan.FromMilliseconds(50) };
    private readonly string _name = TestNames.Unique("chhdr");

    public void Dispose() => File.Delete("/dev/shm" + _name); // what the test made may be a damaged channel, a plain object or a FIFO

    public static TheoryData<string, int, long, int, string> DamagedFields => new()
    {
        { "magic", ChannelLayout.MagicOffset, 0x1234, 8, "not a UnixIpc channel" },
        { "version", ChannelLayout.VersionOffset, 9, 4, "version 9 UnixIpc channel" },
        { "mode", ChannelLayout.ModeOffset, 7, 4, "bad mode 7" },
        { "capacity 0", ChannelLayout.CapacityOffset, 0, 8, "bad capacity 0" },
        { "capacity 3", ChannelLayout.CapacityOffset, 3, 8, "bad capacity 3" },
        { "capacity not a power of two", ChannelLayout.CapacityOffset, 6144, 8, "bad capacity 6144" },
        { "capacity beyond the object", ChannelLayout.CapacityOffset, 1L << 30, 8, "bad largest message" },
        { "largest message", ChannelLayout.MaxMessageOffset, 1 << 20, 4, "bad largest message 1048576" },
        { "slot count 0", ChannelLayout.SlotCountOffset, 0, 4, "bad slot count 0" },
        { "slot count huge", ChannelLayout.SlotCountOffset, 1 << 30, 4, "bad slot count" },
        { "ring offset", ChannelLayout.DataOffsetOffset, 1L << 40, 8, "bad ring offset" },
    };

    [Theory]
    [MemberData(nameof(DamagedFields))]
    public void A_channel_with_a_damaged_header_field_is_refused_and_left_as_it_is(string field, int offset, long value, int width, string expected)
    {
        using (SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 }))
        {
        }

        Patch(offset, value, width);
        byte[] before = File.ReadAllBytes("/dev/shm" + _name);
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.OpenExisting(_name, Quick));
        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.Contains(_name, refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes("/dev/shm" + _name)); // nothing written: no participant slot, no recovery
        Assert.NotNull(field);

        IpcObjectInfo listed = Assert.Single(IpcObjects.List(), o => o.Name == _name);
        if (field is not ("magic" or "version"))
        {
            Assert.Equal(IpcObjectKind.Channel, listed.Kind);
            Assert.StartsWith("damaged", listed.Detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(ChannelLayout.TailOffset, 65536L)]       // a ring's worth beyond the release position: cannot be
    [InlineData(ChannelLayout.ReleaseOffset, 4096L)]     // released beyond what was read
    [InlineData(ChannelLayout.TailOffset, 33L)]          // not a record boundary
    public void A_channel_whose_positions_cannot_occur_is_refused(int offset, long value)
    {
        using (SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 }))
        {
        }

        Patch(offset, value, 8);
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.OpenExisting(_name, Quick));
        Assert.Contains("positions", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(12288)]
    [InlineData(16383)]
    public void A_truncated_channel_is_refused_and_listed_without_touching_it(long size)
    {
        using (SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 }))
        {
        }

        using (var shm = PosixSharedMemory.OpenExisting(_name))
        {
            Assert.Equal(16384, shm.Size);
        }

        File.SetUnixFileMode("/dev/shm" + _name, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var file = new FileStream("/dev/shm" + _name, FileMode.Open, FileAccess.ReadWrite))
        {
            file.SetLength(size);
        }

        byte[] before = File.ReadAllBytes("/dev/shm" + _name);
        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.OpenExisting(_name, Quick));
        Assert.Contains(_name, refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes("/dev/shm" + _name));
        Assert.Single(IpcObjects.List(), o => o.Name == _name); // listing goes on (it used to die with an access violation)
    }

    [Fact]
    public void A_plain_object_of_zeros_is_waited_for_as_long_as_asked_and_then_refused()
    {
        using (PosixSharedMemory.CreateNew(_name, 65536))
        {
        }

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.OpenExisting(_name, Quick));
        Assert.Contains("no finished channel header", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new byte[65536], File.ReadAllBytes("/dev/shm" + _name));
    }

    [Fact]
    public void A_fifo_under_the_name_is_refused_without_blocking()
    {
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", "/dev/shm" + _name))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.OpenExisting(_name, Quick));
        Assert.Contains("is not a shared memory object (a FIFO)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unlink_removes_channels_only()
    {
        using (PosixSharedMemory.CreateNew(_name, 65536))
        {
        }

        InvalidDataException refused = Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.Unlink(_name));
        Assert.Contains("not a channel (no channel header), so it was not removed", refused.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.TryUnlink(_name));
        Assert.True(File.Exists("/dev/shm" + _name));
        PosixSharedMemory.Unlink(_name);

        using (SharedMemoryChannel.CreateNew(_name, new SharedMemoryChannelOptions { Capacity = 4096 }))
        {
        }

        Patch(ChannelLayout.CapacityOffset, 3, 8); // damaged, but a channel: removable
        SharedMemoryChannel.Unlink(_name);
        Assert.False(File.Exists("/dev/shm" + _name));
        Assert.False(SharedMemoryChannel.TryUnlink(_name));
        Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => SharedMemoryChannel.Unlink(_name)).Error);
    }

    [Fact]
    public void Create_or_open_opens_a_channel_of_the_same_shape_and_refuses_another()
    {
        var options = new SharedMemoryChannelOptions { Capacity = 8192, Delivery = ChannelDelivery.Broadcast };
        using SharedMemoryChannel first = SharedMemoryChannel.CreateOrOpen(_name, options);
        using SharedMemoryChannel second = SharedMemoryChannel.CreateOrOpen(_name, options);
        using SharedMemoryChannelWriter writer = first.CreateWriter();
        using SharedMemoryChannelReader reader = second.CreateReader();
        Assert.True(writer.TryWrite("same"u8));
        var buffer = new byte[16];
        Assert.True(reader.TryRead(buffer, out int length));
        Assert.Equal("same"u8.ToArray(), buffer[..length]);

        InvalidOperationException other = Assert.Throws<InvalidOperationException>(() => SharedMemoryChannel.CreateOrOpen(_name, new SharedMemoryChannelOptions { Capacity = 4096 }));
        Assert.Contains("exists as a broadcast channel of 8192 bytes, not as the queue channel of 4096 bytes", other.Message, StringComparison.Ordinal);
        Assert.False(SharedMemoryChannel.TryOpenExisting(_name + "x", out _));
    }

    private void Patch(int offset, long value, int width)
    {
        using var shm = PosixSharedMemory.OpenExisting(_name);
        using MappedRegion header = shm.Map(MapAccess.ReadWrite, 0, 4096);
        if (width == 8)
        {
            header.Write(offset, value);
        }
        else
        {
            header.Write(offset, (int)value);
        }
    }
}
