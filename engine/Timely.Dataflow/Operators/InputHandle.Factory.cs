namespace Timely.Dataflow.Operators;

/// <summary>
/// Factories for <see cref="InputHandle{T, TData}"/> that name only what C# cannot infer, as
/// Rust's <c>InputHandle::new()</c> leaves both types to inference: <c>InputHandle.Create&lt;string&gt;()</c>
/// is an input of strings at <see cref="ulong"/> times.
/// </summary>
/// <remarks>
/// A non-generic static class beside the generic type (this file; the handle is in
/// InputHandle.cs), as the runtime's <c>Channel</c> is beside <c>Channel&lt;T&gt;</c>.
/// </remarks>
public static class InputHandle
{
    /// <summary>
    /// A new, unconnected input of <typeparamref name="TData"/> records at <see cref="ulong"/>
    /// times, starting at time 0. Connect it with <see cref="SourceOperators.InputFrom{T, TData}"/>.
    /// </summary>
    public static InputHandle<ulong, TData> Create<TData>() => new();

    /// <summary>
    /// A new, unconnected input of <typeparamref name="TData"/> records at times
    /// <typeparamref name="T"/>, starting at <typeparamref name="T"/>'s minimum.
    /// </summary>
    public static InputHandle<T, TData> Create<T, TData>() => new();
}
