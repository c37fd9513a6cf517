using System.Runtime.CompilerServices;

namespace Timely.Dataflow.Progress;

/// <summary>
/// A port in a dataflow graph: an operator output (a source of messages and capabilities)
/// or an operator input (a target). Timely's <c>Location</c>.
/// </summary>
/// <param name="Node">The operator's index in its dataflow.</param>
/// <param name="Port">The input or output index on that operator.</param>
/// <param name="IsSource"><c>true</c> for an output port, <c>false</c> for an input port.</param>
public readonly record struct Location(int Node, int Port, bool IsSource) : IComparable<Location>
{
    /// <summary>The output port <paramref name="port"/> of operator <paramref name="node"/>.</summary>
    public static Location Source(int node, int port) => new(node, port, true);

    /// <summary>The input port <paramref name="port"/> of operator <paramref name="node"/>.</summary>
    public static Location Target(int node, int port) => new(node, port, false);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CompareTo(Location other)
    {
        int c = Node.CompareTo(other.Node);
        if (c != 0)
        {
            return c;
        }

        c = Port.CompareTo(other.Port);
        return c != 0 ? c : IsSource.CompareTo(other.IsSource);
    }

    /// <summary>Orders by node, then port, then inputs before outputs.</summary>
    public static bool operator <(Location left, Location right) => left.CompareTo(right) < 0;

    /// <summary>Orders by node, then port, then inputs before outputs.</summary>
    public static bool operator <=(Location left, Location right) => left.CompareTo(right) <= 0;

    /// <summary>Orders by node, then port, then inputs before outputs.</summary>
    public static bool operator >(Location left, Location right) => left.CompareTo(right) > 0;

    /// <summary>Orders by node, then port, then inputs before outputs.</summary>
    public static bool operator >=(Location left, Location right) => left.CompareTo(right) >= 0;

    /// <inheritdoc />
    public override string ToString() => IsSource ? $"out({Node}.{Port})" : $"in({Node}.{Port})";
}
