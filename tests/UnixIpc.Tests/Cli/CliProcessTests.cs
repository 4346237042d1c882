using System.Diagnostics;
using System.Globalization;

namespace UnixIpc.Tests;

/// <summary>The real <c>unixipc</c> executable: exit codes, stderr, attach --hold, and the tour.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class CliProcessTests
{
    [Fact]
    public async Task Exit_codes_and_the_one_line_error_from_a_real_process()
    {
        string name = TestNames.Unique("cli");
        try
        {
            ProcessRunner.Result created = await ProcessRunner.RunCliAsync("pshm", "create", name, "--size", "64", "--excl");
            Assert.True(created.ExitCode == 0, created.ToString());
            ProcessRunner.Result again = await ProcessRunner.RunCliAsync("pshm", "create", name, "--size", "64", "--excl");
            Assert.Equal(1, again.ExitCode);
            Assert.Equal("unixipc: pshm create: EEXIST (File exists)\n", again.Stderr);

            ProcessRunner.Result usage = await ProcessRunner.RunCliAsync("pshm", "create", "a/b", "--size", "1");
            Assert.Equal(2, usage.ExitCode);

            ProcessRunner.Result piped = await ProcessRunner.RunAsync(ProcessRunner.DotnetHost, [Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), "pshm", "write", name], stdin: "piped in");
            Assert.Equal(0, piped.ExitCode);
            ProcessRunner.Result read = await ProcessRunner.RunCliAsync("pshm", "read", name, "--cstring");
            Assert.Equal("piped in\n", read.Stdout);
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
        }
    }

    [Fact]
    [Trait("conformance", "SVSHM-04")]
    [Trait("conformance", "SVSHM-05")]
    public async Task Attach_hold_keeps_an_attachment_that_counts_and_survives_rm_until_it_ends()
    {
        SystemVSharedMemory segment = SystemVSharedMemory.CreateNew(IpcKey.Private, 4096);
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), "shm", "attach", segment.Id.ToString(CultureInfo.InvariantCulture), "--hold", "120" })
        {
            info.ArgumentList.Add(a);
        }

        using Process holder = Process.Start(info)!;
        try
        {
            Assert.Equal("attached", await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            SystemVSharedMemoryStatus held = segment.Stat();
            Assert.Equal(1, held.AttachCount);
            Assert.Equal(holder.Id, held.LastProcessId);

            ProcessRunner.Result rm = await ProcessRunner.RunCliAsync("shm", "rm", segment.Id.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(0, rm.ExitCode);
            Assert.True(segment.Stat().MarkedForRemoval);

            holder.Kill(); // exit detaches
            await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(Errno.EINVAL, Assert.Throws<UnixIpcException>(() => segment.Stat()).Error);
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill();
            }

            SystemVSharedMemory.TryRemove(segment.Id);
        }
    }

    [Fact]
    public async Task The_tour_runs_every_scenario_between_processes_and_leaves_nothing_behind()
    {
        ProcessRunner.Result tour = await ProcessRunner.RunCliAsync("tour");
        Assert.True(tour.ExitCode == 0, tour.ToString());
        string[] lines = tour.Stdout.Split('\n');

        // POSIX: a producer process wrote, a different consumer process read the same text, then unlinked.
        string posixProducer = Assert.Single(lines, l => l.Contains("producer", StringComparison.Ordinal) && l.Contains("wrote \"Hello, World!\"", StringComparison.Ordinal));
        string posixConsumer = Assert.Single(lines, l => l.Contains("consumer", StringComparison.Ordinal) && l.Contains("read \"Hello, World!\"", StringComparison.Ordinal));
        Assert.NotEqual(PidOf(posixProducer), PidOf(posixConsumer));
        Assert.True(Array.IndexOf(lines, posixProducer) < Array.IndexOf(lines, posixConsumer));

        // System V: five ints across processes, then the segment removed.
        Assert.Single(lines, l => l.Contains("wrote 1 2 3 4 5", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("read 1 2 3 4 5", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("IPC_RMID", StringComparison.Ordinal));
        // Message queues: highest priority first; typed selection with the negative-type rule.
        Assert.Single(lines, l => l.Contains("received, highest priority first: \"fire alarm\" (9), \"server down\" (7)", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("msgrcv(lowest up to 2) took type 1", StringComparison.Ordinal));

        // Synchronisation: five clean runs under the named-semaphore mutex; strict alternation.
        Assert.Single(lines, l => l.Contains("the file now reads " + string.Concat(Enumerable.Repeat("0123456789", 5)), StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("ok: ping and pong strictly alternated", StringComparison.Ordinal));

        // The channel: two consumer processes shared the producer's messages, each exactly once.
        Assert.Single(lines, l => l.Contains("ok: the two consumers shared the 100000 messages, each exactly once", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("ok: both subscribers saw all 100000 messages", StringComparison.Ordinal));
        Assert.True(lines.Count(l => l.Contains("every gap in the ids matched what it was told: yes", StringComparison.Ordinal)) == 1, tour.Stdout);
        Assert.True(lines.Count(l => l.Contains("100000 in all, every gap accounted for", StringComparison.Ordinal)) == 1, tour.Stdout);

        // Pipes and processes: the reversed file, wc's 6 with and without the forgotten write end, the FIFO, zombies.
        Assert.Single(lines, l => l.Contains("holds \"dog lazy the over jumps fox brown quick the\"", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("ok: echo hello | wc -c printed 6", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("is still waiting after 500 ms", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("ok: the reader got every line, in order, then end of stream", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("says state Z", StringComparison.Ordinal));

        // Signals: the sender's pid seen by the child; coalescing against queueing; SIGCHLD with the status.
        string handshake = Assert.Single(lines, l => l.Contains("woken by SIGUSR1 from pid", StringComparison.Ordinal));
        Assert.Contains($"from pid {PidOf(Assert.Single(lines, l => l.Contains("kill(", StringComparison.Ordinal) && l.Contains("SIGUSR1): the numbers are ready", StringComparison.Ordinal)))}", handshake, StringComparison.Ordinal);
        Assert.Single(lines, l => l.Contains("SIGUSR1: 1 delivery for 10 sends", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("10 deliveries, values 1 2 3 4 5 6 7 8 9 10", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("code child-exited, exited with 7", StringComparison.Ordinal));

        // Unix sockets: three client processes seen by their own pids; a descriptor that crossed and worked.
        Assert.Equal(3, lines.Count(l => l.Contains("(SO_PEERCRED) sent", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("ok: each client's pid, as the server saw it", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("ok: the descriptor crossed to a process that never had the pipe", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("it stands at offset 4 (/proc/self/fdinfo), and reading from there gives \"456789\"", StringComparison.Ordinal));

        // gRPC: the caller's pid as the server saw it over the Unix socket and shared memory is the client's own.
        string caller = PidOf(Assert.Single(lines, l => l.Contains("over Unix socket: \"hello over Unix socket\"", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains($"a call over Unix socket from pid {caller} ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains($"a call over shared memory from pid {caller} ", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("the server saw the caller as unknown (TCP", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("answered PermissionDenied: uid ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("FAILED", StringComparison.Ordinal));

        // This tour's objects and files are named after its pid (other tests may run interrupted tours beside it).
        string tourPid = lines[0].Split("pid ", 2)[1].Split(' ', 2)[0];
        Assert.Empty(Directory.EnumerateFiles("/dev/shm", $"unixipc_tour_{tourPid}*"));
        Assert.Empty(Directory.EnumerateFiles(Path.GetTempPath(), $"unixipc_tour_{tourPid}*"));
    }

    [Fact]
    [Trait("conformance", "LOCK-01")]
    [Trait("conformance", "SVSEM-06")]
    public async Task Lock_set_hold_is_seen_by_lock_get_with_its_pid_and_sem_undo_reverts_at_exit()
    {
        string path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.lock");
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), "lock", "set", path, "--type", "write", "--start", "0", "--length", "10", "--posix", "--hold", "120" })
        {
            info.ArgumentList.Add(a);
        }

        using Process holder = Process.Start(info)!;
        try
        {
            Assert.Equal($"locked {holder.Id}", await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            ProcessRunner.Result get = await ProcessRunner.RunCliAsync("lock", "get", path, "--type", "read", "--start", "5", "--length", "1", "--json");
            Assert.Equal($"{{\"locked\":true,\"type\":\"write\",\"start\":0,\"length\":10,\"pid\":{holder.Id}}}\n", get.Stdout);
            ProcessRunner.Result conflict = await ProcessRunner.RunCliAsync("lock", "set", path, "--type", "read", "--start", "5", "--length", "1", "--posix");
            Assert.Equal(3, conflict.ExitCode);
            Assert.Equal("unixipc: lock set: EAGAIN (Resource temporarily unavailable)\n", conflict.Stderr);
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill();
            }

            File.Delete(path);
        }

        SystemVSemaphoreSet set = SystemVSemaphoreSet.CreateNew(IpcKey.Private, 1, initialValue: 1);
        try
        {
            string id = set.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(0, (await ProcessRunner.RunCliAsync("sem", "op", id, "0:-1", "--undo")).ExitCode);
            Assert.Equal(1, set.GetValue(0)); // that process has exited: its SEM_UNDO gave the count back
            Assert.Equal(0, (await ProcessRunner.RunCliAsync("sem", "op", id, "0:-1")).ExitCode);
            Assert.Equal(0, set.GetValue(0));
        }
        finally
        {
            set.Remove();
        }
    }

    private static string PidOf(string line)
    {
        int at = line.IndexOf(" pid ", StringComparison.Ordinal) + 5;
        return line[at..].TrimStart().Split(' ')[0];
    }

    [Fact]
    public async Task Run_interrupted_by_SIGINT_kills_its_stages_and_exits_130()
    {
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), "run", "--", "sh", "-c", "echo $$; exec sleep 600" })
        {
            info.ArgumentList.Add(a);
        }

        using Process cli = Process.Start(info)!;
        int stage = 0;
        try
        {
            stage = int.Parse((await cli.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!, CultureInfo.InvariantCulture);
            Assert.Equal(0, TestNative.Kill(cli.Id, 2)); // SIGINT, to the process we started
            await cli.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(130, cli.ExitCode);
            Assert.Equal("unixipc: run spawn: interrupted\n", await cli.StandardError.ReadToEndAsync());
            string? state = ProcessState(stage);
            Assert.True(state is null or "Z", $"the stage (pid {stage}) is still {state}");
        }
        finally
        {
            if (!cli.HasExited)
            {
                cli.Kill();
            }

            if (stage > 0 && ProcessState(stage) is not null and not "Z" && File.ReadAllText($"/proc/{stage}/cmdline").StartsWith("sleep", StringComparison.Ordinal))
            {
                TestNative.Kill(stage, 9); // the stage this test started, by pid, if the CLI left it
            }
        }
    }

    [Fact]
    public async Task Fifo_read_with_stdin_and_stdout_closed_refuses_before_taking_any_data()
    {
        // Both closed at start: the runtime's own pipe lands on fd 1, and writes into it would "succeed".
        string fifo = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.fifo");
        Fifo.Create(fifo);
        try
        {
            string cli = $"exec '{ProcessRunner.DotnetHost}' '{Path.Combine(AppContext.BaseDirectory, "unixipc.dll")}' fifo read '{fifo}' --timeout 5000 <&- >&-";
            ProcessRunner.Result result = await ProcessRunner.RunAsync("/bin/sh", ["-c", cli]);
            Assert.Equal(1, result.ExitCode);
            Assert.Equal("unixipc: fifo read: cannot write to standard output: EBADF (Bad file descriptor)\n", result.Stderr);
            Assert.False(Fifo.TryOpenWrite(fifo, TimeSpan.Zero, out _)); // it never opened the FIFO for reading
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Fact]
    public async Task Uds_connect_and_recv_fd_with_stdout_closed_refuse_before_touching_a_peer()
    {
        // What a peer sent, or the descriptor it passed, would be taken and lost, and the peer told all went well.
        string path = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_{Guid.NewGuid():N}.sock");
        string unixipc = $"exec '{ProcessRunner.DotnetHost}' '{Path.Combine(AppContext.BaseDirectory, "unixipc.dll")}'";
        try
        {
            using (System.Net.Sockets.Socket listener = UnixSocket.Listen(path))
            {
                ProcessRunner.Result connect = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"{unixipc} uds connect '{path}' --data x --timeout 5000 >&-"]);
                Assert.Equal(1, connect.ExitCode);
                Assert.Equal("unixipc: uds connect: cannot write to standard output: EBADF (Bad file descriptor)\n", connect.Stderr);
                Assert.False(listener.Poll(0, System.Net.Sockets.SelectMode.SelectRead)); // nobody connected
            }

            File.Delete(path);
            ProcessRunner.Result receive = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"{unixipc} uds recv-fd '{path}' --json >&-"]);
            Assert.Equal(1, receive.ExitCode);
            Assert.Equal("unixipc: uds recv-fd: cannot write to standard output: EBADF (Bad file descriptor)\n", receive.Stderr);
            Assert.False(File.Exists(path)); // it never listened
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string? ProcessState(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
