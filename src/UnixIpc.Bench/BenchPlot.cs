using System.Globalization;
using ScottPlot;

namespace UnixIpc.Benchmarking;

/// <summary>
/// <c>--plot FILE.png</c>: one horizontal bar per row, the row's speed relative to C in the same run, so that every
/// bar reads the same way (longer is faster) whatever the figure: C's p50 ÷ UnixIpc's for round trips and wake-ups,
/// UnixIpc's rate ÷ C's for throughput (a baseline-only row: .NET's; a row C has no equivalent for, the shared-memory
/// stream and gRPC: UnixIpc against .NET's own type, in its own colour). A line at 1 (as fast as C) and one at the
/// targets (latency within 1.15× C is a speed of at least 0.87; throughput at least 0.85×).
/// </summary>
internal static class BenchPlot
{
    /// <summary>The longest bar drawn (4× the baseline's speed); a faster row's bar is cut there and labelled with its figure.</summary>
    private const double LongestBar = 4;

    public static void Save(BenchReport report, string path)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        Color latency = Colors.SteelBlue, throughput = Colors.SeaGreen, wakeUp = Colors.DarkOrange, baseline = Colors.Gray, overDotNet = Colors.MediumPurple;
        foreach ((BenchMechanism mechanism, BenchMeasure measure) in report.Rows)
        {
            // Against C; a row C has no equivalent for (the shared-memory stream, gRPC) against .NET's own type.
            bool againstDotNet = !mechanism.HasC;
            if (report.Ratio(mechanism, measure, againstDotNet ? "dotnet" : "c") is not double ratio || ratio <= 0)
            {
                continue; // not measured, or no baseline
            }

            double position = -bars.Count; // the first row at the top
            double speed = measure.IsLatency ? 1 / ratio : ratio;
            bars.Add(new Bar
            {
                Position = position,
                Value = Math.Min(speed, LongestBar), // a 40× bar would flatten every other row: cut, and its label says so
                FillColor = !mechanism.ThroughUnixIpc ? baseline : againstDotNet ? overDotNet : measure.IsWakeUp ? wakeUp : measure.IsLatency ? latency : throughput,
                Orientation = Orientation.Horizontal,
                Label = speed.ToString("0.00", CultureInfo.InvariantCulture) + (speed > LongestBar ? " (cut)" : ""),
            });
            ticks.Add(new Tick(position, againstDotNet ? $"{mechanism.Title} {measure.Label} (vs {mechanism.DotNetBaseline})" : $"{mechanism.Title} {measure.Label}", isMajor: true));
        }

        if (bars.Count == 0)
        {
            throw new InvalidOperationException("nothing to plot: no row has a C figure (is gcc installed?) or a .NET one to stand in for it");
        }

        ScottPlot.Plottables.BarPlot plotted = plot.Add.Bars(bars);
        plotted.ValueLabelStyle.FontSize = 11;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Add.VerticalLine(1, 1.5f, Colors.Black);
        plot.Add.VerticalLine(BenchReport.ThroughputTarget, 1, Colors.Red, LinePattern.Dashed);
        plot.Axes.Bottom.Label.Text = "speed relative to C in the same run (purple: to .NET's own type, where C has none; longer is faster; 1 = the baseline; dashed: the targets)";
        plot.Title("unixipc bench: each mechanism through UnixIpc against C");
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "round trip (C p50 ÷ UnixIpc p50)", FillColor = latency });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "wake-up (C p50 ÷ UnixIpc p50)", FillColor = wakeUp });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "throughput (UnixIpc ÷ C)", FillColor = throughput });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "no C equivalent: UnixIpc against .NET's own type", FillColor = overDotNet });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "TCP loopback: .NET Socket against C", FillColor = baseline });
        plot.ShowLegend(Edge.Right); // beside the bars, never over them
        plot.Axes.SetLimitsX(0, Math.Max(1.6, bars.Max(b => b.Value) * 1.2));
        plot.Axes.SetLimitsY(-bars.Count + 0.4, 0.6);
        plot.SavePng(path, 1500, 160 + (22 * bars.Count));
    }
}
