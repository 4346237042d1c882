using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace UnixIpc.Cli;

/// <summary>
/// Runs a tour process's role (the roles live with their scenarios: *Tour.cs), with the library's public API only. Each step prints one line per action:
/// <c>MICROSECONDS TEXT</c>, the time the action took and what it did; the tour prefixes role, pid and time.
/// </summary>
internal static class TourSteps
{
    public static int Run(string role, string[] args, TextWriter output)
    {
        Action<string[], TextWriter>? step = TourRunner.Scenarios.Select(s => s.Roles.GetValueOrDefault(role)).FirstOrDefault(r => r is not null);
        if (step is null)
        {
            throw new UsageException($"unknown tour step '{role}': one of {string.Join(", ", TourRunner.Scenarios.SelectMany(s => s.Roles.Keys))}.");
        }

        try
        {
            step(args, output);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or FormatException or OverflowException)
        {
            throw new UsageException($"tour-step {role}: missing or malformed arguments (it is run by the tour, which passes them).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or global::Grpc.Core.RpcException)
        {
            // Run by hand with paths or addresses the tour would not give: one line and exit 1, like any failed call.
            throw new InvalidOperationException($"tour-step {role}: {e.Message} (it is run by the tour, which passes its arguments).", e);
        }

        return 0;
    }

    internal static string Stat(this MappedRegion region, SystemVSharedMemory segment)
        => $"{region.Length} bytes, {segment.Stat().AttachCount} attachment(s)";

    internal static void Say(TextWriter output, Stopwatch clock, string text)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMicroseconds:F0} {text}"));
        output.Flush();
        clock.Restart();
    }
}
