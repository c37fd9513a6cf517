using Timely.Dataflow.Operators;
using Timely.Dataflow.Progress;

namespace Timely.Examples;

/// <summary>
/// A payload per time an operator has received records at, each with a capability for that time,
/// kept until the operator's input frontiers have passed it (timely's <c>binary_frontier</c> idiom:
/// "hold on to the data until it is time"). Times come out in ascending order; a payload handed
/// back through <see cref="Return"/> is kept for a later time, so a steady stream of times makes
/// no new payloads once as many are spare as times are held at once.
/// </summary>
/// <remarks>
/// What a payload is (a time's copied records, a time's running sums) and how one is made, readied
/// again and freed is <typeparamref name="TPolicy"/>'s. The examples hold one or two times at
/// once, so the times are a short list kept in order (a new time almost always goes at the end),
/// where a sorted dictionary paid a tree node per time. Single-threaded: the operator's worker
/// runs it.
/// </remarks>
internal class TimedPayloads<TPayload, TPolicy>
    where TPayload : class
    where TPolicy : struct, IPayloadPolicy<TPayload>
{
    private readonly List<(ulong Time, Capability<ulong> Capability, TPayload Payload)> _times = new();
    private readonly Stack<TPayload> _spare = new();
    private readonly TPolicy _policy;

    /// <summary>A holder whose payloads <paramref name="policy"/> makes, readies again and frees.</summary>
    protected TimedPayloads(TPolicy policy) => _policy = policy;

    /// <summary>Number of times held.</summary>
    public int Count => _times.Count;

    /// <summary>Payloads made so far (held, given out or spare): what the held times cost at most.</summary>
    public int Made { get; private set; }

    /// <summary>The payload of <paramref name="capability"/>'s time, retaining a capability for output 0 the first time that time is seen.</summary>
    public TPayload At(in InputCapability<ulong> capability)
    {
        ulong time = capability.Time;
        int i = _times.Count;
        while (i > 0 && _times[i - 1].Time > time)
        {
            i--;
        }

        if (i > 0 && _times[i - 1].Time == time)
        {
            return _times[i - 1].Payload;
        }

        var payload = _spare.Count > 0 ? _spare.Pop() : Make();
        _times.Insert(i, (time, capability.Retain(), payload));
        return payload;
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
        return !frontier.LessEqual(time) && (other is null || !other.LessEqual(time));
    }

    /// <summary>
    /// The earliest held time that neither <paramref name="frontier"/> nor <paramref name="other"/>
    /// can still deliver records at, removed with its capability (the caller disposes it) and
    /// payload (the caller hands it back through <see cref="Return"/> when done with it).
    /// </summary>
    public bool TryTakeReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out Capability<ulong> capability, out TPayload payload)
    {
        // Times ascend: when the earliest is not complete, no later one is either.
        if (TryPeekReady(frontier, other, out _))
        {
            (_, capability, payload) = _times[0];
            _times.RemoveAt(0);
            return true;
        }

        capability = null!;
        payload = null!;
        return false;
    }

    /// <summary>Takes back a payload <see cref="TryTakeReady"/> gave out, readied by the policy, for a later time.</summary>
    public void Return(TPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        _policy.Recycle(payload);
        _spare.Push(payload);
    }

    /// <summary>Frees every payload held or spare (not one given out and not returned) through the policy.</summary>
    protected void FreeAll()
    {
        foreach (var (_, _, payload) in _times)
        {
            _policy.Free(payload);
        }

        while (_spare.Count > 0)
        {
            _policy.Free(_spare.Pop());
        }

        _times.Clear();
    }

    private TPayload Make()
    {
        Made++;
        return _policy.Create();
    }
}
