using Timely.Communication;

namespace Timely.Dataflow.Channels;

/// <summary>
/// Fans an output's messages out to every consumer of its stream (timely's <c>Tee</c>).
/// The last consumer gets the message itself; the others get copies made in messages from the
/// worker's <see cref="MessagePool{T, TData}"/>, which the consumers' hand-backs refill, so
/// fan-out allocates only while the pool warms up.
/// </summary>
internal sealed class OutputTee<T, TData> : IPush<Message<T, TData>>
{
    // Design: owned by the worker thread of the operator whose output it is: built while the
    // dataflow is built, pushed to only by that operator's logic. Messages leave through consumers
    // that handle any crossing of threads themselves.
    //
    // The consumers are an array grown by one as each is added (a stream has one reader or a few,
    // all added while the dataflow is built): a list was an object more per output and room for four.
    private IPush<Message<T, TData>>[] _consumers = [];
    private readonly MessagePool<T, TData> _pool;

    /// <summary>A tee whose copies come from (and go back to) <paramref name="pool"/>.</summary>
    public OutputTee(MessagePool<T, TData> pool) => _pool = pool;

    /// <summary>Where the output's empty messages come from.</summary>
    public MessagePool<T, TData> Pool => _pool;

    public void Add(IPush<Message<T, TData>> consumer) => _consumers = [.. _consumers, consumer];

    public void Push(ref Message<T, TData>? message)
    {
        if (message is null)
        {
            Done();
            return;
        }

        var consumers = _consumers;
        int last = consumers.Length - 1;
        if (last < 0)
        {
            message.Data.Clear();
            return;
        }

        for (int i = 0; i < last; i++)
        {
            var copy = _pool.Rent();
            copy.Time = message.Time;
            copy.Data.AddRange(message.Data);
            consumers[i].Push(ref copy);
            if (copy is not null)
            {
                _pool.Return(copy);
            }
        }

        consumers[last].Push(ref message);
    }

    public void Done()
    {
        foreach (var consumer in _consumers)
        {
            consumer.Done();
        }
    }
}
