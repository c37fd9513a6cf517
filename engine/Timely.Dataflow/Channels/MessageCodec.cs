using Timely.Bytes;

namespace Timely.Dataflow.Channels;

/// <summary>
/// Wire layout of a data <see cref="Message{T, TData}"/> for serializing allocators: the time,
/// then the records as a bincode sequence (u64 count, elements). Decoding refills the
/// message and list passed in, so a recycled message costs no allocation.
/// </summary>
internal sealed class MessageCodec<T, TData> : IWireCodec<Message<T, TData>>
{
    // Design: stateless after construction (the time and record codecs it holds are themselves
    // stateless), so one instance serves every thread that encodes or decodes.
    private readonly IWireCodec<T> _time = WireCodec<T>.Default;
    private readonly IWireCodec<List<TData>> _data;

    public MessageCodec()
    {
        // TData is known here, so the list codec is built without reflection (Native AOT).
        WireCodec.PrepareList<TData>();
        _data = WireCodec<List<TData>>.Default;
    }

    public int Measure(in Message<T, TData> value) => _time.Measure(value.Time) + _data.Measure(value.Data);

    public int Write(Span<byte> destination, in Message<T, TData> value)
    {
        int written = _time.Write(destination, value.Time);
        return written + _data.Write(destination[written..], value.Data);
    }

    public int Read(ReadOnlySpan<byte> source, ref Message<T, TData> value)
    {
        value ??= new Message<T, TData>();
        T time = value.Time;
        int read = _time.Read(source, ref time);
        value.Time = time;
        var data = value.Data;
        return read + _data.Read(source[read..], ref data);
    }
}
