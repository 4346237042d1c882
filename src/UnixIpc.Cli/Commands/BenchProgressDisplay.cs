using Spectre.Console;
using UnixIpc.Benchmarking;

namespace UnixIpc.Cli;

/// <summary>
/// <c>unixipc bench</c>'s progress on a terminal (Spectre.Console, on stderr): one bar over every measurement of the
/// run, with what is being measured and the time left; it disappears when the run ends, leaving the table. Used only
/// when stderr is a terminal; a log gets <see cref="PlainBenchProgress"/>'s lines.
/// </summary>
internal sealed class BenchProgressDisplay(ProgressContext context) : IBenchProgress
{
    private ProgressTask? bar;

    /// <summary>Runs <paramref name="run"/> under a progress bar drawn on <paramref name="terminal"/>.</summary>
    public static Task<T> RunAsync<T>(TextWriter terminal, Func<IBenchProgress, Task<T>> run)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(terminal) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(context => run(new BenchProgressDisplay(context)));
    }

    public void Start(int measurements) => bar = context.AddTask("bench", maxValue: Math.Max(1, measurements));

    public void Next(int round, int rounds, BenchMechanism mechanism, BenchMeasure measure, string implementation)
    {
        if (bar is null)
        {
            return;
        }

        if (bar.IsStarted && bar.Description != "bench")
        {
            bar.Increment(1); // the previous measurement is done
        }

        bar.Description = Markup.Escape($"round {round}/{rounds}: {mechanism.Title} {measure.Label} ({implementation})");
    }
}
