using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;

namespace Timely.Examples;

/// <summary>
/// Batches an operator has received, kept whole per time with a capability for that time until
/// the operator's input frontiers have passed it: <see cref="TimeStash{TData}"/>'s contract, but
/// the batches are taken from the input (<see cref="InputPort{T, TData}.Take"/>, Rust's
/// <c>mem::take</c>) instead of copied, and go back to the worker's pool of empty messages
/// (<see cref="InputPort{T, TData}.Release"/>) when the caller is done with them.
/// </summary>
/// <remarks>
/// Design: pagerank's largest time holds about 1.2 million rank changes a worker. Copied into
/// chunks, they were held twice (the chunks, and the received messages' lists, back in the pool
/// and waiting for the next burst): 19 MB each, the largest part of what the timed part
/// allocated. Taken, the lists are the stash; released once the time's changes are summed and
/// before the operator sends the next time's, they hold that next burst. Times are a short list
/// in order, as in <see cref="TimeStash{TData}"/>.
/// </remarks>
internal sealed class TimeBatches<TData>
{
    private readonly List<(ulong Time, Capability<ulong> Capability, List<List<TData>> Batches)> _times = new();
    private readonly Stack<List<List<TData>>> _spare = new();

    /// <summary>Number of times held.</summary>
    public int Count => _times.Count;

    /// <summary>
    /// Keeps the batch <paramref name="input"/>'s last <see cref="InputPort{T, TData}.TryNext"/>
    /// gave (taken, not copied) at its time, retaining a capability for output 0 the first time
    /// that time is seen.
    /// </summary>
    public void Add(in InputCapability<ulong> capability, InputPort<ulong, TData> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ulong time = capability.Time;
        int i = _times.Count;
        while (i > 0 && _times[i - 1].Time > time)
        {
            i--;
        }

        if (i == 0 || _times[i - 1].Time != time)
        {
            _times.Insert(i, (time, capability.Retain(), _spare.Count > 0 ? _spare.Pop() : new List<List<TData>>()));
            i++;
        }

        _times[i - 1].Batches.Add(input.Take());
    }

    /// <summary>The earliest held time that neither frontier can still deliver records at, left in place.</summary>
    public bool TryPeekReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out ulong time)
    {
        time = _times.Count > 0 ? _times[0].Time : 0;
        return _times.Count > 0 && TimeStash<TData>.Complete(time, frontier, other);
    }

    /// <summary>
    /// The earliest held time that neither frontier can still deliver records at, removed with its
    /// capability (the caller disposes it) and batches (the caller hands them back through
    /// <see cref="Release"/>).
    /// </summary>
    public bool TryTakeReady(MutableAntichain<ulong> frontier, MutableAntichain<ulong>? other, out Capability<ulong> capability, out List<List<TData>> batches)
    {
        if (TryPeekReady(frontier, other, out _))
        {
            (_, capability, batches) = _times[0];
            _times.RemoveAt(0);
            return true;
        }

        capability = null!;
        batches = null!;
        return false;
    }

    /// <summary>Gives the lists of <paramref name="batches"/> to the worker's pool through <paramref name="input"/>; the caller must not read them again.</summary>
    public void Release(List<List<TData>> batches, InputPort<ulong, TData> input)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(input);
        foreach (var batch in batches)
        {
            input.Release(batch);
        }

        batches.Clear();
        _spare.Push(batches);
    }
}
