namespace UnixIpc.Cli;

/// <summary>
/// One scenario of the tour, in one file: what the tour process does (<see cref="RunAsync"/>: start the child
/// processes, relay what they print, check the outcome, remove what was made) and what each child process does
/// (<see cref="Roles"/>, run as <c>unixipc tour-step ROLE ARGS…</c>). A new mechanism adds one such file and a
/// line in <see cref="TourRunner.Scenarios"/>.
/// </summary>
internal abstract class TourScenario
{
    /// <summary>The child processes' roles by name, each given its arguments and the output to print its lines to.</summary>
    public abstract IReadOnlyDictionary<string, Action<string[], TextWriter>> Roles { get; }

    /// <summary>Runs the scenario between real processes; failures are counted by <see cref="TourRunner"/>'s checks.</summary>
    public abstract Task RunAsync(TourRunner tour, CancellationToken cancellationToken);
}
