using System.Diagnostics;
using System.Globalization;

namespace UnixIpc.Tests;

public sealed class UnixSignalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("USR1", 10)]
    [InlineData("SIGUSR1", 10)]
    [InlineData("sigusr2", 12)]
    [InlineData("10", 10)]
    [InlineData("RTMIN", 34)]
    [InlineData("RTMIN+3", 37)]
    [InlineData("SIGRTMAX-1", 63)]
    [InlineData("64", 64)]
    public void Names_and_numbers_are_both_read(string text, int number)
    {
        UnixSignal signal = UnixSignal.Parse(text);
        Assert.Equal(number, signal.Number);
        Assert.Equal(signal, UnixSignal.Parse(signal.Name)); // and the name reads back
    }

    [Theory]
    [Trait("conformance", "SIG-05")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("65")]
    [InlineData("FOO")]
    [InlineData("RTMIN+31")]
    [InlineData("RTMAX+1")]
    [InlineData("")]
    [InlineData("0x0a")]
    public void Invalid_signals_are_refused_naming_the_valid_range(string text)
    {
        Assert.False(UnixSignal.TryParse(text, out _));
        Assert.Contains("1 to 64", Assert.Throws<FormatException>(() => UnixSignal.Parse(text)).Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("conformance", "SIG-04")]
    public void A_pid_that_does_not_exist_is_ESRCH_and_signal_0_only_checks()
    {
        int free = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture); // pids stay below pid_max
        Assert.Equal(Errno.ESRCH, Assert.Throws<UnixIpcException>(() => UnixSignal.User1.Send(free)).Error);
        Assert.Equal(Errno.ESRCH, Assert.Throws<UnixIpcException>(() => UnixSignal.User1.Queue(free, 1)).Error);
        Assert.False(UnixSignal.ProcessExists(free));
        Assert.True(UnixSignal.ProcessExists(Environment.ProcessId));
        Assert.Throws<ArgumentOutOfRangeException>(() => UnixSignal.User1.Send(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => UnixSignal.User1.Send(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UnixSignal(65));
    }

    [SkippableFact]
    [Trait("conformance", "SIG-04")]
    public async Task Signalling_another_user_s_process_without_privilege_is_EPERM_and_sends_nothing()
    {
        using ChildProcess target = ChildProcess.Start("/bin/sleep", "600"); // ours, as this (root) user
        try
        {
            string outcome = await Unprivileged.RunAsNobodyAsync("signal-send", target.ProcessId.ToString(CultureInfo.InvariantCulture));
            Assert.Equal("EPERM", outcome);
            Assert.False(target.HasExited); // nothing was delivered
            Assert.True(UnixSignal.ProcessExists(target.ProcessId));
        }
        finally
        {
            target.Kill();
        }
    }

    [Theory]
    [Trait("conformance", "SIG-06")]
    [Trait("conformance", "SIG-10")]
    [InlineData(9)]
    [InlineData(19)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(34)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(11)]
    [InlineData(13)]
    public void Signals_that_cannot_be_listened_for_are_refused(int number)
    {
        var error = Assert.Throws<ArgumentException>(() => SignalListener.Create(new UnixSignal(number)));
        Assert.Contains("cannot be listened for", error.Message, StringComparison.Ordinal);
        Assert.NotNull(SignalListener.RefusalReason(new UnixSignal(number)));
    }

    [Fact]
    public void The_default_signal_is_refused_before_anything_is_registered()
    {
        Assert.Throws<ArgumentException>(() => SignalListener.Create(default(UnixSignal)));
        Assert.Throws<ArgumentException>(() => SignalListener.Create());
    }

    [SkippableFact]
    [Trait("conformance", "SIG-03")]
    public async Task Standard_signals_coalesce_while_pending_and_real_time_ones_queue_in_order_with_values()
    {
        UnixSignal rt = UnixSignal.RealTime(2);
        using Process peer = StartPeer("sig_wait", "10", rt.Number.ToString(CultureInfo.InvariantCulture));
        try
        {
            int pid = await ReadyPidAsync(peer);
            for (int i = 1; i <= 10; i++)
            {
                UnixSignal.User1.Send(pid);
                rt.Queue(pid, i);
            }

            await peer.StandardInput.WriteLineAsync("go"); // both are blocked and pending there until now
            peer.StandardInput.Close();
            List<string[]> deliveries = await ReadUntilEndAsync(peer);
            Assert.Single(deliveries, d => d[0] == "10"); // ten kill()s of a pending SIGUSR1: one delivery
            string[][] queued = [.. deliveries.Where(d => d[0] == rt.Number.ToString(CultureInfo.InvariantCulture))];
            Assert.Equal(Enumerable.Range(1, 10).Select(i => i.ToString(CultureInfo.InvariantCulture)), queued.Select(d => d[3]));
            Assert.All(queued, d => Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), d[1]));
            Assert.All(queued, d => Assert.Equal("-1", d[2])); // SI_QUEUE
        }
        finally
        {
            Stop(peer);
        }
    }

    [SkippableFact]
    [Trait("conformance", "SIG-11")]
    public async Task Cli_signal_send_value_reaches_a_C_sigwaitinfo_with_our_pid_and_SI_QUEUE()
    {
        using Process peer = StartPeer("sig_wait", "10");
        try
        {
            int pid = await ReadyPidAsync(peer);
            CliRunner.Result sent = await CliRunner.RunAsync("signal", "send", pid.ToString(CultureInfo.InvariantCulture), "USR1", "--value", "-7");
            Assert.True(sent.ExitCode == 0, sent.ToString());
            peer.StandardInput.Close();
            List<string[]> deliveries = await ReadUntilEndAsync(peer);
            Assert.Equal([["10", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "-1", "-7"]], deliveries);
        }
        finally
        {
            Stop(peer);
        }
    }

    internal static Process StartPeer(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(CPeers.Path(program)) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    internal static async Task<int> ReadyPidAsync(Process peer)
    {
        string? ready = await peer.StandardOutput.ReadLineAsync().WaitAsync(Bound);
        Assert.StartsWith("ready ", ready, StringComparison.Ordinal);
        return int.Parse(ready!["ready ".Length..], CultureInfo.InvariantCulture);
    }

    private static async Task<List<string[]>> ReadUntilEndAsync(Process peer)
    {
        var lines = new List<string[]>();
        while (await peer.StandardOutput.ReadLineAsync().WaitAsync(Bound) is { } line && line != "end")
        {
            lines.Add(line.Split(' '));
        }

        return lines;
    }

    // The whole tree: `unixipc signal wait` runs a copy of itself with the signals blocked.
    internal static void Stop(Process peer)
    {
        if (!peer.HasExited)
        {
            peer.Kill(entireProcessTree: true);
        }
    }
}
