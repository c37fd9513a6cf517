using System.Runtime.InteropServices;
using Timely.Bytes;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Operators;

/// <summary>
/// timely's splitting and merging operators: <c>flat_map</c>, <c>branch</c>, <c>ok_err</c>,
/// <c>partition</c>, <c>concatenate</c> and <c>broadcast</c>. All keep records on their worker
/// (pipeline) except <see cref="Broadcast"/>, and none holds a capability: records leave at
/// the time they came with, in the order they came.
/// </summary>
public static class StandardOperators
{
    /// <summary>Replaces every record by the records <paramref name="map"/> returns for it (timely's <c>flat_map</c>).</summary>
    public static Stream<T, TOut> FlatMap<T, TData, TOut>(this Stream<T, TData> stream, Func<TData, IEnumerable<TOut>> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Splitter<T, TData, TOut>(stream, "FlatMap", 1, (cap, data, ports) =>
        {
            var session = ports[0].Session(cap);
            foreach (var item in CollectionsMarshal.AsSpan(data))
            {
                foreach (var produced in map(item))
                {
                    session.Give(produced);
                }
            }
        }).Streams[0];
    }

    /// <summary>
    /// Splits by time and record: records for which <paramref name="condition"/> is false go to
    /// the first stream, the others to the second (timely's <c>branch</c>).
    /// </summary>
    public static (Stream<T, TData> WhenFalse, Stream<T, TData> WhenTrue) Branch<T, TData>(this Stream<T, TData> stream, Func<T, TData, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TwoWay<T, TData, TData, TData>(stream, "Branch", (cap, data, falsePort, truePort) =>
        {
            var whenFalse = falsePort.Session(cap);
            var whenTrue = truePort.Session(cap);
            foreach (var item in CollectionsMarshal.AsSpan(data))
            {
                if (condition(cap.Time, item))
                {
                    whenTrue.Give(item);
                }
                else
                {
                    whenFalse.Give(item);
                }
            }
        });
    }

    /// <summary>
    /// Splits by the result of <paramref name="logic"/>: values to the first stream, errors to the
    /// second (timely's <c>ok_err</c>). Write the results as <c>Result&lt;TOk, TErr&gt;.Ok(v)</c>
    /// and <c>Result&lt;TOk, TErr&gt;.Err(e)</c>.
    /// </summary>
    public static (Stream<T, TOk> Oks, Stream<T, TErr> Errs) OkErr<T, TData, TOk, TErr>(this Stream<T, TData> stream, Func<TData, Result<TOk, TErr>> logic)
    {
        ArgumentNullException.ThrowIfNull(logic);
        return TwoWay<T, TData, TOk, TErr>(stream, "OkErr", (cap, data, okPort, errPort) =>
        {
            var ok = okPort.Session(cap);
            var err = errPort.Session(cap);
            foreach (var item in CollectionsMarshal.AsSpan(data))
            {
                var result = logic(item);
                if (result.IsOk)
                {
                    ok.Give(result.Value);
                }
                else
                {
                    err.Give(result.Error);
                }
            }
        });
    }

