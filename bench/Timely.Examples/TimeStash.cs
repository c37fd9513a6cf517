using Timely.Dataflow.Operators;
using Timely.Dataflow.Progress;

namespace Timely.Examples;

/// <summary>
/// Records an operator has received, kept per time with a capability for that time until the
/// operator's input frontiers have passed it (timely's <c>binary_frontier</c>/<c>unary_frontier</c>
/// idiom: "hold on to the data until it is time"). Times come out in ascending order.
/// </summary>
/// <remarks>
/// The examples hold one or two times at once, so the times are a short list kept in order (a
/// new time almost always goes at the end), where a sorted dictionary paid a tree node per time;
/// a time's records are <see cref="RecordChunks{T}"/> over one pile of spare chunks, and go back
/// to it when the caller returns them, so a steady stream of rounds allocates nothing once the
/// pile holds the largest round.
/// </remarks>
internal sealed class TimeStash<TData>
{
    private readonly List<(ulong Time, Capability<ulong> Capability, RecordChunks<TData> Data)> _times = new();
    private readonly Stack<RecordChunks<TData>> _lists = new();
    private readonly Stack<TData[]> _chunks = new();
    private readonly int _maxSpareChunks;

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
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSpareChunks);
        _maxSpareChunks = maxSpareChunks;
    }

    /// <summary>Spare chunks kept for later times' records.</summary>
    public int SpareChunks => _chunks.Count;

    /// <summary>Number of times held.</summary>
    public int Count => _times.Count;

    /// <summary>Keeps <paramref name="data"/> (copied) at the message's time, retaining a capability for output 0 the first time that time is seen.</summary>
    public void Add(in InputCapability<ulong> capability, List<TData> data)
    {
        ulong time = capability.Time;
        int i = _times.Count;
        while (i > 0 && _times[i - 1].Time > time)
        {
            i--;
        }

        if (i == 0 || _times[i - 1].Time != time)
        {
            _times.Insert(i, (time, capability.Retain(), _lists.Count > 0 ? _lists.Pop() : new RecordChunks<TData>(_chunks)));
            i++;
        }

        _times[i - 1].Data.Append(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(data));
    }

    /// <summary>The earliest held time that neither frontier can still deliver records at, left in place.</summary>
    public bool TryPeekReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out ulong time)
    {
        if (_times.Count == 0)
        {
            time = 0;
            return false;
        }

        time = _times[0].Time;
        return Complete(time, frontier, other);
    }

    /// <summary>Whether neither <paramref name="frontier"/> nor <paramref name="other"/> can still deliver records at <paramref name="time"/>.</summary>
    internal static bool Complete(ulong time, MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other) =>
        !frontier.LessEqual(time) && (other is null || !other.LessEqual(time));

    /// <summary>
    /// The earliest held time that neither <paramref name="frontier"/> nor <paramref name="other"/>
    /// can still deliver records at, removed with its capability (the caller disposes it) and
    /// records (the caller hands them back through <see cref="Return"/> when done with them).
    /// </summary>
    public bool TryTakeReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out Capability<ulong> capability, out RecordChunks<TData> data)
    {
        // Times ascend: when the earliest is not complete, no later one is either.
        if (TryPeekReady(frontier, other, out _))
        {
            (_, capability, data) = _times[0];
            _times.RemoveAt(0);
            return true;
        }

        capability = null!;
        data = null!;
        return false;
    }

    /// <summary>Takes back the records <see cref="TryTakeReady"/> gave out, their chunks for later times' records (beyond the spare cap, for the collector).</summary>
    public void Return(RecordChunks<TData> data)
    {
        data.Clear();
        _lists.Push(data);
        while (_chunks.Count > _maxSpareChunks)
        {
            _chunks.Pop();
        }
    }
}
