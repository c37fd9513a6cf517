using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Feeds records into a dataflow from outside (timely's <c>InputHandle</c>): send at the
/// current time, advance the time (which lets frontiers pass the old one), close when done.
/// Records are buffered and sent in batches; they also go out at every worker step.
/// </summary>
/// <remarks>
/// Design: <see cref="Send(TData)"/> stores into a staging array of
/// <see cref="Message{T, TData}.BatchSize"/> with a count, one bound check and one store per
/// record (not a <c>List.Add</c> behind three loads); a full array goes to the output in one
/// block, so the batches are the ones the output made per record. The array is empty while the
/// handle is not attached or is closed: the same bound check then fails into the throw, so the
/// fast path tests nothing else. Staged records leave at <see cref="AdvanceTo"/>,
/// <see cref="Flush"/>, <see cref="Close"/> and every worker step (the output's
/// <see cref="OutputPort{T, TData}.BeforeFlush"/>).
/// </remarks>
public sealed class InputHandle<T, TData> : IDisposable
{
    private OutputPort<T, TData>? _output;
    private Capability<T>? _capability;
    private T _time = TimestampTraits<T>.Default.Minimum;
    private bool _closed;
    private TData[] _staged = [];
    private int _count;

    /// <summary>The time records are sent at.</summary>
    public T Time => _time;

    /// <summary>Whether <see cref="Close"/> has been called.</summary>
    public bool IsClosed => _closed;

    /// <summary>Sends one record at <see cref="Time"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send(TData item)
    {
        var staged = _staged;
        int count = _count;
        if ((uint)count >= (uint)staged.Length)
        {
            ThrowNotOpen();
        }

        staged[count] = item;
        _count = ++count;
        if (count == staged.Length)
        {
            GiveStaged();
        }
    }

    /// <summary>Sends every record of <paramref name="items"/> at <see cref="Time"/>, in blocks.</summary>
    public void SendBatch(ReadOnlySpan<TData> items)
    {
        if (items.IsEmpty)
        {
            return;
        }

        if (_output is null || _closed)
        {
            ThrowNotOpen();
        }

        GiveStaged();
        _output.GiveSpan(_time, items);
    }

    /// <summary>Moves the input to <paramref name="time"/>, which must not be earlier than <see cref="Time"/>.</summary>
    public void AdvanceTo(T time)
    {
        if (_output is null || _closed)
        {
            ThrowNotOpen();
        }

        if (!TimestampTraits<T>.Default.LessEqual(_time, time))
        {
            throw new InvalidOperationException($"input cannot go back from {_time} to {time}");
        }

        _output.FlushAndDone();
        _capability!.Downgrade(time);
        _time = time;
    }

    /// <summary>Sends whatever is buffered now.</summary>
    public void Flush() => _output?.FlushAndDone();

    /// <summary>Sends what is buffered and gives up the input's capability: no more records will come.</summary>
    public void Close()
    {
        if (_closed || _output is null)
        {
            _closed = true;
            return;
        }

        _output.FlushAndDone();
        _capability!.Dispose();
        _closed = true;
        _staged = [];
    }

    /// <summary>Closes the input.</summary>
    public void Dispose() => Close();

    internal void Attach(OutputPort<T, TData> output, Capability<T> capability)
    {
        if (_output is not null)
        {
            throw new InvalidOperationException("the input handle already feeds a dataflow");
        }

        _output = output;
        _capability = capability;
        _time = capability.Time;
        _staged = new TData[Message<T, TData>.BatchSize];
        output.BeforeFlush = GiveStaged;
    }

    /// <summary>Gives the staged records to the output (at <see cref="Time"/>: a time change gives them first).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GiveStaged()
    {
        int count = _count;
        if (count == 0)
        {
            return;
        }

        _count = 0;
        var staged = _staged.AsSpan(0, count);
        _output!.GiveSpan(_time, staged);
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TData>())
        {
            staged.Clear();
        }
    }

    [DoesNotReturn]
    private void ThrowNotOpen() => throw new InvalidOperationException(
        _closed ? "the input is closed" : "the input handle is not attached to a dataflow (use scope.InputFrom)");
}
