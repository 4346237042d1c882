namespace UnixIpc.Tests;

/// <summary>Tests that start other processes run one at a time: each start costs ~100 ms of a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrossProcessCollection
{
    public const string Name = "CrossProcess";
}
