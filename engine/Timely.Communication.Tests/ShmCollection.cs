namespace Timely.Communication.Tests;

/// <summary>The shared-memory cluster tests run one at a time: each starts child processes, and the host has two cores.</summary>
[CollectionDefinition(Name)]
public sealed class ShmCollection
{
    public const string Name = "shm-cluster";
}
