using System.Globalization;
using System.Text.Json;

namespace UnixIpc.Benchmarks;

/// <summary>
/// The figures of a two-process kernel benchmark, one per round under "ROW rtt p50", "ROW rtt p99", "ROW 64B msgs/s"
/// and "ROW 64KiB MB/s": medians, and ratios taken per round (two figures measured moments apart) before their
/// median, since this machine's speed drifts between rounds.
/// </summary>
internal sealed class RoundResults
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly Dictionary<string, List<double>> values = [];

    public void AddLatency(string row, (double P50, double P99) nanoseconds)
    {
        Add($"{row} rtt p50", nanoseconds.P50);
        Add($"{row} rtt p99", nanoseconds.P99);
    }

    public void AddSmall(string row, double messagesPerSecond) => Add($"{row} 64B msgs/s", messagesPerSecond);

    public void AddLarge(string row, double messagesPerSecond) => Add($"{row} 64KiB MB/s", messagesPerSecond * 65536 / 1e6);

    /// <summary>Medians over rounds of <paramref name="row"/> ÷ <paramref name="baseline"/>, each figure's.</summary>
    public object RatiosOver(string row, string baseline) => new
    {
        rtt_p50 = Ratio($"{row} rtt p50", $"{baseline} rtt p50"),
        rtt_p99 = Ratio($"{row} rtt p99", $"{baseline} rtt p99"),
        throughput_64B = Ratio($"{row} 64B msgs/s", $"{baseline} 64B msgs/s"),
        throughput_64KiB = Ratio($"{row} 64KiB MB/s", $"{baseline} 64KiB MB/s"),
    };

    /// <summary>Prints the report (the environment, <paramref name="sizes"/>, medians, then the ratios under <paramref name="ratiosName"/>) and writes it to --out, if given.</summary>
    public async Task WriteAsync(RunSizes sizes, string ratiosName, object ratios, string[] args)
    {
        var report = new Dictionary<string, object>
        {
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["environment"] = new { Environment.ProcessorCount, runtime = Environment.Version.ToString(), kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim() },
            ["rounds"] = sizes.Rounds,
            ["roundTrips"] = sizes.RoundTrips,
            ["messages"] = sizes.Messages,
            ["large"] = sizes.Large,
            ["medians"] = values.ToDictionary(e => e.Key, e => Math.Round(Median(e.Value), 1)),
            [ratiosName] = ratios,
        };
        string json = JsonSerializer.Serialize(report, Indented);
        Console.WriteLine(json);
        if (args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() is string output)
        {
            await File.WriteAllTextAsync(output, json);
        }
    }

    public void Add(string key, double value) => (values.TryGetValue(key, out List<double>? list) ? list : values[key] = []).Add(value);

    public double Ratio(string key, string baseline) => Math.Round(Median(values[key].Zip(values[baseline], (o, b) => o / b)), 3);

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
