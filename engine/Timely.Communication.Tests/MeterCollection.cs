namespace Timely.Communication.Tests;

/// <summary>
/// Tests that read the process-wide Timely.Communication meter run alone: the meter reports
/// every live allocator tagged by worker index, and the cluster tests run allocators with
/// the same indices in this process at the same time (seen: a foreign worker 0's count).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeterCollection
{
    public const string Name = "process-wide-meter";
}
