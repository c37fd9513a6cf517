using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Delivers notifications for times all of the operator's inputs have passed (timely's
/// <c>FrontierNotificator</c>, as given to <c>unary_notify</c> and <c>binary_notify</c>). Each requested time holds a
/// capability on the operator's output until it is delivered, so the time cannot pass
/// downstream before the operator has acted on it.
/// </summary>
/// <remarks>
/// Kept without capability objects: pending times are counts on the output's change batch,
/// so a notification loop allocates nothing per time once the pending list has grown.
/// </remarks>
public sealed class Notificator<T>
{
    // Design: owned by the worker thread that runs its operator; reads the operator's input
    // frontiers and writes its change batch, both that thread's.
    private readonly OperatorCore<T> _operator;
    private readonly ChangeBatch<T> _internals;
    private readonly List<T> _pending = new();
    private T _current = default!;
    private bool _holding;

    internal Notificator(OperatorCore<T> op)
    {
        _operator = op;
        _internals = op.Internals[0];
    }

    /// <summary>Number of requested notifications not yet delivered.</summary>
    public int Pending => _pending.Count;

    /// <summary>Requests a notification at the capability's time; the notificator takes the capability over.</summary>
    public void NotifyAt(Capability<T> capability)
    {
        ArgumentNullException.ThrowIfNull(capability);
        if (!ReferenceEquals(capability.Owner, _operator) || capability.Output != 0)
        {
            throw new InvalidOperationException($"{capability} is not a capability for output 0 of {_operator.Name}");
        }

        _pending.Add(capability.Transfer());
    }

    /// <summary>
    /// Requests a notification at <paramref name="time"/>, which must not be earlier than the
    /// notification being delivered now (its capability backs the request).
    /// </summary>
    public void NotifyAt(T time)
    {
        if (!_holding || !TimestampTraits<T>.Default.LessEqual(_current, time))
        {
            throw new InvalidOperationException(
                _holding ? $"cannot request {time}: earlier than the delivered {_current}" : "NotifyAt(time) needs a delivered notification or a capability");
        }

        _internals.Update(time, 1);
        _pending.Add(time);
    }

    /// <summary>
    /// The next requested time that no input can still deliver records at, in time order.
    /// Its capability is held until the next call or until the operator returns, so
    /// <see cref="Session{TData}"/> and <see cref="NotifyAt(T)"/> may use it meanwhile.
    /// <paramref name="count"/> is how many requests for that time were merged.
    /// </summary>
    public bool TryNext(out T time, out int count)
    {
        Release();
        var comparer = Comparer<T>.Default;
        int best = -1;
        for (int i = 0; i < _pending.Count; i++)
        {
            var candidate = _pending[i];
            if ((best < 0 || comparer.Compare(candidate, _pending[best]) < 0) && !InputsMayDeliver(candidate))
            {
                best = i;
            }
        }

        if (best < 0)
        {
            time = default!;
            count = 0;
            return false;
        }

        time = _pending[best];
        count = 0;
        var eq = EqualityComparer<T>.Default;
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            if (eq.Equals(_pending[i], time))
            {
                _pending[i] = _pending[^1];
                _pending.RemoveAt(_pending.Count - 1);
                count++;
            }
        }

        // Keep one count as the delivered notification's capability; merge the rest.
        if (count > 1)
        {
            _internals.Update(time, 1 - count);
        }

        _current = time;
        _holding = true;
        return true;
    }

    /// <summary>A session on output 0 at the time being delivered.</summary>
    public OutputSession<T, TData> Session<TData>(OutputPort<T, TData> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_holding)
        {
            throw new InvalidOperationException("no notification is being delivered");
        }

        if (output.Port != 0 || !ReferenceEquals(output.Owner, _operator))
        {
            throw new InvalidOperationException("the notificator holds capabilities for output 0 of its own operator");
        }

        return new OutputSession<T, TData>(output, _current);
    }

    /// <summary>A capability at the time being delivered, to keep beyond this notification.</summary>
    public Capability<T> Retain()
    {
        if (!_holding)
        {
            throw new InvalidOperationException("no notification is being delivered");
        }

        _internals.Update(_current, 1);
        return new Capability<T>(_operator, 0, _internals, _current);
    }

    /// <summary>Drops the capability of the notification delivered last (called when the operator returns).</summary>
    internal void Release()
    {
        if (_holding)
        {
            _holding = false;
            _internals.Update(_current, -1);
        }
    }

    private bool InputsMayDeliver(T time)
    {
        foreach (var frontier in _operator.Frontiers)
        {
            if (frontier.LessEqual(time))
            {
                return true;
            }
        }

        return false;
    }
}
