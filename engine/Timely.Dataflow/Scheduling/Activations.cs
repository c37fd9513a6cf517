using System.Collections.Concurrent;
using System.Diagnostics;
using Timely.Communication;

namespace Timely.Dataflow.Scheduling;

/// <summary>
/// A worker's activations that do not come from its own dataflow logic (timely's
/// <c>Activations</c> beside the per-step list): those posted from other threads by a
/// <see cref="Operators.SyncActivator"/>, and delayed ones (<see cref="Operators.OperatorActivator.ActivateAfter"/>).
/// </summary>
/// <remarks>
/// Design: <c>_remote</c> is the only field other threads touch: they enqueue (a
/// <see cref="ConcurrentQueue{T}"/>, whose enqueue is a release) and then call
/// <see cref="Allocator.Unpark"/>, which sets a flag with a full fence and rings the worker's
/// doorbell. The worker clears the flag before it drains the queue, so an item enqueued after
/// the drain leaves the flag set, and the next park returns at once instead of sleeping on it.
/// Timers belong to the worker's thread alone; <see cref="Bound"/> shortens a park to the next
/// deadline so a parked worker still fires them.
/// </remarks>
internal sealed class Activations
{
    private readonly ConcurrentQueue<(ActivationSet Scope, int Operator)> _remote = new();
    private readonly PriorityQueue<(ActivationSet Scope, int Operator), long> _timers = new();
    private readonly Allocator _allocator;

    public Activations(Allocator allocator)
    {
        _allocator = allocator;
    }

    /// <summary>Any thread: schedules the operator at the worker's next step and wakes the worker.</summary>
    public void ActivateFromAnyThread(ActivationSet scope, int operatorIndex)
    {
        _remote.Enqueue((scope, operatorIndex));
        _allocator.Unpark();
    }

    /// <summary>Worker thread: schedules the operator once <paramref name="delay"/> has passed (at once for zero).</summary>
    public void ActivateAfter(ActivationSet scope, int operatorIndex, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            scope.Activate(operatorIndex);
            return;
        }

        long due = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        _timers.Enqueue((scope, operatorIndex), due);
    }

    /// <summary>Worker thread: applies what other threads posted and the timers that are due.</summary>
    public void Drain()
    {
        _allocator.ClearUnpark();
        while (_remote.TryDequeue(out var remote))
        {
            remote.Scope.Activate(remote.Operator);
        }

        if (_timers.Count == 0)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        while (_timers.TryPeek(out var timer, out long due) && due <= now)
        {
            _timers.Dequeue();
            timer.Scope.Activate(timer.Operator);
        }
    }

    /// <summary>The park timeout to use: <paramref name="timeout"/>, shortened to the next timer's deadline.</summary>
    public TimeSpan? Bound(TimeSpan? timeout)
    {
        if (!_timers.TryPeek(out _, out long due))
        {
            return timeout;
        }

        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (left < TimeSpan.Zero)
        {
            left = TimeSpan.Zero;
        }

        return timeout is { } t && t < left ? t : left;
    }
}
