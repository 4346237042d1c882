namespace UnixIpc.Benchmarking;

/// <summary>What a run tells about its progress: how many measurements it will make, then each as it starts.</summary>
internal interface IBenchProgress
{
    void Start(int measurements);

    void Next(int round, int rounds, BenchMechanism mechanism, BenchMeasure measure, string implementation);
}

/// <summary>Plain lines for a log (a pipe, CI, the tests): one per mechanism and round, <c>bench: round R/N: NAME</c>.</summary>
internal sealed class PlainBenchProgress(TextWriter output) : IBenchProgress
{
    private (int Round, string Mechanism) last;

    public void Start(int measurements)
    {
    }

    public void Next(int round, int rounds, BenchMechanism mechanism, BenchMeasure measure, string implementation)
    {
        if (last != (round, mechanism.Name))
        {
            last = (round, mechanism.Name);
            output.WriteLine($"bench: round {round}/{rounds}: {mechanism.Name}");
        }
    }
}
