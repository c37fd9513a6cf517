using Timely.Dataflow.Operators;
using Timely.Dataflow.Progress;

namespace Timely.Examples;

/// <summary>
/// Records an operator has received, kept per time with a capability for that time until the
/// operator's input frontiers have passed it (timely's <c>binary_frontier</c>/<c>unary_frontier</c>
/// idiom: "hold on to the data until it is time"). Times come out in ascending order.
/// </summary>
internal sealed class TimeStash<TData>
{
    private readonly SortedDictionary<ulong, (Capability<ulong> Capability, List<TData> Data)> _times = new();

    /// <summary>Number of times held.</summary>
    public int Count => _times.Count;

    /// <summary>Keeps <paramref name="data"/> (copied) at the message's time, retaining a capability for output 0 the first time that time is seen.</summary>
    public void Add(in InputCapability<ulong> capability, List<TData> data)
    {
        if (!_times.TryGetValue(capability.Time, out var entry))
        {
            entry = (capability.Retain(), new List<TData>());
            _times[capability.Time] = entry;
        }

        entry.Data.AddRange(data);
    }

    /// <summary>The earliest held time that neither frontier can still deliver records at, left in place.</summary>
    public bool TryPeekReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out ulong time)
    {
        foreach (var held in _times.Keys)
        {
            time = held;
            return !frontier.LessEqual(held) && (other is null || !other.LessEqual(held));
        }

        time = 0;
        return false;
    }

    /// <summary>
    /// The earliest held time that neither <paramref name="frontier"/> nor <paramref name="other"/>
    /// can still deliver records at, removed with its capability (the caller disposes it) and data.
    /// </summary>
    public bool TryTakeReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out Capability<ulong> capability, out List<TData> data)
    {
        // Times ascend: when the earliest is not complete, no later one is either.
        if (TryPeekReady(frontier, other, out ulong time))
        {
            (capability, data) = _times[time];
            _times.Remove(time);
            return true;
        }

        capability = null!;
        data = null!;
        return false;
    }
}
