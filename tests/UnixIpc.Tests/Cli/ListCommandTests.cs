using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc ls</c>: every kind of object shows up with its type, mode and state.</summary>
public sealed class ListCommandTests
{
    private static async Task<JsonElement[]> ListAsync()
    {
        CliRunner.Result result = await CliRunner.RunAsync("ls", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(File.ReadLines("/proc/self/mounts").Any(l => l.Contains(" /dev/mqueue mqueue ", StringComparison.Ordinal)),
            json.RootElement.GetProperty("message_queues_listed").GetBoolean());
        return [.. json.RootElement.GetProperty("objects").EnumerateArray().Select(e => e.Clone())];
    }

    private static JsonElement Find(JsonElement[] objects, string type, Func<JsonElement, bool> match)
    {
        JsonElement[] found = [.. objects.Where(o => o.GetProperty("type").GetString() == type && match(o))];
        Assert.True(found.Length == 1, $"expected one {type}, found {found.Length} in {string.Join('\n', objects)}");
        return found[0];
    }

    [Fact]
    public async Task Lists_system_v_and_posix_objects_with_their_modes()
    {
        const UnixFileMode Mode0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        string pshmName = TestNames.Unique("lspshm");
        string semName = TestNames.Unique("lssem");
        var shm = SystemVSharedMemory.CreateNew(IpcKey.Private, 8192, Mode0640);
        SystemVMessageQueue? msg = null;
        SystemVSemaphoreSet? sem = null;
        try
        {
            msg = SystemVMessageQueue.CreateNew(IpcKey.Private, Mode0640);
            sem = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 3, Mode0640);
            using var pshm = PosixSharedMemory.CreateNew(pshmName, 4096, new PosixSharedMemoryOptions { Mode = Mode0640 });
            using var psem = PosixSemaphore.CreateNew(semName, 1, new PosixSemaphoreOptions { Mode = Mode0640 });
            msg.Send(7, "queued"u8);

            JsonElement[] objects = await ListAsync();
            JsonElement s = Find(objects, "shm", o => o.GetProperty("id").GetInt32() == shm.Id);
            Assert.Equal("0640", s.GetProperty("perms").GetString());
            Assert.Equal(8192, s.GetProperty("size").GetInt64());
            Assert.Equal("0x00000000", s.GetProperty("name").GetString());
            Assert.Equal("nattch 0", s.GetProperty("detail").GetString());
            JsonElement q = Find(objects, "msg", o => o.GetProperty("id").GetInt32() == msg.Id);
            Assert.Equal("0640", q.GetProperty("perms").GetString());
            Assert.Equal(6, q.GetProperty("size").GetInt64());
            Assert.Equal("messages 1", q.GetProperty("detail").GetString());
            JsonElement set = Find(objects, "sem", o => o.GetProperty("id").GetInt32() == sem.Id);
            Assert.Equal(3, set.GetProperty("size").GetInt64());
            Assert.Equal((int)TestNative.GetEuid(), set.GetProperty("uid").GetInt32());
            JsonElement p = Find(objects, "pshm", o => o.GetProperty("name").GetString() == pshmName);
            Assert.Equal(4096, p.GetProperty("size").GetInt64());
            Assert.Equal("0640", p.GetProperty("perms").GetString());
            Find(objects, "psem", o => o.GetProperty("name").GetString() == semName);
        }
        finally
        {
            shm.Remove();
            msg?.Remove();
            sem?.Remove();
            PosixSharedMemory.TryUnlink(pshmName);
            PosixSemaphore.TryUnlink(semName);
        }

        JsonElement[] after = await ListAsync();
        Assert.DoesNotContain(after, o => (o.GetProperty("type").GetString(), o.GetProperty("id").GetInt32()) is ("shm", var id) && id == shm.Id);
        Assert.DoesNotContain(after, o => (o.GetProperty("type").GetString(), o.GetProperty("id").GetInt32()) is ("msg", var id) && id == msg.Id);
        Assert.DoesNotContain(after, o => (o.GetProperty("type").GetString(), o.GetProperty("id").GetInt32()) is ("sem", var id) && id == sem.Id);
        Assert.DoesNotContain(after, o => o.GetProperty("name").GetString() is string n && (n == pshmName || n == semName));
    }

    [Fact]
    public async Task A_removed_but_attached_segment_is_marked_dest()
    {
        var shm = SystemVSharedMemory.CreateNew(IpcKey.Private, 4096);
        using (MappedRegion attached = shm.Attach())
        {
            shm.Remove(); // first thing after the attach: nothing can leak once it is marked
            JsonElement s = Find(await ListAsync(), "shm", o => o.GetProperty("id").GetInt32() == shm.Id);
            Assert.Equal("nattch 1 dest", s.GetProperty("detail").GetString());
            Assert.Equal("0600", s.GetProperty("perms").GetString()); // the SHM_DEST bit is not part of the permissions
        }

        Assert.DoesNotContain(await ListAsync(), o => o.GetProperty("type").GetString() == "shm" && o.GetProperty("id").GetInt32() == shm.Id);
    }

