using System.Runtime.InteropServices;
using Timely.Bytes;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Per-time and per-key reductions: timely's <c>accumulate</c>, <c>count</c>, <c>aggregate</c>
/// and <c>state_machine</c>. <see cref="Accumulate"/> and <see cref="Count"/> reduce each
/// worker's records per time; <see cref="Aggregate"/> and <see cref="StateMachine"/> first
/// route each (key, value) pair to the worker of <c>hash(key)</c>, so a key's state lives on
/// exactly one worker.
/// </summary>
/// <remarks>
/// States are updated in place (<c>ref</c> into the dictionary's slot), and the per-time
/// dictionaries and lists are recycled once their time is sent: no allocation per record once
/// the keys are known.
/// </remarks>
public static class AggregationOperators
{
    /// <summary>
    /// Folds each time's records on this worker into one accumulator that starts at
    /// <paramref name="seed"/> (copied by assignment: give a value type or an immutable value),
    /// and sends it once the time is complete (timely's <c>accumulate</c>). Times without
    /// records send nothing.
    /// </summary>
    public static Stream<T, TAcc> Accumulate<T, TData, TAcc>(this Stream<T, TData> stream, TAcc seed, AccumulateLogic<TAcc, TData> logic)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(logic);
        return NotifyShape.Unary<T, TData, TAcc>(stream, Pact<TData>.Pipeline, "Accumulate", (input, output, notificator) =>
        {
            var accumulators = new Dictionary<T, TAcc>();
            ForEachTimeLogic<T, TData> receive = (cap, batches) =>
            {
                ref var accumulator = ref CollectionsMarshal.GetValueRefOrAddDefault(accumulators, cap.Time, out bool exists);
                if (!exists)
                {
                    accumulator = seed;
                    notificator.NotifyAt(cap.Retain());
                }

                foreach (var batch in batches)
                {
                    logic(ref accumulator!, batch);
                }
            };
            return () =>
            {
                input.ForEachTime(receive);
                while (notificator.TryNext(out var time, out _))
                {
                    if (accumulators.Remove(time, out var accumulator))
                    {
                        notificator.Session(output).Give(accumulator);
                    }
                }
            };
        });
    }

    /// <summary>The number of records per time on this worker, sent once the time is complete (timely's <c>count</c>).</summary>
    public static Stream<T, long> Count<T, TData>(this Stream<T, TData> stream)
        where T : notnull =>
        stream.Accumulate(0L, static (ref long count, List<TData> batch) => count += batch.Count);

    /// <summary>
    /// Per time and key: routes each pair to the worker of <c>hash(key)</c>, folds the key's
    /// values into a state that starts at <c>default</c>, and once the time is complete sends
    /// <c>emit(key, state)</c> for every key seen at it (timely's <c>aggregate</c>).
    /// </summary>
    public static Stream<T, TOut> Aggregate<[WireEncoded] T, [WireEncoded] TKey, [WireEncoded] TValue, TState, TOut>(
        this Stream<T, (TKey Key, TValue Value)> stream,
        AggregateFold<TKey, TValue, TState> fold,
        Func<TKey, TState, TOut> emit,
        Func<TKey, ulong> hash)
        where T : notnull
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(fold);
        ArgumentNullException.ThrowIfNull(emit);
        ArgumentNullException.ThrowIfNull(hash);
        WireCodec.PrepareTuple<TKey, TValue>();   // the exchanged pairs' codec, without reflection (Native AOT)
        var pact = Pact<(TKey Key, TValue Value)>.Exchange(pair => hash(pair.Key));
        return NotifyShape.Unary<T, (TKey Key, TValue Value), TOut>(stream, pact, "Aggregate", (input, output, notificator) =>
        {
            var byTime = new Dictionary<T, Dictionary<TKey, TState>>();
            var spare = new Stack<Dictionary<TKey, TState>>();
            ForEachTimeLogic<T, (TKey Key, TValue Value)> receive = (cap, batches) =>
            {
                if (!byTime.TryGetValue(cap.Time, out var states))
                {
                    notificator.NotifyAt(cap.Retain());
                    states = spare.TryPop(out var reused) ? reused : new Dictionary<TKey, TState>();
                    byTime.Add(cap.Time, states);
                }

                foreach (var batch in batches)
                {
                    foreach (var (key, value) in CollectionsMarshal.AsSpan(batch))
                    {
                        ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(states, key, out _);
                        fold(key, value, ref state!);
                    }
                }
            };
            return () =>
            {
                input.ForEachTime(receive);
                while (notificator.TryNext(out var time, out _))
                {
                    if (byTime.Remove(time, out var states))
                    {
                        var session = notificator.Session(output);
                        foreach (var (key, state) in states)
                        {
                            session.Give(emit(key, state));
                        }

                        states.Clear();
                        spare.Push(states);
                    }
                }
            };
        });
    }

    /// <summary>
    /// A state machine per key (timely's <c>state_machine</c>): routes each pair to the worker
    /// of <c>hash(key)</c> and applies <paramref name="step"/> to the key's state (starting at
    /// <c>default</c>) in time order, sending what it emits at the pair's time. Pairs at a time
    /// that earlier times may still precede wait for those; the others are applied at once.
    /// Within one time, pairs are applied in arrival order.
    /// </summary>
    public static Stream<T, TOut> StateMachine<[WireEncoded] T, [WireEncoded] TKey, [WireEncoded] TValue, TState, TOut>(
        this Stream<T, (TKey Key, TValue Value)> stream,
        StateMachineStep<TKey, TValue, TState, TOut> step,
        Func<TKey, ulong> hash)
        where T : notnull
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(hash);
        WireCodec.PrepareTuple<TKey, TValue>();   // the exchanged pairs' codec, without reflection (Native AOT)
        var pact = Pact<(TKey Key, TValue Value)>.Exchange(pair => hash(pair.Key));
        return NotifyShape.Unary<T, (TKey Key, TValue Value), TOut>(stream, pact, "StateMachine", (input, output, notificator) =>
        {
            var machine = new KeyedStates<TKey, TValue, TState, TOut>(step);
            var pending = new Dictionary<T, List<(TKey Key, TValue Value)>>();
            var spare = new Stack<List<(TKey Key, TValue Value)>>();
            ForEachTimeLogic<T, (TKey Key, TValue Value)> receive = (cap, batches) =>
            {
                if (input.Frontier.LessThan(cap.Time))
                {
                    // An earlier time may still bring pairs: wait for this time's notification.
                    if (!pending.TryGetValue(cap.Time, out var list))
                    {
                        notificator.NotifyAt(cap.Retain());
                        list = spare.TryPop(out var reused) ? reused : new List<(TKey Key, TValue Value)>();
                        pending.Add(cap.Time, list);
                    }

                    foreach (var batch in batches)
                    {
                        list.AddRange(batch);
                    }
                }
                else
                {
                    var session = output.Session(cap);
                    foreach (var batch in batches)
                    {
                        machine.Apply(CollectionsMarshal.AsSpan(batch), session);
                    }
                }
            };
            return () =>
            {
                while (notificator.TryNext(out var time, out _))
                {
                    if (pending.Remove(time, out var list))
                    {
                        machine.Apply(CollectionsMarshal.AsSpan(list), notificator.Session(output));
                        list.Clear();
                        spare.Push(list);
                    }
                }

                input.ForEachTime(receive);
            };
        });
    }

    /// <summary>The per-key states of a <see cref="StateMachine"/> and the list its steps emit into.</summary>
    private sealed class KeyedStates<TKey, TValue, TState, TOut>(StateMachineStep<TKey, TValue, TState, TOut> step)
        where TKey : notnull
    {
        private readonly Dictionary<TKey, TState> _states = new();
        private readonly List<TOut> _emitted = new();

        public void Apply<T>(ReadOnlySpan<(TKey Key, TValue Value)> pairs, OutputSession<T, TOut> session)
        {
            foreach (var (key, value) in pairs)
            {
                ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_states, key, out _);
                bool remove = step(key, value, ref state!, _emitted);
                if (remove)
                {
                    _states.Remove(key);
                }

                session.GiveList(_emitted);
                _emitted.Clear();
            }
        }
    }
}
