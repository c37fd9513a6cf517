using System.Diagnostics.CodeAnalysis;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Scheduling;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>
/// The right to produce records at <see cref="Time"/> (or later) on one output of one
/// operator: timely's <c>Capability</c>. While it is held, the output's frontier cannot pass
/// <see cref="Time"/> on any worker.
/// </summary>
/// <remarks>
/// Rust drops a capability when it goes out of scope; here <see cref="Dispose"/> drops it.
/// Every change (clone, delay, downgrade, drop) is a count update on the output's
/// internal change batch, which the worker reports to all peers at its next step.
/// </remarks>
public sealed class Capability<T> : IDisposable
{
    // Design: owned by the worker thread of the operator that minted it: its changes go to that
    // operator's change batch, which the same thread harvests at its next step. Not for other
    // threads. A change made outside a step of the operator's scope (a capability kept by the
    // caller and dropped between steps) schedules that scope, so its next step reports it.
    private readonly ChangeBatch<T> _internal;
    private readonly ActivationSet _scope;
    private T _time;
    private bool _dropped;

    internal Capability(OperatorCore<T> owner, int output, ChangeBatch<T> internalChanges, T time)
    {
        Owner = owner;
        Output = output;
        _internal = internalChanges;
        _scope = owner.Scope;
        _time = time;
    }

    /// <summary>The time at which this capability allows output.</summary>
    public T Time
    {
        get
        {
            ThrowIfDropped();
            return _time;
        }
    }

    /// <summary>The output port this capability is for.</summary>
    public int Output { get; }

    /// <summary>Whether <see cref="Dispose"/> has dropped this capability.</summary>
    public bool IsDropped => _dropped;

    // The operator that minted the capability; outputs check it so a capability cannot be
    // used to send from another operator.
    internal OperatorCore<T> Owner { get; }

    /// <summary>A second capability at the same time (counts +1).</summary>
    public Capability<T> Clone() => Delayed(Time);

    /// <summary>A new capability at <paramref name="time"/>, which must not be earlier than <see cref="Time"/>.</summary>
    public Capability<T> Delayed(T time)
    {
        ThrowIfDropped();
        if (!TimestampTraits<T>.Default.LessEqual(_time, time))
        {
            ThrowNotLater(_time, time);
        }

        _internal.Update(time, 1);
        _scope.ScheduleHarvest();
        return new Capability<T>(Owner, Output, _internal, time);
    }

    /// <summary>Moves this capability to <paramref name="time"/>, which must not be earlier than <see cref="Time"/>.</summary>
    public void Downgrade(T time)
    {
        ThrowIfDropped();
        if (!TimestampTraits<T>.Default.LessEqual(_time, time))
        {
            ThrowNotLater(_time, time);
        }

        _internal.Update(time, 1);
        _internal.Update(_time, -1);
        _time = time;
        _scope.ScheduleHarvest();
    }

    /// <summary>Drops the capability (counts -1). Dropping twice is a no-op.</summary>
    public void Dispose()
    {
        if (!_dropped)
        {
            _dropped = true;
            _internal.Update(_time, -1);
            _scope.ScheduleHarvest();
        }
    }

    /// <summary>Marks the capability dropped without a count change: its count now belongs to someone else.</summary>
    internal T Transfer()
    {
        ThrowIfDropped();
        _dropped = true;
        return _time;
    }

    /// <inheritdoc />
    public override string ToString() => _dropped ? "Capability(dropped)" : $"Capability({_time})";

    private void ThrowIfDropped()
    {
        if (_dropped)
        {
            ThrowDropped();
        }
    }

    [DoesNotReturn]
    private static void ThrowDropped() => throw new InvalidOperationException("the capability has been dropped");

    [DoesNotReturn]
    private static void ThrowNotLater(T held, T requested) =>
        throw new InvalidOperationException($"a capability at {held} cannot produce one at {requested}: not later");
}
