using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Operators.Generic;

/// <summary>
/// An operator's handle on one of its inputs: read messages with their capabilities, and
/// see the input frontier (the times that may still arrive).
/// </summary>
public sealed class InputPort<T, TData>
{
    // Design: owned by the worker thread that runs its operator: it pulls from the channel's
    // receiving end and counts into the operator's change batches, both that thread's.
    private readonly OperatorCore<T> _operator;
    private readonly ChangeBatch<T> _consumed;
    private readonly int _port;
    private readonly MessagePool<T, TData> _pool;
    private IPull<Message<T, TData>>? _puller;
    private Message<T, TData>? _current;
    private InputStaging<T, TData>? _staging;
    private (KeyValuePair<string, object?>, KeyValuePair<string, object?>, KeyValuePair<string, object?>)? _tags;

    internal InputPort(OperatorCore<T> op, int port, MessagePool<T, TData> pool)
    {
        _operator = op;
        _port = port;
        _pool = pool;
        _consumed = op.Consumed[port];
    }

    /// <summary>The input's index on its operator.</summary>
    public int Port => _port;

    /// <summary>
    /// The input frontier: no message at a time that no element is less than or equal to
    /// will arrive any more. Valid once the dataflow is built.
    /// </summary>
    public MutableAntichain<T> Frontier => (uint)_port < (uint)_operator.Frontiers.Length
        ? _operator.Frontiers[_port]
        : throw new InvalidOperationException("the input frontier exists once the dataflow is built");

    /// <summary>
    /// The next message, if any: its capability and its records. The records stay owned by
    /// the channel and are valid until the next call; copy what must outlive it.
    /// </summary>
    public bool TryNext(out InputCapability<T> capability, out List<TData> data)
    {
        if (_puller is not null)
        {
            ref var slot = ref _puller.Pull();
            var message = slot;
            _current = message;
            if (message is not null)
            {
                _consumed.Update(message.Time, message.Data.Count);
                if (Diagnostics.DataflowMetrics.ChannelRecords.Enabled)
                {
                    CountReceived(message.Data.Count);
                }

                capability = new InputCapability<T>(_operator, message.Time);
                data = message.Data;
                return true;
            }
        }

        capability = default;
        data = null!;
        return false;
    }

    /// <summary>
    /// Takes the records of the message <see cref="TryNext"/> returned last: the list becomes the
    /// caller's to keep, and the message goes back to its channel with an empty list (timely's
    /// <c>std::mem::take</c> of a received container). An operator that keeps whole batches until
    /// a later time (a search's edges, a join's values) keeps them this way without copying their
    /// records; the message's next sender makes or takes room for its next batch.
    /// </summary>
    /// <exception cref="InvalidOperationException">The last <see cref="TryNext"/> returned no message.</exception>
    public List<TData> Take()
    {
        var message = _current ?? throw new InvalidOperationException("no message to take: the last TryNext returned none");
        var data = message.Data;
        message.Data = [];
        return data;
    }

    /// <summary>
    /// Gives a list taken with <see cref="Take"/> back once its records are no longer needed: its
    /// room goes to the worker's pool of empty messages of this time and record type, so the next
    /// batch an output of that type fills is written into it instead of into a new array (a list
    /// smaller than a batch is left to the collector). The caller must not touch the list again.
    /// </summary>
    public void Release(List<TData> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _pool.Adopt(batch);
    }

    /// <summary>Counts one received batch on the channel metrics (a listener is on them).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void CountReceived(int records)
    {
        var place = _operator.Place;
        var tags = _tags ??= (new("timely.worker", place.Worker), new("timely.dataflow", place.Dataflow), new("timely.channel", $"{_operator.Name}#{_operator.Index}:{_port}"));
        Diagnostics.DataflowMetrics.ChannelRecords.Add(records, tags.Item1, tags.Item2, tags.Item3);
        Diagnostics.DataflowMetrics.ChannelBatches.Add(1, tags.Item1, tags.Item2, tags.Item3);
    }

    /// <summary>Calls <paramref name="action"/> for every message available now.</summary>
    public void ForEach(Action<InputCapability<T>, List<TData>> action)
    {
        while (TryNext(out var capability, out var data))
        {
            action(capability, data);
        }
    }

    /// <summary>
    /// Calls <paramref name="logic"/> once per distinct time among the messages available now,
    /// in time order, with that time's capability and all of its batches (timely's
    /// <c>for_each_time</c>). The batches are valid only during the call.
    /// </summary>
    public void ForEachTime(ForEachTimeLogic<T, TData> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        (_staging ??= new InputStaging<T, TData>()).Run(this, _operator, logic);
    }

    /// <summary>The message <see cref="TryNext"/> returned last (still in the channel's slot).</summary>
    internal Message<T, TData>? Current => _current;

    internal void Connect(IPull<Message<T, TData>> puller)
    {
        if (_puller is not null)
        {
            throw new InvalidOperationException($"input {_port} of {_operator.Name} is already connected");
        }

        _puller = puller;
    }
}
