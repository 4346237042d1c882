namespace UnixIpc.Tests;

/// <summary>The real executable with a closed, full or vanishing standard output: one line (or none) and an exit code, never a trace or a signal.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class CliOutputTests
{
    public static TheoryData<string, int, string> Cases => new()
    {
        { "> /dev/full", 1, "unixipc: limits: cannot write to standard output: ENOSPC (No space left on device)\n" },
        { ">&-", 1, "unixipc: limits: cannot write to standard output: EBADF (Bad file descriptor)\n" },
        { "> /dev/full 2>&-", 1, string.Empty },
        { "| head -c1 > /dev/null", 0, string.Empty },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_standard_output_that_cannot_be_written_is_one_line_and_an_exit_code(string redirection, int exitCode, string stderr)
    {
        ProcessRunner.Result result = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"set -o pipefail; {Cli} limits --json {redirection}"]);
        Assert.True((exitCode, stderr) == (result.ExitCode, result.Stderr), result.ToString());
    }

    [Fact]
    public async Task A_closed_stderr_changes_no_exit_code()
    {
        ProcessRunner.Result usage = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} channel bogus 2>&-"]);
        Assert.True(usage.ExitCode == 2, usage.ToString());
        ProcessRunner.Result help = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} channel --help > /dev/full"]);
        Assert.True(help.ExitCode == 1 && help.Stderr == "unixipc: cannot write to standard output: ENOSPC (No space left on device)\n", help.ToString());
    }

    [Fact]
    public async Task A_message_received_for_a_standard_output_that_fails_goes_to_the_next_consumer()
    {
        string name = TestNames.Unique("cliout");
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 4096, UnlinkOnDispose = true });
        using (SharedMemoryChannelWriter writer = channel.CreateWriter())
        {
            Assert.True(writer.TryWrite("keep me"u8));
        }

        foreach (string redirection in new[] { "> /dev/full", ">&-" }) // (not "| true": the pipe may take the bytes before its reader is gone)
        {
            ProcessRunner.Result failed = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} channel recv {name} --timeout 5000 {redirection}"]);
            Assert.True(failed.ExitCode is 0 or 1, failed.ToString());
        }

        using SharedMemoryChannelReader reader = channel.CreateReader();
        var buffer = new byte[64];
        Assert.True(reader.TryRead(buffer, TimeSpan.FromSeconds(30), out int length), "the message was taken and lost");
        Assert.Equal("keep me"u8.ToArray(), buffer[..length]);
    }

    [Fact]
    public async Task Endless_standard_input_is_refused_at_the_largest_message_without_reading_it_all()
    {
        string name = TestNames.Unique("clizero");
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 4096, UnlinkOnDispose = true });
        ProcessRunner.Result result = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} channel send {name} --timeout 100 < /dev/zero"]);
        Assert.True(result.ExitCode == 1 && result.Stderr == "unixipc: channel send: EMSGSIZE (Message too long)\n", result.ToString());
        Assert.Equal(0, channel.Stat().MessagesWritten);
    }

    [Fact]
    public async Task A_closed_standard_input_is_a_usage_error_not_a_wait_for_ever()
    {
        string name = TestNames.Unique("clistdin");
        using SharedMemoryChannel channel = SharedMemoryChannel.CreateNew(name, new SharedMemoryChannelOptions { Capacity = 4096, UnlinkOnDispose = true });
        ProcessRunner.Result closed = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} channel send {name} --timeout 100 <&-"]); // it used to hang: fd 0 became the runtime's own pipe
        Assert.True(closed.ExitCode == 2 && closed.Stderr == "unixipc: channel send: no data: standard input is closed; give --data or --hex.\n", closed.ToString());
        ProcessRunner.Result piped = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"printf hi | {Cli} channel send {name}"]);
        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.Equal(1, channel.Stat().MessagesWritten);
    }

    [Fact]
    public async Task Every_create_verb_shows_its_mode_in_octal_in_help()
    {
        foreach (string noun in new[] { "pshm", "shm", "mq", "msg", "psem", "sem", "channel", "fifo" })
        {
            string verb = noun is "shm" or "msg" or "sem" ? "get" : "create";
            CliRunner.Result help = await CliRunner.RunAsync(noun, verb, "--help");
            string line = help.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("--mode", StringComparison.Ordinal));
            Assert.Contains("--mode <MODE>", line, StringComparison.Ordinal);
            Assert.Contains("[default: 0600]", line, StringComparison.Ordinal);
            Assert.DoesNotContain("UserRead", line, StringComparison.Ordinal); // not the enum's flag names
        }
    }

    [Fact]
    public async Task A_channel_created_for_a_standard_output_that_fails_is_removed_again()
    {
        string name = TestNames.Unique("clicreate");
        try
        {
            ProcessRunner.Result result = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} channel create {name} --capacity 4096 > /dev/full"]);
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.False(File.Exists("/dev/shm" + name), "the channel was left behind although create reported a failure");
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    public async Task Shared_memory_and_queues_created_for_a_standard_output_that_fails_are_removed_but_existing_ones_kept()
    {
        string pshm = TestNames.Unique("clipshm");
        string mq = TestNames.Unique("climqc");
        string kept = TestNames.Unique("clikept");
        try
        {
            foreach ((string command, string redirection) in new[] { ($"pshm create {pshm} --size 4096", "> /dev/full"), ($"mq create {mq}", ">&-") })
            {
                ProcessRunner.Result result = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} {command} {redirection}"]);
                Assert.True(result.ExitCode == 1, result.ToString());
            }

            Assert.False(File.Exists("/dev/shm" + pshm), "the object was left behind although create reported a failure");
            Assert.False(PosixMessageQueue.TryOpenExisting(mq, out PosixMessageQueue? left), "the queue was left behind");
            left?.Dispose();

            using (PosixSharedMemory.CreateNew(kept, 4096))
            {
            }

            ProcessRunner.Result opened = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} pshm create {kept} --size 4096 > /dev/full"]);
            Assert.Equal(1, opened.ExitCode);
            Assert.True(File.Exists("/dev/shm" + kept), "an object this run did not create was removed");
        }
        finally
        {
            PosixSharedMemory.TryUnlink(pshm);
            PosixSharedMemory.TryUnlink(kept);
            PosixMessageQueue.TryUnlink(mq);
        }
    }

    [Fact]
    public async Task A_queue_message_received_for_a_standard_output_that_fails_is_put_back()
    {
        string name = TestNames.Unique("climq");
        SystemVMessageQueue msg = SystemVMessageQueue.CreateNew(IpcKey.Private);
        try
        {
            using (PosixMessageQueue mq = PosixMessageQueue.CreateNew(name))
            {
                mq.Send("posix"u8, priority: 3);
            }

            msg.Send(7, "system v"u8);
            ProcessRunner.Result posix = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} mq recv {name} --nonblock > /dev/full"]);
            Assert.True(posix.ExitCode == 1, posix.ToString());
            ProcessRunner.Result systemV = await ProcessRunner.RunAsync("/bin/bash", ["-c", $"{Cli} msg recv {msg.Id} --nowait > /dev/full"]);
            Assert.True(systemV.ExitCode == 1, systemV.ToString());

            using PosixMessageQueue again = PosixMessageQueue.OpenExisting(name);
            var buffer = new byte[again.MaxMessageSize];
            Assert.True(again.TryReceive(buffer, out PosixMessageInfo info), "the POSIX message was taken and lost");
            Assert.Equal(("posix", 3), (System.Text.Encoding.ASCII.GetString(buffer, 0, info.Length), info.Priority));
            Assert.True(msg.TryReceive(buffer, out SystemVMessageInfo typed), "the System V message was taken and lost");
            Assert.Equal(("system v", 7L), (System.Text.Encoding.ASCII.GetString(buffer, 0, typed.Length), typed.Type));
        }
        finally
        {
            PosixMessageQueue.TryUnlink(name);
            msg.TryRemove();
        }
    }

    private static string Cli => $"'{ProcessRunner.DotnetHost}' '{Path.Combine(AppContext.BaseDirectory, "unixipc.dll")}'";
}
