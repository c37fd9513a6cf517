namespace Timely.Dataflow.Operators;

/// <summary>
/// One transition of <see cref="AggregationOperators.StateMachine"/>: updates the key's state
/// with <paramref name="value"/>, appends what to emit to <paramref name="output"/> (a list
/// the operator lends and empties), and returns true to forget the key's state.
/// </summary>
public delegate bool StateMachineStep<TKey, TValue, TState, TOut>(TKey key, TValue value, ref TState state, List<TOut> output);
