using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Feeds an unordered input (timely's <c>UnorderedHandle</c>): records go out at the time of
/// whatever capability of the input the caller presents, in any order of times, as long as
/// the capability is held. The input's frontier is the least time of the capabilities still
/// held, on every worker.
/// </summary>
/// <remarks>
/// Records are buffered per time and sent at the worker's next step (or <see cref="Flush"/>):
/// opening a session schedules the input's scope for that step.
/// Disposing the handle (which the worker does when its logic returns) drops the initial
/// capability if it is still held; capabilities made from it must be disposed by their owner,
/// or the dataflow never completes.
/// </remarks>
public sealed class UnorderedHandle<T, TData> : IDisposable
{
    // Design: used on the worker thread that owns its dataflow (between steps or inside operator
    // logic); it writes that worker's output buffers and change batches.
    private readonly OutputPort<T, TData> _output;
    private readonly Capability<T> _initial;

    internal UnorderedHandle(OutputPort<T, TData> output, Capability<T> initial)
    {
        _output = output;
        _initial = initial;
    }

    /// <summary>A session that sends at <paramref name="capability"/>'s time; the capability must be one of this input's.</summary>
    public OutputSession<T, TData> Session(Capability<T> capability)
    {
        ArgumentNullException.ThrowIfNull(capability);
        var session = _output.Session(capability);
        _output.ScheduleScope();   // what the session buffers leaves at the scope's next step
        return session;
    }

    /// <summary>Sends whatever is buffered now.</summary>
    public void Flush()
    {
        _output.FlushAndDone();
        _output.ScheduleScope();
    }

    /// <summary>Drops the input's initial capability if it is still held.</summary>
    public void Dispose()
    {
        _output.FlushAndDone();
        _output.ScheduleScope();
        _initial.Dispose();
    }
}
