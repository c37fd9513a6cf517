namespace Timely.Dataflow.Operators;

/// <summary>Folds one value into its key's state at one time (<see cref="AggregationOperators.Aggregate"/>).</summary>
public delegate void AggregateFold<TKey, TValue, TState>(TKey key, TValue value, ref TState state);
