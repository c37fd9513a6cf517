using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>
/// The capability that comes with a received message (timely's <c>InputCapability</c>): it
/// lets the operator send at the message's time while it handles the message, and can be
/// retained as a <see cref="Capability{T}"/> to send later.
/// </summary>
/// <remarks>
/// A struct, so receiving a message allocates nothing; only <see cref="Retain"/> and
/// <see cref="Delayed"/> create capability objects. Valid for operators whose inputs reach
/// their outputs with the identity summary (every operator except a feedback).
/// </remarks>
public readonly struct InputCapability<T>
{
    private readonly OperatorCore<T> _operator;

    internal InputCapability(OperatorCore<T> op, T time)
    {
        _operator = op;
        Time = time;
    }

    /// <summary>The time of the message this capability came with.</summary>
    public T Time { get; }

    internal object Owner => _operator;

    /// <summary>A capability at <see cref="Time"/> for <paramref name="output"/> that outlives the message.</summary>
    public Capability<T> Retain(int output = 0) => Delayed(Time, output);

    /// <summary>A capability at <paramref name="time"/> (not earlier than <see cref="Time"/>) for <paramref name="output"/>.</summary>
    public Capability<T> Delayed(T time, int output = 0)
    {
        if (!TimestampTraits<T>.Default.LessEqual(Time, time))
        {
            throw new InvalidOperationException($"a message at {Time} cannot give a capability at earlier time {time}");
        }

        if ((uint)output >= (uint)_operator.Outputs)
        {
            throw new ArgumentOutOfRangeException(nameof(output), $"operator {_operator.Name} has {_operator.Outputs} outputs");
        }

        var changes = _operator.Internals[output];
        changes.Update(time, 1);
        _operator.Scope.ScheduleHarvest();
        return new Capability<T>(_operator, output, changes, time);
    }
}
