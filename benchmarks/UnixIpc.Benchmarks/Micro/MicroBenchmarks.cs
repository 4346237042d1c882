using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace UnixIpc.Benchmarks.Micro;

/// <summary>
/// <c>micro [pattern] [BenchmarkDotNet options]</c>: the in-process hot paths of every mechanism (the classes of this
/// folder), or those whose full name contains <paramref name="args"/>' pattern. Without <c>--job</c>, a short job in
/// this process (3 warm-ups, 3 iterations, no rebuild), so the whole set runs in a few minutes.
/// </summary>
internal static class MicroBenchmarks
{
    public static int Run(string[] args)
    {
        string pattern = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : string.Empty;
        string[] options = pattern.Length > 0 ? args[1..] : args;
        IConfig config = DefaultConfig.Instance;
        if (!options.Any(option => option is "--job" or "-j" or "--inProcess" or "-i"))
        {
            config = config.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
        }

        string filter = $"{typeof(MicroBenchmarks).Namespace}.*{pattern}*";
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run([.. options, "--filter", filter], config);
        return 0;
    }
}
