namespace Timely.Hosting.Tests;

/// <summary>
/// The hosting tests run one at a time: the meters they read are process-wide, and two jobs of
/// the same shape would add to the same series.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostCollection
{
    public const string Name = "one-host-at-a-time";
}