    /// <summary>
    /// Splits into <paramref name="parts"/> streams: <paramref name="route"/> gives each record's
    /// part (in <c>0..parts</c>) and what to send there (timely's <c>partition</c>). A part out of
    /// range fails the operator.
    /// </summary>
    public static Stream<T, TOut>[] Partition<T, TData, TOut>(this Stream<T, TData> stream, int parts, Func<TData, (ulong Part, TOut Data)> route)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parts);
        ArgumentNullException.ThrowIfNull(route);
        var (_, streams) = Splitter<T, TData, TOut>(stream, "Partition", parts, (time, data, ports) =>
        {
            foreach (var item in CollectionsMarshal.AsSpan(data))
            {
                var (part, value) = route(item);
                if (part >= (ulong)ports.Length)
                {
                    throw new InvalidOperationException($"partition: part {part} of a record is not in 0..{ports.Length}");
                }

                ports[(int)part].Session(time).Give(value);
            }
        });
        return streams;
    }

    /// <summary>Merges this stream with every stream of <paramref name="others"/> (timely's <c>concatenate</c> on a stream).</summary>
    public static Stream<T, TData> Concatenate<T, TData>(this Stream<T, TData> stream, IEnumerable<Stream<T, TData>> others)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(others);
        return stream.Scope.Concatenate(others.Prepend(stream));
    }

    /// <summary>
    /// Merges any number of streams into one (timely's <c>scope.concatenate</c>): one operator
    /// with an input per stream, each batch forwarded without copying.
    /// </summary>
    public static Stream<T, TData> Concatenate<T, TData>(this Scope<T> scope, IEnumerable<Stream<T, TData>> streams)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(streams);
        var builder = new OperatorBuilder<T>(scope, "Concatenate") { NotifyOnFrontier = false };
        var inputs = streams.Select(s => builder.NewInput(s, Pact<TData>.Pipeline)).ToArray();
        var (output, result) = builder.NewOutput<TData>();
        builder.Build(caps =>
        {
            caps[0].Dispose();
            return () =>
            {
                foreach (var input in inputs)
                {
                    while (input.TryNext(out var cap, out _))
                    {
                        output.Forward(cap.Time, input.Current!);
                    }
                }
            };
        });
        return result;
    }

    /// <summary>
    /// Sends every record to every worker (timely's <c>broadcast</c>): each worker receives, at
    /// the record's time, one copy from every worker that had it.
    /// </summary>
    public static Stream<T, TData> Broadcast<[WireEncoded] T, [WireEncoded] TData>(this Stream<T, TData> stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ulong peers = (ulong)stream.Scope.Peers;

        // As timely does it: address one copy per worker, exchange by address, drop the address.
        // The pairs are structs in the batches' lists: no allocation per record.
        WireCodec.PrepareTuple<ulong, TData>();   // the addressed copies' codec, without reflection (Native AOT)
        var addressed = Splitter<T, TData, (ulong Target, TData Data)>(stream, "Broadcast", 1, (time, data, ports) =>
        {
            var session = ports[0].Session(time);
            foreach (var item in CollectionsMarshal.AsSpan(data))
            {
                for (ulong target = 0; target < peers; target++)
                {
                    session.Give((target, item));
                }
            }
        }).Streams[0];
        return addressed.Exchange(static pair => pair.Target).Map(static pair => pair.Data);
    }

    /// <summary>
    /// The shape of the splitting operators: one pipeline input, <paramref name="outputs"/>
    /// outputs, no capability kept; <paramref name="body"/> runs once per received batch.
    /// </summary>
    private static (OutputPort<T, TOut>[] Ports, Stream<T, TOut>[] Streams) Splitter<T, TData, TOut>(
        Stream<T, TData> stream, string name, int outputs, Action<InputCapability<T>, List<TData>, OutputPort<T, TOut>[]> body)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var builder = new OperatorBuilder<T>(stream.Scope, name) { NotifyOnFrontier = false };
        var input = builder.NewInput(stream, Pact<TData>.Pipeline);
        var ports = new OutputPort<T, TOut>[outputs];
        var streams = new Stream<T, TOut>[outputs];
        for (int o = 0; o < outputs; o++)
        {
            (ports[o], streams[o]) = builder.NewOutput<TOut>();
        }

        builder.Build(caps =>
        {
            foreach (var cap in caps)
            {
                cap.Dispose();
            }

            return () =>
            {
                while (input.TryNext(out var cap, out var data))
                {
                    body(cap, data, ports);
                }
            };
        });
        return (ports, streams);
    }

    /// <summary>
    /// The shape of the two-way splitters (<see cref="Branch"/>, <see cref="OkErr"/>): one
    /// pipeline input, two outputs of their own types, no capability kept.
    /// </summary>
    private static (Stream<T, TOut1>, Stream<T, TOut2>) TwoWay<T, TData, TOut1, TOut2>(
        Stream<T, TData> stream, string name, Action<InputCapability<T>, List<TData>, OutputPort<T, TOut1>, OutputPort<T, TOut2>> body)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var builder = new OperatorBuilder<T>(stream.Scope, name) { NotifyOnFrontier = false };
        var input = builder.NewInput(stream, Pact<TData>.Pipeline);
        var (first, firstStream) = builder.NewOutput<TOut1>();
        var (second, secondStream) = builder.NewOutput<TOut2>();
        builder.Build(caps =>
        {
            foreach (var cap in caps)
            {
                cap.Dispose();
            }

            return () =>
            {
                while (input.TryNext(out var cap, out var data))
                {
                    body(cap, data, first, second);
                }
            };
        });
        return (firstStream, secondStream);
    }
}
