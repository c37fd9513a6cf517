using Timely.Bytes;

namespace Timely.Dataflow.Capture;

/// <summary>
/// Prepares the composite codecs a capture file carries (<c>List&lt;TData&gt;</c> for messages,
/// <c>List&lt;(T, long)&gt;</c> for progress), where T and TData are known statically, so the
/// writer and reader resolve them without reflection (Native AOT).
/// </summary>
internal static class CaptureCodecs
{
    public static void Prepare<T, TData>()
    {
        WireCodec.PrepareList<TData>();
        WireCodec.PrepareTuple<T, long>();
        WireCodec.PrepareList<(T, long)>();
    }
}
