using System.CommandLine;

namespace UnixIpc.Cli;

/// <summary><c>unixipc tour</c>: the main job, every mechanism working between real processes.</summary>
internal static class TourCommand
{
    public static Command Build(CliConsole console)
    {
        var command = new Command("tour", "Run every mechanism between real processes, printing what each process does, in order, with timings. Leaves nothing behind.");
        command.SetAction(CliApp.Handler(console, "tour", "run", (_, cancellationToken) => new TourRunner(console).RunAsync(cancellationToken)));
        return command;
    }

    /// <summary>The hidden command the tour starts its child processes with.</summary>
    public static Command BuildStep(CliConsole console)
    {
        var role = new Argument<string>("ROLE");
        var rest = new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("tour-step", "One process of the tour (internal).") { role, rest };
        command.Hidden = true;
        command.SetAction(CliApp.Handler(console, "tour-step", "run", parse =>
            TourSteps.Run(parse.GetRequiredValue(role), parse.GetValue(rest) ?? [], console.Out)));
        return command;
    }
}
