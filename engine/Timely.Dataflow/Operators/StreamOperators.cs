using System.Runtime.InteropServices;
using Timely.Bytes;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// The record-at-a-time operators: map, filter, inspect, concat, exchange, branch, probe.
/// Each keeps records on their worker (pipeline) except <see cref="Exchange{T, TData}(Stream{T, TData}, Func{TData, ulong})"/>.
/// </summary>
public static class StreamOperators
{
    /// <summary>Applies <paramref name="map"/> to every record.</summary>
    public static Stream<T, TOut> Map<T, TData, TOut>(this Stream<T, TData> stream, Func<TData, TOut> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var (builder, input, output, result) = PerBatch<T, TData, TOut>(stream, "Map");
        builder.BuildWithoutCapabilities(() =>
        {
            while (input.TryNext(out var cap, out var data))
            {
                var session = output.Session(cap);
                foreach (var item in CollectionsMarshal.AsSpan(data))
                {
                    session.Give(map(item));
                }
            }
        });
        return result;
    }

    /// <summary>Keeps the records for which <paramref name="predicate"/> holds.</summary>
    public static Stream<T, TData> Filter<T, TData>(this Stream<T, TData> stream, Func<TData, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var (builder, input, output, result) = PerBatch<T, TData, TData>(stream, "Filter");
        builder.BuildWithoutCapabilities(() =>
        {
            while (input.TryNext(out var cap, out var data))
            {
                var session = output.Session(cap);
                foreach (var item in CollectionsMarshal.AsSpan(data))
                {
                    if (predicate(item))
                    {
                        session.Give(item);
                    }
                }
            }
        });
        return result;
    }

    /// <summary>Calls <paramref name="action"/> on every record and passes it on.</summary>
    public static Stream<T, TData> Inspect<T, TData>(this Stream<T, TData> stream, Action<TData> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return stream.InspectBatch((_, data) =>
        {
            foreach (var item in CollectionsMarshal.AsSpan(data))
            {
                action(item);
            }
        });
    }

    /// <summary>Calls <paramref name="action"/> on every record with its time and passes it on.</summary>
    public static Stream<T, TData> InspectTime<T, TData>(this Stream<T, TData> stream, Action<T, TData> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return stream.InspectBatch((time, data) =>
        {
            foreach (var item in CollectionsMarshal.AsSpan(data))
            {
                action(time, item);
            }
        });
    }

    /// <summary>Calls <paramref name="action"/> on every batch (time and records; do not keep the list) and passes it on.</summary>
    public static Stream<T, TData> InspectBatch<T, TData>(this Stream<T, TData> stream, Action<T, List<TData>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Forwarding(stream, "InspectBatch", Pact<TData>.Pipeline, action);
    }

    /// <summary>Merges two streams.</summary>
    public static Stream<T, TData> Concat<T, TData>(this Stream<T, TData> stream, Stream<T, TData> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var builder = new OperatorBuilder<T>(stream.Scope, "Concat") { NotifyOnFrontier = false };
        var first = builder.NewInput(stream, Pact<TData>.Pipeline);
        var second = builder.NewInput(other, Pact<TData>.Pipeline);
        var (output, result) = builder.NewOutput<TData>();
        builder.Build(caps =>
        {
            caps[0].Dispose();
            return () =>
            {
                while (first.TryNext(out var cap, out _))
                {
                    output.Forward(cap.Time, first.Current!);
                }

                while (second.TryNext(out var cap, out _))
                {
                    output.Forward(cap.Time, second.Current!);
                }
            };
        });
        return result;
    }

    /// <summary>
    /// Sends each record to worker <c>hash(record) % peers</c> (a mask when peers is a power
    /// of two). Every record arrives at exactly one worker.
    /// </summary>
    public static Stream<T, TData> Exchange<[WireEncoded] T, [WireEncoded] TData>(this Stream<T, TData> stream, Func<TData, ulong> hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return Forwarding(stream, "Exchange", Pact<TData>.Exchange(hash), onBatch: null);
    }

    /// <summary>
    /// As <see cref="Exchange{T, TData}(Stream{T, TData}, Func{TData, ulong})"/>, by a struct hash
    /// the routing loop is compiled for (no delegate call per record; a small hash is inlined).
    /// </summary>
    public static Stream<T, TData> Exchange<[WireEncoded] T, [WireEncoded] TData, THash>(this Stream<T, TData> stream, THash hash)
        where THash : struct, IExchangeHash<TData> =>
        Forwarding(stream, "Exchange", Pact<TData>.Exchange(hash), onBatch: null);

