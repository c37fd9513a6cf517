using System.Threading.Channels;
using Timely.Dataflow.Channels;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Sinks that hand a stream's records, with their times, to async code through a
/// <see cref="ChannelWriter{T}"/>: the end of a dataflow that a service reads with
/// <c>await foreach (var x in channel.Reader.ReadAllAsync())</c>.
/// </summary>
/// <remarks>
/// Each worker writes the records it holds, in the order it receives them. A writer that takes
/// every record at once (an unbounded channel) costs one <see cref="ChannelWriter{T}.TryWrite"/>
/// per record; a full bounded channel makes the worker wait for room (backpressure: the
/// dataflow slows to the reader's pace), and the run's cancellation ends that wait. A writer that
/// was completed fails the worker with <see cref="ChannelClosedException"/>. The sink does not
/// complete the writer: several workers may share it, and the run's end
/// (<see cref="Execute.RunAsync{TResult}(Communication.Config, Func{Worker, TResult}, CancellationToken)"/>
/// returning) is when every record has been written.
/// </remarks>
public static class ChannelSinkOperators
{
    /// <summary>Writes every record of the stream to <paramref name="writer"/> as <paramref name="make"/>(time, record).</summary>
    public static void WriteTo<T, TData, TOut>(this Stream<T, TData> stream, ChannelWriter<TOut> writer, Func<T, TData, TOut> make)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(make);
        var token = stream.Scope.Worker.Cancellation;
        stream.Sink(Pact<TData>.Pipeline, "WriteToChannel", input =>
        {
            while (input.TryNext(out var capability, out var data))
            {
                var time = capability.Time;
                foreach (var record in data)
                {
                    var item = make(time, record);
                    if (!writer.TryWrite(item))
                    {
                        WriteSlow(writer, item, token);
                    }
                }
            }
        });
    }

    /// <summary>Writes every record of the stream to <paramref name="writer"/> with its time.</summary>
    public static void WriteTo<T, TData>(this Stream<T, TData> stream, ChannelWriter<(T Time, TData Record)> writer) =>
        stream.WriteTo(writer, static (time, record) => (time, record));

    /// <summary>The channel is full (or closed): wait for room on the worker's thread, or fail with the reason.</summary>
    private static void WriteSlow<TOut>(ChannelWriter<TOut> writer, TOut item, CancellationToken token)
    {
        while (!writer.TryWrite(item))
        {
            var room = writer.WaitToWriteAsync(token);
            bool open = room.IsCompleted ? room.Result : room.AsTask().GetAwaiter().GetResult();
            if (!open)
            {
                throw new ChannelClosedException("the channel this dataflow writes to was completed while records were still coming.");
            }
        }
    }
}
