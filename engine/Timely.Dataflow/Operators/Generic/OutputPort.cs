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
public sealed class OutputPort<T, TData>
{
    // Design: owned by the worker thread that runs its operator (or feeds its input handle): it
    // buffers records and counts production into the operator's change batch on that thread;
    // messages cross threads only through the channels behind the tee.
    private readonly OperatorCore<T> _operator;
    private readonly ChangeBatch<T> _produced;
    private readonly OutputTee<T, TData> _tee;
    private readonly int _port;
    private Message<T, TData>? _buffer;

    internal OutputPort(OperatorCore<T> op, int port, OutputTee<T, TData> tee)
    {
        _operator = op;
        _port = port;
        _tee = tee;
        _produced = op.Produced[port];
        _buffer = new Message<T, TData>();
        op.AddFlush(FlushAndDone);
    }

    /// <summary>The output's index on its operator.</summary>
    public int Port => _port;

    internal object Owner => _operator;

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
        var buffer = _buffer!;
        int count = buffer.Data.Count;
        if (count == 0)
        {
            return;
        }

        _produced.Update(buffer.Time, count);
        _tee.Push(ref _buffer);
        _buffer ??= new Message<T, TData>();
        _buffer.Data.Clear();
    }

    /// <summary>
    /// Runs first in every <see cref="FlushAndDone"/>: an input handle that stages records of its
    /// own gives them here, so they leave at every step as records given to this port do.
    /// </summary>
    internal Action? BeforeFlush { get; set; }

    /// <summary>Whether no record is buffered (a <see cref="Forward"/> then sends no partial batch first).</summary>
    internal bool IsEmpty => _buffer!.Data.Count == 0;

    /// <summary>Sends what is buffered and flushes the channels (exchange batches per worker) downstream.</summary>
    internal void FlushAndDone()
    {
        BeforeFlush?.Invoke();
        Flush();
        _tee.Done();
    }

    /// <summary>Buffers one record at <paramref name="time"/>; the caller has checked the capability.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Give(T time, TData item)
    {
        var data = BufferAt(time);
        data.Add(item);
        if (data.Count >= Message<T, TData>.BatchSize)
        {
            Flush();
        }
    }

    /// <summary>
    /// Sends the records of <paramref name="message"/> (a received message still in its
    /// channel's slot) at <paramref name="time"/> without copying them: the message's list and
    /// this output's empty buffer trade places, and the empty one goes back to the sender with
    /// the message. The caller has checked the capability.
    /// </summary>
    internal void Forward(T time, Message<T, TData> message)
    {
        var buffer = _buffer!;
        if (buffer.Data.Count != 0)
        {
            Flush();
            buffer = _buffer!;
        }

        if (message.Data.Count == 0)
        {
            return;
        }

        (buffer.Data, message.Data) = (message.Data, buffer.Data);
        buffer.Time = time;
        Flush();
    }

    /// <summary>
    /// Buffers records at <paramref name="time"/> in blocks (the batches are the ones
    /// <see cref="Give"/> per record would make); the caller has checked the capability.
    /// </summary>
    internal void GiveSpan(T time, ReadOnlySpan<TData> items)
    {
        while (!items.IsEmpty)
        {
            var data = BufferAt(time);

            int take = Math.Min(items.Length, Message<T, TData>.BatchSize - data.Count);
            if (take > 0)
            {
                data.AddRange(items[..take]);
                items = items[take..];
            }

            if (data.Count >= Message<T, TData>.BatchSize)
            {
                Flush();
            }
        }
    }

    /// <summary>The buffer's records, ready to take records at <paramref name="time"/> (sent first if they are at another).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private List<TData> BufferAt(T time)
    {
        var buffer = _buffer!;
        var data = buffer.Data;
        if (data.Count == 0)
        {
            buffer.Time = time;
        }
        else if (!EqualityComparer<T>.Default.Equals(buffer.Time, time))
        {
            FlushAndRestart(time);
            data = _buffer!.Data;
        }

        return data;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FlushAndRestart(T time)
    {
        Flush();
        _buffer!.Time = time;
    }

    [DoesNotReturn]
    private void ThrowForeign(Capability<T> capability) =>
        throw new InvalidOperationException($"{capability} is not a capability for output {_port} of {_operator.Name}");

    [DoesNotReturn]
    private void ThrowForeignInput() =>
        throw new InvalidOperationException($"the input capability belongs to another operator than {_operator.Name}");
}
