using BenchmarkDotNet.Attributes;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// Queueing a real-time signal with a value to this process (<see cref="UnixSignal.Queue"/>), against sigqueue
/// from bare libc. The signal is ignored (SIG_IGN) for the run, so the kernel drops it on arrival: the measurement is
/// the send alone, and nothing piles up. Receiving is not measured here: a <see cref="SignalListener"/> is handed each
/// signal by another thread (a wake-up, not an in-process hot path), as a new <see cref="SignalInfo"/>.
/// </summary>
[MemoryDiagnoser]
public class SignalQueueBenchmarks
{
    private readonly UnixSignal _signal = UnixSignal.RealTime(10);
    private readonly int _self = Environment.ProcessId;
    private nint _previousHandler;

    [GlobalSetup]
    public void Setup() => _previousHandler = Libc.Signal(_signal.Number, Libc.SIG_IGN);

    [GlobalCleanup]
    public void Cleanup() => Libc.Signal(_signal.Number, _previousHandler);

    [Benchmark(Baseline = true)]
    public int LibcQueue() => Libc.SigQueue(_self, _signal.Number, 7);

    [Benchmark]
    public void Queue() => _signal.Queue(_self, 7);
}
