using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Timely.Logging;

/// <summary>
/// A buffering logger (timely's <c>logging_core::Logger</c>): <see cref="Log"/> stamps an event
/// with the time elapsed since the logger's origin and appends it to a buffer; a full buffer,
/// <see cref="Flush"/> and <see cref="Close"/> hand the events to the action in one batch.
/// </summary>
/// <remarks>
/// Design: a logger belongs to the thread that logs into it (timely's is an
/// <c>Rc&lt;RefCell&gt;</c>): no field is volatile and nothing is locked, and the action runs on
/// that thread. The buffer is allocated once and reused, so logging a value-type event
/// allocates nothing (the allocation facts of the allocators check it). Every logger of one
/// worker shares the worker's origin, so times from its streams compare.
/// </remarks>
/// <typeparam name="T">The event type; a struct keeps <see cref="Log"/> allocation-free.</typeparam>
public sealed class Logger<T>
{
    /// <summary>Events per batch by default: timely's container builders hold about 8 KiB of events; 1024 keeps batches comparable.</summary>
    public const int DefaultCapacity = 1024;

    private readonly LogAction<T> _action;
    private readonly Action<TimeSpan>? _onClose;
    private readonly long _origin;
    private readonly (TimeSpan Time, T Event)[] _buffer;
    private int _count;
    private bool _closed;

    /// <summary>
    /// A logger that hands batches to <paramref name="action"/>, timing events from
    /// <paramref name="origin"/> (a <see cref="Stopwatch.GetTimestamp"/> value) and calling
    /// <paramref name="onClose"/> with the final time when it is closed (timely ends a log stream
    /// by dropping its action).
    /// </summary>
    public Logger(LogAction<T> action, long origin, Action<TimeSpan>? onClose = null, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _action = action;
        _onClose = onClose;
        _origin = origin;
        _buffer = new (TimeSpan, T)[capacity];
    }

    /// <summary>A logger timed from now.</summary>
    public Logger(LogAction<T> action)
        : this(action, Stopwatch.GetTimestamp())
    {
    }

    /// <summary>Time elapsed since the logger's origin.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_origin);

    /// <summary>Whether <see cref="Close"/> was called; a closed logger drops what it is given.</summary>
    public bool IsClosed => _closed;

    /// <summary>Logs <paramref name="e"/> at the current time; the action sees it when the buffer fills or at the next flush.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Log(in T e)
    {
        var time = Elapsed;
        _buffer[_count++] = (time, e);
        if (_count == _buffer.Length)
        {
            Publish(time);
        }
    }

    /// <summary>Hands what is buffered to the action, then tells it (an empty batch) that no earlier event will follow.</summary>
    public void Flush()
    {
        if (_closed)
        {
            return;
        }

        var time = Elapsed;
        if (_count > 0)
        {
            Publish(time);
        }

        _action(time, ReadOnlySpan<(TimeSpan, T)>.Empty);
    }

    /// <summary>Flushes and ends the stream: the close callback gets the final time, and later events are dropped.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        Flush();
        _closed = true;
        _onClose?.Invoke(Elapsed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Publish(TimeSpan time)
    {
        int count = _count;
        _count = 0;
        if (!_closed)
        {
            _action(time, _buffer.AsSpan(0, count));
        }

        if (RuntimeHelpers.IsReferenceOrContainsReferences<(TimeSpan, T)>())
        {
            Array.Clear(_buffer, 0, count);   // drop the names and addresses the events held
        }
    }
}
