using System.Runtime.InteropServices;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>
/// Records an operator has received, copied and kept per time with a capability for that time
/// until the operator's input frontiers have passed it (timely's <c>binary_frontier</c>/<c>unary_frontier</c>
/// idiom: "hold on to the data until it is time"). Times come out in ascending order.
/// </summary>
/// <remarks>
/// A time's records are <see cref="RecordChunks{T}"/> over one pile of spare chunks, and go back
/// to it when the caller returns them, so a steady stream of rounds allocates nothing once the
/// pile holds the largest round.
/// </remarks>
internal sealed class TimeStash<TData> : TimedPayloads<RecordChunks<TData>, ChunkLists<TData>>
{
    private readonly Stack<TData[]> _chunks;

    /// <summary>A stash that keeps every chunk its times have used, for the times after them.</summary>
    public TimeStash()
        : this(int.MaxValue)
    {
    }

    /// <summary>
    /// A stash that keeps at most <paramref name="maxSpareChunks"/> spare chunks once a time's
    /// records come back: for an input whose first time is a load far larger than every time
    /// after it, so the load's chunks do not stay for the rest of the run.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSpareChunks"/> is negative.</exception>
    public TimeStash(int maxSpareChunks)
        : this(new Stack<TData[]>(), maxSpareChunks)
    {
    }

    private TimeStash(Stack<TData[]> chunks, int maxSpareChunks)
        : base(new ChunkLists<TData>(chunks, NotNegative(maxSpareChunks))) => _chunks = chunks;

    /// <summary>Spare chunks kept for later times' records.</summary>
    public int SpareChunks => _chunks.Count;

    /// <summary>Keeps <paramref name="data"/> (copied) at the message's time, retaining a capability for output 0 the first time that time is seen.</summary>
    public void Add(in InputCapability<ulong> capability, List<TData> data) =>
        At(capability).Append(CollectionsMarshal.AsSpan(data));

    private static int NotNegative(int maxSpareChunks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSpareChunks);
        return maxSpareChunks;
    }
}
