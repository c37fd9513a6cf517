using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Feeds records into a dataflow from outside (timely's <c>InputHandle</c>): send at the
/// current time, advance the time (which lets frontiers pass the old one), close when done.
/// Records are buffered and sent in batches; they also go out at every worker step.
/// </summary>
public sealed class InputHandle<T, TData> : IDisposable
{
    private OutputPort<T, TData>? _output;
    private Capability<T>? _capability;
    private T _time = TimestampTraits<T>.Default.Minimum;
    private bool _closed;

    /// <summary>The time records are sent at.</summary>
    public T Time => _time;

    /// <summary>Whether <see cref="Close"/> has been called.</summary>
    public bool IsClosed => _closed;

    /// <summary>Sends one record at <see cref="Time"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send(TData item)
    {
        var output = _output;
        if (output is null || _closed)
        {
            ThrowNotOpen();
        }

        output.Give(_time, item);
    }

    /// <summary>Sends every record of <paramref name="items"/> at <see cref="Time"/>.</summary>
    public void SendBatch(ReadOnlySpan<TData> items)
    {
        foreach (var item in items)
        {
            Send(item);
        }
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
    }

    [DoesNotReturn]
    private void ThrowNotOpen() => throw new InvalidOperationException(
        _closed ? "the input is closed" : "the input handle is not attached to a dataflow (use scope.InputFrom)");
}
