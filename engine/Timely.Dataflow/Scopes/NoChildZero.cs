using System.Diagnostics;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Scopes;

/// <summary>A dataflow's root scope has no parent, so no child zero: every node is an operator and every update is its own.</summary>
internal readonly struct NoChildZero<T> : IChildZero<T>
{
    // Design: an empty value; nothing to own or share.

    /// <inheritdoc />
    public bool IsChildZero(int node) => false;

    /// <inheritdoc />
    public bool ReportsCapabilities => false;

    /// <inheritdoc />
    public void Intercept(Location location, T time, long diff) =>
        throw new UnreachableException($"the root scope has no child zero to intercept {location} at {time}");
}
