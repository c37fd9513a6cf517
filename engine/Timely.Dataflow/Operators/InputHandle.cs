using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Feeds records into a dataflow from outside (timely's <c>InputHandle</c>): send at the
/// current time, advance the time (which lets frontiers pass the old one), close when done.
/// Records are buffered and sent in batches; they also go out at every worker step.
/// </summary>
/// <remarks>
/// Design: <see cref="Send(TData)"/> stores straight into the backing array of a message the
/// handle owns (<see cref="ListStorage{T}"/>), one bound check and one store per record (not a
/// <c>List.Add</c> behind three loads); a full batch is committed to the list and handed to the
/// output by swapping lists (<see cref="OutputPort{T, TData}.Forward"/>), so a record is written
/// once between <c>Send</c> and the next operator (a partial batch already in the output, left
/// by <see cref="SendBatch"/>, is topped up by a copy instead, so full batches stay full). The array is empty while the handle is not
/// attached or is closed, and also while nothing is staged: the same bound check then fails into
/// a cold path that throws, or (the first record after a flush) takes the staging array back and
/// schedules the dataflow's step that sends it, so the fast path tests nothing else and a worker
/// never parks on staged records. Staged records leave at <see cref="AdvanceTo"/>, <see cref="Flush"/>,
/// <see cref="Close"/> and every worker step (the output's
/// <see cref="OutputPort{T, TData}.BeforeFlush"/>).
/// A handle belongs to the worker thread of the dataflow it feeds: a call from another thread
/// throws <see cref="InvalidOperationException"/> naming both threads. <see cref="Send(TData)"/>
/// keeps its one bound check, so it is checked when its batch fills (every
/// <see cref="Message{T, TData}.BatchSize"/> records); every other member checks at once.
/// Flow control (<see cref="Bound"/>, and the job's <c>Config.OverflowBudgetBytes</c>) is
/// looked at in the same places: when a batch fills, in <see cref="SendBatch"/> and in
/// <see cref="AdvanceTo"/>, so an unbounded handle's <see cref="Send(TData)"/> is unchanged.
/// </remarks>
public sealed class InputHandle<T, TData> : IDisposable
{
    private OutputPort<T, TData>? _output;
    private Capability<T>? _capability;
    private T _time = TimestampTraits<T>.Default.Minimum;
    private bool _closed;
    private Message<T, TData>? _message;
    private TData[] _staged = [];
    private TData[] _idle = [];   // the staging array while nothing is staged (_staged is then empty)
    private int _count;
    private Worker? _worker;
    private Diagnostics.LatestInputTime<T>? _latest;
    private SourceBound<T>? _bound;
    private SourceGate<T>? _gate;
    private Func<bool>? _isOpen;

    /// <summary>The time records are sent at.</summary>
    public T Time => _time;

    /// <summary>Whether <see cref="Close"/> has been called.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// How far this input may run ahead of its dataflow (null, the default: no bound). Past it,
    /// <see cref="AdvanceTo"/>, <see cref="SendBatch"/> and the <see cref="Send(TData)"/> that
    /// fills a batch step the worker until the dataflow has caught up (see <see cref="SourceBound{T}"/>).
    /// Set it on the worker's thread, before or after the handle is connected.
    /// </summary>
    public SourceBound<T>? Bound
    {
        get => _bound;
        set
        {
            CheckThread();
            _bound = value;
            _gate?.SetBound(value);
        }
    }

    /// <summary>Time this input has spent waiting for its <see cref="Bound"/> (or the job's overflow budget).</summary>
    public TimeSpan HeldBack => _gate?.HeldBack ?? TimeSpan.Zero;

    /// <summary>Sends one record at <see cref="Time"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Send(TData item)
    {
        var staged = _staged;
        int count = _count;
        if ((uint)count >= (uint)staged.Length)
        {
            SendFirst(item);
            return;
        }

        staged[count] = item;
        _count = ++count;
        if (count == Message<T, TData>.BatchSize)
        {
            GiveFullBatch();
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

        CheckThread();
        GiveStaged(forward: false);
        _output.GiveSpan(_time, items);
        _output.ScheduleScope();
        WaitIfBounded();
    }

    /// <summary>Moves the input to <paramref name="time"/>, which must not be earlier than <see cref="Time"/>.</summary>
    public void AdvanceTo(T time)
    {
        if (_output is null || _closed)
        {
            ThrowNotOpen();
        }

        CheckThread();
        if (!TimestampTraits<T>.Default.LessEqual(_time, time))
        {
            throw new InvalidOperationException($"input cannot go back from {_time} to {time}");
        }

        _output.FlushAndDone();
        _output.ScheduleScope();
        _capability!.Downgrade(time);
        var left = _time;
        _time = time;
        _latest!.Advance(time);
        if (_gate!.Active && !EqualityComparer<T>.Default.Equals(left, time))
        {
            _gate.Left(left);
            WaitIfBounded();
        }
    }

    /// <summary>Sends whatever is buffered now.</summary>
    public void Flush()
    {
        if (_output is not null)
        {
            CheckThread();
            _output.FlushAndDone();
            _output.ScheduleScope();
        }
    }

    /// <summary>Sends what is buffered and gives up the input's capability: no more records will come.</summary>
    public void Close()
    {
        if (_closed || _output is null)
        {
            _closed = true;
            return;
        }

        CheckThread();
        _output.FlushAndDone();
        _output.ScheduleScope();
        _capability!.Dispose();
        _closed = true;
        _staged = [];
        _idle = [];
    }

    /// <summary>Closes the input.</summary>
    public void Dispose() => Close();

    internal void Attach(OutputPort<T, TData> output, Capability<T> capability, Scope<T> scope)
    {
        _worker = scope.Worker;
        _latest = scope.LatestInputTime;
        if (_output is not null)
        {
            throw new InvalidOperationException("the input handle already feeds a dataflow");
        }

        _output = output;
        _capability = capability;
        _time = capability.Time;
        _latest.Advance(_time);
        output.BeforeFlush = GiveStaged;
        _gate = new SourceGate<T>(scope.Worker, scope.DataflowIndex, output.OperatorIndex, _bound);
        _isOpen = () => !_closed;
    }

    /// <summary>Gives the staged records to the output (at <see cref="Time"/>: a time change gives them first).</summary>
    private void GiveStaged() => GiveStaged(forward: true);

    /// <summary>
    /// A record while nothing is staged (or the handle is not open): the first after a flush takes
    /// the staging array back and schedules the step that will send it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void SendFirst(TData item)
    {
        if (_output is null || _closed)
        {
            ThrowNotOpen();
        }

        CheckThread();
        if (_idle.Length == 0)
        {
            // The handle's first record: its message and a batch's room are made now, not when it
            // was attached, so an input that never sends (event_driven's thousand dataflows without
            // `record`) holds no array of a batch's room.
            _idle = _output.Pool.Reserve(_message ??= Message<T, TData>.Shell());
        }

        _staged = _idle;
        _staged[0] = item;
        _count = 1;
        _output.ScheduleScope();
    }

    /// <summary>A full batch from <see cref="Send(TData)"/>: gives it, then waits if the input is bounded and the dataflow behind.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GiveFullBatch()
    {
        GiveStaged(forward: true);
        WaitIfBounded();
    }

    /// <summary>Waits, stepping the worker, while the bound (or the job's overflow budget) says the dataflow is behind.</summary>
    private void WaitIfBounded()
    {
        if (_gate is { Active: true } gate)
        {
            gate.Wait(_isOpen!);
        }
    }

    /// <summary>
    /// Gives the staged records to the output: by swapping lists when the output holds nothing
    /// and <paramref name="forward"/> (no copy), else appended to the output's partial batch (a
    /// copy, so batches stay <see cref="Message{T, TData}.BatchSize"/> long when
    /// <see cref="SendBatch"/> or a partial batch came first).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GiveStaged(bool forward)
    {
        int count = _count;
        if (count == 0)
        {
            return;
        }

        _count = 0;
        CheckThread();
        var output = _output!;
        if (forward && output.IsEmpty)
        {
            var message = _message!;
            ListStorage<TData>.Commit(message.Data, count);
            output.Forward(_time, message);

            // Forward swapped in a carrier's empty list (without an array when the pool had none
            // waiting): stage into it next, with a batch's room from the pool (Close, which gets
            // here through FlushAndDone, empties the arrays afterwards).
            _idle = output.Pool.Reserve(message);
            _staged = [];
            return;
        }

        var staged = _staged.AsSpan(0, count);
        output.GiveSpan(_time, staged);
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TData>())
        {
            staged.Clear();
        }

        _idle = _staged;
        _staged = [];
    }

    /// <summary>Throws when called from a thread other than the worker's.</summary>
    private void CheckThread()
    {
        if (_worker is { } worker && worker.OwnerThread != Environment.CurrentManagedThreadId)
        {
            ThrowWrongThread(worker);
        }
    }

    [DoesNotReturn]
    private static void ThrowWrongThread(Worker worker) => throw new InvalidOperationException(
        $"this input handle belongs to worker {worker.Index}, whose thread is {worker.OwnerThread}; it was used from thread {Environment.CurrentManagedThreadId}. " +
        "Feed a dataflow from another thread through a channel (scope.SourceFrom(channel.Reader, ...)).");

    [DoesNotReturn]
    private void ThrowNotOpen()
    {
        if (_closed && _worker is { Cancellation.IsCancellationRequested: true } worker)
        {
            throw new OperationCanceledException($"worker {worker.Index}: the input was closed because the run was cancelled.", worker.Cancellation);
        }

        throw new InvalidOperationException(_closed ? "the input is closed" : "the input handle is not attached to a dataflow (use scope.InputFrom)");
    }
}
