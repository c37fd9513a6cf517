using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// The shape of the operators that hold records until a notification: one input, one output,
/// a <see cref="Notificator{T}"/>. Unlike <see cref="GenericOperators.UnaryNotify"/>, the
/// constructor runs once when the operator is built and gets the ports and the notificator
/// then, so the delegates it makes (for <see cref="InputPort{T, TData}.ForEachTime"/>, say) are
/// made once, not at every scheduling.
/// </summary>
internal static class NotifyShape
{
    public static Stream<T, TOut> Unary<T, TData, TOut>(Stream<T, TData> stream, Pact<TData> pact, string name, Func<InputPort<T, TData>, OutputPort<T, TOut>, Notificator<T>, Action> constructor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var builder = new OperatorBuilder<T>(stream.Scope, name);
        var input = builder.NewInput(stream, pact);
        var (output, result) = builder.NewOutput<TOut>();
        var notificator = new Notificator<T>(builder.Core);
        var logic = constructor(input, output, notificator);
        Finish(builder, notificator, logic);
        return result;
    }

    public static Stream<T, TOut> Binary<T, TData1, TData2, TOut>(Stream<T, TData1> stream, Stream<T, TData2> other, string name, Func<InputPort<T, TData1>, InputPort<T, TData2>, OutputPort<T, TOut>, Notificator<T>, Action> constructor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var builder = new OperatorBuilder<T>(stream.Scope, name);
        var input1 = builder.NewInput(stream, Pact<TData1>.Pipeline);
        var input2 = builder.NewInput(other, Pact<TData2>.Pipeline);
        var (output, result) = builder.NewOutput<TOut>();
        var notificator = new Notificator<T>(builder.Core);
        var logic = constructor(input1, input2, output, notificator);
        Finish(builder, notificator, logic);
        return result;
    }

    // The initial capability goes: the notificator's requests hold the times that matter. The
    // notification delivered last is released when the logic returns.
    private static void Finish<T>(OperatorBuilder<T> builder, Notificator<T> notificator, Action logic) =>
        builder.Build(caps =>
        {
            caps[0].Dispose();
            return () =>
            {
                logic();
                notificator.Release();
            };
        });
}