    [Fact]
    public async Task A_channel_shows_its_participants_and_which_are_alive()
    {
        string name = TestNames.Unique("lschan");
        try
        {
            using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 4096 });
            await using TestChildProcess producer = await TestChildProcess.StartAsync("channel-reserve-and-hang", name);
            JsonElement c = Find(await ListAsync(), "channel", o => o.GetProperty("name").GetString() == name);
            Assert.StartsWith("queue, 1 participants (1 alive)", c.GetProperty("detail").GetString(), StringComparison.Ordinal);

            producer.Kill();
            await producer.WaitForExitAsync();
            c = Find(await ListAsync(), "channel", o => o.GetProperty("name").GetString() == name);
            Assert.StartsWith("queue, 1 participants (0 alive)", c.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            SharedMemoryChannel.TryUnlink(name);
        }
    }

    [Fact]
    public void An_object_removed_between_the_directory_read_and_its_stat_is_skipped()
    {
        // ls reads /dev/shm, then looks at each entry; another process may unlink one in between.
        string name = TestNames.Unique("lsgone");
        string path = "/dev/shm" + name;
        using (PosixSharedMemory.CreateNew(name, 4096))
        {
        }

        try
        {
            Assert.Equal(IpcObjectKind.PosixSharedMemory, IpcObjects.DescribeShmEntry(path)!.Kind);
        }
        finally
        {
            PosixSharedMemory.Unlink(name);
        }

        Assert.Null(IpcObjects.DescribeShmEntry(path));
    }

    [Fact]
    public async Task A_channel_of_another_protocol_version_is_named_as_such_and_refused_clearly()
    {
        string name = TestNames.Unique("lsv1");
        try
        {
            using (SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 4096 }))
            {
            }

            // Turn it into what an older build would have left behind: the same magic, version 1.
            using (var shm = PosixSharedMemory.OpenExisting(name))
            using (MappedRegion header = shm.Map(MapAccess.ReadWrite, 0, 4096))
            {
                header.Write(8, 1);
            }

            JsonElement c = Find(await ListAsync(), "channel", o => o.GetProperty("name").GetString() == name);
            Assert.Equal($"protocol version 1, not readable by this build (version {ChannelLayout.Version})", c.GetProperty("detail").GetString());
            InvalidDataException refused = Assert.Throws<InvalidDataException>(() => SharedMemoryChannel.OpenExisting(name));
            Assert.Contains($"version 1 UnixIpc channel; this build speaks version {ChannelLayout.Version}", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            SharedMemoryChannel.TryUnlink(name);
        }
    }

    [Fact]
    public async Task Lists_named_Unix_sockets_with_type_state_connections_and_owning_process()
    {
        string path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.sock");
        string abstractName = $"@{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}";
        using System.Net.Sockets.Socket stream = UnixSocket.Listen(path);
        using System.Net.Sockets.Socket packets = UnixSocket.Listen(abstractName, System.Net.Sockets.SocketType.Seqpacket);
        try
        {
            using System.Net.Sockets.Socket client = await UnixSocket.ConnectAsync(path);
            using System.Net.Sockets.Socket accepted = await stream.AcceptAsync();
            JsonElement[] objects = await ListAsync();

            JsonElement byPath = Find(objects, "uds", o => o.GetProperty("name").GetString() == path);
            Assert.Equal("0600", byPath.GetProperty("perms").GetString());
            Assert.Equal((int)TestNative.GetEuid(), byPath.GetProperty("uid").GetInt32());
            string detail = byPath.GetProperty("detail").GetString()!;
            Assert.StartsWith("stream listening, 1 connection(s), inode ", detail, StringComparison.Ordinal);
            Assert.EndsWith($", pid {Environment.ProcessId} ({File.ReadAllText("/proc/self/comm").Trim()})", detail, StringComparison.Ordinal);

            JsonElement byName = Find(objects, "uds", o => o.GetProperty("name").GetString() == abstractName);
            Assert.StartsWith("seqpacket listening, 0 connection(s)", byName.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("0000", byName.GetProperty("perms").GetString()); // no file, no permissions
        }
        finally
        {
            UnixSocket.RemoveSocketFile(path);
        }

        packets.Dispose();
        Assert.DoesNotContain(await ListAsync(), o => o.GetProperty("name").GetString() == abstractName); // gone with its socket
    }
}
