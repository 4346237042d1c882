using System.Text;

namespace UnixIpc.Tests;

/// <summary>POSIX message queues between real processes: C peers both ways and the test child.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class PosixMessageQueueCrossProcessTests : IDisposable
{
    private readonly string _name = TestNames.Unique("mq");

    public void Dispose() => PosixMessageQueue.TryUnlink(_name);

    [SkippableFact]
    [Trait("conformance", "MQ-33")]
    [Trait("conformance", "MQ-01")]
    public async Task A_C_sender_with_priorities_and_a_UnixIpc_receiver_see_one_queue()
    {
        using var queue = PosixMessageQueue.CreateNew(_name, new PosixMessageQueueOptions { MaxMessages = 8, MaxMessageSize = 32 });
        ProcessRunner.Result sender = await CPeers.RunAsync("mq_send", _name, "1:a", "3:b", "2:c", "3:d");
        Assert.True(sender.ExitCode == 0, sender.ToString());
        var buffer = new byte[32];
        var got = new List<string>();
        while (queue.TryReceive(buffer, out PosixMessageInfo info))
        {
            got.Add($"{Encoding.UTF8.GetString(buffer, 0, info.Length)}{info.Priority}");
        }

        Assert.Equal(new[] { "b3", "d3", "c2", "a1" }, got);
    }

    [SkippableFact]
    [Trait("conformance", "MQ-33")]
    public async Task UnixIpc_sends_with_priorities_and_a_C_receiver_gets_them_in_order()
    {
        using var queue = PosixMessageQueue.CreateNew(_name, new PosixMessageQueueOptions { MaxMessages = 8, MaxMessageSize = 32 });
        queue.Send("low"u8, 0);
        queue.Send("urgent"u8, 31);
        queue.Send("normal"u8, 5);
        ProcessRunner.Result receiver = await CPeers.RunAsync("mq_recv", _name, "3");
        Assert.True(receiver.ExitCode == 0, receiver.ToString());
        Assert.Equal("31 urgent\n5 normal\n0 low\n", receiver.Stdout);
    }

    [Fact]
    [Trait("conformance", "MQ-15")]
    public async Task A_blocked_receive_is_woken_by_a_send_from_another_process()
    {
        using var queue = PosixMessageQueue.CreateNew(_name, new PosixMessageQueueOptions { MaxMessages = 2, MaxMessageSize = 16 });
        await using TestChildProcess child = await TestChildProcess.StartAsync("mq-open", _name);
        Task<PosixMessageInfo> blocked = await ThreadProbe.StartBlockedAsync(() => queue.Receive(new byte[16]));
        Assert.Equal("sent", await child.SendAsync("send 7 " + Convert.ToHexString("wake"u8)));
        Assert.Equal(new PosixMessageInfo(4, 7), await blocked.WaitAsync(TimeSpan.FromSeconds(30)));

        // And async: the reactor sees the other process's send.
        ValueTask<PosixMessageInfo> pending = queue.ReceiveAsync(new byte[16]);
        Assert.Equal("sent", await child.SendAsync("send 1 AA"));
        Assert.Equal(new PosixMessageInfo(1, 1), await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        await child.StopAsync();
    }

    [Fact]
    [Trait("conformance", "MQ-15")]
    public async Task A_send_blocked_on_a_full_queue_is_woken_by_a_receive_in_another_process()
    {
        using var queue = PosixMessageQueue.CreateNew(_name, new PosixMessageQueueOptions { MaxMessages = 1, MaxMessageSize = 16 });
        queue.Send("first"u8, 2);
        await using TestChildProcess child = await TestChildProcess.StartAsync("mq-open", _name);
        Task<bool> blocked = await ThreadProbe.StartBlockedAsync(() => { queue.Send("second"u8, 3); return true; });
        Assert.Equal("2 " + Convert.ToHexString("first"u8), await child.SendAsync("recv"));
        Assert.True(await blocked.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("3 " + Convert.ToHexString("second"u8), await child.SendAsync("recv"));
        await child.StopAsync();
    }

    [Fact]
    [Trait("conformance", "MQ-23")]
    [Trait("conformance", "MQ-24")]
    public async Task After_unlink_open_handles_keep_the_old_queue_and_the_name_makes_a_new_one()
    {
        using var old = PosixMessageQueue.CreateNew(_name, new PosixMessageQueueOptions { MaxMessages = 2, MaxMessageSize = 16 });
        await using TestChildProcess child = await TestChildProcess.StartAsync("mq-open", _name);
        PosixMessageQueue.Unlink(_name);
        Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => PosixMessageQueue.OpenExisting(_name)).Error);

        using var fresh = PosixMessageQueue.CreateNew(_name, new PosixMessageQueueOptions { MaxMessages = 2, MaxMessageSize = 16 });
        Assert.Equal("sent", await child.SendAsync("send 0 0102"));
        Assert.Equal(1, old.Stat().CurrentMessages);
        Assert.Equal(0, fresh.Stat().CurrentMessages);
        await child.StopAsync();
    }

    [Fact]
    [Trait("conformance", "MQ-34")]
    public async Task Exclusive_create_is_atomic_across_racing_processes()
    {
        var children = new List<TestChildProcess>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                children.Add(await TestChildProcess.StartAsync("mq-race", _name));
            }

            string[] outcomes = await Task.WhenAll(children.Select(c => c.SendAsync("go")));
            Assert.Single(outcomes, o => o == "won");
            Assert.Equal(2, outcomes.Count(o => o == "EEXIST"));
        }
        finally
        {
            foreach (TestChildProcess child in children)
            {
                await child.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    [Trait("conformance", "MQ-25")]
    public async Task A_mode_that_denies_the_access_gives_EACCES_and_only_the_owner_may_unlink()
    {
        using var queue = PosixMessageQueue.CreateNew(_name, new PosixMessageQueueOptions
        {
            MaxMessages = 1,
            MaxMessageSize = 8,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead,
        });
        Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("mq-open", _name));
        Assert.Equal("ok", await Unprivileged.RunAsNobodyAsync("mq-open-ro", _name));
        Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("mq-unlink", _name));
        Assert.True(PosixMessageQueue.TryOpenExisting(_name, out PosixMessageQueue? still));
        still!.Dispose();
    }
}
