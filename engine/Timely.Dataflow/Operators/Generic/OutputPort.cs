using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Operators.Generic;

/// <summary>
/// An operator's handle on one of its outputs. Records are given through a session opened
/// with a capability; they are buffered per time and sent in batches of
/// <see cref="Message{T, TData}.BatchSize"/>, and the count of records sent is reported as
/// progress.
/// </summary>
public sealed class OutputPort<T, TData> : IOutputFlush
{
    // Design: owned by the worker thread that runs its operator (or feeds its input handle): it
    // buffers records and counts production into the operator's change batch on that thread;
    // messages cross threads only through the channels behind the tee.
    //
    // Records are stored straight into the backing array of the next message's list
    // (ListStorage): _items[.._count] at _time, committed to the list when the message leaves. A
    // record given is then a time compare, one store and a count compare, where List.Add also
    // bumped the list's version and reloaded its size through the list (hashjoin gives every
    // matching pair here, 10 million a run).
    //
    // The first message and its room are taken when the first record is given, not when the port
    // is made: a batch's room is BatchSize records (1 KiB of bytes, 8 KiB of ulongs), and an
    // output that never carries a record (event_driven's chains, a thousand dataflows of eleven
    // outputs built in its timed part) held one filled array per port, a fifth of what building
    // a dataflow allocated. The check sits on the path of a batch's first record, which already
    // branches there to take the batch's time.
    private readonly OperatorCore<T> _operator;
    private readonly ChangeBatch<T> _produced;
    private readonly OutputTee<T, TData> _tee;
    private readonly int _port;
    private Message<T, TData>? _buffer;
    private TData[] _items;
    private int _count;
    private T _time = default!;

    internal OutputPort(OperatorCore<T> op, int port, OutputTee<T, TData> tee)
    {
        _operator = op;
        _port = port;
        _tee = tee;
        _produced = op.Produced[port];
        _items = [];
        op.AddFlush(this);
    }

    /// <summary>The output's index on its operator.</summary>
    public int Port => _port;

    internal object Owner => _operator;

    /// <summary>The index of the operator this output belongs to, in its scope.</summary>
    internal int OperatorIndex => _operator.Index;

    /// <summary>A session that sends at the capability's time. The capability must be for this output.</summary>
    public OutputSession<T, TData> Session(Capability<T> capability)
    {
        if (capability.Output != _port || !ReferenceEquals(capability.Owner, _operator))
        {
            ThrowForeign(capability);
        }

        return new OutputSession<T, TData>(this, capability.Time);
    }

    /// <summary>A session that sends at the time of a message being handled.</summary>
    public OutputSession<T, TData> Session(in InputCapability<T> capability)
    {
        if (!ReferenceEquals(capability.Owner, _operator))
        {
            ThrowForeignInput();
        }

        return new OutputSession<T, TData>(this, capability.Time);
    }

    /// <summary>Sends whatever is buffered. The scope calls this after the operator runs.</summary>
    public void Flush()
    {
        int count = _count;
        if (count == 0)
        {
            return;
        }

        _count = 0;
        var buffer = _buffer!;
        ListStorage<TData>.Commit(buffer.Data, count);
        buffer.Time = _time;
        Send(count);
    }

    /// <summary>
    /// Runs first in every <see cref="FlushAndDone"/>: an input handle that stages records of its
    /// own gives them here, so they leave at every step as records given to this port do.
    /// </summary>
    internal Action? BeforeFlush { get; set; }

    /// <summary>
    /// Schedules a step of the operator's scope: an output driven from outside (an input handle)
    /// has records or progress that the step flushes and harvests.
    /// </summary>
    internal void ScheduleScope() => _operator.Scope.ActivateScope();

    /// <summary>The worker's pool of empty messages this output draws from.</summary>
    internal MessagePool<T, TData> Pool => _tee.Pool;

    /// <summary>Whether no record is buffered (a <see cref="Forward"/> then sends no partial batch first).</summary>
    internal bool IsEmpty => _count == 0;

