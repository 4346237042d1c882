using System.Text.Json;

namespace UnixIpc.Tests;

/// <summary><c>unixipc bench</c> (issue #16): a real quick measurement as JSON, and a bad --only.</summary>
[Collection(CrossProcessCollection.Name)]
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_quick_only_pipe_json_measures_every_pipe_row_and_leaves_nothing_behind()
    {
        ProcessRunner.Result run = await ProcessRunner.RunCliAsync("bench", "--quick", "--only", "pipe", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using JsonDocument document = JsonDocument.Parse(run.Stdout);
        JsonElement root = document.RootElement;
        Assert.Equal(1, root.GetProperty("rounds").GetInt32());
        JsonElement[] rows = [.. root.GetProperty("rows").EnumerateArray()];
        Assert.Equal(["rtt 8", "rtt 1024", "throughput 64", "throughput 65536"], rows.Select(r => $"{r.GetProperty("figure").GetString()} {r.GetProperty("size").GetInt32()}"));
        bool hasC = root.GetProperty("c").GetBoolean();
        foreach (JsonElement row in rows)
        {
            Assert.Equal("pipe", row.GetProperty("mechanism").GetString());
            foreach (string implementation in hasC ? new[] { "unixipc", "c", "dotnet" } : ["unixipc", "dotnet"])
            {
                JsonElement figures = row.GetProperty(implementation);
                if (row.GetProperty("figure").GetString() == "rtt")
                {
                    Assert.Equal(2000, figures.GetProperty("roundTrips").GetInt32());
                    Assert.True(figures.GetProperty("p50").GetDouble() > 0, run.Stdout);
                    Assert.True(figures.GetProperty("max").GetDouble() >= figures.GetProperty("p999").GetDouble(), run.Stdout);
                }
                else
                {
                    Assert.True(figures.GetProperty("msgsPerSecond").GetDouble() > 0, run.Stdout);
                    Assert.Equal(figures.GetProperty("msgsPerSecond").GetDouble() * row.GetProperty("size").GetInt32() / 1e6, figures.GetProperty("megabytesPerSecond").GetDouble(), 0.1);
                }
            }

            Assert.True(row.GetProperty("overDotnet").EnumerateObject().First().Value.GetDouble() > 0, run.Stdout);
            if (hasC)
            {
                Assert.True(row.GetProperty("overC").EnumerateObject().First().Value.GetDouble() > 0, run.Stdout);
            }
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetTempPath(), "unixipc_bench_*"));
    }

    [Fact]
    public async Task Bench_shows_a_64_KiB_row_the_kernel_limits_forbid_as_not_measured_naming_the_limit()
    {
        long max = long.Parse(File.ReadAllText("/proc/sys/fs/mqueue/msgsize_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        ProcessRunner.Result run = await ProcessRunner.RunCliAsync("bench", "--quick", "--only", "mq", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using JsonDocument document = JsonDocument.Parse(run.Stdout);
        JsonElement bulk = document.RootElement.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("size").GetInt32() == 65536);
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
    public async Task Bench_with_an_unknown_only_name_is_a_usage_error_naming_the_valid_ones()
    {
        CliRunner.Result run = await CliRunner.RunAsync("bench", "--only", "pipe,nosuch");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("nosuch", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("pipe, fifo, stream, seqpacket, mq, msg, psem, sem, signal", run.Stderr, StringComparison.Ordinal);
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
        }
    }
}
