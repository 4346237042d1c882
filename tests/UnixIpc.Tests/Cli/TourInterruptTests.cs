using System.Text.RegularExpressions;

namespace UnixIpc.Tests;

/// <summary>
/// The tour promises to leave nothing behind, interrupted too (issue #10): Ctrl-C (SIGINT to the whole process group,
/// as a terminal sends it) or SIGINT/SIGTERM to the tour alone, at a moment when a scenario has objects, files and
/// child processes alive. It must stop its children, reap them, remove what it made and exit 130.
/// </summary>
public sealed partial class TourInterruptTests
{
    [Theory]
    [InlineData("attached and wrote 1 2 3 4 5", "group SIGINT")] // a System V segment exists, its consumer not yet started
    [InlineData("competing consumers", "SIGTERM")] // a channel with three processes on it
    [InlineData("2 consumers are registered and waiting", "SIGTERM")] // two steps blocked in a wait, which no signal ends
    [InlineData("2 consumers are registered and waiting", "SIGINT")]
    [InlineData("== FIFO:", "SIGINT")] // a FIFO in TMPDIR, a reader waiting for a writer
    [InlineData("three client processes at once", "group SIGINT")] // an echo server and three clients
    public async Task An_interrupted_tour_leaves_no_object_file_or_process_and_exits_130(string moment, string how)
    {
        string mark = Guid.NewGuid().ToString("N");
        string scratch = Directory.CreateTempSubdirectory("unixipc_tour_interrupt_").FullName;
        var options = new ChildProcessOptions("/usr/bin/setsid", ProcessRunner.DotnetHost, Path.Combine(AppContext.BaseDirectory, "unixipc.dll"), "tour")
        {
            StandardOutput = ChildDescriptor.Pipe,
            StandardError = ChildDescriptor.Pipe,
            Environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!),
        };
        options.Environment["TMPDIR"] = scratch; // the tour's files, and nothing else's
        options.Environment["UNIXIPC_TEST_MARK"] = mark; // inherited by every process the tour starts
        using ChildProcess tour = ChildProcess.Start(options);
        var lines = new List<string>();
        try
        {
            using var reader = new StreamReader(tour.StandardOutput!);
            Task<string> errors = new StreamReader(tour.StandardError!).ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (await reader.ReadLineAsync(limit.Token) is { } line)
            {
                lines.Add(line);
                if (line.Contains(moment, StringComparison.Ordinal))
                {
                    break;
                }
            }

            Assert.True(lines.Count > 0 && lines[^1].Contains(moment, StringComparison.Ordinal), "the tour ended before the moment: " + string.Join('\n', lines));
            switch (how)
            {
                case "group SIGINT":
                    Assert.Equal(0, Interop.Kill(-tour.ProcessId, 2)); // setsid made it a group leader
                    break;
                case "SIGINT":
                    tour.Signal(UnixSignal.Interrupt);
                    break;
                default:
                    tour.Signal(UnixSignal.Terminate);
                    break;
            }

            lines.AddRange((await reader.ReadToEndAsync(limit.Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            ChildExitStatus status = await tour.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(status.ExitCode == 130, $"{status}: {await errors}\n{string.Join('\n', lines)}");
            Assert.Contains("interrupted", await errors, StringComparison.Ordinal);

            // Nothing left: no process of the tour's, no file in its TMPDIR, no POSIX object under its pid, no System V
            // object under a key it printed.
            Assert.Empty(await ProcessesMarkedAsync(mark));
            Assert.Empty(Directory.EnumerateFileSystemEntries(scratch));
            Assert.Empty(Directory.EnumerateFileSystemEntries("/dev/shm", $"*unixipc_tour_{tour.ProcessId}*"));
            string[] keys = [.. lines.SelectMany(l => KeyPattern().Matches(l)).Select(m => m.Groups[1].Value)];
            string[] sysv = [.. new[] { "shm", "msg", "sem" }.SelectMany(kind => File.ReadLines($"/proc/sysvipc/{kind}").Skip(1))];
            foreach (string key in keys)
            {
                long value = Convert.ToInt64(key, 16);
                Assert.DoesNotContain(sysv, l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture) == (int)value);
            }
        }
        finally
        {
            tour.Kill();
            foreach (int pid in await ProcessesMarkedAsync(mark, wait: false))
            {
                Interop.Kill(pid, 9); // only processes that carry this test's mark: ones this test started
            }

            Directory.Delete(scratch, recursive: true);
        }
    }

    [GeneratedRegex(@"= (0x[0-9a-f]{8})")]
    private static partial Regex KeyPattern();

    // Processes whose environment carries MARK; waits (bounded) for ones still on their way out.
    private static async Task<List<int>> ProcessesMarkedAsync(string mark, bool wait = true)
    {
        byte[] needle = System.Text.Encoding.ASCII.GetBytes("UNIXIPC_TEST_MARK=" + mark);
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var found = new List<int>();
            foreach (string dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
                {
                    continue;
                }

                try
                {
                    if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(needle) >= 0 && !File.ReadAllText(Path.Combine(dir, "stat")).Contains(") Z ", StringComparison.Ordinal))
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // gone, or not ours to read
                }
            }

            if (found.Count == 0 || !wait || DateTime.UtcNow > limit)
            {
                return found;
            }

            await Task.Delay(50);
        }
    }
}
