using System.Globalization;
using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc limits</c>: the numbers it reports are the ones the kernel enforces, and usage counts objects.</summary>
public sealed class LimitsCommandTests
{
    private static async Task<Dictionary<string, JsonElement>> LimitsAsync()
    {
        CliRunner.Result result = await CliRunner.RunAsync("limits", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.GetProperty("limits").EnumerateArray()
            .ToDictionary(e => e.GetProperty("mechanism").GetString() + "/" + e.GetProperty("name").GetString(), e => e.Clone());
    }

    private static int Value(Dictionary<string, JsonElement> limits, string key) => checked((int)limits[key].GetProperty("value").GetUInt64());

    [Fact]
    public async Task Reports_every_mechanism_and_where_each_limit_is_set()
    {
        Dictionary<string, JsonElement> limits = await LimitsAsync();
        Assert.Equal(["mq", "msg", "pipe", "pshm", "sem", "shm"], limits.Values.Select(l => l.GetProperty("mechanism").GetString()!).Distinct().Order(StringComparer.Ordinal));
        foreach ((string key, JsonElement limit) in limits)
        {
            string source = limit.GetProperty("source").GetString()!;
            if (source.StartsWith("/proc/sys/", StringComparison.Ordinal) && !source.Contains(' ', StringComparison.Ordinal))
            {
                Assert.Equal(File.ReadAllText(source).Trim(), limit.GetProperty("value").GetUInt64().ToString(CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(Pipe.MaxCapacity, Value(limits, "pipe/pipe-max-size"));
        Assert.Equal(PosixMessageQueueLimits.MaxMessagesLimit, (long)limits["mq/msg_max"].GetProperty("value").GetUInt64());
    }

    [Fact]
    [Trait("conformance", "SVSEM-02")]
    [Trait("conformance", "SVSEM-07")]
    public async Task SEMMSL_and_SEMOPM_are_the_limits_semget_and_semop_enforce()
    {
        Dictionary<string, JsonElement> limits = await LimitsAsync();
        int semmsl = Value(limits, "sem/SEMMSL");
        int semopm = Value(limits, "sem/SEMOPM");

        UnixIpcException tooMany = Assert.Throws<UnixIpcException>(() => SystemVSemaphoreSet.CreateNew(IpcKey.Private, semmsl + 1));
        Assert.Equal(Errno.EINVAL, tooMany.Error);

        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, semmsl);
        try
        {
            Assert.True((await LimitsAsync())["sem/SEMMNS"].GetProperty("used").GetUInt64() >= (ulong)semmsl, "the new set's semaphores are counted");
            SemaphoreOperation[] atLimit = [.. Enumerable.Range(0, semopm).Select(i => SemaphoreOperation.Release(i))];
            Assert.True(set.TryApply(atLimit));
            SemaphoreOperation[] aboveLimit = [.. Enumerable.Range(0, semopm + 1).Select(i => SemaphoreOperation.Release(i))];
            Assert.Equal(Errno.E2BIG, Assert.Throws<UnixIpcException>(() => set.TryApply(aboveLimit)).Error);
        }
        finally
        {
            set.Remove();
        }
    }

    [Fact]
    [Trait("conformance", "SVMSG-08")]
    public async Task MSGMAX_is_the_largest_message_msgsnd_takes()
    {
        int msgmax = Value(await LimitsAsync(), "msg/MSGMAX");
        SystemVMessageQueue queue = SystemVMessageQueue.CreateNew(IpcKey.Private);
        try
        {
            Assert.True(queue.TrySend(1, new byte[msgmax]));
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => queue.TrySend(1, new byte[msgmax + 1])).Error);
            ulong queues = (await LimitsAsync())["msg/MSGMNI"].GetProperty("used").GetUInt64();
            Assert.True(queues >= 1, "the new queue is counted");
        }
        finally
        {
            queue.Remove();
        }
    }
}
