namespace Timely.Dataflow.Channels;

/// <summary>
/// The hash an exchange routes a record by, as a struct the JIT specializes the exchange for
/// (timely's exchange closure, which Rust monomorphizes): <c>stream.Exchange(new ByKey())</c>
/// with <c>readonly struct ByKey : IExchangeHash&lt;ulong&gt; { public ulong Hash(ulong x) => x; }</c>
/// routes each record without a delegate call, and a small <see cref="Hash"/> is inlined into
/// the routing loop. A <see cref="Func{T, TResult}"/> hash does the same work through a delegate.
/// </summary>
/// <typeparam name="TData">The records hashed.</typeparam>
public interface IExchangeHash<TData>
{
    /// <summary>The record's hash: it goes to worker <c>hash % peers</c>.</summary>
    ulong Hash(TData item);
}
