using System.Globalization;
using System.Text.Json;

namespace UnixIpc.Benchmarking;

/// <summary>One measurement: each round trip's nanoseconds (sorted), or messages per second.</summary>
internal sealed record BenchResult(long[]? Samples, double Rate)
{
    public static BenchResult FromSamples(long[] samples, int expected)
    {
        if (samples.Length != expected)
        {
            throw new InvalidDataException($"the measuring side gave {samples.Length} round trips of {expected}");
        }

        Array.Sort(samples);
        return new BenchResult(samples, 0);
    }

    public static BenchResult FromRate(double rate) => new(null, rate);

    public double Percentile(double fraction) => Samples![Math.Min(Samples.Length - 1, (int)(Samples.Length * fraction))];
}

/// <summary>
/// The figures of a run: for each mechanism and figure, each implementation's rounds; a latency row's percentiles
/// come from the histogram of all its rounds' round trips, its ratios are medians of per-round ratios (two figures
/// measured moments apart: this machine's speed drifts between rounds). Targets (issue #16): UnixIpc within 1.15×
/// of C's round-trip p50, and at least 0.85× of C's throughput.
/// </summary>
internal sealed class BenchReport(BenchSettings settings, bool hasC, string? note)
{
    public const double LatencyTarget = 1.15, ThroughputTarget = 0.85;

    /// <summary>The baseline of the ÷NamedPipe column: what .NET users reach for today between two local processes.</summary>
    public const string NamedPipe = "namedpipe";
    private static readonly double[] Fractions = [0.5, 0.9, 0.99, 0.999];
    private readonly List<(BenchMechanism Mechanism, BenchMeasure Measure)> rows = [];
    private readonly Dictionary<(string, BenchMeasure, string), List<BenchResult>> results = [];
    private readonly Dictionary<(string, BenchMeasure), string> notMeasured = [];
    private readonly List<string> notes = [];

    public string? Note => note;

    /// <summary>The rows in table order: each mechanism's figures.</summary>
    public IReadOnlyList<(BenchMechanism Mechanism, BenchMeasure Measure)> Rows => rows;

    /// <summary>A figure this machine cannot take (its row says n/a, and why).</summary>
    public void Skip(BenchMechanism mechanism, BenchMeasure measure, string reason)
    {
        AddRow(mechanism, measure);
        notMeasured[(mechanism.Name, measure)] = reason;
    }

    /// <summary>A line under the table (and in the JSON's notes), once.</summary>
    public void AddNote(string text)
    {
        if (!notes.Contains(text))
        {
            notes.Add(text);
        }
    }

    public void Add(BenchMechanism mechanism, BenchMeasure measure, string implementation, BenchResult result)
    {
        AddRow(mechanism, measure);
        (results.TryGetValue((mechanism.Name, measure, implementation), out List<BenchResult>? list) ? list : results[(mechanism.Name, measure, implementation)] = []).Add(result);
    }

    private void AddRow(BenchMechanism mechanism, BenchMeasure measure)
    {
        if (!rows.Contains((mechanism, measure)))
        {
            rows.Add((mechanism, measure));
        }
    }

    /// <summary>
    /// Median over rounds of the row's subject (UnixIpc; .NET for a baseline-only row) ÷ <paramref name="baseline"/>
    /// ("c", "dotnet", <see cref="NamedPipe"/>: .NET's named pipes at the same figure, the FIFO row's own type, or
    /// "tcp": .NET's TCP loopback at the same figure) at <paramref name="fraction"/> (throughput: of the rates); null
    /// without the baseline (a row not in the run, or without that figure).
    /// </summary>
    public double? Ratio(BenchMechanism mechanism, BenchMeasure measure, string baseline, double fraction = 0.5)
    {
        (string Mechanism, string Implementation) theirs = baseline switch
        {
            BenchMechanism.Tcp => (BenchMechanism.Tcp, "dotnet"),
            NamedPipe => ("fifo", "dotnet"),
            _ => (mechanism.Name, baseline),
        };
        if (theirs == (mechanism.Name, mechanism.Subject)
            || !results.TryGetValue((theirs.Mechanism, measure, theirs.Implementation), out List<BenchResult>? baselineRounds)
            || !results.TryGetValue((mechanism.Name, measure, mechanism.Subject), out List<BenchResult>? ours))
        {
            return null;
        }

        return Math.Round(Median(ours.Zip(baselineRounds, (o, b) => measure.IsLatency ? o.Percentile(fraction) / b.Percentile(fraction) : o.Rate / b.Rate)), 3);
    }

