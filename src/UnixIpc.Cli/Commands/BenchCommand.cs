using System.CommandLine;
using UnixIpc.Benchmarking;

namespace UnixIpc.Cli;

/// <summary>
/// <c>unixipc bench</c> (issue #16): every mechanism between two processes, through UnixIpc against C and against
/// .NET's own types, in one run. The engine is UnixIpc.Bench; the .NET sides are this CLI again (<c>bench-side</c>).
/// </summary>
internal static class BenchCommand
{
    public static Command Build(CliConsole console)
    {
        var only = new Option<string?>("--only") { Description = "Comma-separated mechanisms to measure: " + string.Join(",", BenchMechanism.All.Select(m => m.Name)) + " (default: all).", HelpName = "A,B" };
        var quick = new Option<bool>("--quick") { Description = "A smoke run in seconds: one round, few round trips (figures are rough)." };
        Option<long> rounds = CliParsers.NumberOption("--rounds", "Interleaved rounds (default 5: 100 000 round trips in each latency histogram; 1 to 1000).", defaultValue: 5, min: 1, max: 1000);
        var plot = new Option<string?>("--plot") { Description = "Also draw each row's speed relative to C as bars into this PNG file (ScottPlot).", HelpName = "FILE.png" };
        var runtimeDefaults = new Option<bool>("--runtime-defaults") { Description = "Run the .NET sides with the runtime's default tiered compilation and dynamic PGO, as an ordinary application runs (default: tiered compilation off, optimised code from the first call)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {rounds, c, note, rows:[{mechanism, figure, size, unit, unixipc, c, dotnet, overC, overDotnet, targetMet}]}." };
        var command = new Command("bench", "Measure every mechanism between two processes (round-trip latency, throughput) through UnixIpc, against C (gcc) and .NET's own types.") { only, quick, rounds, runtimeDefaults, json, plot };
        command.SetAction(CliApp.Handler(console, "bench", "run", async (parse, cancellationToken) =>
        {
            string? chosen = parse.GetValue(only);
            string[] names = (chosen ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (chosen is not null && names.Length == 0)
            {
                throw new UsageException("--only needs at least one mechanism: " + string.Join(", ", BenchMechanism.All.Select(m => m.Name)) + ".");
            }

            IReadOnlyList<BenchMechanism> mechanisms = BenchMechanism.Select(names);
            long count = parse.GetValue(rounds); // 1 to 1000: the parser refused anything else
            string? picture = parse.GetValue(plot);
            if (picture is not null)
            {
                CheckPlotPath(picture);
            }

            console.RequireStandardOutput(); // before minutes of measuring, not after

            // --quick always runs the sides with the runtime's defaults (see DefaultSideOptions).
            bool defaults = parse.GetValue(quick) || parse.GetValue(runtimeDefaults);
            Func<IReadOnlyList<string>, ChildProcessOptions> side = defaults ? DefaultSideOptions : SideOptions;
            BenchSettings settings = (parse.GetValue(quick) ? BenchSettings.Quick(mechanisms, side) : BenchSettings.Full(mechanisms, (int)count, side))
                with { DotNetCode = defaults ? "runtime defaults: tiered compilation, dynamic PGO" : "tiered compilation off" };
            BenchReport report = console.ErrorIsTerminal
                ? await BenchProgressDisplay.RunAsync(console.Error, display => new BenchRunner(settings, display).RunAsync(cancellationToken)).ConfigureAwait(false)
                : await new BenchRunner(settings, new PlainBenchProgress(console.Error)).RunAsync(cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                JsonOutput.WriteObject(console, report.WriteJson);
            }
            else
            {
                report.WriteTable(console.Out);
            }

            if (picture is not null)
            {
                SavePlot(report, picture);
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    // --plot: a name ending in .png (else a usage error, exit 2) in a place this user may write (else exit 1), both
    // checked before minutes of measuring. The check opens the file for writing and removes it again if it made it.
    private static void CheckPlotPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal) || !path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || path.EndsWith('/'))
        {
            throw new UsageException("--plot needs a file name ending in .png.");
        }

        bool existed = File.Exists(path);
        try
        {
            using (File.Open(path, FileMode.OpenOrCreate, FileAccess.Write))
            {
            }

            if (!existed)
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot write the plot to {path}: {e.Message}");
        }
    }

    private static void SavePlot(BenchReport report, string path)
    {
        try
        {
            BenchPlot.Save(report, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot write the plot to {path}: {e.Message}");
        }
    }

    /// <summary>The hidden command each .NET side of a measurement runs as.</summary>
    public static Command BuildSide(CliConsole console)
    {
        var rest = new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("bench-side", "One side of a bench measurement (internal).") { rest };
        command.Hidden = true;
        command.SetAction(CliApp.Handler(console, "bench-side", "run", parse =>
        {
            console.Out.Flush();
            return BenchSide.Run(parse.GetValue(rest) ?? [], console.StandardOutput);
        }));
        return command;
    }

    // This CLI again (as SelfLauncher starts it), with tiered compilation off: a side lives for a second or less,
    // which tier-0 code would fill.
    private static ChildProcessOptions SideOptions(IReadOnlyList<string> arguments) => Side(arguments, tiered: false);

    // The runtime's defaults (--runtime-defaults: what an ordinary application gets). --quick uses them too: it proves
    // every side runs and is never read for speed, the default tiering starts a side faster, and process starts are
    // most of a quick run (CI runs it).
    private static ChildProcessOptions DefaultSideOptions(IReadOnlyList<string> arguments) => Side(arguments, tiered: true);

    // The runtime's own variables that choose how code is compiled (DOTNET_TieredCompilation, DOTNET_TieredPGO, …).
    private static readonly string[] RuntimePrefixes = ["DOTNET_", "COMPlus_"], CodeGenerationSettings = ["Tiered", "TC_", "ReadyToRun", "OSR_"];

    private static bool IsCodeGenerationSetting(string name)
        => RuntimePrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            && CodeGenerationSettings.Any(setting => name.AsSpan(prefix.Length).StartsWith(setting, StringComparison.OrdinalIgnoreCase)));

    private static ChildProcessOptions Side(IReadOnlyList<string> arguments, bool tiered)
    {
        System.Diagnostics.ProcessStartInfo start = SelfLauncher.StartInfo(["bench-side", .. arguments]);
        var options = new ChildProcessOptions(start.FileName, start.ArgumentList);
        var environment = new Dictionary<string, string>();
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            environment[(string)variable.Key] = (string?)variable.Value ?? "";
        }

        if (!tiered)
        {
            environment["DOTNET_TieredCompilation"] = "0";
        }
        else
        {
            // The runtime's defaults, whatever this process was started with.
            foreach (string name in environment.Keys.Where(IsCodeGenerationSetting).ToList())
            {
                environment.Remove(name);
            }
        }

        options.Environment = environment;
        return options;
    }
}
