using System.Globalization;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>System V message queues between real processes: C peers with keys, the test child, permissions.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class SystemVMessageQueueCrossProcessTests
{
    [SkippableFact]
    [Trait("conformance", "SVMSG-01")]
    [Trait("conformance", "SVMSG-04")]
    public async Task A_C_sender_with_types_and_a_UnixIpc_receiver_selecting_by_type()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 'M');
        try
        {
            ProcessRunner.Result sender = await CPeers.RunAsync("msg_send", key.ToString(), "4:four", "3:three", "2:two", "1:one");
            Assert.True(sender.ExitCode == 0, sender.ToString());
            SystemVMessageQueue queue = SystemVMessageQueue.OpenExisting(key);
            Assert.Equal(int.Parse(sender.Stdout.Trim(), CultureInfo.InvariantCulture), queue.Id);
            var buffer = new byte[64];
            Assert.True(queue.TryReceive(buffer, out SystemVMessageInfo lowest, MessageSelector.LowestUpTo(2)));
            Assert.Equal("1 one", $"{lowest.Type} {Encoding.UTF8.GetString(buffer, 0, lowest.Length)}");
            Assert.True(queue.TryReceive(buffer, out SystemVMessageInfo first));
            Assert.Equal("4 four", $"{first.Type} {Encoding.UTF8.GetString(buffer, 0, first.Length)}");
        }
        finally
        {
            if (SystemVMessageQueue.TryOpenExisting(key, out SystemVMessageQueue? left))
            {
                left.Remove();
            }

            File.Delete(file);
        }
    }

    [SkippableFact]
    [Trait("conformance", "SVMSG-01")]
    public async Task UnixIpc_sends_typed_messages_and_a_C_receiver_selects_them()
    {
        string file = TestNames.KeyFile();
        IpcKey key = IpcKey.FromPath(file, 'N');
        try
        {
            SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(key);
            queue.Send(10, "ten"u8);
            queue.Send(20, "twenty"u8);
            queue.Send(5, "five"u8);
            ProcessRunner.Result typed = await CPeers.RunAsync("msg_recv", key.ToString(), "20", "1");
            Assert.Equal("20 twenty\n", typed.Stdout);
            ProcessRunner.Result rest = await CPeers.RunAsync("msg_recv", key.ToString(), "0", "2");
            Assert.Equal("10 ten\n5 five\n", rest.Stdout);
        }
        finally
        {
            if (SystemVMessageQueue.TryOpenExisting(key, out SystemVMessageQueue? left))
            {
                left.Remove();
            }

            File.Delete(file);
        }
    }

    [Fact]
    [Trait("conformance", "SVMSG-11")]
    public async Task A_blocked_receive_wakes_on_a_send_from_another_process_and_a_blocked_send_on_a_receive()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        await using TestChildProcess child = await TestChildProcess.StartAsync("msg-open", queue.Id.ToString(CultureInfo.InvariantCulture));

        Task<SystemVMessageInfo> receiving = await ThreadProbe.StartBlockedAsync(() => queue.Receive(new byte[16], MessageSelector.Type(6)));
        Assert.Equal("sent", await child.SendAsync("send 6 " + Convert.ToHexString("six"u8)));
        Assert.Equal(new SystemVMessageInfo(6, 3), await receiving.WaitAsync(TimeSpan.FromSeconds(30)));

        queue.SetMaxBytes(4);
        queue.Send(1, "full"u8);
        Task<bool> sending = await ThreadProbe.StartBlockedAsync(() => { queue.Send(2, "more"u8); return true; });
        Assert.Equal("1 " + Convert.ToHexString("full"u8), await child.SendAsync("recv 0"));
        Assert.True(await sending.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("2 " + Convert.ToHexString("more"u8), await child.SendAsync("recv 0"));
        await child.StopAsync();
    }

    [Fact]
    public async Task WaitToReceiveAsync_and_the_channel_adapters_work_with_another_process()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        await using TestChildProcess child = await TestChildProcess.StartAsync("msg-open", queue.Id.ToString(CultureInfo.InvariantCulture));

        Task<bool> waiting = queue.WaitToReceiveAsync(MessageSelector.Type(7)).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal("sent", await child.SendAsync("send 7 " + Convert.ToHexString("seven"u8)));
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, queue.Stat().MessageCount);

        System.Threading.Channels.ChannelReader<SystemVMessage> reader = queue.AsChannelReader(MessageSelector.Type(7), maxSize: 64);
        SystemVMessage first = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("seven", Encoding.UTF8.GetString(first.Data.Span));
        Task<SystemVMessage> next = reader.ReadAsync().AsTask();
        Assert.False(next.IsCompleted);
        Assert.Equal("sent", await child.SendAsync("send 7 " + Convert.ToHexString("again"u8)));
        Assert.Equal("again", Encoding.UTF8.GetString((await next.WaitAsync(TimeSpan.FromSeconds(30))).Data.Span));

        System.Threading.Channels.ChannelWriter<SystemVMessage> writer = queue.AsChannelWriter();
        await writer.WriteAsync(new SystemVMessage(5, "to child"u8.ToArray()));
        Assert.Equal("5 " + Convert.ToHexString("to child"u8), await child.SendAsync("recv 5"));
        await child.StopAsync();
    }

    [Fact]
    [Trait("conformance", "SVMSG-12")]
    public async Task Removal_wakes_a_receiver_and_a_sender_blocked_in_another_process_with_EIDRM()
    {
        using var scope = new SystemVQueueScope();
        SystemVMessageQueue queue = scope.Queue;
        string id = queue.Id.ToString(CultureInfo.InvariantCulture);
        await using TestChildProcess receiver = await TestChildProcess.StartAsync("msg-open", id);
        await using TestChildProcess sender = await TestChildProcess.StartAsync("msg-open", id);
        queue.SetMaxBytes(1);
        queue.Send(1, "x"u8);

        Task<string> receiving = receiver.SendAsync("recv 9");
        Task<string> sending = sender.SendAsync("send 1 AA");
        await WaitForWaitersAsync(receiver, sender);

        queue.Remove();
        Assert.Equal("EIDRM", await receiving);
        Assert.Equal("EIDRM", await sending);
        await receiver.StopAsync();
        await sender.StopAsync();
    }

    [SkippableFact]
    [Trait("conformance", "SVMSG-03")]
    public async Task Without_permission_send_receive_and_stat_fail_with_EACCES()
    {
        using var scope = new SystemVQueueScope();
        string id = scope.Queue.Id.ToString(CultureInfo.InvariantCulture);
        Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("msg-send", id));
        Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("msg-recv", id));
        Assert.Equal("EACCES", await Unprivileged.RunAsNobodyAsync("msg-stat", id));
        scope.Queue.SetPermissions(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        Assert.Equal("ok", await Unprivileged.RunAsNobodyAsync("msg-send", id));
    }

    [SkippableFact]
    [Trait("conformance", "SVMSG-15")]
    [Trait("conformance", "SVMSG-17")]
    public async Task Only_owners_change_or_remove_and_raising_the_limit_above_msgmnb_needs_privilege()
    {
        using var scope = new SystemVQueueScope(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        string id = scope.Queue.Id.ToString(CultureInfo.InvariantCulture);
        Assert.Equal("EPERM", await Unprivileged.RunAsNobodyAsync("msg-set", id));
        Assert.Equal("EPERM", await Unprivileged.RunAsNobodyAsync("msg-rm", id));
        long above = SystemVMessageQueueLimits.DefaultMaxBytes * 2;
        Assert.Equal("EPERM", await Unprivileged.RunAsNobodyAsync("msg-raise-own", above.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal("ok", await Unprivileged.RunAsNobodyAsync("msg-raise-own", "100"));
    }

    [SkippableFact]
    [Trait("conformance", "SVMSG-20")]
    public async Task Beyond_msgmni_queues_get_is_ENOSPC_naming_the_limit()
    {
        // Tested in a private IPC namespace of a child process, so the machine's limit is never touched.
        Skip.IfNot(Capabilities.Has(Capabilities.CAP_SYS_ADMIN), "a private IPC namespace needs CAP_SYS_ADMIN");
        await using TestChildProcess child = await TestChildProcess.StartAsync("msg-enospc");
        string outcome = await child.ReadLineAsync();
        Skip.If(outcome.StartsWith("SKIP ", StringComparison.Ordinal), outcome);
        Assert.StartsWith("ENOSPC ", outcome, StringComparison.Ordinal);
        Assert.Contains("msgmni", outcome, StringComparison.Ordinal);
        Assert.Equal(0, await child.WaitForExitAsync());
    }

    private static async Task WaitForWaitersAsync(TestChildProcess receiver, TestChildProcess sender)
    {
        await ThreadProbe.WaitUntilProcessBlockedInAsync(receiver.Id, "msgrcv");
        await ThreadProbe.WaitUntilProcessBlockedInAsync(sender.Id, "msgsnd");
    }
}