    /// <summary>Whether the row meets its target against C; null without C, or for a baseline-only row.</summary>
    public bool? MeetsTarget(BenchMechanism mechanism, BenchMeasure measure)
        => mechanism.ThroughUnixIpc && Ratio(mechanism, measure, "c") is double r ? (measure.IsLatency ? r <= LatencyTarget : r >= ThroughputTarget) : null;

    public void WriteTable(TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"unixipc bench: {settings.Rounds} round(s), {settings.RoundTrips} round trips and {settings.Messages} messages a round ({BenchMechanism.ChannelMessageScale}× on the channel rows); {Environment.ProcessorCount} CPUs, each side pinned to its own; .NET {Environment.Version} ({settings.DotNetCode}), kernel {Kernel()}"));
        if (note is not null)
        {
            output.WriteLine("note: " + note);
        }

        string[] header = ["mechanism", "figure", "UnixIpc p50/p99", "C p50/p99", "÷C p50", "÷C p99", ".NET own", ".NET p50/p99", "÷.NET p50", "÷NamedPipe p50", "÷TCP p50", "target"];
        var lines = new List<string[]> { header };
        foreach ((BenchMechanism m, BenchMeasure measure) in rows)
        {
            string Figure(string implementation) => results.TryGetValue((m.Name, measure, implementation), out List<BenchResult>? r) ? Format(measure, r) : "n/a";
            string RatioText(string baseline, double fraction) => Ratio(m, measure, baseline, fraction) is double v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
            bool againstOwn = m.DotNetBaseline is not null && m.ThroughUnixIpc;
            lines.Add(
            [
                m.Title,
                measure.Label,
                m.ThroughUnixIpc ? Figure("unixipc") : "–",
                Figure("c"),
                RatioText("c", 0.5),
                measure.IsLatency ? RatioText("c", 0.99) : "",
                m.DotNetBaseline ?? "",
                m.DotNetBaseline is null ? "" : Figure("dotnet"),
                againstOwn ? RatioText("dotnet", 0.5) : "",
                Ratio(m, measure, NamedPipe) is double overPipe ? overPipe.ToString("0.00", CultureInfo.InvariantCulture) : "",
                Ratio(m, measure, BenchMechanism.Tcp) is double overTcp ? overTcp.ToString("0.00", CultureInfo.InvariantCulture) : "",
                !m.ThroughUnixIpc ? "–" : MeetsTarget(m, measure) switch { true => "met", false => "missed", null => "n/a" },
            ]);
        }

        int[] widths = [.. Enumerable.Range(0, header.Length).Select(i => lines.Max(l => l[i].Length))];
        foreach (string[] line in lines)
        {
            output.WriteLine(string.Join("  ", line.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }

        foreach (string reason in notMeasured.Values.Distinct().Concat(notes))
        {
            output.WriteLine(reason);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"÷C, ÷.NET, ÷NamedPipe, ÷TCP: UnixIpc over the baseline (÷NamedPipe: over .NET's named pipes, the FIFO row's own type; ÷TCP: over .NET's Socket on TCP loopback; both at the same figure, when their row is in the run), median of per-round ratios (latency: lower is better; msgs/s, MB/s: higher); a baseline-only row's ÷C is .NET's. Target: latency p50 ≤ {LatencyTarget}× C, throughput ≥ {ThroughputTarget}× C."));
    }

    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteString("date", DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        json.WriteStartObject("environment");
        json.WriteNumber("processors", Environment.ProcessorCount);
        json.WriteString("runtime", Environment.Version.ToString());
        json.WriteString("kernel", Kernel());
        json.WriteEndObject();
        json.WriteNumber("rounds", settings.Rounds);
        json.WriteNumber("roundTripsPerRound", settings.RoundTrips);
        json.WriteNumber("messagesPerRound", settings.Messages);
        json.WriteString("dotnetCode", settings.DotNetCode);
        json.WriteBoolean("c", hasC);
        if (note is null)
        {
            json.WriteNull("note");
        }
        else
        {
            json.WriteString("note", note);
        }

        json.WriteStartArray("notes");
        foreach (string text in notes)
        {
            json.WriteStringValue(text);
        }

        json.WriteEndArray();
        json.WriteStartObject("targets");
        json.WriteNumber("latencyOverC", LatencyTarget);
        json.WriteNumber("throughputOverC", ThroughputTarget);
        json.WriteEndObject();
        json.WriteStartArray("rows");
        foreach ((BenchMechanism m, BenchMeasure measure) in rows)
        {
            json.WriteStartObject();
            json.WriteString("mechanism", m.Name);
            json.WriteBoolean("throughUnixIpc", m.ThroughUnixIpc);
            json.WriteString("figure", measure.Figure);
            json.WriteNumber("size", measure.Size);
            json.WriteString("unit", measure.IsLatency ? "ns" : measure.IsBulk ? "MB/s" : "msgs/s");
            if (notMeasured.TryGetValue((m.Name, measure), out string? reason))
            {
                json.WriteString("notMeasured", reason);
            }
            else
            {
                json.WriteNull("notMeasured");
            }

            foreach (string implementation in new[] { "unixipc", "c", "dotnet" })
            {
                if (!results.TryGetValue((m.Name, measure, implementation), out List<BenchResult>? r))
                {
                    json.WriteNull(implementation);
                    continue;
                }

                json.WriteStartObject(implementation);
                if (implementation == "dotnet")
                {
                    json.WriteString("type", m.DotNetBaseline);
                }

                if (measure.IsLatency)
                {
                    var all = BenchResult.FromSamples([.. r.SelectMany(x => x.Samples!)], r.Sum(x => x.Samples!.Length));
                    json.WriteNumber(measure.IsWakeUp ? "wakeUps" : "roundTrips", all.Samples!.Length);
                    json.WriteNumber("p50", all.Percentile(0.5));
                    json.WriteNumber("p90", all.Percentile(0.9));
                    json.WriteNumber("p99", all.Percentile(0.99));
                    json.WriteNumber("p999", all.Percentile(0.999));
                    json.WriteNumber("max", all.Samples[^1]);
                }
                else
                {
                    double rate = Median(r.Select(x => x.Rate));
                    json.WriteNumber("msgsPerSecond", Math.Round(rate, 1));
                    json.WriteNumber("megabytesPerSecond", Math.Round(rate * measure.Size / 1e6, 1));
                }

                json.WriteEndObject();
            }

            foreach ((string name, string baseline) in new[] { ("overC", "c"), ("overDotnet", "dotnet"), ("overNamedPipe", NamedPipe), ("overTcp", BenchMechanism.Tcp) })
            {
                if (Ratio(m, measure, baseline) is not double p50)
                {
                    json.WriteNull(name);
                    continue;
                }

                json.WriteStartObject(name);
                if (measure.IsLatency)
                {
                    json.WriteNumber("p50", p50);
                    json.WriteNumber("p99", Ratio(m, measure, baseline, 0.99)!.Value);
                }
                else
                {
                    json.WriteNumber("msgsPerSecond", p50);
                }

                json.WriteEndObject();
            }

            if (MeetsTarget(m, measure) is bool met)
            {
                json.WriteBoolean("targetMet", met);
            }
            else
            {
                json.WriteNull("targetMet");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    // p50/p99 of the histogram of every round (latency), or the median rate.
    private static string Format(BenchMeasure measure, List<BenchResult> rounds)
    {
        if (!measure.IsLatency)
        {
            double rate = Median(rounds.Select(r => r.Rate));
            if (measure.IsBulk)
            {
                return (rate * measure.Size / 1e6).ToString("0", CultureInfo.InvariantCulture);
            }

            return rate >= 1e6 ? string.Create(CultureInfo.InvariantCulture, $"{rate / 1e6:0.00} M") : string.Create(CultureInfo.InvariantCulture, $"{rate / 1e3:0.0} k");
        }

        var all = BenchResult.FromSamples([.. rounds.SelectMany(r => r.Samples!)], rounds.Sum(r => r.Samples!.Length));
        return $"{Micro(all.Percentile(0.5))}/{Micro(all.Percentile(0.99))} µs";
    }

    private static string Micro(double ns) => (ns / 1000).ToString(ns < 10_000 ? "0.0" : "0", CultureInfo.InvariantCulture);

    private static string Kernel() => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
