namespace Timely.Dataflow.Operators.Generic;

/// <summary>
/// What <see cref="InputPort{T, TData}.ForEachTime"/> calls once per distinct time: the
/// capability of that time and every batch received at it in this scheduling. The batches
/// are lent for the call: read or drain them, keep nothing.
/// </summary>
public delegate void ForEachTimeLogic<T, TData>(InputCapability<T> capability, ReadOnlySpan<List<TData>> batches);
