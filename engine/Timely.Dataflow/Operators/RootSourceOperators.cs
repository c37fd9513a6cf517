namespace Timely.Dataflow.Operators;

/// <summary>
/// <see cref="SourceOperators.NewInput{T, TData}"/> for a dataflow with <see cref="ulong"/>
/// timestamps, naming only the record type: <c>var (input, stream) = scope.NewInput&lt;string&gt;();</c>
/// (timely's <c>scope.new_input()</c>, whose types Rust infers).
/// </summary>
public static class RootSourceOperators
{
    /// <summary>A new input of <typeparamref name="TData"/> records and its stream, at time 0.</summary>
    /// <param name="scope">A dataflow with <see cref="ulong"/> timestamps, while it is being built.</param>
    /// <returns>The handle that sends records, and the stream that carries them.</returns>
    public static (InputHandle<ulong, TData> Handle, Stream<ulong, TData> Stream) NewInput<TData>(this Scope<ulong> scope) =>
        scope.NewInput<ulong, TData>();
}
