using Timely.Dataflow.Operators;
using Timely.Dataflow.Progress;

namespace Timely.Examples;

/// <summary>
/// A state per time an operator has received records at (a time's running sums, a time's
/// copied records), each with a capability for that time, kept until the operator's input
/// frontiers have passed it: <see cref="TimeStash{TData}"/>'s contract for states that take each
/// batch as it arrives, so the batch goes back to the engine at once. Times come out in order.
/// </summary>
/// <remarks>
/// The examples hold one or two times at once, so the times are a short list kept in order (a
/// new time almost always goes at the end). A state handed back with <see cref="Return"/> is
/// reused for a later time; <see cref="Dispose"/> disposes every state, held or spare.
/// </remarks>
internal sealed class HeldTimes<TState>(Func<TState> create) : IDisposable
    where TState : class, IDisposable
{
    private readonly List<(ulong Time, Capability<ulong> Capability, TState State)> _times = new();
    private readonly Stack<TState> _spare = new();

    /// <summary>Number of times held.</summary>
    public int Count => _times.Count;

    /// <summary>States made so far (held, given out or spare): what the held times cost at most.</summary>
    public int Made { get; private set; }

    /// <summary>The state of <paramref name="capability"/>'s time, retaining a capability for output 0 the first time that time is seen.</summary>
    public TState At(in InputCapability<ulong> capability)
    {
        ulong time = capability.Time;
        int i = _times.Count;
        while (i > 0 && _times[i - 1].Time > time)
        {
            i--;
        }

        if (i > 0 && _times[i - 1].Time == time)
        {
            return _times[i - 1].State;
        }

        var state = _spare.Count > 0 ? _spare.Pop() : Make();
        _times.Insert(i, (time, capability.Retain(), state));
        return state;
    }

    /// <summary>The earliest held time that neither frontier can still deliver records at, left in place.</summary>
    public bool TryPeekReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out ulong time)
    {
        time = _times.Count > 0 ? _times[0].Time : 0;
        return _times.Count > 0 && TimeStash<int>.Complete(time, frontier, other);
    }

    /// <summary>
    /// The earliest held time that neither frontier can still deliver records at, removed with its
    /// capability (the caller disposes it) and state (the caller hands it back through <see cref="Return"/>).
    /// </summary>
    public bool TryTakeReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out Capability<ulong> capability, out TState state)
    {
        // Times ascend: when the earliest is not complete, no later one is either.
        if (TryPeekReady(frontier, other, out _))
        {
            (_, capability, state) = _times[0];
            _times.RemoveAt(0);
            return true;
        }

        capability = null!;
        state = null!;
        return false;
    }

    /// <summary>Takes back a state <see cref="TryTakeReady"/> gave out, for a later time (the caller has emptied it).</summary>
    public void Return(TState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _spare.Push(state);
    }

    /// <summary>Disposes every state held or spare (not one given out and not returned).</summary>
    public void Dispose()
    {
        foreach (var (_, _, state) in _times)
        {
            state.Dispose();
        }

        while (_spare.Count > 0)
        {
            _spare.Pop().Dispose();
        }

        _times.Clear();
    }

    private TState Make()
    {
        Made++;
        return create();
    }
}
