namespace Timely.Dataflow.Operators;

/// <summary>Folds one batch of records into a time's accumulator (<see cref="AggregationOperators.Accumulate"/>).</summary>
public delegate void AccumulateLogic<TAcc, TData>(ref TAcc accumulator, List<TData> batch);