    /// <summary>Sends what is buffered and flushes the channels (exchange batches per worker) downstream.</summary>
    internal void FlushAndDone()
    {
        BeforeFlush?.Invoke();
        Flush();
        _tee.Done();
    }

    /// <summary>The operator core's flush after each run (<see cref="FlushAndDone"/>).</summary>
    void IOutputFlush.FlushAndDone() => FlushAndDone();

    /// <summary>Buffers one record at <paramref name="time"/>; the caller has checked the capability.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Give(T time, TData item)
    {
        int count = _count;
        if (count == 0)
        {
            StartBatch(time);
        }
        else if (!EqualityComparer<T>.Default.Equals(_time, time))
        {
            FlushAndRestart(time);
            count = 0;
        }

        // _items holds at least BatchSize records (StartBatch made sure) and count stays below that: the bound check never fails.
        _items[count] = item;
        _count = ++count;
        if (count == Message<T, TData>.BatchSize)
        {
            Flush();
        }
    }

    /// <summary>
    /// Sends the records of <paramref name="message"/> (a received message still in its
    /// channel's slot) at <paramref name="time"/> without copying them: its list goes out in a
    /// carrier from the worker's pool and the carrier's list (empty: with a batch's room when the
    /// pool had one waiting, else without an array) goes back to the sender with the message.
    /// This output's own buffer keeps its room for records given to it. The caller has checked the capability.
    /// </summary>
    internal void Forward(T time, Message<T, TData> message)
    {
        Flush();
        int count = message.Data.Count;
        if (count == 0)
        {
            return;
        }

        var pool = _tee.Pool;
        Message<T, TData>? carrier = pool.RentCarrier();
        (carrier.Data, message.Data) = (message.Data, carrier.Data);
        carrier.Time = time;
        _produced.Update(time, count);
        _tee.Push(ref carrier);
        if (carrier is not null)
        {
            pool.Return(carrier);
        }
    }

    /// <summary>
    /// Buffers records at <paramref name="time"/> in blocks (the batches are the ones
    /// <see cref="Give"/> per record would make); the caller has checked the capability.
    /// </summary>
    internal void GiveSpan(T time, ReadOnlySpan<TData> items)
    {
        while (!items.IsEmpty)
        {
            if (_count == 0)
            {
                StartBatch(time);
            }
            else if (!EqualityComparer<T>.Default.Equals(_time, time))
            {
                FlushAndRestart(time);
            }

            int take = Math.Min(items.Length, Message<T, TData>.BatchSize - _count);
            items[..take].CopyTo(_items.AsSpan(_count));
            items = items[take..];
            _count += take;
            if (_count == Message<T, TData>.BatchSize)
            {
                Flush();
            }
        }
    }

    // Pushes the buffer (its list holding `count` records at its time) and stages into the list
    // of the message that comes back, or of one from the worker's pool.
    private void Send(int count)
    {
        _produced.Update(_buffer!.Time, count);
        _tee.Push(ref _buffer);
        var next = _buffer ??= _tee.Pool.Rent();
        _items = _tee.Pool.Reserve(next);
    }

    // A batch's first record: its time, and the room it goes into when the port has none yet.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StartBatch(T time)
    {
        _time = time;
        if (_items.Length == 0)
        {
            TakeRoom();
        }
    }

    // The port's first record (or the first after a push kept the message): a message from the
    // worker's pool, or the one the last push handed back, with a batch's room.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TakeRoom()
    {
        var next = _buffer ??= _tee.Pool.Rent();
        _items = _tee.Pool.Reserve(next);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FlushAndRestart(T time)
    {
        Flush();
        _time = time;
    }

    [DoesNotReturn]
    private void ThrowForeign(Capability<T> capability) =>
        throw new InvalidOperationException($"{capability} is not a capability for output {_port} of {_operator.Name}");

    [DoesNotReturn]
    private void ThrowForeignInput() =>
        throw new InvalidOperationException($"the input capability belongs to another operator than {_operator.Name}");
}
