namespace UnixIpc.Tests;

public sealed class IpcKeyTests
{
    [Fact]
    public void FromPath_is_stable_for_a_file_and_differs_by_project()
    {
        string file = TestNames.KeyFile();
        try
        {
            IpcKey a = IpcKey.FromPath(file, 1);
            Assert.Equal(a, IpcKey.FromPath(file, 1));
            Assert.NotEqual(a, IpcKey.FromPath(file, 2));
            Assert.False(a.IsPrivate);
            Assert.Equal(1, (a.Value >> 24) & 0xFF); // ftok puts the project id in the top byte
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void FromPath_on_a_missing_file_is_ENOENT_with_a_hint_to_create_it()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}missing_{Guid.NewGuid():N}");
        UnixIpcException e = Assert.Throws<UnixIpcException>(() => IpcKey.FromPath(missing, 1));
        Assert.Equal(Errno.ENOENT, e.Error);
        Assert.Equal("ftok", e.Operation);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("create", e.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    [InlineData(-1)]
    public void Project_ids_outside_1_to_255_are_rejected(int project)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IpcKey.FromPath("/tmp", project));
    }

    [Theory]
    [InlineData("0x0000abcd", 0xabcd)]
    [InlineData("43981", 0xabcd)]
    [InlineData("0xffffffff", -1)]
    [InlineData("-5", -5)]
    [InlineData("2147483648", int.MinValue)] // decimal keys above 2^31 were refused while their hex worked
    [InlineData("4294967295", -1)]
    public void Parse_reads_hex_and_decimal(string text, int value)
    {
        Assert.Equal(value, IpcKey.Parse(text).Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("0x1ffffffff")]
    [InlineData("key")]
    [InlineData("4294967296")]
    [InlineData("-2147483649")]
    public void Parse_rejects_what_is_not_a_key(string text)
    {
        Assert.Throws<FormatException>(() => IpcKey.Parse(text));
    }

    [Fact]
    public void Private_is_zero_and_prints_like_ipcs()
    {
        Assert.True(IpcKey.Private.IsPrivate);
        Assert.Equal("0x00000000", IpcKey.Private.ToString());
        Assert.Equal("0x0000002a", new IpcKey(42).ToString());
    }

    [Fact]
    public void CreateOrOpen_refuses_IPC_PRIVATE_which_would_make_a_new_object_on_every_call()
    {
        Assert.Contains("IPC_PRIVATE", Assert.Throws<ArgumentException>(() => SystemVSharedMemory.CreateOrOpen(IpcKey.Private, 4096)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SystemVMessageQueue.CreateOrOpen(IpcKey.Private));
        Assert.Throws<ArgumentException>(() => SystemVSemaphoreSet.CreateOrOpen(IpcKey.Private, 1));
    }
}
