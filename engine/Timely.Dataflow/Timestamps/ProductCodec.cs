using Timely.Bytes;

namespace Timely.Dataflow.Timestamps;

/// <summary>
/// <see cref="Product{TOuter, TInner}"/> on the wire: the outer field, then the inner one, each by
/// its own codec, as bincode writes timely's <c>Product { outer, inner }</c> (for
/// <c>Product&lt;u64, u32&gt;</c>: 12 bytes, no padding).
/// </summary>
internal sealed class ProductCodec<TOuter, TInner> : IWireCodec<Product<TOuter, TInner>>
{
    // Design: stateless after construction (its coordinate codecs are stateless), so one registered
    // instance serves every thread.
    private readonly IWireCodec<TOuter> _outer = WireCodec<TOuter>.Default;
    private readonly IWireCodec<TInner> _inner = WireCodec<TInner>.Default;

    public int Measure(in Product<TOuter, TInner> value) => checked(_outer.Measure(value.Outer) + _inner.Measure(value.Inner));

    public int Write(Span<byte> destination, in Product<TOuter, TInner> value)
    {
        int n = _outer.Write(destination, value.Outer);
        return n + _inner.Write(destination[n..], value.Inner);
    }

    public int Read(ReadOnlySpan<byte> source, ref Product<TOuter, TInner> value)
    {
        TOuter outer = default!;
        TInner inner = default!;
        int n = _outer.Read(source, ref outer);
        n += _inner.Read(source[n..], ref inner);
        value = new Product<TOuter, TInner>(outer, inner);
        return n;
    }
}
