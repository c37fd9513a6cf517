using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Records waiting for their (later) time, one list per time: the first record for a time
/// requests a notification there, and <see cref="Release"/> sends each delivered time's list.
/// Lists are recycled through a spare stack.
/// </summary>
internal sealed class TimeStash<T, TData>
    where T : notnull
{
    // Design: owned by the worker thread that runs its operator; nothing is shared.
    private readonly Dictionary<T, List<TData>> _byTime = new();
    private readonly Stack<List<TData>> _spare = new();

    /// <summary>The list for <paramref name="time"/>; the first call for a time requests its notification (delayed from <paramref name="capability"/>, which throws if the time is earlier).</summary>
    public List<TData> For(in InputCapability<T> capability, T time, Notificator<T> notificator)
    {
        if (!_byTime.TryGetValue(time, out var list))
        {
            notificator.NotifyAt(capability.Delayed(time));
            list = _spare.TryPop(out var reused) ? reused : new List<TData>();
            _byTime.Add(time, list);
        }

        return list;
    }

    /// <summary>Sends the records of every time the notificator delivers now.</summary>
    public void Release(OutputPort<T, TData> output, Notificator<T> notificator)
    {
        while (notificator.TryNext(out var time, out _))
        {
            if (_byTime.Remove(time, out var list))
            {
                notificator.Session(output).GiveList(list);
                list.Clear();
                _spare.Push(list);
            }
        }
    }
}
