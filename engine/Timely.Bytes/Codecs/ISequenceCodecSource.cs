namespace Timely.Bytes.Codecs;

/// <summary>
/// An element codec that knows a faster codec for a list of its elements than one element
/// call per record (<see cref="PackedPairCodec{T1, T2}"/>: a fixed-width record whose fields are
/// written in one loop). <see cref="WireCodec"/> asks for it when it builds <c>List&lt;T&gt;</c>'s
/// codec; the bytes are those of <see cref="ListCodec{T}"/> over the same element.
/// </summary>
internal interface ISequenceCodecSource<T>
{
    /// <summary>The codec of <c>List&lt;T&gt;</c>.</summary>
    IWireCodec<List<T>> CreateListCodec();
}
