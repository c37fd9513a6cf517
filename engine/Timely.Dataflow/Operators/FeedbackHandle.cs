using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// The open end of a loop made by <see cref="LoopOperators.Feedback{T, TData}"/>; a stream
/// closes it with <see cref="LoopOperators.ConnectLoop{T, TData}"/> (timely's <c>Handle</c>).
/// </summary>
public sealed class FeedbackHandle<T, TData>
{
    // Design: used once, on the worker thread that builds the loop, to connect the feedback edge.
    private readonly Scope<T> _scope;
    private readonly InputPort<T, TData> _input;
    private readonly int _operator;
    private bool _connected;

    internal FeedbackHandle(Scope<T> scope, int operatorIndex, InputPort<T, TData> input)
    {
        _scope = scope;
        _operator = operatorIndex;
        _input = input;
    }

    /// <summary>Whether a stream has been connected.</summary>
    public bool IsConnected => _connected;

    internal void Connect(Stream<T, TData> stream)
    {
        if (_connected)
        {
            throw new InvalidOperationException("the feedback loop is already connected");
        }

        if (!ReferenceEquals(stream.Scope, _scope))
        {
            throw new InvalidOperationException("a loop must be closed within its own dataflow");
        }

        _connected = true;
        _input.Connect(stream.ConnectTo(_operator, 0, Pact<TData>.Pipeline));
    }
}
