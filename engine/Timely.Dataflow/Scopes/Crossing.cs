using Timely.Communication;
using Timely.Dataflow.Channels;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// A stream crossing a scope boundary (timely's <c>IngressNub</c> entering, <c>EgressNub</c>
/// leaving): messages waiting in a channel on one side are re-timed and handed to the readers on
/// the other side, the records moved, not copied.
/// </summary>
/// <remarks>
/// Entering, <c>count</c> tells the inner scope how many records are now in flight inside it
/// (<see cref="ProgressHarvester{T}.RecordIngress"/>). Leaving there is nothing to count here: the records'
/// counts reach the parent through the inner progress exchange.
/// </remarks>
internal sealed class Crossing<TFrom, TTo, TData> : IBoundaryPort
{
    // Design: owned by the worker thread of the subgraph that moves it: it pulls from a pipeline
    // channel of the parent and pushes to the inner scope's readers, both on that thread inside the
    // parent's step.
    private readonly IPull<Message<TFrom, TData>> _from;
    private readonly OutputTee<TTo, TData> _to;
    private readonly Func<TFrom, TTo> _retime;
    private readonly Action<TTo, int>? _count;
    private Message<TTo, TData>? _spare;   // made at the first move (a carrier from the pool): a crossing no record takes holds no room

    public Crossing(IPull<Message<TFrom, TData>> from, OutputTee<TTo, TData> to, Func<TFrom, TTo> retime, Action<TTo, int>? count)
    {
        _from = from;
        _to = to;
        _retime = retime;
        _count = count;
    }

    public void Move()
    {
        bool any = false;
        while (true)
        {
            ref var slot = ref _from.Pull();
            var message = slot;
            if (message is null)
            {
                break;
            }

            if (message.Data.Count == 0)
            {
                continue;
            }

            var time = _retime(message.Time);
            _count?.Invoke(time, message.Data.Count);
            var moved = _spare ?? _to.Pool.RentCarrier();
            moved.Time = time;

            // The channel's message keeps the empty list and goes back to its sender.
            (moved.Data, message.Data) = (message.Data, moved.Data);
            _to.Push(ref moved);
            _spare = moved;
            _spare?.Data.Clear();
            any = true;
        }

        if (any)
        {
            _to.Done();
        }
    }
}
