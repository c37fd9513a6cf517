namespace Timely.Dataflow.Operators;

/// <summary>
/// What the function of <see cref="IteratorSourceOperators.IteratorSource{T, TData}"/> returns
/// for one call (timely's <c>IteratorSourceInput</c>).
/// </summary>
/// <param name="LowerBound">A lower bound on the times this input may still emit; the source
/// gives up the times before it (<c>default</c> when not needed: the source then relies on the
/// times of <paramref name="Data"/> increasing).</param>
/// <param name="Data">Records as (time, records at that time) pairs; the times must not decrease.</param>
/// <param name="Target">The frontier the probe must have reached before the function is called
/// again (the probe must not be strictly before it).</param>
public sealed record IteratorSourceInput<T, TData>(T LowerBound, IEnumerable<(T Time, IEnumerable<TData> Records)> Data, T Target);
