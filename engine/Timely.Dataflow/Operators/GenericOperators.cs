using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Operators with user logic: <c>Unary</c>, <c>Binary</c>, <c>UnaryNotify</c>, <c>BinaryNotify</c>
/// and <c>Sink</c> (timely's <c>Operator</c> trait). For anything else, use <see cref="OperatorBuilder{T}"/>.
/// </summary>
/// <remarks>
/// The logic runs when an input has messages or an input frontier has changed. Overloads
/// that take a constructor hand it the operator's initial capability (at the minimum time),
/// which it must keep or dispose; the others drop it at once.
/// </remarks>
public static class GenericOperators
{
    /// <summary>One input, one output; <paramref name="logic"/> runs at each scheduling.</summary>
    public static Stream<T, TOut> Unary<T, TData, TOut>(this Stream<T, TData> stream, Pact<TData> pact, string name, Action<InputPort<T, TData>, OutputPort<T, TOut>> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        return stream.Unary<T, TData, TOut>(pact, name, capability =>
        {
            capability.Dispose();
            return logic;
        });
    }

    /// <summary>
    /// One input, one output; <paramref name="constructor"/> gets the initial capability and
    /// returns the logic run at each scheduling.
    /// </summary>
    public static Stream<T, TOut> Unary<T, TData, TOut>(this Stream<T, TData> stream, Pact<TData> pact, string name, Func<Capability<T>, Action<InputPort<T, TData>, OutputPort<T, TOut>>> constructor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(constructor);
        var builder = new OperatorBuilder<T>(stream.Scope, name);
        var input = builder.NewInput(stream, pact);
        var (output, result) = builder.NewOutput<TOut>();
        builder.Build(caps =>
        {
            var logic = constructor(caps[0]);
            return () => logic(input, output);
        });
        return result;
    }

    /// <summary>Two inputs, one output; <paramref name="logic"/> runs at each scheduling.</summary>
    public static Stream<T, TOut> Binary<T, TData1, TData2, TOut>(this Stream<T, TData1> stream, Stream<T, TData2> other, Pact<TData1> pact1, Pact<TData2> pact2, string name, Action<InputPort<T, TData1>, InputPort<T, TData2>, OutputPort<T, TOut>> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        return stream.Binary<T, TData1, TData2, TOut>(other, pact1, pact2, name, capability =>
        {
            capability.Dispose();
            return logic;
        });
    }

    /// <summary>
    /// Two inputs, one output; <paramref name="constructor"/> gets the initial capability and
    /// returns the logic run at each scheduling.
    /// </summary>
    public static Stream<T, TOut> Binary<T, TData1, TData2, TOut>(this Stream<T, TData1> stream, Stream<T, TData2> other, Pact<TData1> pact1, Pact<TData2> pact2, string name, Func<Capability<T>, Action<InputPort<T, TData1>, InputPort<T, TData2>, OutputPort<T, TOut>>> constructor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(constructor);
        var builder = new OperatorBuilder<T>(stream.Scope, name);
        var input1 = builder.NewInput(stream, pact1);
        var input2 = builder.NewInput(other, pact2);
        var (output, result) = builder.NewOutput<TOut>();
        builder.Build(caps =>
        {
            var logic = constructor(caps[0]);
            return () => logic(input1, input2, output);
        });
        return result;
    }

    /// <summary>
    /// One input, one output and a <see cref="Notificator{T}"/>: <paramref name="logic"/> runs
    /// when messages arrive or the frontier moves, and drains notifications for times the
    /// input has passed. <paramref name="notifyAt"/> requests initial notifications.
    /// </summary>
    public static Stream<T, TOut> UnaryNotify<T, TData, TOut>(this Stream<T, TData> stream, Pact<TData> pact, string name, IEnumerable<T> notifyAt, Action<InputPort<T, TData>, OutputPort<T, TOut>, Notificator<T>> logic)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(notifyAt);
        ArgumentNullException.ThrowIfNull(logic);
        var builder = new OperatorBuilder<T>(stream.Scope, name);
        var input = builder.NewInput(stream, pact);
        var (output, result) = builder.NewOutput<TOut>();
        var notificator = new Notificator<T>(builder.Core);
        builder.Build(caps => NotifyLogic(caps[0], notifyAt, notificator, () => logic(input, output, notificator)));
        return result;
    }

    /// <summary>
    /// Two inputs, one output and a <see cref="Notificator{T}"/> over both inputs (timely's
    /// <c>binary_notify</c>): <paramref name="logic"/> runs when messages arrive or a frontier
    /// moves, and a notification is delivered once neither input can still bring records at its
    /// time. <paramref name="notifyAt"/> requests initial notifications.
    /// </summary>
    /// <remarks>
    /// The operator that keeps records per time until both inputs are complete there (a join of
    /// two streams by round, bfs's edges and frontier) asks for the time with
    /// <c>notificator.NotifyAt(capability.Retain())</c> as a message arrives and acts on it in
    /// <c>while (notificator.TryNext(out var time, out _))</c>; the notificator keeps the output's
    /// capability at each requested time until it has been delivered, so no capability objects or
    /// sorted map of them are needed in the operator.
    /// </remarks>
    public static Stream<T, TOut> BinaryNotify<T, TData1, TData2, TOut>(this Stream<T, TData1> stream, Stream<T, TData2> other, Pact<TData1> pact1, Pact<TData2> pact2, string name, IEnumerable<T> notifyAt, Action<InputPort<T, TData1>, InputPort<T, TData2>, OutputPort<T, TOut>, Notificator<T>> logic)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(notifyAt);
        ArgumentNullException.ThrowIfNull(logic);
        var builder = new OperatorBuilder<T>(stream.Scope, name);
        var input1 = builder.NewInput(stream, pact1);
        var input2 = builder.NewInput(other, pact2);
        var (output, result) = builder.NewOutput<TOut>();
        var notificator = new Notificator<T>(builder.Core);
        builder.Build(caps => NotifyLogic(caps[0], notifyAt, notificator, () => logic(input1, input2, output, notificator)));
        return result;
    }

    /// <summary>One input, no output: <paramref name="logic"/> consumes the stream (the end of a dataflow).</summary>
    public static void Sink<T, TData>(this Stream<T, TData> stream, Pact<TData> pact, string name, Action<InputPort<T, TData>> logic)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(logic);
        var builder = new OperatorBuilder<T>(stream.Scope, name);
        var input = builder.NewInput(stream, pact);
        builder.Build(_ => () => logic(input));
    }

    // The notifying operators' shared start: the initial requests, backed by delays of the
    // initial capability, which is then dropped; after each run the delivered notification's
    // capability is released.
    private static Action NotifyLogic<T>(Capability<T> initial, IEnumerable<T> notifyAt, Notificator<T> notificator, Action run)
    {
        foreach (var time in notifyAt)
        {
            notificator.NotifyAt(initial.Delayed(time));
        }

        initial.Dispose();
        return () =>
        {
            run();
            notificator.Release();
        };
    }
}