    /// <summary>
    /// Splits by time: records at times where <paramref name="condition"/> is false go to the
    /// first stream, the others to the second (timely's <c>branch_when</c>).
    /// </summary>
    public static (Stream<T, TData> WhenFalse, Stream<T, TData> WhenTrue) BranchWhen<T, TData>(this Stream<T, TData> stream, Func<T, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var builder = new OperatorBuilder<T>(stream.Scope, "BranchWhen") { NotifyOnFrontier = false };
        var input = builder.NewInput(stream, Pact<TData>.Pipeline);
        var (whenFalse, falseStream) = builder.NewOutput<TData>();
        var (whenTrue, trueStream) = builder.NewOutput<TData>();
        builder.Build(caps =>
        {
            caps[0].Dispose();
            caps[1].Dispose();
            return () =>
            {
                while (input.TryNext(out var cap, out _))
                {
                    var output = condition(cap.Time) ? whenTrue : whenFalse;
                    output.Forward(cap.Time, input.Current!);
                }
            };
        });
        return (falseStream, trueStream);
    }

    /// <summary>Observes the stream's frontier with a new handle; the stream ends here.</summary>
    public static ProbeHandle<T> Probe<T, TData>(this Stream<T, TData> stream)
    {
        var handle = new ProbeHandle<T>();
        stream.ProbeWith(handle);
        return handle;
    }

    /// <summary>Observes the stream's frontier with <paramref name="handle"/> and passes the records on.</summary>
    public static Stream<T, TData> ProbeWith<T, TData>(this Stream<T, TData> stream, ProbeHandle<T> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        // For integer times the probe also runs when its frontier moves, to publish it for the
        // timely.probe.lag gauge: one run per frontier change, nothing per record.
        var builder = new OperatorBuilder<T>(stream.Scope, "Probe");
        var lag = Diagnostics.DataflowMetrics.RegisterProbe(stream.Scope, builder.Index);
        builder.NotifyOnFrontier = lag is not null;
        var input = builder.NewInput(stream, Pact<TData>.Pipeline);
        var (output, result) = builder.NewOutput<TData>();
        builder.Build(caps =>
        {
            caps[0].Dispose();
            return () =>
            {
                while (input.TryNext(out var cap, out _))
                {
                    output.Forward(cap.Time, input.Current!);
                }

                lag?.Publish(input.Frontier);
            };
        });
        handle.Add(stream.Scope, builder.Index);
        return result;
    }

    /// <summary>
    /// The shape of the record-at-a-time operators: one pipeline input, one output, no
    /// capability kept (records leave at their own time); the caller builds it with its logic
    /// (<see cref="OperatorBuilder{T}.BuildWithoutCapabilities"/>), a loop over the received
    /// batches with a session at each batch's time. The logic is one closure over the ports and the
    /// user's function, where a body delegate per operator with a closure of its own, called once
    /// per batch, made two objects more per operator built (perf.md §4, the examples' levers, evbuild2).
    /// </summary>
    private static (OperatorBuilder<T> Builder, InputPort<T, TData> Input, OutputPort<T, TOut> Output, Stream<T, TOut> Result) PerBatch<T, TData, TOut>(Stream<T, TData> stream, string name)
    {
        var builder = new OperatorBuilder<T>(stream.Scope, name) { NotifyOnFrontier = false };
        var input = builder.NewInput(stream, Pact<TData>.Pipeline);
        var (output, result) = builder.NewOutput<TOut>();
        return (builder, input, output, result);
    }

    /// <summary>
    /// The shape of the pass-through operators: each received batch goes on unchanged (the list
    /// itself is forwarded, no copy), after <paramref name="onBatch"/> has seen it; the pact says
    /// where records go (pipeline, or exchange to their worker).
    /// </summary>
    private static Stream<T, TData> Forwarding<T, TData>(Stream<T, TData> stream, string name, Pact<TData> pact, Action<T, List<TData>>? onBatch)
    {
        var builder = new OperatorBuilder<T>(stream.Scope, name) { NotifyOnFrontier = false };
        var input = builder.NewInput(stream, pact);
        var (output, result) = builder.NewOutput<TData>();
        builder.BuildWithoutCapabilities(() =>
        {
            while (input.TryNext(out var cap, out var data))
            {
                onBatch?.Invoke(cap.Time, data);
                output.Forward(cap.Time, input.Current!);
            }
        });
        return result;
    }
}
