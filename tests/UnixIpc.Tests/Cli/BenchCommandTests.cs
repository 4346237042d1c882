using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc bench</c> (issue #16): a real quick measurement as JSON, and a bad --only.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_quick_only_pipe_and_tcp_json_measures_every_row_against_c_dotnet_and_tcp_and_leaves_nothing_behind()
    {
        (ProcessRunner.Result run, JsonElement root) = await QuickJsonAsync("pipe,tcp");
        Assert.Equal(1, root.GetProperty("rounds").GetInt32());
        JsonElement[] rows = [.. root.GetProperty("rows").EnumerateArray()];
        string[] figures = ["rtt 8", "rtt 1024", "throughput 64", "throughput 65536", "wakeup 8"];
        Assert.Equal([.. figures.Select(f => "pipe " + f), .. figures.Select(f => "tcp " + f)], rows.Select(RowName));
        bool hasC = root.GetProperty("c").GetBoolean();
        foreach (JsonElement row in rows)
        {
            bool pipe = row.GetProperty("mechanism").GetString() == "pipe";
            Assert.Equal(pipe, row.GetProperty("throughUnixIpc").GetBoolean());
            foreach (string implementation in new[] { "unixipc", "c", "dotnet" })
            {
                JsonElement measured = row.GetProperty(implementation);
                if ((implementation == "c" && !hasC) || (implementation == "unixipc" && !pipe))
                {
                    Assert.Equal(JsonValueKind.Null, measured.ValueKind); // TCP is a baseline: .NET's Socket against C
                    continue;
                }

                if (row.GetProperty("figure").GetString() == "wakeup")
                {
                    Assert.Equal(200, measured.GetProperty("wakeUps").GetInt32());
                    Assert.True(measured.GetProperty("p50").GetDouble() > 0, run.Stdout);
                    Assert.True(measured.GetProperty("max").GetDouble() >= measured.GetProperty("p50").GetDouble(), run.Stdout);
                }
                else if (row.GetProperty("figure").GetString() == "rtt")
                {
                    Assert.Equal(2000, measured.GetProperty("roundTrips").GetInt32());
                    Assert.True(measured.GetProperty("p50").GetDouble() > 0, run.Stdout);
                    Assert.True(measured.GetProperty("max").GetDouble() >= measured.GetProperty("p999").GetDouble(), run.Stdout);
                }
                else
                {
                    Assert.True(measured.GetProperty("msgsPerSecond").GetDouble() > 0, run.Stdout);
                    Assert.Equal(measured.GetProperty("msgsPerSecond").GetDouble() * row.GetProperty("size").GetInt32() / 1e6, measured.GetProperty("megabytesPerSecond").GetDouble(), 0.1);
                }
            }

            Assert.Equal(pipe ? "AnonymousPipe" : "Socket (TCP)", row.GetProperty("dotnet").GetProperty("type").GetString());
            foreach ((string ratio, bool expected) in new[] { ("overDotnet", pipe), ("overTcp", pipe), ("overC", hasC), ("overNamedPipe", false) }) // no FIFO row in this run: no named pipe figure
            {
                JsonElement value = row.GetProperty(ratio);
                Assert.True(expected ? value.EnumerateObject().First().Value.GetDouble() > 0 : value.ValueKind == JsonValueKind.Null, $"{ratio}: {row}");
            }

            Assert.Equal(pipe && hasC, row.GetProperty("targetMet").ValueKind != JsonValueKind.Null);
        }
    }

    [Fact]
    public async Task Bench_quick_measures_file_locks_the_semaphore_buffer_and_the_channel_against_c_and_removes_their_objects()
    {
        (_, JsonElement root) = await QuickJsonAsync("lock,shmsem,channel");
        bool hasC = root.GetProperty("c").GetBoolean();
        string[] rows = [.. root.GetProperty("rows").EnumerateArray().Select(RowName)];
        Assert.Equal(["lock rtt 0", "shmsem rtt 64", "shmsem throughput 64", "shmsem wakeup 8", "channel rtt 8", "channel rtt 1024", "channel throughput 64", "channel throughput 65536", "channel wakeup 8", "channel fanin 64", "channel broadcast 64"], rows);
        foreach (JsonElement row in root.GetProperty("rows").EnumerateArray())
        {
            bool ringOnlySpins = RowName(row) == "channel wakeup 8"; // the C ring never sleeps: no C figure, a note says so
            Assert.Equal(ringOnlySpins && hasC, root.GetProperty("notes").EnumerateArray().Any(n => n.GetString()!.Contains("wake-up: no C figure", StringComparison.Ordinal)) && ringOnlySpins);
            foreach (string implementation in hasC && !ringOnlySpins ? new[] { "unixipc", "c" } : ["unixipc"])
            {
                JsonElement measured = row.GetProperty(implementation);
                Assert.True(measured.GetProperty(row.GetProperty("figure").GetString() is "throughput" or "fanin" or "broadcast" ? "msgsPerSecond" : "p50").GetDouble() > 0, $"{implementation}: {row}");
            }
        }
    }

    [Fact]
    public async Task Bench_quick_measures_the_shared_memory_stream_against_dotnet_named_pipes_and_says_c_has_none()
    {
        (ProcessRunner.Result run, JsonElement root) = await QuickJsonAsync("fifo,shmstream");
        string[] figures = ["rtt 8", "rtt 1024", "throughput 64", "throughput 65536", "wakeup 8"];
        Assert.Equal([.. figures.Select(f => "fifo " + f), .. figures.Select(f => "shmstream " + f)], root.GetProperty("rows").EnumerateArray().Select(RowName));
        foreach (JsonElement fifo in root.GetProperty("rows").EnumerateArray().Take(figures.Length))
        {
            // The ÷NamedPipe column is over the FIFO row's own .NET type, its ÷.NET column.
            Assert.Equal(fifo.GetProperty("overDotnet").GetRawText(), fifo.GetProperty("overNamedPipe").GetRawText());
        }

        foreach (JsonElement row in root.GetProperty("rows").EnumerateArray().Skip(figures.Length))
        {
            Assert.True(row.GetProperty("overNamedPipe").EnumerateObject().First().Value.GetDouble() > 0, run.Stdout);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("c").ValueKind);
            Assert.Equal("NamedPipe", row.GetProperty("dotnet").GetProperty("type").GetString());
            Assert.True(row.GetProperty("overDotnet").EnumerateObject().First().Value.GetDouble() > 0, run.Stdout);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("targetMet").ValueKind);
        }

        if (root.GetProperty("c").GetBoolean())
        {
            Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString() == "shared-memory stream: no C figures (C has no such mechanism; compared with .NET's NamedPipe)");
        }
    }

    [Fact]
    public async Task Bench_quick_measures_grpc_over_shared_memory_against_grpc_over_tcp_and_every_server_stops()
    {
        (ProcessRunner.Result run, JsonElement root) = await QuickJsonAsync("grpc-shm");
        string[] figures = ["rtt 8", "rtt 1024", "throughput 64", "throughput 65536"];
        Assert.Equal([.. figures.Select(f => "grpc-shm " + f)], root.GetProperty("rows").EnumerateArray().Select(RowName));
        foreach (JsonElement row in root.GetProperty("rows").EnumerateArray())
        {
            Assert.Equal(JsonValueKind.Null, row.GetProperty("c").ValueKind);
            Assert.Equal("gRPC over TCP", row.GetProperty("dotnet").GetProperty("type").GetString());
            foreach (string implementation in new[] { "unixipc", "dotnet" })
            {
                JsonElement measured = row.GetProperty(implementation);
                Assert.True(measured.GetProperty(row.GetProperty("figure").GetString() == "rtt" ? "p50" : "msgsPerSecond").GetDouble() > 0, $"{implementation}: {row}");
            }

            Assert.True(row.GetProperty("overDotnet").EnumerateObject().First().Value.GetDouble() > 0, run.Stdout);
        }

        // Each measurement's server stopped when its client was done (a server left running would have held the run
        // until the measurement's time-out, and failed it); nothing was left (QuickJsonAsync).
    }

    [Fact]
    public async Task Bench_says_how_the_dotnet_sides_were_compiled_and_runtime_defaults_chooses_the_runtimes_own()
    {
        foreach ((string[] extra, string expected) in new[]
        {
            (Array.Empty<string>(), "tiered compilation off"),
            (new[] { "--runtime-defaults" }, "runtime defaults: tiered compilation, dynamic PGO"),
        })
        {
            ProcessRunner.Result run = await ProcessRunner.RunCliAsync(TimeSpan.FromMinutes(10), ["bench", "--rounds", "1", "--only", "psem", "--json", .. extra]);
            Assert.True(run.ExitCode == 0, run.ToString());
            using JsonDocument document = JsonDocument.Parse(run.Stdout);
            Assert.Equal(expected, document.RootElement.GetProperty("dotnetCode").GetString());
            Assert.Equal(20_000, document.RootElement.GetProperty("rows")[0].GetProperty("unixipc").GetProperty("roundTrips").GetInt32()); // a full round, not --quick
        }
    }

    [Fact]
    public async Task Bench_shows_a_64_KiB_row_the_kernel_limits_forbid_as_not_measured_naming_the_limit()
    {
        long max = long.Parse(File.ReadAllText("/proc/sys/fs/mqueue/msgsize_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        (ProcessRunner.Result run, JsonElement root) = await QuickJsonAsync("mq");
        JsonElement bulk = root.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("size").GetInt32() == 65536);
        Assert.Equal("MB/s", bulk.GetProperty("unit").GetString());
        if (max < 65536)
        {
            Assert.Contains("msgsize_max", bulk.GetProperty("notMeasured").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, bulk.GetProperty("unixipc").ValueKind);
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, bulk.GetProperty("notMeasured").ValueKind);
            Assert.True(bulk.GetProperty("unixipc").GetProperty("megabytesPerSecond").GetDouble() > 0, run.Stdout);
        }
    }

    [Fact]
    public async Task Bench_plot_writes_a_png_of_the_rows()
    {
        string png = Path.Combine(Path.GetTempPath(), $"bench_plot_{Guid.NewGuid():N}.png");
        try
        {
            ProcessRunner.Result run = await ProcessRunner.RunCliAsync("bench", "--quick", "--only", "pipe", "--plot", png);
            Assert.True(run.ExitCode == 0, run.ToString());
            byte[] written = File.ReadAllBytes(png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, written[..8]);
            Assert.True(written.Length > 10_000, $"{written.Length} bytes"); // bars, labels and a legend, not an empty canvas
            Assert.Equal(["bench: round 1/1: pipe"], run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // not a terminal: plain lines, no progress bar
        }
        finally
        {
            File.Delete(png);
        }
    }

    [Fact]
    public async Task Bench_plot_refuses_a_bad_name_as_usage_and_an_unwritable_place_as_one_line_exit_1_before_measuring()
    {
        foreach ((string path, int expected) in new[] { ("", 2), ("  ", 2), ("bench.txt", 2), ("/tmp/", 2), ("/nonexistent_dir_for_bench/plot.png", 1), ("/proc/plot.png", 1) })
        {
            CliRunner.Result run = await CliRunner.RunAsync("bench", "--only", "pipe", "--plot", path);
            Assert.True(run.ExitCode == expected, $"'{path}': {run}");
            Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected == 2 ? ".png" : "cannot write the plot", run.Stderr, StringComparison.Ordinal);
            Assert.Equal("", run.Stdout);
        }
    }

    [Fact]
    public async Task Bench_with_an_unknown_only_name_is_a_usage_error_naming_the_valid_ones()
    {
        CliRunner.Result run = await CliRunner.RunAsync("bench", "--only", "pipe,nosuch");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("nosuch", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("pipe, fifo, stream, seqpacket, mq, msg, psem, sem, signal, lock, shmsem, channel, channel-spin, shmstream, grpc, grpc-shm, tcp", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task Bench_refuses_empty_only_and_out_of_range_or_overflowing_rounds_before_measuring()
    {
        foreach (string[] args in new[]
        {
            new[] { "bench", "--only", "" },
            new[] { "bench", "--only", " , " },
            new[] { "bench", "--rounds", "0" },
            new[] { "bench", "--rounds", "-3" },
            new[] { "bench", "--rounds", "5000" },
            new[] { "bench", "--rounds", "0xFFFFFFFFFFFFFFFFF" },
        })
        {
            CliRunner.Result run = await CliRunner.RunAsync(args);
            Assert.True(run.ExitCode == 2, $"{string.Join(' ', args)}: {run}");
            Assert.DoesNotContain("bench: round", run.Stderr, StringComparison.Ordinal); // nothing was measured
            Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
            if (args[1] == "--rounds")
            {
                Assert.Contains("1 to 1000", run.Stderr, StringComparison.Ordinal); // the range, also for a number too long for 64 bits
            }
        }
    }

    // A quick run of ONLY as JSON, which must succeed: the run (for messages) and its root object. It also checks
    // that the run left nothing behind: no bench object in /dev/shm or TMPDIR that was not there before it (another
    // program's benchmark may have left its own).
    private static async Task<(ProcessRunner.Result Run, JsonElement Root)> QuickJsonAsync(string only)
    {
        string[] before = BenchLeftovers();
        // Bounded by what the harness allows: each measurement is killed after two minutes (a gRPC run starts a Kestrel
        // server per measurement, which takes seconds on a loaded machine).
        ProcessRunner.Result run = await ProcessRunner.RunCliAsync(TimeSpan.FromMinutes(10), "bench", "--quick", "--only", only, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(BenchLeftovers().Except(before));
        using JsonDocument document = JsonDocument.Parse(run.Stdout);
        return (run, document.RootElement.Clone());
    }

    private static string[] BenchLeftovers() =>
    [
        .. Directory.EnumerateFileSystemEntries("/dev/shm", "*unixipc_bench_*"),
        .. Directory.EnumerateFileSystemEntries(Path.GetTempPath(), "unixipc_bench_*"),
        .. Directory.EnumerateFileSystemEntries(Path.GetTempPath(), "CoreFxPipe_unixipc_bench_*"),
    ];

    private static string RowName(JsonElement row) => $"{row.GetProperty("mechanism").GetString()} {row.GetProperty("figure").GetString()} {row.GetProperty("size").GetInt32()}";
}
