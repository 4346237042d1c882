using System.Globalization;

namespace UnixIpc.Benchmarks;

/// <summary>
/// How much a two-process kernel benchmark (pipes, sockets) measures: --rounds, --round-trips (8 B), --messages
/// (64 B) and --large (64 KiB messages).
/// </summary>
internal sealed record RunSizes(int Rounds, int RoundTrips, int Messages, int Large)
{
    public static RunSizes Parse(string[] args) =>
        new(Option(args, "--rounds", 5), Option(args, "--round-trips", 20_000), Option(args, "--messages", 200_000), Option(args, "--large", 5_000));

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
