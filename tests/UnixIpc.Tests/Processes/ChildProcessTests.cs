using System.Globalization;
using System.Text;

namespace UnixIpc.Tests;

public sealed class ChildProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    [Trait("conformance", "PROC-01")]
    public async Task A_pipe_end_mapped_to_descriptor_3_is_usable_and_nothing_else_is_inherited()
    {
        using Pipe pipe = Pipe.Create();
        using var unrelated = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        var options = new ChildProcessOptions(CPeers.Path("fd_inherit"), "3", "hi") { StandardOutput = ChildDescriptor.Pipe };
        options.Descriptors[3] = pipe.Writer;
        using ChildProcess child = ChildProcess.Start(options);
        pipe.Writer.Dispose(); // the child holds the only write end now

        string listed = await ReadAllAsync(child.StandardOutput!);
        Assert.Equal("fds 0 1 2 3\n", listed); // /proc/<child>/fd: only the standard streams and the mapped one
        Assert.Equal("hi", await ReadAllAsync(pipe.Reader)); // and end of stream came: no stray copy of the write end
        Assert.Equal(ChildExitStatus.Exited(0), await child.WaitForExitAsync().WaitAsync(Bound));
    }

    [Fact]
    [Trait("conformance", "PROC-01")]
    public async Task Sources_that_are_also_targets_are_swapped_without_loss()
    {
        // Descriptor 3 of the child gets what is our 4, and 4 gets our 3 (if those are our numbers): the scratch step keeps both.
        using Pipe first = Pipe.Create();
        using Pipe second = Pipe.Create();
        var options = new ChildProcessOptions("/bin/sh", "-c", "echo one >&3; echo two >&4");
        options.Descriptors[3] = second.Writer;
        options.Descriptors[4] = first.Writer;
        using ChildProcess child = ChildProcess.Start(options);
        first.Writer.Dispose();
        second.Writer.Dispose();
        Assert.Equal("two\n", await ReadAllAsync(first.Reader));
        Assert.Equal("one\n", await ReadAllAsync(second.Reader));
        Assert.True((await child.WaitForExitAsync().WaitAsync(Bound)).Success);
    }

    [Fact]
    [Trait("conformance", "PROC-03")]
    public async Task Exit_codes_and_killing_signals_are_reported_as_such()
    {
        using ChildProcess exits = ChildProcess.Start("/bin/sh", "-c", "exit 42");
        ChildExitStatus status = await exits.WaitForExitAsync().WaitAsync(Bound);
        Assert.Equal(42, status.ExitCode);
        Assert.Null(status.Signal);

        using ChildProcess sleeper = ChildProcess.Start("/bin/sleep", "600");
        sleeper.Kill();
        ChildExitStatus killed = await sleeper.WaitForExitAsync().WaitAsync(Bound);
        Assert.Null(killed.ExitCode);
        Assert.Equal(9, killed.Signal);
        Assert.Equal(137, killed.ShellStatus);
        Assert.Equal("killed by signal 9 (SIGKILL)", killed.ToString());
    }

    [Fact]
    [Trait("conformance", "PROC-04")]
    public async Task A_child_nobody_awaits_is_reaped_and_never_lingers_as_a_zombie()
    {
        using Pipe done = Pipe.Create();
        var options = new ChildProcessOptions("/bin/sh", "-c", "exit 3");
        options.Descriptors[3] = done.Writer;
        int pid;
        using (ChildProcess child = ChildProcess.Start(options))
        {
            pid = child.ProcessId;
        } // disposed without waiting

        done.Writer.Dispose();
        Assert.Equal(0, await done.Reader.ReadAsync(new byte[1]).AsTask().WaitAsync(Bound)); // the child has exited
        await WaitUntilAsync(() => !IsOurZombie(pid));
        Assert.False(IsOurZombie(pid));
    }

    [Fact]
    [Trait("conformance", "PROC-06")]
    public async Task A_signal_after_the_child_was_reaped_is_ESRCH_and_reaches_no_one()
    {
        using ChildProcess child = ChildProcess.Start("/bin/true");
        await child.WaitForExitAsync().WaitAsync(Bound);
        Assert.False(child.TrySignal(15));
        var error = Assert.Throws<UnixIpcException>(() => child.Signal(15));
        Assert.Equal(Errno.ESRCH, error.Error);
        Assert.Equal("pidfd_send_signal", error.Operation);
        Assert.Throws<ArgumentOutOfRangeException>(() => child.Signal(65));
    }

    [Fact]
    [Trait("conformance", "PROC-07")]
    public void A_missing_or_non_executable_program_fails_in_the_parent()
    {
        var missing = Assert.Throws<UnixIpcException>(() => ChildProcess.Start("/nonexistent/uipc-no-such-program"));
        Assert.Equal(Errno.ENOENT, missing.Error);
        Assert.Equal("posix_spawn", missing.Operation);

        var notOnPath = Assert.Throws<UnixIpcException>(() => ChildProcess.Start("uipc-no-such-program-anywhere"));
        Assert.Equal(Errno.ENOENT, notOnPath.Error);
        Assert.Contains("PATH", notOnPath.Message, StringComparison.Ordinal);

        string script = Path.Combine(Path.GetTempPath(), $"{TestNames.Prefix}{Environment.ProcessId}_noexec.sh");
        File.WriteAllText(script, "#!/bin/sh\nexit 0\n");
        try
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var denied = Assert.Throws<UnixIpcException>(() => ChildProcess.Start(script));
            Assert.Equal(Errno.EACCES, denied.Error);
            Assert.Contains("chmod +x", denied.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    [Trait("conformance", "PROC-08")]
    public async Task Arguments_environment_and_directory_arrive_exactly_as_given()
    {
        string[] arguments = ["a b", "\"quoted\"", "$HOME", "*", "", "héllo wörld ✓"];
        string directory = Path.GetTempPath().TrimEnd('/');
        var options = new ChildProcessOptions("/bin/sh", ["-c", "for a in \"$@\"; do printf '[%s]' \"$a\"; done; printf '|%s|%s|' \"$ONLY\" \"$PWD\"; env | wc -l", "sh", .. arguments])
        {
            Environment = new Dictionary<string, string> { ["ONLY"] = "this one" },
            WorkingDirectory = directory,
        };

        ChildProcessOutput output = await ChildProcess.RunAsync(options).WaitAsync(Bound);
        Assert.True(output.Status.Success, Encoding.UTF8.GetString(output.StandardError));
        string[] parts = output.Text.Split('|');
        Assert.Equal(string.Concat(arguments.Select(a => $"[{a}]")), parts[0]);
        Assert.Equal("this one", parts[1]);
        Assert.Equal(directory, parts[2]);
        int variables = int.Parse(parts[3].Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(variables, 1, 4); // ONLY, plus what sh itself adds (PWD, SHLVL, _): nothing of ours leaked
    }

    [Fact]
    [Trait("conformance", "PROC-09")]
    public async Task Popen_style_write_stdin_read_stdout_and_closing_stdin_gives_end_of_stream()
    {
        var options = new ChildProcessOptions("/usr/bin/tr", "a-z", "A-Z") { StandardInput = ChildDescriptor.Pipe, StandardOutput = ChildDescriptor.Pipe };
        using ChildProcess child = ChildProcess.Start(options);
        await child.StandardInput!.WriteAsync("hello pipes"u8.ToArray());
        child.StandardInput.Dispose(); // end of stream: tr finishes
        Assert.Equal("HELLO PIPES", await ReadAllAsync(child.StandardOutput!));
        Assert.True((await child.WaitForExitAsync().WaitAsync(Bound)).Success);

        ChildProcessOutput captured = await ChildProcess.RunAsync(new ChildProcessOptions("/bin/cat"), "round trip"u8.ToArray()).WaitAsync(Bound);
        Assert.Equal("round trip", captured.Text);
    }

    [Fact]
    [Trait("conformance", "PROC-10")]
    public async Task Descriptors_the_library_opens_are_not_inherited_by_a_child_started_any_way()
    {
        string name = TestNames.Unique("cloexec");
        using var shm = PosixSharedMemory.CreateNew(name, 4096);
        using var queue = PosixMessageQueue.CreateNew(name, new PosixMessageQueueOptions { MaxMessages = 2, MaxMessageSize = 16 });
        using Pipe pipe = Pipe.Create();
        try
        {
            int[] ours =
            [
                shm.Handle.Fd, queue.Handle.Fd,
                (int)pipe.Reader.SafeFileHandle.DangerousGetHandle(), (int)pipe.Writer.SafeFileHandle.DangerousGetHandle(),
            ];

            ProcessRunner.Result viaProcess = await CPeers.RunAsync("fd_inherit"); // System.Diagnostics.Process
            ChildProcessOutput viaSpawn = await ChildProcess.RunAsync(CPeers.Path("fd_inherit")).WaitAsync(Bound);
            foreach (string listed in new[] { viaProcess.Stdout, viaSpawn.Text })
            {
                string[] fds = listed.Trim().Split(' ')[1..];
                Assert.All(ours, fd => Assert.DoesNotContain(fd.ToString(CultureInfo.InvariantCulture), fds));
            }
        }
        finally
        {
            PosixSharedMemory.TryUnlink(name);
            PosixMessageQueue.TryUnlink(name);
        }
    }

    [Fact]
    public async Task A_child_gets_default_signal_dispositions_so_SIGPIPE_ends_a_writer_without_a_reader()
    {
        // The runtime ignores SIGPIPE, and ignored signals survive exec: without SETSIGDEF, `yes | head` would never end.
        ChildProcessOutput output = await ChildProcess.RunAsync(new ChildProcessOptions("/bin/sh", "-c", "yes | head -c 3; exit 0")).WaitAsync(Bound);
        Assert.Equal("y\ny", output.Text);
        using Pipe pipe = Pipe.Create();
        pipe.Reader.Dispose();
        var options = new ChildProcessOptions("/usr/bin/yes") { StandardOutput = pipe.Writer };
        using ChildProcess yes = ChildProcess.Start(options);
        pipe.Writer.Dispose();
        Assert.Equal(13, (await yes.WaitForExitAsync().WaitAsync(Bound)).Signal); // SIGPIPE
    }

    [Fact]
    public void Bad_options_are_refused_before_any_process_starts()
    {
        Assert.Throws<ArgumentException>(() => new ChildProcessOptions(""));
        Assert.Throws<ArgumentException>(() => ChildProcess.Start(new ChildProcessOptions("/bin/true", "nul\0inside")));
        var badNumber = new ChildProcessOptions("/bin/true");
        badNumber.Descriptors[-1] = ChildDescriptor.Null;
        Assert.Throws<ArgumentOutOfRangeException>(() => ChildProcess.Start(badNumber));
        var inheritHigh = new ChildProcessOptions("/bin/true");
        inheritHigh.Descriptors[5] = ChildDescriptor.Inherit;
        Assert.Throws<ArgumentException>(() => ChildProcess.Start(inheritHigh));
        var badEnv = new ChildProcessOptions("/bin/true") { Environment = new Dictionary<string, string> { ["A=B"] = "x" } };
        Assert.Throws<ArgumentException>(() => ChildProcess.Start(badEnv));
        var noDir = new ChildProcessOptions("/bin/true") { WorkingDirectory = "/nonexistent/uipc-dir" };
        Assert.Equal(Errno.ENOENT, Assert.Throws<UnixIpcException>(() => ChildProcess.Start(noDir)).Error);
    }

    internal static async Task<string> ReadAllAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        return await reader.ReadToEndAsync().WaitAsync(Bound);
    }

    // State Z in /proc/<pid>/stat, and still our child (ppid): a reused pid belonging to someone else does not count.
    internal static bool IsOurZombie(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] == "Z" && int.Parse(fields[1], CultureInfo.InvariantCulture) == Environment.ProcessId;
    }

    // Reaping happens on the reactor right after the exit; this bounds the wait for it without a fixed sleep.
    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
    }
}
